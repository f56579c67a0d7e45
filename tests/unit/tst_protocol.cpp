// The protocol types of the broker's HTTP API: each answer captured from a
// running meshd reads into its core type and writes back byte for byte; a
// value written and read back is the same value; bad answers give a violation
// at the field's path, never a crash.

#include "core/protocol/consumer_status.h"
#include "core/protocol/dead_letter.h"
#include "core/protocol/decoded.h"
#include "core/protocol/flow.h"
#include "core/protocol/live.h"
#include "core/protocol/search.h"
#include "core/protocol/source.h"
#include "core/protocol/stall.h"
#include "core/protocol/trace.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <functional>

using namespace meshdeck;
using namespace meshdeck::protocol;

Q_DECLARE_METATYPE(std::function<std::string(std::string_view)>)
Q_DECLARE_METATYPE(std::function<Violations(std::string_view)>)

namespace {

// Answers of meshd 0.1.0 (a webhook consumer "crm" whose sink refuses the
// connection, one LeadScored event dead-lettered after two attempts, one
// event refused at ingest), as curl printed them.
constexpr std::string_view kConsumers =
    R"({"last_seq":1,"consumers":[{"name":"crm","description":"CRM sync","sink":"webhook","url":"http://127.0.0.1:9/hook","source":"config","state":"running","paused":false,"ack_floor":1,"lag":{"events":0,"oldest_age_ms":0},"in_flight":0,"retrying":0,"blocked_entities":0,"circuit":{"state":"closed"},"subscribers":0,"totals":{"delivered":0,"failed_attempts":2,"throttled":0,"dead_lettered":1,"stale_skipped":0,"gaps_waited":0,"replayed":0},"delivery_latency":{"count":0},"end_to_end":[],"last_error":{"message":"crm: connection refused by 127.0.0.1:9","at":"2026-12-07T15:44:53.826Z"}}],"outcome_events":[]})";
constexpr std::string_view kConsumer =
    R"({"name":"crm","description":"CRM sync","sink":"webhook","url":"http://127.0.0.1:9/hook","source":"config","state":"running","paused":false,"ack_floor":1,"lag":{"events":0,"oldest_age_ms":0},"in_flight":0,"retrying":0,"blocked_entities":0,"circuit":{"state":"closed"},"subscribers":0,"totals":{"delivered":0,"failed_attempts":2,"throttled":0,"dead_lettered":1,"stale_skipped":0,"gaps_waited":0,"replayed":0},"delivery_latency":{"count":0},"end_to_end":[],"last_error":{"message":"crm: connection refused by 127.0.0.1:9","at":"2026-12-07T15:44:53.826Z"},"spec":{"name":"crm","description":"CRM sync","filter":{"event_types":[]},"sink":{"type":"webhook","url":"http://127.0.0.1:9/hook","method":"POST","headers":{},"timeout_ms":10000},"ordering":"entity","retry":{"max_attempts":2,"max_age_s":86400,"base_ms":10,"cap_ms":20,"jitter":0.2},"max_concurrency":16,"max_pending":10000,"circuit_breaker":{"failure_ratio":0.5,"min_requests":10,"window_s":30,"open_ms":30000,"half_open_probes":3},"dead_letter":"continue","gap_timeout_ms":5000,"redact_pii":false,"slo":{"target_ms":5000,"percentile":95.0},"paused":false}})";
constexpr std::string_view kDeadLetters =
    R"({"dead_letters":[{"id":1,"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","tenant_id":"acme","correlation_id":"journey-L-1","entity":"acme/lead:L-1","signature":"transport 0 connection refused by #.#.#.#:#","class":"transport","error":"connection refused by 127.0.0.1:9","attempts":2,"dead_at":"2026-12-07T15:44:53.826Z","state":"open"}]})";
constexpr std::string_view kGroups =
    R"({"groups":[{"consumer":"crm","signature":"transport 0 connection refused by #.#.#.#:#","class":"transport","example_error":"connection refused by 127.0.0.1:9","count":1,"first_at":"2026-12-07T15:44:53.826Z","last_at":"2026-12-07T15:44:53.826Z"}]})";
constexpr std::string_view kDeadLetter =
    R"({"id":1,"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","tenant_id":"acme","correlation_id":"journey-L-1","entity":"acme/lead:L-1","signature":"transport 0 connection refused by #.#.#.#:#","class":"transport","error":"connection refused by 127.0.0.1:9","attempts":2,"dead_at":"2026-12-07T15:44:53.826Z","state":"open","event":{"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","schema_version":1,"occurred_at":"2026-11-27T09:14:03.120Z","producer":"hubspot-bridge","tenant_id":"acme","correlation_id":"journey-L-1","entity":{"kind":"lead","id":"L-1","version":3},"payload":{"lead_id":"L-1","score":91,"model":"fit-v3"},"seq":1,"ingested_at":"2026-12-07T15:44:53.810Z"},"attempt_log":[{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","attempt":1,"at":"2026-12-07T15:44:53.811Z","duration_ms":0.106,"status":0,"class":"transport","error":"connection refused by 127.0.0.1:9"},{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","attempt":2,"at":"2026-12-07T15:44:53.826Z","duration_ms":0.115,"status":0,"class":"transport","error":"connection refused by 127.0.0.1:9"}]})";
constexpr std::string_view kTrace =
    R"({"correlation_id":"journey-L-1","events":1,"timeline":[{"seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","producer":"hubspot-bridge","tenant_id":"acme","entity":"lead:L-1","occurred_at":"2026-11-27T09:14:03.120Z","ingested_at":"2026-12-07T15:44:53.810Z","entity_version":3,"kind":"event"},{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","attempt":1,"at":"2026-12-07T15:44:53.811Z","duration_ms":0.106,"status":0,"class":"transport","error":"connection refused by 127.0.0.1:9","kind":"attempt"},{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","attempt":2,"at":"2026-12-07T15:44:53.826Z","duration_ms":0.115,"status":0,"class":"transport","error":"connection refused by 127.0.0.1:9","kind":"attempt"},{"id":1,"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","tenant_id":"acme","correlation_id":"journey-L-1","entity":"acme/lead:L-1","signature":"transport 0 connection refused by #.#.#.#:#","class":"transport","error":"connection refused by 127.0.0.1:9","attempts":2,"dead_at":"2026-12-07T15:44:53.826Z","state":"open","kind":"dead-letter"}],"causation":[{"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","seq":1,"caused":[]}]})";
constexpr std::string_view kStallDeadLettered =
    R"({"subject":"correlation id journey-L-1","state":"dead-lettered","answer":"LeadScored 01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f (seq 1) was dead-lettered to crm at 2026-12-07T15:44:53.826Z after 2 attempt(s): connection refused by 127.0.0.1:9 (dead letter 1).","evidence":[{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","state":"dead-lettered","sentence":"LeadScored 01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f (seq 1) was dead-lettered to crm at 2026-12-07T15:44:53.826Z after 2 attempt(s): connection refused by 127.0.0.1:9 (dead letter 1).","dead_letter_id":1}]})";
