#include "broker/gateway/delivery_api.h"

#include "broker/broker_core.h"
#include "broker/gateway/api_support.h"
#include "broker/gateway/problem.h"
#include "core/envelope.h"
#include "core/json_input.h"
#include "core/json_read.h"
#include "core/percent_encoding.h"
#include "core/protocol/json_codec.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace meshdeck {

using nlohmann::json;
using ojson = protocol::Json;
using api::jsonResponse;
using api::parseInt;
using api::queryValue;

namespace {

// The HTTP answer to a control action the engine refused.
ApiResponse refused(const EngineError& error, std::string_view type, std::string_view title) {
    using Kind = EngineError::Kind;
    int status = 500;
    switch (error.kind) {
    case Kind::NotFound:
        status = 404;
        break;
    case Kind::Conflict:
        status = 409;
        break;
    case Kind::BadInput:
        status = 400;
        break;
    case Kind::Unprocessable:
        status = 422;
        break;
    case Kind::None:
    case Kind::Storage:
    case Kind::Internal:
        break;
    }
    return problem::make(status, type, title, error.message);
}

// Reads a JSON object body; nullopt (and an answer sent) when it is not one.
std::optional<json> objectBody(const ApiRequest& req, const Respond& respond, bool emptyIsObject) {
    if (req.body.empty() && emptyIsObject)
        return json::object();
    json body;
    std::string why;
    if (!json_input::parse(req.body, body, why) || !body.is_object()) {
        respond(problem::badRequest("the body must be a JSON object" +
                                    (why.empty() ? std::string() : ": " + why)));
        return std::nullopt;
    }
    return body;
}

DeadLetterSelection selectionFrom(const json& body, Violations& bad) {
    DeadLetterSelection s;
    if (body.contains("ids")) {
        if (!body["ids"].is_array())
            bad.push_back({"/ids", "expected an array of dead letter ids"});
        else
            for (const auto& id : body["ids"]) {
                if (!id.is_number_integer())
                    bad.push_back({"/ids", "expected integers, got " + id.dump()});
                else
                    s.ids.push_back(id.get<std::int64_t>());
            }
    }
    s.consumer = json_read::member<std::string>(body, "consumer", bad);
    s.signature = json_read::member<std::string>(body, "signature", bad);
    if (s.ids.empty() && !s.consumer && !s.signature)
        bad.push_back({"", "say which dead letters: \"ids\": [..], or \"consumer\" with "
                           "\"signature\" for a whole group"});
    if (s.signature && !s.consumer)
        bad.push_back(
            {"/consumer", "a group is per consumer: give \"consumer\" with \"signature\""});
    return s;
}

} // namespace

protocol::FlowSnapshot liveFlows(BrokerCore& core, const Principal& p) {
    // A tenant's token sees its own producers and the consumers filtered to it.
    std::set<std::string, std::less<>> visibleConsumers;
    for (const auto& s : core.delivery().snapshot().consumers)
        if (p.canSeeConsumer(s.spec.filter.tenant))
            visibleConsumers.insert(s.spec.name);
    const auto view = core.flows().view(core.clock().now());
    const auto when = [](Timestamp t) {
        return t == Timestamp{} ? std::nullopt : std::optional(t);
    };
    protocol::FlowSnapshot flows{view.at, view.since, view.windowSeconds, {}, {}};
    for (const auto& e : view.producers)
        if (p.allTenants() || e.tenant == p.tenant)
            flows.producers.push_back({e.tenant, e.producer, e.eventType, e.published.total,
                                       e.rejected.total, e.published.perSecond,
                                       e.rejected.perSecond, when(e.lastAt)});
    for (const auto& e : view.consumers)
        if (visibleConsumers.contains(e.consumer))
            flows.consumers.push_back({e.consumer, e.eventType, e.delivered.total, e.failed.total,
                                       e.deadLettered.total, e.delivered.perSecond,
                                       e.failed.perSecond, e.deadLettered.perSecond, e.errorRatio,
                                       e.lastError, when(e.lastAt)});
    return flows;
}

