// The trace answer on the wire.
#include "core/protocol/trace.h"

#include "core/event.h"
#include "core/protocol/json_codec.h"

namespace meshdeck::protocol {

namespace {

std::string_view attemptKind(const AttemptRecord& a) {
    if (a.replay)
        return "replay-attempt";
    return a.failureClass == delivery::FailureClass::Stale ? "stale" : "attempt";
}

Json value(const TracedEvent& e) {
    Json j{{"seq", e.seq},
           {"event_id", e.eventId},
           {"event_type", e.eventType},
           {"producer", e.producer},
           {"tenant_id", e.tenantId},
           {"entity", e.entity},
           {"occurred_at", formatRfc3339(e.occurredAt)},
           {"ingested_at", formatRfc3339(e.ingestedAt)}};
    if (e.entityVersion)
        j["entity_version"] = *e.entityVersion;
    if (!e.causationId.empty())
        j["causation_id"] = e.causationId;
    j["kind"] = "event";
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, TracedEvent& out) {
    ObjectReader r(json, path, bad);
    r.required("seq", out.seq);
    r.required("event_id", out.eventId);
    r.required("event_type", out.eventType);
    r.required("producer", out.producer);
    r.required("tenant_id", out.tenantId);
    r.required("entity", out.entity);
    r.requiredTime("occurred_at", out.occurredAt);
    r.requiredTime("ingested_at", out.ingestedAt);
    r.optional("entity_version", out.entityVersion);
    r.optional("causation_id", out.causationId);
}

Json value(const TracedResolution& x) {
    return Json{{"kind", x.state == DeadLetterState::Replayed ? "replay" : "discard"},
                {"dead_letter", x.deadLetter},
                {"consumer", x.consumer},
                {"event_id", x.eventId},
                {"by", x.by},
                {"reason", x.reason},
                {"at", formatRfc3339(x.at)}};
}

void read(const Json& json, const std::string& path, Violations& bad, TracedResolution& out) {
    ObjectReader r(json, path, bad);
    r.required("dead_letter", out.deadLetter);
    r.required("consumer", out.consumer);
    r.required("event_id", out.eventId);
    r.optional("by", out.by);
    r.optional("reason", out.reason);
    r.requiredTime("at", out.at);
}

Json value(const TracedOutcome& o) {
    Json j{
        {"kind", "outcome"},         {"consumer", o.consumer},          {"event_id", o.eventId},
        {"event_type", o.eventType}, {"outcome", embed(o.outcomeJson)}, {"at", formatRfc3339(o.at)},
        {"latency_ms", o.latencyMs}};
    if (o.sloTargetMs)
        j["slo_target_ms"] = *o.sloTargetMs;
    if (o.sloMet)
        j["slo_met"] = *o.sloMet;
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, TracedOutcome& out) {
    ObjectReader r(json, path, bad);
    r.required("consumer", out.consumer);
    r.required("event_id", out.eventId);
    r.required("event_type", out.eventType);
    if (const Json* outcome = r.require("outcome"))
        out.outcomeJson = text(*outcome);
    r.requiredTime("at", out.at);
    r.required("latency_ms", out.latencyMs);
    r.optional("slo_target_ms", out.sloTargetMs);
    r.optional("slo_met", out.sloMet);
}

} // namespace

TracedEvent tracedEvent(const Event& e) {
    return TracedEvent{e.seq,          e.eventId,    e.eventType,  e.producer,       e.tenantId,
                       e.entity.key(), e.occurredAt, e.ingestedAt, e.entity.version, e.causationId};
}

Timestamp entryTime(const TraceEntry& entry) {
    struct At {
        Timestamp operator()(const TracedEvent& e) const { return e.ingestedAt; }
        Timestamp operator()(const AttemptRecord& a) const { return a.startedAt; }
        Timestamp operator()(const DeadLetter& d) const { return d.deadAt; }
        Timestamp operator()(const TracedResolution& r) const { return r.at; }
        Timestamp operator()(const TracedOutcome& o) const { return o.at; }
    };
    return std::visit(At{}, entry);
}

Json value(const TraceEntry& entry) {
    struct ToJson {
        Json operator()(const TracedEvent& e) const { return value(e); }
        Json operator()(const AttemptRecord& a) const {
            Json j = value(a);
            j["kind"] = attemptKind(a);
            return j;
        }
        Json operator()(const DeadLetter& d) const {
            Json j = value(d, false);
            j["kind"] = "dead-letter";
            return j;
        }
        Json operator()(const TracedResolution& r) const { return value(r); }
        Json operator()(const TracedOutcome& o) const { return value(o); }
    };
    return std::visit(ToJson{}, entry);
}

void read(const Json& json, const std::string& path, Violations& bad, TraceEntry& out) {
    ObjectReader r(json, path, bad);
    std::string kind;
    r.required("kind", kind);
    if (kind == "event")
        read(json, path, bad, out.emplace<TracedEvent>());
    else if (kind == "attempt" || kind == "replay-attempt" || kind == "stale")
        read(json, path, bad, out.emplace<AttemptRecord>());
    else if (kind == "dead-letter")
        read(json, path, bad, out.emplace<DeadLetter>());
    else if (kind == "replay" || kind == "discard") {
        auto& resolution = out.emplace<TracedResolution>();
        read(json, path, bad, resolution);
        resolution.state =
            kind == "replay" ? DeadLetterState::Replayed : DeadLetterState::Discarded;
    } else if (kind == "outcome")
        read(json, path, bad, out.emplace<TracedOutcome>());
    else if (r.find("kind"))
        r.fail("kind", "expected event, attempt, replay-attempt, stale, dead-letter, replay, "
                       "discard or outcome, got \"" +
                           kind + '"');
}

Json value(const CausationNode& node) {
    return Json{{"event_id", node.eventId},
                {"event_type", node.eventType},
                {"seq", node.seq},
                {"caused", arrayOf(node.caused)}};
}

void read(const Json& json, const std::string& path, Violations& bad, CausationNode& out) {
    ObjectReader r(json, path, bad);
    r.required("event_id", out.eventId);
    r.required("event_type", out.eventType);
    r.required("seq", out.seq);
    readArray(r, "caused", out.caused);
}

Json value(const Trace& t) {
    return Json{{"correlation_id", t.correlationId},
                {"events", t.events},
                {"timeline", arrayOf(t.timeline)},
                {"causation", arrayOf(t.causation)}};
}

void read(const Json& json, const std::string& path, Violations& bad, Trace& out) {
    ObjectReader r(json, path, bad);
    r.required("correlation_id", out.correlationId);
    r.required("events", out.events);
    readArray(r, "timeline", out.timeline);
    readArray(r, "causation", out.causation);
}

std::string toJson(const Trace& trace) {
    return dump(value(trace));
}

template Decoded<Trace> fromJson(std::string_view);

} // namespace meshdeck::protocol
