#include "tests/support/ws_client.h"

#include "broker/client/mesh_client.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>,
// so it must come first; include sorting would move it after Asio.
// clang-format off
#include <utility>
// clang-format on
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>

namespace meshdeck::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
using tcp = net::ip::tcp;

struct WsClient::Impl {
    net::io_context io;
    ws::stream<beast::tcp_stream> stream{io};
    beast::flat_buffer buffer;
    std::optional<int> closeCode; // the server's close frame, once it came
    std::string closeReason;
    bool reading = false; // a read is pending; it carries over to the next receive()
    std::optional<std::string> frame;
};

WsClient::WsClient(const std::string& url, const std::string& path, const std::string& token)
    : impl_(std::make_unique<Impl>()) {
    const MeshUrl where = parseMeshUrl(url);
    tcp::resolver resolver(impl_->io);
    auto& lowest = beast::get_lowest_layer(impl_->stream);
    lowest.expires_after(std::chrono::seconds(5));
    lowest.connect(resolver.resolve(where.host, where.port));
    impl_->stream.set_option(ws::stream_base::decorator([token](ws::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + token);
    }));
    ws::response_type response;
    beast::error_code ec;
    impl_->stream.handshake(response, where.host + ':' + where.port, path, ec);
    if (ec)
        throw std::runtime_error("WebSocket upgrade refused (" + ec.message() + "): HTTP " +
                                 std::to_string(response.result_int()) + ' ' + response.body());
    lowest.expires_never();
}

WsClient::~WsClient() {
    close();
}

void WsClient::send(const std::string& text) {
    impl_->stream.text(true);
    impl_->stream.write(net::buffer(text));
}

std::optional<std::string> WsClient::receive(std::chrono::milliseconds timeout) {
    auto& impl = *impl_;
    if (!impl.reading) {
        impl.reading = true;
        impl.stream.async_read(impl.buffer, [&impl](beast::error_code ec, std::size_t) {
            impl.reading = false;
            if (!ec) {
                impl.frame = beast::buffers_to_string(impl.buffer.data());
                impl.buffer.consume(impl.buffer.size());
            } else if (ec == ws::error::closed) {
                impl.closeCode = static_cast<int>(impl.stream.reason().code);
                impl.closeReason = std::string(impl.stream.reason().reason.c_str());
            }
        });
    }
    impl.io.restart();
    impl.io.run_for(timeout);
    return std::exchange(impl.frame, std::nullopt);
}

std::optional<int> WsClient::closeCode() const {
    return impl_->closeCode;
}

std::string WsClient::closeReason() const {
    return impl_->closeReason;
}

void WsClient::close() {
    if (!impl_ || !impl_->stream.is_open())
        return;
    beast::error_code ec;
    if (impl_->reading) {
        // A read is pending: drop the connection rather than interleave a close handshake.
        beast::get_lowest_layer(impl_->stream).socket().close(ec);
        impl_->io.restart();
        impl_->io.run();
        return;
    }
    beast::get_lowest_layer(impl_->stream).expires_after(std::chrono::seconds(2));
    impl_->stream.close(ws::close_code::normal, ec);
}

} // namespace meshdeck::test