constexpr std::string_view kStallUnknown =
    R"({"subject":"correlation id nobody","state":"unknown","answer":"No event with correlation id nobody was received, and nothing was rejected with it: check the producer."})";
constexpr std::string_view kStallRejected =
    R"({"subject":"correlation id bad-1","state":"rejected","answer":"Rejected at ingest at 2026-12-07T15:44:58.619Z (invalid, HTTP 422); see quarantine entry 1.","evidence":{"quarantine_id":1,"problem":{"type":"urn:meshdeck:problem:invalid-event","title":"Invalid event","status":422,"detail":"1 problem(s) in the request; nothing was stored","violations":[{"path":"/payload/score","message":"expected an integer, got \"high\""}]}}})";
constexpr std::string_view kFlows =
    R"({"at":"2026-12-07T15:44:55.910Z","since":"2026-12-07T15:44:46.018Z","window_seconds":60,"producers":[{"tenant":"acme","producer":"hubspot-bridge","type":"LeadScored","published":1,"rejected":0,"published_per_s":0.10109179134654267,"rejected_per_s":0.0,"last_at":"2026-12-07T15:44:53.811Z"}],"consumers":[{"consumer":"crm","type":"LeadScored","delivered":0,"failed":2,"dead_lettered":1,"delivered_per_s":0.0,"failed_per_s":0.20218358269308534,"dead_lettered_per_s":0.10109179134654267,"error_ratio":1.0,"last_error":"connection refused by 127.0.0.1:9","last_at":"2026-12-07T15:44:53.826Z"}]})";

// The sources answers in the shape core/protocol/source.h gives them: a
// HubSpot source that took one request of three items and refused one
// signature, and the playground's answer for a body of two items.
constexpr std::string_view kSources =
    R"({"sources":[{"name":"hubspot","kind":"hubspot","tenant":"acme","producer":"hubspot","mapping":"hubspot.json","hook_path":"/v1/hooks/hubspot","public_url":"https://mesh.example.com/v1/hooks/hubspot","origin":"api","spec":{"name":"hubspot","kind":"hubspot","tenant":"acme","secrets":["********"],"public_url":"https://mesh.example.com/v1/hooks/hubspot"},"counters":{"requests":2,"received":3,"mapped":2,"duplicates":0,"ignored":1,"rejected_signature":1,"quarantined":0},"last_received_at":"2026-12-07T15:44:53.826Z","last_error_at":"2026-12-07T15:44:58.619Z","last_error":"the signature does not match any of the source's 1 secrets"}]})";
