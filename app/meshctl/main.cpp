// meshctl: the command line for scripts and support staff.
//
//   meshctl [--url URL] [--token TOKEN] [--json] COMMAND ...
//   URL and TOKEN default to $MESHDECK_URL and $MESHDECK_TOKEN.

#include "broker/client/mesh_client.h"
#include "output.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

using meshdeck::HttpResult;
using meshdeck::MeshClient;
using meshdeck::urlEncode;
using nlohmann::json;

namespace {

constexpr const char* kUsage =
    R"(usage: meshctl [--url URL] [--token TOKEN] [--json] [--insecure] COMMAND

commands:
  publish [FILE]            publish events from FILE or stdin: one event, a JSON
                            array, or JSON Lines (one event per line)
  get EVENT_ID              show one event
  events [FILTERS] [--limit N] [--all]
                            list stored events, oldest first
  tail [FILTERS] [--from-start]
                            follow new events as they are committed (Ctrl+C stops)
  schemas                   list event types and their schema versions
  schema TYPE               show every version of TYPE's schema
  quarantine [--limit N]    rejected inputs and why (admin)
  health                    broker status

delivery:
  consumers                 every consumer: state, lag, in flight, totals, circuit
  consumers lag             consumers by how far behind they are, furthest first
  consumers show NAME       one consumer's status and spec
  consumers pause|resume NAME
                            hold a consumer's deliveries, or let them go on (operator)
  consumers create FILE     create a consumer from its JSON spec (admin)
  consumers apply FILE      create or change the consumer FILE names (admin)
  consumers delete NAME     (admin)
  consumers replay NAME... (--from-seq N | --since TIME) [--type TYPE]...
                           [--rate N] [--dry-run]
                            deliver again from a seq or a time, at most N events
                            a second; --dry-run only counts (operator)
  dlq list [--consumer C] [--state open|replayed|discarded|all] [--limit N]
                            dead letters, newest first (default: open ones)
  dlq groups [--consumer C] open dead letters grouped by error signature
  dlq show ID               one dead letter, its event and every attempt
  dlq replay ID... | --consumer C --signature S
                            deliver dead letters again (operator)
  dlq replay ID --payload FILE
                            deliver one again with the payload in FILE, checked
                            against the event type's schema (operator)
  dlq discard ID... | --consumer C --signature S  --reason TEXT
                            close dead letters unsent; the reason is audited
  trace CORRELATION_ID      a journey in time order: events, attempts, dead
                            letters, replays, outcomes, and what caused what
  stall --correlation-id ID | --entity KIND:ID
                            where its events stalled, in a sentence, with evidence
  flows                     producer -> event type -> consumer edges: totals since
                            the broker started, rates and error share over a minute

filters: --type TYPE --tenant TENANT --entity KIND:ID --correlation ID --producer NAME
         --since TIME --until TIME (RFC 3339, e.g. 2026-11-27T09:00:00Z)

The mesh URL and token come from --url/--token or MESHDECK_URL/MESHDECK_TOKEN.
--json prints machine-readable JSON (one object per line for tail and publish;
the API's answer as it is for the delivery commands).
)";

struct Options {
    std::string url;
    std::string token;
    bool json = false;
    bool insecure = false;
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::string> flags;                 // the last value of each
    std::map<std::string, std::vector<std::string>> repeated; // every value, in order
};

[[noreturn]] void fail(const std::string& message, int code = 2) {
    std::cerr << "meshctl: " << message << '\n';
    std::exit(code);
}

Options parse(int argc, char** argv) {
    static const std::vector<std::string> valued = {
        "--url",   "--token",     "--type",    "--tenant",   "--entity",         "--correlation",
        "--since", "--until",     "--limit",   "--from-seq", "--rate",           "--consumer",
        "--state", "--signature", "--payload", "--reason",   "--correlation-id", "--producer"};
    static const std::vector<std::string> switches = {"--json",       "--insecure", "--all",
                                                      "--from-start", "--dry-run",  "--help"};
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0) {
            std::string value;
            if (auto eq = a.find('='); eq != std::string::npos) {
                value = a.substr(eq + 1);
                a = a.substr(0, eq);
            } else if (std::find(valued.begin(), valued.end(), a) != valued.end()) {
                if (i + 1 >= argc)
                    fail(a + " needs a value");
                value = argv[++i];
            } else if (std::find(switches.begin(), switches.end(), a) == switches.end()) {
                fail("unknown option " + a + "\n\n" + kUsage);
            }
            o.flags[a] = value;
            o.repeated[a].push_back(value);
        } else if (o.command.empty()) {
            o.command = a;
        } else {
            o.positional.push_back(a);
        }
    }
    if (o.flags.count("--help") || o.command.empty() || o.command == "help") {
        std::cout << kUsage;
        std::exit(o.command.empty() && !o.flags.count("--help") ? 2 : 0);
    }
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    o.url = o.flags.count("--url") ? o.flags["--url"] : env("MESHDECK_URL");
    o.token = o.flags.count("--token") ? o.flags["--token"] : env("MESHDECK_TOKEN");
    o.json = o.flags.count("--json") > 0;
    o.insecure = o.flags.count("--insecure") > 0;
    if (o.url.empty())
        o.url = "http://127.0.0.1:8787";
    return o;
}

