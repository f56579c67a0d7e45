// meshctl's commands on the event log: publish, get, events, tail, search,
// schemas, schema, quarantine, health.

#include "cli.h"
#include "core/protocol/search.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>

namespace meshctl {

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

namespace {

namespace protocol = meshdeck::protocol;

// An argument as a shell reads it back: as it is when it is plain, else in
// single quotes (each ' in it closed, escaped and reopened).
std::string shellWord(const std::string& word) {
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               (c != '\0' && std::strchr("-_.:/@+=,", c));
    });
    if (plain)
        return word;
    std::string quoted = "'";
    for (char c : word)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// A bounded count: "1000+" when there are more than the answer counted.
std::string count(std::int64_t n, bool more) {
    return std::to_string(n) + (more ? "+" : "");
}

std::string list(const std::vector<std::string>& items, bool more) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return more ? out + ", ..." : out;
}

std::string entityOf(const std::string& kind, const std::string& id) {
    return kind + ':' + id;
}

// What to run next for each match, with why, printed under the tables.
struct NextSteps {
    std::vector<std::pair<std::string, std::string>> lines; // command, what it shows

    void add(std::vector<std::string> words, std::string what) {
        std::string command = "meshctl";
        for (const auto& w : words)
            command += ' ' + shellWord(w);
        for (const auto& line : lines)
            if (line.first == command)
                return;
        lines.emplace_back(std::move(command), std::move(what));
    }
    std::string render() const {
        std::size_t width = 0;
        for (const auto& line : lines)
            width = std::max(width, line.first.size());
        std::string out = "next:\n";
        for (const auto& [command, what] : lines)
            out += "  " + command + std::string(width - command.size() + 3, ' ') + what + '\n';
        return out;
    }
};

// One table per kind of match, in the order the mesh answered the kinds.
class SearchReport {
public:
    void add(const protocol::SearchMatch& match) { std::visit(*this, match); }

    void operator()(const protocol::EventMatch& m) {
        events_.add(eventRow(m.event));
        eventSteps(m.event);
    }
    void operator()(const protocol::VendorMatch& m) {
        vendor_.add({m.source, m.vendorId, m.event.eventId, m.event.eventType, m.event.tenant,
                     std::to_string(m.event.seq), entityOf(m.event.entityKind, m.event.entityId)});
        eventSteps(m.event);
    }
    void operator()(const protocol::EntityMatch& m) {
        const std::string entity = entityOf(m.entityKind, m.entityId);
        entities_.add({m.tenant, entity, count(m.span.events, m.span.eventsMore),
                       std::to_string(m.span.firstSeq), std::to_string(m.span.lastSeq),
                       m.lastEventType, meshdeck::formatRfc3339(m.span.lastOccurredAt),
                       count(m.openDeadLetters, m.openDeadLettersMore),
                       list(m.correlationIds, m.correlationIdsMore)});
        next_.add({"events", "--tenant", m.tenant, "--entity", entity},
                  "the entity's events, oldest first");
        next_.add({"stall", "--entity", entity}, "where its events stand at each consumer");
        if (m.correlationIds.size() == 1)
            next_.add({"trace", m.correlationIds.front()}, "its journey, in time order");
    }
    void operator()(const protocol::CorrelationMatch& m) {
        std::vector<std::string> entities;
        for (const auto& e : m.entities)
            entities.push_back(entityOf(e.kind, e.id));
        correlations_.add(
            {m.correlationId, list(m.tenants, false), count(m.span.events, m.span.eventsMore),
             std::to_string(m.span.firstSeq), std::to_string(m.span.lastSeq),
             meshdeck::formatRfc3339(m.span.firstOccurredAt),
             meshdeck::formatRfc3339(m.span.lastOccurredAt), list(entities, m.entitiesMore)});
        next_.add({"trace", m.correlationId}, "the journey: events, attempts, dead letters");
        next_.add({"stall", "--correlation-id", m.correlationId}, "where it stalled");
    }
    void operator()(const protocol::DeadLetterMatch& m) {
        std::string error = oneLine(m.error);
        if (!m.reason.empty())
            error += " (" + std::string(toString(m.state)) + ": " + oneLine(m.reason) + ")";
        letters_.add({std::to_string(m.id), std::string(toString(m.state)), m.consumer, m.tenant,
                      std::to_string(m.seq), m.eventType, entityOf(m.entityKind, m.entityId),
                      meshdeck::formatRfc3339(m.deadAt), std::to_string(m.attempts), error});
        next_.add({"dlq", "show", std::to_string(m.id)}, "the letter, its event and attempts");
        if (!m.correlationId.empty())
            next_.add({"trace", m.correlationId}, "its journey, in time order");
    }

