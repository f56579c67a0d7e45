#include "broker/client/mesh_client.h"

#include "core/percent_encoding.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <stdexcept>

namespace meshdeck {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

MeshUrl parseMeshUrl(const std::string& url) {
    MeshUrl out;
    std::string rest;
    if (url.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else if (url.rfind("https://", 0) == 0) {
        out.tls = true;
        rest = url.substr(8);
    } else {
        throw std::invalid_argument(
            "mesh URL '" + url +
            "' must start with http:// or https:// (e.g. http://127.0.0.1:8787)");
    }
    rest = rest.substr(0, rest.find('/'));
    std::string host = rest;
    std::string port = out.tls ? "443" : "80";
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos)
            throw std::invalid_argument("mesh URL '" + url + "' has an unclosed IPv6 bracket");
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size() && rest[close + 1] == ':')
            port = rest.substr(close + 2);
    } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.empty())
        throw std::invalid_argument("mesh URL '" + url + "' has no host");
    out.host = host;
    out.port = port;
    return out;
}

std::string urlEncode(const std::string& value) {
    return percentEncode(value, isUnreserved);
}

struct MeshClient::Impl {
    MeshUrl url;
    std::string token;
    std::chrono::milliseconds timeout{30000};
    bool insecure = false;
    net::io_context io;
    std::optional<ssl::context> tlsContext;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;

    bool connected() const { return plain || secure; }

    beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

    void connect() {
        tcp::resolver resolver(io);
        const auto endpoints = resolver.resolve(url.host, url.port);
        if (url.tls) {
            if (!tlsContext) {
                tlsContext.emplace(ssl::context::tls_client);
                tlsContext->set_default_verify_paths();
                tlsContext->set_verify_mode(insecure ? ssl::verify_none : ssl::verify_peer);
            }
            secure.emplace(io, *tlsContext);
            SSL_set_tlsext_host_name(secure->native_handle(), url.host.c_str());
            beast::get_lowest_layer(*secure).expires_after(timeout);
            beast::get_lowest_layer(*secure).connect(endpoints);
            secure->handshake(ssl::stream_base::client);
        } else {
            plain.emplace(io);
            plain->expires_after(timeout);
            plain->connect(endpoints);
            plain->socket().set_option(tcp::no_delay(true));
        }
    }

    void close() {
        beast::error_code ec;
        if (plain)
            plain->socket().close(ec);
        if (secure)
            beast::get_lowest_layer(*secure).socket().close(ec);
        plain.reset();
        secure.reset();
        buffer.clear();
    }

    template <class Req, class Res> void exchange(Req& req, Res& res) {
        lowest().expires_after(timeout);
        if (secure) {
            http::write(*secure, req);
            http::read(*secure, buffer, res);
        } else {
            http::write(*plain, req);
            http::read(*plain, buffer, res);
        }
    }
};

MeshClient::MeshClient(const std::string& url, std::string token)
    : impl_(std::make_unique<Impl>()) {
    impl_->url = parseMeshUrl(url);
    impl_->token = std::move(token);
}

MeshClient::~MeshClient() = default;
MeshClient::MeshClient(MeshClient&&) noexcept = default;

void MeshClient::setTimeout(std::chrono::milliseconds timeout) {
    impl_->timeout = timeout;
}
void MeshClient::setInsecure(bool insecure) {
    impl_->close();
    impl_->tlsContext.reset(); // rebuilt with the new verify mode on the next connect
    impl_->insecure = insecure;
}
void MeshClient::disconnect() {
    impl_->close();
}

HttpResult MeshClient::request(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers) {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, impl_->url.host);
    req.set(http::field::user_agent, "meshdeck-client/" MESHDECK_VERSION);
    if (!impl_->token.empty())
        req.set(http::field::authorization, "Bearer " + impl_->token);
    for (const auto& [name, value] : headers)
        req.set(name, value);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();

    HttpResult result;
    // A kept-alive connection the server closed meanwhile fails on first use;
    // retry once on a fresh one. Only requests whose repeat is harmless reach
    // here twice: publishes are idempotent on event_id.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool reused = impl_->connected();
        try {
            if (!reused)
                impl_->connect();
            http::response_parser<http::string_body> parser;
            parser.body_limit(256u << 20);
            impl_->exchange(req, parser);
            auto res = parser.release();
            result.status = static_cast<int>(res.result_int());
            result.body = std::move(res.body());
            for (const auto& field : res) {
                std::string name(field.name_string());
                std::transform(name.begin(), name.end(), name.begin(),
                               [](unsigned char c) { return std::tolower(c); });
                result.headers[name] = std::string(field.value());
            }
            result.error.clear();
            if (!res.keep_alive())
                impl_->close();
            return result;
        } catch (const std::exception& e) {
            impl_->close();
            result.error = e.what();
            if (!reused)
                break;
        }
    }
    return result;
}

} // namespace meshdeck
