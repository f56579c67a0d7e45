#include "core/histogram.h"

#include <algorithm>
#include <stdexcept>

namespace meshdeck {

Histogram::Histogram(std::vector<double> upperBounds)
    : bounds_(std::move(upperBounds)), counts_(bounds_.size() + 1, 0) {
    std::sort(bounds_.begin(), bounds_.end());
    bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
    counts_.assign(bounds_.size() + 1, 0);
}

Histogram Histogram::latencyMs() {
    return Histogram(
        {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000});
}

Histogram Histogram::sizes() {
    return Histogram({1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000});
}

void Histogram::observe(double value) {
    if (counts_.size() != bounds_.size() + 1)
        counts_.assign(bounds_.size() + 1, 0); // a default-constructed histogram
    // Prometheus buckets are "less than or equal": the first bound >= value.
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    ++counts_[static_cast<std::size_t>(bucket)];
    max_ = count_ == 0 ? value : std::max(max_, value);
    ++count_;
    sum_ += value;
}

void Histogram::merge(const Histogram& other) {
    if (other.bounds_ != bounds_)
        throw std::invalid_argument("Histogram::merge: the histograms have different bounds");
    if (other.count_ == 0)
        return;
    if (counts_.size() != bounds_.size() + 1)
        counts_.assign(bounds_.size() + 1, 0);
    for (std::size_t i = 0; i < counts_.size(); ++i)
        counts_[i] += other.counts_[i];
    max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

double Histogram::quantile(double q) const {
    if (count_ == 0)
        return 0;
    q = std::clamp(q, 0.0, 1.0);
    const double rank = q * static_cast<double>(count_);
    std::uint64_t below = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        const std::uint64_t inBucket = counts_[i];
        if (inBucket == 0 || static_cast<double>(below + inBucket) < rank) {
            below += inBucket;
            continue;
        }
        // The +Inf bucket has no upper bound; the largest value seen is the
        // best one available. No estimate may exceed it either.
        const double lower = i == 0 ? std::min(0.0, max_) : bounds_[i - 1];
        const double upper = i < bounds_.size() ? std::min(bounds_[i], max_) : max_;
        const double fraction = (rank - static_cast<double>(below)) / static_cast<double>(inBucket);
        return std::min(lower + (upper - lower) * fraction, max_);
    }
    return max_;
}

} // namespace meshdeck