    std::string render() const {
        std::string out;
        const auto section = [&out](const char* title, const Table& table) {
            if (!table.empty())
                out += std::string(title) + '\n' + table.render() + '\n';
        };
        section("events", events_);
        section("vendor items (the vendor's id of an event)", vendor_);
        section("dead letters", letters_);
        section("entities", entities_);
        section("correlation ids", correlations_);
        return out + next_.render();
    }

private:
    static std::vector<std::string> eventRow(const protocol::FoundEvent& e) {
        return {e.eventId,
                e.eventType,
                e.tenant,
                std::to_string(e.seq),
                meshdeck::formatRfc3339(e.occurredAt),
                entityOf(e.entityKind, e.entityId),
                e.producer,
                e.correlationId};
    }
    void eventSteps(const protocol::FoundEvent& e) {
        next_.add({"get", e.eventId}, "the event with its payload");
        if (!e.correlationId.empty())
            next_.add({"trace", e.correlationId}, "its journey, in time order");
    }

    Table events_{
        {"EVENT-ID", "TYPE", "TENANT", "SEQ", "OCCURRED", "ENTITY", "PRODUCER", "CORRELATION"}};
    Table vendor_{{"SOURCE", "VENDOR-ID", "EVENT-ID", "TYPE", "TENANT", "SEQ", "ENTITY"}};
    Table letters_{{"ID", "STATE", "CONSUMER", "TENANT", "SEQ", "TYPE", "ENTITY", "DEAD-AT",
                    "ATTEMPTS", "ERROR"}};
    Table entities_{{"TENANT", "ENTITY", "EVENTS", "FIRST-SEQ", "LAST-SEQ", "LAST-TYPE",
                     "LAST-OCCURRED", "OPEN-DLQ", "CORRELATIONS"}};
    Table correlations_{{"CORRELATION", "TENANTS", "EVENTS", "FIRST-SEQ", "LAST-SEQ",
                         "FIRST-OCCURRED", "LAST-OCCURRED", "ENTITIES"}};
    NextSteps next_;
};

} // namespace

// Exits kNothingFound (4) when nothing matches, so scripts can tell "no such
// id" from a refusal (1) or an unreachable mesh (3).
int search(Options& o, MeshClient& client) {
    constexpr int kNothingFound = 4;
    if (o.positional.size() != 1)
        fail("usage: meshctl search QUERY [--limit N] (quote a QUERY that holds spaces)");
    std::string target = "/v1/search?q=" + urlEncode(o.positional[0]);
    if (o.flags.count("--limit"))
        target += "&limit=" + urlEncode(o.flags["--limit"]);
    const HttpResult r = send(o, client, "GET", target, "search");
    const auto decoded = protocol::fromJson<protocol::SearchAnswer>(r.body);
    if (!decoded)
        fail("search: the mesh's answer could not be read: " + decoded.error(), 1);
    const protocol::SearchAnswer& answer = *decoded.value;
    if (answer.matches.empty()) {
        if (!o.json)
            fail(answer.hint.empty() ? "nothing matches \"" + answer.query + '"' : answer.hint,
                 kNothingFound);
        return kNothingFound;
    }
    if (o.json)
        return 0;
    SearchReport report;
    for (const auto& match : answer.matches)
        report.add(match);
    std::cout << answer.matches.size() << " match(es) for \"" << answer.query << '"'
              << (answer.truncated ? " (more matched: raise --limit)" : "") << "\n\n"
              << report.render();
    return 0;
}

