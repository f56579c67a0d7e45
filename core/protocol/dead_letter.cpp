// Attempts and dead letters on the wire.
#include "core/protocol/dead_letter.h"

#include "core/protocol/json_codec.h"

#include <array>
#include <cmath>
#include <utility>

namespace meshdeck::protocol {

namespace {

constexpr WordTable<DeadLetterState, 3> kStates{{
    {DeadLetterState::Open, "open"},
    {DeadLetterState::Replayed, "replayed"},
    {DeadLetterState::Discarded, "discarded"},
}};

void readClass(ObjectReader& r, delivery::FailureClass& out) {
    r.requiredWord("class", out, delivery::parseFailureClass,
                   "a failure class (none, transport, throttled, auth, invalid, server, other, "
                   "stale)");
}

} // namespace

Json value(const AttemptRecord& a) {
    Json j{{"consumer", a.consumer},
           {"seq", a.seq},
           {"event_id", a.eventId},
           {"attempt", a.attempt},
           {"at", formatRfc3339(a.startedAt)},
           {"duration_ms", static_cast<double>(a.durationUs) / 1000.0},
           {"status", a.status},
           {"class", delivery::toString(a.failureClass)}};
    if (!a.error.empty())
        j["error"] = a.error;
    if (!a.response.empty())
        j["response"] = a.response;
    if (a.replay)
        j["replay"] = true;
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, AttemptRecord& out) {
    ObjectReader r(json, path, bad);
    r.required("consumer", out.consumer);
    r.required("seq", out.seq);
    r.required("event_id", out.eventId);
    r.required("attempt", out.attempt);
    r.requiredTime("at", out.startedAt);
    double ms = 0;
    r.required("duration_ms", ms);
    out.durationUs = std::llround(ms * 1000.0);
    r.required("status", out.status);
    readClass(r, out.failureClass);
    r.optional("error", out.error);
    r.optional("response", out.response);
    r.optional("replay", out.replay);
}

Json value(const DeadLetter& d, bool withEvent) {
    Json j{{"id", d.id},
           {"consumer", d.consumer},
           {"seq", d.seq},
           {"event_id", d.eventId},
           {"event_type", d.eventType},
           {"tenant_id", d.tenantId},
           {"correlation_id", d.correlationId},
           {"entity", d.entity},
           {"signature", d.signature},
           {"class", delivery::toString(d.failureClass)},
           {"error", d.error},
           {"attempts", d.attempts},
           {"dead_at", formatRfc3339(d.deadAt)},
           {"state", toString(d.state)}};
    if (d.resolvedAt)
        j["resolved"] = {
            {"at", formatRfc3339(*d.resolvedAt)}, {"by", d.resolvedBy}, {"reason", d.reason}};
    if (d.parentId)
        j["replay_of"] = *d.parentId;
    if (!d.payloadOverride.empty())
        j["edited_payload"] = embed(d.payloadOverride);
    if (withEvent)
        j["event"] = embed(d.eventJson);
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, DeadLetter& out) {
    ObjectReader r(json, path, bad);
    r.required("id", out.id);
    r.required("consumer", out.consumer);
    r.required("seq", out.seq);
    r.required("event_id", out.eventId);
    r.required("event_type", out.eventType);
    r.required("tenant_id", out.tenantId);
    r.required("correlation_id", out.correlationId);
    r.required("entity", out.entity);
    r.required("signature", out.signature);
    readClass(r, out.failureClass);
    r.required("error", out.error);
    r.required("attempts", out.attempts);
    r.requiredTime("dead_at", out.deadAt);
    r.requiredWord("state", out.state, parseDeadLetterState, "open, replayed or discarded");
    if (const Json* resolved = r.find("resolved")) {
        ObjectReader rr(*resolved, r.pathOf("resolved"), bad);
        Timestamp at{};
        rr.requiredTime("at", at);
        out.resolvedAt = at;
        rr.optional("by", out.resolvedBy);
        rr.optional("reason", out.reason);
    }
    r.optional("replay_of", out.parentId);
    if (const Json* edited = r.find("edited_payload"))
        out.payloadOverride = text(*edited);
    if (const Json* event = r.find("event"))
        out.eventJson = text(*event);
}

Json value(const DeadLetterGroup& g) {
    return Json{{"consumer", g.consumer},
                {"signature", g.signature},
                {"class", delivery::toString(g.failureClass)},
                {"example_error", g.exampleError},
                {"count", g.count},
                {"first_at", formatRfc3339(g.firstAt)},
                {"last_at", formatRfc3339(g.lastAt)}};
}

void read(const Json& json, const std::string& path, Violations& bad, DeadLetterGroup& out) {
    ObjectReader r(json, path, bad);
    r.required("consumer", out.consumer);
    r.required("signature", out.signature);
    readClass(r, out.failureClass);
    r.required("example_error", out.exampleError);
    r.required("count", out.count);
    r.requiredTime("first_at", out.firstAt);
    r.requiredTime("last_at", out.lastAt);
}

Json value(const DeadLetterPage& page) {
    Json list = Json::array();
    for (const auto& d : page.letters)
        list.push_back(value(d, false));
    Json j{{"dead_letters", std::move(list)}};
    if (page.nextBefore)
        j["next_before"] = *page.nextBefore;
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, DeadLetterPage& out) {
    ObjectReader r(json, path, bad);
    readArray(r, "dead_letters", out.letters);
    r.optional("next_before", out.nextBefore);
}

Json value(const DeadLetterGroups& groups) {
    return Json{{"groups", arrayOf(groups.groups)}};
}

void read(const Json& json, const std::string& path, Violations& bad, DeadLetterGroups& out) {
    ObjectReader r(json, path, bad);
    readArray(r, "groups", out.groups);
}

Json value(const DeadLetterDetail& detail) {
    Json j = value(detail.letter, true);
    j["attempt_log"] = arrayOf(detail.attempts);
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, DeadLetterDetail& out) {
    read(json, path, bad, out.letter);
    if (!json.is_object())
        return; // said once, by the letter
    ObjectReader r(json, path, bad);
    readArray(r, "attempt_log", out.attempts);
}

std::string toJson(const AttemptRecord& attempt) {
    return dump(value(attempt));
}
std::string toJson(const DeadLetterPage& page) {
    return dump(value(page));
}
std::string toJson(const DeadLetterGroups& groups) {
    return dump(value(groups));
}
std::string toJson(const DeadLetterDetail& detail) {
    return dump(value(detail));
}

template Decoded<AttemptRecord> fromJson(std::string_view);
template Decoded<DeadLetterPage> fromJson(std::string_view);
template Decoded<DeadLetterGroups> fromJson(std::string_view);
template Decoded<DeadLetterDetail> fromJson(std::string_view);

} // namespace meshdeck::protocol

namespace meshdeck {

std::string_view toString(DeadLetterState state) {
    return wordOf(protocol::kStates, state);
}

std::optional<DeadLetterState> parseDeadLetterState(std::string_view word) {
    return valueOf(protocol::kStates, word);
}

} // namespace meshdeck
