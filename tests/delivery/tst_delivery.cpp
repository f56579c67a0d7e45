// The delivery engine end to end: a broker on 127.0.0.1, consumers declared
// through /v1/consumers, and a real HTTP sink that answers as each test
// scripts it (slow, flaky, throttling, refusing, hanging).

#include "broker/delivery/signing.h"
#include "core/cloudevents.h"
#include "core/consumer_spec.h"
#include "tests/delivery/delivery_fixture.h"
#include "tests/store/store_test_support.h"
#include "tests/support/json_compare.h"
#include "tests/support/test_support.h"

#include <QRegularExpression>
#include <QScopeGuard>
#include <QtTest/QTest>
#include <atomic>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace std::chrono_literals;
using nlohmann::json;

class DeliveryTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void consumerApiValidatesAndLists();
    void consumerApiNeedsTheRightRole();
    void deliversSignedWebhooks();
    void retriesServerErrorsWithBackoff();
    void throttlingHonoursRetryAfterWithoutUsingAttempts_data();
    void throttlingHonoursRetryAfterWithoutUsingAttempts();
    void invalidIsDeadLetteredAtOnceAndReplays();
    void failingEntityDoesNotDelayOthers();
    void orderingHoldsPerEntityUnderRandomFailures();
    void poisonWithContinuePolicyMovesOn();
    void blockPolicyHoldsTheEntityUntilDiscarded();
    void editAndReplayValidatesThePayload();
    void timeoutIsATransportFailure();
    void refusedConnectionIsATransportFailure();
    void rateLimitSpacesDeliveries();
    void circuitOpensAndEverythingArrivesAfterwards();
    void versionGateSkipsStaleAndWaitsForGaps();
    void versionGateDoesNotWaitForVersionsItFiltersOut();
    void replayFromSeqKeepsEventIds();
    void restartRedeliversOnlyWhatWasNotAcked();
    void traceAndStallExplainADeadLetter();
    void metricsAndHistory();
    void flowsCountEachEdge();
    void throttlingHoldsTheWholeEndpoint();
    void retryMaxAgeDeadLettersAnOldFailure();
    void maxPendingLeavesTheRestInTheLog();
    void configConsumersCannotBeChangedThroughTheApi();
    void replayAcrossConsumers();
    void probesUseUpNoAttempts();
    void retentionKeepsWhatAConsumerHasNotSettled();
    void redactsPiiAndMapsOnTheWayOut();
    void sendsStructuredCloudEvents();
    void sendsBinaryCloudEvents();
    void consumerChangesNeverStallDelivery();
    void anOpenCircuitAgesNothingOut();
};

void DeliveryTest::consumerApiValidatesAndLists() {
    DeliveryFixture f;
    auto bad = f.createConsumer({{"name", "bad name!"},
                                 {"sink", {{"type", "webhook"}, {"url", "ftp://x"}}},
                                 {"retry", {{"max_attempts", 0}}},
                                 {"colour", "red"}});
    QCOMPARE_HTTP(bad, 422);
    std::set<std::string> paths;
    const json problem = parse(bad);
    for (const auto& v : problem["violations"])
        paths.insert(v["path"].get<std::string>());
    QVERIFY(paths.count("/name"));
    QVERIFY(paths.count("/sink/url"));
    QVERIFY(paths.count("/retry/max_attempts"));
    QVERIFY(paths.count("/colour"));

    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 409);
    auto list = parse(f.admin.get("/v1/consumers"));
    QCOMPARE(list["consumers"].size(), 1u);
    QCOMPARE_JSON(list["consumers"][0]["name"], "crm");
    QCOMPARE_JSON(list["consumers"][0]["state"], "running");

    auto changed = webhookConsumer("crm", f.sink.url());
    changed["max_concurrency"] = 4;
    QCOMPARE_HTTP(f.admin.request("PUT", "/v1/consumers/crm", changed.dump()), 200);
    QCOMPARE_JSON(f.consumer("crm")["spec"]["max_concurrency"], 4);

    QCOMPARE_HTTP(f.admin.postJson("/v1/consumers/crm/pause", ""), 200);
    QCOMPARE_JSON(f.consumer("crm")["state"], "paused");
    QCOMPARE_HTTP(f.admin.postJson("/v1/consumers/crm/resume", ""), 200);
    QCOMPARE_JSON(f.consumer("crm")["state"], "running");

    QCOMPARE_HTTP(f.admin.request("DELETE", "/v1/consumers/crm"), 204);
    QCOMPARE_HTTP(f.admin.get("/v1/consumers/crm"), 404);
}

void DeliveryTest::consumerApiNeedsTheRightRole() {
    DeliveryFixture f;
    auto viewer = f.broker.client(f.broker.token(Role::Viewer, "acme"));
    auto operatorClient = f.broker.client(f.broker.token(Role::Operator, "acme"));
    QCOMPARE_HTTP(viewer.postJson("/v1/consumers", webhookConsumer("x", f.sink.url()).dump()), 403);
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    QCOMPARE_HTTP(viewer.postJson("/v1/consumers/crm/pause", ""), 403);
    QCOMPARE_HTTP(operatorClient.postJson("/v1/consumers/crm/pause", ""), 200);
    QCOMPARE_HTTP(viewer.get("/v1/consumers/crm"), 200);
    // A tenant's token does not see consumers that read every tenant.
    auto global = webhookConsumer("global", f.sink.url());
    global["filter"].erase("tenant");
    QCOMPARE_HTTP(f.createConsumer(global), 201);
    QCOMPARE_HTTP(viewer.get("/v1/consumers/global"), 404);
}

void DeliveryTest::deliversSignedWebhooks() {
    DeliveryFixture f;
    auto spec = webhookConsumer("crm", f.sink.url());
    const std::string secret = "whsec_bWVzaGRlY2stb3V0Ym91bmQta2V5LTAxMjM0NTY3ODlhYg==";
    spec["sink"]["secret"] = secret;
    spec["sink"]["headers"] = {{"x-api-key", "k-123"}};
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    json batch = json::array();
    for (int i = 0; i < 20; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i % 5), std::nullopt, i));
    // One producer sent a trace context; the others did not.
    const std::string producerTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    batch[0]["traceparent"] = producerTrace;
    QCOMPARE_HTTP(f.publish(batch), 202);
    QVERIFY(f.sink.waitForRequests(20, 10s));
    static const QRegularExpression w3c(QStringLiteral("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$"));

    std::set<std::string> ids;
    for (const auto& r : f.sink.requests()) {
        const auto id = r.headers.at("webhook-id");
        ids.insert(id);
        QCOMPARE_JSON(r.headers.at("idempotency-key"), id);
        QCOMPARE_JSON(r.headers.at("x-api-key"), "k-123");
        QCOMPARE_JSON(r.headers.at("x-meshdeck-consumer"), "crm");
        // Every webhook carries a trace context: the producer's, or one
        // started for the event, whose trace-id is the event id's 128 bits.
        const std::string trace = r.headers.at("traceparent");
        if (id == batch[0]["event_id"]) {
            QCOMPARE(trace, producerTrace);
        } else {
            QVERIFY2(w3c.match(QString::fromStdString(trace)).hasMatch(), trace.c_str());
            std::string hex = id;
            std::erase(hex, '-');
            QCOMPARE(trace.substr(3, 32), hex);
        }
        QCOMPARE_JSON(r.headers.at("content-type"), "application/json");
        QVERIFY(r.headers.at("x-correlation-id").rfind("journey-L-", 0) == 0);
        const auto ts = std::stoll(r.headers.at("webhook-timestamp"));
        QCOMPARE(r.headers.at("webhook-signature"),
                 delivery::standardWebhookSignature(secret, id, ts, r.body));
        const auto body = json::parse(r.body);
        QCOMPARE_JSON(body["event_id"], id);
        QCOMPARE_JSON(body["event_type"], "LeadScored");
    }
    QCOMPARE(ids.size(), 20u);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 20, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["lag"]["events"].get<int>(), 0, 5000);
}

// On a fake clock: each retry goes out exactly when its backoff ends.
void DeliveryTest::retriesServerErrorsWithBackoff() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    std::atomic<int> calls{0};
    f.sink.setHandler([&](const SinkRequest&) {
        SinkReply r;
        if (++calls <= 2)
            r.status = 500;
        return r;
    });
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    const auto event = leadEvent("L-1", std::nullopt);
    QCOMPARE_HTTP(f.publish(event), 202);
    // base 20 ms, no jitter: 20 ms then 40 ms between attempts.
    const auto failedAttempts = [&] {
        return f.consumer("crm")["totals"]["failed_attempts"].get<int>();
    };
    // The consumer's snapshot shows the clock's time once a tick has looked
    // at the waiting retry with it.
    const auto tickSaw = [&](int ms) {
        return f.consumer("crm")["lag"]["oldest_age_ms"].get<int>() >= ms;
    };
    QTRY_COMPARE_WITH_TIMEOUT(failedAttempts(), 1, 5000);
    clock.advance(19ms);
    QTRY_VERIFY_WITH_TIMEOUT(tickSaw(19), 5000);
    QCOMPARE(f.sink.requestCount(), 1u);
    clock.advance(1ms);
    QTRY_COMPARE_WITH_TIMEOUT(failedAttempts(), 2, 5000);
    clock.advance(39ms);
    QTRY_VERIFY_WITH_TIMEOUT(tickSaw(59), 5000);
    QCOMPARE(f.sink.requestCount(), 2u);
    clock.advance(1ms);
    QVERIFY(f.sink.waitForRequests(3, 5s));
    const auto got = f.received(event["event_id"]);
    QCOMPARE(got.size(), 3u);
    QCOMPARE_JSON(got[2].headers.at("x-meshdeck-attempt"), "3");
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 1, 5000);
    QCOMPARE(failedAttempts(), 2);
    QCOMPARE(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 0);
}

