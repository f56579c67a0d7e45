// Durability under SIGKILL: clients publish to a real meshd child; it is
// killed with SIGKILL mid-stream; after a restart every event that was
// answered 2xx is present exactly once and readable.

#include "broker/client/mesh_client.h"
#include "core/uuid.h"
#include "tests/support/json_compare.h"
#include "tests/support/meshd_process.h"

#include <QTemporaryDir>
#include <QtTest/QTest>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

using namespace meshdeck;
using meshdeck::test::MeshdProcess;
using nlohmann::json;

class CrashTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyAcknowledgedEventSurvivesSigkill() {
        QTemporaryDir dir;
        std::string token;
        std::vector<std::string> acked; // event ids answered 2xx, over every round
        std::mt19937 rng(20261127);

        for (int round = 0; round < 3; ++round) {
            MeshdProcess meshd(dir.path());
            if (round == 0)
                token = meshd.adminToken();
            QVERIFY(!token.empty());

            constexpr int kClients = 3;
            std::atomic<bool> stop{false};
            std::atomic<int> answered{0};
            std::vector<std::vector<std::string>> perClient(kClients);
            std::vector<std::thread> clients;
            for (int c = 0; c < kClients; ++c) {
                clients.emplace_back([&, c] {
                    MeshClient client(meshd.url(), token);
                    client.setTimeout(std::chrono::seconds(5));
                    UuidV7Generator ids;
                    // Bounded: at most 400 requests per client per round.
                    for (int request = 0; request < 400 && !stop; ++request) {
                        json batch = json::array();
                        const int size = 1 + request % 10;
                        for (int i = 0; i < size; ++i)
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
                            break; // the broker is gone
                        if (r.ok()) {
                            for (const auto& e : batch)
                                perClient[c].push_back(e["event_id"]);
                            ++answered;
                        }
                    }
                });
            }
            // Kill at a random point once traffic is flowing.
            QTRY_VERIFY_WITH_TIMEOUT(answered.load() >= 20, 10000);
            std::this_thread::sleep_for(
                std::chrono::milliseconds(std::uniform_int_distribution(0, 300)(rng)));
            meshd.kill9();
            stop = true;
            for (auto& t : clients)
                t.join();
            for (auto& ids : perClient)
                acked.insert(acked.end(), ids.begin(), ids.end());
            qInfo("round %d: %d requests answered before SIGKILL; %zu acknowledged events so far",
                  round, answered.load(), acked.size());
        }

        // Restart and read everything back.
        MeshdProcess meshd(dir.path());
        MeshClient client(meshd.url(), token);
        std::map<std::string, int> seen;
        std::string cursor = "0";
        for (;;) {
            const auto r = client.get("/v1/events?limit=1000&cursor=" + cursor);
            QCOMPARE(r.status, 200);
            const json page = json::parse(r.body);
            for (const auto& e : page["events"])
                ++seen[e["event_id"].get<std::string>()];
            if (page["next_cursor"].is_null())
                break;
            cursor = page["next_cursor"].get<std::string>();
        }
        for (const auto& id : acked) {
            const auto it = seen.find(id);
            QVERIFY2(it != seen.end(), qPrintable(QStringLiteral("acknowledged event %1 is missing")
                                                      .arg(QString::fromStdString(id))));
            QCOMPARE(it->second, 1);
        }
        for (const auto& [id, count] : seen)
            QCOMPARE(count, 1);
        // A sample is readable by id with its payload.
        for (std::size_t i = 0; i < acked.size();
             i += std::max<std::size_t>(1, acked.size() / 20)) {
            const auto r = client.get("/v1/events/" + acked[i]);
            QCOMPARE(r.status, 200);
            QCOMPARE_JSON(json::parse(r.body)["producer"], "crash-test");
        }
        qInfo("%zu acknowledged events, %zu stored, all present exactly once", acked.size(),
              seen.size());
    }
};

QTEST_GUILESS_MAIN(CrashTest)
#include "tst_crash.moc"
