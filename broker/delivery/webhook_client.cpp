#include "broker/delivery/webhook_client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <openssl/x509.h>
#include <stdexcept>
#include <unordered_map>

namespace meshdeck::delivery {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kExcerptBytes = 512;
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
// Bodies are read to the end to keep the connection usable, but only the
// excerpt is kept; beyond this the connection is given up.
constexpr std::uint64_t kBodyLimit = 64ull * 1024 * 1024;
constexpr std::size_t kMaxHostLength = 253;
constexpr std::string_view kUserAgent = "meshdeck/" MESHDECK_VERSION;

// A URL split into views of itself; see parseUrl for the accepted form.
struct UrlParts {
    bool tls = false;
    bool ipv6 = false;
    std::string_view host;
    std::uint16_t port = 0;
    std::size_t targetPos = 0; // the path and query are url.substr(targetPos)
};

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(text[i]) != prefix[i])
            return false;
    return true;
}

// RFC 9110 tchar: the characters of a method or a header name.
bool isToken(std::string_view text) {
    if (text.empty())
        return false;
    for (const char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') ||
                        std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        if (!ok)
            return false;
    }
    return true;
}

// Empty when the URL is accepted, else why not.
std::string splitUrl(std::string_view url, UrlParts& out) {
    const auto quoted = [&url] {
        return "URL '" + std::string(url) + "' ";
    };
    std::size_t pos = 0;
    if (startsWithNoCase(url, "https://")) {
        out.tls = true;
        pos = 8;
    } else if (startsWithNoCase(url, "http://")) {
        pos = 7;
    } else {
        return quoted() + "does not start with http:// or https://";
    }
    for (const char c : url) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f)
            return quoted() +
                   "contains a space, a control or a non-ASCII character: percent-encode it";
    }
    if (url.find('#') != std::string_view::npos)
        return quoted() + "has a #fragment, which is never sent to a server: remove it";
    const std::size_t authorityEnd = std::min(url.find_first_of("/?", pos), url.size());
    std::string_view authority = url.substr(pos, authorityEnd - pos);
    if (authority.find('@') != std::string_view::npos)
        return quoted() + "carries credentials (user@host): send them as a header instead";
    std::string_view portText;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            return quoted() + "has an IPv6 address without its closing ']'";
        out.host = authority.substr(1, close - 1);
        out.ipv6 = true;
        for (const char c : out.host)
            if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
                return quoted() + "has an invalid IPv6 address";
        const auto rest = authority.substr(close + 1);
        if (!rest.empty() && rest.front() != ':')
            return quoted() + "has characters after the IPv6 address";
        if (!rest.empty())
            portText = rest.substr(1);
        if (rest == ":")
            return quoted() + "has an empty port";
    } else {
        const auto colon = authority.find(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            portText = authority.substr(colon + 1);
            if (portText.empty())
                return quoted() + "has an empty port";
        }
        for (const char c : out.host)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_')
                return quoted() + "has an invalid character '" + c + "' in its host name";
    }
    if (out.host.empty())
        return quoted() + "has no host";
    if (out.host.size() > kMaxHostLength)
        return quoted() + "has a host name longer than 253 characters";
    if (portText.empty()) {
        out.port = out.tls ? 443 : 80;
    } else {
        unsigned value = 0;
        for (const char c : portText) {
            if (c < '0' || c > '9' || value > 65535)
                return quoted() + "has a port that is not a number from 1 to 65535";
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value == 0 || value > 65535)
            return quoted() + "has a port that is not a number from 1 to 65535";
        out.port = static_cast<std::uint16_t>(value);
    }
    out.targetPos = authorityEnd;
    return {};
}

// The pool's key, "http://127.0.0.1:8080", built without allocating.
class OriginKey {
public:
    explicit OriginKey(const UrlParts& url) {
        append(url.tls ? "https://" : "http://");
        if (url.ipv6)
            append("[");
        for (const char c : url.host)
            buffer_[size_++] = lower(c);
        append(url.ipv6 ? "]:" : ":");
        std::array<char, 8> digits{};
        const auto [end, ec] =
            std::to_chars(digits.data(), digits.data() + digits.size(), url.port);
        (void)ec; // a uint16 fits
        append({digits.data(), static_cast<std::size_t>(end - digits.data())});
    }
    std::string_view view() const { return {buffer_.data(), size_}; }

private:
    void append(std::string_view text) {
        text.copy(buffer_.data() + size_, text.size());
        size_ += text.size();
    }
    std::array<char, kMaxHostLength + 24> buffer_{};
    std::size_t size_ = 0;
};