void DeliveryTest::throttlingHonoursRetryAfterWithoutUsingAttempts_data() {
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("retryAfter"); // the header's value; empty: none
    QTest::addColumn<QList<int>>("waitsMs"); // before each of the three retries
    QTest::addRow("429 with Retry-After: 1")
        << 429 << QString() << QStringLiteral("1") << QList<int>{1000, 1000, 1000};
    QTest::addRow("503 with Retry-After: 2")
        << 503 << QString() << QStringLiteral("2") << QList<int>{2000, 2000, 2000};
    // No Retry-After: the backoff of the throttled answers so far (base 20 ms).
    QTest::addRow("Salesforce 403 REQUEST_LIMIT_EXCEEDED")
        << 403
        << QStringLiteral(
               R"([{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])")
        << QString() << QList<int>{20, 40, 80};
}

// On a fake clock: each throttled answer holds the next attempt exactly its
// wait, not a millisecond less, and none of them uses up the one attempt.
void DeliveryTest::throttlingHonoursRetryAfterWithoutUsingAttempts() {
    QFETCH(int, status);
    QFETCH(QString, body);
    QFETCH(QString, retryAfter);
    QFETCH(QList<int>, waitsMs);
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    std::atomic<int> calls{0};
    f.sink.setHandler([&](const SinkRequest&) {
        SinkReply r;
        if (++calls <= 3) {
            r.status = status;
            r.body = body.toStdString();
            if (!retryAfter.isEmpty())
                r.headers.emplace_back("retry-after", retryAfter.toStdString());
        }
        return r;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["retry"]["max_attempts"] = 1; // one real failure would dead-letter it
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    const auto event = leadEvent("L-1", std::nullopt);
    QCOMPARE_HTTP(f.publish(event), 202);
    std::chrono::milliseconds elapsed{0};
    for (int sent = 1; sent <= 3; ++sent) {
        // The engine has taken the answer before the clock moves, and it
        // used up no attempt.
        json c;
        QTRY_VERIFY_WITH_TIMEOUT((c = f.consumer("crm"))["totals"]["throttled"].get<int>() >= sent,
                                 5000);
        QCOMPARE(c["totals"]["throttled"].get<int>(), sent);
        QCOMPARE(c["totals"]["dead_lettered"].get<int>(), 0);
        const std::chrono::milliseconds wait{waitsMs[sent - 1]};
        clock.advance(wait - 1ms);
        elapsed += wait - 1ms;
        const json held = f.consumerSeenAt("crm", elapsed);
        QVERIFY2(!held.is_null(), "no snapshot saw the clock short of the wait, the event pending");
        QCOMPARE(attemptsStarted(held), sent);
        QCOMPARE(f.sink.requestCount(), std::size_t(sent));
        clock.advance(1ms);
        elapsed += 1ms;
        QVERIFY(f.sink.waitForRequests(sent + 1, 5s));
    }
    const auto got = f.received(event["event_id"]);
    QCOMPARE(got.size(), 4u);
    QCOMPARE_JSON(got[3].headers.at("x-meshdeck-attempt"), "4");
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 1, 5000);
    QCOMPARE(f.consumer("crm")["totals"]["throttled"].get<int>(), 3);
    QCOMPARE(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 0);
}

void DeliveryTest::invalidIsDeadLetteredAtOnceAndReplays() {
    DeliveryFixture f;
    std::atomic<bool> accept{false};
    f.sink.setHandler([&](const SinkRequest&) {
        SinkReply r;
        if (!accept) {
            r.status = 422;
            r.body = R"({"error":"lead_id 42 unknown"})";
        }
        return r;
    });
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    const auto event = leadEvent("L-1", std::nullopt);
    QCOMPARE_HTTP(f.publish(event), 202);
    json letters;
    QTRY_VERIFY_WITH_TIMEOUT(
        (letters = parse(f.admin.get("/v1/dead-letters?consumer=crm")))["dead_letters"].size() == 1,
        5000);
    QCOMPARE(f.sink.requestCount(), 1u); // not retried
    const auto letter = letters["dead_letters"][0];
    QCOMPARE_JSON(letter["class"], "invalid");
    QCOMPARE_JSON(letter["event_id"], event["event_id"]);
    const auto id = letter["id"].get<std::int64_t>();

    const auto shown = parse(f.admin.get("/v1/dead-letters/" + std::to_string(id)));
    QCOMPARE_JSON(shown["event"]["event_id"], event["event_id"]);
    QCOMPARE(shown["attempt_log"].size(), 1u);
    QCOMPARE_JSON(shown["attempt_log"][0]["status"], 422);
    QVERIFY(shown["attempt_log"][0]["response"].get<std::string>().find("unknown") !=
            std::string::npos);
    const auto groups = parse(f.admin.get("/v1/dead-letters/groups"));
    QCOMPARE_JSON(groups["groups"][0]["count"], 1);

    auto viewer = f.broker.client(f.broker.token(Role::Viewer, "acme"));
    QCOMPARE_HTTP(viewer.postJson("/v1/dead-letters/replay", json{{"ids", {id}}}.dump()), 403);
    accept = true;
    QCOMPARE_HTTP(f.admin.postJson("/v1/dead-letters/replay", json{{"ids", {id}}}.dump()), 200);
    QVERIFY(f.sink.waitForRequests(2, 5s));
    QCOMPARE(f.received(event["event_id"]).size(), 2u); // same event_id: replays keep it
    QTRY_COMPARE_WITH_TIMEOUT(
        parse(f.admin.get("/v1/dead-letters/" + std::to_string(id)))["state"].get<std::string>(),
        std::string("replayed"), 5000);
    QCOMPARE_HTTP(f.admin.postJson("/v1/dead-letters/replay", json{{"ids", {id}}}.dump()), 404);
    // The audit entry is written through the writer queue.
    QTRY_VERIFY_WITH_TIMEOUT(f.admin.get("/v1/audit").body.find("dlq.replay") != std::string::npos,
                             5000);
}

void DeliveryTest::failingEntityDoesNotDelayOthers() {
    DeliveryFixture f;
    f.sink.setHandler([](const SinkRequest& r) {
        SinkReply reply;
        if (r.body.find("\"L-poison\"") != std::string::npos)
            reply.status = 503;
        return reply;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["retry"] = {{"max_attempts", 1000}, {"base_ms", 50}, {"cap_ms", 100}, {"jitter", 0.0}};
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    json batch = json::array();
    for (int i = 0; i < 5; ++i)
        batch.push_back(leadEvent("L-poison", i + 1));
    for (int i = 0; i < 50; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i % 10), i / 10 + 1));
    QCOMPARE_HTTP(f.publish(batch), 202);
    // The 50 healthy events all arrive while the poison entity keeps failing.
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 50, 10000);
    int poisonRequests = 0;
    std::set<std::string> poisonIds;
    for (const auto& r : f.sink.requests())
        if (r.body.find("\"L-poison\"") != std::string::npos) {
            ++poisonRequests;
            poisonIds.insert(r.headers.at("webhook-id"));
        }
    // Only the poison entity's first event is ever tried: one in flight per entity.
    QCOMPARE(poisonIds.size(), 1u);
    QCOMPARE(poisonIds.count(batch[0]["event_id"].get<std::string>()), 1u);
    QVERIFY(poisonRequests >= 1);
    const auto c = f.consumer("crm");
    QCOMPARE(c["lag"]["events"].get<int>(), 5);
    // Its head is either being retried or waiting for the next attempt.
    QCOMPARE(c["retrying"].get<int>() + c["in_flight"].get<int>(), 1);
}

// Property: whatever the interleaving of entities in the log and whichever
// attempts fail, each entity's versions are acknowledged in order, once each.
void DeliveryTest::orderingHoldsPerEntityUnderRandomFailures() {
    for (const std::uint32_t seed : {1u, 7u, 20261127u}) {
        DeliveryFixture f;
        std::mutex mutex;
        std::mt19937 sinkRng(seed);
        std::map<std::string, std::vector<int>> acknowledged; // entity -> versions, in order
        f.sink.setHandler([&](const SinkRequest& r) {
            std::lock_guard lock(mutex);
            SinkReply reply;
            if (std::uniform_int_distribution(0, 9)(sinkRng) < 3) {
                reply.status = 503; // 30 % of attempts fail
                return reply;
            }
            const auto body = json::parse(r.body);
            acknowledged[body["entity"]["id"]].push_back(body["entity"]["version"]);
            return reply;
        });
        auto spec = webhookConsumer("crm", f.sink.url());
        spec["retry"] = {{"max_attempts", 100}, {"base_ms", 1}, {"cap_ms", 5}, {"jitter", 0.5}};
        QCOMPARE_HTTP(f.createConsumer(spec), 201);

        std::mt19937 rng(seed);
        std::map<std::string, int> nextVersion;
        int published = 0;
        for (int request = 0; request < 20; ++request) {
            json batch = json::array();
            const int size = std::uniform_int_distribution(1, 15)(rng);
            for (int i = 0; i < size; ++i) {
                const std::string lead =
                    "L-" + std::to_string(std::uniform_int_distribution(0, 7)(rng));
                batch.push_back(leadEvent(lead, ++nextVersion[lead]));
            }
            published += size;
            QCOMPARE_HTTP(f.publish(batch), 202);
        }
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), published,
                                  20000);
        std::lock_guard lock(mutex);
        for (const auto& [lead, last] : nextVersion) {
            std::vector<int> expected(static_cast<std::size_t>(last));
            std::iota(expected.begin(), expected.end(), 1);
            QCOMPARE(acknowledged[lead], expected);
        }
    }
}

