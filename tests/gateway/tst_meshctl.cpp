// meshctl as support staff and scripts use it: a real meshd child, meshctl
// run as a process, its human and --json output, and its errors.

#include "core/uuid.h"
#include "tests/support/json_compare.h"
#include "tests/support/meshd_process.h"
#include "tests/support/test_support.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using meshdeck::test::MeshdProcess;
using nlohmann::json;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

json leadScored(const std::string& lead, int score) {
    static UuidV7Generator ids;
    return {{"event_id", ids.next()},
            {"event_type", "LeadScored"},
            {"occurred_at", "2026-11-27T09:14:03.120Z"},
            {"producer", "meshctl-test"},
            {"tenant_id", "acme"},
            {"correlation_id", "journey-" + lead},
            {"entity", {{"kind", "lead"}, {"id", lead}}},
            {"payload", {{"lead_id", lead}, {"score", score}, {"model", "m"}}}};
}

} // namespace

class MeshctlTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir;
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
        const Run table = meshctl(
            {QStringLiteral("events"), QStringLiteral("--entity"), QStringLiteral("lead:L-1")});
        QCOMPARE(table.exitCode, 0);
        const auto rows = table.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 2); // header + one event
        QVERIFY(rows[0].startsWith(QStringLiteral("SEQ")));
        QVERIFY(rows[1].contains(QStringLiteral("LeadScored")));
        QVERIFY(rows[1].contains(QStringLiteral("lead:L-1")));

        const Run js =
            meshctl({QStringLiteral("events"), QStringLiteral("--json"), QStringLiteral("--all"),
                     QStringLiteral("--limit"), QStringLiteral("2"), QStringLiteral("--type"),
                     QStringLiteral("LeadScored")});
        QCOMPARE(js.exitCode, 0);
        // --all follows the cursor past the page size of 2.
        QCOMPARE(js.out.split(u'\n', Qt::SkipEmptyParts).size(), 5);
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
        QTest::qWait(700); // tail starts from the log's head: earlier events are not shown
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