// Reads one response and keeps only what a delivery result needs: no header
// map, the body counted past its excerpt. The strings are the connection's,
// reused from one exchange to the next.
class ResponseReader final : public http::basic_parser<false> {
public:
    ResponseReader(std::string& reason, std::string& retryAfter, std::string& excerpt)
        : reason_(reason), retryAfter_(retryAfter), excerpt_(excerpt) {
        reason_.clear();
        retryAfter_.clear();
        excerpt_.clear();
        header_limit(kHeaderLimit);
        body_limit(kBodyLimit);
    }
    int status() const { return status_; }
    bool hasRetryAfter() const { return hasRetryAfter_; }

private:
    void on_request_impl(http::verb, std::string_view, std::string_view, int,
                         beast::error_code& ec) override {
        ec = http::error::bad_method; // a response parser never sees a request line
    }
    void on_response_impl(int code, std::string_view reason, int, beast::error_code&) override {
        status_ = code;
        reason_.assign(reason);
    }
    void on_field_impl(http::field name, std::string_view, std::string_view value,
                       beast::error_code&) override {
        if (name == http::field::retry_after) {
            hasRetryAfter_ = true;
            retryAfter_.assign(value);
        }
    }
    void on_header_impl(beast::error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
    std::size_t on_body_impl(std::string_view body, beast::error_code&) override {
        keep(body);
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, std::string_view, beast::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, std::string_view body,
                                   beast::error_code&) override {
        keep(body);
        return body.size();
    }
    void on_finish_impl(beast::error_code&) override {}

    void keep(std::string_view body) {
        if (excerpt_.size() < kExcerptBytes)
            excerpt_.append(body.substr(0, kExcerptBytes - excerpt_.size()));
    }

    std::string& reason_;
    std::string& retryAfter_;
    std::string& excerpt_;
    int status_ = 0;
    bool hasRetryAfter_ = false;
};

struct Exchange {
    WebhookRequest request;
    std::function<void(WebhookResult)> done;
    std::size_t targetPos = 0;
    Clock::time_point started;
    bool retried = false;
};

WebhookResult transportFailure(std::string error) {
    WebhookResult result;
    result.failure = FailureClass::Transport;
    result.error = std::move(error);
    return result;
}

// The request a client refuses to send: why, or empty when it is fine.
std::string checkRequest(const WebhookRequest& request) {
    if (!isToken(request.method))
        return "HTTP method '" + request.method + "' is not a valid method name";
    for (const auto& [name, value] : request.headers) {
        if (!isToken(name))
            return "header name '" + name + "' is not a valid HTTP header name";
        if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
            return "header " + name + " has a line break or NUL in its value";
        if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding"))
            return "header " + name + " is set by the client from the body: leave it out";
    }
    return {};
}

class Connection;

} // namespace

struct WebhookClient::Shared : std::enable_shared_from_this<WebhookClient::Shared> {
    Shared(net::io_context& i, WebhookClientOptions o) : io(i), options(std::move(o)) {
        tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        if (options.verifyPeer) {
            tls.set_default_verify_paths();
            if (!options.caFile.empty()) {
                beast::error_code ec;
                tls.load_verify_file(options.caFile, ec);
                if (ec)
                    throw std::runtime_error("cannot load trusted certificates from " +
                                             options.caFile + ": " + ec.message());
            }
        }
    }

    // Takes the most recently idle connection to `key`, closing those idle too
    // long; null when none is left.
    std::shared_ptr<Connection> acquire(std::string_view key);
    // A new connection, registered for shutdown(); null once shutting down.
    std::shared_ptr<Connection> create(std::string_view key, const UrlParts& url);
    // Puts a connection whose exchange completed back into the pool; false
    // when shutting down (the caller closes it).
    bool release(const std::shared_ptr<Connection>& connection, std::string_view key);
    // Takes a connection out of the pool because its idle watch fired; false
    // when someone acquired it first.
    bool removeIdle(const Connection* connection, std::string_view key);
    void forget(const Connection* connection);
    void shutdown();
    // Posts `done` its result without touching a connection.
    void reject(std::function<void(WebhookResult)> done, FailureClass failure, std::string error,
                Clock::time_point started);

    net::io_context& io;
    const WebhookClientOptions options;
    ssl::context tls{ssl::context::tls_client};
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> open{0};

