// WebSocket subscribers (/v1/subscribe) and the live feed (/v1/live) over real
// sockets: subscribe, deliver, ack with an outcome, nack, ack timeouts,
// max_in_flight, and who may connect.

#include "tests/delivery/delivery_fixture.h"
#include "tests/support/json_compare.h"
#include "tests/support/ws_client.h"

#include <QtTest/QTest>
#include <optional>
#include <set>
#include <vector>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json subscriberConsumer(const std::string& name, int ackTimeoutMs = 30'000) {
    return {{"name", name},
            {"filter", {{"event_types", {"LeadScored"}}, {"tenant", "acme"}}},
            {"sink", {{"type", "websocket"}, {"ack_timeout_ms", ackTimeoutMs}}},
            {"retry", {{"max_attempts", 5}, {"base_ms", 10}, {"cap_ms", 50}, {"jitter", 0.0}}}};
}

json next(WsClient& ws, std::chrono::milliseconds timeout = 5s) {
    const auto frame = ws.receive(timeout);
    return frame ? json::parse(*frame) : json();
}

// Reads frames until the server closes the connection (its close code) or
// `within` passes (nullopt); every frame read meanwhile goes to `frames`.
std::optional<int> closedWith(WsClient& ws, std::chrono::milliseconds within,
                              std::vector<json>& frames) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (!ws.closeCode() && std::chrono::steady_clock::now() < deadline)
        if (const auto frame = ws.receive(100ms))
            frames.push_back(json::parse(*frame));
    return ws.closeCode();
}

} // namespace

class SubscriberTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void deliversAndTakesAcksWithOutcomes();
    void ackTimeoutRedelivers();
    void nackWithoutRetryDeadLetters();
    void maxInFlightIsRespected();
    void refusesWhoMayNot();
    void liveFeedPushesSnapshots();
    void severalSubscribersShareAConsumer();
    void deletingAConsumerClosesItsSubscribers();
};

void SubscriberTest::deliversAndTakesAcksWithOutcomes() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(subscriberConsumer("router")), 201);
    WsClient ws(f.broker.url(), "/v1/subscribe", f.broker.token(Role::Consumer, "acme"));
    ws.send(R"({"type":"subscribe","consumer":"router","max_in_flight":10})");
    QCOMPARE_JSON(next(ws)["type"], "subscribed");

    json batch = json::array();
    for (int i = 0; i < 5; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), 1, 50, "journey-ws"));
    QCOMPARE_HTTP(f.publish(batch), 202);
    for (int i = 0; i < 5; ++i) {
        const json deliver = next(ws);
        QCOMPARE_JSON(deliver["type"], "deliver");
        QCOMPARE_JSON(deliver["attempt"], 1);
        QCOMPARE_JSON(deliver["event"]["event_id"], batch[i]["event_id"]);
        json ack = {{"type", "ack"}, {"delivery_id", deliver["delivery_id"]}};
        if (i == 0)
            ack["outcome"] = {{"type", "LeadAssigned"}, {"owner", "u-17"}};
        ws.send(ack.dump());
    }
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["totals"]["delivered"].get<int>(), 5, 5000);
    QCOMPARE(f.consumer("router")["subscribers"].get<int>(), 1);
    // The outcome is part of the journey's trace.
    QTRY_VERIFY_WITH_TIMEOUT(
        f.admin.get("/v1/traces/journey-ws").body.find("LeadAssigned") != std::string::npos, 5000);
}

