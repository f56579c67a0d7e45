#include "core/circuit_breaker.h"

#include "core/word_table.h"

namespace meshdeck {

namespace {

constexpr WordTable<CircuitState, 3> kStates{{
    {CircuitState::Closed, "closed"},
    {CircuitState::Open, "open"},
    {CircuitState::HalfOpen, "half-open"},
}};

} // namespace

std::string_view toString(CircuitState state) {
    return wordOf(kStates, state);
}

std::optional<CircuitState> parseCircuitState(std::string_view name) {
    return valueOf(kStates, name);
}

void CircuitBreaker::trim(TimePoint now) {
    while (!window_.empty() && window_.front().first + policy_.window <= now) {
        failuresInWindow_ -= window_.front().second ? 1 : 0;
        window_.pop_front();
    }
}

void CircuitBreaker::open(TimePoint now) {
    state_ = CircuitState::Open;
    openUntil_ = now + policy_.openFor;
    window_.clear();
    failuresInWindow_ = 0;
    probesOut_ = probesOk_ = 0;
    ++transitions_;
}

CircuitState CircuitBreaker::state(TimePoint now) {
    if (state_ == CircuitState::Open && now >= openUntil_) {
        state_ = CircuitState::HalfOpen;
        probesOut_ = probesOk_ = 0;
        ++transitions_;
    }
    return state_;
}

bool CircuitBreaker::tryAcquire(TimePoint now) {
    switch (state(now)) {
    case CircuitState::Closed:
        return true;
    case CircuitState::Open:
        return false;
    case CircuitState::HalfOpen:
        if (probesOut_ >= policy_.halfOpenProbes)
            return false;
        ++probesOut_;
        return true;
    }
    return false;
}

void CircuitBreaker::recordSuccess(TimePoint now) {
    if (state_ == CircuitState::HalfOpen) {
        if (++probesOk_ >= policy_.halfOpenProbes) {
            state_ = CircuitState::Closed;
            ++transitions_;
        }
        return;
    }
    if (state_ != CircuitState::Closed)
        return;
    trim(now);
    window_.emplace_back(now, false);
}

void CircuitBreaker::recordFailure(TimePoint now) {
    if (state_ == CircuitState::HalfOpen)
        return open(now);
    if (state_ != CircuitState::Closed)
        return;
    trim(now);
    window_.emplace_back(now, true);
    ++failuresInWindow_;
    const auto total = static_cast<int>(window_.size());
    if (total >= policy_.minRequests &&
        failuresInWindow_ >= policy_.failureRatio * static_cast<double>(total))
        open(now);
}

} // namespace meshdeck
