#pragma once
// The delivery routes of the HTTP API: consumers, replay, dead letters,
// traces, stall, and the delivery part of /metrics. Handlers that read the
// disk or wait for the delivery thread run on the reader pool.
//
//   GET    /v1/consumers                      every consumer with its lag and state
//   POST   /v1/consumers                      create (admin)
//   GET    /v1/consumers/{name}               one, with its spec
//   PUT    /v1/consumers/{name}               create or change (admin)
//   DELETE /v1/consumers/{name}               (admin)
//   POST   /v1/consumers/{name}/pause|resume  (operator)
//   POST   /v1/consumers/{name}/replay        from a seq or time; dry_run (operator)
//   GET    /v1/consumers/{name}/history       per-minute history
//   POST   /v1/replay                         several consumers at once (operator)
//   GET    /v1/dead-letters                   list and filter
//   GET    /v1/dead-letters/groups            grouped by error signature
//   GET    /v1/dead-letters/{id}              one, with every attempt
//   POST   /v1/dead-letters/replay            ids, or a consumer's group (operator)
//   POST   /v1/dead-letters/{id}/replay       optionally with an edited payload (operator)
//   POST   /v1/dead-letters/discard           with a reason (operator)
//   GET    /v1/traces/{correlation_id}        the journey, in time order
//   GET    /v1/stall?correlation_id=|entity=  where it stalled, in a sentence
//   GET    /v1/flows                          producer -> type -> consumer counts and rates

#include "broker/auth.h"
#include "broker/gateway/api.h"
#include "core/protocol/flow.h"

#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

class BrokerCore;
struct EngineSnapshot;

class DeliveryApi {
public:
    explicit DeliveryApi(BrokerCore& core) : core_(core) {}

    // True when the path is one of the routes above (then respond is called).
    bool handle(const std::vector<std::string_view>& parts, ApiRequest& req, const Principal& p,
                const Respond& respond);

private:
    bool handleReplay(ApiRequest& req, const Principal& p, const Respond& respond,
                      std::vector<std::string> consumers);
    static ApiResponse trace(BrokerCore& core, const std::string& correlationId,
                             const Principal& p);
    static ApiResponse stall(BrokerCore& core, const struct EventQuery& query, const Principal& p);

    BrokerCore& core_;
};

// The delivery metrics in Prometheus text format, appended to /metrics.
std::string renderDeliveryMetrics(const EngineSnapshot& snapshot);
// GET /v1/flows, and the live feed's "flows": what the token's tenant may see.
protocol::FlowSnapshot liveFlows(BrokerCore& core, const Principal& p);

} // namespace meshdeck
