// The console's delivery pages - Consumers, Dead letters, Trace - against a
// real broker and a real webhook sink, on the offscreen platform, with the
// models under QAbstractItemModelTester.

#include "tests/delivery/delivery_fixture.h"
#include "tests/support/ws_client.h"
#include "tests/views/open_session.h"
#include "views/console/record_list_page.h"
#include "views/consumers/consumer_table_model.h"
#include "views/consumers/consumers_page.h"
#include "views/dlq/dead_letters_page.h"
#include "views/dlq/edit_payload_dialog.h"
#include "views/session/http_transport.h"
#include "views/session/protocol_adapter.h"
#include "views/trace/trace_page.h"
#include "views/trace/waterfall.h"

#include <QAbstractItemModelTester>
#include <QChartView>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QValueAxis>
#include <QtTest/QTest>
#include <cmath>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace meshdeck::views;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

QString cell(const QAbstractItemModel& model, int row, int column) {
    return model.data(model.index(row, column), Qt::DisplayRole).toString();
}

} // namespace

class DeliveryPagesTest : public QObject {
    Q_OBJECT

    // Two LeadScored events dead-lettered for "crm": the sink answers `status`
    // until `accept` is set.
    void deadLetterTwoEvents(DeliveryFixture& f, std::atomic<bool>& accept, int status) {
        f.sink.setHandler([&accept, status](const SinkRequest&) {
            SinkReply r;
            if (!accept)
                r.status = status;
            return r;
        });
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
        QCOMPARE_HTTP(f.publish(json{leadEvent("L-1", 1), leadEvent("L-2", 1)}), 202);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 2, 5000);
    }