// On a fake clock: an unacknowledged delivery is held for the whole ack
// timeout, not a millisecond less, then counts as a failed attempt and goes
// out again once its backoff (10 ms) has passed.
void SubscriberTest::ackTimeoutRedelivers() {
    FakeClock clock(fromUnixMillis(1'795'000'000'000));
    DeliveryFixture f(clock);
    QCOMPARE_HTTP(f.createConsumer(subscriberConsumer("router", 300)), 201);
    WsClient ws(f.broker.url(), "/v1/subscribe", f.broker.adminToken);
    ws.send(R"({"type":"subscribe","consumer":"router","max_in_flight":10})");
    QCOMPARE_JSON(next(ws)["type"], "subscribed");
    const auto event = leadEvent("L-1", 1);
    QCOMPARE_HTTP(f.publish(event), 202);
    const json first = next(ws);
    QCOMPARE_JSON(first["event"]["event_id"], event["event_id"]);

    clock.advance(299ms);
    const json waiting = f.consumerSeenAt("router", 299ms);
    QVERIFY2(!waiting.is_null(), "no snapshot saw the clock at 299 ms with the event pending");
    QCOMPARE(waiting["in_flight"].get<int>(), 1);
    QCOMPARE(waiting["totals"]["failed_attempts"].get<int>(), 0);
    clock.advance(1ms);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["totals"]["failed_attempts"].get<int>(), 1,
                              5000);
    const json timedOut = f.consumer("router");
    QVERIFY2(timedOut["last_error"]["message"].get<std::string>().find(
                 "not acknowledged within 300 ms") != std::string::npos,
             timedOut.dump().c_str());
    clock.advance(9ms);
    const json backingOff = f.consumerSeenAt("router", 309ms);
    QVERIFY2(!backingOff.is_null(), "no snapshot saw the clock at 309 ms with the event pending");
    QCOMPARE(attemptsStarted(backingOff), 1);
    QCOMPARE(backingOff["retrying"].get<int>(), 1);
    clock.advance(1ms);
    const json second = next(ws);
    QCOMPARE_JSON(second["event"]["event_id"], event["event_id"]);
    QCOMPARE_JSON(second["attempt"], 2);
    QVERIFY(second["delivery_id"] != first["delivery_id"]);
    // The late ack of the first delivery is refused with the reason.
    ws.send(json{{"type", "ack"}, {"delivery_id", first["delivery_id"]}}.dump());
    const json late = next(ws);
    QCOMPARE_JSON(late["type"], "error");
    QVERIFY(late["message"].get<std::string>().find("redelivered") != std::string::npos);
    ws.send(json{{"type", "ack"}, {"delivery_id", second["delivery_id"]}}.dump());
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["totals"]["delivered"].get<int>(), 1, 5000);
}

void SubscriberTest::nackWithoutRetryDeadLetters() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(subscriberConsumer("router")), 201);
    WsClient ws(f.broker.url(), "/v1/subscribe", f.broker.adminToken);
    ws.send(R"({"type":"subscribe","consumer":"router","max_in_flight":10})");
    QCOMPARE_JSON(next(ws)["type"], "subscribed");
    QCOMPARE_HTTP(f.publish(json{leadEvent("L-1", 1), leadEvent("L-2", 1)}), 202);
    const json a = next(ws);
    const json b = next(ws);
    // One asks for a retry and gets the event again; the other refuses it for good.
    ws.send(json{
        {"type", "nack"}, {"delivery_id", a["delivery_id"]}, {"retry", true}, {"error", "CRM busy"}}
                .dump());
    ws.send(json{{"type", "nack"},
                 {"delivery_id", b["delivery_id"]},
                 {"retry", false},
                 {"error", "unknown owner"}}
                .dump());
    const json again = next(ws);
    QCOMPARE_JSON(again["event"]["event_id"], a["event"]["event_id"]);
    ws.send(json{{"type", "ack"}, {"delivery_id", again["delivery_id"]}}.dump());
    json letters;
    QTRY_VERIFY_WITH_TIMEOUT(
        (letters = parse(f.admin.get("/v1/dead-letters?consumer=router")))["dead_letters"].size() ==
            1,
        5000);
    QCOMPARE_JSON(letters["dead_letters"][0]["event_id"], b["event"]["event_id"]);
    QVERIFY(letters["dead_letters"][0]["error"].get<std::string>().find("unknown owner") !=
            std::string::npos);
}

