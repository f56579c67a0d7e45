// meshctl's delivery commands: consumers, dead letters, traces, stall, flows.

#include "cli.h"
#include "core/protocol/consumer_status.h"
#include "core/protocol/dead_letter.h"
#include "core/protocol/flow.h"
#include "core/protocol/stall.h"
#include "core/protocol/trace.h"

#include <algorithm>
#include <cmath>
#include <iostream>

namespace meshctl {

namespace protocol = meshdeck::protocol;
using meshdeck::AttemptRecord;
using meshdeck::DeadLetter;
using meshdeck::formatRfc3339;
using meshdeck::delivery::FailureClass;
using protocol::ConsumerReport;

namespace {

std::string str(std::string_view text) {
    return std::string(text);
}

long long deadLetterId(const std::string& text) {
    try {
        std::size_t used = 0;
        const long long id = std::stoll(text, &used);
        if (used == text.size() && id > 0)
            return id;
    } catch (const std::exception&) {
    }
    fail("'" + text + "' is not a dead letter id (an integer, as meshctl dlq list shows)");
}

std::string sinkText(const ConsumerReport& c) {
    return c.sink == meshdeck::SinkKind::Webhook ? "webhook " + c.url : str(toString(c.sink));
}

std::string oldestPending(const ConsumerReport& c) {
    return c.lagEvents == 0 ? "-" : milliseconds(static_cast<double>(c.oldestPendingAgeMs));
}

std::string latencyText(const protocol::LatencySummary& h) {
    if (h.count == 0)
        return "no deliveries yet";
    return "p50 " + milliseconds(h.p50Ms) + ", p95 " + milliseconds(h.p95Ms) + ", p99 " +
           milliseconds(h.p99Ms) + ", max " + milliseconds(h.maxMs) + " (" +
           std::to_string(h.count) + ")";
}

std::string number(double value) {
    return json(value).dump();
}

} // namespace

static int consumerList(Options& o, MeshClient& client) {
    const auto body =
        answer<protocol::ConsumerList>(o, client, "GET", "/v1/consumers", "consumers");
    if (!body)
        return 0;
    Table table(
        {"NAME", "STATE", "LAG", "OLDEST", "IN-FLIGHT", "DELIVERED", "DEAD", "CIRCUIT", "SINK"});
    for (const auto& c : body->consumers)
        table.add({c.name, str(toString(c.state)), std::to_string(c.lagEvents), oldestPending(c),
                   std::to_string(c.inFlight), std::to_string(c.delivered),
                   std::to_string(c.deadLettered), str(toString(c.circuit)), sinkText(c)});
    std::cout << (table.empty() ? std::string("no consumers\n") : table.render());
    return 0;
}

// The consumers furthest behind first: by the age of the oldest pending event.
static int consumerLag(Options& o, MeshClient& client) {
    auto body = answer<protocol::ConsumerList>(o, client, "GET", "/v1/consumers", "consumers lag");
    if (!body)
        return 0;
    auto& consumers = body->consumers;
    std::stable_sort(consumers.begin(), consumers.end(),
                     [](const ConsumerReport& a, const ConsumerReport& b) {
                         const auto key = [](const ConsumerReport& c) {
                             return std::pair(c.lagEvents ? c.oldestPendingAgeMs : -1, c.lagEvents);
                         };
                         return key(a) > key(b);
                     });
    Table table(
        {"NAME", "LAG", "OLDEST", "ACK-FLOOR", "IN-FLIGHT", "RETRYING", "BLOCKED", "STATE"});
    for (const auto& c : consumers)
        table.add({c.name, std::to_string(c.lagEvents), oldestPending(c),
                   std::to_string(c.ackFloor), std::to_string(c.inFlight),
                   std::to_string(c.retrying), std::to_string(c.blockedEntities),
                   str(toString(c.state))});
    std::cout << (table.empty()
                      ? std::string("no consumers\n")
                      : "log at seq " + std::to_string(body->lastSeq) + '\n' + table.render());
    return 0;
}

static int consumerShow(Options& o, MeshClient& client) {
    const std::string& name = argument(o, 1, "meshctl consumers show NAME");
    const auto c = answer<ConsumerReport>(o, client, "GET", "/v1/consumers/" + urlEncode(name),
                                          "consumers show");
    if (!c)
        return 0;
    std::vector<std::pair<std::string, std::string>> fields = {{"name", c->name}};
    if (!c->description.empty())
        fields.emplace_back("description", c->description);
    fields.emplace_back("state", str(toString(c->state)));
    fields.emplace_back("sink", sinkText(*c));
    fields.emplace_back("declared in", c->source);
    fields.emplace_back("ack floor", "seq " + std::to_string(c->ackFloor));
    fields.emplace_back("lag", std::to_string(c->lagEvents) + " event(s), oldest pending " +
                                   oldestPending(*c));
    fields.emplace_back("in flight", std::to_string(c->inFlight) + ", retrying " +
                                         std::to_string(c->retrying) + ", blocked entities " +
                                         std::to_string(c->blockedEntities));
    std::string circuit = str(toString(c->circuit));
    if (c->probeAt)
        circuit += ", probed again at " + formatRfc3339(*c->probeAt);
    fields.emplace_back("circuit", circuit);
    if (c->sink == meshdeck::SinkKind::WebSocket)
        fields.emplace_back("subscribers", std::to_string(c->subscribers));
    fields.emplace_back("totals", "delivered " + std::to_string(c->delivered) +
                                      ", failed attempts " + std::to_string(c->failedAttempts) +
                                      ", throttled " + std::to_string(c->throttled) +
                                      ", dead-lettered " + std::to_string(c->deadLettered) +
                                      ", stale skipped " + std::to_string(c->staleSkipped) +
                                      ", gaps waited " + std::to_string(c->gapsWaited) +
                                      ", replayed " + std::to_string(c->replayed));
    fields.emplace_back("delivery latency", latencyText(c->deliveryLatency));
    for (const auto& row : c->endToEnd) {
        std::string line = latencyText(row.latency);
        if (row.slo)
            line += "; target p" + number(row.slo->percentile) +
                    " <= " + milliseconds(static_cast<double>(row.slo->targetMs)) +
                    (row.slo->met ? ": met" : ": missed");
        fields.emplace_back("end to end " + row.eventType, line);
    }
    if (!c->lastError.empty())
        fields.emplace_back("last error",
                            oneLine(c->lastError) + " (" + timeText(c->lastErrorAt) + ")");
    const json spec = json::parse(c->specJson.value_or("{}"), nullptr, false);
    std::cout << renderFields(fields) << "spec:\n" << spec.dump(2) << '\n';
    return 0;
}

static int consumerPause(Options& o, MeshClient& client, bool pause) {
    const std::string verb = pause ? "pause" : "resume";
    const std::string& name = argument(o, 1, "meshctl consumers " + verb + " NAME");
    send(o, client, "POST", "/v1/consumers/" + urlEncode(name) + '/' + verb, "consumers " + verb);
    if (!o.json)
        std::cout << "consumer " << name << (pause ? " paused" : " resumed") << '\n';
    return 0;
}

// create: POST, and the name must be new; apply: PUT, creating or changing.
static int consumerPut(Options& o, MeshClient& client, bool create) {
    const std::string verb = create ? "create" : "apply";
    const std::string& path = argument(o, 1, "meshctl consumers " + verb + " FILE");
    const json spec = json::parse(readInput(path), nullptr, false);
    if (!spec.is_object())
        fail(path + " is not a JSON object: expected one consumer spec");
    const std::string name = field(spec, "/name");
    if (!create && name.empty())
        fail(path + " has no \"name\": apply needs it to know which consumer to change");
    const HttpResult r =
        create ? send(o, client, "POST", "/v1/consumers", "consumers create", spec.dump())
               : send(o, client, "PUT", "/v1/consumers/" + urlEncode(name), "consumers apply",
                      spec.dump());
    if (!o.json) {
        const auto c = protocol::fromJson<ConsumerReport>(r.body);
        if (!c)
            fail(verb + ": the mesh's answer could not be read: " + c.error(), 1);
        std::cout << (r.status == 201 ? "created" : "changed") << " consumer " << c.value->name
                  << " (" << sinkText(*c.value) << ", " << toString(c.value->state) << ")\n";
    }
    return 0;
}

static int consumerDelete(Options& o, MeshClient& client) {
    const std::string& name = argument(o, 1, "meshctl consumers delete NAME");
    send(o, client, "DELETE", "/v1/consumers/" + urlEncode(name), "consumers delete");
    if (!o.json)
        std::cout << "consumer " << name << " deleted\n";
    return 0;
}

static int consumerReplay(Options& o, MeshClient& client) {
    const std::vector<std::string> names(o.positional.begin() + 1, o.positional.end());
    if (names.empty() || o.flags.count("--from-seq") == o.flags.count("--since"))
        fail("usage: meshctl consumers replay NAME... (--from-seq N | --since TIME) "
             "[--type TYPE]... [--rate N] [--dry-run]");
    json request = json::object();
    if (o.flags.count("--from-seq"))
        request["from_seq"] = integerFlag(o, "--from-seq");
    else
        request["since"] = o.flags["--since"];
    if (o.repeated.count("--type"))
        request["filter"] = {{"event_types", o.repeated["--type"]}};
    if (o.flags.count("--rate"))
        request["rate_per_second"] = numberFlag(o, "--rate");
    const bool dryRun = o.flags.count("--dry-run") > 0;
    request["dry_run"] = dryRun;
    std::string target = "/v1/consumers/" + urlEncode(names.front()) + "/replay";
    if (names.size() > 1) {
        request["consumers"] = names;
        target = "/v1/replay";
    }
    const json body = call(o, client, "POST", target, "consumers replay", request.dump());
    if (o.json)
        return 0;
    Table table({"CONSUMER", "EVENTS", "ALREADY-DELIVERED", "SEQS"});
    long long events = 0;
    for (const auto& c : body["consumers"]) {
        events += integer(c, "/events");
        table.add(
            {field(c, "/consumer"), field(c, "/events"), field(c, "/already_delivered"),
             integer(c, "/events") ? field(c, "/from_seq") + ".." + field(c, "/to_seq") : "-"});
    }
    std::cout << table.render()
              << (dryRun ? "dry run: nothing was sent\n"
                         : "queued: " + std::to_string(events) + " event(s) to deliver again\n");
    return 0;
}

int consumers(Options& o, MeshClient& client) {
    const std::string sub = o.positional.empty() ? "list" : o.positional[0];
    if (sub == "list")
        return consumerList(o, client);
    if (sub == "lag")
        return consumerLag(o, client);
    if (sub == "show")
        return consumerShow(o, client);
    if (sub == "pause" || sub == "resume")
        return consumerPause(o, client, sub == "pause");
    if (sub == "create" || sub == "apply")
        return consumerPut(o, client, sub == "create");
    if (sub == "delete")
        return consumerDelete(o, client);
    if (sub == "replay")
        return consumerReplay(o, client);
    fail("unknown command 'consumers " + sub + "'\n\n" + kUsage);
}

static int dlqList(Options& o, MeshClient& client) {
    std::string target =
        "/v1/dead-letters?limit=" + urlEncode(o.flags.count("--limit") ? o.flags["--limit"] : "50");
    if (o.flags.count("--consumer"))
        target += "&consumer=" + urlEncode(o.flags["--consumer"]);
    if (o.flags.count("--state"))
        target += "&state=" + urlEncode(o.flags["--state"]);
    const auto page = answer<protocol::DeadLetterPage>(o, client, "GET", target, "dlq list");
    if (!page)
        return 0;
    Table table({"ID", "DEAD-AT", "CONSUMER", "SEQ", "TYPE", "ENTITY", "STATE", "ATTEMPTS", "CLASS",
                 "ERROR"});
    for (const auto& d : page->letters)
        table.add({std::to_string(d.id), formatRfc3339(d.deadAt), d.consumer, std::to_string(d.seq),
                   d.eventType, d.entity, str(meshdeck::toString(d.state)),
                   std::to_string(d.attempts), str(toString(d.failureClass)), oneLine(d.error)});
    if (table.empty()) {
        std::cout << "no dead letters match\n";
        return 0;
    }
    std::cout << table.render();
    if (page->nextBefore)
        std::cout << "(more: raise --limit)\n";
    return 0;
}

static int dlqGroups(Options& o, MeshClient& client) {
    std::string target = "/v1/dead-letters/groups";
    if (o.flags.count("--consumer"))
        target += "?consumer=" + urlEncode(o.flags["--consumer"]);
    const auto body = answer<protocol::DeadLetterGroups>(o, client, "GET", target, "dlq groups");
    if (!body)
        return 0;
    // The signature comes last, never cut: it is what dlq replay --signature takes.
    Table table({"CONSUMER", "COUNT", "CLASS", "FIRST", "LAST", "SIGNATURE"});
    for (const auto& g : body->groups)
        table.add({g.consumer, std::to_string(g.count), str(toString(g.failureClass)),
                   formatRfc3339(g.firstAt), formatRfc3339(g.lastAt), g.signature});
    std::cout << (table.empty() ? std::string("no open dead letters\n") : table.render());
    return 0;
}

static std::string attemptError(const AttemptRecord& a) {
    std::string error = oneLine(a.error);
    const std::string response = oneLine(a.response);
    if (!response.empty() && error.find(response) == std::string::npos)
        error += (error.empty() ? "" : "; ") + std::string("response: ") + response;
    return error;
}

static int dlqShow(Options& o, MeshClient& client) {
    const long long id = deadLetterId(argument(o, 1, "meshctl dlq show ID"));
    const auto detail = answer<protocol::DeadLetterDetail>(
        o, client, "GET", "/v1/dead-letters/" + std::to_string(id), "dlq show");
    if (!detail)
        return 0;
    const DeadLetter& d = detail->letter;
    const std::string state(meshdeck::toString(d.state));
    std::vector<std::pair<std::string, std::string>> fields = {
        {"dead letter", std::to_string(d.id)},
        {"state", state},
        {"consumer", d.consumer},
        {"event", d.eventType + ' ' + d.eventId + " (seq " + std::to_string(d.seq) + ")"},
        {"entity", d.entity},
        {"correlation id", d.correlationId},
        {"failed", str(toString(d.failureClass)) + ": " + oneLine(d.error)},
        {"dead at",
         formatRfc3339(d.deadAt) + " after " + std::to_string(d.attempts) + " attempt(s)"},
        {"signature", d.signature}};
    if (d.resolvedAt) {
        std::string resolved = formatRfc3339(*d.resolvedAt) + " by " + d.resolvedBy;
        if (!d.reason.empty())
            resolved += ": " + d.reason;
        fields.emplace_back(state, resolved);
    }
    if (d.parentId)
        fields.emplace_back("replay of", "dead letter " + std::to_string(*d.parentId));
    if (!d.payloadOverride.empty())
        fields.emplace_back("edited payload", d.payloadOverride);
    std::cout << renderFields(fields) << '\n';

    Table attempts({"ATTEMPT", "TIME", "TOOK", "STATUS", "CLASS", "ERROR"});
    for (const auto& a : detail->attempts)
        attempts.add({std::to_string(a.attempt) + (a.replay ? " (replay)" : ""),
                      formatRfc3339(a.startedAt),
                      milliseconds(static_cast<double>(a.durationUs) / 1000.0),
                      a.status ? std::to_string(a.status) : "-", str(toString(a.failureClass)),
                      attemptError(a)});
    std::cout << (attempts.empty() ? std::string("no attempts recorded\n") : attempts.render());
    const json event = json::parse(d.eventJson, nullptr, false);
    if (event.is_object() && event.contains("payload"))
        std::cout << "\npayload:\n" << event["payload"].dump(2) << '\n';
    return 0;
}

// dlq replay and dlq discard: by ids, or a consumer's group by its signature.
static int dlqResolve(Options& o, MeshClient& client, bool discard) {
    const std::string verb = discard ? "discard" : "replay";
    const std::string usage =
        "meshctl dlq " + verb + " ID... | --consumer C --signature S" +
        (discard ? "  --reason TEXT" : "\n       meshctl dlq replay ID --payload FILE");
    const std::string reason = o.flags.count("--reason") ? o.flags["--reason"] : "";
    if (discard && reason.find_first_not_of(" \t\n") == std::string::npos)
        fail("dlq discard needs --reason TEXT: say why these dead letters are closed unsent "
             "(the reason goes to the audit log)");
    std::vector<long long> ids;
    for (std::size_t i = 1; i < o.positional.size(); ++i)
        ids.push_back(deadLetterId(o.positional[i]));
    const bool group = o.flags.count("--consumer") || o.flags.count("--signature");
    if (ids.empty() == !group)
        fail("usage: " + usage);
    if (group && !(o.flags.count("--consumer") && o.flags.count("--signature")))
        fail("a group is one consumer's dead letters: give --consumer C and --signature S "
             "(meshctl dlq groups lists them)");

    if (o.flags.count("--payload")) {
        if (discard || ids.size() != 1)
            fail("--payload edits one dead letter: meshctl dlq replay ID --payload FILE");
        const std::string& path = o.flags["--payload"];
        const json payload = json::parse(readInput(path), nullptr, false);
        if (!payload.is_object())
            fail(path + " is not a JSON object: expected the event's edited payload");
        const json body =
            call(o, client, "POST", "/v1/dead-letters/" + std::to_string(ids.front()) + "/replay",
                 "dlq replay", json{{"payload", payload}}.dump());
        if (!o.json)
            std::cout << "replayed dead letter " << ids.front() << " with the payload from " << path
                      << '\n';
        return 0;
    }
    json request =
        group ? json{{"consumer", o.flags["--consumer"]}, {"signature", o.flags["--signature"]}}
              : json{{"ids", ids}};
    if (discard)
        request["reason"] = reason;
    const json body =
        call(o, client, "POST", "/v1/dead-letters/" + verb, "dlq " + verb, request.dump());
    if (o.json)
        return 0;
    const json affected = body.value(discard ? "discarded" : "replayed", json::array());
    std::string list;
    for (const auto& id : affected)
        list += (list.empty() ? ": " : ", ") + id.dump();
    std::cout << (discard ? "discarded " : "replayed ") << affected.size() << " dead letter(s)"
              << list << '\n';
    return 0;
}

int dlq(Options& o, MeshClient& client) {
    const std::string sub = o.positional.empty() ? "list" : o.positional[0];
    if (sub == "list")
        return dlqList(o, client);
    if (sub == "groups")
        return dlqGroups(o, client);
    if (sub == "show")
        return dlqShow(o, client);
    if (sub == "replay" || sub == "discard")
        return dlqResolve(o, client, sub == "discard");
    fail("unknown command 'dlq " + sub + "'\n\n" + kUsage);
}

static void printCausation(const protocol::CausationNode& node, int depth, std::string& out) {
    out += std::string(2 * depth, ' ') + node.eventType + ' ' + node.eventId + " (seq " +
           std::to_string(node.seq) + ")\n";
    for (const auto& child : node.caused)
        printCausation(child, depth + 1, out);
}

namespace {

// One timeline row as the table's cells.
struct TraceRow {
    std::string kind, consumer, type, eventId, status, failureClass, detail;
};

struct TraceRowOf {
    const std::map<std::string, std::string>& types; // event id -> type