// Exits with the broker's problem detail (and each violation) on failure.
json expectOk(const HttpResult& r, const std::string& what) {
    if (r.status == 0)
        fail(what + ": cannot reach the mesh: " + r.error, 3);
    json body = json::parse(r.body, nullptr, false);
    if (r.ok())
        return body;
    std::string message = what + ": HTTP " + std::to_string(r.status);
    if (body.is_object() && body.contains("detail"))
        message += ": " + body["detail"].get<std::string>();
    if (body.is_object() && body.contains("violations"))
        for (const auto& v : body["violations"]) {
            const std::string path = v.value("path", std::string()); // "": the whole body
            message += "\n  " + (path.empty() ? "" : path + ": ") + v.value("message", "");
        }
    if (r.status == 401)
        message += "\n(set --token or MESHDECK_TOKEN to a valid token)";
    if (auto it = r.headers.find("retry-after"); it != r.headers.end())
        message += "\n(retry after " + it->second + " s)";
    fail(message, 1);
}

std::string eventQuery(Options& o) {
    std::string q;
    auto add = [&q](const std::string& name, const std::string& value) {
        q += (q.empty() ? "?" : "&") + name + "=" + urlEncode(value);
    };
    static const std::vector<std::pair<std::string, std::string>> map = {
        {"--type", "type"},         {"--tenant", "tenant"},
        {"--entity", "entity"},     {"--correlation", "correlation_id"},
        {"--producer", "producer"}, {"--since", "since"},
        {"--until", "until"}};
    for (const auto& [flag, param] : map)
        if (o.flags.count(flag))
            add(param, o.flags[flag]);
    return q;
}

std::string entityText(const json& e) {
    if (!e.contains("entity"))
        return "";
    const auto& entity = e["entity"];
    std::string s = entity.value("kind", "") + ":" + entity.value("id", "");
    if (entity.contains("version"))
        s += " v" + std::to_string(entity["version"].get<long long>());
    return s;
}

void addEventRow(meshctl::Table& table, const json& e) {
    table.add({std::to_string(e.value("seq", 0LL)), e.value("occurred_at", ""),
               e.value("event_type", ""), entityText(e), e.value("tenant_id", ""),
               e.value("producer", ""), e.value("correlation_id", "")});
}

meshctl::Table eventTable() {
    return meshctl::Table(
        {"SEQ", "OCCURRED", "TYPE", "ENTITY", "TENANT", "PRODUCER", "CORRELATION"});
}

// The whole of FILE, or of stdin for "-".
std::string readInput(const std::string& path) {
    std::stringstream in;
    if (path == "-") {
        in << std::cin.rdbuf();
    } else {
        std::ifstream file(path);
        if (!file)
            fail("cannot read " + path);
        in << file.rdbuf();
    }
    return in.str();
}