private Q_SLOTS:
    void consumersShowLagAndPause() {
        DeliveryFixture f;
        auto spec = webhookConsumer("crm", f.sink.url());
        spec["paused"] = true;
        QCOMPARE_HTTP(f.createConsumer(spec), 201);
        QCOMPARE_HTTP(f.publish(json{leadEvent("L-1", 1), leadEvent("L-2", 1)}), 202);

        auto session = openSession(f.broker, f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        ConsumersPage page(*session);
        QAbstractItemModelTester tester(page.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.show();
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*page.model(), 0, ConsumerTableModel::Lag),
                                  QStringLiteral("2"), 5000);
        QCOMPARE(cell(*page.model(), 0, ConsumerTableModel::State), QStringLiteral("paused"));
        QCOMPARE(page.selectedConsumer(), QStringLiteral("crm"));
        QTRY_VERIFY_WITH_TIMEOUT(page.live(), 5000); // the /v1/live WebSocket is up
        QVERIFY(!page.lagSamples(QStringLiteral("crm")).isEmpty());
        // The lag axis is labelled with whole numbers, so its ticks must be.
        auto* chart = page.findChild<QChartView*>()->chart();
        for (auto* axis : chart->axes(Qt::Vertical)) {
            auto* values = qobject_cast<QValueAxis*>(axis);
            QVERIFY(values);
            const double step = (values->max() - values->min()) / (values->tickCount() - 1);
            QCOMPARE(step, std::round(step));
        }

        auto* resume = page.findChild<QPushButton*>(QStringLiteral("resumeButton"));
        QVERIFY(resume->isEnabled());
        QTest::mouseClick(resume, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*page.model(), 0, ConsumerTableModel::State),
                                  QStringLiteral("running"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*page.model(), 0, ConsumerTableModel::Delivered),
                                  QStringLiteral("2"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*page.model(), 0, ConsumerTableModel::Lag),
                                  QStringLiteral("0"), 5000);
    }

    // The page opens on the consumer that needs a look (dead letters here),
    // not on the first healthy one in the list.
    void consumersOpenOnTheOneInTrouble() {
        DeliveryFixture f;
        std::atomic<bool> accept{false};
        QCOMPARE_HTTP(f.createConsumer(json{{"name", "analytics"}, {"sink", {{"type", "none"}}}}),
                      201);
        deadLetterTwoEvents(f, accept, 422);
        auto session = openSession(f.broker, f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        ConsumersPage page(*session);
        page.show();
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 2, 5000);
        QCOMPARE(cell(*page.model(), 0, ConsumerTableModel::Name), QStringLiteral("analytics"));
        QCOMPARE(page.selectedConsumer(), QStringLiteral("crm"));
    }

    void viewersMayLookButNotAct() {
        DeliveryFixture f;
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
        auto session = openSession(f.broker, f.broker.token(Role::Viewer, "acme"));
        QTRY_COMPARE(session->state(), SessionState::Online);
        ConsumersPage page(*session);
        page.show();
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 1, 5000);
        for (const char* name : {"pauseButton", "resumeButton", "replayButton"}) {
            auto* button = page.findChild<QPushButton*>(QLatin1String(name));
            QVERIFY2(!button->isEnabled(), name);
            QVERIFY(button->toolTip().contains(QStringLiteral("viewer")));
        }
    }

    void deadLettersReplayAndDiscard() {
        DeliveryFixture f;
        std::atomic<bool> accept{false};
        deadLetterTwoEvents(f, accept, 400);
        if (QTest::currentTestFailed())
            return;
        auto session = openSession(f.broker, f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        DeadLettersPage page(*session);
        page.setConfirmations(false);
        QAbstractItemModelTester groups(page.groups(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester letters(page.letters(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.show();
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.letters()->rowCount(), 2, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(page.groups()->rowCount(), 1, 5000);
        QCOMPARE(cell(*page.groups(), 0, 1), QStringLiteral("2")); // Letters

        auto* table = page.findChild<QTableView*>(QStringLiteral("letterTable"));
        table->selectRow(0);
        accept = true;
        page.replaySelected();
        QTRY_COMPARE_WITH_TIMEOUT(page.letters()->rowCount(), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 1, 5000);

        table->selectRow(0);
        page.discardSelected(QStringLiteral("duplicate lead, merged in the CRM"));
        QTRY_COMPARE_WITH_TIMEOUT(page.letters()->rowCount(), 0, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            f.admin.get("/v1/audit").body.find("merged in the CRM") != std::string::npos, 5000);
    }

    void deadLettersEditValidatesAsYouTypeAndExports() {
        DeliveryFixture f;
        std::atomic<bool> accept{false};
        deadLetterTwoEvents(f, accept, 422);
        if (QTest::currentTestFailed())
            return;
        auto session = openSession(f.broker, f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        DeadLettersPage page(*session);
        page.setConfirmations(false);
        page.show();
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.letters()->rowCount(), 2, 5000);

        // Export: one line per letter, each with its event and its attempts.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("letters.jsonl"));
        QString exportError = QStringLiteral("not finished");
        page.exportJsonLines(path, [&](const QString& error) { exportError = error; });
        QTRY_COMPARE_WITH_TIMEOUT(exportError, QString(), 5000);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        for (const auto& line : lines) {
            const QJsonObject letter = QJsonDocument::fromJson(line).object();
            QCOMPARE(letter.value(QLatin1String("consumer")).toString(), QStringLiteral("crm"));
            QVERIFY(
                letter.value(QLatin1String("event")).toObject().contains(QLatin1String("payload")));
            QVERIFY(!letter.value(QLatin1String("attempt_log")).toArray().isEmpty());
        }

        // Edit: the dialog checks syntax at once and the schema as the user types.
        auto* table = page.findChild<QTableView*>(QStringLiteral("letterTable"));
        table->selectRow(0);
        page.openEditor();
        QTRY_VERIFY_WITH_TIMEOUT(page.editor() != nullptr, 5000);
        EditPayloadDialog* dialog = page.editor();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->verdict().startsWith(QStringLiteral("Valid against")),
                                 5000);
        QVERIFY(dialog->sendButton()->isEnabled());
        dialog->editor()->setPlainText(QStringLiteral("{\"lead_id\": \"L-1\", "));
        QVERIFY(dialog->verdict().startsWith(QStringLiteral("Not JSON (line 1")));
        QVERIFY(!dialog->sendButton()->isEnabled());
        dialog->editor()->setPlainText(
            QStringLiteral(R"({"lead_id": "L-1", "score": "high", "model": "fit-v3"})"));
        QTRY_VERIFY_WITH_TIMEOUT(dialog->verdict().contains(QStringLiteral("/score")), 5000);
        QVERIFY(!dialog->sendButton()->isEnabled());
        dialog->editor()->setPlainText(
            QStringLiteral(R"({"lead_id": "L-1", "score": 91, "model": "fit-v3"})"));
        QTRY_VERIFY_WITH_TIMEOUT(dialog->sendButton()->isEnabled(), 5000);

        // Sent: the sink receives the edited payload and the letter leaves the list.
        accept = true;
        QPointer<EditPayloadDialog> watched(dialog);
        dialog->sendButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(watched.isNull() || !watched->isVisible(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto& r : f.sink.requests())
                    if (r.body.find("\"score\":91") != std::string::npos)
                        return true;
                return false;
            }(),
            5000);
        QTRY_COMPARE_WITH_TIMEOUT(page.letters()->rowCount(), 1, 5000);
    }

    void traceShowsOutcomesAgainstTheSlo() {
        DeliveryFixture f;
        const json consumer = {{"name", "router"},
                               {"filter", {{"event_types", {"LeadScored"}}, {"tenant", "acme"}}},
                               {"sink", {{"type", "websocket"}}},
                               {"slo", {{"target_ms", 1000}, {"percentile", 95}}}};
        QCOMPARE_HTTP(f.createConsumer(consumer), 201);
        WsClient ws(f.broker.url(), "/v1/subscribe", f.broker.adminToken);
        ws.send(R"({"type":"subscribe","consumer":"router","max_in_flight":10})");
        QVERIFY(ws.receive(5s).has_value()); // subscribed
        // The event happened hours ago (its occurred_at), so the outcome misses a 1 s target.
        QCOMPARE_HTTP(f.publish(leadEvent("L-7", 1, 50, "journey-outcome")), 202);
        const auto deliver = ws.receive(5s);
        QVERIFY(deliver.has_value());
        const json ack = {{"type", "ack"},
                          {"delivery_id", json::parse(*deliver)["delivery_id"]},
                          {"outcome", {{"type", "LeadAssigned"}, {"owner", "u-17"}}}};
        ws.send(ack.dump());
        QTRY_VERIFY_WITH_TIMEOUT(f.admin.get("/v1/traces/journey-outcome").body.find("slo_met") !=
                                     std::string::npos,
                                 5000);

        auto session = openSession(f.broker, f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        TracePage page(*session);
        page.show();
        page.trace(QStringLiteral("journey-outcome"));
        QTRY_VERIFY_WITH_TIMEOUT(!page.outcomes().isEmpty(), 5000);
        QVERIFY2(page.outcomes().startsWith(QStringLiteral("router reported {\"owner\":\"u-17\"")),
                 qPrintable(page.outcomes()));
        QVERIFY2(page.outcomes().endsWith(QStringLiteral(": OVER its 1.0 s SLO.")),
                 qPrintable(page.outcomes()));
    }

    void waterfallLaysOutWaitsAndAttempts() {
        // One event; crm fails once (500), waits out its backoff, then succeeds.
        const auto trace =
            decodeAnswer<protocol::Trace>(R"({"correlation_id":"c-1","events":1,"timeline":[
            {"kind":"event","seq":1,"event_id":"e1","event_type":"LeadScored","producer":"hubspot","tenant_id":"acme","entity":"lead:L-1","occurred_at":"2026-11-27T09:00:00.000Z","ingested_at":"2026-11-27T09:00:00.000Z"},
            {"kind":"attempt","consumer":"crm","seq":1,"event_id":"e1","attempt":1,"at":"2026-11-27T09:00:00.010Z","duration_ms":5,"status":500,"class":"server","error":"HTTP 500"},
            {"kind":"attempt","consumer":"crm","seq":1,"event_id":"e1","attempt":2,"at":"2026-11-27T09:00:00.515Z","duration_ms":4,"status":200,"class":"none"},
            {"kind":"attempt","consumer":"analytics","seq":1,"event_id":"e1","attempt":1,"at":"2026-11-27T09:00:00.002Z","duration_ms":0,"status":200,"class":"none"}
        ],"causation":[]})");
        QVERIFY2(trace, qPrintable(trace.error));
        const WaterfallLayout layout = layoutWaterfall(trace->timeline);
        QCOMPARE(layout.rows, (QStringList{QStringLiteral("events"), QStringLiteral("crm"),
                                           QStringLiteral("analytics")}));
        QCOMPARE(layout.spanMs, 519.0);
        QList<std::tuple<int, double, double, WaterfallBar::Kind>> bars;
        for (const auto& b : layout.bars)
            bars.append({b.row, b.startMs, b.endMs, b.kind});
        using K = WaterfallBar::Kind;
        const QList<std::tuple<int, double, double, WaterfallBar::Kind>> expected = {
            {0, 0, 0, K::Event},         {1, 0, 10, K::Wait}, // queued 10 ms
            {1, 10, 15, K::Failed},                           // HTTP 500
            {1, 15, 515, K::Wait},                            // backoff before the retry
            {1, 515, 519, K::Delivered}, {2, 0, 2, K::Wait},  {2, 2, 2, K::Delivered}};
        QCOMPARE(bars, expected);
        QVERIFY(layout.bars[3].label.contains(QStringLiteral("before retrying")));
    }

    void traceAnswersWhereItStalled() {
        DeliveryFixture f;
        f.sink.setHandler([](const SinkRequest&) {
            SinkReply r;
            r.status = 422;
            r.body = "owner unknown";
            return r;
        });
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
        QCOMPARE_HTTP(f.publish(leadEvent("L-9", 1, 50, "journey-9")), 202);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 1, 5000);

        auto session = openSession(f.broker, f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        TracePage page(*session);
        QAbstractItemModelTester tester(page.timeline(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.show();
        page.trace(QStringLiteral("journey-9"));
        QTRY_VERIFY_WITH_TIMEOUT(page.answer().contains(QStringLiteral("dead-lettered")), 5000);
        QVERIFY(page.answer().contains(QStringLiteral("owner unknown")));
        QTRY_COMPARE_WITH_TIMEOUT(page.timeline()->rowCount(), 3,
                                  5000); // event, attempt, dead letter
        QCOMPARE(page.causation()->topLevelItemCount(), 1);
        const auto& drawn = page.waterfall()->layoutData();
        QCOMPARE(drawn.rows.size(), 2); // the events and crm
        QVERIFY(std::any_of(drawn.bars.begin(), drawn.bars.end(), [](const WaterfallBar& b) {
            return b.kind == WaterfallBar::Kind::DeadLetter;
        }));
        page.trace(QStringLiteral("lead:L-9")); // an entity: the stall answer alone
        QTRY_VERIFY_WITH_TIMEOUT(page.answer().contains(QStringLiteral("dead-lettered")), 5000);
    }
};

QTEST_MAIN(DeliveryPagesTest)
#include "tst_delivery_pages.moc"
