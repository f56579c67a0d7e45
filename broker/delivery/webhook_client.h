#pragma once
// The outbound HTTP(S) client for webhook deliveries: asynchronous, on the
// caller's io_context, with a keep-alive connection pool per origin.
//
// Connections: an idle connection to the request's origin is reused (the most
// recently used first); when none is idle a new one is opened - there is no
// cap here, the delivery engine limits concurrency. A connection is dropped
// when the server answers "Connection: close", on any error or timeout, when
// the server closes or sends anything while it is idle, and when it has been
// idle longer than WebhookClientOptions::maxIdle. If a reused connection
// fails before a single byte of the response arrived (the server closed it
// while it sat idle), the request is sent once more on a new connection; the
// receiver may then see it twice, which at-least-once delivery allows.
//
// Threads: send(), shutdown() and openConnections() may be called from any
// thread. Each connection lives on its own strand of the io_context; the pool
// is guarded by a mutex. Redirects are not followed.

#include "core/failure.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace meshdeck::delivery {

struct WebhookRequest {
    std::string url; // http(s)://host[:port][/path][?query]
    std::string method = "POST";
    // Sent as given. The client adds Host, Content-Length and User-Agent
    // (unless given); Content-Length and Transfer-Encoding may not be given.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Covers everything: resolve, connect, TLS handshake, write and read.
    std::chrono::milliseconds timeout{10'000};
};

struct WebhookResult {
    int status = 0; // 0: no HTTP answer
    FailureClass failure = FailureClass::None;
    // Empty on success, else a sentence a person can act on: "connection
    // refused by 127.0.0.1:9", "no answer within 2000 ms", "TLS handshake with
    // crm.example:443 failed: ...", "cannot resolve host crm.example: ...",
    // "HTTP 503 Service Unavailable".
    std::string error;
    std::optional<std::chrono::milliseconds> retryAfter; // from a Retry-After header
    std::string responseExcerpt;                         // the first 512 bytes of the body
    std::chrono::microseconds elapsed{};                 // from send() to done
    bool ok() const { return failure == FailureClass::None; }
};

struct WebhookClientOptions {
    // Verify the server's certificate chain against the system trust store
    // and its name against the URL's host. Off only for tests.
    bool verifyPeer = true;
    // Extra trusted certificates (PEM file), in addition to the system store.
    std::string caFile;
    // An idle connection older than this is closed instead of reused. Below
    // common server keep-alive timeouts, so a reused connection is rarely one
    // the server is closing at that moment.
    std::chrono::milliseconds maxIdle{30'000};
};

class WebhookClient {
public:
    // Throws std::runtime_error when caFile cannot be loaded.
    explicit WebhookClient(boost::asio::io_context& io, WebhookClientOptions options = {});
    // Calls shutdown().
    ~WebhookClient();
    WebhookClient(const WebhookClient&) = delete;
    WebhookClient& operator=(const WebhookClient&) = delete;

    // `done` runs exactly once, on a thread running the io_context, never
    // inside send(); it must not throw. Failures are results, never
    // exceptions: a request the client will not send (malformed URL, a
    // header with a line break) gives FailureClass::Invalid with the reason.
    void send(WebhookRequest request, std::function<void(WebhookResult)> done);

    // Closes idle connections and aborts requests in flight (their done gets a
    // Transport failure "shutting down"); later sends fail the same way.
    void shutdown();

    // Connections opening, busy or idle.
    std::size_t openConnections() const;

    struct Shared; // public so the file's connection class can name it

private:
    std::shared_ptr<Shared> shared_;
};

struct ParsedUrl {
    bool tls = false;
    std::string host; // lower case, without the brackets of an IPv6 literal
    std::uint16_t port = 0;
    std::string target; // path and query, at least "/"
    // "https://crm.example", "http://127.0.0.1:8080", "http://[::1]:9000":
    // the default port is left out.
    std::string origin() const;
};

// Throws std::invalid_argument, saying what is wrong, for a URL that is not
// http(s)://host[:port][/path][?query]: other schemes, user:password@,
// fragments, spaces or control characters, ports outside 1-65535.
ParsedUrl parseUrl(std::string_view url);

} // namespace meshdeck::delivery