constexpr std::string_view kSourceTest =
    R"({"verification":{"checked":true,"ok":false,"reason":"X-HubSpot-Signature-v3 is missing"},"error":"","items":[{"where":"/0","vendor_id":"4011932001","outcome":"mapped","rule":"contact-created","reason":"","event":{"event_id":"6f1c2a8e-0d5b-5c3e-9a7f-1b2c3d4e5f60","event_type":"LeadCreated","schema_version":1,"occurred_at":"2025-11-27T09:14:03.120Z","producer":"hubspot","tenant_id":"acme","entity":{"kind":"lead","id":"9001"},"payload":{"lead_id":"9001"}},"violations":[]},{"where":"/1","vendor_id":"4011932002","outcome":"no-match","rule":"","reason":"no rule matches subscriptionType \"deal.creation\"","event":null,"violations":[]}]})";

// GET /v1/search answers of meshd 0.1.0: an id that is an entity id and a
// correlation id, and an event id typed in capitals.
constexpr std::string_view kSearchAmbiguous =
    R"({"query":"L-1076","truncated":false,"matches":[{"kind":"entity","tenant":"acme","entity":{"kind":"lead","id":"L-1076"},"events":3,"events_more":false,"first_seq":1,"first_occurred_at":"2026-11-27T09:14:01.120Z","last_seq":3,"last_occurred_at":"2026-11-27T09:14:03.120Z","last_event_type":"LeadScored","correlation_ids":["L-1076"],"correlation_ids_more":false,"open_dead_letters":0,"open_dead_letters_more":false,"href":"/v1/events?tenant=acme&entity=lead%3AL-1076"},{"kind":"correlation","correlation_id":"L-1076","tenants":["acme"],"events":3,"events_more":false,"first_seq":1,"first_occurred_at":"2026-11-27T09:14:01.120Z","last_seq":3,"last_occurred_at":"2026-11-27T09:14:03.120Z","entities":[{"tenant":"acme","kind":"lead","id":"L-1076"}],"entities_more":false,"href":"/v1/traces/L-1076"}]})";
constexpr std::string_view kSearchEvent =
    R"({"query":"01A252A6-E232-719F-89A5-A209416796EA","truncated":false,"matches":[{"kind":"event","event_id":"01a252a6-e232-719f-89a5-a209416796ea","event_type":"LeadScored","tenant":"acme","seq":1,"occurred_at":"2026-11-27T09:14:01.120Z","ingested_at":"2026-12-07T22:36:38.322Z","entity":{"kind":"lead","id":"L-1076"},"correlation_id":"L-1076","producer":"p","href":"/v1/events/01a252a6-e232-719f-89a5-a209416796ea"}]})";

// Reads an answer as T and writes it again; the error when it does not read.
template <class T> std::string rewrite(std::string_view text) {
    const auto decoded = fromJson<T>(text);
    return decoded ? toJson(*decoded.value) : "not read: " + decoded.error();
}

template <class T> void checkRoundTrip(const T& value) {
    const std::string text = toJson(value);
    const auto back = fromJson<T>(text);
    QVERIFY2(back, back.error().c_str());
    QVERIFY2(*back.value == value, text.c_str());
    QCOMPARE(toJson(*back.value), text);
}

// As checkRoundTrip; Violation has no operator==, so SourceTestResult's
// defaulted one cannot be used and the items are compared member by member.
void checkResultRoundTrip(const SourceTestResult& value) {
    const std::string text = toJson(value);
    const auto back = fromJson<SourceTestResult>(text);
    QVERIFY2(back, back.error().c_str());
    QCOMPARE(toJson(*back.value), text);
    const SourceTestResult& r = *back.value;
    QCOMPARE(r.verificationChecked, value.verificationChecked);
    QCOMPARE(r.verified, value.verified);
    QCOMPARE(r.verificationReason, value.verificationReason);
    QCOMPARE(r.error, value.error);
    QCOMPARE(r.items.size(), value.items.size());
    for (std::size_t i = 0; i < r.items.size(); ++i) {
        const SourceTestItem &a = r.items[i], &b = value.items[i];
        QCOMPARE(a.where, b.where);
        QCOMPARE(a.vendorId, b.vendorId);
        QCOMPARE(a.outcome, b.outcome);
        QCOMPARE(a.rule, b.rule);
        QCOMPARE(a.reason, b.reason);
        QCOMPARE(a.event, b.event);
        QCOMPARE(describe(a.violations), describe(b.violations));
    }
}

Timestamp at(std::int64_t ms) {
    return fromUnixMillis(1'764'234'843'000 + ms);
}

AttemptRecord attempt(delivery::FailureClass failure, bool replay = false) {
    AttemptRecord a;
    a.consumer = "crm";
    a.seq = 7;
    a.eventId = "e-7";
    a.attempt = 3;
    a.startedAt = at(5);
    a.durationUs = 12'345;
    a.status = failure == delivery::FailureClass::None ? 200 : 503;
    a.failureClass = failure;
    a.error = failure == delivery::FailureClass::None ? "" : "503 Service Unavailable";
    a.response = "{\"retry\":true}";
    a.replay = replay;
    return a;
}

