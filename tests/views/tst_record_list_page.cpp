// Quarantine and audit pages against a real broker, on the offscreen
// platform, with the model under QAbstractItemModelTester.

#include "tests/support/test_broker.h"
#include "tests/views/open_session.h"
#include "views/console/record_list_page.h"
#include "views/session/http_transport.h"
#include "views/session/protocol_adapter.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using namespace meshdeck::views;
using meshdeck::test::openSession;

namespace {

QList<RecordColumn> quarantineColumns() {
    return {{QStringLiteral("Received"), QStringLiteral("received_at")},
            {QStringLiteral("Tenant"), QStringLiteral("tenant")},
            {QStringLiteral("Status"), QStringLiteral("status")},
            {QStringLiteral("Reason"), QStringLiteral("reason")},
            {QStringLiteral("Problem"), QStringLiteral("problem/detail")}};
}

} // namespace

class RecordListPageTest : public QObject {
    Q_OBJECT

    QTemporaryDir config;

private Q_SLOTS:
    // Whole numbers read without ".0"; huge or broken ones never go through
    // an inexact (or undefined) cast to an integer.
    void numbersReadAsWritten() {
        QCOMPARE(jsonNumberText(42.0), QStringLiteral("42"));
        QCOMPARE(jsonNumberText(-7.0), QStringLiteral("-7"));
        QCOMPARE(jsonNumberText(1.5), QStringLiteral("1.5"));
        QCOMPARE(jsonNumberText(1e300), QStringLiteral("1e+300"));
        QCOMPARE(jsonNumberText(std::numeric_limits<double>::infinity()), QStringLiteral("inf"));
    }

