#include "broker/flow_stats.h"

#include <QtTest/QTest>

using namespace meshdeck;
using namespace std::chrono_literals;

namespace {
const Timestamp kT0 = fromUnixMillis(1'790'000'000'000);
}

class TstFlowStats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void windowSlidesOverAMinute() {
        WindowedCount c;
        c.add(10, kT0);
        c.add(5, kT0 + 30s);
        QCOMPARE(c.inWindow(kT0 + 30s), 15);
        QCOMPARE(c.inWindow(kT0 + 59s), 15);
        // The first bucket has left the window; the total stays.
        QCOMPARE(c.inWindow(kT0 + 65s), 5);
        QCOMPARE(c.inWindow(kT0 + 2min), 0);
        QCOMPARE(c.total(), 15);
        // A bucket reused a minute later starts from zero.
        c.add(1, kT0 + 60s);
        QCOMPARE(c.inWindow(kT0 + 60s), 6);
    }

    void ratesUseTheTimeSinceTheStartUntilAMinuteHasPassed() {
        FlowStats flows(kT0);
        flows.published("acme", "hubspot", "ContactUpdated", 20, kT0 + 5s);
        auto v = flows.view(kT0 + 10s);
        QCOMPARE(v.producers.size(), std::size_t(1));
        QCOMPARE(v.producers[0].published.total, 20);
        QCOMPARE(v.producers[0].published.perSecond, 2.0);
        v = flows.view(kT0 + 3min);
        QCOMPARE(v.producers[0].published.perSecond, 0.0);
        QCOMPARE(v.producers[0].published.total, 20);
    }

    void errorRatioCountsAttemptsInTheWindow() {
        FlowStats flows(kT0);
        for (int i = 0; i < 3; ++i)
            flows.delivered("crm", "LeadScored", kT0 + 1s);
        flows.failed("crm", "LeadScored", "HTTP 503", kT0 + 2s);
        flows.deadLettered("crm", "LeadScored", kT0 + 2s);
        flows.delivered("crm", "DealWon", kT0 + 2s);
        const auto v = flows.view(kT0 + 4s);
        QCOMPARE(v.consumers.size(), std::size_t(2));
        const auto& lead = v.consumers[1];
        QCOMPARE(QString::fromStdString(lead.eventType), QStringLiteral("LeadScored"));
        QCOMPARE(lead.errorRatio, 0.25);
        QCOMPARE(lead.deadLettered.total, 1);
        QCOMPARE(QString::fromStdString(lead.lastError), QStringLiteral("HTTP 503"));
        QCOMPARE(v.consumers[0].errorRatio, 0.0);
        // Once the failure is a minute old the edge reads as healthy again.
        QCOMPARE(flows.view(kT0 + 70s).consumers[1].errorRatio, 0.0);
    }
};

QTEST_GUILESS_MAIN(TstFlowStats)
#include "tst_flow_stats.moc"
