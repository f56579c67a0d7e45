#include "tests/support/sink_server.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace meshdeck::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// The io_context and acceptor are declared last so they are destroyed first:
// pending handlers (and the sessions they hold) go while the counters and the
// TLS context they use still exist.
struct SinkServer::Impl {
    explicit Impl(Handler h, const SinkTls& tlsFiles)
        : handler(std::make_shared<const Handler>(std::move(h))) {
        if (!tlsFiles.certFile.empty() || !tlsFiles.keyFile.empty()) {
            tls.emplace(ssl::context::tls_server);
            try {
                tls->use_certificate_chain_file(tlsFiles.certFile);
                tls->use_private_key_file(tlsFiles.keyFile, ssl::context::pem);
            } catch (const std::exception& e) {
                throw std::runtime_error("sink: cannot load TLS certificate " + tlsFiles.certFile +
                                         " / key " + tlsFiles.keyFile + ": " + e.what());
            }
        }
    }

    void accept();
    // Records the request (or only counts it) and returns the handler to ask.
    std::shared_ptr<const Handler> arrived(SinkRequest* request);
    bool wantsRequests() const;

    mutable std::mutex mutex;
    mutable std::condition_variable arrivedSignal;
    // Guarded by mutex.
    std::shared_ptr<const Handler> handler;
    std::vector<SinkRequest> recorded;
    std::size_t count = 0;
    bool record = true;
    bool stopping = false;
    std::list<std::pair<std::weak_ptr<void>, std::function<void()>>> sessions;

    std::atomic<std::size_t> accepted{0};
    std::atomic<std::size_t> open{0};
    std::optional<ssl::context> tls;
    std::uint16_t port = 0;
    std::vector<std::thread> threads;
    net::io_context io;
    tcp::acceptor acceptor{net::make_strand(io)};
};

namespace {

std::string lowerCase(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream> class Session : public std::enable_shared_from_this<Session<Stream>> {
public:
    Session(SinkServer::Impl& sink, Stream&& stream, std::size_t ordinal)
        : sink_(sink), stream_(std::move(stream)), ordinal_(ordinal),
          timer_(stream_.get_executor()) {
        ++sink_.open;
    }
    ~Session() { --sink_.open; }

    void run() {
        net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
            if constexpr (kTls) {
                self->stream_.async_handshake(ssl::stream_base::server,
                                              [self](beast::error_code ec) {
                                                  if (!ec)
                                                      self->read();
                                              });
            } else {
                self->read();
            }
        });
    }

    void close() {
        net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->closeNow(); });
    }

    void closeNow() {
        beast::error_code ignored;
        timer_.cancel();
        auto& socket = beast::get_lowest_layer(stream_).socket();
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }

private:
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

    void read() {
        parser_.emplace();
        parser_->body_limit(64 * 1024 * 1024);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec)
                                 return self->closeNow();
                             self->answer();
                         });
    }

    void answer() {
        auto message = parser_->release();
        keepAlive_ = message.keep_alive();
        version_ = message.version();
        std::optional<SinkRequest> request;
        if (sink_.wantsRequests()) {
            request.emplace();
            request->method = std::string(message.method_string());
            request->target = std::string(message.target());
            for (const auto& field : message)
                request->headers[lowerCase(field.name_string())] = std::string(field.value());
            request->body = std::move(message.body());
            request->at = std::chrono::steady_clock::now();
            request->connection = ordinal_;
        }
        const auto handler = sink_.arrived(request ? &*request : nullptr);
        reply_ = *handler && request ? (*handler)(*request) : SinkReply{};
        if (reply_.closeWithoutAnswer)
            return closeNow();
        if (reply_.hang)
            return waitForClose();
        if (reply_.delay.count() > 0) {
            timer_.expires_after(reply_.delay);
            return timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
                if (!ec)
                    self->write();
            });
        }
        write();
    }

    // Hanging: read (and drop) whatever comes until the client gives up.
    void waitForClose() {
        stream_.async_read_some(net::buffer(scratch_), [self = this->shared_from_this()](
                                                           beast::error_code ec, std::size_t) {
            if (ec)
                return self->closeNow();
            self->waitForClose();
        });
    }

    void write() {
        response_ = {};
        response_.result(static_cast<unsigned>(reply_.status));
        response_.version(version_);
        bool keepAlive = keepAlive_;
        for (const auto& [name, value] : reply_.headers) {
            response_.set(name, value);
            if (beast::iequals(name, "connection") && beast::iequals(value, "close"))
                keepAlive = false;
        }
        response_.body() = std::move(reply_.body);
        response_.keep_alive(keepAlive);
        response_.prepare_payload();
        http::async_write(stream_, response_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || !self->response_.keep_alive())
                                  return self->closeNow();
                              self->read();
                          });
    }

    SinkServer::Impl& sink_;
    Stream stream_;
    const std::size_t ordinal_;
    net::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    SinkReply reply_;
    std::array<char, 4096> scratch_{};
    unsigned version_ = 11;
    bool keepAlive_ = true;
};

} // namespace

