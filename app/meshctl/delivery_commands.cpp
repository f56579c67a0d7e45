// meshctl's delivery commands: consumers, dead letters, traces, stall, flows.

#include "cli.h"

#include <algorithm>
#include <cmath>
#include <iostream>

namespace meshctl {

namespace {

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

std::string sinkText(const json& consumer) {
    const std::string kind = field(consumer, "/sink");
    return kind == "webhook" ? kind + ' ' + field(consumer, "/url") : kind;
}

std::string oldestPending(const json& consumer) {
    return integer(consumer, "/lag/events") == 0 ? "-"
                                                 : milliseconds(consumer, "/lag/oldest_age_ms");
}

} // namespace

static int consumerList(Options& o, MeshClient& client) {
    const json body = call(o, client, "GET", "/v1/consumers", "consumers");
    if (o.json)
        return 0;
    Table table(
        {"NAME", "STATE", "LAG", "OLDEST", "IN-FLIGHT", "DELIVERED", "DEAD", "CIRCUIT", "SINK"});
    for (const auto& c : body["consumers"])
        table.add({field(c, "/name"), field(c, "/state"), field(c, "/lag/events"), oldestPending(c),
                   field(c, "/in_flight"), field(c, "/totals/delivered"),
                   field(c, "/totals/dead_lettered"), field(c, "/circuit/state"), sinkText(c)});
    std::cout << (table.empty() ? std::string("no consumers\n") : table.render());
    return 0;
}

// The consumers furthest behind first: by the age of the oldest pending event.
static int consumerLag(Options& o, MeshClient& client) {
    const json body = call(o, client, "GET", "/v1/consumers", "consumers lag");
    if (o.json)
        return 0;
    std::vector<json> consumers(body["consumers"].begin(), body["consumers"].end());
    std::stable_sort(consumers.begin(), consumers.end(), [](const json& a, const json& b) {
        const auto key = [](const json& c) {
            return std::pair(integer(c, "/lag/events") ? integer(c, "/lag/oldest_age_ms") : -1,
                             integer(c, "/lag/events"));
        };
        return key(a) > key(b);
    });
    Table table(
        {"NAME", "LAG", "OLDEST", "ACK-FLOOR", "IN-FLIGHT", "RETRYING", "BLOCKED", "STATE"});
    for (const auto& c : consumers)
        table.add({field(c, "/name"), field(c, "/lag/events"), oldestPending(c),
                   field(c, "/ack_floor"), field(c, "/in_flight"), field(c, "/retrying"),
                   field(c, "/blocked_entities"), field(c, "/state")});
    std::cout << (table.empty() ? std::string("no consumers\n")
                                : "log at seq " + field(body, "/last_seq") + '\n' + table.render());
    return 0;
}

static int consumerShow(Options& o, MeshClient& client) {
    const std::string& name = argument(o, 1, "meshctl consumers show NAME");
    const json c = call(o, client, "GET", "/v1/consumers/" + urlEncode(name), "consumers show");
    if (o.json)
        return 0;
    std::vector<std::pair<std::string, std::string>> fields = {{"name", field(c, "/name")}};
    if (!field(c, "/description").empty())
        fields.emplace_back("description", field(c, "/description"));
    fields.emplace_back("state", field(c, "/state"));
    fields.emplace_back("sink", sinkText(c));
    fields.emplace_back("declared in", field(c, "/source"));
    fields.emplace_back("ack floor", "seq " + field(c, "/ack_floor"));
    fields.emplace_back("lag",
                        field(c, "/lag/events") + " event(s), oldest pending " + oldestPending(c));
    fields.emplace_back("in flight", field(c, "/in_flight") + ", retrying " +
                                         field(c, "/retrying") + ", blocked entities " +
                                         field(c, "/blocked_entities"));
    std::string circuit = field(c, "/circuit/state");
    if (!field(c, "/circuit/probe_at").empty())
        circuit += ", probed again at " + field(c, "/circuit/probe_at");
    fields.emplace_back("circuit", circuit);
    if (field(c, "/sink") == "websocket")
        fields.emplace_back("subscribers", field(c, "/subscribers"));
    fields.emplace_back("totals", "delivered " + field(c, "/totals/delivered") +
                                      ", failed attempts " + field(c, "/totals/failed_attempts") +
                                      ", throttled " + field(c, "/totals/throttled") +
                                      ", dead-lettered " + field(c, "/totals/dead_lettered") +
                                      ", stale skipped " + field(c, "/totals/stale_skipped") +
                                      ", gaps waited " + field(c, "/totals/gaps_waited") +
                                      ", replayed " + field(c, "/totals/replayed"));
    auto latency = [](const json& h) {
        if (integer(h, "/count") == 0)
            return std::string("no deliveries yet");
        return "p50 " + milliseconds(h, "/p50_ms") + ", p95 " + milliseconds(h, "/p95_ms") +
               ", p99 " + milliseconds(h, "/p99_ms") + ", max " + milliseconds(h, "/max_ms") +
               " (" + field(h, "/count") + ")";
    };
    fields.emplace_back("delivery latency", latency(c.value("delivery_latency", json::object())));
    for (const auto& row : c.value("end_to_end", json::array())) {
        std::string line = latency(row);
        if (row.contains("target_ms"))
            line += "; target p" + field(row, "/percentile") +
                    " <= " + milliseconds(row, "/target_ms") +
                    (row.value("met", false) ? ": met" : ": missed");
        fields.emplace_back("end to end " + field(row, "/event_type"), line);
    }
    if (c.contains("last_error"))
        fields.emplace_back("last error", oneLine(field(c, "/last_error/message")) + " (" +
                                              field(c, "/last_error/at") + ")");
    std::cout << renderFields(fields) << "spec:\n"
              << c.value("spec", json::object()).dump(2) << '\n';
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
        const json c = json::parse(r.body, nullptr, false);
        std::cout << (r.status == 201 ? "created" : "changed") << " consumer " << field(c, "/name")
                  << " (" << sinkText(c) << ", " << field(c, "/state") << ")\n";
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
    const json body = call(o, client, "GET", target, "dlq list");
    if (o.json)
        return 0;
    Table table({"ID", "DEAD-AT", "CONSUMER", "SEQ", "TYPE", "ENTITY", "STATE", "ATTEMPTS", "CLASS",
                 "ERROR"});
    for (const auto& d : body["dead_letters"])
        table.add({field(d, "/id"), field(d, "/dead_at"), field(d, "/consumer"), field(d, "/seq"),
                   field(d, "/event_type"), field(d, "/entity"), field(d, "/state"),
                   field(d, "/attempts"), field(d, "/class"), oneLine(field(d, "/error"))});
    if (table.empty()) {
        std::cout << "no dead letters match\n";
        return 0;
    }
    std::cout << table.render();
    if (body.contains("next_before"))
        std::cout << "(more: raise --limit)\n";
    return 0;
}

static int dlqGroups(Options& o, MeshClient& client) {
    std::string target = "/v1/dead-letters/groups";
    if (o.flags.count("--consumer"))
        target += "?consumer=" + urlEncode(o.flags["--consumer"]);
    const json body = call(o, client, "GET", target, "dlq groups");
    if (o.json)
        return 0;
    // The signature comes last, never cut: it is what dlq replay --signature takes.
    Table table({"CONSUMER", "COUNT", "CLASS", "FIRST", "LAST", "SIGNATURE"});
    for (const auto& g : body["groups"])
        table.add({field(g, "/consumer"), field(g, "/count"), field(g, "/class"),
                   field(g, "/first_at"), field(g, "/last_at"), field(g, "/signature")});
    std::cout << (table.empty() ? std::string("no open dead letters\n") : table.render());
    return 0;
}

static int dlqShow(Options& o, MeshClient& client) {
    const long long id = deadLetterId(argument(o, 1, "meshctl dlq show ID"));
    const json d = call(o, client, "GET", "/v1/dead-letters/" + std::to_string(id), "dlq show");
    if (o.json)
        return 0;
    std::vector<std::pair<std::string, std::string>> fields = {
        {"dead letter", field(d, "/id")},
        {"state", field(d, "/state")},
        {"consumer", field(d, "/consumer")},
        {"event",
         field(d, "/event_type") + ' ' + field(d, "/event_id") + " (seq " + field(d, "/seq") + ")"},
        {"entity", field(d, "/entity")},
        {"correlation id", field(d, "/correlation_id")},
        {"failed", field(d, "/class") + ": " + oneLine(field(d, "/error"))},
        {"dead at", field(d, "/dead_at") + " after " + field(d, "/attempts") + " attempt(s)"},
        {"signature", field(d, "/signature")}};
    if (d.contains("resolved")) {
        std::string resolved = field(d, "/resolved/at") + " by " + field(d, "/resolved/by");
        if (!field(d, "/resolved/reason").empty())
            resolved += ": " + field(d, "/resolved/reason");
        fields.emplace_back(field(d, "/state"), resolved);
    }
    if (d.contains("replay_of"))
        fields.emplace_back("replay of", "dead letter " + field(d, "/replay_of"));
    if (d.contains("edited_payload"))
        fields.emplace_back("edited payload", d["edited_payload"].dump());
    std::cout << renderFields(fields) << '\n';

    Table attempts({"ATTEMPT", "TIME", "TOOK", "STATUS", "CLASS", "ERROR"});
    for (const auto& a : d.value("attempt_log", json::array())) {
        std::string error = oneLine(field(a, "/error"));
        const std::string response = oneLine(field(a, "/response"));
        if (!response.empty() && error.find(response) == std::string::npos)
            error += (error.empty() ? "" : "; ") + std::string("response: ") + response;
        attempts.add({field(a, "/attempt") + (a.value("replay", false) ? " (replay)" : ""),
                      field(a, "/at"), milliseconds(a, "/duration_ms"),
                      integer(a, "/status") ? field(a, "/status") : "-", field(a, "/class"),
                      error});
    }
    std::cout << (attempts.empty() ? std::string("no attempts recorded\n") : attempts.render());
    if (d.contains("event") && d["event"].is_object() && d["event"].contains("payload"))
        std::cout << "\npayload:\n" << d["event"]["payload"].dump(2) << '\n';
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

static void printCausation(const json& node, int depth, std::string& out) {
    out += std::string(2 * depth, ' ') + field(node, "/event_type") + ' ' +
           field(node, "/event_id") + " (seq " + field(node, "/seq") + ")\n";
    for (const auto& child : node.value("caused", json::array()))
        printCausation(child, depth + 1, out);
}

int trace(Options& o, MeshClient& client) {
    const std::string& cid = argument(o, 0, "meshctl trace CORRELATION_ID");
    const json body = call(o, client, "GET", "/v1/traces/" + urlEncode(cid), "trace");
    if (o.json)
        return 0;
    // Attempts name only the event id; the event rows give its type.
    std::map<std::string, std::string> types;
    for (const auto& row : body["timeline"])
        if (field(row, "/kind") == "event")
            types[field(row, "/event_id")] = field(row, "/event_type");
    Table table({"TIME", "KIND", "CONSUMER", "TYPE", "EVENT", "STATUS", "CLASS", "DETAIL"});
    for (const auto& row : body["timeline"]) {
        const std::string kind = field(row, "/kind");
        std::string time = field(row, "/at"), status, detail;
        if (kind == "event") {
            time = field(row, "/ingested_at");
            detail = "seq " + field(row, "/seq") + ", " + field(row, "/entity") +
                     (row.contains("entity_version") ? " v" + field(row, "/entity_version") : "") +
                     ", from " + field(row, "/producer");
        } else if (kind == "dead-letter") {
            time = field(row, "/dead_at");
            detail = "dead letter " + field(row, "/id") + " after " + field(row, "/attempts") +
                     " attempt(s): " + oneLine(field(row, "/error"));
        } else if (kind == "replay" || kind == "discard") {
            detail = "dead letter " + field(row, "/dead_letter") + " by " + field(row, "/by") +
                     (field(row, "/reason").empty() ? "" : ": " + field(row, "/reason"));
        } else if (kind == "outcome") {
            detail = field(row, "/outcome") + " (" + milliseconds(row, "/latency_ms") +
                     " after the root event)";
        } else { // attempt, replay-attempt, stale
            status = integer(row, "/status") ? field(row, "/status") : "-";
            detail = "attempt " + field(row, "/attempt") + ", " +
                     milliseconds(row, "/duration_ms") +
                     (field(row, "/error").empty() ? "" : ": " + oneLine(field(row, "/error")));
        }
        const std::string eventId = field(row, "/event_id");
        const std::string type =
            row.contains("event_type") ? field(row, "/event_type") : types[eventId];
        table.add({time, kind, field(row, "/consumer"), type, eventId, status, field(row, "/class"),
                   detail});
    }
    std::string causation;
    for (const auto& root : body.value("causation", json::array()))
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
    const json body = call(o, client, "GET", target, "stall");
    if (o.json)
        return 0;
    std::cout << field(body, "/answer") << '\n';
    const json evidence = body.value("evidence", json());
    if (evidence.is_array() && !evidence.empty()) {
        Table table({"CONSUMER", "SEQ", "STATE", "EVIDENCE"});
        for (const auto& e : evidence)
            table.add({field(e, "/consumer"), field(e, "/seq"), field(e, "/state"),
                       oneLine(field(e, "/sentence"))});
        std::cout << '\n' << table.render();
    } else if (evidence.is_object() && evidence.contains("quarantine_id")) {
        std::cout << "\nquarantine entry " << field(evidence, "/quarantine_id") << ": "
                  << field(evidence, "/problem/detail") << '\n';
        for (const auto& v : evidence.value("/problem/violations"_json_pointer, json::array()))
            std::cout << "  " << field(v, "/path") << ": " << field(v, "/message") << '\n';
    }
    return 0;
}

static std::string perSecond(const json& j, const std::string& pointer) {
    const json::json_pointer at(pointer);
    const double rate = j.contains(at) && j.at(at).is_number() ? j.at(at).get<double>() : 0;
    char text[32];
    std::snprintf(text, sizeof text, "%.1f/s", rate);
    return text;
}

int flows(Options& o, MeshClient& client) {
    const json body = call(o, client, "GET", "/v1/flows", "flows");
    if (o.json)
        return 0;
    std::cout << "since " << field(body, "/since") << "; rates over the last "
              << field(body, "/window_seconds") << " s\n\n";
    Table producers({"PRODUCER", "TENANT", "TYPE", "PUBLISHED", "RATE", "REJECTED"});
    for (const auto& e : body.value("producers", json::array()))
        producers.add({field(e, "/producer"), field(e, "/tenant"), field(e, "/type"),
                       field(e, "/published"), perSecond(e, "/published_per_s"),
                       field(e, "/rejected")});
    Table consumers(
        {"TYPE", "CONSUMER", "DELIVERED", "RATE", "FAILED", "DEAD", "ERRORS", "LAST ERROR"});
    for (const auto& e : body.value("consumers", json::array())) {
        char share[16];
        std::snprintf(share, sizeof share, "%.0f %%", 100 * e.value("error_ratio", 0.0));
        consumers.add({field(e, "/type"), field(e, "/consumer"), field(e, "/delivered"),
                       perSecond(e, "/delivered_per_s"), field(e, "/failed"),
                       field(e, "/dead_lettered"), share, oneLine(field(e, "/last_error"))});
    }
    std::cout << (producers.empty() ? std::string("no events published since the start\n")
                                    : producers.render())
              << '\n'
              << (consumers.empty() ? std::string("no deliveries since the start\n")
                                    : consumers.render());
    return 0;
}

} // namespace meshctl
