// Consumers' status on the wire.
#include "core/protocol/consumer_status.h"

#include "core/protocol/json_codec.h"

#include <array>
#include <utility>

namespace meshdeck::protocol {

namespace {

constexpr WordTable<ConsumerState, 5> kStates{{
    {ConsumerState::Running, "running"},
    {ConsumerState::Paused, "paused"},
    {ConsumerState::CircuitOpen, "circuit-open"},
    {ConsumerState::Blocked, "blocked"},
    {ConsumerState::Retrying, "retrying"},
}};

std::optional<SinkKind> parseSinkKind(std::string_view word) {
    for (SinkKind kind : {SinkKind::Webhook, SinkKind::WebSocket, SinkKind::None})
        if (toString(kind) == word)
            return kind;
    return std::nullopt;
}

} // namespace

std::string_view toString(ConsumerState state) {
    return wordOf(kStates, state);
}

std::optional<ConsumerState> parseConsumerState(std::string_view word) {
    return valueOf(kStates, word);
}

ConsumerState headlineState(const ConsumerStatus& s) {
    // A half-open circuit is already letting probes through: not "circuit-open".
    if (s.spec.paused)
        return ConsumerState::Paused;
    if (s.circuit == CircuitState::Open)
        return ConsumerState::CircuitOpen;
    if (s.blockedEntities > 0)
        return ConsumerState::Blocked;
    if (s.retrying > 0)
        return ConsumerState::Retrying;
    return ConsumerState::Running;
}

LatencySummary summarize(const Histogram& h) {
    if (h.count() == 0)
        return {};
    return {h.count(), h.quantile(0.5), h.quantile(0.95), h.quantile(0.99), h.max()};
}

ConsumerReport report(const ConsumerStatus& s, bool withSpec) {
    ConsumerReport r;
    r.name = s.spec.name;
    r.description = s.spec.description;
    r.sink = s.spec.sink.kind;
    if (s.spec.sink.kind == SinkKind::Webhook)
        r.url = s.spec.sink.url;
    r.source = s.spec.source;
    r.state = headlineState(s);
    r.paused = s.spec.paused;
    r.ackFloor = s.ackFloor;
    r.lagEvents = s.pending;
    r.oldestPendingAgeMs = s.oldestPendingAgeMs;
    r.inFlight = s.inFlight;
    r.retrying = s.retrying;
    r.blockedEntities = s.blockedEntities;
    r.circuit = s.circuit;
    r.probeAt = s.circuitReopensAt;
    r.subscribers = s.subscribers;
    r.delivered = s.delivered;
    r.failedAttempts = s.failedAttempts;
    r.throttled = s.throttled;
    r.deadLettered = s.deadLettered;
    r.staleSkipped = s.stale;
    r.gapsWaited = s.gaps;
    r.replayed = s.replayed;
    r.deliveryLatency = summarize(s.deliveryLatencyMs);
    for (const auto& [type, h] : s.endToEndMs) {
        TypedLatency row{type, summarize(h), std::nullopt};
        if (s.spec.slo.target.count() > 0) {
            const double observed = h.quantile(s.spec.slo.percentile);
            row.slo = SloCheck{s.spec.slo.target.count(), s.spec.slo.percentile * 100,
                               observed <= static_cast<double>(s.spec.slo.target.count())};
        }
        r.endToEnd.push_back(std::move(row));
    }
    r.lastError = s.lastError;
    r.lastErrorAt = s.lastErrorAt;
    if (withSpec)
        r.specJson = text(embed(consumerSpecToJson(s.spec, true)));
    return r;
}

Json value(const LatencySummary& l) {
    if (l.count == 0)
        return Json{{"count", 0}};
    return Json{{"count", l.count},
                {"p50_ms", l.p50Ms},
                {"p95_ms", l.p95Ms},
                {"p99_ms", l.p99Ms},
                {"max_ms", l.maxMs}};
}

void read(const Json& json, const std::string& path, Violations& bad, LatencySummary& out) {
    ObjectReader r(json, path, bad);
    r.required("count", out.count);
    if (out.count == 0)
        return;
    r.required("p50_ms", out.p50Ms);
    r.required("p95_ms", out.p95Ms);
    r.required("p99_ms", out.p99Ms);
    r.required("max_ms", out.maxMs);
}

Json value(const TypedLatency& t) {
    Json row = value(t.latency);
    row["event_type"] = t.eventType;
    if (t.slo) {
        row["target_ms"] = t.slo->targetMs;
        row["percentile"] = t.slo->percentile;
        row["met"] = t.slo->met;
    }
    return row;
}

void read(const Json& json, const std::string& path, Violations& bad, TypedLatency& out) {
    read(json, path, bad, out.latency);
    if (!json.is_object())
        return; // said once, by the latency
    ObjectReader r(json, path, bad);
    r.required("event_type", out.eventType);
    if (!r.find("target_ms"))
        return;
    SloCheck slo;
    r.required("target_ms", slo.targetMs);
    r.required("percentile", slo.percentile);
    r.required("met", slo.met);
    out.slo = slo;
}

Json value(const ConsumerReport& c) {
    Json j;
    j["name"] = c.name;
    j["description"] = c.description;
    j["sink"] = toString(c.sink);
    if (c.sink == SinkKind::Webhook)
        j["url"] = c.url;
    j["source"] = c.source;
    j["state"] = toString(c.state);
    j["paused"] = c.paused;
    j["ack_floor"] = c.ackFloor;
    j["lag"] = {{"events", c.lagEvents}, {"oldest_age_ms", c.oldestPendingAgeMs}};
    j["in_flight"] = c.inFlight;
    j["retrying"] = c.retrying;
    j["blocked_entities"] = c.blockedEntities;
    j["circuit"] = {{"state", toString(c.circuit)}};
    if (c.probeAt)
        j["circuit"]["probe_at"] = formatRfc3339(*c.probeAt);
    j["subscribers"] = c.subscribers;
    j["totals"] = {{"delivered", c.delivered},        {"failed_attempts", c.failedAttempts},
                   {"throttled", c.throttled},        {"dead_lettered", c.deadLettered},
                   {"stale_skipped", c.staleSkipped}, {"gaps_waited", c.gapsWaited},
                   {"replayed", c.replayed}};
    j["delivery_latency"] = value(c.deliveryLatency);
    j["end_to_end"] = arrayOf(c.endToEnd);
    if (!c.lastError.empty())
        j["last_error"] = {{"message", c.lastError},
                           {"at", c.lastErrorAt ? formatRfc3339(*c.lastErrorAt) : std::string()}};
    if (c.specJson)
        j["spec"] = embed(*c.specJson);
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, ConsumerReport& out) {
    ObjectReader r(json, path, bad);
    r.required("name", out.name);
    r.optional("description", out.description);
    r.requiredWord("sink", out.sink, parseSinkKind, "webhook, websocket or none");
    r.optional("url", out.url);
    r.optional("source", out.source);
    r.requiredWord("state", out.state, parseConsumerState,
                   "running, paused, circuit-open, blocked or retrying");
    r.required("paused", out.paused);
    r.required("ack_floor", out.ackFloor);
    if (const Json* lag = r.require("lag")) {
        ObjectReader l(*lag, r.pathOf("lag"), bad);
        l.required("events", out.lagEvents);
        l.required("oldest_age_ms", out.oldestPendingAgeMs);
    }
    r.required("in_flight", out.inFlight);
    r.required("retrying", out.retrying);
    r.required("blocked_entities", out.blockedEntities);
    if (const Json* circuit = r.require("circuit")) {
        ObjectReader cr(*circuit, r.pathOf("circuit"), bad);
        cr.requiredWord("state", out.circuit, parseCircuitState, "closed, open or half-open");
        cr.optionalTime("probe_at", out.probeAt);
    }
    r.optional("subscribers", out.subscribers);
    if (const Json* totals = r.require("totals")) {
        ObjectReader t(*totals, r.pathOf("totals"), bad);
        t.required("delivered", out.delivered);
        t.required("failed_attempts", out.failedAttempts);
        t.required("throttled", out.throttled);
        t.required("dead_lettered", out.deadLettered);
        t.required("stale_skipped", out.staleSkipped);
        t.required("gaps_waited", out.gapsWaited);
        t.required("replayed", out.replayed);
    }
    if (const Json* latency = r.find("delivery_latency"))
        read(*latency, r.pathOf("delivery_latency"), bad, out.deliveryLatency);
    if (r.find("end_to_end"))
        readArray(r, "end_to_end", out.endToEnd);
    if (const Json* error = r.find("last_error")) {
        ObjectReader e(*error, r.pathOf("last_error"), bad);
        e.required("message", out.lastError);
        e.optionalTime("at", out.lastErrorAt);
    }
    if (const Json* spec = r.find("spec"))
        out.specJson = text(*spec);
}

Json value(const ConsumerList& list) {
    return Json{{"last_seq", list.lastSeq},
                {"consumers", arrayOf(list.consumers)},
                {"outcome_events", arrayOf(list.outcomeEvents)}};
}

void read(const Json& json, const std::string& path, Violations& bad, ConsumerList& out) {
    ObjectReader r(json, path, bad);
    r.required("last_seq", out.lastSeq);
    readArray(r, "consumers", out.consumers);
    if (r.find("outcome_events"))
        readArray(r, "outcome_events", out.outcomeEvents);
}

std::string toJson(const ConsumerReport& consumer) {
    return dump(value(consumer));
}
std::string toJson(const ConsumerList& list) {
    return dump(value(list));
}

template Decoded<ConsumerReport> fromJson(std::string_view);
template Decoded<ConsumerList> fromJson(std::string_view);

} // namespace meshdeck::protocol