DeadLetter resolvedLetter() {
    DeadLetter d;
    d.id = 42;
    d.consumer = "crm";
    d.seq = 7;
    d.eventId = "e-7";
    d.eventType = "LeadScored";
    d.tenantId = "acme";
    d.correlationId = "j-1";
    d.entity = "acme/lead:L-1";
    d.signature = "invalid 422 score";
    d.failureClass = delivery::FailureClass::Invalid;
    d.error = "422: score must be a number";
    d.attempts = 1;
    d.deadAt = at(10);
    d.state = DeadLetterState::Replayed;
    d.resolvedAt = at(20);
    d.resolvedBy = "tok-ops";
    d.reason = "fixed the payload";
    d.payloadOverride = R"({"lead_id":"L-1","score":91})";
    d.parentId = 41;
    return d;
}

ConsumerStatus status() {
    ConsumerStatus s;
    s.spec.name = "crm";
    s.spec.sink.kind = SinkKind::Webhook;
    s.spec.sink.url = "https://crm.example/hook";
    s.spec.sink.secret = "whsec_secret";
    s.spec.slo.target = std::chrono::milliseconds(2000);
    s.circuit = CircuitState::Open;
    s.circuitReopensAt = at(30'000);
    s.pending = 12;
    s.retrying = 2;
    s.lastError = "crm: 503";
    s.lastErrorAt = at(1);
    s.deliveryLatencyMs = Histogram::latencyMs();
    for (double ms : {5.0, 10.0, 40.0})
        s.deliveryLatencyMs.observe(ms);
    s.endToEndMs.emplace("LeadScored", Histogram::latencyMs());
    s.endToEndMs.at("LeadScored").observe(1500.0);
    return s;
}

} // namespace