std::string renderDeliveryMetrics(const EngineSnapshot& snap) {
    std::ostringstream out;
    auto family = [&](const char* name, const char* type, const char* help) {
        out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
    };
    auto each = [&](const char* name, auto value) {
        for (const auto& s : snap.consumers)
            out << name << "{consumer=\"" << s.spec.name << "\"} " << value(s) << '\n';
    };
    family("meshdeck_consumer_delivered_total", "counter", "Events acknowledged by the sink.");
    each("meshdeck_consumer_delivered_total", [](const ConsumerStatus& s) { return s.delivered; });
    family("meshdeck_consumer_failed_attempts_total", "counter", "Delivery attempts that failed.");
    each("meshdeck_consumer_failed_attempts_total",
         [](const ConsumerStatus& s) { return s.failedAttempts; });
    family("meshdeck_consumer_throttled_total", "counter", "Answers that asked to slow down.");
    each("meshdeck_consumer_throttled_total", [](const ConsumerStatus& s) { return s.throttled; });
    family("meshdeck_consumer_dead_lettered_total", "counter", "Events dead-lettered.");
    each("meshdeck_consumer_dead_lettered_total",
         [](const ConsumerStatus& s) { return s.deadLettered; });
    family("meshdeck_consumer_lag_events", "gauge", "Events not yet acknowledged.");
    each("meshdeck_consumer_lag_events", [](const ConsumerStatus& s) { return s.pending; });
    family("meshdeck_consumer_lag_seconds", "gauge", "Age of the oldest unacknowledged event.");
    each("meshdeck_consumer_lag_seconds", [](const ConsumerStatus& s) {
        return static_cast<double>(s.oldestPendingAgeMs) / 1000.0;
    });
    family("meshdeck_consumer_in_flight", "gauge", "Deliveries awaiting an answer.");
    each("meshdeck_consumer_in_flight", [](const ConsumerStatus& s) { return s.inFlight; });
    family("meshdeck_consumer_retrying", "gauge", "Entities waiting for a retry.");
    each("meshdeck_consumer_retrying", [](const ConsumerStatus& s) { return s.retrying; });
    family("meshdeck_consumer_circuit_open", "gauge", "1 while the sink's circuit is open.");
    each("meshdeck_consumer_circuit_open",
         [](const ConsumerStatus& s) { return s.circuit == CircuitState::Open ? 1 : 0; });
    family("meshdeck_consumer_paused", "gauge", "1 while paused.");
    each("meshdeck_consumer_paused", [](const ConsumerStatus& s) { return s.spec.paused ? 1 : 0; });
    family("meshdeck_consumer_delivery_latency_ms", "histogram",
           "From ingest to the sink's acknowledgement.");
    for (const auto& s : snap.consumers) {
        const auto& h = s.deliveryLatencyMs;
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < h.upperBounds().size(); ++i) {
            cumulative += h.bucketCounts()[i];
            out << "meshdeck_consumer_delivery_latency_ms_bucket{consumer=\"" << s.spec.name
                << "\",le=\"" << h.upperBounds()[i] << "\"} " << cumulative << '\n';
        }
        out << "meshdeck_consumer_delivery_latency_ms_bucket{consumer=\"" << s.spec.name
            << "\",le=\"+Inf\"} " << h.count() << '\n';
        out << "meshdeck_consumer_delivery_latency_ms_sum{consumer=\"" << s.spec.name << "\"} "
            << h.sum() << '\n';
        out << "meshdeck_consumer_delivery_latency_ms_count{consumer=\"" << s.spec.name << "\"} "
            << h.count() << '\n';
    }
    family("meshdeck_end_to_end_latency_ms", "summary",
           "From the root event's occurred_at to the consumer's acknowledgement.");
    for (const auto& s : snap.consumers)
        for (const auto& [type, h] : s.endToEndMs)
            for (double q : {0.5, 0.95, 0.99})
                out << "meshdeck_end_to_end_latency_ms{consumer=\"" << s.spec.name
                    << "\",event_type=\"" << type << "\",quantile=\"" << q << "\"} "
                    << h.quantile(q) << '\n';
    return out.str();
}

