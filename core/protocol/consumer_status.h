#pragma once
// A consumer's live status. ConsumerStatus is what the delivery engine keeps
// (with full histograms); ConsumerReport is what the API answers for it
// (GET /v1/consumers, /v1/consumers/{name}, each /v1/live snapshot): the
// headline state, counters, latency percentiles and, for one consumer, its
// spec with secrets masked. report() turns the first into the second.

#include "core/circuit_breaker.h"
#include "core/consumer_spec.h"
#include "core/histogram.h"
#include "core/time.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

struct ConsumerStatus {
    ConsumerSpec spec;
    std::int64_t ackFloor = 0;
    std::int64_t pending = 0; // events not yet settled (lag as a count)
    std::int64_t oldestPendingAgeMs = 0;
    std::int64_t inFlight = 0;
    std::int64_t retrying = 0;        // entities waiting for a retry timer
    std::int64_t blockedEntities = 0; // behind a dead letter (dead_letter: block)
    std::int64_t delivered = 0;       // totals since the broker started
    std::int64_t failedAttempts = 0;
    std::int64_t throttled = 0;
    std::int64_t deadLettered = 0;
    std::int64_t stale = 0;
    std::int64_t gaps = 0;
    std::int64_t replayed = 0;
    CircuitState circuit = CircuitState::Closed;
    std::optional<Timestamp> circuitReopensAt;
    std::int64_t subscribers = 0;
    std::string lastError;
    std::optional<Timestamp> lastErrorAt;
    Histogram deliveryLatencyMs; // ingest -> acknowledged by the sink
    // End-to-end latency from the root event's occurred_at to the ack (or
    // outcome), per event type; compared with spec.slo.
    std::map<std::string, Histogram> endToEndMs;
};

namespace protocol {

// The one word an operator reads first; the most pressing condition wins.
enum class ConsumerState { Running, Paused, CircuitOpen, Blocked, Retrying };
std::string_view toString(ConsumerState state); // "running", "circuit-open", ...
std::optional<ConsumerState> parseConsumerState(std::string_view word);
ConsumerState headlineState(const ConsumerStatus& status);

// A histogram as percentiles; with count 0 the rest are absent (0 here).
struct LatencySummary {
    std::uint64_t count = 0;
    double p50Ms = 0;
    double p95Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;

    bool operator==(const LatencySummary&) const = default;
};
LatencySummary summarize(const Histogram& histogram);

struct SloCheck {
    std::int64_t targetMs = 0;
    double percentile = 95; // in percent
    bool met = false;

    bool operator==(const SloCheck&) const = default;
};

// Latency of one event type: end to end for a consumer (with its SLO when it
// sets one), or of outcome events.
struct TypedLatency {
    std::string eventType;
    LatencySummary latency;
    std::optional<SloCheck> slo;

    bool operator==(const TypedLatency&) const = default;
};

struct ConsumerReport {
    std::string name;
    std::string description;
    SinkKind sink = SinkKind::None;
    std::string url; // webhook only
    std::string source = "api";
    ConsumerState state = ConsumerState::Running;
    bool paused = false;
    std::int64_t ackFloor = 0;
    std::int64_t lagEvents = 0;
    std::int64_t oldestPendingAgeMs = 0;
    std::int64_t inFlight = 0;
    std::int64_t retrying = 0;
    std::int64_t blockedEntities = 0;
    CircuitState circuit = CircuitState::Closed;
    std::optional<Timestamp> probeAt;
    std::int64_t subscribers = 0;
    std::int64_t delivered = 0;
    std::int64_t failedAttempts = 0;
    std::int64_t throttled = 0;
    std::int64_t deadLettered = 0;
    std::int64_t staleSkipped = 0;
    std::int64_t gapsWaited = 0;
    std::int64_t replayed = 0;
    LatencySummary deliveryLatency;
    std::vector<TypedLatency> endToEnd;
    std::string lastError; // "": none
    std::optional<Timestamp> lastErrorAt;
    // The spec as JSON (secrets masked), only in single-consumer answers.
    std::optional<std::string> specJson;

    bool operator==(const ConsumerReport&) const = default;
};

ConsumerReport report(const ConsumerStatus& status, bool withSpec);

// GET /v1/consumers.
struct ConsumerList {
    std::int64_t lastSeq = 0;
    std::vector<ConsumerReport> consumers;
    std::vector<TypedLatency> outcomeEvents;

    bool operator==(const ConsumerList&) const = default;
};

std::string toJson(const ConsumerReport& consumer);
std::string toJson(const ConsumerList& list);

} // namespace protocol

} // namespace meshdeck
