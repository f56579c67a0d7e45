// The authorization matrix, generated from the route table (broker/gateway/
// routes.h): every route x every role x a token of the target's own tenant,
// of another tenant, and over every tenant. The expected answer follows from
// the route's declared rule alone:
//
//   role not allowed              -> 403
//   another tenant's path target  -> 404, exactly like a missing one
//   another tenant, filtered read -> 2xx (or 404) with nothing of acme in it
//   another tenant, body targets  -> refused (403/404), nothing changed
//   own tenant, or "*"            -> answered (2xx)
//
// A route in the table with no sample request here fails the test: a new
// route cannot ship without its rule being walked.

#include "broker/gateway/routes.h"
#include "core/uuid.h"
#include "tests/support/http_compare.h"
#include "tests/support/sink_server.h"
#include "tests/support/test_broker.h"
#include "tests/support/test_support.h"
#include "tests/support/ws_client.h"

#include <QFile>
#include <QtTest/QTest>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

using namespace meshdeck;
using meshdeck::test::SinkReply;
using meshdeck::test::SinkServer;
using meshdeck::test::TestBroker;
using meshdeck::test::WsClient;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Everything of the target tenant's carries this word; a foreign token's
// answer must not.
constexpr const char* kOwner = "acme";

json leadScored(const std::string& lead, const std::string& tenant) {
    static UuidV7Generator ids;
    return json{{"event_id", ids.next()},
                {"event_type", "LeadScored"},
                {"schema_version", 1},
                {"occurred_at", "2026-11-27T09:14:03.120Z"},
                {"producer", tenant + "-enrichment"},
                {"tenant_id", tenant},
                {"correlation_id", tenant + "-journey"},
                {"entity", {{"kind", "lead"}, {"id", tenant + "-" + lead}}},
                {"payload", {{"lead_id", tenant + "-" + lead}, {"score", 50}, {"model", "v3"}}}};
}

json consumerSpec(const std::string& name, const std::string& tenant, const std::string& url) {
    return json{{"name", name},
                {"filter", {{"tenant", tenant}, {"event_types", {"LeadScored"}}}},
                {"sink", {{"type", "webhook"}, {"url", url}}}};
}

struct Sample {
    std::string method, target, body;
    std::map<std::string, std::string> headers = {{"content-type", "application/json"}};
};

json segmentSource(const std::string& name) {
    return json{
        {"name", name}, {"kind", "segment"}, {"tenant", "acme"}, {"secrets", {"acme-hook-key"}}};
}

// A Segment call to acme's source, signed as Segment signs it.
Sample signedHook() {
    const std::string body = test::readFixture(QStringLiteral("segment/track-demo-booked.json"));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const std::string key = "acme-hook-key";
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &n);
    std::string hex;
    for (unsigned int i = 0; i < n; ++i) {
        hex += "0123456789abcdef"[mac[i] >> 4];
        hex += "0123456789abcdef"[mac[i] & 15];
    }
    return Sample{"POST",
                  "/v1/hooks/acme-hooks",
                  body,
                  {{"content-type", "application/json"}, {"x-signature", hex}}};
}

struct Caller {
    std::string label; // "operator of globex"
    Principal principal;
    std::string token;
    bool ownTenant; // acme, or "*"
};

} // namespace

class AuthorizationTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<TestBroker> mesh;
    std::unique_ptr<SinkServer> sink;
    std::string meshAdmin;
    std::vector<Caller> callers;
    std::string acmeEventId;
    int fresh = 0;

    HttpResult as(const std::string& token, const std::string& method, const std::string& target,
                  const std::string& body = {},
                  std::map<std::string, std::string> headers = {
                      {"content-type", "application/json"}}) {
        auto client = mesh->client(token);
        return client.request(method, target, body, headers);
    }

    // An open acme dead letter nobody has touched yet.
    std::string openAcmeLetter() {
        const auto r =
            as(meshAdmin, "GET", "/v1/dead-letters?consumer=acme-crm&state=open&limit=1");
        const json list = json::parse(r.body)["dead_letters"];
        if (list.empty())
            return "0";
        return std::to_string(list[0]["id"].get<std::int64_t>());
    }

    std::string freshAcmeConsumer() {
        const std::string name = "acme-tmp-" + std::to_string(++fresh);
        const auto r =
            as(meshAdmin, "POST", "/v1/consumers", consumerSpec(name, "acme", sink->url()).dump());
        if (r.status != 201)
            qWarning("could not create %s: %s", name.c_str(), r.body.c_str());
        return name;
    }

    std::string freshAcmeToken() {
        const auto r = as(meshAdmin, "POST", "/v1/tokens",
                          R"({"role":"viewer","tenant":"acme","name":"acme-spare"})");
        return json::parse(r.body)["id"].get<std::string>();
    }

    // A request for each route that touches acme's data (built anew for each
    // call, since some of them change or use up their target).
    std::map<std::string, std::function<Sample()>> samples() {
        const std::string letterGroup = R"({"consumer":"acme-crm","signature":"x"})";
        return {
            {"GET /healthz",
             [] {
                 return Sample{"GET", "/healthz", ""};
             }},
            {"GET /metrics",
             [] {
                 return Sample{"GET", "/metrics", ""};
             }},
            {"GET /v1/whoami",
             [] {
                 return Sample{"GET", "/v1/whoami", ""};
             }},
            {"POST /v1/events",
             [] {
                 return Sample{"POST", "/v1/events", leadScored("L-new", "acme").dump()};
             }},
            {"GET /v1/events",
             [] {
                 return Sample{"GET", "/v1/events", ""};
             }},
            {"GET /v1/events/{id}",
             [this] {
                 return Sample{"GET", "/v1/events/" + acmeEventId, ""};
             }},
            {"GET /v1/schemas",
             [] {
                 return Sample{"GET", "/v1/schemas", ""};
             }},
            {"GET /v1/schemas/{type}/versions",
             [] {
                 return Sample{"GET", "/v1/schemas/LeadScored/versions", ""};
             }},
            {"POST /v1/schemas/{type}/versions",
             [this] {
                 return Sample{"POST",
                               "/v1/schemas/AcmeProbe" + std::to_string(++fresh) + "/versions",
                               R"({"type":"object","x-owner":"acme"})"};
             }},
            {"POST /v1/schemas/{type}/check",
             [] {
                 return Sample{"POST", "/v1/schemas/LeadScored/check", R"({"type":"object"})"};
             }},
            {"POST /v1/schemas/{type}/validate",
             [] {
                 return Sample{"POST", "/v1/schemas/LeadScored/validate",
                               R"({"lead_id":"x","score":1})"};
             }},
            {"GET /v1/quarantine",
             [] {
                 return Sample{"GET", "/v1/quarantine", ""};
             }},
            {"GET /v1/audit",
             [] {
                 return Sample{"GET", "/v1/audit", ""};
             }},
            {"POST /v1/tokens",
             [] {
                 return Sample{"POST", "/v1/tokens",
                               R"({"role":"viewer","tenant":"acme","name":"acme-made"})"};
             }},
            {"DELETE /v1/tokens/{id}",
             [this] {
                 return Sample{"DELETE", "/v1/tokens/" + freshAcmeToken(), ""};
             }},
            {"GET /v1/flows",
             [] {
                 return Sample{"GET", "/v1/flows", ""};
             }},
            {"GET /v1/consumers",
             [] {
                 return Sample{"GET", "/v1/consumers", ""};
             }},
            {"POST /v1/consumers",
             [this] {
                 return Sample{
                     "POST", "/v1/consumers",
                     consumerSpec("acme-new-" + std::to_string(++fresh), "acme", sink->url())
                         .dump()};
             }},
            {"GET /v1/consumers/{name}",
             [] {
                 return Sample{"GET", "/v1/consumers/acme-crm", ""};
             }},
            {"PUT /v1/consumers/{name}",
             [this] {
                 return Sample{"PUT", "/v1/consumers/acme-crm",
                               consumerSpec("acme-crm", "acme", sink->url()).dump()};
             }},
            {"DELETE /v1/consumers/{name}",
             [this] {
                 return Sample{"DELETE", "/v1/consumers/" + freshAcmeConsumer(), ""};
             }},
            {"POST /v1/consumers/{name}/pause",
             [] {
                 return Sample{"POST", "/v1/consumers/acme-crm/pause", ""};
             }},
            {"POST /v1/consumers/{name}/resume",
             [] {
                 return Sample{"POST", "/v1/consumers/acme-crm/resume", ""};
             }},
            {"POST /v1/consumers/{name}/replay",
             [] {
                 return Sample{"POST", "/v1/consumers/acme-crm/replay",
                               R"({"from_seq":1,"dry_run":true})"};
             }},
            {"GET /v1/consumers/{name}/history",
             [] {
                 return Sample{"GET", "/v1/consumers/acme-crm/history", ""};
             }},
            {"POST /v1/replay",
             [] {
                 return Sample{"POST", "/v1/replay",
                               R"({"consumers":["acme-crm"],"from_seq":1,"dry_run":true})"};
             }},
            {"GET /v1/dead-letters",
             [] {
                 return Sample{"GET", "/v1/dead-letters", ""};
             }},
            {"GET /v1/dead-letters/groups",
             [] {
                 return Sample{"GET", "/v1/dead-letters/groups", ""};
             }},
            {"GET /v1/dead-letters/{id}",
             [this] {
                 return Sample{"GET", "/v1/dead-letters/" + openAcmeLetter(), ""};
             }},
            {"POST /v1/dead-letters/replay",
             [this] {
                 return Sample{"POST", "/v1/dead-letters/replay",
                               R"({"ids":[)" + openAcmeLetter() + "]}"};
             }},
            {"POST /v1/dead-letters/discard",
             [this] {
                 return Sample{"POST", "/v1/dead-letters/discard",
                               R"({"ids":[)" + openAcmeLetter() + R"(],"reason":"matrix"})"};
             }},
            {"POST /v1/dead-letters/{id}/replay",
             [this] {
                 return Sample{"POST", "/v1/dead-letters/" + openAcmeLetter() + "/replay", ""};
             }},
            {"GET /v1/sources",
             [] {
                 return Sample{"GET", "/v1/sources", ""};
             }},
            {"POST /v1/sources",
             [this] {
                 return Sample{"POST", "/v1/sources",
                               segmentSource("acme-src-" + std::to_string(++fresh)).dump()};
             }},
            {"GET /v1/sources/{name}",
             [] {
                 return Sample{"GET", "/v1/sources/acme-hooks", ""};
             }},
            {"PUT /v1/sources/{name}",
             [] {
                 return Sample{"PUT", "/v1/sources/acme-hooks", segmentSource("acme-hooks").dump()};
             }},
            {"DELETE /v1/sources/{name}",
             [this] {
                 const std::string name = "acme-src-" + std::to_string(++fresh);
                 as(meshAdmin, "POST", "/v1/sources", segmentSource(name).dump());
                 return Sample{"DELETE", "/v1/sources/" + name, ""};
             }},
            {"POST /v1/sources/{name}/test",
             [] {
                 return Sample{"POST", "/v1/sources/acme-hooks/test",
                               json{{"body", signedHook().body}}.dump()};
             }},
            {"POST /v1/hooks/{source}", signedHook},
            {"GET /v1/traces/{correlation_id}",
             [] {
                 return Sample{"GET", "/v1/traces/acme-journey", ""};
             }},
            {"GET /v1/stall",
             [] {
                 return Sample{"GET", "/v1/stall?correlation_id=acme-journey", ""};
             }},
            {"GET /v1/search",
             [] {
                 return Sample{"GET", "/v1/search?q=acme-journey", ""};
             }},
            {"GET /v1/subscribe",
             [] {
                 return Sample{"GET", "/v1/subscribe", ""};
             }},
            {"GET /v1/live",
             [] {
                 return Sample{"GET", "/v1/live", ""};
             }},
        };
    }

    // The answer of a WebSocket route, as an HTTP-like status and body: the
    // upgrade's refusal, or what the session said first.
    HttpResult webSocket(const Caller& caller, const std::string& path) {
        // The upgrade's answer first: 101, or a refusal with its status.
        HttpResult out = as(caller.token, "GET", path, "",
                            {{"connection", "Upgrade"},
                             {"upgrade", "websocket"},
                             {"sec-websocket-version", "13"},
                             {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="}});
        if (out.status != 101)
            return out;
        try {
            WsClient ws(mesh->url(), path, caller.token);
            if (path == "/v1/subscribe")
                ws.send(R"({"type":"subscribe","consumer":"acme-ws"})");
            const auto frame = ws.receive(5s);
            out.body = frame.value_or("");
            out.status = 200;
            // A refused subscription is an error frame naming no such consumer.
            out.status = out.body.find("\"error\"") != std::string::npos ? 404 : 200;
        } catch (const std::exception& e) {
            out.status = 0;
            out.body = e.what();
        }
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        sink = std::make_unique<SinkServer>([](const auto&) { return SinkReply{422}; });
        mesh = std::make_unique<TestBroker>();
        meshAdmin = mesh->adminToken;
        for (const std::string tenant : {"acme", "globex"})
            for (Role role :
                 {Role::Producer, Role::Consumer, Role::Operator, Role::Viewer, Role::Admin}) {
                const std::string token = mesh->token(role, tenant);
                callers.push_back({std::string(toString(role)) + " of " + tenant,
                                   Principal{"", role, tenant, {}}, token, tenant == kOwner});
            }
        callers.push_back(
            {"admin of every tenant", Principal{"", Role::Admin, "*", {}}, meshAdmin, true});

        // acme: a webhook consumer whose sink refuses everything (422: dead
        // letters at once), a WebSocket consumer, and a journey of events.
        // globex gets the same, so there is something to leak.
        for (const std::string tenant : {"acme", "globex"}) {
            QCOMPARE_HTTP(as(meshAdmin, "POST", "/v1/consumers",
                             consumerSpec(tenant + "-crm", tenant, sink->url()).dump()),
                          201);
            const json ws{{"name", tenant + "-ws"},
                          {"filter", {{"tenant", tenant}, {"event_types", {"LeadScored"}}}},
                          {"sink", {{"type", "websocket"}}}};
            QCOMPARE_HTTP(as(meshAdmin, "POST", "/v1/consumers", ws.dump()), 201);
            const std::string producer = mesh->token(Role::Producer, tenant);
            for (int i = 0; i < (tenant == kOwner ? 40 : 3); ++i) {
                const json e = leadScored("L-" + std::to_string(i), tenant);
                QCOMPARE_HTTP(as(producer, "POST", "/v1/events", e.dump()), 202);
                if (tenant == kOwner && i == 0)
                    acmeEventId = e["event_id"];
            }
        }
        // acme's vendor source, and one of globex's so there is something to leak.
        QCOMPARE_HTTP(as(meshAdmin, "POST", "/v1/sources", segmentSource("acme-hooks").dump()),
                      201);
        json globexSource = segmentSource("globex-hooks");
        globexSource["tenant"] = "globex";
        QCOMPARE_HTTP(as(meshAdmin, "POST", "/v1/sources", globexSource.dump()), 201);
        // A rejected acme input, for the quarantine.
        QCOMPARE_HTTP(as(mesh->token(Role::Producer, "acme"), "POST", "/v1/events",
                         R"({"event_type":"LeadScored","tenant_id":"acme"})"),
                      422);
        QVERIFY(QTest::qWaitFor(
            [&] {
                const auto r = as(meshAdmin, "GET", "/v1/dead-letters?consumer=acme-crm&limit=100");
                return json::parse(r.body)["dead_letters"].size() == 40;
            },
            15000));
    }
    void cleanupTestCase() {
        mesh.reset();
        sink.reset();
    }

    void everyRouteHasASample() {
        const auto known = samples();
        for (const Route& route : routeTable()) {
            const std::string key = std::string(route.method) + ' ' + std::string(route.pattern);
            QVERIFY2(known.count(key),
                     qPrintable(QStringLiteral("route %1 has no sample request in "
                                               "tst_authorization: add one so its rule is walked")
                                    .arg(QString::fromStdString(key))));
        }
    }

    // Every filtered read, by every foreign caller allowed to make it, holds
    // nothing of acme's but the id the caller itself asked about.
    void filteredReadsHoldNothingOfAnotherTenant() {
        const auto all = samples();
        int checked = 0;
        for (const Route& route : routeTable()) {
            if (route.scope != TenantScope::Filtered)
                continue;
            for (const Caller& caller : callers) {
                if (caller.ownTenant || !allows(route.access, caller.principal))
                    continue;
                const std::string key =
                    std::string(route.method) + ' ' + std::string(route.pattern);
                const Sample sample = all.at(key)();
                const bool webSocketRoute = route.pattern == "/v1/live";
                HttpResult r = webSocketRoute ? webSocket(caller, sample.target)
                                              : as(caller.token, sample.method, sample.target,
                                                   sample.body, sample.headers);
                std::string body = r.body;
                for (const std::string echo : {"acme-journey"})
                    for (auto at = body.find(echo); at != std::string::npos; at = body.find(echo))
                        body.erase(at, echo.size());
                QVERIFY2(((r.status >= 200 && r.status < 300) || r.status == 404) &&
                             body.find(kOwner) == std::string::npos,
                         qPrintable(QStringLiteral("%1 as %2 -> HTTP %3: %4")
                                        .arg(QString::fromStdString(key),
                                             QString::fromStdString(caller.label))
                                        .arg(r.status)
                                        .arg(QString::fromStdString(r.body))));
                ++checked;
            }
        }
        QVERIFY(checked > 40);
    }

    // docs/security.md prints the same table, row for row.
    void securityDocListsEveryRule() {
        QFile doc(test::fixturePath(QStringLiteral("../../docs/security.md")));
        QVERIFY2(doc.open(QIODevice::ReadOnly), qPrintable(doc.fileName()));
        const std::string text = doc.readAll().toStdString();
        std::string missing;
        for (const Route& route : routeTable()) {
            const std::string row =
                "| `" + std::string(route.method) + ' ' + std::string(route.pattern) + "` | " +
                rolesAllowed(route.access) + " | " + std::string(toString(route.scope)) + " |";
            if (text.find(row) == std::string::npos)
                missing += row + '\n';
        }
        QVERIFY2(missing.empty(),
                 qPrintable(QStringLiteral("docs/security.md lacks these rows of the route "
                                           "table:\n%1")
                                .arg(QString::fromStdString(missing))));
    }

    void matrix_data() {
        QTest::addColumn<int>("routeIndex");
        QTest::addColumn<int>("callerIndex");
        const auto& table = routeTable();
        for (int r = 0; r < static_cast<int>(table.size()); ++r)
            for (int c = 0; c < static_cast<int>(callers.size()); ++c)
                QTest::addRow("%s %s as %s", table[r].method.data(),
                              std::string(table[r].pattern).c_str(), callers[c].label.c_str())
                    << r << c;
    }
    void matrix() {
        QFETCH(int, routeIndex);
        QFETCH(int, callerIndex);
        const Route& route = routeTable()[static_cast<std::size_t>(routeIndex)];
        const Caller& caller = callers[static_cast<std::size_t>(callerIndex)];
        const std::string key = std::string(route.method) + ' ' + std::string(route.pattern);
        const auto all = samples();
        const auto found = all.find(key);
        QVERIFY2(found != all.end(), key.c_str());
        const Sample sample = found->second();
        const bool webSocketRoute = route.pattern == "/v1/subscribe" || route.pattern == "/v1/live";
        HttpResult r = webSocketRoute ? webSocket(caller, sample.target)
                                      : as(caller.token, sample.method, sample.target, sample.body,
                                           sample.headers);
        const QString where =
            QStringLiteral("%1 as %2 -> HTTP %3: %4")
                .arg(QString::fromStdString(key), QString::fromStdString(caller.label))
                .arg(r.status)
                .arg(QString::fromStdString(r.body.substr(0, 300)));

        if (!allows(route.access, caller.principal)) {
            QVERIFY2(r.status == 403, qPrintable(where));
            return;
        }
        // A vendor's hook answers the vendor's signature, whoever's token
        // rides along (tst_hooks: no token gets past a missing signature).
        if (route.access == Access::Vendor) {
            QVERIFY2(r.status == 200, qPrintable(where));
            return;
        }
        QVERIFY2(r.status != 401 && r.status != 405 && r.status < 500, qPrintable(where));
        if (caller.ownTenant || route.scope == TenantScope::Shared) {
            QVERIFY2(r.status >= 200 && r.status < 300, qPrintable(where));
            return;
        }
        switch (route.scope) {
        case TenantScope::ConsumerInPath:
        case TenantScope::DeadLetterInPath:
        case TenantScope::EventInPath:
        case TenantScope::TokenInPath:
        case TenantScope::SourceInPath:
            QVERIFY2(r.status == 404, qPrintable(where));
            break;
        case TenantScope::InBody:
            QVERIFY2(r.status == 403 || r.status == 404, qPrintable(where));
            break;
        case TenantScope::Filtered:
            // What the answer holds is checked by filteredReadsHoldNothingOfAnotherTenant,
            // before any write here put the caller's own attempts on acme in its records.
            QVERIFY2((r.status >= 200 && r.status < 300) || r.status == 404, qPrintable(where));
            break;
        case TenantScope::Shared:
            break;
        }
    }

    // Search by any of acme's ids, as every other tenant's reader: nothing,
    // while acme's own viewer finds each.
    void searchFindsNothingOfAnotherTenant() {
        QCOMPARE_HTTP(as("", "POST", signedHook().target, signedHook().body, signedHook().headers),
                      200); // acme's vendor item (a repeat is a duplicate, also 200)
        const auto letters = json::parse(
            as(meshAdmin, "GET", "/v1/dead-letters?consumer=acme-crm&state=all&limit=1").body);
        QVERIFY(!letters["dead_letters"].empty());
        const std::string letter = std::to_string(letters["dead_letters"][0]["id"].get<int>());
        const std::vector<std::string> acmeIds = {
            acmeEventId, "acme-L-1",     "lead:acme-L-1",           "acme-journey",
            letter,      "dl-" + letter, "ajs-next-1764234850-5f1a"};
        const auto acmeViewer = std::find_if(callers.begin(), callers.end(), [](const Caller& c) {
            return c.label == "viewer of acme";
        });
        QVERIFY(acmeViewer != callers.end());
        int checked = 0;
        for (const std::string& id : acmeIds) {
            const std::string target = "/v1/search?q=" + urlEncode(id);
            const json own = json::parse(as(acmeViewer->token, "GET", target).body);
            QVERIFY2(!own["matches"].empty(), (id + ": " + own.dump()).c_str());
            for (const Caller& caller : callers) {
                if (caller.ownTenant || !caller.principal.canRead())
                    continue;
                const auto r = as(caller.token, "GET", target);
                const std::string where = id + " as " + caller.label + " -> " + r.body;
                QVERIFY2(r.status == 200, where.c_str());
                const json answer = json::parse(r.body);
                QVERIFY2(answer["matches"].empty(), where.c_str());
                std::string rest = r.body; // all but the id the caller sent
                for (auto at = rest.find(id); at != std::string::npos; at = rest.find(id))
                    rest.erase(at, id.size());
                QVERIFY2(rest.find(kOwner) == std::string::npos, where.c_str());
                ++checked;
            }
        }
        QCOMPARE(checked, 7 * 4); // globex's consumer, operator, viewer and admin
    }

    // The writes refused above changed nothing: acme's consumer is not
    // paused by globex, and every acme letter globex named is still open.
    void foreignWritesChangedNothing() {
        const auto globexOperator =
            std::find_if(callers.begin(), callers.end(),
                         [](const Caller& c) { return c.label == "operator of globex"; });
        QVERIFY(globexOperator != callers.end());
        const std::string letter = openAcmeLetter();
        QCOMPARE_HTTP(as(globexOperator->token, "POST", "/v1/consumers/acme-crm/pause"), 404);
        QCOMPARE_HTTP(as(globexOperator->token, "POST", "/v1/dead-letters/discard",
                         R"({"ids":[)" + letter + R"(],"reason":"not yours"})"),
                      404);
        QCOMPARE_HTTP(as(globexOperator->token, "POST", "/v1/dead-letters/replay",
                         R"({"consumer":"acme-crm","signature":"any"})"),
                      404);
        const json c = json::parse(as(meshAdmin, "GET", "/v1/consumers/acme-crm").body);
        QCOMPARE(c["spec"]["paused"].get<bool>(), false);
        const json d = json::parse(as(meshAdmin, "GET", "/v1/dead-letters/" + letter).body);
        QCOMPARE(QString::fromStdString(d["state"].get<std::string>()), QStringLiteral("open"));
        // A tenant's audit log holds its own tenant's entries only.
        const json audit = json::parse(as(callers[3].token, "GET", "/v1/audit").body);
        for (const auto& e : audit["entries"])
            QCOMPARE(QString::fromStdString(e["tenant"].get<std::string>()),
                     QStringLiteral("acme"));
    }
};

QTEST_GUILESS_MAIN(AuthorizationTest)
#include "tst_authorization.moc"
