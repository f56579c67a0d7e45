// The Sources page on the offscreen platform: the sources table under
// QAbstractItemModelTester (vendor URLs, counts, rows kept in place), header
// lines, and the page against a real in-process broker with a HubSpot source
// created through the API - its URL and counts as hooks arrive, the
// playground's rows for the HubSpot fixture, typing a body no rule matches,
// the signature check, a viewer's refusal, an unreachable broker, and a slow
// answer to an older body that must not replace the answer to a newer one.

#include "tests/support/http_compare.h"
#include "tests/support/test_broker.h"
#include "tests/support/test_support.h"
#include "views/session/http_transport.h"
#include "views/sources/source_playground.h"
#include "views/sources/source_table_model.h"
#include "views/sources/sources_page.h"
#include "views/sources/test_item_model.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QClipboard>
#include <QGuiApplication>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace meshdeck::views;
using nlohmann::json;

namespace {

// The moment the HubSpot fixture was signed, plus a second: its signature is fresh.
const Timestamp kSignedAt = fromUnixMillis(1'764'234'846'000 + 1000);

// A body no rule of hubspot.json matches: HubSpot has no "ticket" rules.
const char* const kTicketBody =
    R"([{"eventId":5001,"subscriptionType":"ticket.creation","objectId":77,"occurredAt":1764234843120}])";

// The real transport, with a hand on the playground's answers: while `hold`
// is set, answers to POST /v1/sources/{name}/test are kept until the test
// releases them, in the order it chooses.
class HeldTestTransport final : public MeshTransport {
public:
    HeldTestTransport(const QUrl& url, const QByteArray& token) : inner_(url, token) {}

    bool hold = false;
    int testsSent = 0;
    QList<std::pair<MeshReply, Callback>> held;

    void send(const MeshRequest& request, Callback done) override {
        if (!request.path.endsWith(u"/test"))
            return inner_.send(request, std::move(done));
        ++testsSent;
        if (!hold)
            return inner_.send(request, std::move(done));
        inner_.send(request, [this, done = std::move(done)](const MeshReply& reply) {
            held.append({reply, done});
        });
    }
    QString endpoint() const override { return inner_.endpoint(); }
    void release(int index) {
        auto [reply, done] = held.takeAt(index);
        done(reply);
    }

private:
    HttpTransport inner_;
};

std::unique_ptr<MeshSession> openSession(const TestBroker& mesh, const std::string& token,
                                         HeldTestTransport** transport = nullptr) {
    auto held = std::make_unique<HeldTestTransport>(QUrl(QString::fromStdString(mesh.url())),
                                                    QByteArray::fromStdString(token));
    if (transport)
        *transport = held.get();
    auto session = std::make_unique<MeshSession>(std::move(held));
    session->open();
    return session;
}

QString cell(const QAbstractItemModel& model, int row, int column) {
    return model.data(model.index(row, column), Qt::DisplayRole).toString();
}

QString labelText(const QWidget& page, const char* name) {
    return page.findChild<QLabel*>(QLatin1String(name))->text();
}

HttpResult putSource(TestBroker& mesh, const std::string& name, const json& spec) {
    return mesh.client(mesh.adminToken)
        .request("PUT", "/v1/sources/" + name, spec.dump(), {{"content-type", "application/json"}});
}

json hubspotSpec() {
    return {{"kind", "hubspot"},
            {"tenant", "acme"},
            {"secrets", {"hs-client-secret-8f2c1d"}},
            {"public_url", "https://mesh.example.com/v1/hooks/hubspot"}};
}

protocol::SourceStatus source(const char* name, const char* publicUrl = "") {
    protocol::SourceStatus s;
    s.name = name;
    s.kind = "hubspot";
    s.tenant = "acme";
    s.hookPath = std::string("/v1/hooks/") + name;
    s.publicUrl = publicUrl;
    return s;
}

} // namespace

class SourcesPageTest : public QObject {
    Q_OBJECT

