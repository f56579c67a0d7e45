// What a person must notice, at a glance: the state palette's contrast in
// light and dark, tinted Overview tiles and consumer rows against a real
// broker, one state word on Overview and Consumers, the legends, the banner
// over stale numbers when the broker goes away, and the Overview's chart
// drawn from the broker's minute history with gaps.

#include "tests/delivery/delivery_fixture.h"
#include "tests/support/test_support.h"
#include "tests/views/open_session.h"
#include "views/consumers/consumer_table_model.h"
#include "views/consumers/consumers_page.h"
#include "views/flow/flow_page.h"
#include "views/overview/overview_page.h"
#include "views/session/http_transport.h"
#include "views/style/legend_widget.h"
#include "views/style/offline_banner.h"
#include "views/style/severity.h"
#include "views/trace/waterfall.h"

#include <QAbstractItemModelTester>
#include <QChart>
#include <QChartView>
#include <QGraphicsEffect>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QTableWidget>
#include <QtTest/QTest>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace meshdeck::views;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

QPalette lightPalette() {
    QPalette p;
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::Window, QColor(0xef, 0xef, 0xef));
    p.setColor(QPalette::Text, Qt::black);
    return p;
}

QPalette darkPalette() {
    QPalette p;
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::Window, QColor(0x2d, 0x2d, 0x2d));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    return p;
}

QPushButton* tile(QWidget& page, const char* name) {
    return page.findChild<QPushButton*>(QLatin1String(name));
}
QString tileValue(QWidget& page, const char* name) {
    return tile(page, name)->findChildren<QLabel*>().first()->text();
}
QColor tileTextColour(QWidget& page, const char* name) {
    return tile(page, name)->findChildren<QLabel*>().first()->palette().color(QPalette::WindowText);
}

protocol::ConsumerReport consumerIn(const char* name, protocol::ConsumerState state) {
    protocol::ConsumerReport c;
    c.name = name;
    c.state = state;
    c.paused = state == protocol::ConsumerState::Paused;
    return c;
}

// A sink that fails every attempt; with a long backoff the consumer sits in "retrying".
json slowRetryConsumer(const std::string& name, const std::string& url) {
    json spec = webhookConsumer(name, url);
    spec["retry"] = {{"max_attempts", 8}, {"base_ms", 60000}, {"cap_ms", 60000}, {"jitter", 0.0}};
    return spec;
}

} // namespace

class SeverityTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyStateReadsOnItsTint_data() {
        QTest::addColumn<int>("severity");
        QTest::addColumn<bool>("dark");
        for (Severity s : allSeverities())
            for (bool dark : {false, true})
                QTest::addRow("%s, %s", qPrintable(severityWord(s)), dark ? "dark" : "light")
                    << static_cast<int>(s) << dark;
    }
    void everyStateReadsOnItsTint() {
        QFETCH(int, severity);
        QFETCH(bool, dark);
        const QPalette palette = dark ? darkPalette() : lightPalette();
        QCOMPARE(isDarkPalette(palette), dark);
        const SeverityColours c = coloursOf(static_cast<Severity>(severity), palette);
        const double onTint = contrastRatio(c.text, c.tint);
        QVERIFY2(onTint >= 4.5,
                 qPrintable(
                     QStringLiteral("%1 on %2: %3").arg(c.text.name(), c.tint.name()).arg(onTint)));
        // Marks drawn straight on the page (edges, dots, chart lines) read too.
        const double onBase = contrastRatio(c.text, palette.color(QPalette::Base));
        QVERIFY2(onBase >= 4.5, qPrintable(QString::number(onBase)));
        QVERIFY(!severityWord(static_cast<Severity>(severity)).isEmpty());
        QVERIFY(!severityMeaning(static_cast<Severity>(severity)).isEmpty());
    }

    void contrastRatioIsWcags() {
        QCOMPARE(qRound(contrastRatio(Qt::black, Qt::white)), 21);
        QCOMPARE(contrastRatio(Qt::red, Qt::red), 1.0);
    }

    void consumerRowsTakeTheirStateColours() {
        ConsumerTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        using S = protocol::ConsumerState;
        model.apply({consumerIn("ok", S::Running), consumerIn("held", S::Paused),
                     consumerIn("flaky", S::Retrying), consumerIn("down", S::CircuitOpen)});
        const QPalette palette = QGuiApplication::palette();
        auto background = [&](int row) {
            return model.index(row, ConsumerTableModel::Lag).data(Qt::BackgroundRole);
        };
        QVERIFY(!background(0).isValid()); // healthy rows stay plain
        QCOMPARE(background(2).value<QBrush>().color(),
                 coloursOf(Severity::Retrying, palette).tint);
        QCOMPARE(model.index(2, ConsumerTableModel::Name)
                     .data(Qt::ForegroundRole)
                     .value<QBrush>()
                     .color(),
                 coloursOf(Severity::Retrying, palette).text);
        QCOMPARE(background(1).value<QBrush>().color(), coloursOf(Severity::Idle, palette).tint);
        QCOMPARE(background(3).value<QBrush>().color(),
                 coloursOf(Severity::CircuitOpen, palette).tint);
        QVERIFY(model.index(3, ConsumerTableModel::State).data(Qt::DecorationRole).isValid());
        QVERIFY(!model.index(3, ConsumerTableModel::Lag).data(Qt::DecorationRole).isValid());
        QVERIFY(model.index(2, ConsumerTableModel::State)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("retrying")));

        // A running consumer that dead-lettered events is tinted for them.
        auto lost = consumerIn("lost", S::Running);
        lost.deadLettered = 2;
        model.apply({lost});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(background(0).value<QBrush>().color(),
                 coloursOf(Severity::DeadLetters, palette).tint);
        QCOMPARE(model.index(0, ConsumerTableModel::State).data().toString(),
                 QStringLiteral("running"));
    }

    void overviewTintsTheDeadLettersTileOnlyWhenThereAreSome() {
        DeliveryFixture f;
        std::atomic<bool> accept{true};
        f.sink.setHandler([&accept](const SinkRequest&) {
            SinkReply r;
            if (!accept)
                r.status = 422;
            return r;
        });
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
        QCOMPARE_HTTP(f.publish(json{leadEvent("L-1", 1)}), 202);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 1, 5000);

        auto session = openSession(f.broker.url(), f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        OverviewPage page(*session);
        page.resize(940, 700);
        page.show();
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(tileValue(page, "deadTile"), QStringLiteral("0"), 5000);
        QCOMPARE(tile(page, "deadTile")->property("severity").toString(), QString());
        QCOMPARE(tile(page, "deadTile")->styleSheet(), QString());
        auto* circuits = page.findChild<QTableWidget*>(QStringLiteral("consumerCircuits"));
        QTRY_COMPARE(circuits->rowCount(), 1);
        QCOMPARE(circuits->item(0, 1)->background().style(), Qt::NoBrush);

        accept = false;
        QCOMPARE_HTTP(f.publish(json{leadEvent("L-2", 1), leadEvent("L-3", 1)}), 202);
        QTRY_COMPARE_WITH_TIMEOUT(tileValue(page, "deadTile"), QStringLiteral("2"), 10000);
        const SeverityColours dead = coloursOf(Severity::DeadLetters, page.palette());
        QCOMPARE(tile(page, "deadTile")->property("severity").toString(),
                 severityWord(Severity::DeadLetters));
        QVERIFY(tile(page, "deadTile")->styleSheet().contains(dead.tint.name()));
        QCOMPARE(tileTextColour(page, "deadTile"), dead.text);
        // Its consumer's row is tinted too, and the last error is there whole as a tooltip.
        QTRY_COMPARE_WITH_TIMEOUT(circuits->item(0, 0)->background().color(), dead.tint, 5000);
        QVERIFY(circuits->item(0, 4)->toolTip().contains(QStringLiteral("422")));
        // Fine tiles stay neutral.
        QCOMPARE(tile(page, "circuitsTile")->styleSheet(), QString());
        QCOMPARE(tileValue(page, "circuitsTile"), QStringLiteral("0"));
    }

    void overviewAndConsumersSayTheSameWord() {
        DeliveryFixture f;
        f.sink.setHandler([](const SinkRequest&) {
            SinkReply r;
            r.status = 503;
            return r;
        });
        QCOMPARE_HTTP(f.createConsumer(slowRetryConsumer("crm", f.sink.url())), 201);
        QCOMPARE_HTTP(f.publish(json{leadEvent("L-1", 1)}), 202);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["state"].get<std::string>(),
                                  std::string("retrying"), 5000);

        auto session = openSession(f.broker.url(), f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        OverviewPage overview(*session);
        overview.show();
        overview.activate();
        ConsumersPage consumers(*session);
        consumers.show();
        consumers.activate();
        auto* circuits = overview.findChild<QTableWidget*>(QStringLiteral("consumerCircuits"));
        QTRY_COMPARE_WITH_TIMEOUT(circuits->rowCount(), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(consumers.model()->rowCount(), 1, 5000);
        const QString consumersWord =
            consumers.model()->index(0, ConsumerTableModel::State).data().toString();
        QCOMPARE(circuits->item(0, 1)->text(), QStringLiteral("retrying"));
        QCOMPARE(consumersWord, circuits->item(0, 1)->text());
        QCOMPARE(circuits->item(0, 1)->text(), stateWordOf(consumers.model()->consumer(0)));
        QTRY_COMPARE(tileValue(overview, "retryingTile"), QStringLiteral("1"));
        QCOMPARE(tile(overview, "retryingTile")->property("severity").toString(),
                 severityWord(Severity::Retrying));
    }

    void legendsNameWhatTheColoursMean() {
        test::TestBroker mesh;
        auto session = openSession(mesh.url(), mesh.adminToken);
        FlowPage flow(*session);
        auto* flowLegend = flow.findChild<LegendWidget*>(QStringLiteral("flowLegend"));
        QVERIFY(flowLegend);
        for (const char* word : {"healthy", "degraded", "failing", "idle", "paused"})
            QVERIFY2(flowLegend->words().contains(QLatin1String(word)), word);
        QVERIFY(flowLegend->words().contains(severityWord(Severity::CircuitOpen)));

        WaterfallWidget waterfall;
        auto* traceLegend = waterfall.findChild<LegendWidget*>(QStringLiteral("waterfallLegend"));
        QVERIFY(traceLegend);
        for (const char* word : {"attempt ok", "attempt failed", "waiting", "dead letter"})
            QVERIFY2(traceLegend->words().contains(QLatin1String(word)), word);
        // A legend wraps rather than widen its page.
        QVERIFY(traceLegend->heightForWidth(150) > traceLegend->heightForWidth(2000));
        QVERIFY(traceLegend->minimumSizeHint().width() < 200);
    }

    void offlineBannerCountsAndReconnectsOnRequest() {
        test::TestBroker mesh;
        const std::uint16_t port = mesh.broker->port();
        auto session = openSession(mesh.url(), mesh.adminToken);
        QTRY_COMPARE_WITH_TIMEOUT(session->state(), SessionState::Online, 5000);
        QVERIFY(session->lastContact().isValid());

        QWidget window;
        auto* pages = new QLabel(QStringLiteral("1,234 events"), &window);
        auto* banner = new OfflineBanner(*session, &window);
        banner->setStaleArea(pages);
        window.show();
        QVERIFY(!banner->isVisible());
        QVERIFY(!pages->graphicsEffect());

        mesh.broker->stop();
        QTRY_COMPARE_WITH_TIMEOUT(session->state(), SessionState::Offline, 6000);
        QVERIFY(banner->isVisible());
        QVERIFY(pages->graphicsEffect()); // the numbers look stale
        QVERIFY(banner->text().startsWith(QStringLiteral("Offline since ")));
        QVERIFY(banner->text().contains(QStringLiteral("numbers last updated")));
        // It counts: two seconds on, the numbers are at least two seconds old.
        QTRY_VERIFY_WITH_TIMEOUT(banner->text().contains(QRegularExpression(
                                     QStringLiteral("updated ([2-9]|\\d\\d) s ago"))),
                                 6000);
        // Let the backoff grow past a few seconds, so "now" is visibly sooner.
        QTRY_VERIFY_WITH_TIMEOUT(session->nextRetryAt().isValid() &&
                                     QDateTime::currentDateTime().msecsTo(session->nextRetryAt()) >
                                         2500,
                                 15000);
        // The banner says so at its next tick (it renders once a second).
        QTRY_VERIFY_WITH_TIMEOUT(banner->text().contains(QStringLiteral("reconnecting in")), 2500);

        // The broker comes back on the same address; the person does not wait.
        BrokerConfig config;
        config.dataDir = mesh.dir.path().toStdString() + "/data";
        config.listen = ListenAddress{"127.0.0.1", port};
        config.catalogDir = catalogDir().toStdString();
        mesh.broker.reset();
        mesh.broker = std::make_unique<Broker>(std::move(config));
        mesh.broker->start();
        QTest::mouseClick(banner->findChild<QPushButton*>(QStringLiteral("reconnectNow")),
                          Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(session->state(), SessionState::Online, 1500);
        QVERIFY(!banner->isVisible());
        QVERIFY(!pages->graphicsEffect());
    }

    void historySegmentsBreakAtMissingMinutes() {
        protocol::ConsumerHistory a{"a", {}}, b{"b", {}};
        const Timestamp t0 = fromUnixMillis(1'800'000'000'000 / 60'000 * 60'000);
        auto at = [&](int minute) {
            return t0 + std::chrono::minutes(minute);
        };
        for (int m : {0, 1, 2, 5})
            a.minutes.push_back({at(m), 10 + m, 1, 0, 0, 0, 0, 0, 0});
        b.minutes.push_back({at(1), 5, 0, 0, 3, 0, 0, 0, 0});
        const auto totals = sumHistories({a, b});
        QCOMPARE(totals.size(), 4);
        const qint64 now = toUnixMillis(at(6));
        const auto delivered = chartSegments(totals, HistoryMetric::Delivered, now, 60);
        QCOMPARE(delivered.size(), 2); // minutes 3 and 4 are a gap
        QCOMPARE(delivered[0], (QList<QPointF>{{-6, 10}, {-5, 16}, {-4, 12}}));
        QCOMPARE(delivered[1], (QList<QPointF>{{-1, 15}}));
        QCOMPARE(chartSegments(totals, HistoryMetric::DeadLettered, now, 60)[0][1].y(), 3.0);
        // Older than the window: left out.
        QCOMPARE(chartSegments(totals, HistoryMetric::Delivered, now, 3).size(), 1);
    }

    // The broker delivered over a few minutes of a fake clock, and was not
    // running for two of them: the Overview's chart is full the moment it
    // opens, and the two minutes are a gap.
    void overviewChartIsTheBrokersHistory() {
        const qint64 realNow = QDateTime::currentMSecsSinceEpoch();
        FakeClock clock(fromUnixMillis(realNow / 60'000 * 60'000 - 8 * 60'000 + 10'000));
        DeliveryFixture f(clock);
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
        QCOMPARE_HTTP(f.publish(json{leadEvent("L-1", 1), leadEvent("L-2", 1)}), 202);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 2, 5000);
        auto minutesKept = [&] {
            return parse(f.admin.get("/v1/consumers/crm/history?minutes=60"))["minutes"].size();
        };
        for (auto step : {1min, 1min, 3min, 1min}) {
            const std::size_t before = minutesKept();
            clock.advance(step);
            QTRY_VERIFY_WITH_TIMEOUT(minutesKept() > before, 5000);
        }
        QCOMPARE(minutesKept(), 4u);

        auto session = openSession(f.broker.url(), f.broker.adminToken);
        QTRY_COMPARE(session->state(), SessionState::Online);
        OverviewPage page(*session);
        page.resize(940, 700);
        page.show();
        page.activate();
        QTRY_COMPARE_WITH_TIMEOUT(page.chartLine(HistoryMetric::Delivered).size(), 2, 5000);
        const auto runs = page.chartLine(HistoryMetric::Delivered);
        QCOMPARE(runs[0].size(), 3);
        QCOMPARE(runs[0][0].y(), 2.0);
        QCOMPARE(runs[1].size(), 1);
        QCOMPARE(runs[1][0].x() - runs[0].last().x(), 3.0); // two minutes missing between
        auto* chart = page.findChild<QChartView*>(QStringLiteral("historyChart"))->chart();
        QCOMPARE(chart->series().size(), 6); // two runs for each of three lines
    }
};

QTEST_MAIN(SeverityTest)
#include "tst_severity.moc"
