// meshd --demo as a user runs it: a real meshd child on a fresh data dir,
// fed by the simulated stack through its own /v1/hooks, read back over the
// HTTP API; then SIGTERM, and a restart on the same data.

#include "broker/client/mesh_client.h"
#include "tests/support/meshd_process.h"

#include <QDeadlineTimer>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest/QTest>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>

using namespace meshdeck;
using meshdeck::test::MeshdProcess;
using nlohmann::json;

namespace {

const std::set<std::string> kSources = {"hubspot", "salesforce", "segment"};

json getJson(MeshClient& client, const std::string& target) {
    const HttpResult r = client.get(target);
    if (!r.ok())
        return json();
    return json::parse(r.body, nullptr, false);
}

// What the demo has done so far, from the mesh's own answers; empty when it
// has done all this test waits for.
std::string notYet(MeshClient& client) {
    const json sources = getJson(client, "/v1/sources");
    std::set<std::string> mapped;
    for (const json& s : sources.value("sources", json::array())) {
        const json& counters = s["counters"];
        if (counters["rejected_signature"] != 0 || counters["quarantined"] != 0)
            return "source " + s["name"].get<std::string>() + " refused items: " + s.dump();
        if (counters["mapped"].get<int>() > 0)
            mapped.insert(s["name"].get<std::string>());
    }
    if (mapped != kSources)
        return "not every source has mapped items yet: " + sources.dump();
    const json consumers = getJson(client, "/v1/consumers");
    for (const json& c : consumers.value("consumers", json::array()))
        if (c["totals"]["delivered"].get<int>() == 0)
            return "consumer " + c["name"].get<std::string>() + " has delivered nothing yet";
    if (consumers.value("consumers", json::array()).size() != 3)
        return "the three consumers are not declared yet: " + consumers.dump();
    std::set<std::string> producers;
    for (const json& p : getJson(client, "/v1/flows").value("producers", json::array()))
        producers.insert(p["producer"].get<std::string>());
    for (const auto& source : kSources)
        if (!producers.contains(source))
            return "the flows do not name " + source + " as a producer yet";
    return {};
}

std::string waitForTheDemo(MeshClient& client, int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    std::string missing = notYet(client);
    while (!missing.empty() && !deadline.hasExpired()) {
        QThread::msleep(250);
        missing = notYet(client);
    }
    return missing;
}

std::int64_t storedEvents(MeshClient& client) {
    return getJson(client, "/healthz").value("events", std::int64_t{0});
}

} // namespace

class MeshdDemoTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void vendorsFeedTheMeshThroughHooks() {
        QTemporaryDir dir;
        MeshdProcess meshd(dir.path(), {QStringLiteral("--demo")});
        QVERIFY2(!meshd.adminToken().empty(), qPrintable(meshd.output()));
        MeshClient client(meshd.url(), meshd.adminToken());

        const std::string missing = waitForTheDemo(client, 20000);
        QVERIFY2(missing.empty(), missing.c_str());
        // What the mesh refused is the legacy import's, on purpose.
        const json quarantine = getJson(client, "/v1/quarantine?limit=1000");
        for (const json& entry : quarantine["entries"])
            QVERIFY2(entry["body"].get<std::string>().find("legacy-import") != std::string::npos,
                     entry.dump().c_str());

        // The demo's own token is kept beside the data, for the owner only.
        struct stat kept {};
        QCOMPARE(::stat((dir.path() + QStringLiteral("/demo.token")).toUtf8().constData(), &kept),
                 0);
        QCOMPARE(kept.st_mode & 0777, 0600u);

        QCOMPARE(meshd.terminate(), 0);
        const QString log = QString::fromUtf8(meshd.process().readAllStandardError());
        QVERIFY2(log.contains(QStringLiteral("demo: stopped")), qPrintable(log));
        QVERIFY2(log.indexOf(QStringLiteral("demo: stopped")) <
                     log.indexOf(QStringLiteral("draining the write queue")),
                 qPrintable(log));
        QVERIFY2(!log.contains(QStringLiteral("\"level\":\"error\"")), qPrintable(log));
        QVERIFY2(!log.contains(QStringLiteral("demo: the source was not declared")),
                 qPrintable(log));
        QVERIFY2(!log.contains(QStringLiteral("demo: a vendor webhook was not stored")),
                 qPrintable(log));
    }

    // On the next start there is no one-time token: the demo goes on with the
    // token it kept, and makes no second one.
    void restartsOnItsKeptToken() {
        QTemporaryDir dir;
        std::string admin;
        {
            MeshdProcess meshd(dir.path(), {QStringLiteral("--demo")});
            admin = meshd.adminToken();
            MeshClient client(meshd.url(), admin);
            const std::string missing = waitForTheDemo(client, 20000);
            QVERIFY2(missing.empty(), missing.c_str());
            QCOMPARE(meshd.terminate(), 0);
        }
        MeshdProcess again(dir.path(), {QStringLiteral("--demo")});
        QVERIFY(again.adminToken().empty());
        MeshClient client(again.url(), admin);
        const std::int64_t before = storedEvents(client);
        QTRY_VERIFY_WITH_TIMEOUT(storedEvents(client) > before + 10, 20000);
        const json sources = getJson(client, "/v1/sources");
        for (const json& s : sources["sources"])
            QVERIFY2(s["counters"]["rejected_signature"] == 0, s.dump().c_str());
        QCOMPARE(again.terminate(), 0);

        QProcess list;
        list.start(MeshdProcess::meshdPath(), {QStringLiteral("token"), QStringLiteral("list"),
                                               QStringLiteral("--data"), dir.path()});
        QVERIFY(list.waitForFinished(15000));
        const QString tokens = QString::fromUtf8(list.readAllStandardOutput());
        QCOMPARE(tokens.count(QStringLiteral("meshd --demo")), 1);
    }
};

QTEST_GUILESS_MAIN(MeshdDemoTest)
#include "tst_meshd_demo.moc"
