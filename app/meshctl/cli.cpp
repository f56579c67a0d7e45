#include "cli.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace meshctl {

void fail(const std::string& message, int code) {
    std::cerr << "meshctl: " << message << '\n';
    std::exit(code);
}

Options parse(int argc, char** argv) {
    static const std::vector<std::string> valued = {
        "--url",   "--token",     "--type",    "--tenant",   "--entity",         "--correlation",
        "--since", "--until",     "--limit",   "--from-seq", "--rate",           "--consumer",
        "--state", "--signature", "--payload", "--reason",   "--correlation-id", "--producer",
        "--file",  "--header",    "--mapping"};
    static const std::vector<std::string> switches = {
        "--json", "--insecure", "--all", "--from-start", "--dry-run", "--verify", "--help"};
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

void addEventRow(Table& table, const json& e) {
    table.add({std::to_string(e.value("seq", 0LL)), e.value("occurred_at", ""),
               e.value("event_type", ""), entityText(e), e.value("tenant_id", ""),
               e.value("producer", ""), e.value("correlation_id", "")});
}

Table eventTable() {
    return Table({"SEQ", "OCCURRED", "TYPE", "ENTITY", "TENANT", "PRODUCER", "CORRELATION"});
}

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

HttpResult send(const Options& o, MeshClient& client, const std::string& method,
                const std::string& target, const std::string& what, const std::string& body) {
    HttpResult r = method == "GET" ? client.get(target)
                                   : client.request(method, target, body,
                                                    {{"content-type", "application/json"}});
    expectOk(r, what);
    if (o.json && !r.body.empty())
        std::cout << r.body << (r.body.back() == '\n' ? "" : "\n");
    return r;
}

json call(const Options& o, MeshClient& client, const std::string& method,
          const std::string& target, const std::string& what, const std::string& body) {
    return json::parse(send(o, client, method, target, what, body).body, nullptr, false);
}

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
    return milliseconds(j.at(at).get<double>());
}

std::string milliseconds(double ms) {
    return formatDuration(static_cast<long long>(std::ceil(ms)));
}

std::string timeText(const std::optional<meshdeck::Timestamp>& t) {
    return t ? meshdeck::formatRfc3339(*t) : std::string();
}

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

} // namespace meshctl
