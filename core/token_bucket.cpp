#include "core/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace meshdeck {

TokenBucket::TokenBucket(double ratePerSecond, double burst,
                         std::chrono::steady_clock::time_point now)
    : rate_(std::max(ratePerSecond, 0.0)), burst_(std::max(burst, 0.0)), tokens_(burst_),
      last_(now) {}

void TokenBucket::refill(std::chrono::steady_clock::time_point now) {
    // A time point older than the last one (callers on different clocks, or
    // reordered calls) adds nothing rather than removing tokens.
    if (now <= last_)
        return;
    const double elapsedSeconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsedSeconds * rate_);
    last_ = now;
}

bool TokenBucket::tryTake(double n, std::chrono::steady_clock::time_point now,
                          std::chrono::milliseconds* retryAfter) {
    refill(now);
    if (tokens_ >= n) {
        tokens_ -= n;
        if (retryAfter)
            *retryAfter = std::chrono::milliseconds{0};
        return true;
    }
    if (retryAfter) {
        if (n > burst_ || rate_ <= 0) {
            // Waiting will never be enough.
            *retryAfter = std::chrono::milliseconds::max();
        } else {
            const double waitMs = std::ceil((n - tokens_) / rate_ * 1000.0);
            *retryAfter = std::chrono::milliseconds{
                std::max<std::int64_t>(1, static_cast<std::int64_t>(waitMs))};
        }
    }
    return false;
}

double TokenBucket::available(std::chrono::steady_clock::time_point now) {
    refill(now);
    return tokens_;
}

} // namespace meshdeck
