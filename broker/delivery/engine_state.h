#pragma once
// Internal to broker/delivery: the delivery thread's state for one consumer.
// Everything here is owned by the delivery thread (see engine.h).

#include "broker/delivery/engine.h"
#include "core/circuit_breaker.h"
#include "core/consumer_spec.h"
#include "core/entity_queues.h"
#include "core/token_bucket.h"

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshdeck::delivery {

struct ReplayJob {
    std::int64_t next = 0;
    std::int64_t to = 0;
    ConsumerFilter filter;
    std::optional<Timestamp> since;
    std::optional<TokenBucket> rate;
    std::deque<EventPtr> fetched; // read from the log, not yet queued
};

struct MinuteCounters {
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
    std::int64_t retried = 0;
    std::int64_t dead = 0;
    Histogram latency = Histogram::latencyMs();
};

struct Consumer {
    explicit Consumer(ConsumerSpec s) : spec(std::move(s)), breaker(spec.breaker) {
        totals.deliveryLatencyMs = Histogram::latencyMs();
    }

    ConsumerSpec spec;
    std::uint64_t generation = 0; // bumped when the spec changes; stale completions are dropped

    // Progress. Every seq below `cursor` has been read from the log; those of
    // them still owed to the sink are in `unsettled` (seq -> ingested_at).
    // The ack floor is therefore min(unsettled) - 1, or cursor - 1.
    std::int64_t cursor = 1;
    bool reading = false; // a read of the log is out for it (see Impl::readLog)
    std::map<std::int64_t, Timestamp> unsettled;
    std::set<std::int64_t> settledBeforeStart; // acks above the floor found at start
    std::vector<std::int64_t> newlySettled;    // since the last flush
    std::int64_t savedFloor = -1;
    std::unordered_map<std::string, std::int64_t> lastVersion; // entity -> last version sent
    std::unordered_map<std::string, std::int64_t>
        seenVersion; // entity -> highest in the log so far

    EntityQueues queues;
    std::multimap<SteadyTime, std::string> waiting; // retry and gap timers
    int inFlight = 0;

    CircuitBreaker breaker;
    std::optional<TokenBucket> bucket;
    SteadyTime throttledUntil{};
    std::deque<ReplayJob> replays;

    ConsumerStatus totals; // counters and histograms; spec filled at snapshot
    MinuteCounters minute;

    std::int64_t ackFloor() const {
        return unsettled.empty() ? cursor - 1 : unsettled.begin()->first - 1;
    }
};

// "acme/lead:L-1042": the ordering key of an event's entity.
inline std::string entityKey(const Event& e) {
    return e.tenantId + '/' + e.entity.kind + ':' + e.entity.id;
}

} // namespace meshdeck::delivery
