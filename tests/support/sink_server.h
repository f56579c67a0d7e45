#pragma once
// A scriptable HTTP(S) receiver on 127.0.0.1 for the delivery tests and
// benchmarks: it records what arrives and answers what the handler says -
// any status, late, never, or by closing the connection.
//
// Threads: the sink runs its own io threads; the handler runs on one of them,
// one request per connection at a time. Every public member is thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshdeck::test {

struct SinkRequest {
    std::string method, target, body;
    std::map<std::string, std::string> headers; // lower-case names
    std::chrono::steady_clock::time_point at;
    std::size_t connection = 0; // which accepted connection carried it, counted from 1
};

struct SinkReply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers; // "connection: close" closes
    std::string body;
    std::chrono::milliseconds delay{0}; // a timer, not a sleep: other connections go on
    bool hang = false;                  // never answer, keep the connection open
    bool closeWithoutAnswer = false;
};

// PEM files for HTTPS; both empty: plain HTTP.
struct SinkTls {
    std::string certFile;
    std::string keyFile;
};

class SinkServer {
public:
    using Handler = std::function<SinkReply(const SinkRequest&)>;

    // Listens on 127.0.0.1 on a free port. No handler: every request gets 200.
    // Throws std::runtime_error when it cannot listen or load the TLS files.
    explicit SinkServer(Handler handler = {}, int threads = 1, SinkTls tls = {});
    ~SinkServer();
    SinkServer(const SinkServer&) = delete;
    SinkServer& operator=(const SinkServer&) = delete;

    std::uint16_t port() const;
    // "http://127.0.0.1:<port>/hook" (https when TLS is on).
    std::string url(std::string_view path = "/hook") const;
    void setHandler(Handler handler);

    // Requests as received, oldest first (only while recording is on).
    std::vector<SinkRequest> requests() const;
    // Counted whether or not recording is on.
    std::size_t requestCount() const;
    bool waitForRequests(std::size_t n, std::chrono::milliseconds timeout) const;
    // Forgets recorded requests and resets the count.
    void clear();
    // Off: requests are only counted (benchmarks); the handler still runs.
    void setRecordBodies(bool record);

    std::size_t acceptedConnections() const;
    std::size_t openConnections() const;
    // Closes every open connection, as a server does with idle keep-alive ones.
    void closeConnections();

    // Stops listening, closes every connection and joins the io threads.
    void stop();

    struct Impl; // public so the file's session template can name it

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace meshdeck::test
