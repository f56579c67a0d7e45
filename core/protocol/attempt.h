#pragma once
// One delivery attempt of one event to one consumer, as the delivery store
// keeps it and the API shows it (dead letters' attempt logs, traces).

#include "core/failure.h"
#include "core/time.h"

#include <cstdint>
#include <string>

namespace meshdeck {

struct AttemptRecord {
    std::int64_t id = 0; // not in the API
    std::string consumer;
    std::int64_t seq = 0;
    std::string eventId;
    std::string correlationId; // not in the API
    int attempt = 1;
    Timestamp startedAt{};
    std::int64_t durationUs = 0;
    int status = 0; // HTTP status, 0 when there was no answer
    delivery::FailureClass failureClass = delivery::FailureClass::None;
    std::string error;
    std::string response; // excerpt
    bool replay = false;

    bool operator==(const AttemptRecord&) const = default;
};

namespace protocol {
// {"consumer", "seq", "event_id", "attempt", "at", "duration_ms", "status",
// "class", "error"?, "response"?, "replay"?}
std::string toJson(const AttemptRecord& attempt);
} // namespace protocol

} // namespace meshdeck
