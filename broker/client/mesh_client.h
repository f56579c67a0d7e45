#pragma once
// A small blocking HTTP(S) client for meshd's API, kept on one keep-alive
// connection: used by meshctl, the tests and the benchmarks. Not
// thread-safe: one client per thread.

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace meshdeck {

struct HttpResult {
    int status = 0; // 0: no HTTP answer (see error)
    std::string body;
    std::map<std::string, std::string> headers; // lower-case names
    std::string error;                          // transport error, "connection refused" ...
    bool ok() const { return status >= 200 && status < 300; }
};

struct MeshUrl {
    bool tls = false;
    std::string host;
    std::string port;
};
// "http://127.0.0.1:8787" -> {false, "127.0.0.1", "8787"}; throws std::invalid_argument.
MeshUrl parseMeshUrl(const std::string& url);

class MeshClient {
public:
    MeshClient(const std::string& url, std::string token);
    ~MeshClient();
    MeshClient(MeshClient&&) noexcept;

    void setTimeout(std::chrono::milliseconds timeout);
    void setInsecure(bool insecure); // skip TLS certificate checks (self-signed dev certs)

    HttpResult request(const std::string& method, const std::string& target,
                       const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {});
    HttpResult get(const std::string& target) { return request("GET", target); }
    HttpResult postJson(const std::string& target, const std::string& body) {
        return request("POST", target, body, {{"content-type", "application/json"}});
    }
    void disconnect();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Percent-encodes a query parameter value.
std::string urlEncode(const std::string& value);

} // namespace meshdeck