bool DeliveryApi::handle(const std::vector<std::string_view>& parts, ApiRequest& req,
                         const Principal& p, const Respond& respond) {
    const std::size_t n = parts.size();
    const std::string& m = req.method;
    auto named = [&](const char* route) {
        return [respond, route](ApiResponse r) {
            r.route = route;
            respond(std::move(r));
        };
    };
    auto& engine = core_.delivery();
    BrokerCore& core = core_;

    if (n == 2 && parts[1] == "flows" && m == "GET") {
        named("/v1/flows")(jsonResponse(200, protocol::value(liveFlows(core, p))));
        return true;
    }
    if (n >= 2 && parts[1] == "consumers") {
        if (n == 2 && m == "GET") {
            auto out = named("/v1/consumers");
            const auto snap = engine.snapshot();
            protocol::ConsumerList list{snap.lastSeq, {}, {}};
            for (const auto& s : snap.consumers)
                if (p.canSeeConsumer(s.spec.filter.tenant))
                    list.consumers.push_back(protocol::report(s, false));
            for (const auto& [type, h] : snap.outcomeEvents)
                list.outcomeEvents.push_back({type, protocol::summarize(h), std::nullopt});
            out(jsonResponse(200, protocol::value(list)));
            return true;
        }
        if ((n == 2 && m == "POST") || (n == 3 && m == "PUT")) {
            auto out = named(n == 2 ? "/v1/consumers" : "/v1/consumers/{name}");
            auto parsed = parseConsumerSpec(req.body);
            if (parsed.spec && n == 3 && parsed.spec->name != parts[2])
                parsed.violations.push_back(
                    {"/name", "must match the name in the path (" + std::string(parts[2]) + ")"});
            // A tenant's admin declares consumers of its own tenant's events only.
            if (parsed.spec && !p.allTenants()) {
                auto& tenant = parsed.spec->filter.tenant;
                if (!tenant)
                    tenant = p.tenant;
                else if (*tenant != p.tenant) {
                    out(problem::forbidden("this token may declare consumers of tenant '" +
                                           p.tenant + "' only, not '" + *tenant + "'"));
                    return true;
                }
                // The name is taken by another tenant's consumer: say only that.
                const auto owner = engine.consumerTenant(parsed.spec->name);
                if (owner && *owner != p.tenant) {
                    out(problem::make(409, "consumer", "Consumer not changed",
                                      "the name " + parsed.spec->name +
                                          " is taken; consumer names are unique in the mesh"));
                    return true;
                }
            }
            if (!parsed.violations.empty() || !parsed.spec) {
                out(problem::make(422, "invalid-consumer", "Invalid consumer",
                                  describe(parsed.violations), parsed.violations));
                return true;
            }
            parsed.spec->source = "api";
            core.runOnReader([&engine, spec = std::move(*parsed.spec), actor = p.tokenId,
                              mustBeNew = n == 2, out]() mutable {
                const std::string name = spec.name;
                const auto answer = engine.putConsumer(std::move(spec), actor, mustBeNew);
                if (answer.error)
                    return out(refused(answer.error, "consumer", "Consumer not changed"));
                const int status = answer.created ? 201 : 200;
                for (const auto& s : engine.snapshot().consumers)
                    if (s.spec.name == name)
                        return out(
                            jsonResponse(status, protocol::value(protocol::report(s, true))));
                out(jsonResponse(status, ojson{{"name", name}}));
            });
            return true;
        }
        if (n < 3)
            return false;
        const std::string name(parts[2]);
        if (n == 3 && m == "GET") {
            auto out = named("/v1/consumers/{name}");
            for (const auto& s : engine.snapshot().consumers)
                if (s.spec.name == name && p.canSeeConsumer(s.spec.filter.tenant)) {
                    out(jsonResponse(200, protocol::value(protocol::report(s, true))));
                    return true;
                }
            out(problem::notFound("no consumer named " + name));
            return true;
        }
        if (n == 3 && m == "DELETE") {
            auto out = named("/v1/consumers/{name}");
            core.runOnReader([&engine, name, actor = p.tokenId, out] {
                const auto answer = engine.deleteConsumer(name, actor);
                if (answer.error)
                    return out(refused(answer.error, "consumer", "Consumer not deleted"));
                ApiResponse r;
                r.status = 204;
                out(std::move(r));
            });
            return true;
        }
        if (n == 4 && m == "POST" && (parts[3] == "pause" || parts[3] == "resume")) {
            auto out = named(parts[3] == "pause" ? "/v1/consumers/{name}/pause"
                                                 : "/v1/consumers/{name}/resume");
            const bool pause = parts[3] == "pause";
            core.runOnReader([&engine, name, pause, actor = p.tokenId, out] {
                const auto answer = engine.setPaused(name, pause, actor);
                if (answer.error)
                    return out(refused(answer.error, "consumer", "Consumer unchanged"));
                out(jsonResponse(200, ojson{{"name", name}, {"paused", pause}}));
            });
            return true;
        }
        if (n == 4 && m == "GET" && parts[3] == "history") {
            auto out = named("/v1/consumers/{name}/history");
            const auto minutes = parseInt(queryValue(req, "minutes").value_or("60"));
            if (!minutes || *minutes < 1 || *minutes > 7 * 24 * 60) {
                out(problem::badRequest("minutes must be an integer from 1 to 10080 (7 days)"));
                return true;
            }
            core.runOnReader([&core, name, minutes = *minutes, out] {
                const Timestamp since = core.clock().now() - std::chrono::minutes(minutes);
                ojson rows = ojson::array();
                for (const auto& r : core.delivery().store().history(name, since))
                    rows.push_back({{"minute", formatRfc3339(r.minute)},
                                    {"delivered", r.delivered},
                                    {"failed", r.failed},
                                    {"retried", r.retried},
                                    {"dead_lettered", r.dead},
                                    {"lag_events", r.lagCount},
                                    {"lag_age_ms", r.lagAgeMs},
                                    {"p50_ms", r.p50Ms},
                                    {"p99_ms", r.p99Ms}});
                out(jsonResponse(200, ojson{{"consumer", name}, {"minutes", rows}}));
            });
            return true;
        }
        if (n == 4 && m == "POST" && parts[3] == "replay")
            return handleReplay(req, p, respond, {name});
        return false;
    }
    if (n == 2 && parts[1] == "replay" && m == "POST")
        return handleReplay(req, p, respond, {});

    if (n >= 2 && parts[1] == "dead-letters") {
        if (n == 2 && m == "GET") {
            auto out = named("/v1/dead-letters");
            DeadLetterQuery q;
            q.consumer = queryValue(req, "consumer");
            q.signature = queryValue(req, "signature");
            if (!p.allTenants())
                q.tenant = p.tenant;
            if (auto state = queryValue(req, "state")) {
                if (*state == "all")
                    q.state.reset();
                else if (*state == "open" || *state == "replayed" || *state == "discarded")
                    q.state = *state == "open"       ? DeadLetterState::Open
                              : *state == "replayed" ? DeadLetterState::Replayed
                                                     : DeadLetterState::Discarded;
                else {
                    out(problem::badRequest("state must be open, replayed, discarded or all"));
                    return true;
                }
            }
            Violations bad;
            q.limit = api::limitParam(req, bad);
            q.beforeId = api::beforeParam(req, "a dead letter id", bad).value_or(0);
            if (!bad.empty()) {
                out(problem::badRequest(describe(bad), bad));
                return true;
            }
            core.runOnReader([&core, q, out] {
                protocol::DeadLetterPage page{core.delivery().store().deadLetters(q), {}};
                if (page.letters.size() == static_cast<std::size_t>(std::clamp(q.limit, 1, 1000)))
                    page.nextBefore = page.letters.back().id;
                const ojson body = protocol::value(page);
                out(jsonResponse(200, body));
            });
            return true;
        }
        if (n == 3 && m == "GET" && parts[2] == "groups") {
            auto out = named("/v1/dead-letters/groups");
            const auto tenant = p.allTenants() ? std::nullopt : std::optional(p.tenant);
            core.runOnReader([&core, consumer = queryValue(req, "consumer"), tenant, out] {
                const protocol::DeadLetterGroups groups{
                    core.delivery().store().deadLetterGroups(consumer, tenant)};
                out(jsonResponse(200, protocol::value(groups)));
            });
            return true;
        }
        if (n == 3 && m == "GET") {
            auto out = named("/v1/dead-letters/{id}");
            const auto id = parseInt(parts[2]);
            if (!id) {
                out(problem::badRequest("a dead letter id is an integer"));
                return true;
            }
            core.runOnReader([&core, id = *id, p, out] {
                auto& store = core.delivery().store();
                const auto d = store.deadLetter(id);
                if (!d || !p.canSeeTenant(d->tenantId))
                    return out(problem::notFound("no dead letter " + std::to_string(id)));
                const protocol::DeadLetterDetail detail{*d, store.attemptsFor(d->consumer, d->seq)};
                const ojson j = protocol::value(detail);
                out(jsonResponse(200, j));
            });
            return true;
        }
        if (m != "POST")
            return false;
        const bool single = n == 4 && parts[3] == "replay";
        const bool replay = (n == 3 && parts[2] == "replay") || single;
        const bool discard = n == 3 && parts[2] == "discard";
        if (!replay && !discard)
            return false;
        auto out = named(single   ? "/v1/dead-letters/{id}/replay"
                         : replay ? "/v1/dead-letters/replay"
                                  : "/v1/dead-letters/discard");
        auto body = objectBody(req, out, single);
        if (!body)
            return true;
        Violations bad;
        DeadLetterSelection selection;
        std::optional<std::string> payload;
        if (single) {
            const auto id = parseInt(parts[2]);
            if (!id)
                bad.push_back({"", "a dead letter id is an integer"});
            else
                selection.ids = {*id};
            if (body->contains("payload"))
                payload = (*body)["payload"].dump();
        } else {
            selection = selectionFrom(*body, bad);
        }
        selection.tenantScope = p.allTenants() ? "*" : p.tenant;
        const std::string reason =
            json_read::member<std::string>(*body, "reason", bad).value_or("");
        if (discard && reason.find_first_not_of(" \t\n") == std::string::npos)
            bad.push_back({"/reason", "required: say why these dead letters are discarded"});
        if (!bad.empty()) {
            out(problem::badRequest(describe(bad), bad));
            return true;
        }
        core.runOnReader([&engine, selection, payload, reason, discard, actor = p.tokenId, out] {
            const DeadLetterActionResult result =
                discard   ? engine.discardDeadLetters(selection, reason, actor)
                : payload ? engine.editAndReplay(selection.ids.front(), *payload, actor,
                                                 selection.tenantScope)
                          : engine.replayDeadLetters(selection, actor);
            if (result.error)
                return out(refused(result.error, "dead-letter", "Dead letters unchanged"));
            out(jsonResponse(200, ojson{{discard ? "discarded" : "replayed", result.affected}}));
        });
        return true;
    }

    if (n == 3 && parts[1] == "traces" && m == "GET") {
        auto out = named("/v1/traces/{correlation_id}");
        core.runOnReader(
            [&core, cid = decodePathSegment(parts[2]), p, out] { out(trace(core, cid, p)); });
        return true;
    }
    if (n == 2 && parts[1] == "stall" && m == "GET") {
        auto out = named("/v1/stall");
        EventQuery q;
        q.limit = 100;
        if (auto cid = queryValue(req, "correlation_id"))
            q.correlationId = *cid;
        else if (auto entity = queryValue(req, "entity")) {
            const auto colon = entity->find(':');
            if (colon == std::string::npos || colon == 0 || colon + 1 == entity->size()) {
                out(problem::badRequest("entity is KIND:ID such as lead:L-1042"));
                return true;
            }
            q.entityKind = entity->substr(0, colon);
            q.entityId = entity->substr(colon + 1);
        } else {
            out(problem::badRequest("give correlation_id=... or entity=KIND:ID"));
            return true;
        }
        std::string refusal;
        q.tenantId = api::tenantParam(req, p, refusal);
        if (!refusal.empty()) {
            out(problem::forbidden(refusal));
            return true;
        }
        core.runOnReader([&core, q, p, out] { out(stall(core, q, p)); });
        return true;
    }
    return false;
}