void DeliveryTest::poisonWithContinuePolicyMovesOn() {
    DeliveryFixture f;
    f.sink.setHandler([](const SinkRequest& r) {
        SinkReply reply;
        if (r.body.find("\"score\":13") != std::string::npos)
            reply.status = 500;
        return reply;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["retry"]["max_attempts"] = 3;
    spec["dead_letter"] = "continue";
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    QCOMPARE_HTTP(
        f.publish(json{leadEvent("L-1", 1, 13), leadEvent("L-1", 2, 20), leadEvent("L-1", 3, 30)}),
        202);
    // The poison event is dead-lettered after its three attempts; the entity goes on.
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 2, 5000);
    const auto c = f.consumer("crm");
    QCOMPARE(c["totals"]["dead_lettered"].get<int>(), 1);
    QCOMPARE(c["blocked_entities"].get<int>(), 0);
    const auto letters = parse(f.admin.get("/v1/dead-letters?consumer=crm"));
    QCOMPARE_JSON(letters["dead_letters"][0]["attempts"], 3);
    QCOMPARE_JSON(letters["dead_letters"][0]["class"], "server");
}

void DeliveryTest::blockPolicyHoldsTheEntityUntilDiscarded() {
    DeliveryFixture f;
    f.sink.setHandler([](const SinkRequest& r) {
        SinkReply reply;
        if (r.body.find("\"score\":13") != std::string::npos)
            reply.status = 400;
        return reply;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["dead_letter"] = "block";
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    json batch = {leadEvent("L-1", 1, 13), leadEvent("L-1", 2, 20), leadEvent("L-1", 3, 30),
                  leadEvent("L-2", 1, 40)};
    QCOMPARE_HTTP(f.publish(batch), 202);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 1, 5000);
    // L-1 is blocked behind its dead letter (the engine says so), so its v2
    // and v3 wait: only L-2 was delivered.
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["blocked_entities"].get<int>(), 1, 5000);
    QCOMPARE(f.consumer("crm")["totals"]["delivered"].get<int>(), 1);
    const auto stall = parse(f.admin.get("/v1/stall?entity=lead:L-1"));
    QCOMPARE_JSON(stall["state"], "dead-lettered");

    const auto id = parse(f.admin.get("/v1/dead-letters"))["dead_letters"][0]["id"].get<int>();
    // The finding names the letter to act on.
    QCOMPARE_JSON(stall["evidence"][0]["dead_letter_id"], id);
    QCOMPARE_HTTP(f.admin.postJson("/v1/dead-letters/discard", json{{"ids", {id}}}.dump()), 400);
    QCOMPARE_HTTP(f.admin.postJson("/v1/dead-letters/discard",
                                   json{{"ids", {id}}, {"reason", "test lead, ignore"}}.dump()),
                  200);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 3, 5000);
    // L-1 arrived in order: v2 before v3.
    std::vector<int> scores;
    for (const auto& r : f.sink.requests())
        if (r.body.find("\"L-1\"") != std::string::npos &&
            r.body.find("\"score\":13") == std::string::npos)
            scores.push_back(json::parse(r.body)["payload"]["score"].get<int>());
    QCOMPARE(scores, (std::vector<int>{20, 30}));
    QTRY_VERIFY_WITH_TIMEOUT(
        f.admin.get("/v1/audit").body.find("test lead, ignore") != std::string::npos, 5000);
}

void DeliveryTest::editAndReplayValidatesThePayload() {
    DeliveryFixture f;
    f.sink.setHandler([](const SinkRequest& r) {
        SinkReply reply;
        if (json::parse(r.body)["payload"]["score"].get<int>() > 90)
            reply.status = 422;
        return reply;
    });
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    QCOMPARE_HTTP(f.publish(leadEvent("L-1", 1, 99)), 202);
    json letters;
    QTRY_VERIFY_WITH_TIMEOUT(
        (letters = parse(f.admin.get("/v1/dead-letters")))["dead_letters"].size() == 1, 5000);
    const auto id = std::to_string(letters["dead_letters"][0]["id"].get<int>());
    // Not a valid LeadScored payload: refused with the schema's words.
    auto refused =
        f.admin.postJson("/v1/dead-letters/" + id + "/replay",
                         json{{"payload", {{"lead_id", "L-1"}, {"score", "high"}}}}.dump());
    QCOMPARE_HTTP(refused, 422);
    QVERIFY(refused.body.find("/payload/score") != std::string::npos);
    auto edited = json{{"lead_id", "L-1"}, {"score", 80}, {"model", "fit-v3"}};
    QCOMPARE_HTTP(
        f.admin.postJson("/v1/dead-letters/" + id + "/replay", json{{"payload", edited}}.dump()),
        200);
    QVERIFY(f.sink.waitForRequests(2, 5s));
    QCOMPARE_JSON(json::parse(f.sink.requests()[1].body)["payload"]["score"], 80);
    // The letter keeps its lineage: who replayed it, and with what payload.
    QTRY_COMPARE_WITH_TIMEOUT(parse(f.admin.get("/v1/dead-letters/" + id))
                                  .value(json::json_pointer("/edited_payload/score"), 0),
                              80, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(
        f.admin.get("/v1/audit").body.find("dlq.edit-replay") != std::string::npos, 5000);
}

void DeliveryTest::timeoutIsATransportFailure() {
    DeliveryFixture f;
    f.sink.setHandler([](const SinkRequest&) {
        SinkReply r;
        r.hang = true;
        return r;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["sink"]["timeout_ms"] = 200;
    spec["retry"]["max_attempts"] = 2;
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    QCOMPARE_HTTP(f.publish(leadEvent("L-1", 1)), 202);
    json letters;
    QTRY_VERIFY_WITH_TIMEOUT(
        (letters = parse(f.admin.get("/v1/dead-letters")))["dead_letters"].size() == 1, 5000);
    QCOMPARE_JSON(letters["dead_letters"][0]["class"], "transport");
    QCOMPARE_JSON(letters["dead_letters"][0]["attempts"], 2);
    QVERIFY(letters["dead_letters"][0]["error"].get<std::string>().find("200 ms") !=
            std::string::npos);
}

void DeliveryTest::refusedConnectionIsATransportFailure() {
    DeliveryFixture f;
    std::string closedUrl;
    {
        SinkServer gone;
        closedUrl = gone.url();
    } // nothing listens there any more
    auto spec = webhookConsumer("crm", closedUrl);
    spec["retry"]["max_attempts"] = 2;
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    QCOMPARE_HTTP(f.publish(leadEvent("L-1", 1)), 202);
    json letters;
    QTRY_VERIFY_WITH_TIMEOUT(
        (letters = parse(f.admin.get("/v1/dead-letters")))["dead_letters"].size() == 1, 5000);
    QCOMPARE_JSON(letters["dead_letters"][0]["class"], "transport");
    QVERIFY2(letters["dead_letters"][0]["error"].get<std::string>().find("refused") !=
                 std::string::npos,
             letters.dump().c_str());
}

// On a fake clock: 20 per second with a burst of two. While the clock stands
// still exactly the burst goes out; then one more each time 50 ms have
// passed, not a millisecond before; and a long pause refills no more than
// the burst.
void DeliveryTest::rateLimitSpacesDeliveries() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["rate_limit"] = {{"per_second", 20}, {"burst", 2}};
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    json batch = json::array();
    for (int i = 0; i < 7; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), 1));
    QCOMPARE_HTTP(f.publish(batch), 202);
    // Seven entities are ready at once and nothing else holds them back.
    json c;
    QTRY_VERIFY_WITH_TIMEOUT((c = f.consumer("crm"))["totals"]["delivered"].get<int>() >= 2, 5000);
    QCOMPARE(attemptsStarted(c), 2);
    QCOMPARE(c["lag"]["events"].get<int>(), 5);
    QCOMPARE(f.sink.requestCount(), 2u);

    std::chrono::milliseconds elapsed{0};
    for (int sent = 2; sent < 4; ++sent) {
        clock.advance(49ms);
        elapsed += 49ms;
        const json held = f.consumerSeenAt("crm", elapsed);
        QVERIFY2(!held.is_null(), "no snapshot saw the clock 49 ms on with events pending");
        QCOMPARE(attemptsStarted(held), sent);
        clock.advance(1ms);
        elapsed += 1ms;
        QVERIFY(f.sink.waitForRequests(sent + 1, 5s));
    }
    // A second without sending: two tokens, not twenty.
    clock.advance(1000ms);
    elapsed += 1000ms;
    QVERIFY(f.sink.waitForRequests(6, 5s));
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 6, 5000);
    const json capped = f.consumerSeenAt("crm", elapsed);
    QVERIFY2(!capped.is_null(), "no snapshot saw the clock after the pause with an event pending");
    QCOMPARE(attemptsStarted(capped), 6);
    QCOMPARE(f.sink.requestCount(), 6u);
    clock.advance(50ms);
    QVERIFY(f.sink.waitForRequests(7, 5s));
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 7, 5000);
}

