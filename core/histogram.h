#pragma once
// A histogram with fixed upper bounds, in the shape Prometheus exposes
// (cumulative buckets, sum, count), plus quantile estimates for benchmarks and
// SLO reports. Not thread-safe; owners guard it.

#include <cstdint>
#include <string>
#include <vector>

namespace meshdeck {

class Histogram {
public:
    Histogram() = default;
    explicit Histogram(std::vector<double> upperBounds);

    // Bounds for milliseconds: 0.1 ms .. 10 s.
    static Histogram latencyMs();
    // Bounds for counts: 1 .. 10,000.
    static Histogram sizes();

    void observe(double value);
    void merge(const Histogram& other); // same bounds required

    const std::vector<double>& upperBounds() const { return bounds_; }
    // Non-cumulative count per bucket; one more than bounds (the +Inf bucket).
    const std::vector<std::uint64_t>& bucketCounts() const { return counts_; }
    std::uint64_t count() const { return count_; }
    double sum() const { return sum_; }
    double max() const { return max_; }
    // Linear interpolation inside the bucket holding the q-th value.
    double quantile(double q) const;

private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    double sum_ = 0;
    double max_ = 0;
};

} // namespace meshdeck