bool DeliveryApi::handleReplay(ApiRequest& req, const Principal& p, const Respond& respond,
                               std::vector<std::string> consumers) {
    auto out = [respond, single = !consumers.empty()](ApiResponse r) {
        r.route = single ? "/v1/consumers/{name}/replay" : "/v1/replay";
        respond(std::move(r));
    };
    auto body = objectBody(req, out, true);
    if (!body)
        return true;
    ReplayRequest r;
    r.consumers = std::move(consumers);
    r.actor = p.tokenId;
    r.tenantScope = p.allTenants() ? "*" : p.tenant;
    Violations bad;
    if (body->contains("consumers")) {
        if (!(*body)["consumers"].is_array())
            bad.push_back({"/consumers", "expected an array of consumer names"});
        else
            for (const auto& c : (*body)["consumers"])
                if (c.is_string())
                    r.consumers.push_back(c.get<std::string>());
                else
                    bad.push_back({"/consumers",
                                   "expected consumer names, got " + jsonpath::describeValue(c)});
    }
    if (body->contains("from_seq")) {
        if (!(*body)["from_seq"].is_number_integer() || (*body)["from_seq"].get<std::int64_t>() < 1)
            bad.push_back({"/from_seq", "expected a seq (an integer >= 1)"});
        else
            r.fromSeq = (*body)["from_seq"].get<std::int64_t>();
    }
    if (body->contains("since")) {
        const auto t = (*body)["since"].is_string()
                           ? parseRfc3339((*body)["since"].get<std::string>())
                           : std::nullopt;
        if (!t)
            bad.push_back({"/since", "expected an RFC 3339 time such as 2026-11-27T09:00:00Z"});
        r.since = t;
    }
    if (!r.fromSeq && !r.since)
        bad.push_back({"", "say where to start: \"from_seq\" or \"since\""});
    if (body->contains("filter")) {
        // The filter reads like a consumer's; parse it through a throwaway spec.
        json probe = {
            {"name", "replay"}, {"sink", {{"type", "none"}}}, {"filter", (*body)["filter"]}};
        auto parsed = parseConsumerSpec(probe.dump());
        for (auto& v : parsed.violations)
            bad.push_back(std::move(v));
        if (parsed.spec)
            r.filter = parsed.spec->filter;
    }
    r.ratePerSecond = json_read::member<double>(*body, "rate_per_second", bad).value_or(0.0);
    if (r.ratePerSecond < 0 || r.ratePerSecond > 1e6)
        bad.push_back(
            {"/rate_per_second", "expected events per second from 0 (no cap) to 1000000"});
    r.dryRun = json_read::member<bool>(*body, "dry_run", bad).value_or(false);
    if (!bad.empty()) {
        out(problem::badRequest(describe(bad), bad));
        return true;
    }
    core_.runOnReader([&engine = core_.delivery(), r, out] {
        const ReplayResult result = engine.replay(r);
        if (result.error)
            return out(refused(result.error, "replay", "Replay refused"));
        ojson counts = ojson::array();
        for (const auto& c : result.counts)
            counts.push_back({{"consumer", c.consumer},
                              {"events", c.events},
                              {"already_delivered", c.alreadyDelivered},
                              {"from_seq", c.fromSeq},
                              {"to_seq", c.toSeq}});
        out(jsonResponse(r.dryRun ? 200 : 202,
                         ojson{{"dry_run", r.dryRun}, {"consumers", counts}}));
    });
    return true;
}

