// meshctl: the command line for scripts and support staff.
//
//   meshctl [--url URL] [--token TOKEN] [--json] COMMAND ...
//   URL and TOKEN default to $MESHDECK_URL and $MESHDECK_TOKEN.

#include "broker/client/mesh_client.h"
#include "output.h"

#include <chrono>
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

filters: --type TYPE --tenant TENANT --entity KIND:ID --correlation ID
         --since TIME --until TIME (RFC 3339, e.g. 2026-11-27T09:00:00Z)

The mesh URL and token come from --url/--token or MESHDECK_URL/MESHDECK_TOKEN.
--json prints machine-readable JSON (one object per line for tail and publish).
)";

struct Options {
    std::string url;
    std::string token;
    bool json = false;
    bool insecure = false;
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::string> flags;
};

[[noreturn]] void fail(const std::string& message, int code = 2) {
    std::cerr << "meshctl: " << message << '\n';
    std::exit(code);
}

Options parse(int argc, char** argv) {
    static const std::vector<std::string> valued = {"--url",    "--token",  "--type",
                                                    "--tenant", "--entity", "--correlation",
                                                    "--since",  "--until",  "--limit"};
    static const std::vector<std::string> switches = {"--json", "--insecure", "--all",
                                                      "--from-start", "--help"};
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
        for (const auto& v : body["violations"])
            message +=
                "\n  " + v.value("path", std::string()) + ": " + v.value("message", std::string());
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
        {"--type", "type"},     {"--tenant", "tenant"},
        {"--entity", "entity"}, {"--correlation", "correlation_id"},
        {"--since", "since"},   {"--until", "until"}};
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

int publish(Options& o, MeshClient& client) {
    std::string text;
    if (o.positional.empty() || o.positional[0] == "-") {
        std::stringstream in;
        in << std::cin.rdbuf();
        text = in.str();
    } else {
        std::ifstream file(o.positional[0]);
        if (!file)
            fail("cannot read " + o.positional[0]);
        std::stringstream in;
        in << file.rdbuf();
        text = in.str();
    }
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
    if (!o.json)
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
