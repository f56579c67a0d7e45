#pragma once
// GET /v1/flows (and each /v1/live snapshot's "flows"): who publishes what
// and how it reaches each consumer, over the last window.

#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck::protocol {

struct ProducerFlow {
    std::string tenant;
    std::string producer;
    std::string eventType;
    std::int64_t published = 0;
    std::int64_t rejected = 0;
    double publishedPerSecond = 0;
    double rejectedPerSecond = 0;
    std::optional<Timestamp> lastAt; // none yet: null

    bool operator==(const ProducerFlow&) const = default;
};

struct ConsumerFlow {
    std::string consumer;
    std::string eventType;
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
    std::int64_t deadLettered = 0;
    double deliveredPerSecond = 0;
    double failedPerSecond = 0;
    double deadLetteredPerSecond = 0;
    double errorRatio = 0; // failed / (delivered + failed) over the window
    std::string lastError;
    std::optional<Timestamp> lastAt;

    bool operator==(const ConsumerFlow&) const = default;
};

struct FlowSnapshot {
    Timestamp at{};
    Timestamp since{};
    int windowSeconds = 60;
    std::vector<ProducerFlow> producers;
    std::vector<ConsumerFlow> consumers;

    bool operator==(const FlowSnapshot&) const = default;
};

std::string toJson(const FlowSnapshot& flows);

} // namespace meshdeck::protocol