bool SinkServer::Impl::wantsRequests() const {
    std::lock_guard lock(mutex);
    return record || *handler;
}

std::shared_ptr<const SinkServer::Handler> SinkServer::Impl::arrived(SinkRequest* request) {
    std::shared_ptr<const Handler> current;
    {
        std::lock_guard lock(mutex);
        ++count;
        if (record && request)
            recorded.push_back(*request);
        current = handler;
    }
    arrivedSignal.notify_all();
    return current;
}

void SinkServer::Impl::accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open())
            return;
        if (!ec) {
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            const std::size_t ordinal = ++accepted;
            auto launch = [this](auto session) {
                std::weak_ptr weak = session;
                {
                    std::lock_guard lock(mutex);
                    if (stopping) // stop() has taken its list of sessions to close
                        return;
                    sessions.remove_if([](const auto& entry) { return entry.first.expired(); });
                    sessions.emplace_back(session, [weak] {
                        if (auto s = weak.lock())
                            s->close();
                    });
                }
                session->run();
            };
            if (tls)
                launch(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                    *this,
                    beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)),
                                                         *tls),
                    ordinal));
            else
                launch(std::make_shared<Session<beast::tcp_stream>>(
                    *this, beast::tcp_stream(std::move(socket)), ordinal));
        }
        accept();
    });
}

SinkServer::SinkServer(Handler handler, int threads, SinkTls tls)
    : impl_(std::make_unique<Impl>(std::move(handler), tls)) {
    auto& acceptor = impl_->acceptor;
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
    beast::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor.bind(endpoint, ec);
    if (!ec)
        acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("sink: cannot listen on 127.0.0.1: " + ec.message());
    impl_->port = acceptor.local_endpoint().port();
    impl_->accept();
    for (int i = 0; i < std::max(threads, 1); ++i)
        impl_->threads.emplace_back([impl = impl_.get()] { impl->io.run(); });
}

SinkServer::~SinkServer() {
    stop();
}

std::uint16_t SinkServer::port() const {
    return impl_->port;
}

std::string SinkServer::url(std::string_view path) const {
    return std::string(impl_->tls ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

void SinkServer::setHandler(Handler handler) {
    auto replacement = std::make_shared<const Handler>(std::move(handler));
    std::lock_guard lock(impl_->mutex);
    impl_->handler = std::move(replacement);
}

std::vector<SinkRequest> SinkServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->recorded;
}

std::size_t SinkServer::requestCount() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->count;
}

bool SinkServer::waitForRequests(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->arrivedSignal.wait_for(lock, timeout, [this, n] { return impl_->count >= n; });
}

void SinkServer::clear() {
    std::lock_guard lock(impl_->mutex);
    impl_->recorded.clear();
    impl_->count = 0;
}

void SinkServer::setRecordBodies(bool record) {
    std::lock_guard lock(impl_->mutex);
    impl_->record = record;
}

std::size_t SinkServer::acceptedConnections() const {
    return impl_->accepted;
}

std::size_t SinkServer::openConnections() const {
    return impl_->open;
}

void SinkServer::closeConnections() {
    std::vector<std::function<void()>> closers;
    {
        std::lock_guard lock(impl_->mutex);
        for (const auto& [session, close] : impl_->sessions)
            closers.push_back(close);
    }
    for (auto& close : closers)
        close();
}

void SinkServer::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopping)
            return;
        impl_->stopping = true;
    }
    net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
        beast::error_code ignored;
        impl->acceptor.close(ignored);
    });
    closeConnections();
    // Sessions end once their sockets are closed; a delay timer is cancelled
    // with them. io.run() returns when nothing is left.
    for (auto& thread : impl_->threads)
        thread.join();
    impl_->threads.clear();
}

} // namespace meshdeck::test
