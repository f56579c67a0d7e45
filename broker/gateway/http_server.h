#pragma once
// The HTTP(S) listener: Boost.Beast sessions, one per connection. Each
// io_context given is run by one thread; connections are dealt out to them
// in turn, and everything a connection does stays on its context's thread.
// A session reads one request at a time (keep-alive, no pipelining), hands it
// to Api, and writes the answer when Api responds - possibly from the writer
// thread, so the answer is posted back to the connection's thread. Every read
// and write has a timeout.

#include "broker/config.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace meshdeck {

class Api;
class BrokerCore;

class HttpServer {
public:
    // contexts: at least one; each must be run by exactly one thread.
    HttpServer(std::vector<boost::asio::io_context*> contexts, Api& api, BrokerCore& core);
    ~HttpServer();

    // Binds and starts accepting. Throws std::runtime_error naming the address
    // and the reason ("address already in use").
    void start(const ListenAddress& address);
    std::uint16_t port() const;
    bool tls() const;
    void stopAccepting();
    void closeConnections();
    // Both of the above.
    void stop();

    struct Impl; // public so the file's session template can name it

private:
    std::shared_ptr<Impl> impl_;
};

} // namespace meshdeck