    std::mutex mutex;
    // Guarded by mutex: idle connections by origin key, newest last; every
    // connection alive, for shutdown().
    std::map<std::string, std::vector<std::shared_ptr<Connection>>, std::less<>> idle;
    std::unordered_map<const Connection*, std::weak_ptr<Connection>> live;
};

namespace {

// One keep-alive connection and the exchange it carries. Everything below runs
// on the connection's strand, except that the thread which takes the
// connection from the pool (or creates it) writes `exchange` before posting
// start(), and `idleSince` belongs to the client's mutex.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    using Shared = WebhookClient::Shared;

    Connection(std::shared_ptr<Shared> client, std::string_view key, const UrlParts& url)
        : client_(std::move(client)), key_(key), tls_(url.tls), ipv6_(url.ipv6), port_(url.port),
          strand_(net::make_strand(client_->io)) {
        host_.reserve(url.host.size());
        for (const char c : url.host)
            host_.push_back(lower(c));
        beast::error_code notAnAddress;
        const auto address = net::ip::make_address(host_, notAnAddress);
        if (!notAnAddress)
            address_ = address;
        const std::string bracketed = url.ipv6 ? '[' + host_ + ']' : host_;
        peer_ = bracketed + ':' + std::to_string(port_);
        hostHeader_ = port_ == (tls_ ? 443 : 80) ? bracketed : peer_;
        if (tls_)
            secure_.emplace(strand_, client_->tls);
        else
            plain_.emplace(strand_);
    }
    Exchange exchange;
    Clock::time_point idleSince; // guarded by Shared::mutex

    void post(void (Connection::*member)()) {
        net::post(strand_, [self = shared_from_this(), member] { ((*self).*member)(); });
    }

    void start() {
        busy_ = true;
        if (closed_)
            return fail("shutting down");
        if (connected_) {
            reused_ = true;
            beast::error_code ignored;
            lowest().socket().cancel(ignored); // the idle watch
            return write();
        }
        reused_ = false;
        connect();
    }

    // Closes the socket; an exchange in flight fails at once, and the
    // handlers still pending find it finished.
    void abort() {
        close();
        if (busy_)
            fail("shutting down");
    }

    void close() {
        if (closed_)
            return;
        closed_ = true;
        --client_->open;
        client_->forget(this);
        beast::error_code ignored;
        if (resolver_)
            resolver_->cancel();
        if (resolveTimer_)
            resolveTimer_->cancel();
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close();
    }

private:
    beast::tcp_stream& lowest() { return secure_ ? beast::get_lowest_layer(*secure_) : *plain_; }

    template <class F> void withStream(F&& f) {
        if (secure_)
            f(*secure_);
        else
            f(*plain_);
    }

    Clock::time_point deadline() const { return exchange.started + exchange.request.timeout; }

    std::string noAnswer() const {
        return "no answer within " + std::to_string(exchange.request.timeout.count()) + " ms";
    }

    // A handler acts only while its exchange is unfinished: abort() or the
    // resolve timer may have answered first.
    bool stale() const { return !busy_; }

    void connect() {
        if (address_) { // no resolver for an IP address
            lowest().expires_at(deadline());
            lowest().async_connect(
                tcp::endpoint(*address_, port_),
                [self = shared_from_this()](beast::error_code e) { self->onConnect(e); });
            return;
        }
        resolver_.emplace(strand_);
        resolveTimer_.emplace(strand_);
        resolveTimer_->expires_at(deadline());
        resolveTimer_->async_wait([self = shared_from_this()](beast::error_code e) {
            if (e || self->stale())
                return;
            self->resolver_->cancel();
            self->fail(self->noAnswer() + " (resolving " + self->host_ + ")");
        });
        resolver_->async_resolve(
            host_, std::to_string(port_),
            [self = shared_from_this()](beast::error_code e, tcp::resolver::results_type results) {
                self->resolveTimer_->cancel();
                if (self->stale())
                    return;
                if (e)
                    return self->fail("cannot resolve host " + self->host_ + ": " + e.message());
                self->lowest().expires_at(self->deadline());
                self->lowest().async_connect(
                    results,
                    [self](beast::error_code e2, const tcp::endpoint&) { self->onConnect(e2); });
            });
    }

