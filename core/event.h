#pragma once
// The canonical event: the one envelope every producer, the log and every
// consumer share. See DESIGN.md, "The canonical event". The payload is kept as
// its JSON text so this header stays free of any JSON library and the log can
// store and return the producer's bytes without re-encoding them.

#include "core/time.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace meshdeck {

struct EntityRef {
    std::string kind;
    std::string id;
    std::optional<std::int64_t> version; // monotonic per entity when present

    // The ordering key, "lead:L-1042".
    std::string key() const { return kind + ':' + id; }
    bool operator==(const EntityRef&) const = default;
};

struct Event {
    std::string eventId; // UUIDv7; the idempotency key end to end
    std::string eventType;
    int schemaVersion = 1;
    Timestamp occurredAt{};
    std::string producer;
    std::string tenantId;
    std::string correlationId; // may be empty
    std::string causationId;   // may be empty
    std::string traceparent;   // W3C trace context, may be empty
    EntityRef entity;
    std::string payload = "{}"; // JSON text of an object

    // Assigned by the broker when the event is committed to the log.
    std::int64_t seq = 0;
    Timestamp ingestedAt{};

    bool operator==(const Event&) const = default;
};

// A committed event, shared read-only between the threads that answer,
// deliver and display it.
using EventPtr = std::shared_ptr<const Event>;

} // namespace meshdeck
