// Overview: the Prometheus text reader on the broker's own output shapes, and
// the page against a real broker on the offscreen platform.

#include "tests/support/sink_server.h"
#include "tests/support/test_broker.h"
#include "views/overview/overview_page.h"
#include "views/overview/prometheus_text.h"
#include "views/session/http_transport.h"

#include <QAbstractAxis>
#include <QAction>
#include <QChart>
#include <QChartView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using namespace meshdeck::views;

namespace {

std::string batchOf(int n, const std::string& type = "LeadScored") {
    nlohmann::json batch = nlohmann::json::array();
    for (int i = 0; i < n; ++i)
        batch.push_back({{"event_type", type},
                         {"occurred_at", "2026-11-27T09:00:00Z"},
                         {"producer", "overview-test"},
                         {"tenant_id", "acme"},
                         {"entity", {{"kind", "lead"}, {"id", "L-" + std::to_string(i)}}},
                         {"payload", {{"lead_id", "L"}, {"score", 5}, {"model", "m"}}}});
    return batch.dump();
}

} // namespace

class OverviewTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesSamplesAndLabels() {
        const QByteArray text = "# HELP meshdeck_events_published_total Events.\n"
                                "# TYPE meshdeck_events_published_total counter\n"
                                "meshdeck_events_published_total{type=\"LeadScored\",producer="
                                "\"a\",tenant=\"acme\"} 7\n"
                                "meshdeck_events_published_total{type=\"LeadScored\",producer="
                                "\"b\",tenant=\"acme\"} 3\n"
                                "meshdeck_events_published_total{type=\"Lead\\\"Odd\\\"\",producer="
                                "\"b\",tenant=\"acme\"} 1\n"
                                "meshdeck_writer_queue_depth 12\n"
                                "garbage line without value\n";
        const auto samples = parsePrometheusText(text);
        QCOMPARE(samples.size(), 4);
        QCOMPARE(samples[0].labels.value(QStringLiteral("producer")), QStringLiteral("a"));
        QCOMPARE(samples[2].labels.value(QStringLiteral("type")), QStringLiteral("Lead\"Odd\""));
        QCOMPARE(samples[3].value, 12.0);
        const auto byType = sumBy(samples, QStringLiteral("meshdeck_events_published_total"),
                                  QStringLiteral("type"));
        QCOMPARE(byType.value(QStringLiteral("LeadScored")), 10.0);
        QCOMPARE(sumBy(samples, QStringLiteral("meshdeck_writer_queue_depth"), {}).value(QString()),
                 12.0);
    }

    void histogramQuantiles_data() {
        QTest::addColumn<double>("q");
        QTest::addColumn<double>("expected");
        // 10 observations <= 1, 80 in (1, 5], 10 in (5, 10].
        QTest::addRow("p10 at the first bound") << 0.10 << 1.0;
        QTest::addRow("p50 inside (1,5]") << 0.50 << 3.0;
        QTest::addRow("p99 inside (5,10]") << 0.99 << 9.5;
    }
    void histogramQuantiles() {
        QFETCH(double, q);
        QFETCH(double, expected);
        const QByteArray text =
            "h_bucket{le=\"1\"} 10\nh_bucket{le=\"5\"} 90\nh_bucket{le=\"10\"} 100\n"
            "h_bucket{le=\"+Inf\"} 100\nh_sum 300\nh_count 100\n";
        QCOMPARE(histogramQuantile(parsePrometheusText(text), QStringLiteral("h"), q), expected);
        QCOMPARE(histogramQuantile({}, QStringLiteral("h"), q), -1.0);
    }

    void sloVerdictTakesTheWorstConsumer() {
        // Each consumer's end-to-end rows as GET /v1/consumers gives them.
        auto latency = [](const char* type, double p99Ms, std::optional<protocol::SloCheck> slo) {
            protocol::TypedLatency row;
            row.eventType = type;
            row.latency.count = 10;
            row.latency.p99Ms = p99Ms;
            row.slo = slo;
            return row;
        };
        auto consumer = [](const char* name, std::vector<protocol::TypedLatency> endToEnd) {
            protocol::ConsumerReport report;
            report.name = name;
            report.endToEnd = std::move(endToEnd);
            return report;
        };
        const std::vector<protocol::ConsumerReport> consumers = {
            consumer("crm", {latency("LeadScored", 800, protocol::SloCheck{2000, 99, true}),
                             latency("DealWon", 120, std::nullopt)}),
            consumer("router", {latency("LeadScored", 900, protocol::SloCheck{500, 99, false})}),
            consumer("analytics",
                     {latency("LeadScored", 100, protocol::SloCheck{5000, 95, true})})};
        const auto verdicts = sloByEventType(consumers);
        QCOMPARE(verdicts.size(), 2);
        const SloVerdict lead = verdicts.value(QStringLiteral("LeadScored"));
        QVERIFY(lead.hasTarget);
        QVERIFY(!lead.met);
        QCOMPARE(lead.text, QStringLiteral("missed at router: p99 over 500 ms"));
        const SloVerdict deal = verdicts.value(QStringLiteral("DealWon"));
        QVERIFY(!deal.hasTarget);
        QCOMPARE(deal.text, QStringLiteral("p99 120 ms, no target"));
        // Met everywhere: the first target met is named.
        const auto met = sloByEventType({consumers[0]});
        QVERIFY(met.value(QStringLiteral("LeadScored")).met);
        QCOMPARE(met.value(QStringLiteral("LeadScored")).text,
                 QStringLiteral("met: p99 within 2.0 s"));
    }

    void pageShowsTheMeshAndLeadsToPages() {
        test::TestBroker mesh;
        // A consumer whose sink refuses every event as invalid: all 40 end as dead letters.
        test::SinkServer sink([](const test::SinkRequest&) {
            test::SinkReply reply;
            reply.status = 400;
            return reply;
        });
        const std::string consumer =
            "{\"name\":\"crm\",\"sink\":{\"type\":\"webhook\",\"url\":\"" + sink.url() + "\"}}";
        QCOMPARE(mesh.client(mesh.adminToken).postJson("/v1/consumers", consumer).status, 201);
        auto producer = mesh.client(mesh.token(Role::Producer, "acme"));
        QCOMPARE(producer.postJson("/v1/events", batchOf(40)).status, 202);
        QCOMPARE(producer.postJson("/v1/events", "{}").status, 422); // one rejected input

        MeshSession session(std::make_unique<HttpTransport>(
            QUrl(QString::fromStdString(mesh.url())), QByteArray::fromStdString(mesh.adminToken)));
        session.open();
        QTRY_COMPARE(session.state(), SessionState::Online);
        OverviewPage page(session);
        page.resize(1000, 700);
        page.show();
        page.activate();

        auto tileText = [&](const char* tile) {
            return page.findChild<QPushButton*>(QLatin1String(tile))
                ->findChildren<QLabel*>()
                .first()
                ->text();
        };
        QTRY_COMPARE(tileText("storedTile"), QStringLiteral("40"));
        QTRY_COMPARE(tileText("rejectedTile"), QStringLiteral("1"));
        QTRY_COMPARE(tileText("typesTile"), QStringLiteral("12"));
        QTRY_VERIFY(tileText("commitTile") != QStringLiteral("–"));
        QTRY_COMPARE_WITH_TIMEOUT(tileText("deadTile"), QStringLiteral("40"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(tileText("pendingTile"), QStringLiteral("0"), 5000);
        QCOMPARE(sink.requestCount(), 40u);
        auto* byType = page.findChild<QTableWidget*>(QStringLiteral("publishedByType"));
        QTRY_COMPARE(byType->rowCount(), 1);
        QCOMPARE(byType->item(0, 0)->text(), QStringLiteral("LeadScored"));
        QCOMPARE(byType->item(0, 1)->text(), QStringLiteral("40"));
        // No outcomes were reported, so the type has no SLO reading yet.
        QCOMPARE(byType->item(0, 2)->text(), QStringLiteral("–"));
        auto* circuits = page.findChild<QTableWidget*>(QStringLiteral("consumerCircuits"));
        QTRY_COMPARE(circuits->rowCount(), 1);
        QCOMPARE(circuits->item(0, 0)->text(), QStringLiteral("crm"));
        QCOMPARE(circuits->item(0, 2)->text(), QStringLiteral("0")); // lag: all settled
        QCOMPARE(circuits->item(0, 3)->text(), QStringLiteral("closed"));
        QTRY_VERIFY(circuits->item(0, 4)->text().contains(QStringLiteral("400")));
        // Both tables copy and export their rows like the other pages' lists.
        for (QTableWidget* table : {byType, circuits}) {
            QStringList actions;
            for (const QAction* a : table->actions())
                actions << a->objectName();
            QVERIFY2(actions.contains(QStringLiteral("exportCsvAction")) &&
                         actions.contains(QStringLiteral("copyRowsAction")),
                     qPrintable(actions.join(u',')));
        }

        // The desktop turns dark while the console runs: the chart follows.
        QPalette dark = page.palette();
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        page.setPalette(dark);
        auto* chart = page.findChild<QChartView*>()->chart();
        QCOMPARE(chart->titleBrush().color(), QColor(230, 230, 230));
        QCOMPARE(chart->axes().first()->labelsBrush().color(), QColor(230, 230, 230));

        // Events published between two polls show as a rate.
        QCOMPARE(producer.postJson("/v1/events", batchOf(200)).status, 202);
        QTRY_VERIFY_WITH_TIMEOUT(page.ingestRate() > 0, 6000);

        QSignalSpy requested(&page, &OverviewPage::pageRequested);
        QTest::mouseClick(page.findChild<QPushButton*>(QStringLiteral("rejectedTile")),
                          Qt::LeftButton);
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested.at(0).at(0).toString(), QStringLiteral("Quarantine"));
    }
};

QTEST_MAIN(OverviewTest)
#include "tst_overview.moc"
