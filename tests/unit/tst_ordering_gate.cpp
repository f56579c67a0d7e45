// The version gate, per-entity queueing and the retry rules as plain
// functions, time passed in: what the dispatcher does with the head of an
// entity's queue, which queue goes next, and what a failed attempt does to
// its event.

#include "core/entity_queues.h"
#include "core/ordering_gate.h"
#include "core/retry_policy.h"

#include <QtTest/QTest>
#include <deque>

using namespace meshdeck;
using namespace std::chrono_literals;
using delivery::FailureClass;
using ordering::Verdict;

Q_DECLARE_METATYPE(ordering::Verdict)

namespace {

const ordering::TimePoint t0{std::chrono::hours(1000)};

// A queue as the dispatcher holds one: versions, nothing for an event the
// gate does not order (a replay, an entity without versions).
using Queue = std::deque<std::optional<std::int64_t>>;

std::optional<std::int64_t> filler(const Queue& q, std::int64_t lastSent, std::int64_t head) {
    const auto it =
        ordering::fillsGap(q.begin(), q.end(), lastSent, head, [](const auto& v) { return v; });
    return it == q.end() ? std::nullopt : *it;
}

FailedAttempt failed(FailureClass failure, int attempts = 0, int throttles = 0) {
    FailedAttempt f;
    f.failure = failure;
    f.attempts = attempts;
    f.throttles = throttles;
    return f;
}

delivery::Item itemOf(std::int64_t seq) {
    auto e = std::make_shared<Event>();
    e->seq = seq;
    return {e, delivery::ItemKind::Live};
}

// Takes every queue that may send now (the gate lets all through) and says
// which, in order, leaving them in flight.
std::vector<std::string> sendAll(delivery::EntityQueues& queues, ordering::TimePoint now) {
    std::vector<std::string> sent;
    while (auto ready = queues.next(now, [](const auto&, auto&) { return true; })) {
        ready->queue->inFlight = true;
        queues.take();
        sent.push_back(ready->key);
    }
    return sent;
}

RetryPolicy policy() {
    RetryPolicy p;
    p.maxAttempts = 3;
    p.maxAge = 60s;
    p.base = 100ms;
    p.cap = 1000ms;
    p.jitter = 0; // delays exact
    return p;
}

} // namespace

class OrderingGateTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void judgesTheHead_data() {
        QTest::addColumn<qint64>("lastSent"); // -1: nothing sent yet
        QTest::addColumn<qint64>("version");
        QTest::addColumn<qint64>("seenBefore");
        QTest::addColumn<bool>("gapWaited");
        QTest::addColumn<Verdict>("verdict");
        QTest::addRow("first version this consumer sees")
            << -1LL << 7LL << 0LL << false << Verdict::Send;
        QTest::addRow("the next version") << 3LL << 4LL << 3LL << false << Verdict::Send;
        QTest::addRow("the same version again") << 4LL << 4LL << 4LL << false << Verdict::Stale;
        QTest::addRow("an older version") << 4LL << 2LL << 4LL << false << Verdict::Stale;
        QTest::addRow("a version skipped ahead") << 3LL << 5LL << 3LL << false << Verdict::Gap;
        QTest::addRow("a gap the log passed over (filtered out)")
            << 3LL << 5LL << 4LL << false << Verdict::Send;
        QTest::addRow("a gap already waited out") << 3LL << 9LL << 3LL << true << Verdict::Send;
        QTest::addRow("waited out, but stale meanwhile")
            << 9LL << 9LL << 3LL << true << Verdict::Stale;
    }
    void judgesTheHead() {
        QFETCH(qint64, lastSent);
        QFETCH(qint64, version);
        QFETCH(qint64, seenBefore);
        QFETCH(bool, gapWaited);
        QFETCH(Verdict, verdict);
        const auto last = lastSent < 0 ? std::nullopt : std::optional<std::int64_t>(lastSent);
        QCOMPARE(ordering::judge(last, {version, seenBefore, gapWaited}), verdict);
    }

    void theLowestMissingVersionFillsTheGap() {
        // Sent 3, head is 7: of 6, 4 and 5 queued behind it, 4 goes first.
        QCOMPARE(filler({6, 4, 5}, 3, 7), std::optional<std::int64_t>(4));
        // Nothing between: 8 is after the head, 3 and 2 are stale, nullopt unordered.
        QCOMPARE(filler({8, 3, std::nullopt, 2}, 3, 7), std::nullopt);
        QCOMPARE(filler({}, 3, 7), std::nullopt);
        // The bounds are exclusive on both sides.
        QCOMPARE(filler({7, 3}, 3, 7), std::nullopt);
        QCOMPARE(filler({std::nullopt, 6}, 3, 7), std::optional<std::int64_t>(6));
    }

    void aGapIsHeldUpToItsTimeout() {
        std::optional<ordering::TimePoint> since;
        // First sight starts the wait; look again when it ends.
        QCOMPARE(ordering::holdGap(since, t0, 500ms), std::optional(t0 + 500ms));
        QCOMPARE(since, std::optional(t0));
        // Later looks keep the start, not their own time.
        QCOMPARE(ordering::holdGap(since, t0 + 499ms, 500ms), std::optional(t0 + 500ms));
        // At the timeout the wait is over, and the next gap starts afresh.
        QCOMPARE(ordering::holdGap(since, t0 + 500ms, 500ms), std::nullopt);
        QCOMPARE(since, std::nullopt);
        QCOMPARE(ordering::holdGap(since, t0 + 600ms, 500ms), std::optional(t0 + 1100ms));
    }

    void oneDeliveryInFlightPerEntityAndTheOthersFlow() {
        delivery::EntityQueues queues;
        queues.push("acme/lead:A", itemOf(1), false);
        queues.push("acme/lead:A", itemOf(2), false);
        queues.push("acme/lead:B", itemOf(3), false);
        QCOMPARE(queues.buffered(), 3u);
        // Each entity's head goes; A's second waits for its first.
        QCOMPARE(sendAll(queues, t0), (std::vector<std::string>{"acme/lead:A", "acme/lead:B"}));
        QCOMPARE(sendAll(queues, t0), std::vector<std::string>{});
        // A's head is acknowledged: its next one is lined up.
        queues.find("acme/lead:A")->inFlight = false;
        queues.popHead("acme/lead:A");
        QCOMPARE(queues.buffered(), 2u);
        QCOMPARE(sendAll(queues, t0), std::vector<std::string>{"acme/lead:A"});
        QCOMPARE(queues.find("acme/lead:A")->items.front().event->seq, 2);
        // B's is acknowledged: its empty queue is forgotten.
        queues.find("acme/lead:B")->inFlight = false;
        queues.popHead("acme/lead:B");
        QVERIFY(!queues.holds("acme/lead:B"));
        QCOMPARE(queues.buffered(), 1u);
    }

    void aQueueWaitsForItsRetryTimeAndForItsDeadLetter() {
        delivery::EntityQueues queues;
        queues.push("k", itemOf(1), false);
        queues.find("k")->notBefore = t0 + 100ms;
        QCOMPARE(sendAll(queues, t0 + 99ms), std::vector<std::string>{}); // left the line
        queues.markReady("k");                                            // the retry timer fires
        QCOMPARE(sendAll(queues, t0 + 100ms), std::vector<std::string>{"k"});

        queues.push("blocked", itemOf(2), false);
        queues.find("blocked")->openDeadLetters = 1;
        QCOMPARE(sendAll(queues, t0), std::vector<std::string>{});
        queues.markReady("blocked"); // still blocked: not lined up
        QCOMPARE(sendAll(queues, t0), std::vector<std::string>{});
        queues.find("blocked")->openDeadLetters = 0; // replayed or discarded
        queues.markReady("blocked");
        QCOMPARE(sendAll(queues, t0), std::vector<std::string>{"blocked"});
    }

    void theGateHoldsAQueueAndAFrontPushGoesFirst() {
        delivery::EntityQueues queues;
        queues.push("k", itemOf(5), false);
        queues.push("k", itemOf(9), true); // a dead letter sent again goes first
        QCOMPARE(queues.find("k")->items.front().event->seq, 9);
        int asked = 0;
        const auto holdAll = [&asked](const std::string& key, delivery::EntityQueue& q) {
            ++asked;
            return key.empty() && q.items.empty(); // never
        };
        QVERIFY(!queues.next(t0, holdAll));
        QCOMPARE(asked, 1);
        QVERIFY(queues.holds("k"));         // held, not forgotten: it still has items
        QVERIFY(!queues.next(t0, holdAll)); // out of line until lined up again
        QCOMPARE(asked, 1);
        queues.markReady("k");
        QCOMPARE(sendAll(queues, t0), std::vector<std::string>{"k"});
    }

    void serverErrorsCountAndBackOffUntilAttemptsRunOut() {
        const RetryPolicy p = policy();
        RetryStep step = afterFailure(p, failed(FailureClass::Server, 0), 0.5);
        QCOMPARE(step.deadLetter, false);
        QCOMPARE(step.attempts, 1);
        QCOMPARE(step.delay, 100ms);
        QCOMPARE(step.holdsEndpoint, false);
        step = afterFailure(p, failed(FailureClass::Transport, 1), 0.5);
        QCOMPARE(step.attempts, 2);
        QCOMPARE(step.delay, 200ms);
        step = afterFailure(p, failed(FailureClass::Other, 2), 0.5);
        QCOMPARE(step.attempts, 3);
        QCOMPARE(step.deadLetter, true); // the third of three
    }

    void anInvalidPayloadIsDeadLetteredAtOnce() {
        const RetryStep step = afterFailure(policy(), failed(FailureClass::Invalid, 0, 2), 0.5);
        QCOMPARE(step.deadLetter, true);
        QCOMPARE(step.attempts, 1); // the refused attempt is one
        QCOMPARE(step.throttles, 2);
    }

    void throttlingHoldsTheEndpointWithoutUsingAttempts() {
        FailedAttempt f = failed(FailureClass::Throttled, 2, 0);
        f.retryAfter = 7s;
        RetryStep step = afterFailure(policy(), f, 0.5);
        QCOMPARE(step.deadLetter, false); // 2 of 3 attempts used: a throttle is not one
        QCOMPARE(step.attempts, 2);
        QCOMPARE(step.throttles, 1);
        QCOMPARE(step.delay, 7000ms); // Retry-After wins over backoff, and over the cap
        QCOMPARE(step.holdsEndpoint, true);
        f.retryAfter.reset();
        f.throttles = 3;
        step = afterFailure(policy(), f, 0.5);
        QCOMPARE(step.delay, 800ms); // without Retry-After: backoff on the throttles
    }

    void maxAgeDeadLettersAnOldFailureButNotAProbe() {
        FailedAttempt f = failed(FailureClass::Server, 0);
        f.age = 59s;
        QCOMPARE(afterFailure(policy(), f, 0.5).deadLetter, false);
        f.age = 60s;
        QCOMPARE(afterFailure(policy(), f, 0.5).deadLetter, true);
        // A probe tests the endpoint, not the event: it neither counts nor ages out.
        f.probe = true;
        f.attempts = 1;
        f.age = 3600s;
        const RetryStep step = afterFailure(policy(), f, 0.5);
        QCOMPARE(step.deadLetter, false);
        QCOMPARE(step.attempts, 1);
        QCOMPARE(step.delay, 100ms);
        f.attempts = 0; // a probe before any counted failure still backs off
        QCOMPARE(afterFailure(policy(), f, 0.5).delay, 100ms);
    }
};

QTEST_APPLESS_MAIN(OrderingGateTest)
#include "tst_ordering_gate.moc"
