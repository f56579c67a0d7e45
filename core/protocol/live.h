#pragma once
// The frames of the console's live feed, /v1/live: a snapshot about once a
// second, and a state-changed line for each consumer whose headline state
// changed since the last one.

#include "core/protocol/consumer_status.h"
#include "core/protocol/flow.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace meshdeck::protocol {

struct LiveSnapshot {
    Timestamp at{};
    std::int64_t lastSeq = 0;
    std::int64_t storedEvents = 0;
    std::vector<ConsumerReport> consumers;
    FlowSnapshot flows;

    bool operator==(const LiveSnapshot&) const = default;
};

struct LiveStateChange {
    std::string consumer;
    ConsumerState from = ConsumerState::Running;
    ConsumerState to = ConsumerState::Running;
    Timestamp at{};

    bool operator==(const LiveStateChange&) const = default;
};

using LiveFrame = std::variant<LiveSnapshot, LiveStateChange>;

std::string toJson(const LiveSnapshot& snapshot);
std::string toJson(const LiveStateChange& change);

} // namespace meshdeck::protocol
