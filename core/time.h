#pragma once
// Time in meshdeck: UTC instants with millisecond precision, written as
// RFC 3339 ("2026-11-27T09:14:03.120Z"). Anything that waits or measures takes
// a Clock so tests can drive time by hand.

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

// A clock that moves only when told to. Not thread-safe: tests own it.
class FakeClock final : public Clock {
public:
    explicit FakeClock(Timestamp start) : now_(start) {}
    Timestamp now() const override { return now_; }
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::time_point{now_.time_since_epoch()};
    }
    void advance(std::chrono::milliseconds d) { now_ += d; }
    void set(Timestamp t) { now_ = t; }

private:
    Timestamp now_;
};

} // namespace meshdeck
