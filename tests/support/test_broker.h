#pragma once
// An in-process broker on 127.0.0.1 with an ephemeral port and a fresh data
// dir, plus tokens for the roles and tenants the gateway tests need.

#include "broker/broker.h"
#include "broker/broker_core.h"
#include "broker/client/mesh_client.h"

#include <QTemporaryDir>
#include <memory>
#include <string>

namespace meshdeck::test {

struct TestBroker {
    // With a clock, every time the broker reads (ingestion, retries, the
    // version gate, circuit breakers, rate limits) is that clock's.
    explicit TestBroker(BrokerConfig config = {}, const Clock& clock = SystemClock::instance());
    ~TestBroker();

    std::string token(Role role, const std::string& tenant, std::vector<std::string> types = {});
    MeshClient client(const std::string& token) const;
    std::string url() const { return broker->url(); }
    BrokerCore& core() { return broker->core(); }

    QTemporaryDir dir;
    std::unique_ptr<Broker> broker;
    std::string adminToken;
};

} // namespace meshdeck::test
