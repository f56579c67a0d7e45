// meshctl's vendor source commands: the sources that post their own webhooks
// to POST /v1/hooks/{name}, what each has received, and the playground that
// runs a vendor body through verification and mapping without storing it.

#include "cli.h"
#include "core/protocol/source.h"

#include <iostream>
#include <map>

namespace meshctl {

namespace protocol = meshdeck::protocol;
using protocol::SourceStatus;

namespace {

const std::string kApplyUsage = "meshctl sources apply NAME --file SPEC.json";
const std::string kTestUsage = "meshctl sources test NAME --file BODY [--header 'Name: value']... "
                               "[--verify] [--mapping RULES.json]";

std::string lastErrorText(const SourceStatus& s) {
    if (s.lastError.empty())
        return "";
    return oneLine(s.lastError) + (s.lastErrorAt ? " (" + timeText(s.lastErrorAt) + ")" : "");
}

// "Name: value" as the vendor sends it; the name keeps its case, the value
// loses the blanks around it.
std::pair<std::string, std::string> headerOf(const std::string& text) {
    const auto colon = text.find(':');
    const auto trim = [](const std::string& s) {
        const auto first = s.find_first_not_of(" \t");
        const auto last = s.find_last_not_of(" \t\r\n");
        return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
    };
    const std::string name = colon == std::string::npos ? "" : trim(text.substr(0, colon));
    if (name.empty())
        fail("--header needs 'Name: value' (e.g. --header 'X-Signature: 3f1a...'), not '" + text +
             "'");
    return {name, trim(text.substr(colon + 1))};
}

} // namespace

static int sourceList(Options& o, MeshClient& client) {
    const auto body = answer<protocol::SourceList>(o, client, "GET", "/v1/sources", "sources");
    if (!body)
        return 0;
    // RECEIVED, MAPPED and IGNORED count vendor items, REJECTED the requests
    // verification refused, QUARANTINED the items and whole requests kept there.
    // The last error comes last, never cut: it is the sentence to act on.
    Table table({"NAME", "KIND", "TENANT", "PATH", "RECEIVED", "MAPPED", "IGNORED", "REJECTED",
                 "QUARANTINED", "LAST ERROR"});
    for (const auto& s : body->sources)
        table.add({s.name, s.kind, s.tenant, s.hookPath, std::to_string(s.counters.received),
                   std::to_string(s.counters.mapped), std::to_string(s.counters.ignored),
                   std::to_string(s.counters.rejectedSignature),
                   std::to_string(s.counters.quarantined), lastErrorText(s)});
    std::cout << (table.empty() ? std::string("no sources\n") : table.render());
    return 0;
}

static int sourceShow(Options& o, MeshClient& client) {
    const std::string& name = argument(o, 1, "meshctl sources show NAME");
    const auto s =
        answer<SourceStatus>(o, client, "GET", "/v1/sources/" + urlEncode(name), "sources show");
    if (!s)
        return 0;
    const auto& c = s->counters;
    std::vector<std::pair<std::string, std::string>> fields = {
        {"name", s->name}, {"kind", s->kind}, {"tenant", s->tenant}, {"producer", s->producer}};
    fields.emplace_back("hook path", s->hookPath);
    if (!s->publicUrl.empty())
        fields.emplace_back("public url", s->publicUrl);
    fields.emplace_back("mapping", s->mapping);
    fields.emplace_back("declared in", s->origin);
    fields.emplace_back("requests", std::to_string(c.requests) + ", rejected by verification " +
                                        std::to_string(c.rejectedSignature));
    fields.emplace_back(
        "items", "received " + std::to_string(c.received) + ", mapped " + std::to_string(c.mapped) +
                     " (duplicates " + std::to_string(c.duplicates) + "), ignored " +
                     std::to_string(c.ignored) + ", quarantined " + std::to_string(c.quarantined));
    fields.emplace_back("last received",
                        s->lastReceivedAt ? timeText(s->lastReceivedAt) : std::string("never"));
    if (!s->lastError.empty())
        fields.emplace_back("last error", lastErrorText(*s));
    const json spec = json::parse(s->spec.empty() ? "{}" : s->spec, nullptr, false);
    std::cout << renderFields(fields) << "spec:\n" << spec.dump(2) << '\n';
    return 0;
}

// PUT: creates the source or replaces its spec. The name comes from the
// command line (the URL's segment); a spec naming another source is refused
// before anything is sent.
static int sourceApply(Options& o, MeshClient& client) {
    const std::string& name = argument(o, 1, kApplyUsage);
    if (!o.flags.count("--file"))
        fail("usage: " + kApplyUsage);
    const std::string& path = o.flags["--file"];
    json spec = json::parse(readInput(path), nullptr, false);
    if (!spec.is_object())
        fail(path + " is not a JSON object: expected one source spec");
    if (const std::string named = field(spec, "/name"); !named.empty() && named != name)
        fail(path + " names source \"" + named + "\", not \"" + name +
             "\": apply changes the source named on the command line");
    const HttpResult r =
        send(o, client, "PUT", "/v1/sources/" + urlEncode(name), "sources apply", spec.dump());
    if (!o.json) {
        const auto s = protocol::fromJson<SourceStatus>(r.body);
        if (!s)
            fail("sources apply: the mesh's answer could not be read: " + s.error(), 1);
        std::cout << (r.status == 201 ? "created" : "changed") << " source " << s.value->name
                  << " (" << s.value->kind << ", tenant " << s.value->tenant
                  << "); the vendor posts to "
                  << (s.value->publicUrl.empty() ? s.value->hookPath : s.value->publicUrl) << '\n';
    }
    return 0;
}

static int sourceDelete(Options& o, MeshClient& client) {
    const std::string& name = argument(o, 1, "meshctl sources delete NAME");
    send(o, client, "DELETE", "/v1/sources/" + urlEncode(name), "sources delete");
    if (!o.json)
        std::cout << "source " << name << " deleted\n";
    return 0;
}

static void printTestItem(const protocol::SourceTestItem& item) {
    std::vector<std::pair<std::string, std::string>> fields = {{"outcome", item.outcome}};
    if (!item.vendorId.empty())
        fields.emplace_back("vendor id", item.vendorId);
    if (!item.rule.empty())
        fields.emplace_back("rule", item.rule);
    if (!item.reason.empty())
        fields.emplace_back("reason", oneLine(item.reason));
    std::cout << "item " << (item.where.empty() ? std::string("(the body)") : item.where) << '\n'
              << renderFields(fields);
    for (const auto& v : item.violations)
        std::cout << "  " << (v.path.empty() ? "" : v.path + ": ") << v.message << '\n';
    if (!item.event.empty()) {
        const json event = json::parse(item.event, nullptr, false);
        std::cout << (item.outcome == "mapped" ? "event:\n" : "event as mapped:\n")
                  << (event.is_discarded() ? item.event : event.dump(2)) << '\n';
    }
}

// A dry run: the mesh verifies (with --verify) and maps the body as the hook
// would, and stores nothing.
static int sourceTest(Options& o, MeshClient& client) {
    const std::string& name = argument(o, 1, kTestUsage);
    if (!o.flags.count("--file"))
        fail("usage: " + kTestUsage);
    protocol::SourceTestRequest request;
    request.body = readInput(o.flags["--file"]);
    for (const auto& header : o.repeated["--header"])
        request.headers.push_back(headerOf(header));
    request.verify = o.flags.count("--verify") > 0;
    if (o.flags.count("--mapping"))
        request.mapping = readInput(o.flags["--mapping"]);
    const auto result = answer<protocol::SourceTestResult>(
        o, client, "POST", "/v1/sources/" + urlEncode(name) + "/test", "sources test",
        protocol::toJson(request));
    if (!result)
        return 0;
    if (!result->verificationChecked)
        std::cout << "signature: not checked (--verify checks it with the source's secrets)\n";
    else if (result->verified)
        std::cout << "signature: verified\n";
    else
        std::cout << "signature: refused: " << oneLine(result->verificationReason) << '\n';
    if (!result->error.empty()) {
        std::cout << "body: not read: " << oneLine(result->error) << '\n';
        return 0;
    }
    std::map<std::string, int> outcomes;
    for (const auto& item : result->items) {
        std::cout << '\n';
        printTestItem(item);
        ++outcomes[item.outcome];
    }
    std::string summary;
    for (const auto& [outcome, count] : outcomes)
        summary += (summary.empty() ? ": " : ", ") + std::to_string(count) + ' ' + outcome;
    std::cout << '\n'
              << result->items.size() << " item(s)" << summary
              << (request.mapping.empty() ? "" : " with the rules from " + o.flags["--mapping"])
              << "; nothing was stored\n";
    return 0;
}

int sources(Options& o, MeshClient& client) {
    const std::string sub = o.positional.empty() ? "list" : o.positional[0];
    if (sub == "list")
        return sourceList(o, client);
    if (sub == "show")
        return sourceShow(o, client);
    if (sub == "apply")
        return sourceApply(o, client);
    if (sub == "delete")
        return sourceDelete(o, client);
    if (sub == "test")
        return sourceTest(o, client);
    fail("unknown command 'sources " + sub + "'\n\n" + kUsage);
}

} // namespace meshctl
