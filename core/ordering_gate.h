#pragma once
// The version gate: the rule that keeps one entity's versions in order for one
// consumer. A version at or below the last one sent is stale and never sent.
// A version that skips ahead (5 after 3) is a gap: a queued predecessor goes
// first whatever its place in the log, and when there is none the gap is held
// up to the consumer's gap_timeout for it to arrive, then sent past.
//
// Pure rules: the delivery engine's dispatcher owns the queues and the timers
// and asks these functions what to do with the head of an entity's queue.

#include <chrono>
#include <cstdint>
#include <iterator>
#include <optional>

namespace meshdeck::ordering {

using TimePoint = std::chrono::steady_clock::time_point;

// A queued event the gate orders (a live event of an entity with a version).
struct Candidate {
    std::int64_t version = 0;
    // The highest version of the entity the log held before this event. A gap
    // the log already passed over is a version this consumer does not take
    // (its filter dropped it), not one still on its way.
    std::int64_t seenBefore = 0;
    bool gapWaited = false; // it already waited out a gap: send it
};

enum class Verdict {
    Send,  // in order (or the first version this consumer sees)
    Stale, // at or below the last version sent: skip it
    Gap,   // its predecessor has not been sent: find it, or wait for it
};

// What the head of an entity's queue may do, given the last version sent.
Verdict judge(std::optional<std::int64_t> lastSent, const Candidate& head);

// In a gap: the queued event that fills it first - the lowest version above
// lastSent and below the head's. `versionOf` gives an element's version, or
// nothing for one the gate does not order. Returns `last` when none does.
template <typename It, typename VersionOf>
It fillsGap(It first, It last, std::int64_t lastSent, std::int64_t head, VersionOf versionOf) {
    It best = last;
    std::int64_t bestVersion = head;
    for (It it = first; it != last; ++it) {
        const std::optional<std::int64_t> v = versionOf(*it);
        if (v && *v > lastSent && *v < bestVersion) {
            best = it;
            bestVersion = *v;
        }
    }
    return best;
}

// Holding a gap open: the first call starts the wait (in `since`). Returns
// when to look again while the wait lasts, and nothing once `timeout` has
// passed - the caller sends past the gap; `since` is cleared for the next.
std::optional<TimePoint> holdGap(std::optional<TimePoint>& since, TimePoint now,
                                 std::chrono::milliseconds timeout);

} // namespace meshdeck::ordering