// On a fake clock: one probe goes out each time open_ms has passed, not a
// millisecond before, and none of the failures uses up an attempt.
void DeliveryTest::circuitOpensAndEverythingArrivesAfterwards() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    std::atomic<bool> down{true};
    f.sink.setHandler([&](const SinkRequest&) {
        SinkReply r;
        if (down)
            r.status = 502;
        return r;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["retry"] = {{"max_attempts", 3}, {"base_ms", 10}, {"cap_ms", 20}, {"jitter", 0.0}};
    spec["circuit_breaker"] = {{"failure_ratio", 0.5},
                               {"min_requests", 5},
                               {"window_s", 10},
                               {"open_ms", 300},
                               {"half_open_probes", 1}};
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    json batch = json::array();
    for (int i = 0; i < 40; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), 1));
    QCOMPARE_HTTP(f.publish(batch), 202);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["circuit"]["state"].get<std::string>(),
                              std::string("open"), 5000);
    // Answers to requests already sent still land; then nothing goes out.
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["in_flight"].get<int>(), 0, 5000);
    std::size_t sent = f.sink.requestCount();
    int elapsed = 0;
    for (int probe = 0; probe < 3; ++probe) {
        clock.advance(299ms);
        elapsed += 299;
        QTRY_VERIFY_WITH_TIMEOUT(f.consumer("crm")["lag"]["oldest_age_ms"].get<int>() >= elapsed,
                                 5000);
        QCOMPARE(f.sink.requestCount(), sent); // still open
        clock.advance(1ms);
        elapsed += 1;
        QVERIFY(f.sink.waitForRequests(sent + 1, 5s)); // one probe
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["circuit"]["state"].get<std::string>(),
                                  std::string("open"), 5000);
        QCOMPARE(f.sink.requestCount(), sent + 1); // and only one
        ++sent;
    }
    QCOMPARE(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 0);
    const auto stall = parse(f.admin.get("/v1/stall?entity=lead:L-39"));
    QCOMPARE_JSON(stall["state"], "circuit-open");
    down = false;
    clock.advance(300ms);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 40, 10000);
    QCOMPARE(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 0);
    QCOMPARE_JSON(f.consumer("crm")["circuit"]["state"], "closed");
}

// On a fake clock: the gap timeout is the clock's, so the test says exactly
// when a held version may go and checks it has not gone a millisecond before.
void DeliveryTest::versionGateSkipsStaleAndWaitsForGaps() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["gap_timeout_ms"] = 300;
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    QCOMPARE_HTTP(f.publish(leadEvent("L-1", 2)), 202);
    QVERIFY(f.sink.waitForRequests(1, 5s));
    // Version 1 comes after version 2 was delivered: stale, skipped and recorded.
    const auto stale = leadEvent("L-1", 1);
    QCOMPARE_HTTP(f.publish(stale), 202);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["stale_skipped"].get<int>(), 1, 5000);
    QCOMPARE(f.sink.requestCount(), 1u);
    const auto stall = parse(f.admin.get("/v1/stall?correlation_id=journey-L-1"));
    QVERIFY2(stall.dump().find("\"stale\"") != std::string::npos, stall.dump().c_str());

    // Version 4 while 3 is missing: held for the gap timeout, then delivered.
    QCOMPARE_HTTP(f.publish(leadEvent("L-1", 4)), 202);
    const auto state = [&] {
        return parse(f.admin.get("/v1/stall?entity=lead:L-1"))["state"].get<std::string>();
    };
    QTRY_COMPARE_WITH_TIMEOUT(state(), std::string("waiting-for-predecessor"), 5000);
    clock.advance(299ms);
    // A snapshot that has seen the new time comes from a tick that looked
    // at the held version with it first.
    QTRY_VERIFY_WITH_TIMEOUT(f.consumer("crm")["lag"]["oldest_age_ms"].get<int>() >= 299, 5000);
    QCOMPARE(state(), std::string("waiting-for-predecessor"));
    QCOMPARE(f.sink.requestCount(), 1u);
    clock.advance(1ms);
    QVERIFY(f.sink.waitForRequests(2, 5s));
    QCOMPARE_JSON(json::parse(f.sink.requests()[1].body)["entity"]["version"], 4);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["gaps_waited"].get<int>(), 1, 5000);

    // Versions 6 and 5 in one batch (6 first in the log): 5 goes first, at
    // once: the clock does not move.
    QCOMPARE_HTTP(f.publish(json{leadEvent("L-1", 6), leadEvent("L-1", 5)}), 202);
    QVERIFY(f.sink.waitForRequests(4, 5s));
    QCOMPARE_JSON(json::parse(f.sink.requests()[2].body)["entity"]["version"], 5);
    QCOMPARE_JSON(json::parse(f.sink.requests()[3].body)["entity"]["version"], 6);
}

// On a fake clock that stands still: a version whose predecessor the filter
// took out follows at once, with no gap to wait out, while a version whose
// predecessor never came is held for the whole gap_timeout (60 s), not a
// millisecond less.
void DeliveryTest::versionGateDoesNotWaitForVersionsItFiltersOut() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["gap_timeout_ms"] = 60'000;
    spec["filter"]["where"] = {{{"field", "/payload/score"}, {"op", ">="}, {"value", 50}}};
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    // L-1: version 2 does not pass the filter, so version 3 follows version 1.
    // L-2: version 2 was never published, so version 3 waits for it.
    const json filtered = {leadEvent("L-1", 1, 60), leadEvent("L-1", 2, 10),
                           leadEvent("L-1", 3, 70)};
    const json gap = {leadEvent("L-2", 1, 60), leadEvent("L-2", 3, 70)};
    QCOMPARE_HTTP(f.publish(json{filtered[0], filtered[1], filtered[2], gap[0], gap[1]}), 202);
    QVERIFY(f.sink.waitForRequests(3, 5s));
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 3, 5000);
    const auto l1 = [&](int i) {
        return f.received(filtered[i]["event_id"]).size();
    };
    QCOMPARE(l1(0), 1u);
    QCOMPARE(l1(1), 0u);
    QCOMPARE(l1(2), 1u);
    QCOMPARE(f.received(gap[0]["event_id"]).size(), 1u);
    QCOMPARE(f.received(gap[1]["event_id"]).size(), 0u);
    QCOMPARE(f.consumer("crm")["totals"]["gaps_waited"].get<int>(), 0);
    const auto stall = parse(f.admin.get("/v1/stall?entity=lead:L-1"));
    QCOMPARE_JSON(stall["state"], "delivered");
    QVERIFY(stall["answer"].get<std::string>().find("Nothing is stuck") != std::string::npos);
    const auto state = [&](const std::string& entity) {
        return parse(f.admin.get("/v1/stall?entity=" + entity))["state"].get<std::string>();
    };
    QCOMPARE(state("lead:L-2"), std::string("waiting-for-predecessor"));

    // The real gap is held to the millisecond.
    clock.advance(59'999ms);
    const json held = f.consumerSeenAt("crm", 59'999ms);
    QVERIFY2(!held.is_null(), "no snapshot saw the clock at 59.999 s with L-2 v3 pending");
    QCOMPARE(attemptsStarted(held), 3);
    QCOMPARE(held["lag"]["events"].get<int>(), 1);
    QCOMPARE(held["totals"]["gaps_waited"].get<int>(), 0);
    QCOMPARE(state("lead:L-2"), std::string("waiting-for-predecessor"));
    QCOMPARE(f.sink.requestCount(), 3u);
    clock.advance(1ms);
    QVERIFY(f.sink.waitForRequests(4, 5s));
    QCOMPARE(f.received(gap[1]["event_id"]).size(), 1u);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["gaps_waited"].get<int>(), 1, 5000);
    QCOMPARE(f.sink.requestCount(), 4u);
}