int publish(Options& o, MeshClient& client) {
    const std::string text = readInput(o.positional.empty() ? "-" : o.positional[0]);
    // One JSON document (event or array) goes as it is; otherwise JSON Lines,
    // sent in batches of up to 500 events.
    std::vector<std::string> bodies;
    if (json::accept(text)) {
        bodies.push_back(text);
    } else {
        std::istringstream lines(text);
        std::string line, batch;
        int inBatch = 0, lineNo = 0;
        while (std::getline(lines, line)) {
            ++lineNo;
            if (line.find_first_not_of(" \t\r") == std::string::npos)
                continue;
            if (!json::accept(line))
                fail("line " + std::to_string(lineNo) +
                     " is not valid JSON; expected one event per line");
            batch += (inBatch ? "," : "[") + line;
            if (++inBatch == 500) {
                bodies.push_back(batch + "]");
                batch.clear();
                inBatch = 0;
            }
        }
        if (inBatch)
            bodies.push_back(batch + "]");
        if (bodies.empty())
            fail("nothing to publish: the input is empty");
    }
    long long accepted = 0, duplicates = 0;
    for (const auto& body : bodies) {
        HttpResult r;
        for (int attempt = 0;; ++attempt) {
            r = client.postJson("/v1/events", body);
            if ((r.status == 429 || r.status == 503) && attempt < 5) {
                int wait = 1;
                if (auto it = r.headers.find("retry-after"); it != r.headers.end())
                    wait = std::max(1, std::atoi(it->second.c_str()));
                std::this_thread::sleep_for(std::chrono::seconds(wait));
                continue;
            }
            break;
        }
        json result = expectOk(r, "publish");
        auto items = result.contains("results") ? result["results"] : json::array({result});
        for (const auto& item : items) {
            item.value("duplicate", false) ? ++duplicates : ++accepted;
            if (o.json)
                std::cout << item.dump() << '\n';
        }
    }
    if (!o.json)
        std::cout << "published " << accepted << " event(s)"
                  << (duplicates
                          ? ", " + std::to_string(duplicates) + " already in the log (duplicates)"
                          : "")
                  << '\n';
    return 0;
}

int events(Options& o, MeshClient& client) {
    std::string q = eventQuery(o);
    const bool all = o.flags.count("--all") > 0;
    const std::string limit = o.flags.count("--limit") ? o.flags["--limit"] : "100";
    std::string cursor;
    auto table = eventTable();
    long long shown = 0;
    for (;;) {
        std::string target =
            "/v1/events" + q + (q.empty() ? "?" : "&") + "limit=" + urlEncode(limit);
        if (!cursor.empty())
            target += "&cursor=" + cursor;
        json page = expectOk(client.get(target), "events");
        for (const auto& e : page["events"]) {
            ++shown;
            if (o.json)
                std::cout << e.dump() << '\n';
            else
                addEventRow(table, e);
        }
        if (!all || page["next_cursor"].is_null())
            break;
        cursor = page["next_cursor"].get<std::string>();
    }
    if (!o.json) {
        if (table.empty())
            std::cout << "no events match\n";
        else
            std::cout << table.render();
    }
    return 0;
}

