#pragma once
// GET /v1/search?q=TEXT[&limit=N]: what an id is, whatever kind of id it is.
// Every reading of q (core/search_query.h) is looked up exactly; each hit is
// one match, and an ambiguous q gives several (an id that is an entity id
// and a correlation id is both). Counts and lists are bounded: "_more" says
// there are more than the answer holds.
//
// On the wire (each match has "kind", and "href": the API path that opens it):
//   {"query": "L-1076", "truncated": false, "matches": [
//     {"kind": "event", "event_id", "event_type", "tenant", "seq", "occurred_at",
//      "ingested_at", "entity": {"kind", "id"}, "correlation_id", "producer",
//      "href": "/v1/events/<id>"},
//     {"kind": "vendor", "source", "vendor_id", ...the event's fields...},
//     {"kind": "entity", "tenant", "entity": {"kind", "id"}, "events", "events_more",
//      "first_seq", "first_occurred_at", "last_seq", "last_occurred_at",
//      "last_event_type", "correlation_ids": [...], "correlation_ids_more",
//      "open_dead_letters", "open_dead_letters_more",
//      "href": "/v1/events?tenant=<t>&entity=<kind>:<id>"},
//     {"kind": "correlation", "correlation_id", "tenants": [...], "events", "events_more",
//      "first_seq", "first_occurred_at", "last_seq", "last_occurred_at",
//      "entities": [{"tenant", "kind", "id"}], "entities_more",
//      "href": "/v1/traces/<id>"},
//     {"kind": "dead_letter", "id", "consumer", "state", "tenant", "event_id",
//      "event_type", "seq", "entity": {"kind", "id"}, "correlation_id", "error",
//      "attempts", "dead_at", "resolved_at" (when resolved), "reason" (when
//      given), "href": "/v1/dead-letters/<id>"}],
//    "hint": "..." (only when nothing matched: what was tried, for a person)}

#include "core/protocol/dead_letter.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace meshdeck {

struct Event;

namespace protocol {

// The most a count says exactly; past it the count is this and "_more" is set.
inline constexpr std::int64_t kSearchCountCap = 1000;
// The most ids a list holds (correlation ids of an entity, entities of a correlation).
inline constexpr std::size_t kSearchListCap = 20;

// An event found by its id, or by a vendor's id for it.
struct FoundEvent {
    std::string eventId;
    std::string eventType;
    std::string tenant;
    std::int64_t seq = 0;
    Timestamp occurredAt{};
    Timestamp ingestedAt{};
    std::string entityKind;
    std::string entityId;
    std::string correlationId;
    std::string producer;

    bool operator==(const FoundEvent&) const = default;
};
FoundEvent foundEvent(const Event& event);

struct EventMatch {
    FoundEvent event;

    bool operator==(const EventMatch&) const = default;
};

// q was a vendor's own id of an item (HubSpot eventId, Salesforce
// notification Id, Segment messageId) that `source` turned into the event.
struct VendorMatch {
    std::string source;
    std::string vendorId;
    FoundEvent event;

    bool operator==(const VendorMatch&) const = default;
};

// The events of an entity or a correlation id: how many, the first and the last.
struct SearchSpan {
    std::int64_t events = 0; // at most kSearchCountCap
    bool eventsMore = false;
    std::int64_t firstSeq = 0;
    Timestamp firstOccurredAt{};
    std::int64_t lastSeq = 0;
    Timestamp lastOccurredAt{};

    bool operator==(const SearchSpan&) const = default;
};

struct EntityMatch {
    std::string tenant;
    std::string entityKind;
    std::string entityId;
    SearchSpan span;
    std::string lastEventType;
    std::vector<std::string> correlationIds; // of its newest events, newest first
    bool correlationIdsMore = false;         // older events may have others
    std::int64_t openDeadLetters = 0;        // at most kSearchCountCap
    bool openDeadLettersMore = false;

    bool operator==(const EntityMatch&) const = default;
};

struct SearchedEntity {
    std::string tenant;
    std::string kind;
    std::string id;

    bool operator==(const SearchedEntity&) const = default;
};

// tenants and entities are those of its first kSearchCountCap events.
struct CorrelationMatch {
    std::string correlationId;
    std::vector<std::string> tenants;
    SearchSpan span;
    std::vector<SearchedEntity> entities;
    bool entitiesMore = false;

    bool operator==(const CorrelationMatch&) const = default;
};

struct DeadLetterMatch {
    std::int64_t id = 0;
    std::string consumer;
    DeadLetterState state = DeadLetterState::Open;
    std::string tenant;
    std::string eventId;
    std::string eventType;
    std::int64_t seq = 0;
    std::string entityKind;
    std::string entityId;
    std::string correlationId;
    std::string error; // the receiver's last answer, as the letter keeps it
    int attempts = 0;
    Timestamp deadAt{};
    std::optional<Timestamp> resolvedAt;
    std::string reason; // why it was discarded or replayed, when someone said

    bool operator==(const DeadLetterMatch&) const = default;
};
DeadLetterMatch deadLetterMatch(const DeadLetter& letter);

using SearchMatch =
    std::variant<EventMatch, VendorMatch, EntityMatch, CorrelationMatch, DeadLetterMatch>;

struct SearchAnswer {
    std::string query; // q as it was matched (trimmed)
    std::vector<SearchMatch> matches;
    bool truncated = false; // more matched than ?limit= let through
    std::string hint;       // empty unless nothing matched

    bool operator==(const SearchAnswer&) const = default;
};

// "/v1/events/<id>", "/v1/traces/<id>", ...: the route that opens a match.
std::string hrefOf(const SearchMatch& match);

std::string toJson(const SearchAnswer& answer);

} // namespace protocol

} // namespace meshdeck
