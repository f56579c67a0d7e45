#include "broker/gateway/http_server.h"

#include "broker/broker_core.h"
#include "broker/gateway/api.h"
#include "broker/gateway/problem.h"
#include "broker/gateway/routes.h"
#include "broker/gateway/websocket_session.h"
#include "broker/log.h"
#include "core/percent_encoding.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <mutex>

namespace meshdeck {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::ptrdiff_t kMaxHeaderFields = 100;
constexpr auto kWriteTimeout = std::chrono::seconds(30);

template <class Body>
ApiRequest toApiRequest(const http::request<Body>& req, const std::string& peer) {
    ApiRequest out;
    out.method = std::string(req.method_string());
    const std::string_view target = req.target();
    const auto q = target.find('?');
    out.path = percentDecodePath(target.substr(0, q));
    if (q != std::string_view::npos)
        out.query = parseQueryString(target.substr(q + 1));
    for (const auto& field : req) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        out.headers[name] = std::string(field.value());
    }
    out.peer = peer;
    return out;
}

http::response<http::string_body> toWire(ApiResponse&& r, unsigned version, bool keepAlive) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "meshd/" MESHDECK_VERSION);
    res.set(http::field::content_type, r.contentType);
    res.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers)
        res.set(name, value);
    res.body() = std::move(r.body);
    res.keep_alive(keepAlive);
    res.prepare_payload();
    return res;
}

} // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    std::vector<net::io_context*> contexts;
    std::size_t nextContext = 0; // the acceptor's thread only
    Api& api;
    BrokerCore& core;
    tcp::acceptor acceptor;
    std::unique_ptr<ssl::context> tlsContext;
    std::mutex sessionsMutex;
    // Open sessions and how to close each, for stop() and for revocations
    // (a WebSocket session knows its token); guarded by sessionsMutex.
    struct Tracked {
        std::weak_ptr<void> session;
        std::function<void()> close;
        std::string tokenId; // WebSocket sessions only
        std::function<void(std::string)> revoke;
    };
    std::list<Tracked> sessions;

    Impl(std::vector<net::io_context*> ctxs, Api& a, BrokerCore& c)
        : contexts(std::move(ctxs)), api(a), core(c), acceptor(*contexts.front()) {}

    void accept();
    void track(std::shared_ptr<void> session, std::function<void()> closer,
               std::string tokenId = {}, std::function<void(std::string)> revoke = {});
    void closeSessionsOf(const std::vector<std::string>& tokenIds);
};

namespace {

// Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream> class Session : public std::enable_shared_from_this<Session<Stream>> {
public:
    Session(std::shared_ptr<HttpServer::Impl> server, Stream&& stream, std::string peer)
        : server_(std::move(server)), stream_(std::move(stream)), peer_(std::move(peer)) {
        ++server_->core.openConnections;
    }
    ~Session() { --server_->core.openConnections; }

    void run() {
        net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
    }

    void close() {
        net::post(stream_.get_executor(), [self = this->shared_from_this()] {
            beast::error_code ec;
            beast::get_lowest_layer(self->stream_)
                .socket()
                .shutdown(tcp::socket::shutdown_both, ec);
            beast::get_lowest_layer(self->stream_).close();
        });
    }

private:
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