// max_in_flight caps one subscriber's unacknowledged deliveries: with two
// held the other three wait, and each ack lets exactly one more go. "Nothing
// more" is bounded twice without a wall-clock wait: by a snapshot taken after
// the two went out (the tick that took it had looked for room first), and on
// the wire by the broker's answer to a later frame, which follows whatever it
// had sent before on the same connection.
void SubscriberTest::maxInFlightIsRespected() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(subscriberConsumer("router")), 201);
    WsClient ws(f.broker.url(), "/v1/subscribe", f.broker.adminToken);
    ws.send(R"({"type":"subscribe","consumer":"router","max_in_flight":2})");
    QCOMPARE_JSON(next(ws)["type"], "subscribed");
    json batch = json::array();
    for (int i = 0; i < 5; ++i)
        batch.push_back(leadEvent("L-" + std::to_string(i), 1));
    QCOMPARE_HTTP(f.publish(batch), 202);
    const json a = next(ws);
    const json b = next(ws);
    QCOMPARE_JSON(a["event"]["event_id"], batch[0]["event_id"]);
    QCOMPARE_JSON(b["event"]["event_id"], batch[1]["event_id"]);
    // The broker answers a frame it cannot use with an error, on the same
    // connection as its deliveries.
    const auto nothingElseSent = [&] {
        ws.send(R"({"type":"ack","delivery_id":999999})");
        const json reply = next(ws);
        return reply.value("type", "") == "error" &&
               reply["message"].get<std::string>().find("unknown delivery_id 999999") !=
                   std::string::npos;
    };
    json c;
    QTRY_VERIFY_WITH_TIMEOUT((c = f.consumer("router"))["in_flight"].get<int>() >= 2, 5000);
    QCOMPARE(c["in_flight"].get<int>(), 2);
    QCOMPARE(c["lag"]["events"].get<int>(), 5);
    QVERIFY(nothingElseSent()); // a third waits for an ack

    ws.send(json{{"type", "ack"}, {"delivery_id", a["delivery_id"]}}.dump());
    const json third = next(ws);
    QCOMPARE_JSON(third["type"], "deliver");
    QCOMPARE_JSON(third["event"]["event_id"], batch[2]["event_id"]);
    QTRY_VERIFY_WITH_TIMEOUT((c = f.consumer("router"))["totals"]["delivered"].get<int>() >= 1,
                             5000);
    QCOMPARE(c["totals"]["delivered"].get<int>(), 1);
    QCOMPARE(c["in_flight"].get<int>(), 2);
    QCOMPARE(c["lag"]["events"].get<int>(), 4);
    QVERIFY(nothingElseSent()); // one ack, one more delivery
}

void SubscriberTest::refusesWhoMayNot() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(subscriberConsumer("router")), 201);
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    // A viewer may watch but not take deliveries: the upgrade itself is refused.
    const std::map<std::string, std::string> upgrade = {
        {"connection", "Upgrade"},
        {"upgrade", "websocket"},
        {"sec-websocket-version", "13"},
        {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="}};
    auto viewer = f.broker.client(f.broker.token(Role::Viewer, "acme"));
    QCOMPARE_HTTP(viewer.request("GET", "/v1/subscribe", "", upgrade), 403);
    QCOMPARE_HTTP(f.broker.client("not-a-token").request("GET", "/v1/live", "", upgrade), 401);
    WsClient ws(f.broker.url(), "/v1/subscribe", f.broker.token(Role::Consumer, "globex"));
    ws.send(R"({"type":"subscribe","consumer":"router"})");
    json answer = next(ws);
    QCOMPARE_JSON(answer["type"], "error");
    QVERIFY(answer["message"].get<std::string>().find("tenant globex") != std::string::npos);
    WsClient admin(f.broker.url(), "/v1/subscribe", f.broker.adminToken);
    admin.send(R"({"type":"subscribe","consumer":"crm"})");
    answer = next(admin);
    QCOMPARE_JSON(answer["type"], "error");
    QVERIFY(answer["message"].get<std::string>().find("not to WebSocket") != std::string::npos);
}

void SubscriberTest::liveFeedPushesSnapshots() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    WsClient live(f.broker.url(), "/v1/live", f.broker.token(Role::Viewer, "acme"));
    const json first = next(live);
    QCOMPARE_JSON(first["type"], "snapshot");
    QCOMPARE_JSON(first["consumers"][0]["name"], "crm");
    QCOMPARE_HTTP(f.admin.postJson("/v1/consumers/crm/pause", ""), 200);
    // Within about a second: the state change, then the next snapshot.
    bool sawChange = false;
    for (int i = 0; i < 4 && !sawChange; ++i) {
        const json frame = next(live, 2s);
        sawChange = frame.value("type", "") == "state-changed" && frame["to"] == "paused";
    }
    QVERIFY(sawChange);
}

