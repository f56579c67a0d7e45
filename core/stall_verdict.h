#pragma once
// Where one event stands for one consumer: the stall finder's verdicts, the
// words the API and the console use for them, which one an operator should
// look at first, and the verdict itself - a state and a sentence with its
// evidence - drawn from facts the delivery engine gathers (live) or the
// delivery store keeps (settled).

#include "core/circuit_breaker.h"
#include "core/protocol/attempt.h"
#include "core/protocol/dead_letter.h"
#include "core/time.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

enum class StallState {
    // Still on its way, in order of how urgently an operator should act.
    DeadLettered,          // gave up; a dead letter waits for replay or discard
    Blocked,               // behind a dead letter of its entity (dead_letter: block)
    CircuitOpen,           // the sink failed repeatedly; nothing goes out until a probe passes
    Retrying,              // the last attempt failed; the next one is scheduled
    Paused,                // the consumer is paused
    NoSubscriber,          // a WebSocket consumer with nobody connected
    WaitingForPredecessor, // a version gap: an earlier version may still come
    Pending,               // queued or not yet read from the log
    InFlight,              // being delivered now
    // Settled.
    Stale,     // an older version than one already delivered: skipped
    Filtered,  // did not pass the consumer's filter conditions
    Delivered, // the sink acknowledged it
};

// "dead-lettered", "circuit-open", ... as the API writes them.
std::string_view toString(StallState state);
std::optional<StallState> parseStallState(std::string_view text);

// Lower is more urgent: the headline of several findings is the lowest.
int urgency(StallState state);
// Nothing more will happen to the event for this consumer by itself.
bool isSettled(StallState state);

struct StallVerdict {
    StallState state = StallState::Pending;
    std::string sentence; // with its evidence, for a person on support duty
};

// What the delivery engine knows of an event it has not settled for a
// consumer.
struct StallFacts {
    std::string event;    // how sentences name it: "LeadScored <id> (seq 42)"
    std::string entity;   // "lead:L-1"
    std::string consumer; // its name
    std::string sink;     // where it sends: a URL, "its WebSocket subscribers"
    bool paused = false;
    CircuitState circuit = CircuitState::Closed;
    Timestamp probeAt{}; // when an open circuit lets the next probe through
    int maxAttempts = 0;
    std::chrono::milliseconds gapTimeout{0};
    bool noSubscriber = false; // a WebSocket consumer with nobody connected

    // Not read from the log yet: how many events the consumer is behind.
    std::optional<std::int64_t> eventsBehind;
    // Read and waiting in its entity's queue (neither this nor eventsBehind:
    // read, but between hand-offs).
    struct Queued {
        std::size_t position = 0; // events of the entity ahead of it
        bool blocked = false;     // behind a dead letter (dead_letter: block)
        bool inFlight = false;    // the head, being delivered
        Timestamp inFlightSince{};
        int attemptsFailed = 0; // the head's
        int throttles = 0;
        bool retryScheduled = false; // the head waits for its next attempt
        Timestamp nextAttemptAt{};
        bool waitingForPredecessor = false; // a version gap is held
        std::string lastError;              // the head's last failure
    };
    std::optional<Queued> queued;
};

// The live verdict. The order of the checks is the order an operator cares
// about: a blocked entity, a paused consumer, its place in line, an open
// circuit, a retry, a gap, a missing subscriber.
StallVerdict judgeStall(const StallFacts& facts);

// The verdict on an event the consumer has settled, from what the delivery
// store kept: its open dead letter (if any) and its attempts, oldest first.
StallVerdict judgeSettled(const std::string& event, const std::string& consumer,
                          const DeadLetter* openDeadLetter,
                          const std::vector<AttemptRecord>& attempts);

} // namespace meshdeck
