// The Quarantine page against a real broker on the offscreen platform: who
// sent each rejection, identical ones grouped with their count, the filter,
// the problem in words, the admin-only message and tenant isolation. And the
// console's one time format, in UTC and in local time.

#include "tests/support/test_broker.h"
#include "tests/views/open_session.h"
#include "views/quarantine/quarantine_page.h"
#include "views/session/http_transport.h"
#include "views/session/protocol_adapter.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <ctime>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using namespace meshdeck::views;
using meshdeck::test::openSession;
using nlohmann::json;

namespace {

// A LeadScored event from `producer`; a score of 140 breaks the contract
// (0..100), a score of "high" breaks it with the wrong type.
std::string leadScored(const std::string& producer, const std::string& tenant, json score) {
    return json{{"event_type", "LeadScored"},
                {"occurred_at", "2026-11-27T09:00:00Z"},
                {"producer", producer},
                {"tenant_id", tenant},
                {"entity", {{"kind", "lead"}, {"id", "L-1"}}},
                {"payload", {{"lead_id", "L-1"}, {"score", score}, {"model", "fit-v3"}}}}
        .dump();
}

// The page on a session of `token`, shown; activate() asks the broker.
struct OpenedPage {
    OpenedPage(const test::TestBroker& mesh, const std::string& token)
        : session(openSession(mesh, token)), page(*session) {
        page.resize(1200, 800);
        page.show();
    }
    std::unique_ptr<MeshSession> session;
    QuarantinePage page;
};

QString cell(const QAbstractItemModel& model, int row, int column) {
    return model.data(model.index(row, column), Qt::DisplayRole).toString();
}

// The row whose column `column` reads `text`, or -1.
int rowWith(const QAbstractItemModel& model, int column, const QString& text) {
    for (int row = 0; row < model.rowCount(); ++row)
        if (cell(model, row, column) == text)
            return row;
    return -1;
}

Timestamp at(const char* rfc3339) {
    return *parseRfc3339(rfc3339);
}

void setZone(const char* tz) {
    qputenv("TZ", tz);
    tzset();
}

// Group columns: Count, Producer, Tenant, Source, Reason, Where, Problem, First, Last.
enum GroupColumn { Count, Producer, Tenant, Source, Reason, Where, Problem, FirstSeen, LastSeen };
// Entry columns: Received, Producer, Tenant, Source, Event type, Reason, Where, Problem.
enum EntryColumn { Received, EntryProducer, EntryTenant, EntrySource, EventType };

} // namespace

class QuarantinePageTest : public QObject {
    Q_OBJECT

    QTemporaryDir config;
    QByteArray savedTz = qgetenv("TZ");

