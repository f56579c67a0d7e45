// Revocation takes effect at once, for every token, used or not: the next
// request is refused, and the token's open WebSocket sessions are closed
// with code 1008 (policy) saying why. Through the API, and through
// `meshd token revoke` against the data dir of a meshd that is running.

#include "tests/support/http_compare.h"
#include "tests/support/meshd_process.h"
#include "tests/support/test_broker.h"
#include "tests/support/ws_client.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using meshdeck::test::MeshdProcess;
using meshdeck::test::TestBroker;
using meshdeck::test::WsClient;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct IssuedToken {
    std::string id, plaintext;
};

IssuedToken createToken(MeshClient& admin, const std::string& role, const std::string& tenant) {
    const auto r = admin.postJson("/v1/tokens", json{{"role", role}, {"tenant", tenant}}.dump());
    if (r.status != 201)
        return {};
    const json j = json::parse(r.body);
    return {j["id"], j["token"]};
}

// Reads frames until the server closes the session; its close code.
std::optional<int> closedWith(WsClient& ws, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        ws.receive(200ms);
        if (ws.closeCode())
            return ws.closeCode();
    }
    return std::nullopt;
}

} // namespace

class RevocationTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void revokedThroughTheApiAtOnce() {
        TestBroker mesh;
        auto admin = mesh.client(mesh.adminToken);
        const IssuedToken used = createToken(admin, "viewer", "acme");
        const IssuedToken unused = createToken(admin, "viewer", "acme");
        QVERIFY(!used.id.empty() && !unused.id.empty());
        auto viewer = mesh.client(used.plaintext);
        QCOMPARE_HTTP(viewer.get("/v1/events"), 200); // now cached by the broker
        WsClient live(mesh.url(), "/v1/live", used.plaintext);
        QVERIFY(live.receive(5s).has_value()); // the first snapshot: the session is open

        QCOMPARE_HTTP(admin.request("DELETE", "/v1/tokens/" + used.id), 200);
        QCOMPARE_HTTP(admin.request("DELETE", "/v1/tokens/" + unused.id), 200);
        QCOMPARE_HTTP(viewer.get("/v1/events"), 401);
        QCOMPARE_HTTP(mesh.client(unused.plaintext).get("/v1/events"), 401);
        QCOMPARE(closedWith(live, 5s), std::optional<int>(1008));
        QVERIFY2(live.closeReason().find("revoked") != std::string::npos,
                 live.closeReason().c_str());
        // A second revoke says so; the audit log has the first.
        QCOMPARE_HTTP(admin.request("DELETE", "/v1/tokens/" + used.id), 409);
        const json audit = json::parse(admin.get("/v1/audit").body);
        QVERIFY(audit.dump().find("\"token.revoke\"") != std::string::npos);
    }

    void tenantAdminRevokesItsOwnTenantsTokensOnly() {
        TestBroker mesh;
        auto meshAdmin = mesh.client(mesh.adminToken);
        const IssuedToken globexViewer = createToken(meshAdmin, "viewer", "globex");
        auto acmeAdmin = mesh.client(mesh.token(Role::Admin, "acme"));
        QCOMPARE_HTTP(acmeAdmin.request("DELETE", "/v1/tokens/" + globexViewer.id), 404);
        QCOMPARE_HTTP(mesh.client(globexViewer.plaintext).get("/v1/events"), 200);
        // Nor may it make tokens wider than its tenant.
        QCOMPARE_HTTP(acmeAdmin.postJson("/v1/tokens", R"({"role":"viewer","tenant":"*"})"), 403);
        QCOMPARE_HTTP(acmeAdmin.postJson("/v1/tokens", R"({"role":"viewer","tenant":"globex"})"),
                      403);
    }

    void revokedWithTheCliWhileMeshdRuns() {
        QTemporaryDir dir;
        const QString data = dir.filePath(QStringLiteral("data"));
        MeshdProcess meshd(data);
        MeshClient admin(meshd.url(), meshd.adminToken());
        const IssuedToken consumer = createToken(admin, "consumer", "acme");
        QVERIFY(!consumer.id.empty());
        const json spec{{"name", "ws-cli"},
                        {"filter", {{"tenant", "acme"}}},
                        {"sink", {{"type", "websocket"}}}};
        QCOMPARE_HTTP(admin.postJson("/v1/consumers", spec.dump()), 201);
        MeshClient client(meshd.url(), consumer.plaintext);
        QCOMPARE_HTTP(client.get("/v1/consumers"), 200);
        WsClient ws(meshd.url(), "/v1/subscribe", consumer.plaintext);
        ws.send(R"({"type":"subscribe","consumer":"ws-cli"})");
        const auto subscribed = ws.receive(5s);
        QVERIFY(subscribed && subscribed->find("subscribed") != std::string::npos);

        QProcess revoke;
        revoke.start(MeshdProcess::meshdPath(),
                     {QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("--data"),
                      data, QString::fromStdString(consumer.id)});
        QVERIFY(revoke.waitForFinished(15000));
        const QString said = QString::fromUtf8(revoke.readAllStandardError());
        QCOMPARE(revoke.exitCode(), 0);
        QVERIFY2(said.contains(QStringLiteral("pid ")), qPrintable(said));

        QCOMPARE(closedWith(ws, 5s), std::optional<int>(1008));
        QCOMPARE_HTTP(client.get("/v1/consumers"), 401);
        QCOMPARE(meshd.terminate(), 0);
        QVERIFY2(!QFile::exists(data + QStringLiteral("/meshd.pid")),
                 "meshd left its pid file behind");
    }
};

QTEST_GUILESS_MAIN(RevocationTest)
#include "tst_revocation.moc"
