#pragma once
// A token bucket: `rate` tokens per second refill up to `burst`. Used for the
// gateway's per-token publish limit and, later, consumer rate limits.
// Not thread-safe; the owner serialises access.

#include "core/time.h"

#include <chrono>

namespace meshdeck {

class TokenBucket {
public:
    TokenBucket(double ratePerSecond, double burst, std::chrono::steady_clock::time_point now);

    // Takes n tokens if available. On refusal, retryAfter says when n will be.
    bool tryTake(double n, std::chrono::steady_clock::time_point now,
                 std::chrono::milliseconds* retryAfter = nullptr);

    double available(std::chrono::steady_clock::time_point now);
    double rate() const { return rate_; }
    double burst() const { return burst_; }

private:
    void refill(std::chrono::steady_clock::time_point now);

    double rate_;
    double burst_;
    double tokens_;
    std::chrono::steady_clock::time_point last_;
};

} // namespace meshdeck
