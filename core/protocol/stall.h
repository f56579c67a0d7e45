#pragma once
// GET /v1/stall: where the events of one correlation id or entity stand,
// as one answer in words and a finding per event and consumer.

#include "core/stall_verdict.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

// Where one event stands for one consumer, in words and evidence.
struct StallFinding {
    std::string consumer;
    std::int64_t seq = 0;
    std::string eventId;
    StallState state = StallState::Pending;
    std::string sentence;
    // The open dead letter that settles it (state DeadLettered), for a
    // console's "Replay" and "Open dead letter".
    std::optional<std::int64_t> deadLetterId;

    bool operator==(const StallFinding&) const = default;
};

namespace protocol {

// What the answer is about: findings of accepted events, or why there are none.
enum class StallSubject {
    Findings,   // state is the headline finding's (or Delivered when all settled)
    Rejected,   // refused at ingest: quarantine says why
    Unknown,    // nothing received, nothing refused
    NoConsumer, // accepted, but no consumer takes the events
};

// The quarantine entry that explains a rejection.
struct QuarantineEvidence {
    std::int64_t id = 0;
    std::string problemJson; // the problem answered to the producer

    bool operator==(const QuarantineEvidence&) const = default;
};

struct StallAnswer {
    std::string subject; // "correlation id c-1", "entity lead:L-1"
    StallSubject kind = StallSubject::Findings;
    StallState state = StallState::Pending; // with Findings
    std::string answer;                     // the sentence for a person
    std::vector<StallFinding> evidence;
    std::optional<QuarantineEvidence> quarantine; // with Rejected

    bool operator==(const StallAnswer&) const = default;
};

// The answer's "state" word: a StallState's, or "rejected", "unknown", "no-consumer".
std::string stateWord(const StallAnswer& answer);

std::string toJson(const StallAnswer& answer);

} // namespace protocol

} // namespace meshdeck
