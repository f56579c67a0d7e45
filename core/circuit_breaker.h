#pragma once
// A circuit breaker for one endpoint. Closed: requests flow and their results
// are counted in a sliding window; when at least minRequests ended in the
// window and the failure ratio reaches the threshold, it opens. Open: nothing
// is sent (events wait; they are not dead-lettered) until openFor has passed.
// Half-open: up to halfOpenProbes requests go out; if they all succeed it
// closes, any failure opens it again.
//
// Time is passed in, so tests drive it exactly. Not thread-safe: the delivery
// thread owns it.

#include "core/consumer_spec.h"

#include <chrono>
#include <deque>
#include <optional>
#include <string_view>

namespace meshdeck {

enum class CircuitState { Closed, Open, HalfOpen };
std::string_view toString(CircuitState state); // "closed", "open", "half-open"
std::optional<CircuitState> parseCircuitState(std::string_view name);

class CircuitBreaker {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit CircuitBreaker(CircuitBreakerPolicy policy = {}) : policy_(policy) {}

    // May a request start now? Counts a half-open probe when it says yes.
    bool tryAcquire(TimePoint now);
    // The result of a request that was allowed. Only failures that say the
    // endpoint is unwell (transport, server) count as failures.
    void recordSuccess(TimePoint now);
    void recordFailure(TimePoint now);

    CircuitState state(TimePoint now);
    // When an open circuit lets the first probe through.
    TimePoint reopensAt() const { return openUntil_; }
    int transitions() const { return transitions_; }

private:
    void trim(TimePoint now);
    void open(TimePoint now);

    CircuitBreakerPolicy policy_;
    CircuitState state_ = CircuitState::Closed;
    std::deque<std::pair<TimePoint, bool>> window_; // (when, failed)
    int failuresInWindow_ = 0;
    TimePoint openUntil_{};
    int probesOut_ = 0;
    int probesOk_ = 0;
    int transitions_ = 0;
};

} // namespace meshdeck