    // The hubspot source created through the API, and a page on a session
    // with `token`, shown, with the source listed and selected.
    struct OpenPage {
        std::unique_ptr<MeshSession> session;
        std::unique_ptr<SourcesPage> page;
        HeldTestTransport* transport = nullptr;
    };
    // Callers return when QTest::currentTestFailed() afterwards.
    void openPage(OpenPage& p, TestBroker& mesh, const std::string& token) {
        QCOMPARE_HTTP(putSource(mesh, "hubspot", hubspotSpec()), 201);
        p.session = openSession(mesh, token, &p.transport);
        QTRY_COMPARE(p.session->state(), SessionState::Online);
        p.page = std::make_unique<SourcesPage>(*p.session);
        p.page->resize(1200, 700);
        p.page->show();
        p.page->activate();
        QTRY_COMPARE_WITH_TIMEOUT(p.page->model()->rowCount(), 1, 5000);
        QCOMPARE(p.page->selectedSource(), QStringLiteral("hubspot"));
    }

private Q_SLOTS:
    void tableShowsEachSourceWithItsVendorUrl() {
        SourceTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBaseUrl(QStringLiteral("http://mesh.internal:8787/"));
        auto hubspot = source("hubspot", "https://mesh.example.com/v1/hooks/hubspot");
        auto segment = source("segment");
        segment.kind = "segment";
        model.apply({hubspot, segment});
        QCOMPARE(model.rowCount(), 2);
        // HubSpot signs its public URL: that is what it is given.
        QCOMPARE(cell(model, 0, SourceTableModel::Url),
                 QStringLiteral("https://mesh.example.com/v1/hooks/hubspot"));
        QCOMPARE(cell(model, 1, SourceTableModel::Url),
                 QStringLiteral("http://mesh.internal:8787/v1/hooks/segment"));

        // Counts change in place; the rows keep their order.
        segment.counters = {12, 30, 25, 1, 3, 2, 2};
        segment.lastError = "the signature does not match any of the source's 1 secrets";
        segment.lastErrorAt = fromUnixMillis(1'764'234'846'000);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.apply({hubspot, segment});
        QCOMPARE(removed.count(), 0);
        QCOMPARE(cell(model, 1, SourceTableModel::Requests), QStringLiteral("12"));
        QCOMPARE(cell(model, 1, SourceTableModel::Mapped), QStringLiteral("25"));
        QCOMPARE(cell(model, 1, SourceTableModel::Ignored), QStringLiteral("3"));
        QCOMPARE(cell(model, 1, SourceTableModel::RejectedSignature), QStringLiteral("2"));
        QCOMPARE(cell(model, 1, SourceTableModel::Quarantined), QStringLiteral("2"));
        QCOMPARE(cell(model, 1, SourceTableModel::LastError),
                 QStringLiteral("2025-11-27 09:14:06.000 UTC — the signature does not match any of "
                                "the source's 1 secrets"));

        model.apply({segment});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.rowOf(QStringLiteral("segment")), 0);
        QCOMPARE(model.rowOf(QStringLiteral("hubspot")), -1);
    }

    void loopbackUrlsSayTheVendorCannotReachThem() {
        QVERIFY(isLoopbackUrl(QStringLiteral("http://127.0.0.1:8787/v1/hooks/h")));
        QVERIFY(isLoopbackUrl(QStringLiteral("http://localhost:8787/v1/hooks/h")));
        QVERIFY(isLoopbackUrl(QStringLiteral("http://[::1]:8787/v1/hooks/h")));
        QVERIFY(!isLoopbackUrl(QStringLiteral("https://mesh.example.com/v1/hooks/h")));
        SourceTableModel model;
        model.setBaseUrl(QStringLiteral("http://127.0.0.1:8787"));
        model.apply({source("segment")});
        const QString tip =
            model.data(model.index(0, SourceTableModel::Url), Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("Only this machine can reach")), qPrintable(tip));
    }

    void headerLinesBecomeHeaders_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("headers"); // "name=value"
        QTest::addColumn<QStringList>("problems");
        QTest::addRow("two headers")
            << QStringLiteral("X-HubSpot-Signature-v3: abc=\nX-HubSpot-Request-Timestamp: 17")
            << QStringList{QStringLiteral("X-HubSpot-Signature-v3=abc="),
                           QStringLiteral("X-HubSpot-Request-Timestamp=17")}
            << QStringList{};
        QTest::addRow("blank lines and spaces")
            << QStringLiteral("\n  Content-Type :  application/json  \n\n")
            << QStringList{QStringLiteral("Content-Type=application/json")} << QStringList{};
        QTest::addRow("a colon in the value")
            << QStringLiteral("webhook-signature: v1,abc:def")
            << QStringList{QStringLiteral("webhook-signature=v1,abc:def")} << QStringList{};
        QTest::addRow("no colon") << QStringLiteral("X-A: 1\nX-B 2")
                                  << QStringList{QStringLiteral("X-A=1")}
                                  << QStringList{QStringLiteral(
                                         "line 2 has no colon: write it as Name: value")};
        QTest::addRow("no name") << QStringLiteral(": value") << QStringList{}
                                 << QStringList{QStringLiteral(
                                        "line 1 has no header name before its colon")};
    }
    void headerLinesBecomeHeaders() {
        QFETCH(QString, text);
        QFETCH(QStringList, headers);
        QFETCH(QStringList, problems);
        const HeaderLines parsed = parseHeaderLines(text);
        QStringList got;
        for (const auto& [name, value] : parsed.headers)
            got << QString::fromStdString(name + '=' + value);
        QCOMPARE(got, headers);
        QCOMPARE(parsed.problems, problems);
    }

    void pageListsSourcesAndFollowsTheirCounts() {
        TestBroker mesh;
        auto session = openSession(mesh, mesh.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        SourcesPage page(*session);
        QAbstractItemModelTester tester(page.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.show();
        page.activate();
        QTRY_VERIFY_WITH_TIMEOUT(
            labelText(page, "sourcesEmptyState").startsWith(QStringLiteral("No sources yet")),
            5000);

        QCOMPARE_HTTP(putSource(mesh, "hubspot", hubspotSpec()), 201);
        QCOMPARE_HTTP(putSource(mesh, "segment",
                                {{"kind", "segment"}, {"tenant", "acme"}, {"secrets", {"seg-1"}}}),
                      201);
        // The next poll lists them; the first is selected for the playground.
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 2, 5000);
        const int hubspot = page.model()->rowOf(QStringLiteral("hubspot"));
        const int segment = page.model()->rowOf(QStringLiteral("segment"));
        QCOMPARE(cell(*page.model(), hubspot, SourceTableModel::Url),
                 QStringLiteral("https://mesh.example.com/v1/hooks/hubspot"));
        QCOMPARE(cell(*page.model(), segment, SourceTableModel::Url),
                 QString::fromStdString(mesh.url() + "/v1/hooks/segment"));
        QCOMPARE(cell(*page.model(), segment, SourceTableModel::Kind), QStringLiteral("segment"));
        QCOMPARE(cell(*page.model(), segment, SourceTableModel::Tenant), QStringLiteral("acme"));
        QVERIFY(!page.selectedSource().isEmpty());
        QCOMPARE(page.playground()->source(), page.selectedSource());

        page.selectSource(QStringLiteral("segment"));
        page.findChild<QPushButton*>(QStringLiteral("copyUrlButton"))->click();
        QCOMPARE(QGuiApplication::clipboard()->text(),
                 QString::fromStdString(mesh.url() + "/v1/hooks/segment"));
        QVERIFY(labelText(page, "sourcesStatus").startsWith(QStringLiteral("Copied ")));
        // Ctrl+C on the table copies the URL, whichever cell is current.
        QGuiApplication::clipboard()->clear();
        auto* table = page.findChild<QTableView*>(QStringLiteral("sourceTable"));
        table->setCurrentIndex(page.model()->index(hubspot, SourceTableModel::Tenant));
        table->setFocus();
        QTest::keySequence(table, QKeySequence::Copy);
        QCOMPARE(QGuiApplication::clipboard()->text(),
                 QStringLiteral("https://mesh.example.com/v1/hooks/hubspot"));
        page.selectSource(QStringLiteral("segment"));

        // A vendor request without its signature: refused, counted, named.
        auto vendor = mesh.client("");
        const auto refused = vendor.request(
            "POST", "/v1/hooks/hubspot", readFixture(QStringLiteral("hubspot/contact-events.json")),
            {{"content-type", "application/json"}});
        QCOMPARE(refused.status, 401);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*page.model(), hubspot, SourceTableModel::RejectedSignature),
                                  QStringLiteral("1"), 5000);
        QCOMPARE(cell(*page.model(), hubspot, SourceTableModel::Requests), QStringLiteral("1"));
        QVERIFY2(cell(*page.model(), hubspot, SourceTableModel::LastError)
                     .contains(QStringLiteral("X-HubSpot-Signature-v3")),
                 qPrintable(cell(*page.model(), hubspot, SourceTableModel::LastError)));
        // The selection survived the polls.
        QCOMPARE(page.selectedSource(), QStringLiteral("segment"));
    }

    void playgroundShowsEachItemsRuleAndEvent() {
        TestBroker mesh;
        OpenPage open;
        openPage(open, mesh, mesh.token(Role::Operator, "acme"));
        if (QTest::currentTestFailed())
            return;
        SourcePlayground* playground = open.page->playground();
        QAbstractItemModelTester tester(playground->results(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(playground->bodyEditor()->placeholderText().contains(QStringLiteral("HubSpot")));

        QVERIFY(playground->loadFile(fixturePath(QStringLiteral("hubspot/contact-events.json"))));
        const TestItemModel& rows = *playground->results();
        QTRY_COMPARE_WITH_TIMEOUT(rows.rowCount(), 3, 5000);
        const QString expected[3][3] = {
            {QStringLiteral("contact-created"), QStringLiteral("LeadCreated"),
             QStringLiteral("/0 · 4011932001")},
            {QStringLiteral("contact-qualified"), QStringLiteral("LeadQualified"),
             QStringLiteral("/1 · 4011932002")},
            {QStringLiteral("contact-lead-status"), QStringLiteral("LeadStatusChanged"),
             QStringLiteral("/2 · 4011932003")},
        };
        for (int row = 0; row < 3; ++row) {
            QCOMPARE(cell(rows, row, TestItemModel::Outcome), QStringLiteral("mapped"));
            QCOMPARE(cell(rows, row, TestItemModel::Rule), expected[row][0]);
            QCOMPARE(cell(rows, row, TestItemModel::EventType), expected[row][1]);
            QCOMPARE(cell(rows, row, TestItemModel::Item), expected[row][2]);
            QCOMPARE(cell(rows, row, TestItemModel::Reason), QString());
        }
        QCOMPARE(playground->summary(), QStringLiteral("3 items: 3 mapped"));

        // The selected row's canonical event, indented in the broker's member order.
        playground->resultTable()->selectRow(1);
        const QString event = playground->eventView()->toPlainText();
        QVERIFY2(event.contains(QStringLiteral("\n  \"event_type\": \"LeadQualified\",\n")),
                 qPrintable(event));
        QVERIFY2(event.contains(QStringLiteral("\"tenant_id\": \"acme\"")), qPrintable(event));
        QVERIFY2(event.contains(QStringLiteral("\"stage\": \"mql\"")), qPrintable(event));
        QVERIFY(event.indexOf(QStringLiteral("\"event_id\"")) <
                event.indexOf(QStringLiteral("\"payload\"")));

        // Typed over: one request once the typing pauses, and its one item matches no rule.
        const int sentBefore = open.transport->testsSent;
        QPlainTextEdit* editor = playground->bodyEditor();
        editor->setFocus();
        editor->selectAll();
        QTest::keyClicks(editor, QString::fromUtf8(kTicketBody));
        QTRY_COMPARE_WITH_TIMEOUT(rows.rowCount(), 1, 5000);
        QCOMPARE(open.transport->testsSent, sentBefore + 1);
        QCOMPARE(cell(rows, 0, TestItemModel::Outcome), QStringLiteral("no match"));
        QCOMPARE(cell(rows, 0, TestItemModel::Rule), QString());
        QVERIFY2(cell(rows, 0, TestItemModel::Reason).startsWith(QStringLiteral("no rule of")),
                 qPrintable(cell(rows, 0, TestItemModel::Reason)));
        QCOMPARE(playground->summary(), QStringLiteral("1 item: 1 no match"));
        QCOMPARE(playground->eventView()->toPlainText(), QString());
        const QString detail = labelText(*playground, "playgroundItemDetail");
        QVERIFY2(detail.startsWith(QStringLiteral("No rule matches; a real request would keep "
                                                  "this item in quarantine: no rule of")),
                 qPrintable(detail));

        // A body that is not JSON: nothing would be mapped, and why.
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("[{\"eventId\": "));
        QTRY_VERIFY_WITH_TIMEOUT(
            playground->summary().startsWith(QStringLiteral("The body cannot be read")), 5000);
        QCOMPARE(rows.rowCount(), 0);

        // Emptied: nothing is sent, and the hint says what to paste.
        const int sentAtEmpty = open.transport->testsSent;
        editor->clear();
        QTRY_VERIFY_WITH_TIMEOUT(playground->summary().startsWith(QStringLiteral("Paste a body")),
                                 5000);
        QCOMPARE(open.transport->testsSent, sentAtEmpty);
    }

    void playgroundChecksTheSignature() {
        FakeClock clock(kSignedAt);
        TestBroker mesh({}, clock);
        OpenPage open;
        openPage(open, mesh, mesh.adminToken);
        if (QTest::currentTestFailed())
            return;
        SourcePlayground* playground = open.page->playground();
        const json vector = json::parse(readFixture(QStringLiteral("hubspot/signature-v3.json")));
        QString headers;
        for (const auto& [name, value] : vector["headers"].items())
            headers += QString::fromStdString(name + ": " + value.get<std::string>() + '\n');

        playground->bodyEditor()->setPlainText(
            QString::fromStdString(readFixture(QStringLiteral("hubspot/contact-events.json"))));
        playground->headersEditor()->setPlainText(headers);
        playground->verifyBox()->setChecked(true);
        QLabel* verdict = playground->findChild<QLabel*>(QStringLiteral("playgroundVerification"));
        QTRY_VERIFY_WITH_TIMEOUT(verdict->isVisible(), 5000);
        QVERIFY2(verdict->text().startsWith(QStringLiteral("✓")), qPrintable(verdict->text()));
        QCOMPARE(playground->results()->rowCount(), 3);

        // One character of the body changed: the signature no longer covers it.
        playground->bodyEditor()->setPlainText(
            QString::fromStdString(readFixture(QStringLiteral("hubspot/contact-events.json")))
                .replace(QStringLiteral("9001"), QStringLiteral("9002")));
        QTRY_VERIFY_WITH_TIMEOUT(verdict->text().startsWith(QStringLiteral("✗")), 5000);
        QVERIFY2(verdict->text().contains(QStringLiteral("does not match")),
                 qPrintable(verdict->text()));
    }

    void aSlowAnswerToAnOlderBodyIsDropped() {
        TestBroker mesh;
        OpenPage open;
        openPage(open, mesh, mesh.adminToken);
        if (QTest::currentTestFailed())
            return;
        SourcePlayground* playground = open.page->playground();
        HeldTestTransport& transport = *open.transport;
        transport.hold = true;

        playground->loadFile(fixturePath(QStringLiteral("hubspot/contact-events.json")));
        QTRY_COMPARE_WITH_TIMEOUT(transport.held.size(), 1, 5000);
        playground->bodyEditor()->setPlainText(QString::fromUtf8(kTicketBody));
        QTRY_COMPARE_WITH_TIMEOUT(transport.held.size(), 2, 5000);
        QCOMPARE(playground->results()->rowCount(), 0); // nothing answered yet

        // The newer body's answer comes first, then the older one's.
        transport.release(1);
        QCOMPARE(playground->results()->rowCount(), 1);
        QCOMPARE(cell(*playground->results(), 0, TestItemModel::Outcome),
                 QStringLiteral("no match"));
        const quint64 shown = playground->shownSequence();
        transport.release(0);
        QCOMPARE(playground->shownSequence(), shown);
        QCOMPARE(playground->results()->rowCount(), 1);
        QCOMPARE(cell(*playground->results(), 0, TestItemModel::Outcome),
                 QStringLiteral("no match"));
        QCOMPARE(playground->summary(), QStringLiteral("1 item: 1 no match"));
    }

    void eachSourceKeepsItsDraft() {
        TestBroker mesh;
        OpenPage open;
        openPage(open, mesh, mesh.adminToken);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE_HTTP(putSource(mesh, "segment",
                                {{"kind", "segment"}, {"tenant", "acme"}, {"secrets", {"seg-1"}}}),
                      201);
        QTRY_COMPARE_WITH_TIMEOUT(open.page->model()->rowCount(), 2, 5000);
        SourcePlayground* playground = open.page->playground();
        playground->bodyEditor()->setPlainText(QString::fromUtf8(kTicketBody));
        QTRY_COMPARE_WITH_TIMEOUT(playground->results()->rowCount(), 1, 5000);

        open.page->selectSource(QStringLiteral("segment"));
        QCOMPARE(playground->source(), QStringLiteral("segment"));
        QCOMPARE(playground->bodyEditor()->toPlainText(), QString());
        QVERIFY(playground->bodyEditor()->placeholderText().contains(QStringLiteral("Segment")));
        QCOMPARE(playground->headersEditor()->placeholderText(), QStringLiteral("X-Signature: …"));
        QCOMPARE(playground->results()->rowCount(), 0);
        // Nothing of hubspot's item stays on show.
        QCOMPARE(labelText(*playground, "playgroundItemDetail"), QString());
        QCOMPARE(playground->eventView()->toPlainText(), QString());

        open.page->selectSource(QStringLiteral("hubspot"));
        QCOMPARE(playground->bodyEditor()->toPlainText(), QString::fromUtf8(kTicketBody));
        QTRY_COMPARE_WITH_TIMEOUT(playground->results()->rowCount(), 1, 5000);
    }

    void aViewerIsToldWhoMayTry() {
        TestBroker mesh;
        OpenPage open;
        openPage(open, mesh, mesh.token(Role::Viewer, "acme"));
        if (QTest::currentTestFailed())
            return;
        SourcePlayground* playground = open.page->playground();
        QTest::keyClicks(playground->bodyEditor(), QString::fromUtf8(kTicketBody));
        QTRY_VERIFY_WITH_TIMEOUT(
            playground->summary().startsWith(QStringLiteral("The broker refused the test")), 5000);
        QVERIFY2(playground->summary().contains(QStringLiteral("operator or admin token")),
                 qPrintable(playground->summary()));
        QVERIFY2(playground->summary().contains(QStringLiteral("(viewer, tenant acme)")),
                 qPrintable(playground->summary()));
        QCOMPARE(playground->results()->rowCount(), 0);
    }

    void anUnreachableBrokerIsNamed() {
        // Port 9 (discard) has no broker: the request gets no HTTP answer.
        MeshSession session(std::make_unique<HttpTransport>(
            QUrl(QStringLiteral("http://127.0.0.1:9")), QByteArray("token")));
        SourcesPage page(session);
        page.show();
        page.activate();
        QTRY_VERIFY_WITH_TIMEOUT(labelText(page, "sourcesStatus")
                                     .startsWith(QStringLiteral("The broker did not answer")),
                                 5000);
        QCOMPARE(labelText(page, "sourcesEmptyState"), labelText(page, "sourcesStatus"));
    }
};

QTEST_MAIN(SourcesPageTest)
#include "tst_sources_page.moc"