ApiResponse DeliveryApi::trace(BrokerCore& core, const std::string& cid, const Principal& p) {
    EventQuery q;
    q.correlationId = cid;
    q.limit = 1000;
    if (!p.allTenants())
        q.tenantId = p.tenant;
    const auto events = core.log().query(q).events;
    auto& store = core.delivery().store();
    auto attempts = store.attemptsByCorrelation(cid);
    const auto letters = store.deadLettersByCorrelation(cid);
    auto outcomes = store.outcomesByCorrelation(cid);
    if (!p.allTenants()) {
        // A tenant's token sees what happened to its own events, at its own
        // consumers; the same correlation id may be another tenant's too.
        std::set<std::string, std::less<>> own;
        for (const auto& e : events)
            own.insert(e.eventId);
        const auto foreign = [&](const auto& row) {
            return !own.contains(row.eventId) ||
                   core.delivery().consumerTenant(row.consumer) != p.tenant;
        };
        std::erase_if(attempts, foreign);
        std::erase_if(outcomes, foreign);
    }
    if (events.empty() && attempts.empty())
        return problem::notFound("nothing is known about correlation id " + cid +
                                 "; GET /v1/stall?correlation_id=" + cid +
                                 " checks the quarantine");

    protocol::Trace answer{cid, static_cast<std::int64_t>(events.size()), {}, {}};
    // Rows in time order; at the same instant events come first, then
    // attempts, dead letters, their resolutions and outcomes (the variant's order).
    auto& timeline = answer.timeline;
    for (const auto& e : events)
        timeline.emplace_back(protocol::tracedEvent(e));
    for (const auto& a : attempts)
        timeline.emplace_back(a);
    for (const auto& d : letters) {
        if (!p.canSeeTenant(d.tenantId))
            continue;
        timeline.emplace_back(d);
        if (d.resolvedAt)
            timeline.emplace_back(protocol::TracedResolution{
                d.state, d.id, d.consumer, d.eventId, d.resolvedBy, d.reason, *d.resolvedAt});
    }
    // Each outcome against its consumer's SLO target, when it sets one.
    std::map<std::string, std::int64_t, std::less<>> targets;
    for (const auto& c : core.delivery().snapshot().consumers)
        if (c.spec.slo.target.count() > 0)
            targets.emplace(c.spec.name, c.spec.slo.target.count());
    for (const auto& o : outcomes) {
        protocol::TracedOutcome row{o.consumer, o.eventId,   o.eventType, o.outcomeJson,
                                    o.at,       o.latencyMs, {},          {}};
        if (const auto t = targets.find(o.consumer); t != targets.end()) {
            row.sloTargetMs = t->second;
            row.sloMet = o.latencyMs <= t->second;
        }
        timeline.emplace_back(std::move(row));
    }
    std::stable_sort(timeline.begin(), timeline.end(),
                     [](const protocol::TraceEntry& a, const protocol::TraceEntry& b) {
                         const Timestamp ta = protocol::entryTime(a), tb = protocol::entryTime(b);
                         return ta != tb ? ta < tb : a.index() < b.index();
                     });

    // The causation tree: roots are events whose cause is not in this trace.
    std::map<std::string, std::vector<const Event*>> children;
    std::set<std::string> ids;
    for (const auto& e : events)
        ids.insert(e.eventId);
    std::vector<const Event*> roots;
    for (const auto& e : events) {
        if (e.causationId.empty() || !ids.count(e.causationId))
            roots.push_back(&e);
        else
            children[e.causationId].push_back(&e);
    }
    std::function<protocol::CausationNode(const Event*, int)> node = [&](const Event* e,
                                                                         int depth) {
        protocol::CausationNode n{e->eventId, e->eventType, e->seq, {}};
        if (depth < 32)
            for (const Event* child : children[e->eventId])
                n.caused.push_back(node(child, depth + 1));
        return n;
    };
    for (const Event* root : roots)
        answer.causation.push_back(node(root, 0));
    return jsonResponse(200, protocol::value(answer));
}

