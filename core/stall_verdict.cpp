#include "core/stall_verdict.h"

#include "core/word_table.h"

namespace meshdeck {

namespace {

// In StallState's order, which is also the order of urgency.
constexpr WordTable<StallState, 12> kWords{{
    {StallState::DeadLettered, "dead-lettered"},
    {StallState::Blocked, "blocked"},
    {StallState::CircuitOpen, "circuit-open"},
    {StallState::Retrying, "retrying"},
    {StallState::Paused, "paused"},
    {StallState::NoSubscriber, "no-subscriber"},
    {StallState::WaitingForPredecessor, "waiting-for-predecessor"},
    {StallState::Pending, "pending"},
    {StallState::InFlight, "in-flight"},
    {StallState::Stale, "stale"},
    {StallState::Filtered, "filtered"},
    {StallState::Delivered, "delivered"},
}};

constexpr bool inEnumOrder() {
    for (std::size_t i = 0; i < kWords.size(); ++i)
        if (static_cast<std::size_t>(kWords[i].first) != i)
            return false;
    return true;
}
static_assert(inEnumOrder(), "kWords must list StallState's values in their order");

} // namespace

std::string_view toString(StallState state) {
    return kWords[static_cast<std::size_t>(urgency(state))].second;
}

std::optional<StallState> parseStallState(std::string_view text) {
    return valueOf(kWords, text);
}

int urgency(StallState state) {
    return static_cast<int>(state);
}

bool isSettled(StallState state) {
    return state == StallState::Stale || state == StallState::Filtered ||
           state == StallState::Delivered;
}

namespace {

std::string when(Timestamp t) {
    return formatRfc3339(t);
}

StallVerdict circuitVerdict(const StallFacts& f, const std::string& lastError) {
    return {StallState::CircuitOpen,
            f.event + " waits: the circuit to " + f.sink + " is open after repeated failures" +
                (lastError.empty() ? std::string() : " (last: " + lastError + ")") +
                (f.circuit == CircuitState::HalfOpen
                     ? std::string("; a probe is testing it now")
                     : "; it is probed again at " + when(f.probeAt)) +
                ". Nothing is dead-lettered meanwhile."};
}

} // namespace

StallVerdict judgeStall(const StallFacts& f) {
    const std::string to = " to " + f.consumer;
    // While the circuit is open nothing of this consumer goes out: that is
    // what every event waiting for it waits on, whatever its place in line.
    const bool circuitOpen = !f.paused && f.circuit != CircuitState::Closed;
    if (f.eventsBehind) {
        if (circuitOpen)
            return circuitVerdict(f, {});
        return {f.paused ? StallState::Paused : StallState::Pending,
                f.event + " is pending" + to + ": the consumer is " +
                    std::to_string(*f.eventsBehind) + " events behind the log" +
                    (f.paused ? " and is paused" : "") + '.'};
    }
    if (!f.queued) {
        if (circuitOpen)
            return circuitVerdict(f, {});
        return {StallState::Pending, f.event + " is pending" + to + '.'};
    }
    const StallFacts::Queued& q = *f.queued;
    if (q.blocked)
        return {StallState::Blocked,
                f.event + " is blocked" + to + ": entity " + f.entity +
                    " waits behind a dead letter (dead_letter: block); replay or discard it."};
    if (f.paused)
        return {StallState::Paused, f.event + " waits: consumer " + f.consumer + " is paused."};
    if (q.position > 0 && circuitOpen)
        return circuitVerdict(f, q.lastError);
    if (q.position > 0)
        return {StallState::Pending,
                f.event + " is pending" + to + " behind " + std::to_string(q.position) +
                    " earlier event(s) of " + f.entity +
                    (q.lastError.empty() ? std::string()
                                         : "; the first is retrying with error: " + q.lastError) +
                    '.'};
    if (q.inFlight)
        return {StallState::InFlight, f.event + " is being delivered" + to + " (" + f.sink +
                                          ") since " + when(q.inFlightSince) + ", attempt " +
                                          std::to_string(q.attemptsFailed + q.throttles + 1) + '.'};
    if (circuitOpen)
        return circuitVerdict(f, q.lastError);
    if (q.retryScheduled)
        return {StallState::Retrying,
                f.event + " waits to be retried for " + f.consumer + ": " + q.lastError + " (" +
                    std::to_string(q.attemptsFailed) + " of " + std::to_string(f.maxAttempts) +
                    " attempts failed" +
                    (q.throttles ? ", throttled " + std::to_string(q.throttles) + " times"
                                 : std::string()) +
                    "); next attempt at " + when(q.nextAttemptAt) + '.'};
    if (q.waitingForPredecessor)
        return {StallState::WaitingForPredecessor,
                f.event + " waits for an earlier version of " + f.entity + " (up to " +
                    std::to_string(f.gapTimeout.count()) + " ms)."};
    if (f.noSubscriber)
        return {StallState::NoSubscriber,
                f.event + " waits: no WebSocket subscriber is connected for " + f.consumer + '.'};
    return {StallState::Pending, f.event + " is queued for delivery" + to + '.'};
}

StallVerdict judgeSettled(const std::string& event, const std::string& consumer,
                          const DeadLetter* open, const std::vector<AttemptRecord>& attempts) {
    const std::string to = " to " + consumer;
    if (open)
        return {StallState::DeadLettered,
                event + " was dead-lettered" + to + " at " + when(open->deadAt) + " after " +
                    std::to_string(open->attempts) + " attempt(s): " + open->error +
                    " (dead letter " + std::to_string(open->id) + ")."};
    for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
        if (it->failureClass == delivery::FailureClass::None)
            return {
                StallState::Delivered,
                event + " was delivered" + to + " at " + when(it->startedAt) +
                    (it->status ? " (HTTP " + std::to_string(it->status) + ")" : std::string()) +
                    ", attempt " + std::to_string(it->attempt) + '.'};
        if (it->failureClass == delivery::FailureClass::Stale)
            return {StallState::Stale, event + " was not sent" + to + ": " + it->error + '.'};
    }
    if (!attempts.empty())
        return {StallState::DeadLettered, event + " failed" + to + " (" + attempts.back().error +
                                              ") and its dead letter was resolved."};
    return {StallState::Filtered, event + " did not pass " + consumer + "'s filter conditions."};
}

} // namespace meshdeck
