#include "broker/flow_stats.h"

#include <algorithm>

namespace meshdeck {

namespace {

std::int64_t slotOf(Timestamp at, int bucketSeconds) {
    return toUnixMillis(at) / (1000 * bucketSeconds);
}

// Found, or inserted under an owned copy of the key.
template <typename Map> auto& entry(Map& map, std::string_view key) {
    auto it = map.find(key);
    if (it == map.end())
        it = map.emplace(std::string(key), typename Map::mapped_type{}).first;
    return it->second;
}

} // namespace

void WindowedCount::add(std::int64_t n, Timestamp at) {
    total_ += n;
    const std::int64_t slot = slotOf(at, kBucketSeconds);
    const auto i = static_cast<std::size_t>(slot % kBuckets);
    if (bucketIndex_[i] != slot) {
        bucketIndex_[i] = slot;
        counts_[i] = 0;
    }
    counts_[i] += n;
}

std::int64_t WindowedCount::inWindow(Timestamp now) const {
    const std::int64_t current = slotOf(now, kBucketSeconds);
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (bucketIndex_[i] > current - kBuckets && bucketIndex_[i] <= current)
            sum += counts_[i];
    }
    return sum;
}

FlowStats::ProducerCounts& FlowStats::producerEdge(std::string_view tenant,
                                                   std::string_view producer,
                                                   std::string_view eventType) {
    return entry(entry(entry(producers_, tenant), producer), eventType);
}

FlowStats::ConsumerCounts& FlowStats::consumerEdge(std::string_view consumer,
                                                   std::string_view eventType) {
    return entry(entry(consumers_, consumer), eventType);
}

void FlowStats::published(std::string_view tenant, std::string_view producer,
                          std::string_view eventType, std::int64_t n, Timestamp at) {
    std::lock_guard lock(mutex_);
    auto& e = producerEdge(tenant, producer, eventType);
    e.published.add(n, at);
    e.lastAt = std::max(e.lastAt, at);
}

void FlowStats::rejected(std::string_view tenant, std::string_view producer,
                         std::string_view eventType, std::int64_t n, Timestamp at) {
    std::lock_guard lock(mutex_);
    auto& e = producerEdge(tenant, producer, eventType);
    e.rejected.add(n, at);
    e.lastAt = std::max(e.lastAt, at);
}

void FlowStats::delivered(std::string_view consumer, std::string_view eventType, Timestamp at) {
    std::lock_guard lock(mutex_);
    auto& e = consumerEdge(consumer, eventType);
    e.delivered.add(1, at);
    e.lastAt = std::max(e.lastAt, at);
}

void FlowStats::failed(std::string_view consumer, std::string_view eventType,
                       std::string_view error, Timestamp at) {
    std::lock_guard lock(mutex_);
    auto& e = consumerEdge(consumer, eventType);
    e.failed.add(1, at);
    e.lastError.assign(error);
    e.lastAt = std::max(e.lastAt, at);
}

void FlowStats::deadLettered(std::string_view consumer, std::string_view eventType, Timestamp at) {
    std::lock_guard lock(mutex_);
    auto& e = consumerEdge(consumer, eventType);
    e.deadLettered.add(1, at);
    e.lastAt = std::max(e.lastAt, at);
}

FlowStats::View FlowStats::view(Timestamp now) const {
    View v;
    v.since = since_;
    v.at = now;
    // Rates over the minute, or over the time since the start when that is shorter.
    const double seconds = std::clamp(std::chrono::duration<double>(now - since_).count(), 1.0,
                                      double(v.windowSeconds));
    const auto rate = [&](const WindowedCount& c) {
        return Rate{c.total(), static_cast<double>(c.inWindow(now)) / seconds};
    };
    std::lock_guard lock(mutex_);
    for (const auto& [tenant, byProducer] : producers_) {
        for (const auto& [producer, byType] : byProducer) {
            for (const auto& [type, c] : byType) {
                v.producers.push_back(
                    {tenant, producer, type, rate(c.published), rate(c.rejected), c.lastAt});
            }
        }
    }
    for (const auto& [consumer, byType] : consumers_) {
        for (const auto& [type, c] : byType) {
            ConsumerEdge e{
                consumer, type,        rate(c.delivered), rate(c.failed), rate(c.deadLettered),
                0,        c.lastError, c.lastAt};
            const auto failed = c.failed.inWindow(now);
            const auto tried = c.delivered.inWindow(now) + failed;
            e.errorRatio = tried > 0 ? static_cast<double>(failed) / static_cast<double>(tried) : 0;
            v.consumers.push_back(std::move(e));
        }
    }
    return v;
}

} // namespace meshdeck
