#pragma once
// A blocking WebSocket client for tests: connects to a broker's /v1/subscribe
// or /v1/live with a bearer token, sends and receives text frames. Beast stays
// in the .cpp.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace meshdeck::test {

class WsClient {
public:
    // url: "http://127.0.0.1:PORT"; path: "/v1/subscribe". Throws
    // std::runtime_error with the server's answer when the upgrade is refused.
    WsClient(const std::string& url, const std::string& path, const std::string& token);
    ~WsClient();

    void send(const std::string& text);
    // The next text frame, or nullopt after `timeout` (or when closed).
    std::optional<std::string> receive(std::chrono::milliseconds timeout);
    void close();
    // The code and reason of the server's close frame, once receive() met it.
    std::optional<int> closeCode() const;
    std::string closeReason() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace meshdeck::test