    void initTestCase() {
        // The time zone setting goes to a throwaway place, never the person's.
        qputenv("XDG_CONFIG_HOME", config.path().toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("meshdeck-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("record-list-page"));
        setLocalTime(false);
    }

    void recordTextFollowsPaths() {
        const QJsonObject record{{QStringLiteral("status"), 422},
                                 {QStringLiteral("ratio"), 0.5},
                                 {QStringLiteral("problem"),
                                  QJsonObject{{QStringLiteral("detail"), QStringLiteral("bad")}}}};
        QCOMPARE(recordText(record, QStringLiteral("status")), QStringLiteral("422"));
        QCOMPARE(recordText(record, QStringLiteral("ratio")), QStringLiteral("0.5"));
        QCOMPARE(recordText(record, QStringLiteral("problem/detail")), QStringLiteral("bad"));
        QCOMPARE(recordText(record, QStringLiteral("problem/missing")), QString());
        const QJsonObject withList{
            {QStringLiteral("violations"),
             QJsonArray{QJsonObject{{QStringLiteral("path"), QStringLiteral("/a")}},
                        QJsonObject{{QStringLiteral("path"), QStringLiteral("/b")}}}}};
        QCOMPARE(recordText(withList, QStringLiteral("violations/1/path")), QStringLiteral("/b"));
        QCOMPARE(recordText(withList, QStringLiteral("violations/5/path")), QString());
    }

    void quarantineShowsRejectedInputToAdmins() {
        test::TestBroker mesh;
        auto producer = mesh.client(mesh.token(Role::Producer, "acme"));
        const std::string bad =
            R"({"event_type":"LeadScored","occurred_at":"2026-11-27T09:00:00Z","producer":"legacy",)"
            R"("tenant_id":"acme","entity":{"kind":"lead","id":"L-1"},"payload":{"lead_id":"L-1","score":140,"model":"x"}})";
        QCOMPARE(producer.postJson("/v1/events", bad).status, 422);
        // The rejection is kept through the writer queue: wait until it is.
        QTRY_COMPARE(mesh.core().quarantine().count(), 1);

        auto session = openSession(mesh, mesh.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        RecordListPage page(*session, QStringLiteral("Quarantine"),
                            QStringLiteral("/v1/quarantine?limit=500"), QStringLiteral("entries"),
                            quarantineColumns(), QStringLiteral("Nothing rejected"));
        QAbstractItemModelTester tester(page.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.show();
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 1, 5000);
        QCOMPARE(page.model()->data(page.model()->index(0, 3), Qt::DisplayRole).toString(),
                 QStringLiteral("invalid"));
        QCOMPARE(page.model()->data(page.model()->index(0, 2), Qt::DisplayRole).toString(),
                 QStringLiteral("422"));

        auto* table = page.findChild<QTableView*>(QStringLiteral("recordTable"));
        table->selectRow(0);
        const QString detail =
            page.findChild<QPlainTextEdit*>(QStringLiteral("recordDetail"))->toPlainText();
        QVERIFY2(detail.contains(QStringLiteral("/payload/score")), qPrintable(detail));
        // The kept body is shown as JSON, not as an escaped string.
        QVERIFY2(detail.contains(QStringLiteral("\"score\": 140")), qPrintable(detail));

        // A second rejection appears on refresh, newest first.
        QCOMPARE(producer.postJson("/v1/events", "{not json").status, 400);
        QTRY_COMPARE(mesh.core().quarantine().count(), 2);
        page.activate();
        QTRY_COMPARE(page.model()->rowCount(), 2);
        QCOMPARE(page.model()->data(page.model()->index(0, 3), Qt::DisplayRole).toString(),
                 QStringLiteral("malformed"));
    }

    void viewersAreToldWhyTheyCannotSeeQuarantine() {
        test::TestBroker mesh;
        auto session = openSession(mesh, mesh.token(Role::Viewer, "acme"));
        QTRY_COMPARE(session->state(), SessionState::Online);
        RecordListPage page(*session, QStringLiteral("Quarantine"),
                            QStringLiteral("/v1/quarantine"), QStringLiteral("entries"),
                            quarantineColumns(), QStringLiteral("Nothing rejected"));
        page.activate();
        auto* status = page.findChild<QLabel*>(QStringLiteral("recordStatus"));
        QTRY_VERIFY(status->text().contains(QStringLiteral("admin role needed")));
        QCOMPARE(page.model()->rowCount(), 0);
    }

    // The actor is the token's name, as a person knows it; its id beside it.
    void auditShowsWhoDidWhat() {
        test::TestBroker mesh;
        auto admin = mesh.client(mesh.adminToken);
        const auto alice =
            admin.postJson("/v1/tokens", R"({"role":"admin","tenant":"*","name":"ops-alice"})");
        QCOMPARE(alice.status, 201);
        const auto created = nlohmann::json::parse(alice.body);
        auto asAlice = mesh.client(created["token"].get<std::string>());
        QCOMPARE(
            asAlice.postJson("/v1/tokens", R"({"role":"viewer","tenant":"acme","name":"grafana"})")
                .status,
            201);
        auto session = openSession(mesh, mesh.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        RecordListPage page(*session, QStringLiteral("Audit"),
                            QStringLiteral("/v1/audit?limit=500"), QStringLiteral("entries"),
                            {{QStringLiteral("When"), QStringLiteral("at"), /*time=*/true},
                             {QStringLiteral("Actor"), QStringLiteral("actor_name")},
                             {QStringLiteral("Token"), QStringLiteral("actor")},
                             {QStringLiteral("Action"), QStringLiteral("action")},
                             {QStringLiteral("Target"), QStringLiteral("target")}},
                            QStringLiteral("No actions yet"));
        page.activate();
        QTRY_VERIFY(page.model()->rowCount() >= 2);
        const auto text = [&page](int row, int column) {
            return page.model()->data(page.model()->index(row, column), Qt::DisplayRole).toString();
        };
        bool found = false;
        for (int row = 0; row < page.model()->rowCount(); ++row) {
            if (text(row, 3) != QStringLiteral("token.create") ||
                text(row, 2) != QString::fromStdString(created["id"].get<std::string>()))
                continue;
            found = true;
            QCOMPARE(text(row, 1), QStringLiteral("ops-alice"));
        }
        QVERIFY(found);
    }

    // "When" reads as every time in the console does, and follows View >
    // Show local time at once, from the records already held.
    void auditTimesFollowTheChosenZone() {
        test::TestBroker mesh;
        auto admin = mesh.client(mesh.adminToken);
        QCOMPARE(
            admin.postJson("/v1/tokens", R"({"role":"viewer","tenant":"acme","name":"grafana"})")
                .status,
            201);
        auto session = openSession(mesh, mesh.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        RecordListPage page(*session, QStringLiteral("Audit"),
                            QStringLiteral("/v1/audit?limit=500"), QStringLiteral("entries"),
                            {{QStringLiteral("When"), QStringLiteral("at"), /*time=*/true},
                             {QStringLiteral("Action"), QStringLiteral("action")}},
                            QStringLiteral("No actions yet"));
        QAbstractItemModelTester tester(page.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.activate();
        auto* status = page.findChild<QLabel*>(QStringLiteral("recordStatus"));
        QTRY_VERIFY(page.model()->rowCount() >= 1);
        QTRY_VERIFY(status->text() != QStringLiteral("Loading…"));
        const auto when = [&page] {
            return page.model()->data(page.model()->index(0, 0), Qt::DisplayRole).toString();
        };
        const QString utc = when();
        QVERIFY2(
            QRegularExpression(QStringLiteral(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$)"))
                .match(utc)
                .hasMatch(),
            qPrintable(utc));

        const QByteArray zone = qgetenv("TZ");
        qputenv("TZ", "Europe/Berlin");
        tzset();
        const QString statusBefore = status->text();
        QSignalSpy reset(page.model(), &QAbstractItemModel::modelReset);
        QSignalSpy changed(page.model(), &QAbstractItemModel::dataChanged);
        TimeDisplay::instance().setLocalTime(true);
        const QString berlin = when();
        TimeDisplay::instance().setLocalTime(false);
        if (zone.isNull())
            qunsetenv("TZ");
        else
            qputenv("TZ", zone);
        tzset();

        // Berlin is an hour or two ahead of UTC; winter reads CET, summer CEST.
        QVERIFY2(berlin.endsWith(QStringLiteral(" CET")) ||
                     berlin.endsWith(QStringLiteral(" CEST")),
                 qPrintable(berlin));
        QVERIFY(berlin != utc);
        QVERIFY(changed.count() >= 1);
        QCOMPARE(reset.count(), 0);             // no new answer was applied
        QCOMPARE(status->text(), statusBefore); // and none was asked for
        QCOMPARE(when(), utc);
    }
};

QTEST_MAIN(RecordListPageTest)
#include "tst_record_list_page.moc"
