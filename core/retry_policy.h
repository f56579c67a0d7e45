#pragma once
// Retries: how long to wait before the next attempt, and what a failed attempt
// does to its event - try again later, or give it up to the dead letters.
//
// Attempts that count against maxAttempts are the ones that say something
// about the event. A throttled answer (the receiver asked us to slow down)
// counts as a throttle, not an attempt, and holds the whole endpoint; a
// failed probe through a half-open circuit tests the endpoint, not the
// event, so it neither counts nor ages the event out (an open circuit
// dead-letters nothing, however long the outage).

#include "core/failure.h"

#include <chrono>
#include <optional>

namespace meshdeck {

struct RetryPolicy {
    int maxAttempts = 8;                    // attempts that count (throttling does not)
    std::chrono::seconds maxAge{24 * 3600}; // since the first attempt; then dead-lettered
    std::chrono::milliseconds base{500};
    std::chrono::milliseconds cap{60'000};
    double jitter = 0.2; // +-20 % of each delay
};

// Backoff before attempt n+1 after n failed attempts (n >= 1): base * 2^(n-1),
// capped, then spread by +-jitter using `unitRandom` in [0, 1).
std::chrono::milliseconds backoffDelay(const RetryPolicy& policy, int failedAttempts,
                                       double unitRandom);

// An attempt that failed, and the event's history before it.
struct FailedAttempt {
    delivery::FailureClass failure = delivery::FailureClass::Other;
    bool probe = false; // sent through a half-open circuit
    int attempts = 0;   // counted failures before this one
    int throttles = 0;  // throttled answers before this one
    std::optional<std::chrono::milliseconds> retryAfter;
    std::chrono::milliseconds age{0}; // since the event's first attempt
};

// What the failure does to the event.
struct RetryStep {
    bool deadLetter = false;
    std::chrono::milliseconds delay{0}; // before the next attempt
    bool holdsEndpoint = false;         // throttled: every entity waits `delay`
    int attempts = 0;                   // the counts after this failure
    int throttles = 0;
};

RetryStep afterFailure(const RetryPolicy& policy, const FailedAttempt& failed, double unitRandom);

} // namespace meshdeck
