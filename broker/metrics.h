#pragma once
// The broker's metrics, rendered in the Prometheus text format for
// GET /metrics. Counters are keyed by their label values; every method is
// thread-safe (one mutex: updates are per request, not per byte).

#include "core/histogram.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

struct WriterStats;

class Metrics {
public:
    void countPublished(const std::string& eventType, const std::string& producer,
                        const std::string& tenant, std::int64_t n = 1);
    void countDuplicates(const std::string& tenant, std::int64_t n);
    void countRejection(const std::string& reason);
    // A bug caught by a last-resort boundary ("request", "websocket",
    // "network-thread", "delivery-thread", "reader"): it cost one request or
    // session, not the process.
    void countInternalError(const std::string& where);
    void countRequest(const std::string& method, const std::string& route, int status);
    void observeRequestLatency(const std::string& route, double ms);

    // Gauges and writer histograms are read at render time from their owners.
    struct Snapshot {
        std::int64_t lastSeq = 0;
        std::int64_t storedEvents = 0;
        std::int64_t quarantined = 0;
        std::int64_t openConnections = 0;
    };
    // tenant: nullopt renders every series (a "*" token); a tenant renders only
    // the series labelled with that tenant, and none of the process-wide ones.
    std::string renderPrometheus(const Snapshot& gauges, const WriterStats& writer,
                                 const std::optional<std::string>& tenant = std::nullopt) const;

private:
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::int64_t> published_; // {type, producer, tenant}
    std::map<std::string, std::int64_t> duplicates_;             // tenant
    std::map<std::string, std::int64_t> rejections_;             // reason
    std::map<std::vector<std::string>, std::int64_t> requests_;  // {method, route, status}
    std::map<std::string, Histogram> requestLatency_;            // route
    std::map<std::string, std::int64_t> internalErrors_;         // where
};

} // namespace meshdeck
