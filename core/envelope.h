#pragma once
// Reading and writing the canonical envelope as JSON text. Parsing collects
// every violation (not just the first) with its JSON path, so a producer can
// fix a whole batch in one go.

#include "core/error.h"
#include "core/event.h"

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

class SchemaRegistry;

struct EnvelopeOptions {
    // When the producer sends no event_id the broker assigns one; when false a
    // missing event_id is a violation.
    bool allowMissingEventId = true;
    // Prefix for every violation path, e.g. "/3" for the fourth event of a batch.
    std::string pathPrefix;
    // When set, each payload is also validated against the schema version its
    // event names, on the document already parsed (no second parse), and
    // those violations are reported with the envelope's.
    const SchemaRegistry* registry = nullptr;
};

struct ParsedEvent {
    std::optional<Event> event; // set when violations is empty
    Violations violations;
    bool hasEventId = false; // the producer sent one
    // When there are violations: what could be read (fields in violation
    // keep their defaults), so the payload can still be checked against its
    // schema and a producer sees every problem of an event at once.
    Event draft;
};

// One canonical event from JSON text.
ParsedEvent parseEvent(std::string_view json, const EnvelopeOptions& options = {});

// The checks of parseEvent on an event made in memory, such as a mapped vendor
// item: the same envelope rules and limits and, with options.registry, the
// payload document against its schema, without writing the event out and
// reading it back. event.payload is ignored; `payload` is the payload. Text
// that is not UTF-8 is a violation (parsed JSON never holds any).
ParsedEvent checkEvent(const Event& event, const nlohmann::json& payload,
                       const EnvelopeOptions& options = {});

// A request body holding one event or an array of events. A body that is not
// JSON at all yields one violation at path "".
struct ParsedBatch {
    std::vector<ParsedEvent> events;
    Violations bodyViolations; // problems with the body as a whole
    bool wasArray = false;
};
ParsedBatch parseEventBatch(std::string_view json, const EnvelopeOptions& options = {});

// Compact JSON. seq and ingested_at are written only when the event has been
// committed (seq > 0).
std::string serializeEvent(const Event& event);
// A JSON array of events.
std::string serializeEvents(const std::vector<Event>& events);
// A JSON string literal, for JSON written by hand; text that is not UTF-8 is
// replaced (U+FFFD), never thrown on.
std::string jsonString(std::string_view text);

// Limits on envelope fields, enforced by parseEvent.
inline constexpr std::size_t kMaxIdLength = 128; // ids, types, producer, tenant
inline constexpr std::size_t kMaxEventTypeLength = 96;

} // namespace meshdeck
