#pragma once
// Where one event stands for one consumer: the stall finder's verdicts, the
// words the API and the console use for them, and which one an operator
// should look at first.

#include <optional>
#include <string>
#include <string_view>

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

} // namespace meshdeck