int schemas(Options& o, MeshClient& client) {
    json body = expectOk(client.get("/v1/schemas"), "schemas");
    if (o.json) {
        std::cout << body.dump(2) << '\n';
        return 0;
    }
    Table table({"TYPE", "LATEST", "OWNER", "SLO", "PII", "DESCRIPTION"});
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

int get(Options& o, MeshClient& client) {
    if (o.positional.size() != 1)
        fail("usage: meshctl get EVENT_ID");
    json body = expectOk(client.get("/v1/events/" + urlEncode(o.positional[0])), "get");
    std::cout << (o.json ? body.dump() : body.dump(2)) << '\n';
    return 0;
}

int schema(Options& o, MeshClient& client) {
    if (o.positional.size() != 1)
        fail("usage: meshctl schema TYPE");
    json body =
        expectOk(client.get("/v1/schemas/" + urlEncode(o.positional[0]) + "/versions"), "schema");
    std::cout << (o.json ? body.dump() : body.dump(2)) << '\n';
    return 0;
}

// "POST /v1/hooks/hubspot" -> "hook hubspot": which vendor source sent it;
// anything else ("POST /v1/events") as the mesh recorded it.
static std::string quarantineSource(const std::string& source) {
    static const std::string hooks = "POST /v1/hooks/";
    if (source.rfind(hooks, 0) == 0)
        return "hook " + source.substr(hooks.size());
    return source;
}

// What was wrong, on one line. A refused request keeps the problem it was
// answered (its detail); a vendor item a hook could not turn into an event
// keeps where it sat in the body, the vendor's id, the rule and the reason.
// Each violation follows.
static std::string quarantineDetail(const json& entry) {
    const json problem = entry.value("problem", json());
    if (!problem.is_object())
        return "";
    std::string detail = oneLine(field(problem, "/detail"));
    if (detail.empty() && problem.contains("where")) {
        const std::string where = field(problem, "/where");
        const std::string vendorId = field(problem, "/vendor_id");
        const std::string rule = field(problem, "/rule");
        const std::string reason = oneLine(field(problem, "/reason"));
        // The mapping's reasons name their rule ("rule 'deal-stage': ..."):
        // it is added only to one that does not.
        const bool named = rule.empty() || reason.find("'" + rule + "'") != std::string::npos;
        detail = (where.empty() ? "the body" : where) +
                 (vendorId.empty() ? "" : " (vendor id " + vendorId + ")") + ": " +
                 (named ? "" : "rule " + rule + ": ") + reason;
    }
    for (const auto& v : problem.value("violations", json::array())) {
        const std::string path = field(v, "/path");
        detail += (detail.empty() ? "" : "; ") + (path.empty() ? "" : path + ": ") +
                  oneLine(field(v, "/message"));
    }
    return detail;
}

int quarantine(Options& o, MeshClient& client) {
    const std::string limit = o.flags.count("--limit") ? o.flags["--limit"] : "50";
    json body = expectOk(client.get("/v1/quarantine?limit=" + urlEncode(limit)), "quarantine");
    if (o.json) {
        for (const auto& e : body["entries"])
            std::cout << e.dump() << '\n';
        return 0;
    }
    Table table({"ID", "RECEIVED", "TENANT", "SOURCE", "STATUS", "REASON", "DETAIL"});
    for (const auto& e : body["entries"])
        table.add({std::to_string(e.value("id", 0LL)), e.value("received_at", ""),
                   e.value("tenant", ""), quarantineSource(e.value("source", "")),
                   std::to_string(e.value("status", 0)), e.value("reason", ""),
                   quarantineDetail(e)});
    std::cout << (table.empty() ? std::string("quarantine is empty\n") : table.render());
    return 0;
}

int health(Options& o, MeshClient& client) {
    json body = expectOk(client.get("/healthz"), "health");
    if (o.json)
        std::cout << body.dump() << '\n';
    else
        std::cout << o.url << ": " << body.value("status", "?") << ", meshd "
                  << body.value("version", "?") << ", " << body.value("events", 0LL)
                  << " events, last seq " << body.value("last_seq", 0LL) << '\n';
    return 0;
}

} // namespace meshctl
