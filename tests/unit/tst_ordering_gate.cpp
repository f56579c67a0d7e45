// The version gate and the retry rules as plain functions, time passed in:
// what the dispatcher does with the head of an entity's queue, and what a
// failed attempt does to its event.

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