    void onConnect(beast::error_code ec) {
        if (stale())
            return;
        if (ec == beast::error::timeout)
            return fail(noAnswer() + " (connecting to " + peer_ + ")");
        if (ec == net::error::connection_refused)
            return fail("connection refused by " + peer_);
        if (ec)
            return fail("cannot connect to " + peer_ + ": " + ec.message());
        connected_ = true;
        beast::error_code ignored;
        lowest().socket().set_option(tcp::no_delay(true), ignored);
        if (!secure_)
            return write();

        if (!address_) // SNI carries names only (RFC 6066)
            SSL_set_tlsext_host_name(secure_->native_handle(), host_.c_str());
        if (client_->options.verifyPeer) {
            secure_->set_verify_mode(ssl::verify_peer);
            secure_->set_verify_callback(ssl::host_name_verification(host_));
        } else {
            secure_->set_verify_mode(ssl::verify_none);
        }
        secure_->async_handshake(
            ssl::stream_base::client,
            [self = shared_from_this()](beast::error_code e) { self->onHandshake(e); });
    }

    void onHandshake(beast::error_code ec) {
        if (stale())
            return;
        if (ec == beast::error::timeout)
            return fail(noAnswer() + " (TLS handshake with " + peer_ + ")");
        if (ec) {
            std::string reason = ec.message();
            const long verify = SSL_get_verify_result(secure_->native_handle());
            if (verify != X509_V_OK)
                reason += std::string(" (") + X509_verify_cert_error_string(verify) + ')';
            return fail("TLS handshake with " + peer_ + " failed: " + reason);
        }
        write();
    }