    TraceRow operator()(const protocol::TracedEvent& e) const {
        return {"event",
                "",
                e.eventType,
                e.eventId,
                "",
                "",
                "seq " + std::to_string(e.seq) + ", " + e.entity +
                    (e.entityVersion ? " v" + std::to_string(*e.entityVersion) : "") + ", from " +
                    e.producer};
    }
    TraceRow operator()(const AttemptRecord& a) const {
        const std::string kind = a.replay                                ? "replay-attempt"
                                 : a.failureClass == FailureClass::Stale ? "stale"
                                                                         : "attempt";
        return {kind,
                a.consumer,
                typeOf(a.eventId),
                a.eventId,
                a.status ? std::to_string(a.status) : "-",
                str(toString(a.failureClass)),
                "attempt " + std::to_string(a.attempt) + ", " +
                    milliseconds(static_cast<double>(a.durationUs) / 1000.0) +
                    (a.error.empty() ? "" : ": " + oneLine(a.error))};
    }
    TraceRow operator()(const DeadLetter& d) const {
        return {"dead-letter",
                d.consumer,
                d.eventType,
                d.eventId,
                "",
                str(toString(d.failureClass)),
                "dead letter " + std::to_string(d.id) + " after " + std::to_string(d.attempts) +
                    " attempt(s): " + oneLine(d.error)};
    }
    TraceRow operator()(const protocol::TracedResolution& r) const {
        return {r.state == meshdeck::DeadLetterState::Replayed ? "replay" : "discard",
                r.consumer,
                typeOf(r.eventId),
                r.eventId,
                "",
                "",
                "dead letter " + std::to_string(r.deadLetter) + " by " + r.by +
                    (r.reason.empty() ? "" : ": " + r.reason)};
    }
    TraceRow operator()(const protocol::TracedOutcome& o) const {
        return {"outcome",
                o.consumer,
                o.eventType,
                o.eventId,
                "",
                "",
                o.outcomeJson + " (" + milliseconds(static_cast<double>(o.latencyMs)) +
                    " after the root event)"};
    }
    std::string typeOf(const std::string& eventId) const {
        const auto it = types.find(eventId);
        return it == types.end() ? std::string() : it->second;
    }
};

} // namespace

int trace(Options& o, MeshClient& client) {
    const std::string& cid = argument(o, 0, "meshctl trace CORRELATION_ID");
    const auto body =
        answer<protocol::Trace>(o, client, "GET", "/v1/traces/" + urlEncode(cid), "trace");
    if (!body)
        return 0;
    // Attempts name only the event id; the event rows give its type.
    std::map<std::string, std::string> types;
    for (const auto& entry : body->timeline)
        if (const auto* e = std::get_if<protocol::TracedEvent>(&entry))
            types[e->eventId] = e->eventType;
    Table table({"TIME", "KIND", "CONSUMER", "TYPE", "EVENT", "STATUS", "CLASS", "DETAIL"});
    for (const auto& entry : body->timeline) {
        const TraceRow row = std::visit(TraceRowOf{types}, entry);
        table.add({formatRfc3339(protocol::entryTime(entry)), row.kind, row.consumer, row.type,
                   row.eventId, row.status, row.failureClass, row.detail});
    }
    std::string causation;
    for (const auto& root : body->causation)
        printCausation(root, 1, causation);
    std::cout << table.render() << "\ncausation:\n" << causation;
    return 0;
}

int stall(Options& o, MeshClient& client) {
    const std::string usage = "usage: meshctl stall --correlation-id ID | --entity KIND:ID";
    const bool byCorrelation = o.flags.count("--correlation-id") || o.flags.count("--correlation");
    if (byCorrelation == (o.flags.count("--entity") > 0))
        fail(usage);
    std::string target =
        byCorrelation ? "/v1/stall?correlation_id=" + urlEncode(o.flags.count("--correlation-id")
                                                                    ? o.flags["--correlation-id"]
                                                                    : o.flags["--correlation"])
                      : "/v1/stall?entity=" + urlEncode(o.flags["--entity"]);
    if (o.flags.count("--tenant"))
        target += "&tenant=" + urlEncode(o.flags["--tenant"]);
    const auto body = answer<protocol::StallAnswer>(o, client, "GET", target, "stall");
    if (!body)
        return 0;
    std::cout << body->answer << '\n';
    if (!body->evidence.empty()) {
        Table table({"CONSUMER", "SEQ", "STATE", "EVIDENCE"});
        for (const auto& f : body->evidence)
            table.add(
                {f.consumer, std::to_string(f.seq), str(toString(f.state)), oneLine(f.sentence)});
        std::cout << '\n' << table.render();
    } else if (body->quarantine) {
        // The problem is what the producer was answered: a problem+json document.
        const json problem = json::parse(body->quarantine->problemJson, nullptr, false);
        std::cout << "\nquarantine entry " << body->quarantine->id << ": "
                  << field(problem, "/detail") << '\n';
        for (const auto& v : problem.value("/violations"_json_pointer, json::array()))
            std::cout << "  " << field(v, "/path") << ": " << field(v, "/message") << '\n';
    }
    return 0;
}

static std::string perSecond(double rate) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f/s", rate);
    return text;
}