void DeliveryTest::replayFromSeqKeepsEventIds() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    json batch = json::array();
    for (int i = 0; i < 10; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), 1, i * 10));
    QCOMPARE_HTTP(f.publish(batch), 202);
    QVERIFY(f.sink.waitForRequests(10, 5s));
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["ack_floor"].get<int>(), 10, 5000);

    const json request = {
        {"from_seq", 1},
        {"filter", {{"where", {{{"field", "/payload/score"}, {"op", ">="}, {"value", 50}}}}}},
        {"dry_run", true}};
    auto dry = f.admin.postJson("/v1/consumers/crm/replay", request.dump());
    QCOMPARE_HTTP(dry, 200);
    QCOMPARE_JSON(parse(dry)["consumers"][0]["events"], 5);
    QCOMPARE_JSON(parse(dry)["consumers"][0]["already_delivered"], 5);
    QCOMPARE_JSON(f.consumer("crm")["totals"]["replayed"], 0); // a dry run queues nothing

    const auto floorBefore = f.consumer("crm")["ack_floor"].get<std::int64_t>();
    json real = request;
    real["dry_run"] = false;
    real["rate_per_second"] = 1000;
    QCOMPARE_HTTP(f.admin.postJson("/v1/consumers/crm/replay", real.dump()), 202);
    QVERIFY(f.sink.waitForRequests(15, 5s));
    // Exactly the five, and the consumer's own progress did not move.
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["replayed"].get<int>(), 5, 5000);
    QCOMPARE(f.sink.requestCount(), 15u);
    QCOMPARE(f.consumer("crm")["ack_floor"].get<std::int64_t>(), floorBefore);
    std::set<std::string> original;
    for (const auto& e : batch)
        original.insert(e["event_id"]);
    for (std::size_t i = 10; i < 15; ++i) {
        const auto r = f.sink.requests()[i];
        QVERIFY(original.count(r.headers.at("webhook-id")));
        QVERIFY(json::parse(r.body)["payload"]["score"].get<int>() >= 50);
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        f.admin.get("/v1/audit").body.find("consumer.replay") != std::string::npos, 5000);
}

void DeliveryTest::restartRedeliversOnlyWhatWasNotAcked() {
    QTemporaryDir dir;
    SinkServer sink;
    std::atomic<bool> up{true};
    sink.setHandler([&](const SinkRequest&) {
        SinkReply r;
        if (!up)
            r.status = 503;
        return r;
    });
    BrokerConfig config;
    config.dataDir = dir.path().toStdString();
    config.listen = {"127.0.0.1", 0};
    config.catalogDir = catalogDir().toStdString();
    auto spec = parseConsumerSpec(webhookConsumer("crm", sink.url()).dump());
    QVERIFY(spec.spec);
    config.consumers.push_back(*spec.spec);

    std::string token;
    json first = json::array(), second = json::array();
    for (int i = 0; i < 10; ++i)
        first.push_back(leadEvent("L-" + std::to_string(i), 1));
    for (int i = 0; i < 10; ++i)
        second.push_back(leadEvent("M-" + std::to_string(i), 1));
    {
        Broker broker(config);
        broker.start();
        token = *broker.initialAdminToken();
        MeshClient client(broker.url(), token);
        QCOMPARE_HTTP(client.postJson("/v1/events", first.dump()), 202);
        QVERIFY(sink.waitForRequests(10, 5s));
        QTRY_COMPARE_WITH_TIMEOUT(parse(client.get("/v1/consumers/crm"))["ack_floor"].get<int>(),
                                  10, 5000);
        up = false;
        QCOMPARE_HTTP(client.postJson("/v1/events", second.dump()), 202);
        QTRY_VERIFY_WITH_TIMEOUT(sink.requestCount() >= 20, 5000);
        broker.stop();
    }
    sink.clear();
    up = true;
    Broker broker(config);
    broker.start();
    MeshClient client(broker.url(), token);
    QTRY_COMPARE_WITH_TIMEOUT(
        parse(client.get("/v1/consumers/crm"))["totals"]["delivered"].get<int>(), 10, 10000);
    std::set<std::string> expected, got;
    for (const auto& e : second)
        expected.insert(e["event_id"]);
    for (const auto& r : sink.requests())
        got.insert(r.headers.at("webhook-id"));
    QCOMPARE(got, expected); // the acknowledged first ten are not sent again
    broker.stop();
}

void DeliveryTest::traceAndStallExplainADeadLetter() {
    DeliveryFixture f;
    f.sink.setHandler([](const SinkRequest&) {
        SinkReply r;
        r.status = 400;
        r.body = "missing owner";
        return r;
    });
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    auto root = leadEvent("L-7", 1, 50, "journey-7");
    auto caused = leadEvent("L-8", 1, 60, "journey-7");
    caused["causation_id"] = root["event_id"];
    QCOMPARE_HTTP(f.publish(json{root, caused}), 202);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 2, 5000);

    json trace;
    QTRY_VERIFY_WITH_TIMEOUT((trace = parse(f.admin.get("/v1/traces/journey-7")))
                                     .value("timeline", json::array())
                                     .size() >= 6,
                             5000);
    std::vector<std::string> kinds;
    for (const auto& row : trace["timeline"])
        kinds.push_back(row["kind"]);
    QCOMPARE_JSON(kinds.front(), "event");
    QVERIFY(std::count(kinds.begin(), kinds.end(), "attempt") == 2);
    QVERIFY(std::count(kinds.begin(), kinds.end(), "dead-letter") == 2);
    QCOMPARE(trace["causation"].size(), 1u);
    QCOMPARE_JSON(trace["causation"][0]["event_id"], root["event_id"]);
    QCOMPARE_JSON(trace["causation"][0]["caused"][0]["event_id"], caused["event_id"]);
    // The caused event is an outcome of the root: its latency is counted by type.
    QTRY_COMPARE_WITH_TIMEOUT(
        parse(f.admin.get("/v1/consumers")).value(json::json_pointer("/outcome_events/0/count"), 0),
        1, 5000);

    const auto stall = parse(f.admin.get("/v1/stall?correlation_id=journey-7"));
    QCOMPARE_JSON(stall["state"], "dead-lettered");
    QVERIFY2(stall["answer"].get<std::string>().find("missing owner") != std::string::npos,
             stall.dump().c_str());
    const auto unknown = parse(f.admin.get("/v1/stall?correlation_id=never-sent"));
    QCOMPARE_JSON(unknown["state"], "unknown");

    // Rejected at ingest: the quarantine answers.
    auto broken = leadEvent("L-9", 1, 50, "journey-broken");
    broken["payload"]["score"] = "high";
    QCOMPARE_HTTP(f.publish(broken), 422);
    // (the quarantine row is written after the answer, so ask until it is there)
    QTRY_COMPARE_WITH_TIMEOUT(
        parse(f.admin.get("/v1/stall?correlation_id=journey-broken"))["state"].get<std::string>(),
        std::string("rejected"), 5000);
}

void DeliveryTest::metricsAndHistory() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    QCOMPARE_HTTP(f.publish(leadEvent("L-1", 1)), 202);
    QVERIFY(f.sink.waitForRequests(1, 5s));
    QTRY_VERIFY_WITH_TIMEOUT(
        f.admin.get("/metrics")
                .body.find("meshdeck_consumer_delivered_total{consumer=\"crm\"} 1") !=
            std::string::npos,
        5000);
    const auto metrics = f.admin.get("/metrics").body;
    for (const char* name :
         {"meshdeck_consumer_lag_events", "meshdeck_consumer_lag_seconds",
          "meshdeck_consumer_in_flight", "meshdeck_consumer_circuit_open",
          "meshdeck_consumer_dead_lettered_total", "meshdeck_consumer_delivery_latency_ms_bucket"})
        QVERIFY2(metrics.find(name) != std::string::npos, name);
    // Latency has real buckets, not only +Inf, so quantiles mean something.
    QVERIFY(metrics.find(
                "meshdeck_consumer_delivery_latency_ms_bucket{consumer=\"crm\",le=\"1000\"} 1") !=
            std::string::npos);
    QVERIFY(f.consumer("crm")["delivery_latency"]["p99_ms"].get<double>() < 1000);
    const auto history = f.admin.get("/v1/consumers/crm/history?minutes=60");
    QCOMPARE_HTTP(history, 200);
    QCOMPARE_JSON(parse(history)["consumer"], "crm");
    QCOMPARE_HTTP(f.admin.get("/v1/consumers/crm/history?minutes=0"), 400);
}

void DeliveryTest::flowsCountEachEdge() {
    DeliveryFixture f;
    // Every other request fails with a 503 until it is retried.
    std::atomic<int> requests{0};
    f.sink.setHandler([&](const SinkRequest&) {
        return SinkReply{++requests % 2 == 1 ? 503 : 200, {}, {}, {}};
    });
    auto consumer = webhookConsumer("crm", f.sink.url());
    consumer["filter"]["tenant"] = "acme";
    QCOMPARE_HTTP(f.createConsumer(consumer), 201);
    json batch = json::array();
    for (int i = 0; i < 3; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), 1));
    auto other = leadEvent("L-9", 1);
    other["producer"] = "scoring-batch";
    batch.push_back(other);
    QCOMPARE_HTTP(f.publish(batch), 202);
    auto invalid = leadEvent("L-10", 1);
    invalid["payload"]["score"] = "high";
    QCOMPARE_HTTP(f.publish(invalid), 422);
    QVERIFY(f.sink.waitForRequests(8, 5s));

    json flows;
    QTRY_VERIFY_WITH_TIMEOUT(
        (flows = parse(f.admin.get("/v1/flows")),
         !flows["consumers"].empty() && flows["consumers"][0]["delivered"].get<int>() == 4),
        5000);
    std::map<std::string, json> producers;
    for (const auto& e : flows["producers"])
        producers[e["producer"].get<std::string>()] = e;
    QCOMPARE(producers.size(), std::size_t(2));
    QCOMPARE_JSON(producers["enrichment-service"]["type"], "LeadScored");
    QCOMPARE_JSON(producers["enrichment-service"]["tenant"], "acme");
    QCOMPARE_JSON(producers["enrichment-service"]["published"], 3);
    QCOMPARE_JSON(producers["enrichment-service"]["rejected"], 1);
    QCOMPARE_JSON(producers["scoring-batch"]["published"], 1);
    QVERIFY(producers["enrichment-service"]["published_per_s"].get<double>() > 0);

    const json edge = flows["consumers"][0];
    QCOMPARE_JSON(edge["consumer"], "crm");
    QCOMPARE_JSON(edge["type"], "LeadScored");
    QCOMPARE_JSON(edge["failed"], 4);
    QCOMPARE_JSON(edge["dead_lettered"], 0);
    QCOMPARE(edge["error_ratio"].get<double>(), 0.5);
    QVERIFY(edge["last_error"].get<std::string>().find("503") != std::string::npos);

    // Another tenant's token sees none of it.
    const auto stranger =
        parse(f.broker.client(f.broker.token(Role::Viewer, "globex")).get("/v1/flows"));
    QVERIFY(stranger["producers"].empty());
    QVERIFY(stranger["consumers"].empty());
}