// Several subscribers on one consumer: deliveries are dealt out among them,
// an entity's next version waits for its previous one whoever holds it, and
// what a subscriber had not acknowledged when it left goes to the others.
void SubscriberTest::severalSubscribersShareAConsumer() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(subscriberConsumer("router")), 201);
    const std::string token = f.broker.token(Role::Consumer, "acme");
    WsClient a(f.broker.url(), "/v1/subscribe", token);
    WsClient b(f.broker.url(), "/v1/subscribe", token);
    for (WsClient* ws : {&a, &b}) {
        ws->send(R"({"type":"subscribe","consumer":"router","max_in_flight":10})");
        QCOMPARE_JSON(next(*ws)["type"], "subscribed");
    }
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["subscribers"].get<int>(), 2, 5000);

    // Six entities, one event each: both subscribers get some.
    json batch = json::array();
    for (int i = 0; i < 6; ++i)
        batch.push_back(leadEvent("L-share-" + std::to_string(i), 1));
    QCOMPARE_HTTP(f.publish(batch), 202);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["in_flight"].get<int>(), 6, 5000);
    std::vector<json> toA, toB;
    for (json d = next(a, 500ms); !d.is_null(); d = next(a, 200ms))
        toA.push_back(d);
    for (json d = next(b, 500ms); !d.is_null(); d = next(b, 200ms))
        toB.push_back(d);
    QCOMPARE(toA.size() + toB.size(), 6u);
    QVERIFY2(toA.size() >= 2 && toB.size() >= 2,
             qPrintable(QStringLiteral("dealt %1 and %2").arg(toA.size()).arg(toB.size())));

    // A acknowledges its own; B leaves without acknowledging: B's go to A.
    for (const auto& d : toA)
        a.send(json{{"type", "ack"}, {"delivery_id", d["delivery_id"]}}.dump());
    b.close();
    std::set<std::string> redelivered;
    for (std::size_t i = 0; i < toB.size(); ++i) {
        const json d = next(a);
        QCOMPARE_JSON(d["type"], "deliver");
        QCOMPARE_JSON(d["attempt"], 2);
        redelivered.insert(d["event"]["event_id"]);
        a.send(json{{"type", "ack"}, {"delivery_id", d["delivery_id"]}}.dump());
    }
    for (const auto& d : toB)
        QVERIFY(redelivered.count(d["event"]["event_id"]));
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["totals"]["delivered"].get<int>(), 6, 5000);

    // With two subscribers again, an entity's v2 waits for v1's ack: one of
    // its events is in flight at a time, whichever subscriber holds it.
    WsClient c(f.broker.url(), "/v1/subscribe", token);
    c.send(R"({"type":"subscribe","consumer":"router","max_in_flight":10})");
    QCOMPARE_JSON(next(c)["type"], "subscribed");
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["subscribers"].get<int>(), 2, 5000);
    const json v1 = leadEvent("L-order", 1);
    const json v2 = leadEvent("L-order", 2);
    QCOMPARE_HTTP(f.publish(json::array({v1, v2})), 202);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["lag"]["events"].get<int>(), 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["in_flight"].get<int>(), 1, 5000);
    json first = next(a, 500ms);
    WsClient* holder = &a;
    if (first.is_null()) {
        first = next(c);
        holder = &c;
    }
    QCOMPARE_JSON(first["event"]["event_id"], v1["event_id"]);
    QCOMPARE(f.consumer("router")["in_flight"].get<int>(), 1); // v2 still waits
    holder->send(json{{"type", "ack"}, {"delivery_id", first["delivery_id"]}}.dump());
    json second = next(a, 1s);
    if (second.is_null())
        second = next(c);
    QCOMPARE_JSON(second["event"]["event_id"], v2["event_id"]);
}

