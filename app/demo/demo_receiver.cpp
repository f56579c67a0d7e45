#include "app/demo/demo_receiver.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>,
// so it must come first; include sorting would move it after Asio.
// clang-format off
#include <utility>
// clang-format on
#include <boost/asio.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace meshdeck::demo {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

ReceiverAnswer demoReceiverAnswer(std::string_view target, std::string_view body,
                                  std::mt19937& random) {
    if (target.starts_with("/crm") && body.find("\"Initech\"") != std::string_view::npos)
        return {422, R"({"error":"account Initech is archived; owner unknown"})"};
    if (std::uniform_int_distribution<int>(0, 39)(random) == 0)
        return {429, R"({"error":"rate limit"})", 2};
    return {200, R"({"ok":true})"};
}

namespace {
class Session;
}

// Everything but the atomic count lives on the io thread. The io_context is
// declared after what sessions use and before the acceptor, so sessions
// still queued when it goes are destroyed while those exist.
struct DemoReceiver::Impl {
    explicit Impl(std::atomic<int>& received) : received(received) {}
    void accept();

    std::atomic<int>& received;
    std::mt19937 random{4242};
    std::vector<std::weak_ptr<Session>> sessions;
    bool stopped = false; // guarded by stopMutex: stop() runs once
    std::mutex stopMutex;
    std::uint16_t port = 0;
    net::io_context io;
    tcp::acceptor acceptor{io};
    std::thread thread;
};

namespace {

constexpr std::chrono::seconds kIdleTimeout{30};

// One connection: reads a request, answers it, and again while the client
// keeps the connection alive (the broker's webhook client does, and never
// pipelines). A stackless coroutine: operator() resumes where it yielded.
class Session : public net::coroutine, public std::enable_shared_from_this<Session> {
public:
    Session(DemoReceiver::Impl& receiver, tcp::socket socket)
        : receiver_(receiver), stream_(std::move(socket)) {}

    void close() { stream_.close(); }

    // The completion handler that resumes the coroutine, keeping it alive.
    auto resume() {
        return [self = shared_from_this()](beast::error_code ec, std::size_t n) {
            (*self)(ec, n);
        };
    }

    void operator()(beast::error_code ec = {}, std::size_t = 0) {
        BOOST_ASIO_CORO_REENTER(*this) {
            for (;;) {
                request_ = {};
                stream_.expires_after(kIdleTimeout);
                BOOST_ASIO_CORO_YIELD http::async_read(stream_, buffer_, request_, resume());
                if (ec)
                    break;
                answer();
                stream_.expires_after(kIdleTimeout);
                BOOST_ASIO_CORO_YIELD http::async_write(stream_, response_, resume());
                if (ec || !response_.keep_alive())
                    break;
            }
            stream_.close();
        }
    }

private:
    void answer() {
        const ReceiverAnswer answer =
            demoReceiverAnswer(request_.target(), request_.body(), receiver_.random);
        ++receiver_.received;
        response_ = {static_cast<http::status>(answer.status), request_.version()};
        response_.set(http::field::content_type, "application/json");
        if (answer.retryAfterSeconds > 0)
            response_.set(http::field::retry_after, std::to_string(answer.retryAfterSeconds));
        response_.body() = answer.body;
        response_.keep_alive(request_.keep_alive());
        response_.prepare_payload();
    }

    DemoReceiver::Impl& receiver_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
};

} // namespace

void DemoReceiver::Impl::accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (!acceptor.is_open())
            return;
        if (!ec) {
            std::erase_if(sessions, [](const auto& session) { return session.expired(); });
            auto session = std::make_shared<Session>(*this, std::move(socket));
            sessions.push_back(session);
            (*session)();
        }
        accept();
    });
}

DemoReceiver::DemoReceiver() : impl_(std::make_unique<Impl>(received_)) {
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
    beast::error_code ec;
    impl_->acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        impl_->acceptor.bind(endpoint, ec);
    if (!ec)
        impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("demo receiver: cannot listen on 127.0.0.1: " + ec.message());
    impl_->port = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

DemoReceiver::~DemoReceiver() {
    stop();
}

std::string DemoReceiver::url() const {
    return "http://127.0.0.1:" + std::to_string(impl_->port);
}

// Closing the listener and the connections on the io thread ends every
// pending operation, so io.run() returns once they have unwound.
void DemoReceiver::stop() {
    {
        std::lock_guard lock(impl_->stopMutex);
        if (impl_->stopped)
            return;
        impl_->stopped = true;
    }
    net::post(impl_->io, [impl = impl_.get()] {
        beast::error_code ignored;
        impl->acceptor.close(ignored);
        for (const auto& weak : impl->sessions)
            if (auto session = weak.lock())
                session->close();
    });
    impl_->thread.join();
}

} // namespace meshdeck::demo
