#pragma once
// What every meshctl command shares: the parsed command line, failing with a
// message a person can act on, requests to the mesh, and JSON made into table
// cells. The commands themselves are in events_commands.cpp,
// delivery_commands.cpp and sources_commands.cpp; main.cpp holds the command
// table.

#include "broker/client/mesh_client.h"
#include "core/protocol/decoded.h"
#include "core/time.h"
#include "output.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace meshctl {

using meshdeck::HttpResult;
using meshdeck::MeshClient;
using meshdeck::urlEncode;
using nlohmann::json;

extern const char* const kUsage; // main.cpp, beside the command table

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

// Prints "meshctl: MESSAGE" and exits with `code` (2: a usage error).
[[noreturn]] void fail(const std::string& message, int code = 2);
Options parse(int argc, char** argv);

// The body of a successful answer; otherwise exits with the broker's problem
// detail (and each violation).
json expectOk(const HttpResult& r, const std::string& what);
// Sends one request and exits on failure; with --json the answer is printed as is.
HttpResult send(const Options& o, MeshClient& client, const std::string& method,
                const std::string& target, const std::string& what, const std::string& body = {});
json call(const Options& o, MeshClient& client, const std::string& method,
          const std::string& target, const std::string& what, const std::string& body = {});
// Sends one request and reads the answer as a protocol type (core/protocol);
// exits with what could not be read when the broker answered something else.
// With --json the answer is printed as is and nothing is read: nullopt.
template <class T>
std::optional<T> answer(const Options& o, MeshClient& client, const std::string& method,
                        const std::string& target, const std::string& what,
                        const std::string& body = {}) {
    const HttpResult r = send(o, client, method, target, what, body);
    if (o.json)
        return std::nullopt;
    auto decoded = meshdeck::protocol::fromJson<T>(r.body);
    if (!decoded)
        fail(what + ": the mesh's answer could not be read: " + decoded.error(), 1);
    return std::move(decoded.value);
}
// The whole of FILE, or of stdin for "-".
std::string readInput(const std::string& path);

// --type, --tenant, ... as a /v1/events query string ("" without filters).
std::string eventQuery(Options& o);
std::string entityText(const json& e);
Table eventTable();
void addEventRow(Table& table, const json& e);

// A field as a table cell: strings as they are, anything else as JSON, "" when absent.
std::string field(const json& j, const std::string& pointer);
long long integer(const json& j, const std::string& pointer);
std::string milliseconds(const json& j, const std::string& pointer);
std::string milliseconds(double ms);
// An optional time as a cell: "" when there is none.
std::string timeText(const std::optional<meshdeck::Timestamp>& t);
// One line for a cell: a sink's answer can span several.
std::string oneLine(std::string s);
const std::string& argument(const Options& o, std::size_t index, const std::string& usage);
long long integerFlag(Options& o, const std::string& flag);
double numberFlag(Options& o, const std::string& flag);

// The commands (see kUsage), each given the options and a client for the mesh.
using Command = int (*)(Options& o, MeshClient& client);
int publish(Options& o, MeshClient& client);
int get(Options& o, MeshClient& client);
int events(Options& o, MeshClient& client);
int tail(Options& o, MeshClient& client);
int search(Options& o, MeshClient& client);
int schemas(Options& o, MeshClient& client);
int schema(Options& o, MeshClient& client);
int quarantine(Options& o, MeshClient& client);
int health(Options& o, MeshClient& client);
int consumers(Options& o, MeshClient& client);
int dlq(Options& o, MeshClient& client);
int trace(Options& o, MeshClient& client);
int stall(Options& o, MeshClient& client);
int flows(Options& o, MeshClient& client);
int sources(Options& o, MeshClient& client);

} // namespace meshctl