ApiResponse DeliveryApi::stall(BrokerCore& core, const EventQuery& q, const Principal& p) {
    const auto events = core.log().query(q).events;
    const std::string subject =
        q.correlationId ? "correlation id " + *q.correlationId
                        : "entity " + q.entityKind.value_or("") + ':' + q.entityId.value_or("");
    using protocol::StallAnswer;
    using protocol::StallSubject;
    if (events.empty()) {
        // Never accepted? The quarantine keeps what was refused, with the reason.
        const std::string needle = q.correlationId.value_or(q.entityId.value_or(""));
        for (const auto& entry : core.quarantine().list(
                 500, std::nullopt, p.allTenants() ? std::nullopt : std::optional(p.tenant)))
            if (!needle.empty() && entry.body.find(needle) != std::string::npos)
                return jsonResponse(
                    200, protocol::value(StallAnswer{
                             subject,
                             StallSubject::Rejected,
                             StallState::Pending,
                             "Rejected at ingest at " + formatRfc3339(entry.receivedAt) + " (" +
                                 entry.reason + ", HTTP " + std::to_string(entry.status) +
                                 "); see quarantine entry " + std::to_string(entry.id) + '.',
                             {},
                             protocol::QuarantineEvidence{entry.id, entry.detail}}));
        return jsonResponse(
            200, protocol::value(StallAnswer{subject,
                                             StallSubject::Unknown,
                                             StallState::Pending,
                                             "No event with " + subject +
                                                 " was received, and nothing was rejected "
                                                 "with it: check the producer.",
                                             {},
                                             std::nullopt}));
    }
    auto findings = core.delivery().stall(events);
    if (!p.allTenants())
        std::erase_if(findings, [&](const StallFinding& f) {
            return core.delivery().consumerTenant(f.consumer) != p.tenant;
        });
    // The headline is the most urgent finding: what an operator should act on first.
    const StallFinding* headline = nullptr;
    for (const auto& f : findings)
        if (!headline || urgency(f.state) < urgency(headline->state))
            headline = &f;
    StallAnswer answer{subject,     StallSubject::Findings, StallState::Pending, {}, findings,
                       std::nullopt};
    const bool allDone = std::all_of(findings.begin(), findings.end(),
                                     [](const StallFinding& f) { return isSettled(f.state); });
    if (!headline) {
        answer.kind = StallSubject::NoConsumer;
        answer.answer = std::to_string(events.size()) + " event(s) with " + subject +
                        " were accepted; no consumer subscribes to them.";
    } else if (allDone) {
        answer.state = StallState::Delivered;
        answer.answer = "Nothing is stuck: all " + std::to_string(events.size()) +
                        " event(s) with " + subject + " reached every consumer that takes them.";
    } else {
        answer.state = headline->state;
        answer.answer = headline->sentence;
    }
    return jsonResponse(200, protocol::value(answer));
}

} // namespace meshdeck
