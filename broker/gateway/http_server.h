#pragma once
// The HTTP(S) listener: Boost.Beast sessions, one per connection, each on its
// own strand. A session reads one request at a time (keep-alive, no
// pipelining), hands it to Api, and writes the answer when Api responds -
// possibly from the writer thread, so the answer is posted back onto the
// session's strand. Every read and write has a timeout.

#include "broker/config.h"

#include <cstdint>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace meshdeck {

class Api;
class BrokerCore;

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, Api& api, BrokerCore& core);
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
