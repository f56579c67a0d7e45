// Flows and the live feed on the wire.
#include "core/protocol/flow.h"

#include "core/protocol/json_codec.h"
#include "core/protocol/live.h"

namespace meshdeck::protocol {

namespace {

Json when(const std::optional<Timestamp>& t) {
    return t ? Json(formatRfc3339(*t)) : Json();
}

} // namespace

// Found by arrayOf() and readArray() by argument-dependent lookup.

Json value(const ProducerFlow& e) {
    return Json{{"tenant", e.tenant},
                {"producer", e.producer},
                {"type", e.eventType},
                {"published", e.published},
                {"rejected", e.rejected},
                {"published_per_s", e.publishedPerSecond},
                {"rejected_per_s", e.rejectedPerSecond},
                {"last_at", when(e.lastAt)}};
}

void read(const Json& json, const std::string& path, Violations& bad, ProducerFlow& out) {
    ObjectReader r(json, path, bad);
    r.required("tenant", out.tenant);
    r.required("producer", out.producer);
    r.required("type", out.eventType);
    r.required("published", out.published);
    r.required("rejected", out.rejected);
    r.required("published_per_s", out.publishedPerSecond);
    r.required("rejected_per_s", out.rejectedPerSecond);
    r.optionalTime("last_at", out.lastAt);
}

Json value(const ConsumerFlow& e) {
    return Json{{"consumer", e.consumer},
                {"type", e.eventType},
                {"delivered", e.delivered},
                {"failed", e.failed},
                {"dead_lettered", e.deadLettered},
                {"delivered_per_s", e.deliveredPerSecond},
                {"failed_per_s", e.failedPerSecond},
                {"dead_lettered_per_s", e.deadLetteredPerSecond},
                {"error_ratio", e.errorRatio},
                {"last_error", e.lastError},
                {"last_at", when(e.lastAt)}};
}

void read(const Json& json, const std::string& path, Violations& bad, ConsumerFlow& out) {
    ObjectReader r(json, path, bad);
    r.required("consumer", out.consumer);
    r.required("type", out.eventType);
    r.required("delivered", out.delivered);
    r.required("failed", out.failed);
    r.required("dead_lettered", out.deadLettered);
    r.required("delivered_per_s", out.deliveredPerSecond);
    r.required("failed_per_s", out.failedPerSecond);
    r.required("dead_lettered_per_s", out.deadLetteredPerSecond);
    r.required("error_ratio", out.errorRatio);
    r.optional("last_error", out.lastError);
    r.optionalTime("last_at", out.lastAt);
}

Json value(const FlowSnapshot& f) {
    return Json{{"at", formatRfc3339(f.at)},
                {"since", formatRfc3339(f.since)},
                {"window_seconds", f.windowSeconds},
                {"producers", arrayOf(f.producers)},
                {"consumers", arrayOf(f.consumers)}};
}

void read(const Json& json, const std::string& path, Violations& bad, FlowSnapshot& out) {
    ObjectReader r(json, path, bad);
    r.requiredTime("at", out.at);
    r.requiredTime("since", out.since);
    r.required("window_seconds", out.windowSeconds);
    readArray(r, "producers", out.producers);
    readArray(r, "consumers", out.consumers);
}

Json value(const LiveSnapshot& s) {
    return Json{{"type", "snapshot"},
                {"at", formatRfc3339(s.at)},
                {"last_seq", s.lastSeq},
                {"stored_events", s.storedEvents},
                {"consumers", arrayOf(s.consumers)},
                {"flows", value(s.flows)}};
}

void read(const Json& json, const std::string& path, Violations& bad, LiveSnapshot& out) {
    ObjectReader r(json, path, bad);
    r.requiredTime("at", out.at);
    r.required("last_seq", out.lastSeq);
    r.optional("stored_events", out.storedEvents);
    readArray(r, "consumers", out.consumers);
    if (const Json* flows = r.require("flows"))
        read(*flows, r.pathOf("flows"), bad, out.flows);
}

Json value(const LiveStateChange& c) {
    return Json{{"type", "state-changed"},
                {"consumer", c.consumer},
                {"from", toString(c.from)},
                {"to", toString(c.to)},
                {"at", formatRfc3339(c.at)}};
}

void read(const Json& json, const std::string& path, Violations& bad, LiveStateChange& out) {
    ObjectReader r(json, path, bad);
    constexpr std::string_view states = "running, paused, circuit-open, blocked or retrying";
    r.required("consumer", out.consumer);
    r.requiredWord("from", out.from, parseConsumerState, states);
    r.requiredWord("to", out.to, parseConsumerState, states);
    r.requiredTime("at", out.at);
}

void read(const Json& json, const std::string& path, Violations& bad, LiveFrame& out) {
    ObjectReader r(json, path, bad);
    std::string type;
    r.required("type", type);
    if (type == "snapshot")
        read(json, path, bad, out.emplace<LiveSnapshot>());
    else if (type == "state-changed")
        read(json, path, bad, out.emplace<LiveStateChange>());
    else if (r.find("type"))
        r.fail("type", "expected snapshot or state-changed, got \"" + type + '"');
}

std::string toJson(const FlowSnapshot& flows) {
    return dump(value(flows));
}
std::string toJson(const LiveSnapshot& snapshot) {
    return dump(value(snapshot));
}
std::string toJson(const LiveStateChange& change) {
    return dump(value(change));
}

template Decoded<FlowSnapshot> fromJson(std::string_view);
template Decoded<LiveSnapshot> fromJson(std::string_view);
template Decoded<LiveStateChange> fromJson(std::string_view);
template Decoded<LiveFrame> fromJson(std::string_view);

} // namespace meshdeck::protocol