// DELETE /v1/consumers/{name} closes the consumer's subscribers' connections,
// saying why, as a change does; another consumer's subscriber stays connected
// and keeps receiving. The delivery the closed subscriber held comes back
// from its connection as it goes and is dropped without an error: the
// consumer is gone, and a new consumer of the same name starts afresh.
void SubscriberTest::deletingAConsumerClosesItsSubscribers() {
    DeliveryFixture f;
    QCOMPARE_HTTP(f.createConsumer(subscriberConsumer("router")), 201);
    QCOMPARE_HTTP(f.createConsumer(subscriberConsumer("archive")), 201);
    const std::string token = f.broker.token(Role::Consumer, "acme");
    WsClient a(f.broker.url(), "/v1/subscribe", token);
    a.send(R"({"type":"subscribe","consumer":"router","max_in_flight":10})");
    QCOMPARE_JSON(next(a)["type"], "subscribed");
    WsClient b(f.broker.url(), "/v1/subscribe", token);
    b.send(R"({"type":"subscribe","consumer":"archive","max_in_flight":10})");
    QCOMPARE_JSON(next(b)["type"], "subscribed");

    // Both get the first event; A holds its delivery unacknowledged.
    const json first = leadEvent("L-1", 1);
    QCOMPARE_HTTP(f.publish(first), 202);
    const json held = next(a);
    QCOMPARE_JSON(held["type"], "deliver");
    QCOMPARE_JSON(held["event"]["event_id"], first["event_id"]);
    const json toB = next(b);
    QCOMPARE_JSON(toB["event"]["event_id"], first["event_id"]);
    b.send(json{{"type", "ack"}, {"delivery_id", toB["delivery_id"]}}.dump());
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("archive")["totals"]["delivered"].get<int>(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["in_flight"].get<int>(), 1, 5000);

    QCOMPARE_HTTP(f.admin.request("DELETE", "/v1/consumers/router"), 204);
    QCOMPARE_HTTP(f.admin.get("/v1/consumers/router"), 404);
    std::vector<json> toA;
    QCOMPARE(closedWith(a, 5s, toA), std::optional<int>(1000));
    QVERIFY2(a.closeReason().find("consumer router was deleted") != std::string::npos,
             a.closeReason().c_str());
    QVERIFY2(toA.empty(), json(toA).dump().c_str());

    // B stays connected and is still delivered to.
    const json second = leadEvent("L-2", 1);
    QCOMPARE_HTTP(f.publish(second), 202);
    const json next2 = next(b);
    QVERIFY2(!next2.is_null(), ("nothing for B; closed: " + b.closeReason()).c_str());
    QCOMPARE_JSON(next2["type"], "deliver");
    QCOMPARE_JSON(next2["event"]["event_id"], second["event_id"]);
    b.send(json{{"type", "ack"}, {"delivery_id", next2["delivery_id"]}}.dump());
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("archive")["totals"]["delivered"].get<int>(), 2, 5000);
    QVERIFY(!b.closeCode());
    QCOMPARE(f.consumer("archive")["subscribers"].get<int>(), 1);

    // A new router, paused so it sends nothing yet: once A's connection has
    // left (it counts no subscriber), the held delivery's end has been taken
    // and touched nothing of the new consumer, which starts from the log's
    // beginning with first attempts.
    auto again = subscriberConsumer("router");
    again["paused"] = true;
    QCOMPARE_HTTP(f.createConsumer(again), 201);
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["subscribers"].get<int>(), 0, 5000);
    WsClient c(f.broker.url(), "/v1/subscribe", token);
    c.send(R"({"type":"subscribe","consumer":"router","max_in_flight":10})");
    QCOMPARE_JSON(next(c)["type"], "subscribed");
    QCOMPARE_HTTP(f.admin.postJson("/v1/consumers/router/resume", ""), 200);
    for (const json& event : {first, second}) {
        const json d = next(c);
        QCOMPARE_JSON(d["type"], "deliver");
        QCOMPARE_JSON(d["attempt"], 1);
        QCOMPARE_JSON(d["event"]["event_id"], event["event_id"]);
        c.send(json{{"type", "ack"}, {"delivery_id", d["delivery_id"]}}.dump());
    }
    QTRY_COMPARE_WITH_TIMEOUT(f.consumer("router")["totals"]["delivered"].get<int>(), 2, 5000);
    const json router = f.consumer("router");
    QCOMPARE(router["totals"]["failed_attempts"].get<int>(), 0);
    QCOMPARE(router["in_flight"].get<int>(), 0);
    QVERIFY(!b.closeCode());
    // No handler on the way threw into the last-resort boundary.
    const auto metrics = f.admin.get("/metrics");
    QCOMPARE_HTTP(metrics, 200);
    const auto at = metrics.body.find("meshdeck_internal_errors_total{");
    const std::string thrown = at == std::string::npos
                                   ? std::string()
                                   : metrics.body.substr(at, metrics.body.find('\n', at) - at);
    QVERIFY2(thrown.empty(), thrown.c_str());
}

QTEST_GUILESS_MAIN(SubscriberTest)
#include "tst_subscriber.moc"