// On a fake clock: a 429 with Retry-After for one entity holds every entity
// of that endpoint: nothing goes to the sink until the second has passed,
// then everything does.
void DeliveryTest::throttlingHoldsTheWholeEndpoint() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    std::atomic<int> calls{0};
    f.sink.setHandler([&](const SinkRequest&) {
        SinkReply r;
        if (++calls == 1) {
            r.status = 429;
            r.headers.emplace_back("retry-after", "1");
        }
        return r;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["max_concurrency"] = 1; // the first request is alone when it is throttled
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    json batch = json::array();
    for (int i = 0; i < 6; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), std::nullopt));
    QCOMPARE_HTTP(f.publish(batch), 202);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["throttled"].get<int>(), 1, 5000);
    // Five other entities are ready and a request slot is free: none goes.
    clock.advance(999ms);
    const json held = f.consumerSeenAt("crm", 999ms);
    QVERIFY2(!held.is_null(), "no snapshot saw the clock at 999 ms with events pending");
    QCOMPARE(attemptsStarted(held), 1);
    QCOMPARE(held["lag"]["events"].get<int>(), 6);
    QCOMPARE(f.sink.requestCount(), 1u);
    clock.advance(1ms);
    QVERIFY(f.sink.waitForRequests(7, 5s)); // 6 events, one of them twice
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 6, 5000);
    QCOMPARE(f.consumer("crm")["totals"]["throttled"].get<int>(), 1);
}

// On a fake clock: retry.max_age_s dead-letters an event that keeps failing
// once its first attempt is that old, whatever attempts are left. With
// retries 500 ms apart, the failure at 500 ms is retried and the one at
// 1 s (max_age_s) is the last.
void DeliveryTest::retryMaxAgeDeadLettersAnOldFailure() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    f.sink.setHandler([](const SinkRequest&) { return SinkReply{500}; });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["retry"] = {{"max_attempts", 1000},
                     {"max_age_s", 1},
                     {"base_ms", 500},
                     {"cap_ms", 500},
                     {"jitter", 0.0}};
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    const auto event = leadEvent("L-old", std::nullopt);
    QCOMPARE_HTTP(f.publish(event), 202);
    const auto failed = [&] {
        return f.consumer("crm")["totals"]["failed_attempts"].get<int>();
    };
    QTRY_COMPARE_WITH_TIMEOUT(failed(), 1, 5000);
    clock.advance(500ms);
    QTRY_COMPARE_WITH_TIMEOUT(failed(), 2, 5000);
    clock.advance(499ms);
    const json young = f.consumerSeenAt("crm", 999ms);
    QVERIFY2(!young.is_null(), "no snapshot saw the clock at 999 ms with the event pending");
    QCOMPARE(attemptsStarted(young), 2);
    QCOMPARE(young["retrying"].get<int>(), 1);
    QCOMPARE(young["totals"]["dead_lettered"].get<int>(), 0);
    clock.advance(1ms);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["dead_lettered"].get<int>(), 1, 5000);
    const json old = f.consumer("crm");
    QCOMPARE(old["totals"]["failed_attempts"].get<int>(), 3);
    QCOMPARE(old["retrying"].get<int>(), 0);
    QCOMPARE(f.received(event["event_id"]).size(), 3u);
    const auto letters = parse(f.admin.get("/v1/dead-letters?consumer=crm"));
    QCOMPARE(letters["dead_letters"].size(), 1u);
    QCOMPARE_JSON(letters["dead_letters"][0]["attempts"], 3);
    QCOMPARE_JSON(letters["dead_letters"][0]["class"], "server");
}

// max_pending: events held in memory; the rest wait in the log. A sink that
// never answers gets exactly max_pending requests, and the engine says the
// next event is still in the log.
void DeliveryTest::maxPendingLeavesTheRestInTheLog() {
    DeliveryFixture f;
    f.sink.setHandler([](const SinkRequest&) {
        SinkReply r;
        r.hang = true;
        return r;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["ordering"] = "none";
    spec["max_concurrency"] = 50;
    spec["max_pending"] = 10;
    spec["sink"]["timeout_ms"] = 60000;
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    json batch = json::array();
    for (int i = 0; i < 30; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), std::nullopt, i, "journey-pending"));
    QCOMPARE_HTTP(f.publish(batch), 202);
    QVERIFY(f.sink.waitForRequests(10, 5s));
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["in_flight"].get<int>(), 10, 5000);
    const auto stall = parse(f.admin.get("/v1/stall?entity=lead:L-29"));
    QVERIFY2(stall.dump().find("behind the log") != std::string::npos, stall.dump().c_str());
    QCOMPARE(f.sink.requestCount(), 10u);
    f.sink.stop(); // the hanging requests end here, with the test
}

// Consumers declared in the config file belong to the file: the API refuses
// to change or delete them, and says where to do it.
void DeliveryTest::configConsumersCannotBeChangedThroughTheApi() {
    SinkServer sink;
    BrokerConfig config;
    auto parsed = parseConsumerSpec(webhookConsumer("from-file", sink.url()).dump());
    QVERIFY(parsed.spec);
    parsed.spec->source = "config";
    config.consumers.push_back(*parsed.spec);
    TestBroker broker(config);
    auto admin = broker.client(broker.adminToken);
    const auto put = admin.request("PUT", "/v1/consumers/from-file",
                                   webhookConsumer("from-file", sink.url()).dump(),
                                   {{"content-type", "application/json"}});
    QCOMPARE_HTTP(put, 409);
    QVERIFY2(put.body.find("config file") != std::string::npos, put.body.c_str());
    const auto del = admin.request("DELETE", "/v1/consumers/from-file");
    QCOMPARE_HTTP(del, 409);
    QVERIFY2(del.body.find("config file") != std::string::npos, del.body.c_str());
    QCOMPARE_HTTP(admin.get("/v1/consumers/from-file"), 200);
}

// POST /v1/replay sends again to several consumers at once, each from the
// same point, and moves neither one's progress.
void DeliveryTest::replayAcrossConsumers() {
    DeliveryFixture f;
    SinkServer second;
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("warehouse", second.url())), 201);
    json batch = json::array();
    for (int i = 0; i < 4; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), std::nullopt));
    QCOMPARE_HTTP(f.publish(batch), 202);
    QVERIFY(f.sink.waitForRequests(4, 5s));
    QVERIFY(second.waitForRequests(4, 5s));
    // Both have settled the four (a fresh log: seqs 1 to 4).
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["ack_floor"].get<int>(), 4, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("warehouse")["ack_floor"].get<int>(), 4, 5000);
    const auto floors = std::pair{f.consumer("crm")["ack_floor"].get<std::int64_t>(),
                                  f.consumer("warehouse")["ack_floor"].get<std::int64_t>()};
    const json request = {{"consumers", {"crm", "warehouse"}}, {"from_seq", 1}};
    const auto r = f.admin.postJson("/v1/replay", request.dump());
    QCOMPARE_HTTP(r, 202);
    QCOMPARE(parse(r)["consumers"].size(), 2u);
    QVERIFY(f.sink.waitForRequests(8, 5s));
    QVERIFY(second.waitForRequests(8, 5s));
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["replayed"].get<int>(), 4, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("warehouse")["totals"]["replayed"].get<int>(), 4, 5000);
    QCOMPARE(f.sink.requestCount(), 8u);
    QCOMPARE(second.requestCount(), 8u);
    QCOMPARE(f.consumer("crm")["ack_floor"].get<std::int64_t>(), floors.first);
    QCOMPARE(f.consumer("warehouse")["ack_floor"].get<std::int64_t>(), floors.second);
}

