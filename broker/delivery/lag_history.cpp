// Progress, snapshots and lag history: the batched writes of acks, attempts
// and dead letters; the snapshot every page and /v1/consumers read; and one
// row per consumer per minute, kept a week.

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"

namespace meshdeck {

using namespace delivery;
using namespace std::chrono_literals;

namespace {

constexpr auto kHistoryKept = std::chrono::hours(24 * 7);

} // namespace

void DeliveryEngine::Impl::flush() {
    for (auto& [name, c] : consumers) {
        const std::int64_t floor = c->ackFloor();
        for (auto seq : c->newlySettled)
            if (seq > floor)
                pendingWrites.settledAbove.emplace_back(name, seq);
        c->newlySettled.clear();
        if (floor != c->savedFloor) {
            pendingWrites.ackFloors[name] = floor;
            c->savedFloor = floor;
        }
    }
    if (pendingWrites.empty())
        return;
    store.write(std::move(pendingWrites));
    pendingWrites = {};
}

void DeliveryEngine::Impl::publishSnapshot() {
    auto snap = std::make_shared<EngineSnapshot>();
    snap->at = core.clock().now();
    snap->lastSeq = lastSeq;
    for (auto& [name, c] : consumers)
        snap->consumers.push_back(status(*c, snap->at));
    snap->outcomeEvents = outcomeEvents;
    std::lock_guard lock(snapshotMutex);
    latest = std::move(snap);
}

ConsumerStatus DeliveryEngine::Impl::status(Consumer& c, Timestamp now) {
    ConsumerStatus s = c.totals;
    s.spec = c.spec;
    s.ackFloor = c.ackFloor();
    // Events not yet read from the log count as pending too; some of them may
    // not pass the filter, so this is an upper bound while the window is full.
    s.pending = static_cast<std::int64_t>(c.unsettled.size()) +
                std::max<std::int64_t>(0, lastSeq - c.cursor + 1);
    if (!c.unsettled.empty())
        s.oldestPendingAgeMs = toUnixMillis(now) - toUnixMillis(c.unsettled.begin()->second);
    else if (c.cursor <= lastSeq)
        if (auto it = recent.lower_bound(c.cursor); it != recent.end())
            s.oldestPendingAgeMs = toUnixMillis(now) - toUnixMillis(it->second->ingestedAt);
    s.inFlight = c.inFlight;
    const auto steadyNow = core.clock().steadyNow();
    for (const auto& [key, q] : c.queues.all()) {
        if (q.blocked())
            ++s.blockedEntities;
        if (!q.inFlight && q.notBefore > steadyNow)
            ++s.retrying; // waiting out a backoff or Retry-After
    }
    const CircuitState state = c.breaker.state(steadyNow);
    s.circuit = state;
    if (state == CircuitState::Open)
        s.circuitReopensAt = now + std::chrono::duration_cast<std::chrono::milliseconds>(
                                       c.breaker.reopensAt() - steadyNow);
    s.subscribers = static_cast<std::int64_t>(subscribers.count(c.spec.name));
    return s;
}

void DeliveryEngine::Impl::recordMinute(Timestamp minute) {
    const Timestamp now = core.clock().now();
    for (auto& [name, c] : consumers) {
        const ConsumerStatus s = status(*c, now);
        MinuteRecord m;
        m.consumer = name;
        m.minute = minute;
        m.delivered = c->minute.delivered;
        m.failed = c->minute.failed;
        m.retried = c->minute.retried;
        m.dead = c->minute.dead;
        m.lagCount = s.pending;
        m.lagAgeMs = s.oldestPendingAgeMs;
        m.p50Ms = c->minute.latency.quantile(0.5);
        m.p99Ms = c->minute.latency.quantile(0.99);
        pendingWrites.minutes.push_back(std::move(m));
        c->minute = MinuteCounters{};
    }
    pendingWrites.pruneHistoryBefore = now - kHistoryKept;
    flush();
}

} // namespace meshdeck
