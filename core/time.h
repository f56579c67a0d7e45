#pragma once
// Time in meshdeck: UTC instants with millisecond precision, written as
// RFC 3339 ("2026-11-27T09:14:03.120Z"). Anything that waits or measures takes
// a Clock so tests can drive time by hand.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace meshdeck {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-11-27T09:14:03.120Z": always UTC, always three fraction digits.
std::string formatRfc3339(Timestamp t);

// Accepts RFC 3339 date-times with any fraction length (truncated to ms) and a
// "Z" or numeric offset; returns nullopt for anything else.
std::optional<Timestamp> parseRfc3339(std::string_view text);

inline std::int64_t toUnixMillis(Timestamp t) {
    return t.time_since_epoch().count();
}
inline Timestamp fromUnixMillis(std::int64_t ms) {
    return Timestamp{std::chrono::milliseconds{ms}};
}

class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
    // Monotonic time for durations; a fake clock moves both together.
    virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

class SystemClock final : public Clock {
public:
    Timestamp now() const override;
    std::chrono::steady_clock::time_point steadyNow() const override;
    static const SystemClock& instance();
};

// A clock that moves only when told to. Tests move it; the broker's threads
// may read it meanwhile (reads and moves are atomic).
class FakeClock final : public Clock {
public:
    explicit FakeClock(Timestamp start) : ms_(toUnixMillis(start)) {}
    Timestamp now() const override { return fromUnixMillis(ms_.load()); }
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::time_point{std::chrono::milliseconds{ms_.load()}};
    }
    void advance(std::chrono::milliseconds d) { ms_ += d.count(); }
    void set(Timestamp t) { ms_ = toUnixMillis(t); }

private:
    std::atomic<std::int64_t> ms_;
};

} // namespace meshdeck