// On a fake clock: while the circuit is open nothing is sent and nothing is
// dead-lettered, however long the outage. Each time open_ms has passed, not a
// millisecond before, one probe tests the endpoint; a failed probe opens the
// circuit again and uses up none of the event's attempts, so every probe
// goes out as attempt 2 of 2.
void DeliveryTest::probesUseUpNoAttempts() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    std::atomic<bool> down{true};
    f.sink.setHandler([&](const SinkRequest&) { return SinkReply{down ? 503 : 200}; });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["retry"] = {{"max_attempts", 2}, {"base_ms", 10}, {"cap_ms", 10}, {"jitter", 0.0}};
    spec["circuit_breaker"] = {{"failure_ratio", 0.5},
                               {"min_requests", 1},
                               {"window_s", 10},
                               {"open_ms", 100},
                               {"half_open_probes", 1}};
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    const auto event = leadEvent("L-outage", std::nullopt);
    QCOMPARE_HTTP(f.publish(event), 202);
    // The first failure opens the circuit; its retry (due 10 ms on) waits
    // for the circuit.
    json c;
    QTRY_VERIFY_WITH_TIMEOUT((c = f.consumer("crm"))["totals"]["failed_attempts"].get<int>() >= 1,
                             5000);
    QCOMPARE(c["totals"]["failed_attempts"].get<int>(), 1);
    QCOMPARE_JSON(c["circuit"]["state"], "open");
    QCOMPARE(c["in_flight"].get<int>(), 0);
    // Six probes fail, three times the two attempts the event has.
    std::chrono::milliseconds elapsed{0};
    for (int probe = 1; probe <= 6; ++probe) {
        clock.advance(99ms);
        elapsed += 99ms;
        const json held = f.consumerSeenAt("crm", elapsed);
        QVERIFY2(!held.is_null(), "no snapshot saw the clock 99 ms into the open circuit");
        QCOMPARE(attemptsStarted(held), probe);
        QCOMPARE_JSON(held["circuit"]["state"], "open");
        QCOMPARE(held["totals"]["dead_lettered"].get<int>(), 0);
        QCOMPARE(f.sink.requestCount(), std::size_t(probe));
        clock.advance(1ms);
        elapsed += 1ms;
        QVERIFY(f.sink.waitForRequests(probe + 1, 5s));
        // The probe's failure is taken and the circuit open again before
        // the clock moves on.
        QTRY_VERIFY_WITH_TIMEOUT(
            (c = f.consumer("crm"))["totals"]["failed_attempts"].get<int>() >= probe + 1, 5000);
        QCOMPARE(c["totals"]["failed_attempts"].get<int>(), probe + 1);
        QCOMPARE(c["in_flight"].get<int>(), 0);
        QCOMPARE_JSON(c["circuit"]["state"], "open");
        QCOMPARE(c["totals"]["dead_lettered"].get<int>(), 0);
        QCOMPARE(f.sink.requestCount(), std::size_t(probe + 1)); // one probe, not two
    }
    const auto got = f.received(event["event_id"]);
    QCOMPARE(got.size(), 7u);
    QCOMPARE_JSON(got[0].headers.at("x-meshdeck-attempt"), "1");
    for (std::size_t i = 1; i < got.size(); ++i)
        QCOMPARE_JSON(got[i].headers.at("x-meshdeck-attempt"), "2");
    // The endpoint is back: the next probe delivers and closes the circuit.
    down = false;
    clock.advance(100ms);
    QVERIFY(f.sink.waitForRequests(8, 5s));
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 1, 5000);
    c = f.consumer("crm");
    QCOMPARE(c["totals"]["failed_attempts"].get<int>(), 7);
    QCOMPARE(c["totals"]["dead_lettered"].get<int>(), 0);
    QCOMPARE_JSON(c["circuit"]["state"], "closed");
    QCOMPARE(f.sink.requestCount(), 8u);
}

// Retention by size deletes what every consumer has settled, and never an
// event a consumer has not: a paused consumer holds its events in the log.
void DeliveryTest::retentionKeepsWhatAConsumerHasNotSettled() {
    SinkServer sink;
    BrokerConfig config;
    config.retentionMaxBytes = 1; // everything that may go, goes
    TestBroker broker(config);
    auto admin = broker.client(broker.adminToken);
    QCOMPARE_HTTP(admin.postJson("/v1/consumers", webhookConsumer("crm", sink.url()).dump()), 201);
    json first = json::array();
    for (int i = 0; i < 5; ++i)
        first.push_back(leadEvent("L-kept-" + std::to_string(i), std::nullopt));
    QCOMPARE_HTTP(admin.postJson("/v1/events", first.dump()), 202);
    QTRY_COMPARE_WITH_TIMEOUT(parse(admin.get("/v1/consumers/crm"))["ack_floor"].get<int>(), 5,
                              5000);
    QCOMPARE_HTTP(admin.postJson("/v1/consumers/crm/pause", ""), 200);
    json held = json::array();
    for (int i = 0; i < 5; ++i)
        held.push_back(leadEvent("L-held-" + std::to_string(i), std::nullopt));
    QCOMPARE_HTTP(admin.postJson("/v1/events", held.dump()), 202);

    const auto result = broker.core().applyRetention();
    QCOMPARE(result.deleted, 5);  // the settled five
    QCOMPARE(result.firstSeq, 6); // the held five stay
    for (const auto& e : held)
        QCOMPARE_HTTP(admin.get("/v1/events/" + e["event_id"].get<std::string>()), 200);
    QCOMPARE_HTTP(admin.get("/v1/events/" + first[0]["event_id"].get<std::string>()), 404);
    // And they still reach the consumer once it goes on.
    QCOMPARE_HTTP(admin.postJson("/v1/consumers/crm/resume", ""), 200);
    QVERIFY(sink.waitForRequests(10, 5s));
}

// redact_pii and mapping shape only what one consumer receives: the fields the
// schema marks x-pii arrive as "[redacted]", a mapping sends just its fields,
// the signature covers the body as sent, and the log and other consumers
// keep the producer's payload.
void DeliveryTest::redactsPiiAndMapsOnTheWayOut() {
    DeliveryFixture f;
    const std::string secret = "whsec_bWVzaGRlY2stb3V0Ym91bmQta2V5LTAxMjM0NTY3ODlhYg==";
    const auto consumerFor = [&](const std::string& name) {
        auto spec = webhookConsumer(name, f.sink.url("/" + name));
        spec["filter"]["event_types"] = {"LeadCreated"};
        spec["sink"]["secret"] = secret;
        return spec;
    };
    auto redacted = consumerFor("redacted");
    redacted["redact_pii"] = true;
    auto mapped = consumerFor("mapped");
    mapped["redact_pii"] = true;
    mapped["mapping"] = {{"lead", "/payload/lead_id"},
                         {"email", "/payload/email"},
                         {"company", "/payload/company"},
                         {"id", "/event_id"},
                         {"version", "/entity/version"}};
    QCOMPARE_HTTP(f.createConsumer(redacted), 201);
    QCOMPARE_HTTP(f.createConsumer(mapped), 201);
    QCOMPARE_HTTP(f.createConsumer(consumerFor("plain")), 201);

    json event = leadEvent("L-77", 4);
    event["event_type"] = "LeadCreated";
    const json payload = {{"lead_id", "L-77"},        {"email", "ada@example.com"},
                          {"first_name", "Ada"},      {"last_name", "Lovelace"},
                          {"phone", "+441234567890"}, {"company", "Analytical Engines"}};
    event["payload"] = payload;
    QCOMPARE_HTTP(f.publish(event), 202);
    QVERIFY(f.sink.waitForRequests(3, 10s));

    std::map<std::string, SinkRequest> byTarget;
    for (const auto& r : f.sink.requests())
        byTarget[r.target] = r;
    QCOMPARE(byTarget.size(), 3u);
    for (const auto& [target, r] : byTarget) {
        const auto ts = std::stoll(r.headers.at("webhook-timestamp"));
        QCOMPARE(r.headers.at("webhook-signature"),
                 delivery::standardWebhookSignature(secret, event["event_id"].get<std::string>(),
                                                    ts, r.body));
        QVERIFY2(r.body.find("ada@example.com") == std::string::npos || target == "/plain",
                 (target + " received the email: " + r.body).c_str());
    }

    const json whole = json::parse(byTarget.at("/redacted").body);
    QCOMPARE_JSON(whole["event_id"], event["event_id"]);
    QCOMPARE_JSON(whole["payload"], (json{{"lead_id", "L-77"},
                                          {"email", "[redacted]"},
                                          {"first_name", "[redacted]"},
                                          {"last_name", "[redacted]"},
                                          {"phone", "[redacted]"},
                                          {"company", "Analytical Engines"}}));

    QCOMPARE_JSON(json::parse(byTarget.at("/mapped").body), (json{{"lead", "L-77"},
                                                                  {"email", "[redacted]"},
                                                                  {"company", "Analytical Engines"},
                                                                  {"id", event["event_id"]},
                                                                  {"version", 4}}));

    QCOMPARE_JSON(json::parse(byTarget.at("/plain").body)["payload"], payload);
    const json stored = parse(f.admin.get("/v1/events/" + event["event_id"].get<std::string>()));
    QCOMPARE_JSON(stored["payload"], payload);
}