    void start() {
        if constexpr (kTls) {
            beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
            stream_.async_handshake(
                ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
                    if (ec)
                        return log::debug("TLS handshake failed",
                                          {{"peer", self->peer_}, {"error", ec.message()}});
                    self->read();
                });
        } else {
            read();
        }
    }

    void read() {
        parser_.emplace();
        parser_->header_limit(kHeaderLimit);
        parser_->body_limit(server_->core.config().maxBodyBytes);
        beast::get_lowest_layer(stream_).expires_after(server_->core.config().idleTimeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->onRead(ec);
                         });
    }

    void onRead(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
            ec == beast::error::timeout || ec == net::error::eof)
            return shutdown();
        if (ec == http::error::body_limit) {
            // The body was not read; answer and close so the rest is discarded.
            const auto& header = parser_->get();
            ApiRequest partial = toApiRequest(header, peer_);
            auto response = server_->api.bodyTooLarge(partial, server_->core.config().maxBodyBytes);
            response.route = "/v1/events";
            return write(std::move(response), header.version(), false);
        }
        if (ec) {
            if (ec.category() == make_error_code(http::error::bad_target).category()) {
                ApiResponse bad = malformed(ec);
                bad.route = "malformed";
                return write(std::move(bad), 11, false);
            }
            return shutdown();
        }
        request_ = parser_->release();
        started_ = std::chrono::steady_clock::now();
        if (std::distance(request_.begin(), request_.end()) > kMaxHeaderFields) {
            keepAlive_ = false;
            server_->core.metrics().countRejection("malformed-http");
            auto r = problem::make(431, "headers-too-large", "Request header fields too large",
                                   "the request has more than " + std::to_string(kMaxHeaderFields) +
                                       " header fields");
            r.route = "malformed";
            return write(std::move(r), request_.version(), false);
        }
        if (boost::beast::websocket::is_upgrade(request_))
            return upgrade();
        keepAlive_ = request_.keep_alive();
        method_ = std::string(request_.method_string());
        ApiRequest req = toApiRequest(request_, peer_);
        req.body = std::move(request_.body());
        auto executor = stream_.get_executor();
        req.onConnection = [executor](std::function<void()> work) {
            net::post(executor, std::move(work));
        };
        // The callback owns the session until the answer is written: nothing
        // else holds it while the request is with the writer or a reader.
        server_->api.handle(
            std::move(req), [self = this->shared_from_this(), executor](ApiResponse response) {
                net::post(executor, [self, response = std::move(response)]() mutable {
                    self->write(std::move(response), self->request_.version(), self->keepAlive_);
                });
            });
    }

    // The parser's refusals, as problem+json like every other answer.
    ApiResponse malformed(beast::error_code ec) {
        server_->core.metrics().countRejection("malformed-http");
        if (ec == http::error::header_limit) {
            // The parser had not finished the request line: the URL itself is
            // the problem (the target is set once the request line is read).
            if (parser_->get().target().empty())
                return problem::make(414, "uri-too-long", "URI too long",
                                     "the request line is longer than " +
                                         std::to_string(kHeaderLimit / 1024) +
                                         " KiB; send long filters in a body instead");
            return problem::make(431, "headers-too-large", "Request header fields too large",
                                 "the request's headers are larger than " +
                                     std::to_string(kHeaderLimit / 1024) + " KiB in all");
        }
        return problem::badRequest("malformed HTTP request: " + ec.message());
    }

    // /v1/subscribe and /v1/live: authenticate like any request, then hand
    // the connection to a WebSocket session.
    void upgrade() {
        const std::string_view target = request_.target();
        const std::string path(target.substr(0, target.find('?')));
        method_ = "GET";
        auto refuse = [this](ApiResponse r, const char* route) {
            r.route = route;
            write(std::move(r), request_.version(), false);
        };
        const bool subscribe = path == "/v1/subscribe";
        if (!subscribe && path != "/v1/live")
            return refuse(problem::notFound("WebSocket endpoints are /v1/subscribe and /v1/live"),
                          "unknown");
        const char* route = subscribe ? "/v1/subscribe" : "/v1/live";
        std::optional<Principal> principal;
        if (auto auth = request_.find(http::field::authorization); auth != request_.end())
            principal = server_->core.auth().authenticate(auth->value());
        if (!principal)
            return refuse(problem::unauthorized(), route);
        const RouteMatch match = matchRoute("GET", path);
        if (!match.route || !allows(match.route->access, *principal))
            return refuse(problem::forbidden(
                              "this token's role (" + std::string(toString(principal->role)) +
                              ") may not use " + route + " (" +
                              rolesAllowed(match.route ? match.route->access : Access::MeshAdmin) +
                              " role needed)"),
                          route);
        server_->core.metrics().countRequest("GET", route, 101);
        auto session = std::make_shared<websocket::Session<Stream>>(
            std::move(stream_), server_->core, std::move(*principal),
            subscribe ? websocket::Endpoint::Subscribe : websocket::Endpoint::Live);
        std::weak_ptr weak = session;
        server_->track(
            session,
            [weak] {
                if (auto s = weak.lock())
                    s->close("the broker is stopping");
            },
            session->tokenId(),
            [weak](std::string reason) {
                if (auto s = weak.lock())
                    s->close(std::move(reason), websocket::CloseCode::TokenRevoked);
            });
        session->run(std::move(request_));
    }

    void write(ApiResponse&& response, unsigned version, bool keepAlive) {
        auto& metrics = server_->core.metrics();
        metrics.countRequest(method_, response.route, response.status);
        metrics.observeRequestLatency(
            response.route,
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
                .count());
        response_ = toWire(std::move(response), version, keepAlive);
        beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
        http::async_write(stream_, response_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || !self->response_.keep_alive())
                                  return self->shutdown();
                              self->read();
                          });
    }

    void shutdown() {
        beast::error_code ec;
        if constexpr (kTls) {
            beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
                beast::get_lowest_layer(self->stream_).close();
            });
        } else {
            stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        }
    }

    std::shared_ptr<HttpServer::Impl> server_;
    Stream stream_;
    std::string peer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    std::chrono::steady_clock::time_point started_;
    std::string method_ = "GET";
    bool keepAlive_ = true;
};

} // namespace

