#include "core/ordering_gate.h"

namespace meshdeck::ordering {

Verdict judge(std::optional<std::int64_t> lastSent, const Candidate& head) {
    if (!lastSent)
        return Verdict::Send;
    if (head.version <= *lastSent)
        return Verdict::Stale;
    const bool next = head.version == *lastSent + 1;
    const bool passedOver = head.seenBefore >= head.version - 1;
    return next || passedOver || head.gapWaited ? Verdict::Send : Verdict::Gap;
}

std::optional<TimePoint> holdGap(std::optional<TimePoint>& since, TimePoint now,
                                 std::chrono::milliseconds timeout) {
    if (!since)
        since = now;
    if (now - *since >= timeout) {
        since.reset();
        return std::nullopt;
    }
    return *since + timeout;
}

} // namespace meshdeck::ordering
