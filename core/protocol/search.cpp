// The search answer on the wire.
#include "core/protocol/search.h"

#include "core/event.h"
#include "core/percent_encoding.h"
#include "core/protocol/json_codec.h"

namespace meshdeck::protocol {

namespace {

std::string pathSegment(std::string_view text) {
    return percentEncode(text, isUnreserved);
}

Json entityValue(const std::string& kind, const std::string& id) {
    return Json{{"kind", kind}, {"id", id}};
}

void readEntity(ObjectReader& r, std::string& kind, std::string& id, Violations& bad) {
    if (const Json* entity = r.require("entity")) {
        ObjectReader e(*entity, r.pathOf("entity"), bad);
        e.required("kind", kind);
        e.required("id", id);
    }
}

Json strings(const std::vector<std::string>& list) {
    Json out = Json::array();
    for (const auto& s : list)
        out.push_back(s);
    return out;
}

void readStrings(ObjectReader& r, std::string_view key, std::vector<std::string>& out) {
    r.requiredArray(
        key, out, [](const Json& j, const std::string& path, Violations& bad, std::string& s) {
            if (j.is_string())
                s = j.get<std::string>();
            else
                bad.push_back({path, "expected a string, got " + jsonpath::describeValue(j)});
        });
}

// The fields of a found event, shared by "event" and "vendor" matches.
void addEvent(Json& j, const FoundEvent& e) {
    j["event_id"] = e.eventId;
    j["event_type"] = e.eventType;
    j["tenant"] = e.tenant;
    j["seq"] = e.seq;
    j["occurred_at"] = formatRfc3339(e.occurredAt);
    j["ingested_at"] = formatRfc3339(e.ingestedAt);
    j["entity"] = entityValue(e.entityKind, e.entityId);
    j["correlation_id"] = e.correlationId;
    j["producer"] = e.producer;
}

void readEvent(ObjectReader& r, FoundEvent& out, Violations& bad) {
    r.required("event_id", out.eventId);
    r.required("event_type", out.eventType);
    r.required("tenant", out.tenant);
    r.required("seq", out.seq);
    r.requiredTime("occurred_at", out.occurredAt);
    r.requiredTime("ingested_at", out.ingestedAt);
    readEntity(r, out.entityKind, out.entityId, bad);
    r.required("correlation_id", out.correlationId);
    r.required("producer", out.producer);
}

// A span's fields sit in the match's own object.
void addSpan(Json& j, const SearchSpan& s) {
    j["events"] = s.events;
    j["events_more"] = s.eventsMore;
    j["first_seq"] = s.firstSeq;
    j["first_occurred_at"] = formatRfc3339(s.firstOccurredAt);
    j["last_seq"] = s.lastSeq;
    j["last_occurred_at"] = formatRfc3339(s.lastOccurredAt);
}

void readSpan(ObjectReader& r, SearchSpan& s) {
    r.required("events", s.events);
    r.required("events_more", s.eventsMore);
    r.required("first_seq", s.firstSeq);
    r.requiredTime("first_occurred_at", s.firstOccurredAt);
    r.required("last_seq", s.lastSeq);
    r.requiredTime("last_occurred_at", s.lastOccurredAt);
}

} // namespace

// Found by arrayOf() and readArray() by argument-dependent lookup.

Json value(const SearchedEntity& e) {
    return Json{{"tenant", e.tenant}, {"kind", e.kind}, {"id", e.id}};
}

void read(const Json& json, const std::string& path, Violations& bad, SearchedEntity& out) {
    ObjectReader r(json, path, bad);
    r.required("tenant", out.tenant);
    r.required("kind", out.kind);
    r.required("id", out.id);
}

Json value(const SearchMatch& match) {
    struct ToJson {
        Json operator()(const EventMatch& m) const {
            Json j{{"kind", "event"}};
            addEvent(j, m.event);
            return j;
        }
        Json operator()(const VendorMatch& m) const {
            Json j{{"kind", "vendor"}, {"source", m.source}, {"vendor_id", m.vendorId}};
            addEvent(j, m.event);
            return j;
        }
        Json operator()(const EntityMatch& m) const {
            Json j{{"kind", "entity"},
                   {"tenant", m.tenant},
                   {"entity", entityValue(m.entityKind, m.entityId)}};
            addSpan(j, m.span);
            j["last_event_type"] = m.lastEventType;
            j["correlation_ids"] = strings(m.correlationIds);
            j["correlation_ids_more"] = m.correlationIdsMore;
            j["open_dead_letters"] = m.openDeadLetters;
            j["open_dead_letters_more"] = m.openDeadLettersMore;
            return j;
        }
        Json operator()(const CorrelationMatch& m) const {
            Json j{{"kind", "correlation"},
                   {"correlation_id", m.correlationId},
                   {"tenants", strings(m.tenants)}};
            addSpan(j, m.span);
            j["entities"] = arrayOf(m.entities);
            j["entities_more"] = m.entitiesMore;
            return j;
        }
        Json operator()(const DeadLetterMatch& m) const {
            Json j{{"kind", "dead_letter"},
                   {"id", m.id},
                   {"consumer", m.consumer},
                   {"state", toString(m.state)},
                   {"tenant", m.tenant},
                   {"event_id", m.eventId},
                   {"event_type", m.eventType},
                   {"seq", m.seq},
                   {"entity", entityValue(m.entityKind, m.entityId)},
                   {"correlation_id", m.correlationId},
                   {"error", m.error},
                   {"attempts", m.attempts},
                   {"dead_at", formatRfc3339(m.deadAt)}};
            if (m.resolvedAt)
                j["resolved_at"] = formatRfc3339(*m.resolvedAt);
            if (!m.reason.empty())
                j["reason"] = m.reason;
            return j;
        }
    };
    Json j = std::visit(ToJson{}, match);
    j["href"] = hrefOf(match);
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, SearchMatch& out) {
    ObjectReader r(json, path, bad);
    std::string kind;
    r.required("kind", kind);
    if (kind == "event") {
        readEvent(r, out.emplace<EventMatch>().event, bad);
    } else if (kind == "vendor") {
        auto& m = out.emplace<VendorMatch>();
        r.required("source", m.source);
        r.required("vendor_id", m.vendorId);
        readEvent(r, m.event, bad);
    } else if (kind == "entity") {
        auto& m = out.emplace<EntityMatch>();
        r.required("tenant", m.tenant);
        readEntity(r, m.entityKind, m.entityId, bad);
        readSpan(r, m.span);
        r.required("last_event_type", m.lastEventType);
        readStrings(r, "correlation_ids", m.correlationIds);
        r.required("correlation_ids_more", m.correlationIdsMore);
        r.required("open_dead_letters", m.openDeadLetters);
        r.required("open_dead_letters_more", m.openDeadLettersMore);
    } else if (kind == "correlation") {
        auto& m = out.emplace<CorrelationMatch>();
        r.required("correlation_id", m.correlationId);
        readStrings(r, "tenants", m.tenants);
        readSpan(r, m.span);
        readArray(r, "entities", m.entities);
        r.required("entities_more", m.entitiesMore);
    } else if (kind == "dead_letter") {
        auto& m = out.emplace<DeadLetterMatch>();
        r.required("id", m.id);
        r.required("consumer", m.consumer);
        r.requiredWord("state", m.state, parseDeadLetterState, "open, replayed or discarded");
        r.required("tenant", m.tenant);
        r.required("event_id", m.eventId);
        r.required("event_type", m.eventType);
        r.required("seq", m.seq);
        readEntity(r, m.entityKind, m.entityId, bad);
        r.required("correlation_id", m.correlationId);
        r.required("error", m.error);
        r.required("attempts", m.attempts);
        r.requiredTime("dead_at", m.deadAt);
        r.optionalTime("resolved_at", m.resolvedAt);
        r.optional("reason", m.reason);
    } else if (r.find("kind")) {
        r.fail("kind",
               "expected event, vendor, entity, correlation or dead_letter, got \"" + kind + '"');
    }
}

Json value(const SearchAnswer& a) {
    Json j{{"query", a.query}, {"truncated", a.truncated}, {"matches", arrayOf(a.matches)}};
    if (!a.hint.empty())
        j["hint"] = a.hint;
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, SearchAnswer& out) {
    ObjectReader r(json, path, bad);
    r.required("query", out.query);
    r.required("truncated", out.truncated);
    readArray(r, "matches", out.matches);
    r.optional("hint", out.hint);
}

FoundEvent foundEvent(const Event& e) {
    return FoundEvent{e.eventId,    e.eventType,   e.tenantId,  e.seq,           e.occurredAt,
                      e.ingestedAt, e.entity.kind, e.entity.id, e.correlationId, e.producer};
}

DeadLetterMatch deadLetterMatch(const DeadLetter& d) {
    DeadLetterMatch m;
    m.id = d.id;
    m.consumer = d.consumer;
    m.state = d.state;
    m.tenant = d.tenantId;
    m.eventId = d.eventId;
    m.eventType = d.eventType;
    m.seq = d.seq;
    // The letter keeps its entity as "tenant/kind:id"; a kind never holds ':'.
    std::string_view entity = d.entity;
    if (entity.starts_with(d.tenantId + '/'))
        entity.remove_prefix(d.tenantId.size() + 1);
    const auto colon = entity.find(':');
    m.entityKind = std::string(entity.substr(0, colon));
    m.entityId =
        colon == std::string_view::npos ? std::string() : std::string(entity.substr(colon + 1));
    m.correlationId = d.correlationId;
    m.error = d.error;
    m.attempts = d.attempts;
    m.deadAt = d.deadAt;
    m.resolvedAt = d.resolvedAt;
    m.reason = d.reason;
    return m;
}

std::string hrefOf(const SearchMatch& match) {
    struct Href {
        std::string operator()(const EventMatch& m) const {
            return "/v1/events/" + pathSegment(m.event.eventId);
        }
        std::string operator()(const VendorMatch& m) const {
            return "/v1/events/" + pathSegment(m.event.eventId);
        }
        std::string operator()(const EntityMatch& m) const {
            return "/v1/events?tenant=" + pathSegment(m.tenant) +
                   "&entity=" + pathSegment(m.entityKind + ':' + m.entityId);
        }
        std::string operator()(const CorrelationMatch& m) const {
            return "/v1/traces/" + pathSegment(m.correlationId);
        }
        std::string operator()(const DeadLetterMatch& m) const {
            return "/v1/dead-letters/" + std::to_string(m.id);
        }
    };
    return std::visit(Href{}, match);
}

std::string toJson(const SearchAnswer& answer) {
    return dump(value(answer));
}

template Decoded<SearchAnswer> fromJson(std::string_view);

} // namespace meshdeck::protocol
