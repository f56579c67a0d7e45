#pragma once
// Dead letters: an event a consumer gave up on, as the delivery store keeps
// it and the API shows it, with the groups the console triages by and the
// answers of GET /v1/dead-letters, /groups and /{id}.

#include "core/failure.h"
#include "core/protocol/attempt.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

enum class DeadLetterState { Open, Replayed, Discarded };
// "open", "replayed", "discarded": in the API and in the store.
std::string_view toString(DeadLetterState state);
std::optional<DeadLetterState> parseDeadLetterState(std::string_view word);

struct DeadLetter {
    std::int64_t id = 0;
    std::string consumer;
    std::int64_t seq = 0;
    std::string eventId;
    std::string eventType;
    std::string tenantId;
    std::string correlationId;
    std::string entity; // "tenant/kind:id"
    std::string eventJson;
    std::string signature; // what groups it: class + status + the error's shape
    delivery::FailureClass failureClass = delivery::FailureClass::Other;
    std::string error;
    int attempts = 0;
    Timestamp deadAt{};
    DeadLetterState state = DeadLetterState::Open;
    std::optional<Timestamp> resolvedAt;
    std::string resolvedBy;
    std::string reason;
    std::string payloadOverride; // edit-and-replay: the edited payload
    std::optional<std::int64_t> parentId;

    bool operator==(const DeadLetter&) const = default;
};

struct DeadLetterGroup {
    std::string consumer;
    std::string signature;
    delivery::FailureClass failureClass = delivery::FailureClass::Other;
    std::string exampleError;
    std::int64_t count = 0;
    Timestamp firstAt{};
    Timestamp lastAt{};

    bool operator==(const DeadLetterGroup&) const = default;
};

namespace protocol {

// GET /v1/dead-letters: a page, newest first; letters carry no event.
struct DeadLetterPage {
    std::vector<DeadLetter> letters;
    std::optional<std::int64_t> nextBefore; // the next page's ?before=

    bool operator==(const DeadLetterPage&) const = default;
};

// GET /v1/dead-letters/groups.
struct DeadLetterGroups {
    std::vector<DeadLetterGroup> groups;

    bool operator==(const DeadLetterGroups&) const = default;
};

// GET /v1/dead-letters/{id}: the letter with its event and attempt log.
struct DeadLetterDetail {
    DeadLetter letter;
    std::vector<AttemptRecord> attempts;

    bool operator==(const DeadLetterDetail&) const = default;
};

std::string toJson(const DeadLetterPage& page);
std::string toJson(const DeadLetterGroups& groups);
std::string toJson(const DeadLetterDetail& detail);

} // namespace protocol

} // namespace meshdeck