class TestProtocol : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void capturedAnswersReadAndWriteBack_data() {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<std::function<std::string(std::string_view)>>("rewriteAs");
        const auto row = [](const char* name, std::string_view answer, auto rewriter) {
            QTest::newRow(name) << QString::fromUtf8(answer.data(), qsizetype(answer.size()))
                                << std::function<std::string(std::string_view)>(rewriter);
        };
        row("GET /v1/consumers", kConsumers, rewrite<ConsumerList>);
        row("GET /v1/consumers/crm (with spec)", kConsumer, rewrite<ConsumerReport>);
        row("GET /v1/dead-letters", kDeadLetters, rewrite<DeadLetterPage>);
        row("GET /v1/dead-letters/groups", kGroups, rewrite<DeadLetterGroups>);
        row("GET /v1/dead-letters/1 (event, attempt log)", kDeadLetter, rewrite<DeadLetterDetail>);
        row("GET /v1/traces/journey-L-1", kTrace, rewrite<Trace>);
        row("GET /v1/stall: dead-lettered", kStallDeadLettered, rewrite<StallAnswer>);
        row("GET /v1/stall: unknown", kStallUnknown, rewrite<StallAnswer>);
        row("GET /v1/stall: rejected", kStallRejected, rewrite<StallAnswer>);
        row("GET /v1/flows", kFlows, rewrite<FlowSnapshot>);
        row("GET /v1/sources", kSources, rewrite<SourceList>);
        row("POST /v1/sources/hubspot/test", kSourceTest, rewrite<SourceTestResult>);
        row("GET /v1/search?q=L-1076 (entity and correlation)", kSearchAmbiguous,
            rewrite<SearchAnswer>);
        row("GET /v1/search?q=<event id in capitals>", kSearchEvent, rewrite<SearchAnswer>);
    }
    void capturedAnswersReadAndWriteBack() {
        QFETCH(QString, answer);
        QFETCH(std::function<std::string(std::string_view)>, rewriteAs);
        const std::string text = answer.toStdString();
        QCOMPARE(rewriteAs(text), text);
    }

    void capturedAnswersReadIntoTypedValues() {
        const auto list = fromJson<ConsumerList>(kConsumers);
        QVERIFY2(list, list.error().c_str());
        QCOMPARE(list.value->consumers.size(), std::size_t(1));
        const ConsumerReport& crm = list.value->consumers[0];
        QVERIFY(crm.sink == SinkKind::Webhook);
        QVERIFY(crm.state == ConsumerState::Running);
        QVERIFY(crm.circuit == CircuitState::Closed);
        QCOMPARE(crm.failedAttempts, std::int64_t(2));
        QCOMPARE(crm.lastErrorAt, parseRfc3339("2026-12-07T15:44:53.826Z"));

        const auto detail = fromJson<DeadLetterDetail>(kDeadLetter);
        QVERIFY2(detail, detail.error().c_str());
        QVERIFY(detail.value->letter.failureClass == delivery::FailureClass::Transport);
        QVERIFY(detail.value->letter.state == DeadLetterState::Open);
        QCOMPARE(detail.value->attempts.size(), std::size_t(2));
        QCOMPARE(detail.value->attempts[1].durationUs, std::int64_t(115));
        QVERIFY(detail.value->letter.eventJson.find("\"score\":91") != std::string::npos);

        const auto trace = fromJson<Trace>(kTrace);
        QVERIFY2(trace, trace.error().c_str());
        QCOMPARE(trace.value->timeline.size(), std::size_t(4));
        QVERIFY(std::holds_alternative<TracedEvent>(trace.value->timeline[0]));
        QVERIFY(std::holds_alternative<AttemptRecord>(trace.value->timeline[1]));
        QVERIFY(std::holds_alternative<DeadLetter>(trace.value->timeline[3]));
        QCOMPARE(std::get<TracedEvent>(trace.value->timeline[0]).entityVersion,
                 std::optional<std::int64_t>(3));

        const auto rejected = fromJson<StallAnswer>(kStallRejected);
        QVERIFY2(rejected, rejected.error().c_str());
        QVERIFY(rejected.value->kind == StallSubject::Rejected);
        QCOMPARE(rejected.value->quarantine->id, std::int64_t(1));
        const auto stalled = fromJson<StallAnswer>(kStallDeadLettered);
        QVERIFY(stalled.value->kind == StallSubject::Findings);
        QVERIFY(stalled.value->state == StallState::DeadLettered);
        QVERIFY(stalled.value->evidence.at(0).state == StallState::DeadLettered);
        QCOMPARE(stalled.value->evidence.at(0).deadLetterId, std::optional<std::int64_t>(1));
    }

    void valuesSurviveARoundTrip() {
        checkRoundTrip(DeadLetterPage{{resolvedLetter(), DeadLetter{}}, 41});
        checkRoundTrip(DeadLetterDetail{resolvedLetter(),
                                        {attempt(delivery::FailureClass::Server),
                                         attempt(delivery::FailureClass::None, true)}});
        checkRoundTrip(DeadLetterGroups{{DeadLetterGroup{
            "crm", "auth 401", delivery::FailureClass::Auth, "401", 3, at(1), at(2)}}});
        checkRoundTrip(ConsumerList{9,
                                    {report(status(), true), report(status(), false)},
                                    {TypedLatency{"LeadWon", {2, 1.5, 2.5, 3.5, 4.5}, {}}}});

        Trace trace;
        trace.correlationId = "j-1";
        trace.events = 2;
        Event e;
        e.seq = 7;
        e.eventId = "e-7";
        e.eventType = "LeadScored";
        e.entity = {"lead", "L-1", 4};
        e.causationId = "e-6";
        e.occurredAt = at(0);
        e.ingestedAt = at(1);
        trace.timeline = {
            tracedEvent(e),
            attempt(delivery::FailureClass::Stale),
            attempt(delivery::FailureClass::Throttled, true),
            resolvedLetter(),
            TracedResolution{DeadLetterState::Discarded, 42, "crm", "e-7", "ops", "duplicate",
                             at(30)},
            TracedOutcome{"crm", "e-8", "LeadWon", R"({"ok":true})", at(40), 39, 2000, true}};
        trace.causation = {CausationNode{"e-6", "LeadCreated", 6, {{"e-7", "LeadScored", 7, {}}}}};
        checkRoundTrip(trace);

        StallAnswer stall{"entity lead:L-1",
                          StallSubject::Findings,
                          StallState::CircuitOpen,
                          "waits for the circuit",
                          {StallFinding{"crm", 7, "e-7", StallState::CircuitOpen, "waits"}},
                          std::nullopt};
        checkRoundTrip(stall);
        checkRoundTrip(StallAnswer{"entity lead:L-2",
                                   StallSubject::NoConsumer,
                                   StallState::Pending,
                                   "none",
                                   {},
                                   std::nullopt});

        FlowSnapshot flows{
            at(0),
            at(-60'000),
            60,
            {ProducerFlow{"acme", "hubspot", "LeadScored", 3, 1, 0.05, 0.0, {}}},
            {ConsumerFlow{"crm", "LeadScored", 2, 1, 0, 0.1, 0.05, 0, 0.33, "503", at(-5)}}};
        checkRoundTrip(flows);
        checkRoundTrip(LiveSnapshot{at(0), 9, 12, {report(status(), false)}, flows});
        checkRoundTrip(
            LiveStateChange{"crm", ConsumerState::Running, ConsumerState::CircuitOpen, at(3)});
    }

    void searchValuesSurviveARoundTrip() {
        const FoundEvent event{"e-7", "LeadScored", "acme", 7,     at(0),
                               at(1), "lead",       "L-1",  "j-1", "hubspot"};
        DeadLetter letter = resolvedLetter();
        letter.entity = "acme/lead:L-1:x"; // a ':' in the id stays in the id
        const DeadLetterMatch dead = deadLetterMatch(letter);
        QCOMPARE(dead.entityKind, std::string("lead"));
        QCOMPARE(dead.entityId, std::string("L-1:x"));
        QCOMPARE(dead.reason, std::string("fixed the payload"));
        SearchAnswer answer{"L-1",
                            {EventMatch{event}, VendorMatch{"hubspot-prod", "4011932001", event},
                             dead,
                             EntityMatch{"acme",
                                         "lead",
                                         "L 1/%",
                                         {1000, true, 3, at(2), 9000, at(3)},
                                         "LeadWon",
                                         {"j-1", "j-2"},
                                         true,
                                         4,
                                         false},
                             CorrelationMatch{"j 1",
                                              {"acme", "globex"},
                                              {12, false, 3, at(2), 15, at(4)},
                                              {{"acme", "lead", "L-1"}, {"globex", "deal", "D-2"}},
                                              false}},
                            true,
                            ""};
        checkRoundTrip(answer);
        checkRoundTrip(SearchAnswer{"nobody", {}, false, "Nothing in tenant acme matches"});
        // Each match says where it opens, its ids percent-encoded.
        QCOMPARE(hrefOf(answer.matches[3]),
                 std::string("/v1/events?tenant=acme&entity=lead%3AL%201%2F%25"));
        QCOMPARE(hrefOf(answer.matches[4]), std::string("/v1/traces/j%201"));
        QCOMPARE(hrefOf(answer.matches[2]), std::string("/v1/dead-letters/42"));
    }

    void sourcesReadIntoTypedValues() {
        const auto list = fromJson<SourceList>(kSources);
        QVERIFY2(list, list.error().c_str());
        QCOMPARE(list.value->sources.size(), std::size_t(1));
        const SourceStatus& hubspot = list.value->sources[0];
        QCOMPARE(hubspot.hookPath, std::string("/v1/hooks/hubspot"));
        QCOMPARE(hubspot.counters.rejectedSignature, std::int64_t(1));
        QCOMPARE(hubspot.counters.ignored, std::int64_t(1));
        QCOMPARE(hubspot.lastErrorAt, parseRfc3339("2026-12-07T15:44:58.619Z"));
        // The spec arrives as an object and is kept as its compact text.
        QVERIFY(hubspot.spec.starts_with(R"({"name":"hubspot","kind":"hubspot")"));

        const auto test = fromJson<SourceTestResult>(kSourceTest);
        QVERIFY2(test, test.error().c_str());
        QVERIFY(test.value->verificationChecked);
        QVERIFY(!test.value->verified);
        QCOMPARE(test.value->items.size(), std::size_t(2));
        QCOMPARE(test.value->items[0].rule, std::string("contact-created"));
        QVERIFY(test.value->items[0].event.find(R"("event_type":"LeadCreated")") !=
                std::string::npos);
        QCOMPARE(test.value->items[1].outcome, std::string("no-match"));
        QCOMPARE(test.value->items[1].event, std::string()); // null: no event
    }

    void sourceValuesSurviveARoundTrip() {
        SourceStatus full;
        full.name = "salesforce";
        full.kind = "salesforce-outbound";
        full.tenant = "acme";
        full.producer = "salesforce";
        full.mapping = "salesforce-outbound.json";
        full.hookPath = "/v1/hooks/salesforce";
        full.origin = "config";
        full.spec = R"({"name":"salesforce","secrets":[]})";
        full.counters = {10, 18, 15, 2, 1, 3, 2};
        full.lastReceivedAt = at(100);
        full.lastErrorAt = at(90);
        full.lastError = "Notification[1]: no rule matches sObject type \"Task\"";
        SourceStatus fresh; // nothing received yet: no times, no spec, no error
        fresh.name = "segment";
        fresh.kind = "segment";
        fresh.tenant = "globex";
        fresh.hookPath = "/v1/hooks/segment";
        checkRoundTrip(full);
        checkRoundTrip(SourceList{{full, fresh}});
        checkRoundTrip(SourceList{});

        checkRoundTrip(SourceTestRequest{"[]", {}, false, ""});
        checkRoundTrip(SourceTestRequest{
            R"([{"eventId":1}])",
            {{"X-HubSpot-Signature-v3", "abc="}, {"X-HubSpot-Request-Timestamp", "1764234846000"}},
            true,
            R"({"rules":[]})"});

        SourceTestItem invalid;
        invalid.where = "Notification[0]";
        invalid.vendorId = "04l5g000000ABCD";
        invalid.outcome = "invalid";
        invalid.rule = "lead-created";
        invalid.reason = "the event does not match LeadCreated v1";
        invalid.event = R"({"event_type":"LeadCreated","payload":{"email":7}})";
        invalid.violations = {{"/payload/email", "expected a string, got 7"}};
        SourceTestItem ignored{"/1", "2", "ignored", "ignore-bots", "", "", {}};
        checkResultRoundTrip(SourceTestResult{true, true, "", "", {invalid, ignored}});
        checkResultRoundTrip(
            SourceTestResult{false, false, "", "the body is not JSON: line 1", {}});
    }

    void repeatedHeadersAreSentAsOne() {
        // A JSON object holds one value per name; HTTP joins repeated field
        // lines with ", ", and names are compared without case.
        const SourceTestRequest request{
            "{}", {{"X-Trace", "a"}, {"Content-Type", "application/json"}, {"x-trace", "b"}}};
        const auto back = fromJson<SourceTestRequest>(toJson(request));
        QVERIFY2(back, back.error().c_str());
        const std::vector<std::pair<std::string, std::string>> expected{
            {"X-Trace", "a, b"}, {"Content-Type", "application/json"}};
        QVERIFY(back.value->headers == expected);
    }

    void liveFramesReadByType() {
        const auto change = fromJson<LiveFrame>(
            toJson(LiveStateChange{"crm", ConsumerState::Paused, ConsumerState::Running, at(1)}));
        QVERIFY2(change, change.error().c_str());
        QVERIFY(std::get<LiveStateChange>(*change.value).from == ConsumerState::Paused);
        const auto other = fromJson<LiveFrame>(R"({"type":"hello"})");
        QVERIFY(!other);
        QCOMPARE(test::messageAt(other.violations, "/type"),
                 std::string("expected snapshot or state-changed, got \"hello\""));
    }

    void reportSaysWhatTheEngineKnows() {
        ConsumerStatus s = status();
        const ConsumerReport r = report(s, true);
        QVERIFY(r.state == ConsumerState::CircuitOpen);
        QCOMPARE(r.lagEvents, std::int64_t(12));
        QCOMPARE(r.deliveryLatency.count, std::uint64_t(3));
        QCOMPARE(r.endToEnd.at(0).slo->met, true);
        QCOMPARE(r.endToEnd.at(0).slo->percentile, 95.0);
        QVERIFY(r.specJson && r.specJson->find("whsec_secret") == std::string::npos);
        QVERIFY(!report(s, false).specJson);
        // A half-open circuit lets probes through: the headline is what else holds.
        s.circuit = CircuitState::HalfOpen;
        QVERIFY(headlineState(s) == ConsumerState::Retrying);
        s.spec.paused = true;
        QVERIFY(headlineState(s) == ConsumerState::Paused);
    }

    void badAnswersSayWhatIsWrong_data() {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<std::function<Violations(std::string_view)>>("read");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        const auto row = [](const char* name, const char* answer, auto read, const char* path,
                            const char* message) {
            QTest::newRow(name) << QString::fromUtf8(answer)
                                << std::function<Violations(std::string_view)>(read)
                                << QString::fromUtf8(path) << QString::fromUtf8(message);
        };
        const auto groups = [](std::string_view t) {
            return fromJson<DeadLetterGroups>(t).violations;
        };
        const auto consumers = [](std::string_view t) {
            return fromJson<ConsumerList>(t).violations;
        };
        const auto trace = [](std::string_view t) {
            return fromJson<Trace>(t).violations;
        };
        const auto stall = [](std::string_view t) {
            return fromJson<StallAnswer>(t).violations;
        };
        row("not JSON", "{\"groups\": [", groups, "", "the answer is not JSON");
        row("an array for an object", "[]", groups, "", "expected an object, got an empty array");
        row("missing list", "{}", groups, "/groups", "required, but missing");
        row("a string for an array", R"({"groups":"many"})", groups, "/groups",
            "expected an array, got \"many\"");
        row("wrong type in an item",
            R"({"groups":[{"consumer":"crm","signature":"s","class":"auth","example_error":"e","count":"3","first_at":"2026-12-07T15:44:53.826Z","last_at":"2026-12-07T15:44:53.826Z"}]})",
            groups, "/groups/0/count", "expected an integer, got \"3\"");
        row("unknown failure class",
            R"({"groups":[{"consumer":"crm","signature":"s","class":"cosmic","example_error":"e","count":3,"first_at":"2026-12-07T15:44:53.826Z","last_at":"2026-12-07T15:44:53.826Z"}]})",
            groups, "/groups/0/class", "expected a failure class");
        row("bad time",
            R"({"groups":[{"consumer":"crm","signature":"s","class":"auth","example_error":"e","count":3,"first_at":"yesterday","last_at":"2026-12-07T15:44:53.826Z"}]})",
            groups, "/groups/0/first_at", "expected an RFC 3339 time, got \"yesterday\"");
        row("consumer without lag", R"({"last_seq":1,"consumers":[{"name":"crm"}]})", consumers,
            "/consumers/0/lag", "required, but missing");
        row("unknown circuit state",
            R"({"last_seq":1,"consumers":[{"name":"crm","sink":"none","state":"running","paused":false,"ack_floor":0,"lag":{"events":0,"oldest_age_ms":0},"in_flight":0,"retrying":0,"blocked_entities":0,"circuit":{"state":"ajar"},"totals":{"delivered":0,"failed_attempts":0,"throttled":0,"dead_lettered":0,"stale_skipped":0,"gaps_waited":0,"replayed":0}}]})",
            consumers, "/consumers/0/circuit/state",
            "expected closed, open or half-open, got \"ajar\"");
        row("unknown timeline kind",
            R"({"correlation_id":"c","events":0,"timeline":[{"kind":"party"}],"causation":[]})",
            trace, "/timeline/0/kind", "expected event, attempt");
        row("causation child not an object",
            R"({"correlation_id":"c","events":0,"timeline":[],"causation":[{"event_id":"e","event_type":"T","seq":1,"caused":[7]}]})",
            trace, "/causation/0/caused/0", "expected an object, got 7");
        row("unknown stall state", R"({"subject":"s","state":"sleepy","answer":"a"})", stall,
            "/state", "expected a stall state, rejected, unknown or no-consumer, got \"sleepy\"");
        const auto sources = [](std::string_view t) {
            return fromJson<SourceList>(t).violations;
        };
        const auto test = [](std::string_view t) {
            return fromJson<SourceTestResult>(t).violations;
        };
        const auto request = [](std::string_view t) {
            return fromJson<SourceTestRequest>(t).violations;
        };
        row("source without hook path",
            R"({"sources":[{"name":"h","kind":"hubspot","tenant":"acme","counters":{"requests":0,"received":0,"mapped":0,"duplicates":0,"ignored":0,"rejected_signature":0,"quarantined":0}}]})",
            sources, "/sources/0/hook_path", "required, but missing");
        row("source counter as text",
            R"({"sources":[{"name":"h","kind":"hubspot","tenant":"acme","hook_path":"/v1/hooks/h","counters":{"requests":"12","received":0,"mapped":0,"duplicates":0,"ignored":0,"rejected_signature":0,"quarantined":0}}]})",
            sources, "/sources/0/counters/requests", "expected an integer, got \"12\"");
        row("source without counters",
            R"({"sources":[{"name":"h","kind":"hubspot","tenant":"acme","hook_path":"/v1/hooks/h"}]})",
            sources, "/sources/0/counters", "required, but missing");
        row("source error time unreadable",
            R"({"sources":[{"name":"h","kind":"hubspot","tenant":"acme","hook_path":"/v1/hooks/h","counters":{"requests":0,"received":0,"mapped":0,"duplicates":0,"ignored":0,"rejected_signature":0,"quarantined":0},"last_error_at":"just now"}]})",
            sources, "/sources/0/last_error_at", "expected an RFC 3339 time, got \"just now\"");
        row("test without verification", R"({"items":[]})", test, "/verification",
            "required, but missing");
        row("test items not an array",
            R"({"verification":{"checked":false,"ok":false},"items":{}})", test, "/items",
            "expected an array, got an empty object");
        row("unknown outcome",
            R"({"verification":{"checked":false,"ok":false},"items":[{"where":"/0","outcome":"maybe"}]})",
            test, "/items/0/outcome",
            "expected mapped, ignored, no-match, failed or invalid, got \"maybe\"");
        row("violation without message",
            R"({"verification":{"checked":false,"ok":false},"items":[{"where":"/0","outcome":"invalid","violations":[{"path":"/payload"}]}]})",
            test, "/items/0/violations/0/message", "required, but missing");
        const auto search = [](std::string_view t) {
            return fromJson<SearchAnswer>(t).violations;
        };
        row("search without matches", R"({"query":"x","truncated":false})", search, "/matches",
            "required, but missing");
        row("unknown match kind", R"({"query":"x","truncated":false,"matches":[{"kind":"guess"}]})",
            search, "/matches/0/kind",
            "expected event, vendor, entity, correlation or dead_letter");
        row("entity count as text",
            R"({"query":"x","truncated":false,"matches":[{"kind":"entity","tenant":"acme","entity":{"kind":"lead","id":"x"},"events":"3"}]})",
            search, "/matches/0/events", "expected an integer, got \"3\"");
        row("entity without its kind",
            R"({"query":"x","truncated":false,"matches":[{"kind":"event","entity":{"id":"x"}}]})",
            search, "/matches/0/entity/kind", "required, but missing");
        row("correlation ids not strings",
            R"({"query":"x","truncated":false,"matches":[{"kind":"entity","correlation_ids":[7]}]})",
            search, "/matches/0/correlation_ids/0", "expected a string, got 7");
        row("dead letter in an unknown state",
            R"({"query":"9","truncated":false,"matches":[{"kind":"dead_letter","state":"lost"}]})",
            search, "/matches/0/state", "expected open, replayed or discarded, got \"lost\"");
        row("request without body", R"({"headers":{}})", request, "/body", "required, but missing");
        row("request headers as a list", R"({"body":"{}","headers":["X-A: 1"]})", request,
            "/headers", "expected an object of header names and values, got an array");
        row("request header value a number", R"({"body":"{}","headers":{"X-Count":3}})", request,
            "/headers/X-Count", "expected a string, got 3");
    }
    void badAnswersSayWhatIsWrong() {
        QFETCH(QString, answer);
        QFETCH(std::function<Violations(std::string_view)>, read);
        QFETCH(QString, path);
        QFETCH(QString, message);
        const Violations violations = read(answer.toStdString());
        QVERIFY2(!violations.empty(), "bad input was read without a violation");
        const std::string found = test::messageAt(violations, path.toStdString());
        QVERIFY2(QString::fromStdString(found).startsWith(message),
                 qPrintable(test::describeForTest(violations)));
    }
};

QTEST_APPLESS_MAIN(TestProtocol)
#include "tst_protocol.moc"
