#pragma once
// A consumer: a named subscription to the log with its own sink, ordering,
// retry, rate, circuit-breaker and dead-letter rules. Declared in meshd's
// config file ("consumers": [...]) or through /v1/consumers; both use the
// JSON below (README, "Consumers", has a complete example). Parsing reports
// every problem with its JSON path, like the event envelope.
//
// Plain data, no threads.

#include "core/error.h"
#include "core/event.h"
#include "core/retry_policy.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

// One condition on a field of the canonical event, addressed by JSON Pointer
// ("/payload/score", "/entity/kind"). A consumer receives an event only when
// every condition holds.
struct FieldCondition {
    enum class Op { Equal, NotEqual, Greater, GreaterOrEqual, Less, LessOrEqual, Exists, In };
    std::string field; // JSON Pointer into the canonical event
    Op op = Op::Equal;
    std::string valueJson; // the operand as JSON text ("80", "\"won\"", "[1,2]")
};

struct ConsumerFilter {
    std::vector<std::string> eventTypes; // empty: every type
    std::optional<std::string> tenant;   // unset: every tenant
    std::vector<FieldCondition> where;
};

enum class SinkKind { Webhook, WebSocket, None };

// What a webhook's body is: the canonical event, or the event as a CloudEvent
// (DESIGN.md's mapping, the same one ingestion reads).
enum class OutboundFormat { Canonical, CloudEvents };

// The CloudEvents HTTP binding's content modes: structured sends the whole
// CloudEvent as the body (application/cloudevents+json); binary sends the
// attributes as ce-* headers and the data alone as the body.
enum class CloudEventsMode { Structured, Binary };

struct SinkSpec {
    SinkKind kind = SinkKind::None;
    std::string url; // webhook
    std::string method = "POST";
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout{10'000};
    std::string secret; // Standard Webhooks signing secret ("whsec_..."); empty: unsigned
    OutboundFormat format = OutboundFormat::Canonical;             // webhook
    CloudEventsMode cloudEventsMode = CloudEventsMode::Structured; // format CloudEvents only
    std::chrono::milliseconds ackTimeout{30'000}; // websocket: redeliver when not acked by then
};

struct RateLimit {
    double perSecond = 0; // 0: unlimited
    double burst = 0;     // tokens; defaults to one second's worth (at least 1)
};

struct CircuitBreakerPolicy {
    double failureRatio = 0.5;
    int minRequests = 10;
    std::chrono::seconds window{30};
    std::chrono::milliseconds openFor{30'000};
    int halfOpenProbes = 3;
};

enum class DeadLetterPolicy {
    Continue,    // the entity's later events keep flowing
    BlockEntity, // the entity waits until its dead letter is replayed or discarded
};

struct SloTarget {
    std::chrono::milliseconds target{0}; // 0: none
    double percentile = 0.95;
};

struct ConsumerSpec {
    std::string name; // [A-Za-z0-9._-]{1,64}
    std::string description;
    ConsumerFilter filter;
    SinkSpec sink;
    bool orderByEntity = true;
    RetryPolicy retry;
    RateLimit rate;
    int maxConcurrency = 16;
    int maxPending = 10'000; // events held in memory for this consumer
    CircuitBreakerPolicy breaker;
    DeadLetterPolicy deadLetter = DeadLetterPolicy::Continue;
    std::chrono::milliseconds gapTimeout{5'000};
    // Output field -> JSON Pointer into the canonical event; the mapped object
    // is the body (a CloudEvent's data). Empty: the whole canonical event is
    // the body (the payload is a CloudEvent's data).
    std::vector<std::pair<std::string, std::string>> mapping;
    bool redactPii = false;
    SloTarget slo;
    bool paused = false;
    std::string source = "api"; // "config" or "api"
};

struct ParsedConsumer {
    std::optional<ConsumerSpec> spec;
    Violations violations;
};

// Parses one consumer object. `pathPrefix` is prepended to every violation's
// path ("/consumers/2" in a config file).
ParsedConsumer parseConsumerSpec(std::string_view json, std::string_view pathPrefix = {});
// The spec as JSON, in the shape parseConsumerSpec reads (secrets masked when
// `maskSecrets`).
std::string consumerSpecToJson(const ConsumerSpec& spec, bool maskSecrets);

// True when the event passes the consumer's filter. `eventJson` is the
// canonical event as JSON text (needed only when there are conditions).
bool matchesTypeAndTenant(const ConsumerFilter& filter, const Event& event);
bool matchesConditions(const ConsumerFilter& filter, const Event& event);

std::string_view toString(SinkKind kind);
std::string_view toString(DeadLetterPolicy policy);
std::string_view toString(OutboundFormat format);
std::string_view toString(CloudEventsMode mode);

} // namespace meshdeck