    static QString text(const QWidget& page, const char* name) {
        if (auto* label = page.findChild<QLabel*>(QLatin1StringView(name)))
            return label->text();
        return page.findChild<QPlainTextEdit*>(QLatin1StringView(name))->toPlainText();
    }

private Q_SLOTS:
    void initTestCase() {
        // Before the first QSettings: the time setting lands in the temporary dir.
        qputenv("XDG_CONFIG_HOME", config.path().toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("meshdeck-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("quarantine"));
        QLocale::setDefault(QLocale::c());
    }

    void cleanup() {
        setLocalTime(false);
        if (savedTz.isNull())
            qunsetenv("TZ");
        else
            qputenv("TZ", savedTz);
        tzset();
    }

    void timeTextIsUtcByDefault() {
        QCOMPARE(localTime(), false);
        QCOMPARE(timeText(at("2026-11-27T09:14:03.120Z")),
                 QStringLiteral("2026-11-27 09:14:03.120 UTC"));
        QCOMPARE(timeText(at("2026-11-27T09:14:03Z")),
                 QStringLiteral("2026-11-27 09:14:03.000 UTC"));
        QCOMPARE(timeText(std::optional<Timestamp>()), QString());
        QCOMPARE(shortTimeText(at("2026-11-27T09:14:03.120Z")), QStringLiteral("09:14:03 UTC"));
        // Times that arrive as text in raw JSON read the same; an offset is converted.
        QCOMPARE(timeText(QStringLiteral("2026-11-27T09:14:03.120Z")),
                 QStringLiteral("2026-11-27 09:14:03.120 UTC"));
        QCOMPARE(timeText(QStringLiteral("2026-11-27T10:14:03.120+01:00")),
                 QStringLiteral("2026-11-27 09:14:03.120 UTC"));
        // Text that is no time is shown as it came.
        QCOMPARE(timeText(QStringLiteral("yesterday")), QStringLiteral("yesterday"));
        QCOMPARE(timeText(QString()), QString());
    }

    void timeTextInLocalTime_data() {
        QTest::addColumn<QByteArray>("zone");
        QTest::addColumn<QString>("utc");
        QTest::addColumn<QString>("shown");
        QTest::addColumn<QString>("clock");
        QTest::addRow("Berlin in winter: CET")
            << QByteArray("Europe/Berlin") << QStringLiteral("2026-11-27T09:14:03.120Z")
            << QStringLiteral("2026-11-27 10:14:03.120 CET") << QStringLiteral("10:14:03 CET");
        QTest::addRow("Berlin in summer: CEST")
            << QByteArray("Europe/Berlin") << QStringLiteral("2026-07-01T09:14:03.120Z")
            << QStringLiteral("2026-07-01 11:14:03.120 CEST") << QStringLiteral("11:14:03 CEST");
        QTest::addRow("past midnight: the local date")
            << QByteArray("Europe/Berlin") << QStringLiteral("2026-11-27T23:30:00Z")
            << QStringLiteral("2026-11-28 00:30:00.000 CET") << QStringLiteral("00:30:00 CET");
        QTest::addRow("Tehran has no letters: +03:30")
            << QByteArray("Asia/Tehran") << QStringLiteral("2026-11-27T09:14:03.120Z")
            << QStringLiteral("2026-11-27 12:44:03.120 +03:30")
            << QStringLiteral("12:44:03 +03:30");
        QTest::addRow("Sao Paulo has no letters: -03:00")
            << QByteArray("America/Sao_Paulo") << QStringLiteral("2026-11-27T09:14:03.120Z")
            << QStringLiteral("2026-11-27 06:14:03.120 -03:00")
            << QStringLiteral("06:14:03 -03:00");
    }

    void timeTextInLocalTime() {
        QFETCH(QByteArray, zone);
        QFETCH(QString, utc);
        QFETCH(QString, shown);
        QFETCH(QString, clock);
        setZone(zone.constData());
        QSignalSpy changed(&TimeDisplay::instance(), &TimeDisplay::changed);
        setLocalTime(true);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(localTime(), true);
        QCOMPARE(QSettings().value(QStringLiteral("display/localTime")).toBool(), true);
        const Timestamp instant = at(utc.toLatin1().constData());
        QCOMPARE(timeText(instant), shown);
        QCOMPARE(timeText(utc), shown);
        QCOMPARE(shortTimeText(instant), clock);
        // Setting the same mode again changes nothing.
        setLocalTime(true);
        QCOMPARE(changed.size(), 1);
        setLocalTime(false);
        QCOMPARE(changed.size(), 2);
        QCOMPARE(QSettings().value(QStringLiteral("display/localTime")).toBool(), false);
        QVERIFY(timeText(instant).endsWith(QStringLiteral(" UTC")));
    }

    void groupsIdenticalRejectionsByProducer() {
        test::TestBroker mesh;
        auto producer = mesh.client(mesh.token(Role::Producer, "acme"));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(
                producer.postJson("/v1/events", leadScored("legacy-import", "acme", 140)).status,
                422);
        QCOMPARE(producer.postJson("/v1/events", leadScored("web-forms", "acme", "high")).status,
                 422);
        // Not JSON: no producer in the body, so the token's name ("test") says who.
        QCOMPARE(producer.postJson("/v1/events", "{not json").status, 400);
        QTRY_COMPARE(mesh.core().quarantine().count(), 5);

        OpenedPage opened(mesh, mesh.adminToken);
        QTRY_COMPARE(opened.session->state(), SessionState::Online);
        auto& page = opened.page;
        QAbstractItemModelTester groups(page.groups(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester entries(page.groupEntries(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.groups()->rowCount(), 3, 5000);
        QCOMPARE(text(page, "quarantineStatus"),
                 QStringLiteral("5 rejections in 3 groups, newest first"));
        QVERIFY(page.findChild<QCheckBox*>(QStringLiteral("groupIdentical"))->isChecked());

        const int legacy = rowWith(*page.groups(), Producer, QStringLiteral("legacy-import"));
        QVERIFY(legacy >= 0);
        QCOMPARE(cell(*page.groups(), legacy, Count), QStringLiteral("3"));
        QCOMPARE(cell(*page.groups(), legacy, Tenant), QStringLiteral("acme"));
        QCOMPARE(cell(*page.groups(), legacy, Source), QStringLiteral("POST /v1/events"));
        QCOMPARE(cell(*page.groups(), legacy, Reason), QStringLiteral("invalid"));
        QCOMPARE(cell(*page.groups(), legacy, Where), QStringLiteral("/payload/score"));
        const QString problem = cell(*page.groups(), legacy, Problem);
        QVERIFY2(problem.contains(QStringLiteral("100")), qPrintable(problem));
        QVERIFY(cell(*page.groups(), legacy, FirstSeen).endsWith(QStringLiteral(" UTC")));
        QVERIFY(cell(*page.groups(), legacy, FirstSeen) <= cell(*page.groups(), legacy, LastSeen));
        const int forms = rowWith(*page.groups(), Producer, QStringLiteral("web-forms"));
        QVERIFY(forms >= 0);
        QCOMPARE(cell(*page.groups(), forms, Count), QStringLiteral("1"));
        QVERIFY(cell(*page.groups(), forms, Problem) != problem);
        const int malformed = rowWith(*page.groups(), Producer, QStringLiteral("test"));
        QVERIFY(malformed >= 0);
        QCOMPARE(cell(*page.groups(), malformed, Reason), QStringLiteral("malformed"));

        // A group lists its entries; the newest one's problem is spelled out.
        page.findChild<QTableView*>(QStringLiteral("groupTable"))->selectRow(legacy);
        QTRY_COMPARE(page.groupEntries()->rowCount(), 3);
        QCOMPARE(cell(*page.groupEntries(), 0, EntryProducer), QStringLiteral("legacy-import"));
        QCOMPARE(cell(*page.groupEntries(), 0, EventType), QStringLiteral("LeadScored"));
        QTRY_VERIFY(!text(page, "quarantineDetail").isEmpty());
        const QString detail = text(page, "quarantineDetail");
        QVERIFY2(detail.contains(QStringLiteral("(HTTP 422)")), qPrintable(detail));
        QVERIFY2(detail.contains(QStringLiteral("  /payload/score: ") + problem),
                 qPrintable(detail));
        QVERIFY2(detail.contains(QStringLiteral("Producer legacy-import, event type LeadScored, "
                                                "tenant acme")),
                 qPrintable(detail));
        // The body pretty-printed, not an escaped string.
        QVERIFY2(detail.contains(QStringLiteral("\"score\": 140")), qPrintable(detail));

        // Ungrouped: one row per rejection.
        page.setGrouped(false);
        QCOMPARE(page.entries()->rowCount(), 5);
        QCOMPARE(page.groups()->rowCount(), 0);
        QCOMPARE(text(page, "quarantineStatus"), QStringLiteral("5 rejections, newest first"));
        QCOMPARE(cell(*page.entries(), 0, EntryProducer), QStringLiteral("test"));
        page.setGrouped(true);
        QCOMPARE(page.groups()->rowCount(), 3);

        // The filter reads producer, type, reason and the problem's words.
        QCOMPARE(page.searchField(),
                 page.findChild<QLineEdit*>(QStringLiteral("quarantineFilter")));
        page.searchField()->setText(QStringLiteral("WEB-forms"));
        QTRY_COMPARE(page.groups()->rowCount(), 1);
        QCOMPARE(cell(*page.groups(), 0, Producer), QStringLiteral("web-forms"));
        QCOMPARE(text(page, "quarantineStatus"),
                 QStringLiteral("1 of 5 rejections match in 1 group, newest first"));
        page.searchField()->setText(QStringLiteral("malformed"));
        QTRY_COMPARE(cell(*page.groups(), 0, Producer), QStringLiteral("test"));
        QCOMPARE(page.groups()->rowCount(), 1);
        page.searchField()->setText(problem.left(12));
        QTRY_COMPARE(cell(*page.groups(), 0, Producer), QStringLiteral("legacy-import"));
        page.searchField()->setText(QStringLiteral("LeadScored"));
        QTRY_COMPARE(page.groups()->rowCount(), 2);
        page.searchField()->setText(QStringLiteral("no such thing"));
        QTRY_COMPARE(page.groups()->rowCount(), 0);
        QCOMPARE(text(page, "quarantineStatus"),
                 QStringLiteral("No rejection matches “no such thing”."));
        page.searchField()->clear();
        QTRY_COMPARE(page.groups()->rowCount(), 3);
    }

    // Switching to local time shows the page's times again in local time.
    void timesFollowTheLocalTimeSetting() {
        setZone("Asia/Tehran");
        test::TestBroker mesh;
        auto producer = mesh.client(mesh.token(Role::Producer, "acme"));
        QCOMPARE(producer.postJson("/v1/events", leadScored("legacy-import", "acme", 140)).status,
                 422);
        QTRY_COMPARE(mesh.core().quarantine().count(), 1);
        OpenedPage opened(mesh, mesh.adminToken);
        QTRY_COMPARE(opened.session->state(), SessionState::Online);
        auto& page = opened.page;
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.groups()->rowCount(), 1, 5000);
        const Timestamp received = page.groups()->row(0).lastSeen();
        QVERIFY(cell(*page.groups(), 0, LastSeen).endsWith(QStringLiteral(" UTC")));
        setLocalTime(true);
        QCOMPARE(cell(*page.groups(), 0, LastSeen), timeText(received));
        QVERIFY(cell(*page.groups(), 0, LastSeen).endsWith(QStringLiteral(" +03:30")));
    }

    void nothingRejectedSaysSo() {
        test::TestBroker mesh;
        OpenedPage opened(mesh, mesh.adminToken);
        QTRY_COMPARE(opened.session->state(), SessionState::Online);
        auto& page = opened.page;
        page.activate();
        QTRY_COMPARE(text(page, "quarantineMessage"),
                     QStringLiteral("Nothing was rejected: every input so far met its contract."));
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("quarantineMessage"))->isVisible());
        QVERIFY(!page.findChild<QTableView*>(QStringLiteral("groupTable"))->isVisible());
    }

    void onlyAdminsSeeTheQuarantine_data() {
        QTest::addColumn<Role>("role");
        QTest::addRow("viewer") << Role::Viewer;
        QTest::addRow("operator") << Role::Operator;
    }

    void onlyAdminsSeeTheQuarantine() {
        QFETCH(Role, role);
        test::TestBroker mesh;
        auto producer = mesh.client(mesh.token(Role::Producer, "acme"));
        QCOMPARE(producer.postJson("/v1/events", leadScored("legacy-import", "acme", 140)).status,
                 422);
        QTRY_COMPARE(mesh.core().quarantine().count(), 1);
        OpenedPage opened(mesh, mesh.token(role, "acme"));
        QTRY_COMPARE(opened.session->state(), SessionState::Online);
        auto& page = opened.page;
        page.activate();
        QTRY_COMPARE(text(page, "quarantineMessage"),
                     QStringLiteral("Only admins see the quarantine (it holds raw payloads)."));
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("quarantineMessage"))->isVisible());
        QCOMPARE(page.groups()->rowCount(), 0);
        QCOMPARE(text(page, "quarantineStatus"), QString());
    }

