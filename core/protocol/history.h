#pragma once
// A consumer's minute history, GET /v1/consumers/{name}/history?minutes=N:
// one row per minute the broker was running, kept a week. A minute without
// a row is a minute the broker was not running (a gap, not a zero).
//
// On the wire:
//   {"consumer": "crm", "minutes": [{"minute": "2026-11-27T09:14:00.000Z",
//     "delivered", "failed", "retried", "dead_lettered", "lag_events",
//     "lag_age_ms", "p50_ms", "p99_ms"}]}

#include "core/time.h"

#include <cstdint>
#include <string>
#include <vector>

namespace meshdeck::protocol {

struct HistoryMinute {
    Timestamp minute{};
    std::int64_t delivered = 0;
    std::int64_t failed = 0; // failed attempts
    std::int64_t retried = 0;
    std::int64_t deadLettered = 0;
    std::int64_t lagEvents = 0;
    std::int64_t lagAgeMs = 0;
    double p50Ms = 0;
    double p99Ms = 0;

    bool operator==(const HistoryMinute&) const = default;
};

struct ConsumerHistory {
    std::string consumer;
    std::vector<HistoryMinute> minutes; // oldest first

    bool operator==(const ConsumerHistory&) const = default;
};

std::string toJson(const ConsumerHistory& history);

} // namespace meshdeck::protocol
