// meshctl as support staff and scripts use it: a real meshd child, meshctl
// run as a process, its human and --json output, and its errors. The delivery
// commands deliver to a real HTTP sink in this process.

#include "core/uuid.h"
#include "tests/support/http_compare.h"
#include "tests/support/json_compare.h"
#include "tests/support/meshd_process.h"
#include "tests/support/sink_server.h"
#include "tests/support/test_support.h"

#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <atomic>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using namespace std::chrono_literals;
using meshdeck::test::MeshdProcess;
using meshdeck::test::SinkReply;
using meshdeck::test::SinkRequest;
using meshdeck::test::SinkServer;
using nlohmann::json;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

json leadScored(const std::string& lead, int score, const std::string& correlation = {}) {
    static UuidV7Generator ids;
    return {{"event_id", ids.next()},
            {"event_type", "LeadScored"},
            {"occurred_at", "2026-11-27T09:14:03.120Z"},
            {"producer", "meshctl-test"},
            {"tenant_id", "acme"},
            {"correlation_id", correlation.empty() ? "journey-" + lead : correlation},
            {"entity", {{"kind", "lead"}, {"id", lead}}},
            {"payload", {{"lead_id", lead}, {"score", score}, {"model", "m"}}}};
}

// A webhook consumer of one journey only: every test has its own, so the
// events other tests leave in the shared log do not reach it.
json journeyConsumer(const std::string& name, const std::string& url,
                     const std::string& correlation) {
    return {{"name", name},
            {"filter",
             {{"event_types", {"LeadScored"}},
              {"tenant", "acme"},
              {"where", {{{"field", "/correlation_id"}, {"op", "=="}, {"value", correlation}}}}}},
            {"sink", {{"type", "webhook"}, {"url", url}, {"timeout_ms", 2000}}},
            {"retry", {{"max_attempts", 5}, {"base_ms", 20}, {"cap_ms", 200}, {"jitter", 0.0}}},
            {"circuit_breaker", {{"min_requests", 1000}}}};
}

// A sink that refuses everything with 400 "missing owner" until `accept` is set.
SinkServer::Handler refusingUntil(const std::atomic<bool>& accept) {
    return [&accept](const SinkRequest&) {
        SinkReply r;
        if (!accept) {
            r.status = 400;
            r.body = "missing owner";
        }
        return r;
    };
}

// One column of a table, header first, up to the first empty line.
QStringList tableColumn(const QString& out, int column) {
    static const QRegularExpression gap(QStringLiteral("\\s{2,}"));
    QStringList cells;
    for (const auto& line : out.split(u'\n')) {
        if (line.isEmpty())
            break;
        cells.push_back(line.split(gap).value(column));
    }
    return cells;
}

// The cells of the table row whose first cell is `first` (empty: no such row).
// Only the last column may hold spaces, so splitting on runs of spaces works
// for every cell before it.
QStringList tableRow(const QString& out, const QString& first) {
    static const QRegularExpression gap(QStringLiteral("\\s{2,}"));
    for (const auto& line : out.split(u'\n'))
        if (const auto cells = line.split(gap); cells.value(0) == first)
            return cells;
    return {};
}

} // namespace

class MeshctlTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir;
    QTemporaryDir files;
    std::unique_ptr<MeshdProcess> meshd;

    Run meshctl(const QStringList& args, const QByteArray& input = {},
                const std::string& token = {}) {
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MESHDECK_URL"), QString::fromStdString(meshd->url()));
        env.insert(QStringLiteral("MESHDECK_TOKEN"),
                   QString::fromStdString(token.empty() ? meshd->adminToken() : token));
        p.setProcessEnvironment(env);
        p.start(test::binDir() + QStringLiteral("/meshctl"), args);
        p.waitForStarted();
        p.write(input);
        p.closeWriteChannel();
        p.waitForFinished(15000);
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    MeshClient admin() const { return MeshClient(meshd->url(), meshd->adminToken()); }

    QString writeJson(const QString& name, const json& content) {
        const QString path = files.path() + u'/' + name;
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        file.write(QByteArray::fromStdString(content.dump()));
        return path;
    }

    json runJson(const QStringList& args) {
        const Run r = meshctl(QStringList{QStringLiteral("--json")} + args);
        if (r.exitCode != 0)
            return json();
        return json::parse(r.out.toStdString(), nullptr, false);
    }

    // The open dead letters of one consumer, newest first.
    json deadLetters(const QString& consumer) {
        return runJson({QStringLiteral("dlq"), QStringLiteral("list"), QStringLiteral("--consumer"),
                        consumer})
            .value("dead_letters", json::array());
    }

private Q_SLOTS:
    void initTestCase() { meshd = std::make_unique<MeshdProcess>(dir.path()); }
    void cleanupTestCase() { meshd.reset(); }

    void publishJsonLinesFromStdin() {
        QByteArray lines;
        for (int i = 0; i < 3; ++i)
            lines +=
                QByteArray::fromStdString(leadScored("L-" + std::to_string(i), 10 * i).dump()) +
                '\n';
        const Run r = meshctl({QStringLiteral("publish")}, lines);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("published 3 event(s)")), qPrintable(r.out + r.err));
        // The same lines again are duplicates, not new events.
        const Run again = meshctl({QStringLiteral("publish")}, lines);
        QVERIFY2(again.out.contains(QStringLiteral("3 already in the log")), qPrintable(again.out));
    }

    void publishFileWithJsonOutput() {
        QTemporaryDir files;
        const QString path = files.path() + QStringLiteral("/events.json");
        const json batch = json::array({leadScored("L-f1", 1), leadScored("L-f2", 2)});
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray::fromStdString(batch.dump()));
        file.close();
        const Run r = meshctl({QStringLiteral("--json"), QStringLiteral("publish"), path});
        QCOMPARE(r.exitCode, 0);
        const auto lines = r.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const json item = json::parse(lines[i].toStdString());
            QCOMPARE_JSON(item["event_id"], batch[i]["event_id"]);
            QVERIFY(item["seq"].get<long long>() > 0);
        }
    }

    void invalidEventShowsEveryViolation() {
        json bad = leadScored("L-bad", 500);
        bad["entity"].erase("id");
        const Run r = meshctl({QStringLiteral("publish")}, QByteArray::fromStdString(bad.dump()));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("HTTP 422")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("/entity/id")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("/payload/score")), qPrintable(r.err));
    }

    void eventsAsTableAndJson() {
        // Its own events, by a producer of its own: what other tests leave
        // in the shared log does not change the counts.
        json batch = json::array();
        for (int i = 0; i < 5; ++i) {
            json e = leadScored("L-table-" + std::to_string(i), 10 + i);
            e["producer"] = "meshctl-table";
            batch.push_back(std::move(e));
        }
        auto client = admin();
        QCOMPARE_HTTP(client.postJson("/v1/events", batch.dump()), 202);

        const Run table = meshctl({QStringLiteral("events"), QStringLiteral("--entity"),
                                   QStringLiteral("lead:L-table-1")});
        QCOMPARE(table.exitCode, 0);
        const auto rows = table.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 2); // header + one event
        QVERIFY(rows[0].startsWith(QStringLiteral("SEQ")));
        QVERIFY(rows[1].contains(QStringLiteral("LeadScored")));
        QVERIFY(rows[1].contains(QStringLiteral("lead:L-table-1")));

        const Run js =
            meshctl({QStringLiteral("events"), QStringLiteral("--json"), QStringLiteral("--all"),
                     QStringLiteral("--limit"), QStringLiteral("2"), QStringLiteral("--producer"),
                     QStringLiteral("meshctl-table")});
        QCOMPARE(js.exitCode, 0);
        // --all follows the cursor past the page size of 2.
        QCOMPARE(js.out.split(u'\n', Qt::SkipEmptyParts).size(), 5);

        // --producer matches exactly.
        const Run nobody = meshctl({QStringLiteral("events"), QStringLiteral("--entity"),
                                    QStringLiteral("lead:L-table-1"), QStringLiteral("--producer"),
                                    QStringLiteral("meshctl")});
        QCOMPARE(nobody.exitCode, 0);
        QVERIFY2(!nobody.out.contains(QStringLiteral("lead:L-table-1")), qPrintable(nobody.out));
    }

    void getShowsOneEvent() {
        const json e = leadScored("L-get", 42);
        QCOMPARE(meshctl({QStringLiteral("publish")}, QByteArray::fromStdString(e.dump())).exitCode,
                 0);
        const Run r = meshctl(
            {QStringLiteral("get"), QString::fromStdString(e["event_id"].get<std::string>())});
        QCOMPARE(r.exitCode, 0);
        const json got = json::parse(r.out.toStdString());
        QCOMPARE_JSON(got["payload"]["score"], 42);
        const Run missing = meshctl(
            {QStringLiteral("get"), QStringLiteral("01936f4e-0000-7000-8000-000000000000")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains(QStringLiteral("404")));
    }

    void tailFollowsNewEvents() {
        QProcess tail;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MESHDECK_URL"), QString::fromStdString(meshd->url()));
        env.insert(QStringLiteral("MESHDECK_TOKEN"), QString::fromStdString(meshd->adminToken()));
        tail.setProcessEnvironment(env);
        tail.start(test::binDir() + QStringLiteral("/meshctl"),
                   {QStringLiteral("tail"), QStringLiteral("--json"), QStringLiteral("--entity"),
                    QStringLiteral("lead:L-tail")});
        QVERIFY(tail.waitForStarted());
        // tail starts from the log's head, which it says once it has read it.
        QByteArray said;
        QTRY_VERIFY_WITH_TIMEOUT((said += tail.readAllStandardError()).contains("from seq"), 5000);
        const json e = leadScored("L-tail", 7);
        QCOMPARE(meshctl({QStringLiteral("publish")}, QByteArray::fromStdString(e.dump())).exitCode,
                 0);
        QByteArray seen;
        QTRY_VERIFY_WITH_TIMEOUT((seen += tail.readAllStandardOutput()).contains('\n'), 5000);
        tail.kill();
        tail.waitForFinished();
        const json got = json::parse(seen.left(seen.indexOf('\n')).toStdString());
        QCOMPARE_JSON(got["event_id"], e["event_id"]);
    }

    void consumersListShowsACreatedConsumerAndItsLag() {
        SinkServer sink;
        json spec = journeyConsumer("crm-lag", sink.url(), "journey-lag");
        spec["paused"] = true; // nothing is delivered, so the lag stays put
        const Run created = meshctl({QStringLiteral("consumers"), QStringLiteral("create"),
                                     writeJson(QStringLiteral("crm-lag.json"), spec)});
        QCOMPARE(created.exitCode, 0);
        QVERIFY2(created.out.contains(QStringLiteral("created consumer crm-lag")),
                 qPrintable(created.out + created.err));

        json batch = json::array();
        for (int i = 0; i < 3; ++i)
            batch.push_back(leadScored("L-lag" + std::to_string(i), 10, "journey-lag"));
        auto client = admin();
        QCOMPARE_HTTP(client.postJson("/v1/events", batch.dump()), 202);

        // NAME STATE LAG OLDEST IN-FLIGHT DELIVERED DEAD CIRCUIT SINK
        QStringList row;
        QTRY_COMPARE_WITH_TIMEOUT(
            (row = tableRow(meshctl({QStringLiteral("consumers")}).out, QStringLiteral("crm-lag")))
                .value(2),
            QStringLiteral("3"), 5000);
        QCOMPARE(row.value(1), QStringLiteral("paused"));
        QVERIFY2(row.value(3) != QStringLiteral("-"), qPrintable(row.join(u'|'))); // an age
        QCOMPARE(row.value(5), QStringLiteral("0"));
        QCOMPARE(row.value(8), QString::fromStdString("webhook " + sink.url()));

        // NAME LAG OLDEST ACK-FLOOR IN-FLIGHT RETRYING BLOCKED STATE
        const Run lag = meshctl({QStringLiteral("consumers"), QStringLiteral("lag")});
        QCOMPARE(lag.exitCode, 0);
        QVERIFY(lag.out.startsWith(QStringLiteral("log at seq ")));
        const QStringList lagRow = tableRow(lag.out, QStringLiteral("crm-lag"));
        QCOMPARE(lagRow.value(1), QStringLiteral("3"));
        QCOMPARE(lagRow.value(7), QStringLiteral("paused"));

        const json listed = runJson({QStringLiteral("consumers")});
        bool found = false;
        for (const auto& c : listed.value("consumers", json::array()))
            if (c["name"] == "crm-lag") {
                found = true;
                QCOMPARE_JSON(c["lag"]["events"], 3);
            }
        QVERIFY(found);
        QCOMPARE(sink.requestCount(), 0u);
    }

    void consumerShowAndErrorsFromTheApi() {
        SinkServer sink;
        auto client = admin();
        QCOMPARE_HTTP(
            client.postJson("/v1/consumers",
                            journeyConsumer("crm-show", sink.url(), "journey-show").dump()),
            201);
        const Run shown = meshctl(
            {QStringLiteral("consumers"), QStringLiteral("show"), QStringLiteral("crm-show")});
        QCOMPARE(shown.exitCode, 0);
        QVERIFY2(shown.out.contains(QRegularExpression(QStringLiteral("^state: +running$"),
                                                       QRegularExpression::MultilineOption)),
                 qPrintable(shown.out));
        const auto specAt = shown.out.indexOf(QStringLiteral("\nspec:\n"));
        QVERIFY2(specAt > 0, qPrintable(shown.out));
        const json spec = json::parse(shown.out.mid(specAt + 7).toStdString(), nullptr, false);
        QCOMPARE_JSON(spec["sink"]["url"], sink.url());

        const Run missing =
            meshctl({QStringLiteral("consumers"), QStringLiteral("show"), QStringLiteral("nope")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.contains(QStringLiteral("HTTP 404: no consumer named nope")),
                 qPrintable(missing.err));

        json bad = journeyConsumer("crm-bad", "ftp://x", "journey-bad");
        bad["retry"]["max_attempts"] = 0;
        const Run refused = meshctl({QStringLiteral("consumers"), QStringLiteral("create"),
                                     writeJson(QStringLiteral("bad.json"), bad)});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("HTTP 422")), qPrintable(refused.err));
        QVERIFY2(refused.err.contains(QStringLiteral("\n  /sink/url: ")), qPrintable(refused.err));
        QVERIFY2(refused.err.contains(QStringLiteral("\n  /retry/max_attempts: ")),
                 qPrintable(refused.err));

        json changed = journeyConsumer("crm-show", sink.url(), "journey-show");
        changed["max_concurrency"] = 3;
        const Run applied = meshctl({QStringLiteral("consumers"), QStringLiteral("apply"),
                                     writeJson(QStringLiteral("crm-show.json"), changed)});
        QCOMPARE(applied.exitCode, 0);
        QVERIFY2(applied.out.contains(QStringLiteral("changed consumer crm-show")),
                 qPrintable(applied.out + applied.err));
        QCOMPARE_JSON(runJson({QStringLiteral("consumers"), QStringLiteral("show"),
                               QStringLiteral("crm-show")})["spec"]["max_concurrency"],
                      3);

        const Run deleted = meshctl(
            {QStringLiteral("consumers"), QStringLiteral("delete"), QStringLiteral("crm-show")});
        QCOMPARE(deleted.exitCode, 0);
        QCOMPARE_HTTP(client.get("/v1/consumers/crm-show"), 404);
    }

    void pauseAndResumeChangeTheState() {
        SinkServer sink;
        auto client = admin();
        QCOMPARE_HTTP(
            client.postJson("/v1/consumers",
                            journeyConsumer("crm-pause", sink.url(), "journey-pause").dump()),
            201);
        auto state = [this] {
            return QString::fromStdString(
                runJson({QStringLiteral("consumers"), QStringLiteral("show"),
                         QStringLiteral("crm-pause")})
                    .value("state", std::string()));
        };
        QCOMPARE(state(), QStringLiteral("running"));

        const Run paused = meshctl(
            {QStringLiteral("consumers"), QStringLiteral("pause"), QStringLiteral("crm-pause")});
        QCOMPARE(paused.exitCode, 0);
        QCOMPARE(paused.out, QStringLiteral("consumer crm-pause paused\n"));
        QCOMPARE(state(), QStringLiteral("paused"));
        QCOMPARE_HTTP(
            client.postJson("/v1/events", leadScored("L-pause", 5, "journey-pause").dump()), 202);
        // The consumer has the event (lag 1) and holds it: paused.
        QTRY_COMPARE_WITH_TIMEOUT(
            tableRow(meshctl({QStringLiteral("consumers")}).out, QStringLiteral("crm-pause"))
                .value(2),
            QStringLiteral("1"), 5000);
        QCOMPARE(sink.requestCount(), 0u);

        const Run resumed = meshctl(
            {QStringLiteral("consumers"), QStringLiteral("resume"), QStringLiteral("crm-pause")});
        QCOMPARE(resumed.exitCode, 0);
        QCOMPARE(resumed.out, QStringLiteral("consumer crm-pause resumed\n"));
        QCOMPARE(state(), QStringLiteral("running"));
        QVERIFY(sink.waitForRequests(1, 5s));

        const Run unknown =
            meshctl({QStringLiteral("consumers"), QStringLiteral("pause"), QStringLiteral("nope")});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains(QStringLiteral("consumers pause: HTTP 404")),
                 qPrintable(unknown.err));
    }

    void replayDryRunCountsAndSendsNothing() {
        SinkServer sink;
        auto client = admin();
        QCOMPARE_HTTP(
            client.postJson("/v1/consumers",
                            journeyConsumer("crm-replay", sink.url(), "journey-replay").dump()),
            201);
        json batch = json::array();
        for (int i = 0; i < 4; ++i)
            batch.push_back(leadScored("L-replay" + std::to_string(i), 10, "journey-replay"));
        QCOMPARE_HTTP(client.postJson("/v1/events", batch.dump()), 202);
        QVERIFY(sink.waitForRequests(4, 5s));
        QTRY_COMPARE_WITH_TIMEOUT(
            tableRow(meshctl({QStringLiteral("consumers")}).out, QStringLiteral("crm-replay"))
                .value(2),
            QStringLiteral("0"), 5000);

        const QStringList replay = {QStringLiteral("consumers"),  QStringLiteral("replay"),
                                    QStringLiteral("crm-replay"), QStringLiteral("--from-seq"),
                                    QStringLiteral("1"),          QStringLiteral("--type"),
                                    QStringLiteral("LeadScored")};
        const Run dry = meshctl(replay + QStringList{QStringLiteral("--dry-run")});
        QCOMPARE(dry.exitCode, 0);
        // CONSUMER EVENTS ALREADY-DELIVERED SEQS
        const QStringList counts = tableRow(dry.out, QStringLiteral("crm-replay"));
        QCOMPARE(counts.value(1), QStringLiteral("4"));
        QCOMPARE(counts.value(2), QStringLiteral("4"));
        QVERIFY2(dry.out.endsWith(QStringLiteral("dry run: nothing was sent\n")),
                 qPrintable(dry.out));

        // Another type: nothing to replay.
        const Run none = meshctl({QStringLiteral("consumers"), QStringLiteral("replay"),
                                  QStringLiteral("crm-replay"), QStringLiteral("--from-seq"),
                                  QStringLiteral("1"), QStringLiteral("--type"),
                                  QStringLiteral("LeadCreated"), QStringLiteral("--dry-run")});
        QCOMPARE(tableRow(none.out, QStringLiteral("crm-replay")).value(1), QStringLiteral("0"));

        const Run real =
            meshctl(replay + QStringList{QStringLiteral("--rate"), QStringLiteral("1000")});
        QCOMPARE(real.exitCode, 0);
        QVERIFY2(real.out.contains(QStringLiteral("queued: 4 event(s) to deliver again")),
                 qPrintable(real.out));
        QVERIFY(sink.waitForRequests(8, 5s));
        // The dry run queued nothing: one replay is on record, of 4 events,
        // and the sink had 4 + 4.
        QTRY_COMPARE_WITH_TIMEOUT(runJson({QStringLiteral("consumers"), QStringLiteral("show"),
                                           QStringLiteral("crm-replay")})["totals"]
                                      .value("replayed", -1),
                                  4, 5000);
        QCOMPARE(sink.requestCount(), 8u);
        const auto replaysOnRecord = [&client] {
            const json audit = json::parse(client.get("/v1/audit?limit=1000").body);
            int n = 0;
            for (const auto& e : audit["entries"])
                n += e["action"] == "consumer.replay" && e["target"] == "crm-replay";
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(replaysOnRecord(), 1, 5000); // the audit write is queued

        const Run noStart = meshctl(
            {QStringLiteral("consumers"), QStringLiteral("replay"), QStringLiteral("crm-replay")});
        QCOMPARE(noStart.exitCode, 2);
        QVERIFY2(noStart.err.contains(QStringLiteral("--from-seq N | --since TIME")),
                 qPrintable(noStart.err));
    }

    void deadLettersListShowReplayAndDiscard() {
        std::atomic<bool> accept{false};
        SinkServer sink(refusingUntil(accept));
        auto client = admin();
        QCOMPARE_HTTP(client.postJson("/v1/consumers",
                                      journeyConsumer("crm-dlq", sink.url(), "journey-dlq").dump()),
                      201);
        json batch = json::array();
        for (int i = 0; i < 3; ++i)
            batch.push_back(leadScored("L-dlq" + std::to_string(i), 10 + i, "journey-dlq"));
        QCOMPARE_HTTP(client.postJson("/v1/events", batch.dump()), 202);
        json letters;
        QTRY_COMPARE_WITH_TIMEOUT((letters = deadLetters(QStringLiteral("crm-dlq"))).size(), 3u,
                                  5000);
        QCOMPARE(sink.requestCount(), 3u);   // 400 is not retried
        std::map<std::string, QString> idOf; // event id -> dead letter id
        for (const auto& d : letters)
            idOf[d["event_id"].get<std::string>()] = QString::number(d["id"].get<long long>());
        const QString first = idOf[batch[0]["event_id"].get<std::string>()];
        const QString second = idOf[batch[1]["event_id"].get<std::string>()];
        const QString third = idOf[batch[2]["event_id"].get<std::string>()];

        // ID DEAD-AT CONSUMER SEQ TYPE ENTITY STATE ATTEMPTS CLASS ERROR
        const Run list = meshctl({QStringLiteral("dlq"), QStringLiteral("list"),
                                  QStringLiteral("--consumer"), QStringLiteral("crm-dlq")});
        QCOMPARE(list.exitCode, 0);
        QCOMPARE(list.out.split(u'\n', Qt::SkipEmptyParts).size(), 4);
        const QStringList row = tableRow(list.out, first);
        QCOMPARE(row.value(2), QStringLiteral("crm-dlq"));
        QCOMPARE(row.value(6), QStringLiteral("open"));
        QCOMPARE(row.value(8), QStringLiteral("invalid"));
        QVERIFY2(row.value(9).contains(QStringLiteral("missing owner")), qPrintable(list.out));

        const Run shown = meshctl({QStringLiteral("dlq"), QStringLiteral("show"), first});
        QCOMPARE(shown.exitCode, 0);
        QVERIFY2(
            shown.out.contains(QString::fromStdString(batch[0]["event_id"].get<std::string>())),
            qPrintable(shown.out));
        // ATTEMPT TIME TOOK STATUS CLASS ERROR
        const QStringList attempt = tableRow(shown.out, QStringLiteral("1"));
        QCOMPARE(attempt.value(3), QStringLiteral("400"));
        QCOMPARE(attempt.value(4), QStringLiteral("invalid"));
        QVERIFY2(attempt.value(5).contains(QStringLiteral("missing owner")), qPrintable(shown.out));
        QVERIFY2(shown.out.contains(QStringLiteral("\npayload:\n")), qPrintable(shown.out));
        QVERIFY2(shown.out.contains(QStringLiteral("\"score\": 10")), qPrintable(shown.out));

        // Discard refuses without a reason, before asking the mesh.
        const Run noReason = meshctl({QStringLiteral("dlq"), QStringLiteral("discard"), first});
        QCOMPARE(noReason.exitCode, 2);
        QVERIFY2(noReason.err.contains(QStringLiteral("dlq discard needs --reason TEXT")),
                 qPrintable(noReason.err));
        QCOMPARE(deadLetters(QStringLiteral("crm-dlq")).size(), 3u);
        const Run discarded = meshctl({QStringLiteral("dlq"), QStringLiteral("discard"), first,
                                       QStringLiteral("--reason"), QStringLiteral("test lead")});
        QCOMPARE(discarded.exitCode, 0);
        QCOMPARE(discarded.out, QStringLiteral("discarded 1 dead letter(s): ") + first + u'\n');
        const Run closed = meshctl({QStringLiteral("dlq"), QStringLiteral("list"),
                                    QStringLiteral("--consumer"), QStringLiteral("crm-dlq"),
                                    QStringLiteral("--state"), QStringLiteral("discarded")});
        QCOMPARE(tableRow(closed.out, first).value(6), QStringLiteral("discarded"));

        // One by id, then the rest of the group by its signature.
        accept = true;
        const Run replayed = meshctl({QStringLiteral("dlq"), QStringLiteral("replay"), second});
        QCOMPARE(replayed.exitCode, 0);
        QCOMPARE(replayed.out, QStringLiteral("replayed 1 dead letter(s): ") + second + u'\n');
        QVERIFY(sink.waitForRequests(4, 5s));
        QCOMPARE_JSON(json::parse(sink.requests()[3].body)["event_id"], batch[1]["event_id"]);

        json groups;
        QTRY_COMPARE_WITH_TIMEOUT(
            (groups = runJson({QStringLiteral("dlq"), QStringLiteral("groups"),
                               QStringLiteral("--consumer"), QStringLiteral("crm-dlq")})
                          .value("groups", json::array()))
                .size(),
            1u, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(
            runJson({QStringLiteral("dlq"), QStringLiteral("groups"), QStringLiteral("--consumer"),
                     QStringLiteral("crm-dlq")})["groups"][0]
                .value("count", 0),
            1, 5000);
        const QString signature = QString::fromStdString(groups[0]["signature"].get<std::string>());
        const Run groupsTable = meshctl({QStringLiteral("dlq"), QStringLiteral("groups")});
        QVERIFY2(groupsTable.out.contains(signature), qPrintable(groupsTable.out));
        const Run group =
            meshctl({QStringLiteral("dlq"), QStringLiteral("replay"), QStringLiteral("--consumer"),
                     QStringLiteral("crm-dlq"), QStringLiteral("--signature"), signature});
        QCOMPARE(group.exitCode, 0);
        QCOMPARE(group.out, QStringLiteral("replayed 1 dead letter(s): ") + third + u'\n');
        QVERIFY(sink.waitForRequests(5, 5s));
        QTRY_COMPARE_WITH_TIMEOUT(deadLetters(QStringLiteral("crm-dlq")).size(), 0u, 5000);

        const Run noGroup = meshctl({QStringLiteral("dlq"), QStringLiteral("replay"),
                                     QStringLiteral("--signature"), signature});
        QCOMPARE(noGroup.exitCode, 2);
        QVERIFY2(noGroup.err.contains(QStringLiteral("give --consumer C and --signature S")),
                 qPrintable(noGroup.err));
    }

    void editAndReplayTakesThePayloadFromAFile() {
        SinkServer sink([](const SinkRequest& r) {
            SinkReply reply;
            if (json::parse(r.body)["payload"]["score"].get<int>() > 90)
                reply.status = 422;
            return reply;
        });
        auto client = admin();
        QCOMPARE_HTTP(
            client.postJson("/v1/consumers",
                            journeyConsumer("crm-edit", sink.url(), "journey-edit").dump()),
            201);
        QCOMPARE_HTTP(
            client.postJson("/v1/events", leadScored("L-edit", 99, "journey-edit").dump()), 202);
        json letters;
        QTRY_COMPARE_WITH_TIMEOUT((letters = deadLetters(QStringLiteral("crm-edit"))).size(), 1u,
                                  5000);
        const QString id = QString::number(letters[0]["id"].get<long long>());

        const Run invalid = meshctl(
            {QStringLiteral("dlq"), QStringLiteral("replay"), id, QStringLiteral("--payload"),
             writeJson(QStringLiteral("bad-payload.json"),
                       {{"lead_id", "L-edit"}, {"score", "high"}, {"model", "m"}})});
        QCOMPARE(invalid.exitCode, 1);
        QVERIFY2(invalid.err.contains(QStringLiteral("/payload/score")), qPrintable(invalid.err));

        const Run edited = meshctl(
            {QStringLiteral("dlq"), QStringLiteral("replay"), id, QStringLiteral("--payload"),
             writeJson(QStringLiteral("payload.json"),
                       {{"lead_id", "L-edit"}, {"score", 80}, {"model", "m"}})});
        QCOMPARE(edited.exitCode, 0);
        QVERIFY2(edited.out.startsWith(QStringLiteral("replayed dead letter ") + id),
                 qPrintable(edited.out));
        QVERIFY(sink.waitForRequests(2, 5s));
        QCOMPARE_JSON(json::parse(sink.requests()[1].body)["payload"]["score"], 80);
        QTRY_VERIFY_WITH_TIMEOUT(meshctl({QStringLiteral("dlq"), QStringLiteral("show"), id})
                                     .out.contains(QStringLiteral("edited payload:")),
                                 5000);
    }

    void traceAndStallExplainADeadLetter() {
        std::atomic<bool> accept{false};
        SinkServer sink(refusingUntil(accept));
        auto client = admin();
        QCOMPARE_HTTP(
            client.postJson("/v1/consumers",
                            journeyConsumer("crm-trace", sink.url(), "journey-trace").dump()),
            201);
        const json root = leadScored("L-trace", 50, "journey-trace");
        json caused = leadScored("L-trace2", 60, "journey-trace");
        caused["causation_id"] = root["event_id"];
        QCOMPARE_HTTP(client.postJson("/v1/events", json{root, caused}.dump()), 202);
        QTRY_COMPARE_WITH_TIMEOUT(deadLetters(QStringLiteral("crm-trace")).size(), 2u, 5000);

        // TIME KIND CONSUMER TYPE EVENT STATUS CLASS DETAIL, in time order
        Run trace;
        QStringList kinds;
        QTRY_VERIFY_WITH_TIMEOUT(
            (kinds = tableColumn(
                 (trace = meshctl({QStringLiteral("trace"), QStringLiteral("journey-trace")})).out,
                 1))
                    .count(QStringLiteral("dead-letter")) == 2,
            5000);
        QCOMPARE(trace.exitCode, 0);
        QCOMPARE(kinds.value(0), QStringLiteral("KIND"));
        QCOMPARE(kinds.value(1), QStringLiteral("event"));
        QCOMPARE(kinds.count(QStringLiteral("event")), 2);
        QCOMPARE(kinds.count(QStringLiteral("attempt")), 2);
        QVERIFY2(trace.out.contains(QStringLiteral("missing owner")), qPrintable(trace.out));
        // The causation tree: the caused event indented under its root.
        const QString rootId = QString::fromStdString(root["event_id"].get<std::string>());
        const QString causedId = QString::fromStdString(caused["event_id"].get<std::string>());
        const auto tree = trace.out.mid(trace.out.indexOf(QStringLiteral("\ncausation:\n")) + 12);
        QVERIFY2(
            tree.startsWith(QStringLiteral("  LeadScored ") + rootId + QStringLiteral(" (seq ")),
            qPrintable(trace.out));
        QVERIFY2(tree.contains(QStringLiteral(")\n    LeadScored ") + causedId),
                 qPrintable(trace.out));

        const Run stall = meshctl({QStringLiteral("stall"), QStringLiteral("--correlation-id"),
                                   QStringLiteral("journey-trace")});
        QCOMPARE(stall.exitCode, 0);
        const QString answer = stall.out.section(u'\n', 0, 0);
        QVERIFY2(answer.contains(QStringLiteral(" was dead-lettered to crm-trace at ")),
                 qPrintable(stall.out));
        QVERIFY2(answer.contains(QStringLiteral("missing owner")), qPrintable(stall.out));
        // CONSUMER SEQ STATE EVIDENCE: one line per event
        QCOMPARE(stall.out.count(QStringLiteral("\ncrm-trace ")), 2);
        QCOMPARE_JSON(runJson({QStringLiteral("stall"), QStringLiteral("--correlation-id"),
                               QStringLiteral("journey-trace")})["state"],
                      "dead-lettered");

        const Run unknown = meshctl(
            {QStringLiteral("stall"), QStringLiteral("--entity"), QStringLiteral("lead:L-never")});
        QCOMPARE(unknown.exitCode, 0);
        QCOMPARE(unknown.out,
                 QStringLiteral("No event with entity lead:L-never was received, and "
                                "nothing was rejected with it: check the producer.\n"));
        const Run neither = meshctl({QStringLiteral("stall")});
        QCOMPARE(neither.exitCode, 2);
        // flows: the consumer's edge for LeadScored counts both dead letters.
        const Run flows = meshctl({QStringLiteral("flows")});
        QCOMPARE(flows.exitCode, 0);
        QStringList edge;
        static const QRegularExpression gap(QStringLiteral("\\s{2,}"));
        for (const auto& line : flows.out.split(u'\n'))
            if (line.startsWith(QStringLiteral("LeadScored ")) &&
                line.contains(QStringLiteral(" crm-trace ")))
                edge = line.split(gap);
        // TYPE CONSUMER DELIVERED RATE FAILED DEAD ERRORS LAST ERROR
        QVERIFY2(edge.size() >= 7, qPrintable(flows.out));
        QCOMPARE(edge.value(5), QStringLiteral("2"));
        QVERIFY2(edge.value(3).endsWith(QStringLiteral("/s")), qPrintable(flows.out));
        QVERIFY2(flows.out.startsWith(QStringLiteral("since ")), qPrintable(flows.out));

        const Run noTrace = meshctl({QStringLiteral("trace"), QStringLiteral("journey-none")});
        QCOMPARE(noTrace.exitCode, 1);
        QVERIFY2(noTrace.err.contains(QStringLiteral("HTTP 404")), qPrintable(noTrace.err));
    }

    // An id that is an entity id and a correlation id, a dead letter and an
    // event id in capitals: a table per kind, the commands to run next (each
    // of which runs), and exit status 4 when nothing matches.
    void searchShowsEachMatchAndWhatToRunNext() {
        std::atomic<bool> accept{false};
        SinkServer sink(refusingUntil(accept));
        auto client = admin();
        QCOMPARE_HTTP(client.postJson("/v1/consumers",
                                      journeyConsumer("crm-search", sink.url(), "S-amb").dump()),
                      201);
        json first = leadScored("S-amb", 10, "S-amb");
        QCOMPARE_HTTP(
            client.postJson("/v1/events", json{first, leadScored("S-amb", 20, "S-amb")}.dump()),
            202);
        json letters;
        QTRY_COMPARE_WITH_TIMEOUT((letters = deadLetters(QStringLiteral("crm-search"))).size(), 2u,
                                  5000);

        const Run both = meshctl({QStringLiteral("search"), QStringLiteral("S-amb")});
        QCOMPARE(both.exitCode, 0);
        QVERIFY2(both.out.startsWith(QStringLiteral("2 match(es) for \"S-amb\"\n")),
                 qPrintable(both.out));
        // TENANT ENTITY EVENTS FIRST-SEQ LAST-SEQ LAST-TYPE LAST-OCCURRED OPEN-DLQ CORRELATIONS
        const auto entities = both.out.mid(both.out.indexOf(QStringLiteral("\nentities\n")) + 10);
        const QStringList entity = tableRow(entities, QStringLiteral("acme"));
        QCOMPARE(entity.value(1), QStringLiteral("lead:S-amb"));
        QCOMPARE(entity.value(2), QStringLiteral("2"));
        QCOMPARE(entity.value(7), QStringLiteral("2"));
        QCOMPARE(entity.value(8), QStringLiteral("S-amb"));
        // CORRELATION TENANTS EVENTS ... ENTITIES
        const QStringList journey = tableRow(both.out, QStringLiteral("S-amb"));
        QCOMPARE(journey.value(1), QStringLiteral("acme"));
        QCOMPARE(journey.value(2), QStringLiteral("2"));
        QCOMPARE(journey.value(7), QStringLiteral("lead:S-amb"));

        const QString letter = QString::number(letters[0]["id"].get<long long>());
        const Run dead = meshctl({QStringLiteral("search"), QStringLiteral("dl-") + letter});
        QCOMPARE(dead.exitCode, 0);
        // ID STATE CONSUMER TENANT SEQ TYPE ENTITY DEAD-AT ATTEMPTS ERROR
        const QStringList row = tableRow(dead.out, letter);
        QCOMPARE(row.value(1), QStringLiteral("open"));
        QCOMPARE(row.value(2), QStringLiteral("crm-search"));
        QVERIFY2(row.value(9).contains(QStringLiteral("missing owner")), qPrintable(dead.out));

        const QString eventId = QString::fromStdString(first["event_id"].get<std::string>());
        const Run event = meshctl({QStringLiteral("search"), eventId.toUpper()});
        QCOMPARE(event.exitCode, 0);
        QCOMPARE(tableRow(event.out, eventId).value(5), QStringLiteral("lead:S-amb"));

        // What to run next: each suggestion is a real command that answers.
        QStringList next;
        for (const Run& r : {both, dead, event})
            for (const auto& line : r.out.mid(r.out.indexOf(QStringLiteral("\nnext:\n")) + 7)
                                        .split(u'\n', Qt::SkipEmptyParts))
                next << line.trimmed().section(QStringLiteral("   "), 0, 0);
        for (const QString& expected :
             QStringList{QStringLiteral("meshctl events --tenant acme --entity lead:S-amb"),
                         QStringLiteral("meshctl stall --entity lead:S-amb"),
                         QStringLiteral("meshctl trace S-amb"),
                         QStringLiteral("meshctl stall --correlation-id S-amb"),
                         QStringLiteral("meshctl dlq show ") + letter,
                         QStringLiteral("meshctl get ") + eventId})
            QVERIFY2(next.contains(expected), qPrintable(expected + u'\n' + next.join(u'\n')));
        for (const QString& command : next) {
            const Run r = meshctl(command.split(u' ').mid(1));
            QVERIFY2(r.exitCode == 0 && !r.out.isEmpty(), qPrintable(command + u'\n' + r.err));
        }

        const json answer = runJson({QStringLiteral("search"), QStringLiteral("S-amb")});
        QCOMPARE(answer["matches"].size(), 2u);
        QCOMPARE_JSON(answer["matches"][0]["kind"], "entity");

        // Nothing matches: a sentence on stderr, nothing on stdout, status 4.
        const Run none = meshctl({QStringLiteral("search"), QStringLiteral("S-none 'x'")});
        QCOMPARE(none.exitCode, 4);
        QCOMPARE(none.out, QString());
        QVERIFY2(none.err.startsWith(QStringLiteral(
                     "meshctl: Nothing in any tenant matches \"S-none 'x'\", looked for as ")),
                 qPrintable(none.err));
        const Run noneJson =
            meshctl({QStringLiteral("--json"), QStringLiteral("search"), QStringLiteral("S-none")});
        QCOMPARE(noneJson.exitCode, 4);
        QVERIFY2(json::parse(noneJson.out.toStdString())["matches"].empty(),
                 qPrintable(noneJson.out));

        const Run usage = meshctl({QStringLiteral("search")});
        QCOMPARE(usage.exitCode, 2);
        QVERIFY2(usage.err.contains(QStringLiteral("usage: meshctl search QUERY")),
                 qPrintable(usage.err));
        const Run badLimit = meshctl({QStringLiteral("search"), QStringLiteral("S-amb"),
                                      QStringLiteral("--limit"), QStringLiteral("0")});
        QCOMPARE(badLimit.exitCode, 1);
        QVERIFY2(badLimit.err.contains(QStringLiteral("HTTP 400")), qPrintable(badLimit.err));
    }

    void sourcesCountWhatTheirHookReceived() {
        const json spec = {{"kind", "segment"},
                           {"tenant", "acme"},
                           {"secrets", {"seg-shared-secret-31a9"}},
                           {"description", "analytics.js via the Webhooks destination"}};
        const QString specFile = writeJson(QStringLiteral("seg-cli.json"), spec);
        const Run created =
            meshctl({QStringLiteral("sources"), QStringLiteral("apply"), QStringLiteral("seg-cli"),
                     QStringLiteral("--file"), specFile});
        QCOMPARE(created.exitCode, 0);
        QCOMPARE(created.out, QStringLiteral("created source seg-cli (segment, tenant acme); the "
                                             "vendor posts to /v1/hooks/seg-cli\n"));

        // The fixture's call with its signature, the same call again (a
        // vendor's retry), a forged signature, and a signed call its rule
        // cannot map (no demo_at).
        const std::string body =
            test::readFixture(QStringLiteral("segment/track-demo-booked.json"));
        const std::map<std::string, std::string> signedHeaders = {
            {"content-type", "application/json"},
            {"x-signature", "eeefe8dfa21728237cbb7ab68239bd4e75b2e53e"}};
        auto vendor = MeshClient(meshd->url(), {});
        QCOMPARE_HTTP(vendor.request("POST", "/v1/hooks/seg-cli", body, signedHeaders), 200);
        QCOMPARE_HTTP(vendor.request("POST", "/v1/hooks/seg-cli", body, signedHeaders), 200);
        QCOMPARE_HTTP(vendor.request("POST", "/v1/hooks/seg-cli", body,
                                     {{"content-type", "application/json"},
                                      {"x-signature", std::string(40, '0')}}),
                      401);
        const std::string unmappable = R"({"type":"track","event":"Demo Booked","userId":"u-7",)"
                                       R"("messageId":"ajs-cli-no-demo-at",)"
                                       R"("timestamp":"2026-11-27T09:14:10.000Z","properties":{}})";
        const QByteArray signature =
            QMessageAuthenticationCode::hash(QByteArray::fromStdString(unmappable),
                                             "seg-shared-secret-31a9", QCryptographicHash::Sha1)
                .toHex();
        QCOMPARE_HTTP(vendor.request("POST", "/v1/hooks/seg-cli", unmappable,
                                     {{"content-type", "application/json"},
                                      {"x-signature", signature.toStdString()}}),
                      200);

        // NAME KIND TENANT PATH RECEIVED MAPPED IGNORED REJECTED QUARANTINED LAST ERROR
        const Run list = meshctl({QStringLiteral("sources")});
        QCOMPARE(list.exitCode, 0);
        QCOMPARE(tableColumn(list.out, 0).value(0), QStringLiteral("NAME"));
        const QStringList row = tableRow(list.out, QStringLiteral("seg-cli"));
        QCOMPARE(row.value(1), QStringLiteral("segment"));
        QCOMPARE(row.value(2), QStringLiteral("acme"));
        QCOMPARE(row.value(3), QStringLiteral("/v1/hooks/seg-cli"));
        QCOMPARE(row.value(4), QStringLiteral("3")); // items in verified requests
        QCOMPARE(row.value(5), QStringLiteral("2")); // the call and its retry
        QCOMPARE(row.value(6), QStringLiteral("0"));
        QCOMPARE(row.value(7), QStringLiteral("1")); // the forged signature
        QCOMPARE(row.value(8), QStringLiteral("2")); // the forged request and the unmappable call
        QVERIFY2(row.value(9).contains(QStringLiteral("/properties/demo_at is missing")),
                 qPrintable(list.out));

        const Run shown =
            meshctl({QStringLiteral("sources"), QStringLiteral("show"), QStringLiteral("seg-cli")});
        QCOMPARE(shown.exitCode, 0);
        QVERIFY2(shown.out.contains(QRegularExpression(
                     QStringLiteral("^items: +received 3, mapped 2 \\(duplicates 1\\), ignored 0, "
                                    "quarantined 2$"),
                     QRegularExpression::MultilineOption)),
                 qPrintable(shown.out));
        QVERIFY2(shown.out.contains(QRegularExpression(
                     QStringLiteral("^requests: +4, rejected by verification 1$"),
                     QRegularExpression::MultilineOption)),
                 qPrintable(shown.out));
        // The spec as the mesh keeps it, the secret masked.
        const auto specAt = shown.out.indexOf(QStringLiteral("\nspec:\n"));
        QVERIFY2(specAt > 0, qPrintable(shown.out));
        const json shownSpec = json::parse(shown.out.mid(specAt + 7).toStdString(), nullptr, false);
        QCOMPARE_JSON(shownSpec["secrets"], json::array({"********"}));
        QVERIFY(!shown.out.contains(QStringLiteral("seg-shared-secret")));

        // Both refusals read as the hook's, each with what to act on.
        // ID RECEIVED TENANT SOURCE STATUS REASON DETAIL
        const Run quarantine = meshctl({QStringLiteral("quarantine")});
        QCOMPARE(quarantine.exitCode, 0);
        QStringList hookRows;
        for (const auto& line : quarantine.out.split(u'\n'))
            if (line.contains(QStringLiteral("  hook seg-cli  ")))
                hookRows.push_back(line);
        QCOMPARE(hookRows.size(), 2); // newest first
        static const QRegularExpression gap(QStringLiteral("\\s{2,}"));
        const QStringList item = hookRows[0].split(gap);
        QCOMPARE(item.value(2), QStringLiteral("acme"));
        QCOMPARE(item.value(4), QStringLiteral("200"));
        QCOMPARE(item.value(5), QStringLiteral("failed"));
        QVERIFY2(item.value(6).startsWith(QStringLiteral(
                     "the body (vendor id ajs-cli-no-demo-at): rule 'demo-booked': ")),
                 qPrintable(hookRows[0]));
        const QStringList forged = hookRows[1].split(gap);
        QCOMPARE(forged.value(4), QStringLiteral("401"));
        QCOMPARE(forged.value(5), QStringLiteral("signature"));
        QVERIFY2(forged.value(6).contains(QStringLiteral("does not match")),
                 qPrintable(hookRows[1]));

        // Applying the same spec again replaces it.
        const Run changed =
            meshctl({QStringLiteral("sources"), QStringLiteral("apply"), QStringLiteral("seg-cli"),
                     QStringLiteral("--file"), specFile});
        QCOMPARE(changed.exitCode, 0);
        QVERIFY2(changed.out.startsWith(QStringLiteral("changed source seg-cli ")),
                 qPrintable(changed.out));

        const Run deleted = meshctl(
            {QStringLiteral("sources"), QStringLiteral("delete"), QStringLiteral("seg-cli")});
        QCOMPARE(deleted.exitCode, 0);
        QCOMPARE(deleted.out, QStringLiteral("source seg-cli deleted\n"));
        const Run gone =
            meshctl({QStringLiteral("sources"), QStringLiteral("show"), QStringLiteral("seg-cli")});
        QCOMPARE(gone.exitCode, 1);
        QVERIFY2(
            gone.err.contains(QStringLiteral("sources show: HTTP 404: no source named seg-cli")),
            qPrintable(gone.err));
        QCOMPARE_HTTP(vendor.request("POST", "/v1/hooks/seg-cli", body, signedHeaders), 404);
    }

    void sourcesApplyRefusesABadSpec() {
        const Run invalid = meshctl(
            {QStringLiteral("sources"), QStringLiteral("apply"), QStringLiteral("zap-cli"),
             QStringLiteral("--file"),
             writeJson(QStringLiteral("zap-cli.json"), {{"kind", "zapier"}, {"tenant", "acme"}})});
        QCOMPARE(invalid.exitCode, 1);
        QVERIFY2(invalid.err.contains(QStringLiteral("sources apply: HTTP 422")),
                 qPrintable(invalid.err));
        QVERIFY2(invalid.err.contains(QStringLiteral("\n  /kind: ")), qPrintable(invalid.err));

        // A spec naming another source is refused before anything is sent.
        const Run misnamed =
            meshctl({QStringLiteral("sources"), QStringLiteral("apply"),
                     QStringLiteral("seg-other"), QStringLiteral("--file"),
                     writeJson(QStringLiteral("named.json"),
                               {{"name", "seg-named"}, {"kind", "segment"}, {"tenant", "acme"}})});
        QCOMPARE(misnamed.exitCode, 2);
        QVERIFY2(
            misnamed.err.contains(QStringLiteral("names source \"seg-named\", not \"seg-other\"")),
            qPrintable(misnamed.err));
        auto client = admin();
        QCOMPARE_HTTP(client.get("/v1/sources/seg-other"), 404);
        QCOMPARE_HTTP(client.get("/v1/sources/seg-named"), 404);
        QCOMPARE_HTTP(client.get("/v1/sources/zap-cli"), 404);

        const Run noFile = meshctl(
            {QStringLiteral("sources"), QStringLiteral("apply"), QStringLiteral("seg-other")});
        QCOMPARE(noFile.exitCode, 2);
        QVERIFY2(noFile.err.contains(QStringLiteral("sources apply NAME --file SPEC.json")),
                 qPrintable(noFile.err));
    }

    void sourcesTestShowsEachItemAndStoresNothing() {
        auto client = admin();
        QCOMPARE_HTTP(
            client.request("PUT", "/v1/sources/hs-cli",
                           json{{"kind", "hubspot"},
                                {"tenant", "acme"},
                                {"secrets", {"hs-client-secret-8f2c1d"}},
                                {"public_url", "https://mesh.example.com/v1/hooks/hubspot"}}
                               .dump(),
                           {{"content-type", "application/json"}}),
            201);
        // Rules of the test's own: creation maps, a lifecycle change is
        // ignored, and nothing matches hs_lead_status.
        const json rules = {
            {"kind", "hubspot"},
            {"rules",
             {{{"name", "created"},
               {"when", {{"/subscriptionType", "contact.creation"}}},
               {"event_type", "LeadCreated"},
               {"entity",
                {{"kind", "lead"}, {"id", {{"pointer", "/objectId"}, {"transform", "string"}}}}},
               {"payload", {{"lead_id", {{"pointer", "/objectId"}, {"transform", "string"}}}}}},
              {{"name", "stage-not-wanted"},
               {"when", {{"/propertyName", "lifecyclestage"}}},
               {"ignore", true}}}}};
        const QString fixture = test::fixturePath(QStringLiteral("hubspot/contact-events.json"));
        const QStringList withRules = {QStringLiteral("sources"),
                                       QStringLiteral("test"),
                                       QStringLiteral("hs-cli"),
                                       QStringLiteral("--file"),
                                       fixture,
                                       QStringLiteral("--mapping"),
                                       writeJson(QStringLiteral("rules.json"), rules)};
        const Run r = meshctl(withRules);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("signature: not checked")), qPrintable(r.out));
        const auto itemAt = [&r](const QString& where) {
            return r.out.indexOf(QStringLiteral("\nitem ") + where + u'\n');
        };
        QVERIFY2(itemAt(QStringLiteral("/0")) > 0 && itemAt(QStringLiteral("/1")) > 0 &&
                     itemAt(QStringLiteral("/2")) > 0,
                 qPrintable(r.out));
        const QString first =
            r.out.mid(itemAt(QStringLiteral("/0")),
                      itemAt(QStringLiteral("/1")) - itemAt(QStringLiteral("/0")));
        QVERIFY2(first.contains(QStringLiteral("\noutcome:    mapped\n")), qPrintable(first));
        QVERIFY2(first.contains(QStringLiteral("\nvendor id:  4011932001\n")), qPrintable(first));
        QVERIFY2(first.contains(QStringLiteral("\nrule:       created\n")), qPrintable(first));
        const auto eventAt = first.indexOf(QStringLiteral("\nevent:\n"));
        QVERIFY2(eventAt > 0, qPrintable(first));
        const json event = json::parse(first.mid(eventAt + 8).toStdString(), nullptr, false);
        QCOMPARE_JSON(event["event_type"], "LeadCreated");
        QCOMPARE_JSON(event["entity"]["id"], "9001");
        QCOMPARE_JSON(event["producer"], "hs-cli");
        const QString second =
            r.out.mid(itemAt(QStringLiteral("/1")),
                      itemAt(QStringLiteral("/2")) - itemAt(QStringLiteral("/1")));
        QVERIFY2(second.contains(QStringLiteral("\noutcome:    ignored\n")), qPrintable(second));
        QVERIFY2(second.contains(QStringLiteral("\nrule:       stage-not-wanted\n")),
                 qPrintable(second));
        QVERIFY2(!second.contains(QStringLiteral("\nevent:")), qPrintable(second));
        const QString third = r.out.mid(itemAt(QStringLiteral("/2")));
        QVERIFY2(third.contains(QStringLiteral("\noutcome:    no-match\n")), qPrintable(third));
        QVERIFY2(third.contains(QStringLiteral("\nreason:     ")), qPrintable(third));
        QVERIFY2(
            r.out.endsWith(
                QStringLiteral("3 item(s): 1 ignored, 1 mapped, 1 no-match with the rules from ") +
                withRules.last() + QStringLiteral("; nothing was stored\n")),
            qPrintable(r.out));

        // --json: the answer as the mesh gave it.
        const json answer = runJson(withRules);
        QCOMPARE(answer.value("items", json::array()).size(), 3u);
        QCOMPARE_JSON(answer["items"][1]["outcome"], "ignored");

        // --verify with the vendor's headers: the fixture's signature is
        // right but its timestamp is long past.
        const Run verified = meshctl(
            {QStringLiteral("sources"), QStringLiteral("test"), QStringLiteral("hs-cli"),
             QStringLiteral("--file"), fixture, QStringLiteral("--verify"),
             QStringLiteral("--header"),
             QStringLiteral("X-HubSpot-Signature-v3: +6ZbeUAxwlijYrQK1tGt1bB/vimuk//vjStrV6DP9Bk="),
             QStringLiteral("--header"),
             QStringLiteral("X-HubSpot-Request-Timestamp: 1764234846000")});
        QCOMPARE(verified.exitCode, 0);
        QVERIFY2(verified.out.startsWith(
                     QStringLiteral("signature: refused: X-HubSpot-Request-Timestamp is ")),
                 qPrintable(verified.out));

        // Nothing was stored or counted.
        const QStringList row =
            tableRow(meshctl({QStringLiteral("sources")}).out, QStringLiteral("hs-cli"));
        QCOMPARE(row.value(4), QStringLiteral("0"));
        QCOMPARE(row.value(5), QStringLiteral("0"));
        QCOMPARE(json::parse(client.get("/v1/events?producer=hs-cli").body)["events"].size(), 0u);

        const Run badHeader = meshctl({QStringLiteral("sources"), QStringLiteral("test"),
                                       QStringLiteral("hs-cli"), QStringLiteral("--file"), fixture,
                                       QStringLiteral("--header"), QStringLiteral("no colon")});
        QCOMPARE(badHeader.exitCode, 2);
        QVERIFY2(badHeader.err.contains(QStringLiteral("--header needs 'Name: value'")),
                 qPrintable(badHeader.err));
        const Run badRules =
            meshctl({QStringLiteral("sources"), QStringLiteral("test"), QStringLiteral("hs-cli"),
                     QStringLiteral("--file"), fixture, QStringLiteral("--mapping"),
                     writeJson(QStringLiteral("bad-rules.json"), {{"rules", {{{"name", "x"}}}}})});
        QCOMPARE(badRules.exitCode, 1);
        QVERIFY2(badRules.err.contains(QStringLiteral("sources test: HTTP 422: ")),
                 qPrintable(badRules.err));
        const Run unknown = meshctl({QStringLiteral("sources"), QStringLiteral("test"),
                                     QStringLiteral("nope"), QStringLiteral("--file"), fixture});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains(QStringLiteral("HTTP 404: no source named nope")),
                 qPrintable(unknown.err));
    }

    void sourcesTestReadsASalesforceMessage() {
        auto client = admin();
        QCOMPARE_HTTP(client.request("PUT", "/v1/sources/sf-cli",
                                     json{{"kind", "salesforce-outbound"},
                                          {"tenant", "acme"},
                                          {"organization_id", "00D5g000004ABCDEA2"}}
                                         .dump(),
                                     {{"content-type", "application/json"}}),
                      201);
        const QStringList test = {
            QStringLiteral("sources"), QStringLiteral("test"), QStringLiteral("sf-cli"),
            QStringLiteral("--file"),
            test::fixturePath(QStringLiteral("salesforce/outbound-lead.xml"))};
        const Run r = meshctl(test);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("\nitem Notification[0]\noutcome:    mapped\n"
                                               "vendor id:  04l5g00000Q1w2eAAB\n")),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("\nitem Notification[1]\noutcome:    mapped\n"
                                               "vendor id:  04l5g00000Q1w2fAAB\n")),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("\"lead_id\": \"00Q5g00000K9LmNEAV\"")),
                 qPrintable(r.out));

        // Rules whose event breaks its schema: each such item is invalid,
        // shown as mapped with the schema's violations.
        const json rules = {{"kind", "salesforce-outbound"},
                            {"rules",
                             {{{"name", "status-as-score"},
                               {"when", {{"/sObject/type", "Lead"}}},
                               {"event_type", "LeadScored"},
                               {"entity", {{"kind", "lead"}, {"id", {{"pointer", "/sObject/Id"}}}}},
                               {"payload",
                                {{"lead_id", {{"pointer", "/sObject/Id"}}},
                                 {"score", {{"pointer", "/sObject/Status"}}},
                                 {"model", {{"const", "status"}}}}}}}}};
        const Run invalid =
            meshctl(test + QStringList{QStringLiteral("--mapping"),
                                       writeJson(QStringLiteral("sf-rules.json"), rules)});
        QCOMPARE(invalid.exitCode, 0);
        QVERIFY2(
            invalid.out.contains(QStringLiteral("\nitem Notification[0]\noutcome:    invalid\n")),
            qPrintable(invalid.out));
        QVERIFY2(invalid.out.contains(QStringLiteral("\n  /payload/score: ")),
                 qPrintable(invalid.out));
        QVERIFY2(invalid.out.contains(QStringLiteral("\nevent as mapped:\n")),
                 qPrintable(invalid.out));
        QVERIFY2(
            invalid.out.contains(QStringLiteral("\n2 item(s): 2 invalid with the rules from ")),
            qPrintable(invalid.out));

        // A message from another organization is not read at all.
        QCOMPARE_HTTP(client.request("PUT", "/v1/sources/sf-cli",
                                     json{{"kind", "salesforce-outbound"},
                                          {"tenant", "acme"},
                                          {"organization_id", "00D5g000004ZZZZEA2"}}
                                         .dump(),
                                     {{"content-type", "application/json"}}),
                      200);
        const Run other = meshctl(test);
        QCOMPARE(other.exitCode, 0);
        QVERIFY2(other.out.contains(QStringLiteral("\nbody: not read: ")), qPrintable(other.out));
        QVERIFY2(other.out.contains(QStringLiteral("00D5g000004ABCDEA2")), qPrintable(other.out));
        QVERIFY2(!other.out.contains(QStringLiteral("\nitem ")), qPrintable(other.out));
    }

    void wrongTokenAndNoMeshAreExplained() {
        const Run r = meshctl({QStringLiteral("events")}, {}, "mdk_wrong");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("MESHDECK_TOKEN")), qPrintable(r.err));

        QProcess p;
        p.start(test::binDir() + QStringLiteral("/meshctl"),
                {QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:1"),
                 QStringLiteral("health")});
        p.waitForFinished(10000);
        QCOMPARE(p.exitCode(), 3);
        QVERIFY(QString::fromUtf8(p.readAllStandardError())
                    .contains(QStringLiteral("cannot reach the mesh")));
    }
};

QTEST_GUILESS_MAIN(MeshctlTest)
#include "tst_meshctl.moc"