int flows(Options& o, MeshClient& client) {
    const auto body = answer<protocol::FlowSnapshot>(o, client, "GET", "/v1/flows", "flows");
    if (!body)
        return 0;
    std::cout << "since " << formatRfc3339(body->since) << "; rates over the last "
              << body->windowSeconds << " s\n\n";
    Table producers({"PRODUCER", "TENANT", "TYPE", "PUBLISHED", "RATE", "REJECTED"});
    for (const auto& e : body->producers)
        producers.add({e.producer, e.tenant, e.eventType, std::to_string(e.published),
                       perSecond(e.publishedPerSecond), std::to_string(e.rejected)});
    Table consumers(
        {"TYPE", "CONSUMER", "DELIVERED", "RATE", "FAILED", "DEAD", "ERRORS", "LAST ERROR"});
    for (const auto& e : body->consumers) {
        char share[16];
        std::snprintf(share, sizeof share, "%.0f %%", 100 * e.errorRatio);
        consumers.add({e.eventType, e.consumer, std::to_string(e.delivered),
                       perSecond(e.deliveredPerSecond), std::to_string(e.failed),
                       std::to_string(e.deadLettered), share, oneLine(e.lastError)});
    }
    std::cout << (producers.empty() ? std::string("no events published since the start\n")
                                    : producers.render())
              << '\n'
              << (consumers.empty() ? std::string("no deliveries since the start\n")
                                    : consumers.render());
    return 0;
}

} // namespace meshctl