    void write() {
        const auto& request = exchange.request;
        const std::string_view target = std::string_view(request.url).substr(exchange.targetPos);
        bool hasHost = false, hasUserAgent = false;
        head_.clear();
        head_ += request.method;
        head_ += ' ';
        if (target.empty() || target.front() == '?')
            head_ += '/';
        head_ += target;
        head_ += " HTTP/1.1\r\n";
        for (const auto& [name, value] : request.headers) {
            hasHost = hasHost || beast::iequals(name, "host");
            hasUserAgent = hasUserAgent || beast::iequals(name, "user-agent");
            head_ += name;
            head_ += ": ";
            head_ += value;
            head_ += "\r\n";
        }
        if (!hasHost) {
            head_ += "Host: ";
            head_ += hostHeader_;
            head_ += "\r\n";
        }
        if (!hasUserAgent) {
            head_ += "User-Agent: ";
            head_ += kUserAgent;
            head_ += "\r\n";
        }
        const std::string_view method = request.method;
        if (!request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
            std::array<char, 24> digits{};
            const auto [end, ec] =
                std::to_chars(digits.data(), digits.data() + digits.size(), request.body.size());
            (void)ec;
            head_ += "Content-Length: ";
            head_.append(digits.data(), end);
            head_ += "\r\n";
        }
        head_ += "\r\n";

        lowest().expires_at(deadline());
        const std::array<net::const_buffer, 2> buffers{net::buffer(head_),
                                                       net::buffer(request.body)};
        withStream([this, &buffers](auto& stream) {
            net::async_write(stream, buffers,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 self->onWrite(ec);
                             });
        });
    }

    void onWrite(beast::error_code ec) {
        if (stale())
            return;
        if (ec == beast::error::timeout)
            return fail(noAnswer() + " (sending the request to " + peer_ + ")");
        if (ec) {
            if (reused_ && !exchange.retried)
                return retryOnNewConnection();
            return fail("sending the request to " + peer_ + " failed: " + ec.message());
        }
        read();
    }

    void read() {
        reader_.emplace(reason_, retryAfter_, excerpt_);
        if (exchange.request.method == "HEAD")
            reader_->skip(true);
        withStream([this](auto& stream) {
            http::async_read(stream, buffer_, *reader_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 self->onRead(ec);
                             });
        });
    }

    void onRead(beast::error_code ec) {
        if (stale())
            return;
        if (ec)
            return onReadError(ec);
        const int status = reader_->status();
        if (status >= 100 && status < 200 && status != 101)
            return read(); // 100 Continue, 103 Early Hints: the answer follows

        WebhookResult result;
        result.status = status;
        result.failure = classifyStatus(status, excerpt_, reader_->hasRetryAfter());
        if (reader_->hasRetryAfter())
            result.retryAfter = parseRetryAfter(retryAfter_, std::chrono::system_clock::now());
        if (result.failure != FailureClass::None) {
            const std::string_view reason =
                reason_.empty() ? http::obsolete_reason(static_cast<http::status>(status))
                                : std::string_view(reason_);
            result.error = "HTTP " + std::to_string(status) + ' ' + std::string(reason);
        }
        result.responseExcerpt = excerpt_;
        // Leftover bytes mean the server sent more than one answer: do not
        // trust the connection with another request.
        const bool reusable =
            reader_->keep_alive() && buffer_.size() == 0 && status != 101 && !client_->stopping;
        finish(std::move(result), reusable);
    }

    void onReadError(beast::error_code ec) {
        const bool gotSome = reader_->got_some();
        if (ec == beast::error::timeout)
            return fail(noAnswer() + (gotSome ? " (the response was incomplete)" : ""));
        if (!gotSome && reused_ && !exchange.retried)
            return retryOnNewConnection();
        const std::string when = gotSome ? " in the middle of the response" : " without answering";
        if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
            ec == net::error::eof || ec == ssl::error::stream_truncated)
            return fail(peer_ + " closed the connection" + when);
        if (ec == net::error::connection_reset)
            return fail("connection reset by " + peer_ + when);
        if (ec.category() == make_error_code(http::error::bad_version).category())
            return fail("malformed HTTP response from " + peer_ + ": " + ec.message());
        fail("reading the response from " + peer_ + " failed: " + ec.message());
    }

    // A reused connection failed before a byte of the answer arrived: most
    // likely the server closed it while it sat idle, before reading the
    // request. Sent once more, on a new connection (see the header).
    void retryOnNewConnection() {
        close();
        busy_ = false;
        auto next = client_->create(key_, UrlParts{tls_, ipv6_, host_, port_, 0});
        if (!next)
            return finish(transportFailure("shutting down"), false);
        next->exchange = std::move(exchange);
        next->exchange.retried = true;
        next->post(&Connection::start);
    }

    void fail(std::string error) { finish(transportFailure(std::move(error)), false); }

    void finish(WebhookResult result, bool reusable) {
        busy_ = false;
        result.elapsed =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - exchange.started);
        auto done = std::move(exchange.done);
        exchange.done = nullptr;
        if (reusable) {
            exchange.request = {}; // an idle connection holds no payload
            watchWhileIdle();
            if (!client_->release(shared_from_this(), key_))
                close();
        } else {
            // The request's buffers stay until the connection is destroyed:
            // an aborted write may still be winding down.
            close();
        }
        done(std::move(result));
    }

    // Anything readable on an idle connection is the server closing it (or
    // talking out of turn): either way it is not reused.
    void watchWhileIdle() {
        lowest().socket().async_wait(
            tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
                if (!ec && self->client_->removeIdle(self.get(), self->key_))
                    self->close();
            });
    }

    std::shared_ptr<Shared> client_;
    const std::string key_;
    const bool tls_;
    const bool ipv6_;
    const std::uint16_t port_;
    std::optional<net::ip::address> address_; // when the host is an IP address
    std::string host_;                        // lower case, no brackets
    std::string peer_;                        // "crm.example:443", "[::1]:8080", for messages
    std::string hostHeader_;                  // "crm.example", "[::1]:8080"
    net::strand<net::io_context::executor_type> strand_;
    std::optional<beast::tcp_stream> plain_;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
    std::optional<tcp::resolver> resolver_;
    std::optional<net::steady_timer> resolveTimer_;
    beast::flat_buffer buffer_;
    std::optional<ResponseReader> reader_;
    std::string head_, reason_, retryAfter_, excerpt_;
    bool busy_ = false;      // an exchange is under way
    bool connected_ = false; // TCP (and TLS) established
    bool reused_ = false;    // the exchange started on an already open connection
    bool closed_ = false;
};

} // namespace

std::shared_ptr<Connection> WebhookClient::Shared::acquire(std::string_view key) {
    std::vector<std::shared_ptr<Connection>> expired;
    std::shared_ptr<Connection> found;
    {
        std::lock_guard lock(mutex);
        const auto it = idle.find(key);
        if (it == idle.end())
            return nullptr;
        const auto oldest = Clock::now() - options.maxIdle;
        auto& connections = it->second;
        while (!connections.empty() && !found) {
            auto candidate = std::move(connections.back());
            connections.pop_back();
            if (candidate->idleSince < oldest)
                expired.push_back(std::move(candidate));
            else
                found = std::move(candidate);
        }
        // Older ones than an expired one are expired too.
        if (!expired.empty()) {
            for (auto& connection : connections)
                expired.push_back(std::move(connection));
            connections.clear();
        }
    }
    for (auto& connection : expired)
        connection->post(&Connection::close);
    return found;
}

