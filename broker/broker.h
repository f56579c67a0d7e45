#pragma once
// A running broker: BrokerCore plus its HTTP(S) gateway and network threads.
// meshd runs one; the console runs one in-process and talks to it over
// 127.0.0.1 exactly as it talks to a remote meshd.

#include "broker/config.h"
#include "core/time.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace meshdeck {

class BrokerCore;

class Broker {
public:
    // Opens the data dir and database; throws with an actionable message.
    // Everything in the broker that reads or waits on time reads `clock`.
    explicit Broker(BrokerConfig config, const Clock& clock = SystemClock::instance());
    ~Broker(); // stop()

    // Binds the listener and starts the network threads. Throws on bind errors.
    void start();
    // Stops accepting, closes connections, commits what is queued.
    void stop();
    // SIGHUP: tokens and schemas.
    void reload();

    std::uint16_t port() const;
    std::string url() const; // "http://127.0.0.1:8787"
    // The admin token created on the first start of an empty data dir.
    const std::optional<std::string>& initialAdminToken() const { return adminToken_; }
    BrokerCore& core();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::optional<std::string> adminToken_;
};

} // namespace meshdeck