void HttpServer::Impl::track(std::shared_ptr<void> session, std::function<void()> closer,
                             std::string tokenId, std::function<void(std::string)> revoke) {
    std::lock_guard lock(sessionsMutex);
    sessions.remove_if([](const Tracked& entry) { return entry.session.expired(); });
    sessions.push_back({session, std::move(closer), std::move(tokenId), std::move(revoke)});
}

void HttpServer::Impl::closeSessionsOf(const std::vector<std::string>& tokenIds) {
    std::vector<std::function<void(std::string)>> revokes;
    {
        std::lock_guard lock(sessionsMutex);
        for (const auto& entry : sessions)
            if (entry.revoke && !entry.session.expired() &&
                std::find(tokenIds.begin(), tokenIds.end(), entry.tokenId) != tokenIds.end())
                revokes.push_back(entry.revoke);
    }
    for (auto& revoke : revokes)
        revoke("the token of this session was revoked");
}

void HttpServer::Impl::accept() {
    net::io_context& context = *contexts[nextContext++ % contexts.size()];
    acceptor.async_accept(context, [self = shared_from_this()](beast::error_code ec,
                                                               tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor.is_open())
            return;
        if (!ec) {
            beast::error_code ignored;
            const auto remote = socket.remote_endpoint(ignored);
            std::string peer = remote.address().to_string() + ':' + std::to_string(remote.port());
            socket.set_option(tcp::no_delay(true), ignored);
            // Tracked so stop() can close it; the tracker holds it weakly.
            auto launch = [&self](auto session) {
                std::weak_ptr weak = session;
                self->track(session, [weak] {
                    if (auto p = weak.lock())
                        p->close();
                });
                session->run();
            };
            if (self->tlsContext)
                launch(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                    self,
                    beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)),
                                                         *self->tlsContext),
                    std::move(peer)));
            else
                launch(std::make_shared<Session<beast::tcp_stream>>(
                    self, beast::tcp_stream(std::move(socket)), std::move(peer)));
        } else {
            log::warn("accept failed", {{"error", ec.message()}});
        }
        self->accept();
    });
}

HttpServer::HttpServer(std::vector<net::io_context*> contexts, Api& api, BrokerCore& core)
    : impl_(std::make_shared<Impl>(std::move(contexts), api, core)) {
    core.setRevocationListener([weak = std::weak_ptr(impl_)](const std::vector<std::string>& ids) {
        if (auto impl = weak.lock())
            impl->closeSessionsOf(ids);
    });
}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start(const ListenAddress& address) {
    const auto& config = impl_->core.config();
    if (config.tlsCert && config.tlsKey) {
        auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
        ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
        try {
            ctx->use_certificate_chain_file(config.tlsCert->string());
            ctx->use_private_key_file(config.tlsKey->string(), ssl::context::pem);
        } catch (const std::exception& e) {
            throw std::runtime_error("cannot load TLS certificate " + config.tlsCert->string() +
                                     " / key " + config.tlsKey->string() + ": " + e.what());
        }
        impl_->tlsContext = std::move(ctx);
    }
    beast::error_code ec;
    const auto ip = net::ip::make_address(address.host, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + address.toString() + ": '" + address.host +
                                 "' is not an IP address");
    const tcp::endpoint endpoint(ip, address.port);
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor.bind(endpoint, ec);
    if (!ec)
        acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + address.toString() + ": " + ec.message());
    impl_->accept();
}

std::uint16_t HttpServer::port() const {
    beast::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

bool HttpServer::tls() const {
    return impl_->tlsContext != nullptr;
}

void HttpServer::stop() {
    stopAccepting();
    closeConnections();
}

void HttpServer::stopAccepting() {
    auto impl = impl_;
    net::dispatch(impl->acceptor.get_executor(), [impl] {
        beast::error_code ec;
        impl->acceptor.close(ec);
    });
}

void HttpServer::closeConnections() {
    auto impl = impl_;
    std::vector<std::function<void()>> closers;
    {
        std::lock_guard lock(impl->sessionsMutex);
        for (const auto& entry : impl->sessions)
            closers.push_back(entry.close);
    }
    for (auto& close : closers)
        close();
}

} // namespace meshdeck
