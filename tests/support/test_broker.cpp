#include "tests/support/test_broker.h"

#include "tests/support/test_support.h"

namespace meshdeck::test {

TestBroker::TestBroker(BrokerConfig config, const Clock& clock) {
    if (!dir.isValid())
        qFatal("cannot create a temporary dir");
    config.dataDir = dir.path().toStdString() + "/data";
    config.listen = ListenAddress{"127.0.0.1", 0};
    config.catalogDir = catalogDir().toStdString();
    broker = std::make_unique<Broker>(std::move(config), clock);
    broker->start();
    if (!broker->initialAdminToken())
        qFatal("a fresh data dir must yield an admin token");
    adminToken = *broker->initialAdminToken();
}

TestBroker::~TestBroker() {
    broker->stop();
}

std::string TestBroker::token(Role role, const std::string& tenant,
                              std::vector<std::string> types) {
    return core().tokens().create(role, tenant, std::move(types), "test").plaintext;
}

MeshClient TestBroker::client(const std::string& token) const {
    MeshClient c(broker->url(), token);
    c.setTimeout(std::chrono::seconds(10));
    return c;
}

} // namespace meshdeck::test
