#pragma once
// The delivery engine: takes every committed event to every consumer whose
// filter it passes, at least once, one delivery in flight per (consumer,
// entity) so one stuck entity never holds up the others.
//
// Threads: the engine owns one thread running its own io_context ("the
// delivery thread"). Every piece of consumer state below - queues, progress,
// circuit breakers, rate buckets, subscribers' in-flight deliveries - is
// touched only there; the public methods post onto it (the *AndWait ones block
// the caller until the delivery thread has answered, so never call them from
// the delivery thread). Webhook I/O runs on the same io_context, so its
// completions arrive on the delivery thread too. Progress, attempts and dead
// letters are batched and handed to the database's writer thread every 50 ms.
// A second thread, the log reader, does the engine's reads of the log
// (backlogs, replays, causation chains), so the delivery thread never waits
// on SQLite; control actions wait for their writes on the caller's thread.
//
// Memory: a consumer holds at most spec.maxPending events in memory; the rest
// wait in the log and are read back as room frees up.

#include "broker/store/delivery_store.h"
#include "core/circuit_breaker.h"
#include "core/consumer_spec.h"
#include "core/histogram.h"
#include "core/protocol/consumer_status.h"
#include "core/protocol/stall.h"
#include "core/stall_verdict.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

class BrokerCore;

// ConsumerStatus (core/protocol/consumer_status.h) and StallFinding
// (core/protocol/stall.h) are what the API answers, so they live in core.

struct EngineSnapshot {
    Timestamp at{};
    std::int64_t lastSeq = 0;
    std::vector<ConsumerStatus> consumers;
    // Outcome events (published with a causation_id): latency from the root
    // event's occurred_at, per outcome event type.
    std::map<std::string, Histogram> outcomeEvents;
};

// Why the engine refused or could not finish a control action. The engine
// says what went wrong in its own terms; the gateway maps each kind to HTTP.
struct EngineError {
    enum class Kind {
        None,
        NotFound,      // no such consumer or dead letter (or another tenant's)
        Conflict,      // the target's state forbids it: exists already, from the config, resolved
        BadInput,      // the request itself is malformed (an edited payload that is not JSON)
        Unprocessable, // well-formed but invalid (an edited payload its schema refuses)
        Storage,       // the change could not be stored
        Internal,      // stored data the engine cannot read
    };
    Kind kind = Kind::None;
    std::string message; // a sentence a person can act on

    explicit operator bool() const { return kind != Kind::None; }
};

struct ReplayRequest {
    std::vector<std::string> consumers; // empty: every consumer
    std::optional<std::int64_t> fromSeq;
    std::optional<Timestamp> since; // by occurred_at
    ConsumerFilter filter;          // on top of each consumer's own
    double ratePerSecond = 0;       // 0: as fast as the consumer goes
    bool dryRun = false;
    std::string actor;
    // The caller's tenant ("*": every tenant): another tenant's consumer is
    // answered like a missing one, and "every consumer" means the tenant's.
    std::string tenantScope = "*";
};

struct ReplayCount {
    std::string consumer;
    std::int64_t events = 0;           // would be (or are being) sent again
    std::int64_t alreadyDelivered = 0; // of those, settled before: an idempotent sink absorbs them
    std::int64_t fromSeq = 0;
    std::int64_t toSeq = 0;
};

struct ReplayResult {
    EngineError error;
    std::vector<ReplayCount> counts;
};

// Which dead letters an operator action applies to.
struct DeadLetterSelection {
    std::vector<std::int64_t> ids;
    std::optional<std::string> consumer; // with signature: the whole group
    std::optional<std::string> signature;
    // The caller's tenant ("*": every tenant). Another tenant's letter is
    // answered like a missing one.
    std::string tenantScope = "*";
};

struct DeadLetterActionResult {
    EngineError error;
    std::vector<std::int64_t> affected;
    std::vector<std::int64_t> newIds; // edit-and-replay: none (the edit is replayed directly)
};

// A WebSocket subscriber as the engine sees it; implemented by the gateway.
class SubscriberLink {
public:
    virtual ~SubscriberLink() = default;
    // Queue a text frame; thread-safe, never blocks.
    virtual void send(std::string text) = 0;
    virtual void close(std::string reason) = 0;
};

class DeliveryEngine {
public:
    explicit DeliveryEngine(BrokerCore& core);
    ~DeliveryEngine();

    // Loads consumers (config first, then those created through the API) and
    // their progress, then starts the delivery thread. Throws ConfigError for
    // a bad consumer in the config file.
    void start();
    // Flushes progress and stops the thread; in-flight deliveries are
    // abandoned (redelivered after the next start).
    void stop();

    // The log's commit listener: each commit's new events, in seq order, from
    // one thread (see EventLog::setCommitListener). Hands them to the
    // delivery thread and returns.
    void eventsCommitted(std::vector<EventPtr> events);

    EngineSnapshot snapshot() const; // refreshed about four times a second
    // The tenant a consumer reads (its filter.tenant; "" when it reads every
    // tenant), or nullopt when there is no such consumer. Cheap: no copy of
    // the snapshot.
    std::optional<std::string> consumerTenant(const std::string& name) const;
    // The lowest seq some consumer still owes its sink (0: none), for retention.
    std::int64_t lowestUnsettledSeq() const;

    // Control plane. Each answers with an EngineError (none on success).
    struct Answer {
        EngineError error;
        bool created = false; // putConsumer: a new consumer, not a change
    };
    Answer putConsumer(ConsumerSpec spec, const std::string& actor, bool mustBeNew);
    Answer deleteConsumer(const std::string& name, const std::string& actor);
    Answer setPaused(const std::string& name, bool paused, const std::string& actor);
    ReplayResult replay(const ReplayRequest& request);
    DeadLetterActionResult replayDeadLetters(const DeadLetterSelection& selection,
                                             const std::string& actor);
    // Validates the edited payload against the event's schema; violations
    // come back in the error.
    DeadLetterActionResult editAndReplay(std::int64_t id, const std::string& payloadJson,
                                         const std::string& actor,
                                         const std::string& tenantScope = "*");
    DeadLetterActionResult discardDeadLetters(const DeadLetterSelection& selection,
                                              const std::string& reason, const std::string& actor);
    std::vector<StallFinding> stall(const std::vector<Event>& events);

    // WebSocket subscribers. subscribe() answers with an error or "" and, on
    // success, starts sending deliver frames to the link. The link's session
    // passes every frame it receives to subscriberFrame() and calls
    // unsubscribe() when it closes (unacked deliveries are redelivered).
    std::string subscribe(std::uint64_t linkId, std::shared_ptr<SubscriberLink> link,
                          const std::string& consumer, int maxInFlight,
                          const std::string& tenantScope);
    void subscriberFrame(std::uint64_t linkId, std::string text);
    void unsubscribe(std::uint64_t linkId);

    DeliveryStore& store();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace meshdeck