int tail(Options& o, MeshClient& client) {
    std::string q = eventQuery(o);
    std::string cursor = "0";
    if (!o.flags.count("--from-start")) {
        json health = expectOk(client.get("/healthz"), "tail");
        cursor = std::to_string(health.value("last_seq", 0LL));
    }
    // On stderr even with --json: stdout carries only events.
    std::cerr << "following " << o.url << " from seq " << cursor << " (Ctrl+C stops)\n";
    for (;;) {
        std::string target =
            "/v1/events" + q + (q.empty() ? "?" : "&") + "limit=1000&cursor=" + cursor;
        HttpResult r = client.get(target);
        if (r.status == 0) {
            std::cerr << "meshctl: lost the mesh (" << r.error << "); retrying\n";
            std::this_thread::sleep_for(std::chrono::seconds(2));
            continue;
        }
        json page = expectOk(r, "tail");
        for (const auto& e : page["events"]) {
            if (o.json) {
                std::cout << e.dump() << '\n';
            } else {
                auto row = eventTable();
                addEventRow(row, e);
                std::string text = row.render(28);
                std::cout << text.substr(text.find('\n') + 1);
            }
            cursor = std::to_string(e.value("seq", 0LL));
        }
        std::cout.flush();
        if (!page["next_cursor"].is_null())
            continue;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

int schemas(Options& o, MeshClient& client) {
    json body = expectOk(client.get("/v1/schemas"), "schemas");
    if (o.json) {
        std::cout << body.dump(2) << '\n';
        return 0;
    }
    meshctl::Table table({"TYPE", "LATEST", "OWNER", "SLO", "PII", "DESCRIPTION"});
    for (const auto& s : body["schemas"]) {
        std::string pii;
        for (const auto& p : s["pii"])
            pii += (pii.empty() ? "" : ",") + p.get<std::string>();
        table.add({s.value("event_type", ""), "v" + std::to_string(s.value("latest_version", 0)),
                   s.value("owner", ""), s.value("slo_class", ""), pii,
                   s.value("description", "")});
    }
    std::cout << table.render(32);
    return 0;
}

// ---- delivery: consumers, dead letters, traces, stall ---------------------------------

// Sends one request and exits on failure; with --json the answer is printed as is.
HttpResult send(const Options& o, MeshClient& client, const std::string& method,
                const std::string& target, const std::string& what, const std::string& body = {}) {
    HttpResult r = method == "GET" ? client.get(target)
                                   : client.request(method, target, body,
                                                    {{"content-type", "application/json"}});
    expectOk(r, what);
    if (o.json && !r.body.empty())
        std::cout << r.body << (r.body.back() == '\n' ? "" : "\n");
    return r;
}

json call(const Options& o, MeshClient& client, const std::string& method,
          const std::string& target, const std::string& what, const std::string& body = {}) {
    return json::parse(send(o, client, method, target, what, body).body, nullptr, false);
}

// A field as a table cell: strings as they are, anything else as JSON, "" when absent.
std::string field(const json& j, const std::string& pointer) {
    const json::json_pointer at(pointer);
    if (!j.is_object() || !j.contains(at) || j.at(at).is_null())
        return "";
    const json& v = j.at(at);
    return v.is_string() ? v.get<std::string>() : v.dump();
}

long long integer(const json& j, const std::string& pointer) {
    const json::json_pointer at(pointer);
    return j.is_object() && j.contains(at) && j.at(at).is_number() ? j.at(at).get<long long>() : 0;
}

std::string milliseconds(const json& j, const std::string& pointer) {
    const json::json_pointer at(pointer);
    if (!j.is_object() || !j.contains(at) || !j.at(at).is_number())
        return "-";
    return meshctl::formatDuration(static_cast<long long>(std::ceil(j.at(at).get<double>())));
}

// One line for a cell: a sink's answer can span several.
std::string oneLine(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    std::replace(s.begin(), s.end(), '\r', ' ');
    return s;
}

const std::string& argument(const Options& o, std::size_t index, const std::string& usage) {
    if (o.positional.size() <= index)
        fail("usage: " + usage);
    return o.positional[index];
}

long long integerFlag(Options& o, const std::string& flag) {
    const std::string& text = o.flags[flag];
    try {
        std::size_t used = 0;
        const long long value = std::stoll(text, &used);
        if (used == text.size())
            return value;
    } catch (const std::exception&) {
    }
    fail(flag + " needs an integer, not '" + text + "'");
}

double numberFlag(Options& o, const std::string& flag) {
    const std::string& text = o.flags[flag];
    try {
        std::size_t used = 0;
        const double value = std::stod(text, &used);
        if (used == text.size() && value > 0)
            return value;
    } catch (const std::exception&) {
    }
    fail(flag + " needs a number above 0, not '" + text + "'");
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

std::string sinkText(const json& consumer) {
    const std::string kind = field(consumer, "/sink");
    return kind == "webhook" ? kind + ' ' + field(consumer, "/url") : kind;
}

std::string oldestPending(const json& consumer) {
    return integer(consumer, "/lag/events") == 0 ? "-"
                                                 : milliseconds(consumer, "/lag/oldest_age_ms");
}

int consumerList(Options& o, MeshClient& client) {
    const json body = call(o, client, "GET", "/v1/consumers", "consumers");
    if (o.json)
        return 0;
    meshctl::Table table(
        {"NAME", "STATE", "LAG", "OLDEST", "IN-FLIGHT", "DELIVERED", "DEAD", "CIRCUIT", "SINK"});
    for (const auto& c : body["consumers"])
        table.add({field(c, "/name"), field(c, "/state"), field(c, "/lag/events"), oldestPending(c),
                   field(c, "/in_flight"), field(c, "/totals/delivered"),
                   field(c, "/totals/dead_lettered"), field(c, "/circuit/state"), sinkText(c)});
    std::cout << (table.empty() ? std::string("no consumers\n") : table.render());
    return 0;
}

// The consumers furthest behind first: by the age of the oldest pending event.
int consumerLag(Options& o, MeshClient& client) {
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
    meshctl::Table table(
        {"NAME", "LAG", "OLDEST", "ACK-FLOOR", "IN-FLIGHT", "RETRYING", "BLOCKED", "STATE"});
    for (const auto& c : consumers)
        table.add({field(c, "/name"), field(c, "/lag/events"), oldestPending(c),
                   field(c, "/ack_floor"), field(c, "/in_flight"), field(c, "/retrying"),
                   field(c, "/blocked_entities"), field(c, "/state")});
    std::cout << (table.empty() ? std::string("no consumers\n")
                                : "log at seq " + field(body, "/last_seq") + '\n' + table.render());
    return 0;
}

int consumerShow(Options& o, MeshClient& client) {
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
    std::cout << meshctl::renderFields(fields) << "spec:\n"
              << c.value("spec", json::object()).dump(2) << '\n';
    return 0;
}

int consumerPause(Options& o, MeshClient& client, bool pause) {
    const std::string verb = pause ? "pause" : "resume";
    const std::string& name = argument(o, 1, "meshctl consumers " + verb + " NAME");
    send(o, client, "POST", "/v1/consumers/" + urlEncode(name) + '/' + verb, "consumers " + verb);
    if (!o.json)
        std::cout << "consumer " << name << (pause ? " paused" : " resumed") << '\n';
    return 0;
}

// create: POST, and the name must be new; apply: PUT, creating or changing.
int consumerPut(Options& o, MeshClient& client, bool create) {
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

int consumerDelete(Options& o, MeshClient& client) {
    const std::string& name = argument(o, 1, "meshctl consumers delete NAME");
    send(o, client, "DELETE", "/v1/consumers/" + urlEncode(name), "consumers delete");
    if (!o.json)
        std::cout << "consumer " << name << " deleted\n";
    return 0;
}

int consumerReplay(Options& o, MeshClient& client) {
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
    meshctl::Table table({"CONSUMER", "EVENTS", "ALREADY-DELIVERED", "SEQS"});
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

int dlqList(Options& o, MeshClient& client) {
    std::string target =
        "/v1/dead-letters?limit=" + urlEncode(o.flags.count("--limit") ? o.flags["--limit"] : "50");
    if (o.flags.count("--consumer"))
        target += "&consumer=" + urlEncode(o.flags["--consumer"]);
    if (o.flags.count("--state"))
        target += "&state=" + urlEncode(o.flags["--state"]);
    const json body = call(o, client, "GET", target, "dlq list");
    if (o.json)
        return 0;
    meshctl::Table table({"ID", "DEAD-AT", "CONSUMER", "SEQ", "TYPE", "ENTITY", "STATE", "ATTEMPTS",
                          "CLASS", "ERROR"});
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

int dlqGroups(Options& o, MeshClient& client) {
    std::string target = "/v1/dead-letters/groups";
    if (o.flags.count("--consumer"))
        target += "?consumer=" + urlEncode(o.flags["--consumer"]);
    const json body = call(o, client, "GET", target, "dlq groups");
    if (o.json)
        return 0;
    // The signature comes last, never cut: it is what dlq replay --signature takes.
    meshctl::Table table({"CONSUMER", "COUNT", "CLASS", "FIRST", "LAST", "SIGNATURE"});
    for (const auto& g : body["groups"])
        table.add({field(g, "/consumer"), field(g, "/count"), field(g, "/class"),
                   field(g, "/first_at"), field(g, "/last_at"), field(g, "/signature")});
    std::cout << (table.empty() ? std::string("no open dead letters\n") : table.render());
    return 0;
}

int dlqShow(Options& o, MeshClient& client) {
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
    std::cout << meshctl::renderFields(fields) << '\n';

    meshctl::Table attempts({"ATTEMPT", "TIME", "TOOK", "STATUS", "CLASS", "ERROR"});
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
int dlqResolve(Options& o, MeshClient& client, bool discard) {
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

void printCausation(const json& node, int depth, std::string& out) {
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
    meshctl::Table table(
        {"TIME", "KIND", "CONSUMER", "TYPE", "EVENT", "STATUS", "CLASS", "DETAIL"});
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
        meshctl::Table table({"CONSUMER", "SEQ", "STATE", "EVIDENCE"});
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

std::string perSecond(const json& j, const std::string& pointer) {
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
    meshctl::Table producers({"PRODUCER", "TENANT", "TYPE", "PUBLISHED", "RATE", "REJECTED"});
    for (const auto& e : body.value("producers", json::array()))
        producers.add({field(e, "/producer"), field(e, "/tenant"), field(e, "/type"),
                       field(e, "/published"), perSecond(e, "/published_per_s"),
                       field(e, "/rejected")});
    meshctl::Table consumers(
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

} // namespace

int main(int argc, char** argv) {
    Options o = parse(argc, argv);
    try {
        MeshClient client(o.url, o.token);
        client.setInsecure(o.insecure);
        const std::string& c = o.command;
        if (c == "publish")
            return publish(o, client);
        if (c == "events")
            return events(o, client);
        if (c == "tail")
            return tail(o, client);
        if (c == "schemas")
            return schemas(o, client);
        if (c == "consumers")
            return consumers(o, client);
        if (c == "dlq")
            return dlq(o, client);
        if (c == "trace")
            return trace(o, client);
        if (c == "stall")
            return stall(o, client);
        if (c == "flows")
            return flows(o, client);
        if (c == "get" || c == "schema") {
            if (o.positional.size() != 1)
                fail(c == "get" ? "usage: meshctl get EVENT_ID" : "usage: meshctl schema TYPE");
            const std::string target =
                c == "get" ? "/v1/events/" + urlEncode(o.positional[0])
                           : "/v1/schemas/" + urlEncode(o.positional[0]) + "/versions";
            json body = expectOk(client.get(target), c);
            std::cout << (o.json ? body.dump() : body.dump(2)) << '\n';
            return 0;
        }
        if (c == "quarantine") {
            const std::string limit = o.flags.count("--limit") ? o.flags["--limit"] : "50";
            json body =
                expectOk(client.get("/v1/quarantine?limit=" + urlEncode(limit)), "quarantine");
            if (o.json) {
                for (const auto& e : body["entries"])
                    std::cout << e.dump() << '\n';
                return 0;
            }
            meshctl::Table table({"ID", "RECEIVED", "TENANT", "STATUS", "REASON", "DETAIL"});
            for (const auto& e : body["entries"]) {
                std::string detail;
                if (e["problem"].is_object())
                    detail = e["problem"].value("detail", "");
                table.add({std::to_string(e.value("id", 0LL)), e.value("received_at", ""),
                           e.value("tenant", ""), std::to_string(e.value("status", 0)),
                           e.value("reason", ""), detail});
            }
            std::cout << (table.empty() ? std::string("quarantine is empty\n") : table.render());
            return 0;
        }
        if (c == "health") {
            json body = expectOk(client.get("/healthz"), "health");
            if (o.json)
                std::cout << body.dump() << '\n';
            else
                std::cout << o.url << ": " << body.value("status", "?") << ", meshd "
                          << body.value("version", "?") << ", " << body.value("events", 0LL)
                          << " events, last seq " << body.value("last_seq", 0LL) << '\n';
            return 0;
        }
        fail("unknown command '" + c + "'\n\n" + kUsage);
    } catch (const std::exception& e) {
        fail(e.what(), 1);
    }
}
