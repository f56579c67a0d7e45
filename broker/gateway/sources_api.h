#pragma once
// The routes of vendor sources (the wire format is in core/protocol/source.h):
//
//   GET    /v1/sources              every source of the token's tenant, with counters
//   POST   /v1/sources              create (admin)
//   GET    /v1/sources/{name}       one
//   PUT    /v1/sources/{name}       create or replace (admin)
//   DELETE /v1/sources/{name}       (admin)
//   POST   /v1/sources/{name}/test  a vendor body through verification and
//                                   mapping, storing nothing (operator)
//
// Secrets are write-only: they are never answered. Changes are audited.

#include "broker/auth.h"
#include "broker/gateway/api.h"

#include <optional>
#include <string>

namespace meshdeck {

class BrokerCore;

class SourcesApi {
public:
    explicit SourcesApi(BrokerCore& core) : core_(core) {}

    void list(const ApiRequest& req, const Principal& p, const Respond& respond);
    void show(const std::string& name, const Respond& respond);
    // name: from the path (PUT), empty for POST (then the body names it).
    void put(const ApiRequest& req, const Principal& p, const std::string& name,
             const Respond& respond);
    void remove(const std::string& name, const Principal& p, const Respond& respond);
    void test(const ApiRequest& req, const std::string& name, const Respond& respond);

private:
    BrokerCore& core_;
};

// The sources' counters in Prometheus text format, appended to /metrics: a
// tenant's token gets its tenant's sources (nullopt: every source).
std::string renderSourceMetrics(BrokerCore& core, const std::optional<std::string>& tenant);

} // namespace meshdeck
