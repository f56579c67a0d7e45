#pragma once
// What flows along each edge of the mesh: producer -> event type (published,
// rejected) and event type -> consumer (delivered, failed attempts, dead
// letters). Totals count since the broker started; rates cover the last
// minute. The console's flow map and GET /v1/flows read it. Thread-safe: one
// mutex, taken once per published batch and once per delivery outcome.

#include "core/time.h"

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

// A count with a sliding one-minute window in twelve 5-second buckets.
class WindowedCount {
public:
    static constexpr int kWindowSeconds = 60;

    void add(std::int64_t n, Timestamp at);
    std::int64_t total() const { return total_; }
    // Counted in the window ending at `now`.
    std::int64_t inWindow(Timestamp now) const;

private:
    static constexpr int kBucketSeconds = 5;
    static constexpr int kBuckets = kWindowSeconds / kBucketSeconds;
    std::int64_t total_ = 0;
    std::array<std::int64_t, kBuckets> counts_{};
    std::array<std::int64_t, kBuckets> bucketIndex_{}; // which 5-second slot each holds
};

class FlowStats {
public:
    explicit FlowStats(Timestamp since) : since_(since) {}

    void published(std::string_view tenant, std::string_view producer, std::string_view eventType,
                   std::int64_t n, Timestamp at);
    void rejected(std::string_view tenant, std::string_view producer, std::string_view eventType,
                  std::int64_t n, Timestamp at);
    void delivered(std::string_view consumer, std::string_view eventType, Timestamp at);
    void failed(std::string_view consumer, std::string_view eventType, std::string_view error,
                Timestamp at);
    void deadLettered(std::string_view consumer, std::string_view eventType, Timestamp at);

    struct Rate {
        std::int64_t total = 0;
        double perSecond = 0;
    };
    struct ProducerEdge {
        std::string tenant, producer, eventType;
        Rate published, rejected;
        Timestamp lastAt{};
    };
    struct ConsumerEdge {
        std::string consumer, eventType;
        Rate delivered, failed, deadLettered;
        double errorRatio = 0; // failed / (delivered + failed) over the window
        std::string lastError;
        Timestamp lastAt{};
    };
    struct View {
        Timestamp since{}, at{};
        int windowSeconds = WindowedCount::kWindowSeconds;
        std::vector<ProducerEdge> producers;
        std::vector<ConsumerEdge> consumers;
    };
    View view(Timestamp now) const;

private:
    struct ProducerCounts {
        WindowedCount published, rejected;
        Timestamp lastAt{};
    };
    struct ConsumerCounts {
        WindowedCount delivered, failed, deadLettered;
        std::string lastError;
        Timestamp lastAt{};
    };
    template <typename Counts> using ByName = std::map<std::string, Counts, std::less<>>;

    ProducerCounts& producerEdge(std::string_view tenant, std::string_view producer,
                                 std::string_view eventType);
    ConsumerCounts& consumerEdge(std::string_view consumer, std::string_view eventType);

    const Timestamp since_;
    mutable std::mutex mutex_;
    ByName<ByName<ByName<ProducerCounts>>> producers_; // tenant -> producer -> type
    ByName<ByName<ConsumerCounts>> consumers_;         // consumer -> type
};

} // namespace meshdeck