    // A vendor's hook names no producer the broker trusts: the source's name says who.
    void aRefusedHookIsListedUnderItsSource() {
        test::TestBroker mesh;
        auto admin = mesh.client(mesh.adminToken);
        const json spec = {
            {"kind", "segment"}, {"tenant", "acme"}, {"secrets", {"seg-shared-secret-31a9"}}};
        const int created = admin
                                .request("PUT", "/v1/sources/seg-web", spec.dump(),
                                         {{"content-type", "application/json"}})
                                .status;
        QVERIFY2(created == 200 || created == 201, qPrintable(QString::number(created)));
        // Segment's own "type" is not an event type: it must not be read as one.
        const std::string track = R"({"type":"track","event":"Demo Booked","userId":"u-7"})";
        auto vendor = mesh.client("");
        QCOMPARE(vendor
                     .request("POST", "/v1/hooks/seg-web", track,
                              {{"content-type", "application/json"},
                               {"x-signature", std::string(40, '0')}})
                     .status,
                 401);
        QTRY_COMPARE(mesh.core().quarantine().count(), 1);

        OpenedPage opened(mesh, mesh.adminToken);
        QTRY_COMPARE(opened.session->state(), SessionState::Online);
        auto& page = opened.page;
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.groups()->rowCount(), 1, 5000);
        QCOMPARE(cell(*page.groups(), 0, Producer), QStringLiteral("seg-web"));
        QCOMPARE(cell(*page.groups(), 0, Source), QStringLiteral("POST /v1/hooks/seg-web"));
        QCOMPARE(cell(*page.groups(), 0, Tenant), QStringLiteral("acme"));
        QTRY_COMPARE(page.groupEntries()->rowCount(), 1);
        QCOMPARE(cell(*page.groupEntries(), 0, EventType), QString());
    }

    // A tenant's admin sees that tenant's rejections, never another's.
    void aTenantAdminSeesItsOwnTenantOnly() {
        test::TestBroker mesh;
        auto acme = mesh.client(mesh.token(Role::Producer, "acme"));
        auto globex = mesh.client(mesh.token(Role::Producer, "globex"));
        QCOMPARE(acme.postJson("/v1/events", leadScored("acme-importer", "acme", 140)).status, 422);
        QCOMPARE(globex.postJson("/v1/events", leadScored("globex-importer", "globex", 140)).status,
                 422);
        QCOMPARE(globex.postJson("/v1/events", leadScored("globex-forms", "globex", "x")).status,
                 422);
        QTRY_COMPARE(mesh.core().quarantine().count(), 3);

        OpenedPage opened(mesh, mesh.token(Role::Admin, "acme"));
        QTRY_COMPARE(opened.session->state(), SessionState::Online);
        auto& page = opened.page;
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.groups()->rowCount(), 1, 5000);
        QCOMPARE(cell(*page.groups(), 0, Producer), QStringLiteral("acme-importer"));
        QCOMPARE(cell(*page.groups(), 0, Tenant), QStringLiteral("acme"));
        page.setGrouped(false);
        QCOMPARE(page.entries()->rowCount(), 1);
        page.searchField()->setText(QStringLiteral("globex"));
        QTRY_COMPARE(text(page, "quarantineStatus"),
                     QStringLiteral("No rejection matches “globex”."));

        // The all-tenants admin sees all three.
        OpenedPage openedAll(mesh, mesh.adminToken);
        QTRY_COMPARE(openedAll.session->state(), SessionState::Online);
        auto& everything = openedAll.page;
        everything.activate();
        QTRY_COMPARE_WITH_TIMEOUT(everything.groups()->rowCount(), 3, 5000);
    }
};

QTEST_MAIN(QuarantinePageTest)
#include "tst_quarantine_page.moc"
