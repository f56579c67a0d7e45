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
#if MESHDECK_SOAK
    void aMinuteLongSinkOutageLosesNothing();
#endif
};

// The default run kills meshd twice; the soak build (tst_delivery_soak, label
// soak) lives through many more kills with more traffic in each life.
#if MESHDECK_SOAK
constexpr int kLives = 12;
constexpr int kRequestsPerLife = 1000;
#else
constexpr int kLives = 3;
constexpr int kRequestsPerLife = 200;
#endif

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
    for (int round = 0; round < kLives; ++round) {
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
            for (int request = 0; request < kRequestsPerLife && !stop; ++request) { // bounded
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
        if (round < kLives - 1) {
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
    qInfo("%s: %zu events acknowledged over %d lives (%d SIGKILLs); %zu applied; %zu "
          "redeliveries, the oldest first applied %lld ms before its kill",
          qPrintable(durability), acked.size(), kLives, kLives - 1, applied.size(),
          repeatsFirstAppliedAt.size(),
          static_cast<long long>(
              std::chrono::duration_cast<std::chrono::milliseconds>(worst).count()));
}

#if MESHDECK_SOAK
// The sink answers 503 for a minute while producers keep publishing: the
// circuit opens, events wait (none is dead-lettered), and once the sink is
// back every event arrives, each entity's versions in order.
void DeliveryCrashTest::aMinuteLongSinkOutageLosesNothing() {
    using Clock = std::chrono::steady_clock;
    std::atomic<bool> down{true};
    std::mutex mutex;
    std::map<std::string, std::int64_t> lastVersion; // per entity, as applied
    std::set<std::string> applied;
    bool outOfOrder = false;
    SinkServer sink([&](const SinkRequest& r) {
        if (down)
            return SinkReply{503};
        const json body = json::parse(r.body, nullptr, false);
        std::lock_guard lock(mutex);
        if (applied.insert(r.headers.at("idempotency-key")).second) {
            const std::string entity = body["entity"]["id"];
            const auto version = body["entity"]["version"].get<std::int64_t>();
            auto& last = lastVersion[entity];
            outOfOrder = outOfOrder || version <= last;
            last = version;
        }
        return SinkReply{};
    });
    QTemporaryDir dir;
    const QString config = dir.filePath(QStringLiteral("meshd.json"));
    {
        std::ofstream out(config.toStdString());
        out << json{{"consumers",
                     {{{"name", "crm"},
                       {"filter", {{"event_types", {"LeadScored"}}}},
                       {"sink", {{"type", "webhook"}, {"url", sink.url()}, {"timeout_ms", 2000}}},
                       {"retry", {{"max_attempts", 5}, {"base_ms", 50}, {"cap_ms", 1000}}},
                       {"circuit_breaker", {{"min_requests", 5}, {"open_ms", 2000}}}}}}}
                   .dump();
    }
    MeshdProcess meshd(dir.filePath(QStringLiteral("data")), {QStringLiteral("--config"), config});
    MeshClient client(meshd.url(), meshd.adminToken());
    UuidV7Generator ids;
    std::size_t published = 0;
    const auto outageEnds = Clock::now() + std::chrono::seconds(60);
    for (std::int64_t version = 1; Clock::now() < outageEnds; ++version) { // bounded by time
        json batch = json::array();
        for (int entity = 0; entity < 20; ++entity)
            batch.push_back(
                {{"event_id", ids.next()},
                 {"event_type", "LeadScored"},
                 {"occurred_at", "2026-11-27T09:00:00.000Z"},
                 {"producer", "outage-test"},
                 {"tenant_id", "acme"},
                 {"entity",
                  {{"kind", "lead"}, {"id", "L-" + std::to_string(entity)}, {"version", version}}},
                 {"payload", {{"lead_id", "L"}, {"score", 1}, {"model", "m"}}}});
        QCOMPARE(client.postJson("/v1/events", batch.dump()).status, 202);
        published += batch.size();
        std::this_thread::sleep_for(std::chrono::milliseconds(100)); // a steady 200 events/s
    }
    const json during = json::parse(client.get("/v1/consumers/crm").body);
    QCOMPARE(during["totals"]["dead_lettered"].get<int>(), 0);
    down = false;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            std::lock_guard lock(mutex);
            return applied.size() == published;
        }(),
        120000);
    std::lock_guard lock(mutex);
    QVERIFY(!outOfOrder);
    const json after = json::parse(client.get("/v1/consumers/crm").body);
    QCOMPARE(after["totals"]["dead_lettered"].get<int>(), 0);
    qInfo("%zu events published during a 60 s outage, all delivered in entity order after it",
          published);
}
#endif

QTEST_GUILESS_MAIN(DeliveryCrashTest)
#include "tst_delivery_crash.moc"