std::shared_ptr<Connection> WebhookClient::Shared::create(std::string_view key,
                                                          const UrlParts& url) {
    auto connection = std::make_shared<Connection>(shared_from_this(), key, url);
    std::lock_guard lock(mutex);
    if (stopping)
        return nullptr;
    live[connection.get()] = connection;
    ++open; // close() takes it back
    return connection;
}

bool WebhookClient::Shared::release(const std::shared_ptr<Connection>& connection,
                                    std::string_view key) {
    std::lock_guard lock(mutex);
    if (stopping)
        return false;
    auto it = idle.find(key);
    if (it == idle.end())
        it = idle.emplace(std::string(key), std::vector<std::shared_ptr<Connection>>{}).first;
    connection->idleSince = Clock::now();
    it->second.push_back(connection);
    return true;
}

bool WebhookClient::Shared::removeIdle(const Connection* connection, std::string_view key) {
    std::lock_guard lock(mutex);
    const auto it = idle.find(key);
    if (it == idle.end())
        return false;
    auto& connections = it->second;
    const auto found = std::find_if(connections.begin(), connections.end(),
                                    [connection](const auto& c) { return c.get() == connection; });
    if (found == connections.end())
        return false;
    connections.erase(found); // the caller holds another reference
    return true;
}

void WebhookClient::Shared::forget(const Connection* connection) {
    std::lock_guard lock(mutex);
    live.erase(connection);
}

void WebhookClient::Shared::shutdown() {
    std::vector<std::shared_ptr<Connection>> all;
    decltype(idle) idleConnections;
    {
        std::lock_guard lock(mutex);
        stopping = true;
        idleConnections.swap(idle);
        all.reserve(live.size());
        for (const auto& [pointer, connection] : live)
            if (auto alive = connection.lock())
                all.push_back(std::move(alive));
    }
    for (const auto& connection : all)
        connection->post(&Connection::abort);
}

void WebhookClient::Shared::reject(std::function<void(WebhookResult)> done, FailureClass failure,
                                   std::string error, Clock::time_point started) {
    net::post(io, [done = std::move(done), failure, error = std::move(error), started]() mutable {
        WebhookResult result;
        result.failure = failure;
        result.error = std::move(error);
        result.elapsed =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
        done(std::move(result));
    });
}

WebhookClient::WebhookClient(net::io_context& io, WebhookClientOptions options)
    : shared_(std::make_shared<Shared>(io, std::move(options))) {}

WebhookClient::~WebhookClient() {
    shutdown();
}

void WebhookClient::send(WebhookRequest request, std::function<void(WebhookResult)> done) {
    const auto started = Clock::now();
    UrlParts url;
    if (auto why = splitUrl(request.url, url); !why.empty())
        return shared_->reject(std::move(done), FailureClass::Invalid, std::move(why), started);
    if (auto why = checkRequest(request); !why.empty())
        return shared_->reject(std::move(done), FailureClass::Invalid, std::move(why), started);
    const OriginKey key(url);
    auto connection = shared_->acquire(key.view());
    if (!connection)
        connection = shared_->create(key.view(), url);
    if (!connection)
        return shared_->reject(std::move(done), FailureClass::Transport, "shutting down", started);
    // The connection is ours alone until start() runs on its strand.
    const std::size_t targetPos = url.targetPos; // `url` views request.url
    connection->exchange = Exchange{std::move(request), std::move(done), targetPos, started, false};
    connection->post(&Connection::start);
}

void WebhookClient::shutdown() {
    shared_->shutdown();
}

std::size_t WebhookClient::openConnections() const {
    return shared_->open;
}

std::string ParsedUrl::origin() const {
    std::string out = tls ? "https://" : "http://";
    const bool ipv6 = host.find(':') != std::string::npos;
    out += ipv6 ? '[' + host + ']' : host;
    if (port != (tls ? 443 : 80))
        out += ':' + std::to_string(port);
    return out;
}

ParsedUrl parseUrl(std::string_view url) {
    UrlParts parts;
    if (auto why = splitUrl(url, parts); !why.empty())
        throw std::invalid_argument(why);
    ParsedUrl parsed;
    parsed.tls = parts.tls;
    parsed.host.reserve(parts.host.size());
    for (const char c : parts.host)
        parsed.host.push_back(lower(c));
    parsed.port = parts.port;
    const std::string_view target = url.substr(parts.targetPos);
    parsed.target =
        target.empty() || target.front() == '?' ? '/' + std::string(target) : std::string(target);
    return parsed;
}

} // namespace meshdeck::delivery
