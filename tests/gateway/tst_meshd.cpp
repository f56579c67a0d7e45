// meshd as scripts and packaging use it: a real child process, its command
// line, what it prints, its signals and its logs.

#include "broker/client/mesh_client.h"
#include "broker/store/token_store.h"
#include "core/uuid.h"
#include "tests/support/json_compare.h"
#include "tests/support/meshd_process.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <thread>

using namespace meshdeck;
using meshdeck::test::MeshdProcess;
using nlohmann::json;

namespace {

// Not thread-safe with the shared generator: threads pass their own.
json makeEvent(const std::string& type, const std::string& lead,
               UuidV7Generator* generator = nullptr) {
    static UuidV7Generator shared;
    UuidV7Generator& ids = generator ? *generator : shared;
    json payload = {{"lead_id", lead}, {"score", 50}, {"model", "m"}};
    if (type == "LeadQualified")
        payload = {{"lead_id", lead}, {"score", 90}, {"qualified_by", "rep"}};
    return {{"event_id", ids.next()},
            {"event_type", type},
            {"occurred_at", "2026-11-27T09:00:00.000Z"},
            {"producer", "test"},
            {"tenant_id", "acme"},
            {"entity", {{"kind", "lead"}, {"id", lead}}},
            {"payload", payload}};
}

struct RunResult {
    int exitCode = -1;
    QString out;
    QString err;
};

RunResult runMeshd(const QStringList& args) {
    QProcess p;
    p.start(MeshdProcess::meshdPath(), args);
    p.waitForFinished(15000);
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

class MeshdTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void firstStartPrintsAdminTokenOnce() {
        QTemporaryDir dir;
        std::string token;
        {
            MeshdProcess meshd(dir.path());
            token = meshd.adminToken();
            QVERIFY2(QString::fromStdString(token).startsWith(QStringLiteral("mdk_")),
                     qPrintable(meshd.output()));
            QVERIFY(meshd.output().contains(QStringLiteral("admin token: ")));
            QCOMPARE(meshd.terminate(), 0);
        }
        MeshdProcess again(dir.path());
        QVERIFY2(again.adminToken().empty(), qPrintable(again.output()));
        QVERIFY(!again.output().contains(QStringLiteral("admin token")));
        MeshClient client(again.url(), token);
        const auto who = client.get("/v1/whoami");
        QCOMPARE(who.status, 200);
        QCOMPARE_JSON(json::parse(who.body)["role"], "admin");
        // The data dir and database are the owner's only.
        const auto mode = [](const QString& path) {
            struct stat st {};
            return ::stat(path.toLocal8Bit().constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
        };
        QCOMPARE(QString::number(mode(dir.path()), 8), QStringLiteral("700"));
        QCOMPARE(QString::number(mode(dir.path() + QStringLiteral("/mesh.db")) & 0077, 8),
                 QStringLiteral("0"));
    }

    void tokenCreatePrintsTheTokenAlone() {
        QTemporaryDir dir;
        const auto r =
            runMeshd({QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--data"),
                      dir.path(), QStringLiteral("--role"), QStringLiteral("producer"),
                      QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--types"),
                      QStringLiteral("LeadScored")});
        QCOMPARE(r.exitCode, 0);
        static const QRegularExpression alone(QStringLiteral("^mdk_[A-Za-z0-9_-]{43}\\n$"));
        QVERIFY2(alone.match(r.out).hasMatch(), qPrintable(r.out));
        const std::string token = r.out.trimmed().toStdString();

        MeshdProcess meshd(dir.path());
        MeshClient client(meshd.url(), token);
        QCOMPARE(client.postJson("/v1/events", makeEvent("LeadScored", "L-1").dump()).status, 202);
        QCOMPARE(client.postJson("/v1/events", makeEvent("LeadQualified", "L-1").dump()).status,
                 403);
        // The plaintext is nowhere in the data dir.
        std::ifstream db(QString(dir.path() + QStringLiteral("/mesh.db")).toStdString(),
                         std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(db)),
                                std::istreambuf_iterator<char>());
        QVERIFY(bytes.find(token) == std::string::npos);
    }

    void badCommandLinesExplainThemselves_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::addRow("no data dir") << QStringList{} << QStringLiteral("--data");
        QTest::addRow("bad listen")
            << QStringList{QStringLiteral("--data"), QStringLiteral("/tmp/x"),
                           QStringLiteral("--listen"), QStringLiteral("nope")}
            << QStringLiteral("HOST:PORT");
        QTest::addRow("unknown option")
            << QStringList{QStringLiteral("--colour")} << QStringLiteral("unknown option");
        QTest::addRow("bad role") << QStringList{QStringLiteral("token"),
                                                 QStringLiteral("create"),
                                                 QStringLiteral("--data"),
                                                 QStringLiteral("/nonexistent/meshd-bad-role"),
                                                 QStringLiteral("--role"),
                                                 QStringLiteral("king"),
                                                 QStringLiteral("--tenant"),
                                                 QStringLiteral("a")}
                                  << QStringLiteral("producer, consumer");
        QTest::addRow("missing config")
            << QStringList{QStringLiteral("--config"), QStringLiteral("/nonexistent/meshd.json")}
            << QStringLiteral("/nonexistent/meshd.json");
    }
    void badCommandLinesExplainThemselves() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const auto r = runMeshd(args);
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
    }

    void sigtermDrainsAndExitsCleanly() {
        QTemporaryDir dir;
        std::vector<std::string> acked;
        {
            MeshdProcess meshd(dir.path());
            MeshClient client(meshd.url(), meshd.adminToken());
            for (int i = 0; i < 20; ++i) {
                json batch = json::array();
                for (int j = 0; j < 25; ++j)
                    batch.push_back(makeEvent("LeadScored", "L-" + std::to_string(j)));
                const auto r = client.postJson("/v1/events", batch.dump());
                QCOMPARE(r.status, 202);
                for (const auto& e : batch)
                    acked.push_back(e["event_id"]);
            }
            QCOMPARE(meshd.terminate(), 0);
            const QString err = QString::fromUtf8(meshd.process().readAllStandardError());
            QVERIFY2(err.contains(QStringLiteral("\"stopped\"")), qPrintable(err));
        }
        MeshdProcess again(dir.path());
        MeshClient client(again.url(), "");
        const json health = json::parse(client.get("/healthz").body);
        QCOMPARE(health["events"].get<std::size_t>(), acked.size());
    }

    // SIGTERM while producers are mid-request: what was queued is committed
    // and answered, and every 202 is in the log after a restart.
    void sigtermAnswersWhatItCommitsWhileRequestsAreInFlight() {
        QTemporaryDir dir;
        std::mutex mutex;
        std::vector<std::string> acked;
        std::atomic<int> answeredAfterSignal{0};
        std::atomic<bool> signalled{false};
        {
            MeshdProcess meshd(dir.path(),
                               {QStringLiteral("--durability"), QStringLiteral("full")});
            const std::string url = meshd.url();
            const std::string token = meshd.adminToken();
            std::atomic<int> answered{0};
            std::vector<std::thread> producers;
            for (int p = 0; p < 4; ++p)
                producers.emplace_back([&, p] {
                    UuidV7Generator ids; // one per thread: makeEvent's is not thread-safe
                    MeshClient client(url, token);
                    client.setTimeout(std::chrono::seconds(10));
                    for (int i = 0; i < 400; ++i) { // bounded; the signal ends it sooner
                        json batch = json::array();
                        for (int j = 0; j < 20; ++j) {
                            batch.push_back(
                                makeEvent("LeadScored", "L-" + std::to_string(p), &ids));
                        }
                        const auto r = client.postJson("/v1/events", batch.dump());
                        if (r.status == 0)
                            return; // the broker has gone
                        if (r.status != 202)
                            continue; // 503 while stopping: refused, not accepted
                        ++answered;
                        if (signalled)
                            ++answeredAfterSignal;
                        std::lock_guard lock(mutex);
                        for (const auto& e : batch)
                            acked.push_back(e["event_id"]);
                    }
                });
            QTRY_VERIFY_WITH_TIMEOUT(answered.load() >= 40, 20000);
            signalled = true;
            meshd.signal(SIGTERM);
            for (auto& t : producers)
                t.join();
            QVERIFY(meshd.process().waitForFinished(15000));
            QCOMPARE(meshd.process().exitCode(), 0);
        }
        MeshdProcess again(dir.path());
        MeshClient admin(again.url(), "");
        const json health = json::parse(admin.get("/healthz").body);
        QCOMPARE(health["events"].get<std::size_t>(), acked.size());
        qInfo("%zu events acknowledged, %d requests answered 202 after SIGTERM was sent",
              acked.size(), answeredAfterSignal.load());
    }

    void sighupReloadsConfiguredTokens() {
        QTemporaryDir dir;
        const std::string plaintext = "mdk_reloadtesttokenreloadtesttokenreloadtest0";
        const QString configPath = dir.path() + QStringLiteral("/meshd.json");
        auto writeConfig = [&](const json& tokens) {
            std::ofstream out(configPath.toStdString());
            out << json{{"tokens", tokens}}.dump(2);
        };
        writeConfig(json::array());
        MeshdProcess meshd(dir.path() + QStringLiteral("/data"),
                           {QStringLiteral("--config"), configPath});
        MeshClient client(meshd.url(), plaintext);
        QCOMPARE(client.postJson("/v1/events", makeEvent("LeadScored", "L-h").dump()).status, 401);

        writeConfig(json::array({{{"name", "crm-bridge"},
                                  {"role", "producer"},
                                  {"tenant", "acme"},
                                  {"sha256", hashToken(plaintext)}}}));
        meshd.signal(SIGHUP);
        QTRY_COMPARE_WITH_TIMEOUT(
            client.postJson("/v1/events", makeEvent("LeadScored", "L-h").dump()).status, 202, 5000);
    }

    // SIGHUP reloads the schemas: the catalog folder as it is now, and the
    // versions registered through the API, which survive the reload.
    void sighupReloadsSchemas() {
        QTemporaryDir dir;
        const QString catalog = dir.path() + QStringLiteral("/catalog");
        QVERIFY(QDir().mkpath(catalog));
        const auto readSchema = [](const QString& name) {
            std::ifstream in(QString(test::catalogDir() + u'/' + name).toStdString());
            return json::parse(in, nullptr, false);
        };
        const auto writeSchema = [&](const QString& name, const json& schema) {
            std::ofstream out(QString(catalog + u'/' + name).toStdString());
            out << schema.dump(2);
        };
        json scored = readSchema(QStringLiteral("LeadScored.v1.json"));
        QVERIFY(scored.is_object());
        writeSchema(QStringLiteral("LeadScored.v1.json"), scored);
        const QString configPath = dir.path() + QStringLiteral("/meshd.json");
        {
            std::ofstream out(configPath.toStdString());
            out << json{{"catalog", catalog.toStdString()}}.dump();
        }
        MeshdProcess meshd(dir.path() + QStringLiteral("/data"),
                           {QStringLiteral("--config"), configPath});
        MeshClient client(meshd.url(), meshd.adminToken());
        const auto publish = [&](const std::string& type) {
            return client.postJson("/v1/events", makeEvent(type, "L-s").dump()).status;
        };
        QCOMPARE(publish("LeadScored"), 202);
        QCOMPARE(publish("LeadQualified"), 422); // not in this catalog
        // A version registered through the API (stored in the database).
        json v2 = scored;
        v2["$id"] = "urn:meshdeck:schema:LeadScored:2";
        v2["properties"]["segment"] = {{"type", "string"}};
        QCOMPARE(client.postJson("/v1/schemas/LeadScored/versions", v2.dump()).status, 201);
        json second = makeEvent("LeadScored", "L-s");
        second["schema_version"] = 2;
        QCOMPARE(client.postJson("/v1/events", second.dump()).status, 202);

        // The catalog changes on disk: a new type, and LeadScored v1 now
        // requires a field the test events do not have.
        writeSchema(QStringLiteral("LeadQualified.v1.json"),
                    readSchema(QStringLiteral("LeadQualified.v1.json")));
        scored["properties"]["campaign"] = {{"type", "string"}};
        scored["required"].push_back("campaign");
        writeSchema(QStringLiteral("LeadScored.v1.json"), scored);
        QCOMPARE(publish("LeadQualified"), 422); // nothing is read before the signal

        meshd.signal(SIGHUP);
        QTRY_COMPARE_WITH_TIMEOUT(publish("LeadQualified"), 202, 5000);
        const HttpResult refused =
            client.postJson("/v1/events", makeEvent("LeadScored", "L-s").dump());
        QCOMPARE(refused.status, 422);
        QVERIFY2(refused.body.find("campaign") != std::string::npos, refused.body.c_str());
        second["event_id"] = UuidV7Generator().next();
        QCOMPARE(client.postJson("/v1/events", second.dump()).status, 202); // v2 kept
    }

    void logsAreJsonLinesWithoutSecrets() {
        QTemporaryDir dir;
        MeshdProcess meshd(dir.path());
        MeshClient client(meshd.url(), meshd.adminToken());
        QCOMPARE(client.postJson("/v1/events", makeEvent("LeadScored", "L-log").dump()).status,
                 202);
        QCOMPARE(meshd.terminate(), 0);
        const QString err = QString::fromUtf8(meshd.process().readAllStandardError());
        const auto lines = err.split(u'\n', Qt::SkipEmptyParts);
        QVERIFY(lines.size() >= 2);
        for (const auto& line : lines) {
            const json j = json::parse(line.toStdString(), nullptr, false);
            QVERIFY2(j.is_object() && j.contains("ts") && j.contains("level") && j.contains("msg"),
                     qPrintable(line));
        }
        QVERIFY(!err.contains(QString::fromStdString(meshd.adminToken())));
        // Nor payloads: payload values are nowhere in the log, of an accepted
        // event or of a refused one.
        json accepted = makeEvent("LeadScored", "L-log");
        accepted["payload"]["model"] = "accepted-payload-marker";
        json refused = makeEvent("LeadScored", "L-log");
        refused["payload"]["score"] = "refused-payload-marker";
        MeshdProcess second(dir.path(), {QStringLiteral("--log-level"), QStringLiteral("debug")});
        MeshClient admin(second.url(), meshd.adminToken());
        QCOMPARE(admin.postJson("/v1/events", accepted.dump()).status, 202);
        QCOMPARE(admin.postJson("/v1/events", refused.dump()).status, 422);
        QCOMPARE(second.terminate(), 0);
        const QString more = QString::fromUtf8(second.process().readAllStandardError());
        QVERIFY2(more.contains(QStringLiteral("\"stopped\"")), qPrintable(more));
        QVERIFY2(!more.contains(QStringLiteral("payload-marker")), qPrintable(more));
    }
};

QTEST_GUILESS_MAIN(MeshdTest)
#include "tst_meshd.moc"
