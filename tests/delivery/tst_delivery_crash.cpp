// At least once across SIGKILL: a real meshd child delivers to a webhook sink
// while producers publish; it is killed with SIGKILL mid-delivery, restarted,
// killed again, restarted. In the end every event that was answered 2xx has
// reached the sink, in both durability modes, and every redelivery is one a
// kill explains: its first delivery came at most a group commit before it.

#include "broker/client/mesh_client.h"
#include "core/uuid.h"
#include "tests/support/meshd_process.h"
#include "tests/support/sink_server.h"

#include <QTemporaryDir>
#include <QtTest/QTest>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

using namespace meshdeck;
using namespace meshdeck::test;
using nlohmann::json;

class DeliveryCrashTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyAcceptedEventReachesTheSinkAcrossSigkill_data();
    void everyAcceptedEventReachesTheSinkAcrossSigkill();
};

// Progress is written with the writer's next group commit, every 50 ms
// (docs/delivery.md): an acknowledgement can be lost only if it came less
// than that before the kill. The bound allows for that commit's own fsync
// and for the answer's way from the sink to the delivery thread on a loaded
// 2-core machine; a broker that lost older progress fails it by seconds.
constexpr auto kRedeliveryBound = std::chrono::milliseconds(250);

void DeliveryCrashTest::everyAcceptedEventReachesTheSinkAcrossSigkill_data() {
    QTest::addColumn<QString>("durability");
    QTest::addRow("full") << QStringLiteral("full");
    QTest::addRow("normal") << QStringLiteral("normal");
}

void DeliveryCrashTest::everyAcceptedEventReachesTheSinkAcrossSigkill() {
    QFETCH(QString, durability);
    using Clock = std::chrono::steady_clock;
    // The idempotent receiver: applies an Idempotency-Key once and remembers
    // when; a repeat is recorded with the time of its first application.
    std::mutex mutex;
    std::map<std::string, Clock::time_point> applied;
    std::vector<Clock::time_point> repeatsFirstAppliedAt;
    SinkServer sink([&](const SinkRequest& r) {
        std::lock_guard lock(mutex);
        const auto key = r.headers.find("idempotency-key");
        if (key != r.headers.end()) {
            const auto [it, first] = applied.emplace(key->second, Clock::now());
            if (!first)
                repeatsFirstAppliedAt.push_back(it->second);
        }
        SinkReply reply;
        reply.delay = std::chrono::milliseconds(2); // keep deliveries in flight at the kill
        return reply;
    });

    QTemporaryDir dir;
    const QString config = dir.filePath(QStringLiteral("meshd.json"));
    {
        std::ofstream out(config.toStdString());
        out << json{{"consumers",
                     {{{"name", "crm"},
                       {"filter", {{"event_types", {"LeadScored"}}}},
                       {"sink", {{"type", "webhook"}, {"url", sink.url()}, {"timeout_ms", 2000}}},
                       {"max_concurrency", 8},
                       {"retry", {{"max_attempts", 50}, {"base_ms", 20}, {"cap_ms", 200}}}}}}}
                   .dump();
    }
    const QStringList args{QStringLiteral("--config"), config, QStringLiteral("--durability"),
                           durability};

    std::string token;
    std::vector<std::string> acked;
    std::vector<Clock::time_point> kills;
    std::mt19937 rng(20261127);
    UuidV7Generator ids;
    for (int round = 0; round < 3; ++round) {
        MeshdProcess meshd(dir.filePath(QStringLiteral("data")), args);
        if (round == 0)
            token = meshd.adminToken();
        QVERIFY(!token.empty());
        std::atomic<bool> stop{false};
        std::atomic<int> answered{0};
        std::vector<std::string> roundAcked;
        std::thread producer([&] {
            MeshClient client(meshd.url(), token);
            client.setTimeout(std::chrono::seconds(5));
            for (int request = 0; request < 200 && !stop; ++request) { // bounded
                json batch = json::array();
                for (int i = 0; i < 10; ++i)
                    batch.push_back(
                        {{"event_id", ids.next()},
                         {"event_type", "LeadScored"},
                         {"occurred_at", "2026-11-27T09:00:00.000Z"},
                         {"producer", "crash-test"},
                         {"tenant_id", "acme"},
                         {"entity", {{"kind", "lead"}, {"id", "L-" + std::to_string(i)}}},
                         {"payload", {{"lead_id", "L"}, {"score", i}, {"model", "m"}}}});
                const auto r = client.postJson("/v1/events", batch.dump());
                if (r.status == 0)
                    break;
                if (r.ok()) {
                    for (const auto& e : batch)
                        roundAcked.push_back(e["event_id"]);
                    ++answered;
                }
            }
        });
        if (round < 2) {
            // Kill while events are being published and delivered, after
            // deliveries have run for longer than the redelivery bound (so a
            // broker that kept its progress too rarely would redeliver older
            // ones and fail below).
            const auto delivered = sink.requestCount();
            QTRY_VERIFY_WITH_TIMEOUT(answered.load() >= 30 && sink.requestCount() > delivered,
                                     20000);
            std::this_thread::sleep_for(
                std::chrono::milliseconds(std::uniform_int_distribution(300, 600)(rng)));
            kills.push_back(Clock::now());
            meshd.kill9();
            stop = true;
            producer.join();
            acked.insert(acked.end(), roundAcked.begin(), roundAcked.end());
            continue;
        }
        producer.join();
        acked.insert(acked.end(), roundAcked.begin(), roundAcked.end());
        // The last life: let it deliver everything that was ever acknowledged.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                std::lock_guard lock(mutex);
                return std::all_of(acked.begin(), acked.end(),
                                   [&](const std::string& id) { return applied.count(id) > 0; });
            }(),
            60000);
        QCOMPARE(meshd.terminate(), 0);
    }
    std::lock_guard lock(mutex);
    QVERIFY(acked.size() >= 300);
    // Nothing acknowledged to a producer was lost, in either durability mode.
    for (const auto& id : acked)
        QVERIFY2(applied.count(id), id.c_str());
    // Every redelivery is one a kill explains: its first delivery was applied
    // at most kRedeliveryBound before a kill (or was in flight at it).
    Clock::duration worst{};
    // A request already on its way when SIGKILL landed reaches the sink a
    // moment after the kill was recorded.
    constexpr auto inFlightAtKill = std::chrono::milliseconds(50);
    for (const auto firstAt : repeatsFirstAppliedAt) {
        const auto kill = std::find_if(kills.begin(), kills.end(), [&](Clock::time_point k) {
            return k + inFlightAtKill >= firstAt;
        });
        QVERIFY2(kill != kills.end(), "an event was delivered again with no crash after it");
        worst = std::max(worst, *kill - firstAt);
        QVERIFY2(*kill - firstAt <= kRedeliveryBound,
                 qPrintable(
                     QStringLiteral("redelivered an event first applied %1 ms before the "
                                    "kill")
                         .arg(std::chrono::duration_cast<std::chrono::milliseconds>(*kill - firstAt)
                                  .count())));
    }
    qInfo("%s: %zu events acknowledged over 3 lives (2 SIGKILLs); %zu applied; %zu redeliveries, "
          "the oldest first applied %lld ms before its kill",
          qPrintable(durability), acked.size(), applied.size(), repeatsFirstAppliedAt.size(),
          static_cast<long long>(
              std::chrono::duration_cast<std::chrono::milliseconds>(worst).count()));
}

QTEST_GUILESS_MAIN(DeliveryCrashTest)
#include "tst_delivery_crash.moc"
