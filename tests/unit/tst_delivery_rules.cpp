// The delivery engine's rules as plain functions, with time passed in:
// consumer specs and filters, backoff, the circuit breaker, outbound bodies.

#include "core/circuit_breaker.h"
#include "core/consumer_spec.h"
#include "core/outbound_body.h"
#include "core/stall_verdict.h"
#include "tests/support/json_compare.h"

#include <QtTest/QTest>

using namespace meshdeck;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

Event lead(int score, const std::string& tenant = "acme") {
    Event e;
    e.eventId = "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f";
    e.eventType = "LeadScored";
    e.tenantId = tenant;
    e.producer = "p";
    e.entity = {"lead", "L-1", 3};
    e.occurredAt = fromUnixMillis(1'764'234'843'120);
    e.payload = json{{"lead_id", "L-1"}, {"score", score}, {"email", "ann@example.com"}}.dump();
    return e;
}

QString name(CircuitState state) {
    const auto text = toString(state);
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

ConsumerSpec spec(const json& j) {
    auto parsed = parseConsumerSpec(j.dump());
    if (!parsed.spec)
        qFatal("%s", describe(parsed.violations).c_str());
    return *parsed.spec;
}

} // namespace

class DeliveryRulesTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void specDefaultsAndRoundTrip() {
        const auto s = spec({{"name", "crm"}, {"sink", {{"type", "none"}}}});
        QCOMPARE(s.retry.maxAttempts, 8);
        QVERIFY(s.orderByEntity);
        QVERIFY(s.deadLetter == DeadLetterPolicy::Continue);
        const auto again = parseConsumerSpec(consumerSpecToJson(s, false));
        QVERIFY(again.spec);
        QCOMPARE_JSON(json::parse(consumerSpecToJson(*again.spec, false)),
                      json::parse(consumerSpecToJson(s, false)));
    }

    void specErrorsNameTheField_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("path");
        QTest::addRow("no sink") << R"({"name":"a"})"
                                 << "/sink";
        QTest::addRow("unknown sink type") << R"({"name":"a","sink":{"type":"kafka"}})"
                                           << "/sink/type";
        QTest::addRow("webhook without url") << R"({"name":"a","sink":{"type":"webhook"}})"
                                             << "/sink/url";
        QTest::addRow("cap below base")
            << R"({"name":"a","sink":{"type":"none"},"retry":{"base_ms":500,"cap_ms":10}})"
            << "/retry/cap_ms";
        QTest::addRow("bad operator")
            << R"({"name":"a","sink":{"type":"none"},"filter":{"where":[{"field":"/payload/x","op":"~","value":1}]}})"
            << "/filter/where/0/op";
        QTest::addRow("mapping not a pointer")
            << R"({"name":"a","sink":{"type":"none"},"mapping":{"lead":"payload.lead_id"}})"
            << "/mapping/lead";
        QTest::addRow("both rates")
            << R"({"name":"a","sink":{"type":"none"},"rate_limit":{"per_second":1,"per_minute":60}})"
            << "/rate_limit/per_minute";
        QTest::addRow("unknown policy")
            << R"({"name":"a","sink":{"type":"none"},"dead_letter":"drop"})"
            << "/dead_letter";
        QTest::addRow("typo") << R"({"name":"a","sink":{"type":"none"},"retries":{}})"
                              << "/retries";
    }
    void specErrorsNameTheField() {
        QFETCH(QString, input);
        QFETCH(QString, path);
        const auto parsed = parseConsumerSpec(input.toStdString());
        QVERIFY(!parsed.spec);
        QStringList paths;
        for (const auto& v : parsed.violations)
            paths << QString::fromStdString(v.path);
        QVERIFY2(paths.contains(path), qPrintable(paths.join(u',')));
    }

    void specSinkFormats_data() {
        QTest::addColumn<QString>("sink");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("mode"); // empty: not written back
        QTest::addRow("no format: canonical") << R"({"type":"webhook","url":"http://h/x"})"
                                              << "canonical"
                                              << "";
        QTest::addRow("canonical")
            << R"({"type":"webhook","url":"http://h/x","format":"canonical"})"
            << "canonical"
            << "";
        QTest::addRow("cloudevents: structured by default")
            << R"({"type":"webhook","url":"http://h/x","format":"cloudevents"})"
            << "cloudevents"
            << "structured";
        QTest::addRow("cloudevents, structured")
            << R"({"type":"webhook","url":"http://h/x","format":"cloudevents","cloudevents_mode":"structured"})"
            << "cloudevents"
            << "structured";
        QTest::addRow("cloudevents, binary")
            << R"({"type":"webhook","url":"http://h/x","format":"cloudevents","cloudevents_mode":"binary"})"
            << "cloudevents"
            << "binary";
        QTest::addRow("canonical on a websocket sink")
            << R"({"type":"websocket","format":"canonical"})"
            << ""
            << "";
    }
    void specSinkFormats() {
        QFETCH(QString, sink);
        QFETCH(QString, format);
        QFETCH(QString, mode);
        const auto s = spec({{"name", "a"}, {"sink", json::parse(sink.toStdString())}});
        const json written = json::parse(consumerSpecToJson(s, false))["sink"];
        QCOMPARE_JSON(written.value("format", ""), format.toStdString());
        QCOMPARE_JSON(written.value("cloudevents_mode", ""), mode.toStdString());
        QVERIFY(s.sink.format == (format == u"cloudevents" ? OutboundFormat::CloudEvents
                                                           : OutboundFormat::Canonical));
        QVERIFY(s.sink.cloudEventsMode ==
                (mode == u"binary" ? CloudEventsMode::Binary : CloudEventsMode::Structured));
        const auto again = parseConsumerSpec(consumerSpecToJson(s, false));
        QVERIFY2(again.spec, describe(again.violations).c_str());
        QVERIFY(again.spec->sink.format == s.sink.format);
        QVERIFY(again.spec->sink.cloudEventsMode == s.sink.cloudEventsMode);
    }

    // Each mistake is one violation, at the field to change.
    void specSinkFormatErrors_data() {
        QTest::addColumn<QString>("sink");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        QTest::addRow("unknown format") << R"({"type":"webhook","url":"http://h/x","format":"xml"})"
                                        << "/consumers/3/sink/format"
                                        << R"(expected canonical or cloudevents; got "xml")";
        QTest::addRow("format not a string")
            << R"({"type":"webhook","url":"http://h/x","format":1})"
            << "/consumers/3/sink/format"
            << "expected a string, got 1";
        QTest::addRow("format in the wrong case")
            << R"({"type":"webhook","url":"http://h/x","format":"CloudEvents"})"
            << "/consumers/3/sink/format"
            << R"(expected canonical or cloudevents; got "CloudEvents")";
        QTest::addRow("unknown mode")
            << R"({"type":"webhook","url":"http://h/x","format":"cloudevents","cloudevents_mode":"batch"})"
            << "/consumers/3/sink/cloudevents_mode"
            << R"(expected structured or binary; got "batch")";
        QTest::addRow("mode not a string")
            << R"({"type":"webhook","url":"http://h/x","format":"cloudevents","cloudevents_mode":true})"
            << "/consumers/3/sink/cloudevents_mode"
            << "expected structured or binary; got true";
        QTest::addRow("mode without the format")
            << R"({"type":"webhook","url":"http://h/x","cloudevents_mode":"binary"})"
            << "/consumers/3/sink/cloudevents_mode"
            << R"(applies only with "format": "cloudevents"; add that, or leave )"
               R"(cloudevents_mode out to send the canonical event)";
        QTest::addRow("mode with an unknown format: only the format is wrong")
            << R"({"type":"webhook","url":"http://h/x","format":"ce","cloudevents_mode":"binary"})"
            << "/consumers/3/sink/format"
            << R"(expected canonical or cloudevents; got "ce")";
        QTest::addRow("cloudevents to websocket subscribers")
            << R"({"type":"websocket","format":"cloudevents"})"
            << "/consumers/3/sink/format"
            << "only webhook sinks send CloudEvents; a websocket sink's subscribers receive "
               "the canonical event, so leave format out";
        QTest::addRow("cloudevents to no sink")
            << R"({"type":"none","format":"cloudevents","cloudevents_mode":"binary"})"
            << "/consumers/3/sink/format"
            << "only webhook sinks send CloudEvents; a none sink sends nothing, so leave "
               "format out";
        QTest::addRow("unknown sink type: only the type is wrong")
            << R"({"type":"kafka","format":"cloudevents"})"
            << "/consumers/3/sink/type"
            << R"(expected webhook, websocket or none; got "kafka")";
    }
    void specSinkFormatErrors() {
        QFETCH(QString, sink);
        QFETCH(QString, path);
        QFETCH(QString, message);
        const json consumer = {{"name", "a"}, {"sink", json::parse(sink.toStdString())}};
        const auto parsed = parseConsumerSpec(consumer.dump(), "/consumers/3");
        QVERIFY(!parsed.spec);
        QCOMPARE(describe(parsed.violations), QString(path + u": " + message).toStdString());
    }

    void filtersOnTypeTenantAndFields_data() {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<int>("score");
        QTest::addColumn<bool>("matches");
        QTest::addRow("no filter") << "{}" << 10 << true;
        QTest::addRow("other type") << R"({"event_types":["LeadCreated"]})" << 10 << false;
        QTest::addRow("other tenant") << R"({"tenant":"globex"})" << 10 << false;
        QTest::addRow(">= holds")
            << R"({"where":[{"field":"/payload/score","op":">=","value":80}]})" << 80 << true;
        QTest::addRow(">= fails")
            << R"({"where":[{"field":"/payload/score","op":">=","value":80}]})" << 79 << false;
        QTest::addRow("in") << R"({"where":[{"field":"/payload/score","op":"in","value":[1,2,3]}]})"
                            << 2 << true;
        QTest::addRow("exists") << R"({"where":[{"field":"/payload/email","op":"exists"}]})" << 1
                                << true;
        QTest::addRow("missing field")
            << R"({"where":[{"field":"/payload/owner","op":"!=","value":"x"}]})" << 1 << false;
        QTest::addRow("string vs number")
            << R"({"where":[{"field":"/payload/score","op":">","value":"5"}]})" << 10 << false;
        QTest::addRow("entity field")
            << R"({"where":[{"field":"/entity/kind","op":"==","value":"lead"}]})" << 1 << true;
    }
    void filtersOnTypeTenantAndFields() {
        QFETCH(QString, filter);
        QFETCH(int, score);
        QFETCH(bool, matches);
        const auto s = spec({{"name", "a"},
                             {"sink", {{"type", "none"}}},
                             {"filter", json::parse(filter.toStdString())}});
        const Event e = lead(score);
        QCOMPARE(matchesTypeAndTenant(s.filter, e) && matchesConditions(s.filter, e), matches);
    }

    void backoffDoublesToTheCapWithJitter() {
        RetryPolicy p;
        p.base = 100ms;
        p.cap = 1000ms;
        p.jitter = 0.2;
        QCOMPARE(backoffDelay(p, 1, 0.5), 100ms);
        QCOMPARE(backoffDelay(p, 2, 0.5), 200ms);
        QCOMPARE(backoffDelay(p, 4, 0.5), 800ms);
        QCOMPARE(backoffDelay(p, 5, 0.5), 1000ms);
        QCOMPARE(backoffDelay(p, 60, 0.5), 1000ms);
        QCOMPARE(backoffDelay(p, 2, 0.0), 160ms);   // -20 %
        QCOMPARE(backoffDelay(p, 2, 0.999), 239ms); // just under +20 %
    }

    void circuitOpensProbesAndCloses() {
        CircuitBreakerPolicy p;
        p.failureRatio = 0.5;
        p.minRequests = 4;
        p.window = 10s;
        p.openFor = 1000ms;
        p.halfOpenProbes = 2;
        CircuitBreaker b(p);
        const std::chrono::steady_clock::time_point t0{};
        QVERIFY(b.tryAcquire(t0));
        b.recordSuccess(t0);
        b.recordFailure(t0 + 1ms);
        b.recordFailure(t0 + 2ms);
        QCOMPARE(name(b.state(t0 + 2ms)), QStringLiteral("closed")); // 3 results: below minRequests
        b.recordFailure(t0 + 3ms);                                   // 3 of 4 failed
        QCOMPARE(name(b.state(t0 + 3ms)), QStringLiteral("open"));
        QVERIFY(!b.tryAcquire(t0 + 999ms));
        // Half-open after openFor: two probes, no more.
        QVERIFY(b.tryAcquire(t0 + 1003ms));
        QCOMPARE(name(b.state(t0 + 1003ms)), QStringLiteral("half-open"));
        QVERIFY(b.tryAcquire(t0 + 1003ms));
        QVERIFY(!b.tryAcquire(t0 + 1003ms));
        b.recordSuccess(t0 + 1010ms);
        b.recordFailure(t0 + 1011ms); // a failed probe opens it again
        QCOMPARE(name(b.state(t0 + 1011ms)), QStringLiteral("open"));
        QVERIFY(b.tryAcquire(t0 + 2011ms));
        QVERIFY(b.tryAcquire(t0 + 2011ms));
        b.recordSuccess(t0 + 2012ms);
        b.recordSuccess(t0 + 2013ms);
        QCOMPARE(name(b.state(t0 + 2013ms)), QStringLiteral("closed"));
    }

    // Results older than the window stop counting: the same sequence opens
    // the breaker when the old failures still count, and leaves it closed
    // once they have left (a breaker that never trims opens in both).
    void circuitStateNamesRoundTrip() {
        for (CircuitState state :
             {CircuitState::Closed, CircuitState::Open, CircuitState::HalfOpen})
            QCOMPARE(parseCircuitState(toString(state)), std::optional<CircuitState>(state));
        QCOMPARE(name(CircuitState::HalfOpen), QStringLiteral("half-open"));
        QCOMPARE(parseCircuitState("half_open"), std::nullopt);
    }

    void oldResultsLeaveTheWindow() {
        CircuitBreakerPolicy p;
        p.minRequests = 3;
        p.failureRatio = 0.5;
        p.window = 10s;
        const std::chrono::steady_clock::time_point t0{};

        CircuitBreaker inside(p); // all within 10 s: 2 failures of 3
        inside.recordFailure(t0);
        inside.recordSuccess(t0 + 1s);
        inside.recordFailure(t0 + 2s);
        QCOMPARE(name(inside.state(t0 + 2s)), QStringLiteral("open"));

        CircuitBreaker aged(p); // the first two failures are gone by t0 + 12 s
        aged.recordFailure(t0);
        aged.recordFailure(t0 + 1s);
        aged.recordSuccess(t0 + 11s);
        aged.recordFailure(t0 + 12s); // window: success, failure: 2 < minRequests
        QCOMPARE(name(aged.state(t0 + 12s)), QStringLiteral("closed"));
        aged.recordFailure(t0 + 13s); // 2 failures of 3 inside the window again
        QCOMPARE(name(aged.state(t0 + 13s)), QStringLiteral("open"));

        CircuitBreaker edge(p); // a result exactly `window` old has left it
        edge.recordFailure(t0);
        edge.recordSuccess(t0 + 9s);
        edge.recordFailure(t0 + 10s); // window: success, failure
        QCOMPARE(name(edge.state(t0 + 10s)), QStringLiteral("closed"));
    }

    // The API's words for each verdict, and the order a headline is picked
    // in: what an operator must act on before what will sort itself out.
    void stallStatesHaveWordsAndAnOrder() {
        const std::vector<std::pair<StallState, std::string>> expected = {
            {StallState::DeadLettered, "dead-lettered"},
            {StallState::Blocked, "blocked"},
            {StallState::CircuitOpen, "circuit-open"},
            {StallState::Retrying, "retrying"},
            {StallState::Paused, "paused"},
            {StallState::NoSubscriber, "no-subscriber"},
            {StallState::WaitingForPredecessor, "waiting-for-predecessor"},
            {StallState::Pending, "pending"},
            {StallState::InFlight, "in-flight"},
            {StallState::Stale, "stale"},
            {StallState::Filtered, "filtered"},
            {StallState::Delivered, "delivered"},
        };
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const auto& [state, word] = expected[i];
            QCOMPARE(std::string(toString(state)), word);
            QVERIFY(parseStallState(word) == state);
            if (i > 0)
                QVERIFY2(urgency(expected[i - 1].first) < urgency(state), word.c_str());
            const bool settled = word == "stale" || word == "filtered" || word == "delivered";
            QCOMPARE(isSettled(state), settled);
        }
        QVERIFY(!parseStallState("Delivered"));
        QVERIFY(!parseStallState(""));
    }

    // The live verdict: each condition wins over the ones after it, and the
    // sentence carries its evidence.
    void stallVerdictsInTheirOrder_data() {
        QTest::addColumn<int>("setup");
        QTest::addColumn<QString>("state");
        QTest::addColumn<QString>("sentence");
        QTest::addRow("not read yet") << 0 << "pending"
                                      << "E is pending to crm: the consumer is 7 events behind "
                                         "the log.";
        QTest::addRow("not read yet, paused")
            << 1 << "paused"
            << "E is pending to crm: the consumer is 7 events behind the log "
               "and is paused.";
        QTest::addRow("not read yet, circuit open")
            << 2 << "circuit-open"
            << "E waits: the circuit to http://h/x is open after repeated failures; it is probed "
               "again at 2026-12-07T10:00:30.000Z. Nothing is dead-lettered meanwhile.";
        QTest::addRow("blocked wins over paused and the circuit")
            << 3 << "blocked"
            << "E is blocked to crm: entity lead:L-1 waits behind a dead letter (dead_letter: "
               "block); replay or discard it.";
        QTest::addRow("paused wins over place in line") << 4 << "paused"
                                                        << "E waits: consumer crm is paused.";
        QTest::addRow("behind others of its entity")
            << 5 << "pending"
            << "E is pending to crm behind 2 earlier event(s) of lead:L-1; the first is retrying "
               "with error: HTTP 500.";
        QTest::addRow("behind others, circuit half-open")
            << 6 << "circuit-open"
            << "E waits: the circuit to http://h/x is open after repeated failures (last: HTTP "
               "500); a probe is testing it now. Nothing is dead-lettered meanwhile.";
        QTest::addRow("in flight wins over the circuit")
            << 7 << "in-flight"
            << "E is being delivered to crm (http://h/x) since 2026-12-07T10:00:00.000Z, attempt "
               "4.";
        QTest::addRow("retrying") << 8 << "retrying"
                                  << "E waits to be retried for crm: HTTP 500 (3 of 8 attempts "
                                     "failed, throttled 1 times); next attempt at "
                                     "2026-12-07T10:00:05.000Z.";
        QTest::addRow("a version gap") << 9 << "waiting-for-predecessor"
                                       << "E waits for an earlier version of lead:L-1 (up to "
                                          "5000 ms).";
        QTest::addRow("no subscriber") << 10 << "no-subscriber"
                                       << "E waits: no WebSocket subscriber is connected for "
                                          "crm.";
        QTest::addRow("queued") << 11 << "pending"
                                << "E is queued for delivery to crm.";
        QTest::addRow("read, between hand-offs") << 12 << "pending"
                                                 << "E is pending to crm.";
    }
    void stallVerdictsInTheirOrder() {
        QFETCH(int, setup);
        QFETCH(QString, state);
        QFETCH(QString, sentence);
        const Timestamp t0 = parseRfc3339("2026-12-07T10:00:00Z").value();
        StallFacts f;
        f.event = "E";
        f.entity = "lead:L-1";
        f.consumer = "crm";
        f.sink = "http://h/x";
        f.probeAt = t0 + 30s;
        f.maxAttempts = 8;
        f.gapTimeout = 5000ms;
        StallFacts::Queued head;
        head.lastError = "HTTP 500";
        switch (setup) {
        case 2:
            f.circuit = CircuitState::Open;
            [[fallthrough]];
        case 1:
            f.paused = setup == 1;
            [[fallthrough]];
        case 0:
            f.eventsBehind = 7;
            break;
        case 3:
            head.blocked = true;
            f.paused = true;
            f.circuit = CircuitState::Open;
            break;
        case 4:
            head.position = 2;
            f.paused = true;
            break;
        case 6:
            f.circuit = CircuitState::HalfOpen;
            [[fallthrough]];
        case 5:
            head.position = 2;
            break;
        case 7:
            head.inFlight = true;
            head.inFlightSince = t0;
            head.attemptsFailed = 2;
            head.throttles = 1;
            f.circuit = CircuitState::HalfOpen;
            break;
        case 8:
            head.retryScheduled = true;
            head.attemptsFailed = 3;
            head.throttles = 1;
            head.nextAttemptAt = t0 + 5s;
            head.waitingForPredecessor = true; // the retry is what it waits on
            break;
        case 9:
            head.waitingForPredecessor = true;
            f.noSubscriber = true;
            break;
        case 10:
            f.noSubscriber = true;
            break;
        default:
            break;
        }
        if (setup >= 3 && setup <= 11)
            f.queued = head;
        const StallVerdict v = judgeStall(f);
        QCOMPARE(std::string(toString(v.state)), state.toStdString());
        QCOMPARE(QString::fromStdString(v.sentence), sentence);
    }

    // A settled event: the open dead letter first, then the newest telling attempt.
    void settledVerdictsFromTheRecords() {
        const Timestamp t0 = parseRfc3339("2026-12-07T10:00:00Z").value();
        AttemptRecord failed;
        failed.failureClass = delivery::FailureClass::Server;
        failed.error = "HTTP 500";
        AttemptRecord delivered = failed;
        delivered.failureClass = delivery::FailureClass::None;
        delivered.status = 200;
        delivered.attempt = 2;
        delivered.startedAt = t0;
        AttemptRecord stale;
        stale.failureClass = delivery::FailureClass::Stale;
        stale.error = "skipped: version 3 is not newer than version 4";
        DeadLetter letter;
        letter.id = 9;
        letter.deadAt = t0;
        letter.attempts = 3;
        letter.error = "HTTP 422: missing owner";

        StallVerdict v = judgeSettled("E", "crm", &letter, {failed, failed, failed});
        QVERIFY(v.state == StallState::DeadLettered);
        QCOMPARE(v.sentence, std::string("E was dead-lettered to crm at 2026-12-07T10:00:00.000Z "
                                         "after 3 attempt(s): HTTP 422: missing owner (dead "
                                         "letter 9)."));
        v = judgeSettled("E", "crm", nullptr, {failed, delivered});
        QVERIFY(v.state == StallState::Delivered);
        QCOMPARE(v.sentence, std::string("E was delivered to crm at 2026-12-07T10:00:00.000Z "
                                         "(HTTP 200), attempt 2."));
        v = judgeSettled("E", "crm", nullptr, {stale});
        QVERIFY(v.state == StallState::Stale);
        QCOMPARE(v.sentence, std::string("E was not sent to crm: skipped: version 3 is not newer "
                                         "than version 4."));
        v = judgeSettled("E", "crm", nullptr, {failed});
        QVERIFY(v.state == StallState::DeadLettered); // its letter was replayed or discarded
        QCOMPARE(v.sentence,
                 std::string("E failed to crm (HTTP 500) and its dead letter was resolved."));
        v = judgeSettled("E", "crm", nullptr, {});
        QVERIFY(v.state == StallState::Filtered);
        QCOMPARE(v.sentence, std::string("E did not pass crm's filter conditions."));
    }

    void outboundBodyRedactsAndMaps() {
        auto s = spec({{"name", "a"}, {"sink", {{"type", "none"}}}, {"redact_pii", true}});
        const Event e = lead(42);
        auto body = json::parse(outboundBody(e, s, {"/email"}));
        QCOMPARE_JSON(body["payload"]["email"], "[redacted]");
        QCOMPARE_JSON(body["payload"]["score"], 42);
        QCOMPARE_JSON(body["event_id"], e.eventId);

        s.mapping = {{"lead", "/payload/lead_id"},
                     {"score", "/payload/score"},
                     {"version", "/entity/version"},
                     {"absent", "/payload/nope"}};
        body = json::parse(outboundBody(e, s, {"/email"}));
        QCOMPARE_JSON(body,
                      (json{{"lead", "L-1"}, {"score", 42}, {"version", 3}, {"absent", nullptr}}));

        s.mapping.clear();
        s.redactPii = false;
        body = json::parse(outboundBody(e, s, {"/email"}, R"({"lead_id":"L-1","score":7})"));
        QCOMPARE_JSON(body["payload"], (json{{"lead_id", "L-1"}, {"score", 7}}));
    }
};

QTEST_GUILESS_MAIN(DeliveryRulesTest)
#include "tst_delivery_rules.moc"
