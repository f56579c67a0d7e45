#pragma once
// GET /v1/traces/{correlation_id}: everything that happened to the events of
// one correlation id, in time order (the timeline), and the causation tree.

#include "core/protocol/attempt.h"
#include "core/protocol/dead_letter.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace meshdeck {

struct Event;

namespace protocol {

// An event as it was ingested.
struct TracedEvent {
    std::int64_t seq = 0;
    std::string eventId;
    std::string eventType;
    std::string producer;
    std::string tenantId;
    std::string entity; // "kind:id"
    Timestamp occurredAt{};
    Timestamp ingestedAt{};
    std::optional<std::int64_t> entityVersion;
    std::string causationId; // "": a root

    bool operator==(const TracedEvent&) const = default;
};
TracedEvent tracedEvent(const Event& event);

// An operator replayed or discarded a dead letter.
struct TracedResolution {
    DeadLetterState state = DeadLetterState::Replayed; // Replayed or Discarded
    std::int64_t deadLetter = 0;
    std::string consumer;
    std::string eventId;
    std::string by;
    std::string reason;
    Timestamp at{};

    bool operator==(const TracedResolution&) const = default;
};

// An outcome event a consumer published back, against its SLO when it sets one.
struct TracedOutcome {
    std::string consumer;
    std::string eventId;
    std::string eventType;
    std::string outcomeJson;
    Timestamp at{};
    std::int64_t latencyMs = 0;
    std::optional<std::int64_t> sloTargetMs;
    std::optional<bool> sloMet;

    bool operator==(const TracedOutcome&) const = default;
};

// One timeline row. An AttemptRecord's kind on the wire is "attempt",
// "replay-attempt" or "stale" (from replay and its failure class).
using TraceEntry =
    std::variant<TracedEvent, AttemptRecord, DeadLetter, TracedResolution, TracedOutcome>;
// When the row happened: ingest, attempt start, death, resolution, outcome.
Timestamp entryTime(const TraceEntry& entry);

struct CausationNode {
    std::string eventId;
    std::string eventType;
    std::int64_t seq = 0;
    std::vector<CausationNode> caused;

    bool operator==(const CausationNode&) const = default;
};

struct Trace {
    std::string correlationId;
    std::int64_t events = 0;
    std::vector<TraceEntry> timeline;
    std::vector<CausationNode> causation; // roots: events whose cause is not in the trace

    bool operator==(const Trace&) const = default;
};

std::string toJson(const Trace& trace);

} // namespace protocol

} // namespace meshdeck