// A consumer with "format": "cloudevents" receives each event as a structured
// CloudEvent that meshdeck's own ingestion reads back as the published event,
// signed over the body as it arrived.
void DeliveryTest::sendsStructuredCloudEvents() {
    DeliveryFixture f;
    const std::string secret = "whsec_bWVzaGRlY2stb3V0Ym91bmQta2V5LTAxMjM0NTY3ODlhYg==";
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["sink"]["secret"] = secret;
    spec["sink"]["format"] = "cloudevents";
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    QCOMPARE_JSON(f.consumer("crm")["spec"]["sink"]["cloudevents_mode"], "structured");

    const json event = leadEvent("L-31", 2, 77);
    const std::string id = event["event_id"].get<std::string>();
    QCOMPARE_HTTP(f.publish(event), 202);
    QVERIFY(f.sink.waitForRequests(1, 10s));
    const std::vector<SinkRequest> received = f.received(id);
    QCOMPARE(received.size(), 1u);
    const SinkRequest& r = received.front();

    QCOMPARE_JSON(r.headers.at("content-type"), "application/cloudevents+json");
    QVERIFY(!isCloudEventBinary(r.headers));
    const auto ts = std::stoll(r.headers.at("webhook-timestamp"));
    QCOMPARE(r.headers.at("webhook-signature"),
             delivery::standardWebhookSignature(secret, id, ts, r.body));
    const json ce = json::parse(r.body);
    QCOMPARE_JSON(ce["specversion"], "1.0");
    QCOMPARE_JSON(ce["id"], id);
    QCOMPARE_JSON(ce["type"], "LeadScored");
    QCOMPARE_JSON(ce["source"], "enrichment-service");
    QCOMPARE_JSON(ce["subject"], "lead/L-31");
    QCOMPARE_JSON(ce["sequence"], "2");
    QCOMPARE_JSON(ce["dataschema"], "urn:meshdeck:schema:LeadScored:1");
    QCOMPARE_JSON(ce["tenantid"], "acme");
    QCOMPARE_JSON(ce["data"], event["payload"]);

    const ParsedEvent parsed = parseCloudEventStructured(r.body);
    QVERIFY2(parsed.event, describe(parsed.violations).c_str());
    QCOMPARE_JSON(json::parse(serializeEvent(*parsed.event)), event);
}

// In binary mode the attributes arrive as ce-* headers and the body is the
// event's data alone, redacted like any other body; the signature covers that
// body, and ingestion reads headers and body back as the published event.
void DeliveryTest::sendsBinaryCloudEvents() {
    DeliveryFixture f;
    const std::string secret = "whsec_bWVzaGRlY2stb3V0Ym91bmQta2V5LTAxMjM0NTY3ODlhYg==";
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["filter"]["event_types"] = {"LeadCreated"};
    spec["sink"]["secret"] = secret;
    spec["sink"]["format"] = "cloudevents";
    spec["sink"]["cloudevents_mode"] = "binary";
    spec["redact_pii"] = true;
    QCOMPARE_HTTP(f.createConsumer(spec), 201);

    json event = leadEvent("L-32", 5);
    event["event_type"] = "LeadCreated";
    event["causation_id"] = "01936f4e-0000-7000-8000-000000000001";
    event["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    event["payload"] = {{"lead_id", "L-32"}, {"email", "ada@example.com"}, {"company", "Café Ltd"}};
    const std::string id = event["event_id"].get<std::string>();
    QCOMPARE_HTTP(f.publish(event), 202);
    QVERIFY(f.sink.waitForRequests(1, 10s));
    const std::vector<SinkRequest> received = f.received(id);
    QCOMPARE(received.size(), 1u);
    const SinkRequest& r = received.front();

    QCOMPARE_JSON(r.headers.at("content-type"), "application/json");
    const std::map<std::string, std::string> expected = {
        {"ce-specversion", "1.0"},
        {"ce-id", id},
        {"ce-source", "enrichment-service"},
        {"ce-type", "LeadCreated"},
        {"ce-time", "2026-11-27T09:14:03.120Z"},
        {"ce-subject", "lead/L-32"},
        {"ce-dataschema", "urn:meshdeck:schema:LeadCreated:1"},
        {"ce-partitionkey", "lead:L-32"},
        {"ce-sequence", "5"},
        {"ce-tenantid", "acme"},
        {"ce-correlationid", "journey-L-32"},
        {"ce-causationid", "01936f4e-0000-7000-8000-000000000001"},
        {"ce-traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
    std::map<std::string, std::string> ceHeaders;
    for (const auto& [name, value] : r.headers)
        if (name.starts_with("ce-"))
            ceHeaders.emplace(name, value);
    QCOMPARE(ceHeaders, expected);

    const json redacted = {{"lead_id", "L-32"}, {"email", "[redacted]"}, {"company", "Café Ltd"}};
    QCOMPARE_JSON(json::parse(r.body), redacted);
    const auto ts = std::stoll(r.headers.at("webhook-timestamp"));
    QCOMPARE(r.headers.at("webhook-signature"),
             delivery::standardWebhookSignature(secret, id, ts, r.body));

    const ParsedEvent parsed = parseCloudEventBinary(r.headers, r.body);
    QVERIFY2(parsed.event, describe(parsed.violations).c_str());
    json expectedEvent = event;
    expectedEvent["payload"] = redacted;
    QCOMPARE_JSON(json::parse(serializeEvent(*parsed.event)), expectedEvent);
}

// A pause, resume, change or delete waits for its commit on the caller's
// thread, never on the delivery thread: with the writer held, another
// consumer's deliveries go on while the pause waits, and the pause is
// answered once the writer commits it.
void DeliveryTest::consumerChangesNeverStallDelivery() {
    DeliveryFixture f;
    f.sink.setHandler([](const SinkRequest& r) {
        SinkReply reply;
        if (r.target == "/slow")
            reply.delay = 20ms;
        return reply;
    });
    auto slow = webhookConsumer("slow", f.sink.url("/slow"));
    slow["max_concurrency"] = 1;
    QCOMPARE_HTTP(f.createConsumer(slow), 201);
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("other", f.sink.url("/other"))), 201);
    json batch = json::array();
    for (int i = 0; i < 100; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), std::nullopt));
    QCOMPARE_HTTP(f.publish(batch), 202);
    const auto slowRequests = [&] {
        const auto all = f.sink.requests();
        return std::count_if(all.begin(), all.end(),
                             [](const SinkRequest& r) { return r.target == "/slow"; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(slowRequests() >= 1, 5000);

    WriterHold hold(f.broker.core().database());
    QVERIFY(hold.parked());
    std::atomic<int> pauseStatus{0};
    std::thread pauser([&] {
        MeshClient operatorClient = f.broker.client(f.broker.adminToken);
        pauseStatus = operatorClient.postJson("/v1/consumers/other/pause", "{}").status;
    });
    const auto joinPauser = qScopeGuard([&] {
        hold.release();
        pauser.join();
    });
    const auto before = slowRequests();
    QTRY_VERIFY_WITH_TIMEOUT(slowRequests() >= before + 5, 5000);
    QCOMPARE(pauseStatus.load(), 0); // still waiting for its commit
    hold.release();
    QTRY_COMPARE_WITH_TIMEOUT(pauseStatus.load(), 200, 5000);
    QCOMPARE_JSON(f.consumer("other")["spec"]["paused"], true);
}

// On a fake clock: one event whose endpoint stays down for longer than
// retry.max_age. While the circuit is open its failed probes neither use up
// attempts nor age it out: nothing is dead-lettered until the endpoint
// answers again.
void DeliveryTest::anOpenCircuitAgesNothingOut() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    f.sink.setHandler([](const SinkRequest&) {
        SinkReply r;
        r.status = 503;
        return r;
    });
    auto spec = webhookConsumer("crm", f.sink.url());
    spec["retry"] = {
        {"max_attempts", 10}, {"max_age_s", 1}, {"base_ms", 10}, {"cap_ms", 20}, {"jitter", 0.0}};
    spec["circuit_breaker"] = {{"failure_ratio", 0.5},
                               {"min_requests", 3},
                               {"window_s", 60},
                               {"open_ms", 300},
                               {"half_open_probes", 1}};
    QCOMPARE_HTTP(f.createConsumer(spec), 201);
    QCOMPARE_HTTP(f.publish(leadEvent("L-1", std::nullopt)), 202);
    const auto failed = [&] {
        return f.consumer("crm")["totals"]["failed_attempts"].get<int>();
    };
    QTRY_COMPARE_WITH_TIMEOUT(failed(), 1, 5000);
    clock.advance(10ms);
    QTRY_COMPARE_WITH_TIMEOUT(failed(), 2, 5000);
    clock.advance(20ms);
    QTRY_COMPARE_WITH_TIMEOUT(failed(), 3, 5000);
    QCOMPARE_JSON(f.consumer("crm")["circuit"]["state"], "open");
    // Five probes, 300 ms apart: the last one 1.53 s after the first attempt.
    for (int probe = 1; probe <= 5; ++probe) {
        clock.advance(300ms);
        QTRY_COMPARE_WITH_TIMEOUT(failed(), 3 + probe, 5000);
        // The same snapshot as the failure count: a dead letter would show here.
        const json c = f.consumer("crm");
        QCOMPARE(c["totals"]["failed_attempts"].get<int>(), 3 + probe);
        QCOMPARE(c["totals"]["dead_lettered"].get<int>(), 0);
        QCOMPARE_JSON(c["circuit"]["state"], "open");
    }
    QCOMPARE(f.sink.requestCount(), 8u);
    const auto stall = parse(f.admin.get("/v1/stall?entity=lead:L-1"));
    QCOMPARE_JSON(stall["state"], "circuit-open");
}

QTEST_GUILESS_MAIN(DeliveryTest)
#include "tst_delivery.moc"
