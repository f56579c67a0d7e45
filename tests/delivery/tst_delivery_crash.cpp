// At least once across SIGKILL: a real meshd child delivers to a webhook sink
// while producers publish; it is killed with SIGKILL mid-delivery, restarted,
// killed again, restarted. In the end every event that was answered 2xx has
// reached the sink, and a sink that applies each Idempotency-Key once has
// applied each event exactly once.

#include "broker/client/mesh_client.h"
#include "core/uuid.h"
#include "tests/support/meshd_process.h"
#include "tests/support/sink_server.h"

#include <QTemporaryDir>
#include <QtTest/QTest>
#include <atomic>
#include <fstream>
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
    void everyAcceptedEventReachesTheSinkAcrossSigkill();
};

void DeliveryCrashTest::everyAcceptedEventReachesTheSinkAcrossSigkill() {
    // The idempotent receiver: applies an Idempotency-Key once, counts repeats.
    std::mutex mutex;
    std::set<std::string> applied;
    std::size_t repeats = 0;
    SinkServer sink([&](const SinkRequest& r) {
        std::lock_guard lock(mutex);
        const auto key = r.headers.find("idempotency-key");
        if (key != r.headers.end() && !applied.insert(key->second).second)
            ++repeats;
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
    const QStringList args{QStringLiteral("--config"), config};

    std::string token;
    std::vector<std::string> acked;
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
            // Kill while events are being published and delivered.
            QTRY_VERIFY_WITH_TIMEOUT(answered.load() >= 30 && sink.requestCount() > 0, 20000);
            std::this_thread::sleep_for(
                std::chrono::milliseconds(std::uniform_int_distribution(0, 200)(rng)));
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
    for (const auto& id : acked)
        QVERIFY2(applied.count(id), id.c_str());
    qInfo("%zu events acknowledged over 3 lives (2 SIGKILLs); %zu applied once each; %zu "
          "redeliveries absorbed by the idempotent sink",
          acked.size(), applied.size(), repeats);
}

QTEST_GUILESS_MAIN(DeliveryCrashTest)
#include "tst_delivery_crash.moc"
