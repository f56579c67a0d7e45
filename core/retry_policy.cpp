#include "core/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace meshdeck {

using delivery::FailureClass;

std::chrono::milliseconds backoffDelay(const RetryPolicy& policy, int failedAttempts,
                                       double unitRandom) {
    const int doublings = std::clamp(failedAttempts - 1, 0, 40);
    const double raw =
        std::min(static_cast<double>(policy.cap.count()),
                 static_cast<double>(policy.base.count()) * std::ldexp(1.0, doublings));
    const double spread = 1.0 + policy.jitter * (2.0 * unitRandom - 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::max(1.0, raw * spread)));
}

RetryStep afterFailure(const RetryPolicy& policy, const FailedAttempt& failed, double unitRandom) {
    RetryStep step;
    step.attempts = failed.attempts;
    step.throttles = failed.throttles;
    switch (failed.failure) {
    case FailureClass::Invalid: // the same bytes will be refused again
        step.attempts = failed.attempts + 1;
        step.deadLetter = true;
        return step;
    case FailureClass::Throttled:
        step.throttles = failed.throttles + 1;
        step.delay = failed.retryAfter.value_or(backoffDelay(policy, step.throttles, unitRandom));
        step.holdsEndpoint = true;
        break;
    default:
        if (failed.probe) {
            step.delay = backoffDelay(policy, std::max(failed.attempts, 1), unitRandom);
        } else {
            step.attempts = failed.attempts + 1;
            step.delay = backoffDelay(policy, step.attempts, unitRandom);
        }
        break;
    }
    const bool outOfAttempts = step.attempts >= policy.maxAttempts;
    const bool tooOld = !failed.probe && failed.age >= policy.maxAge;
    step.deadLetter = outOfAttempts || tooOld;
    return step;
}

} // namespace meshdeck
