#include "core/token_bucket.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>

using namespace meshdeck;
using namespace std::chrono_literals;

namespace {
const std::chrono::steady_clock::time_point kT0{std::chrono::seconds{1000}};
}

class TstTokenBucket : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void startsFull() {
        TokenBucket bucket(10, 5, kT0);
        QCOMPARE(bucket.available(kT0), 5.0);
        QCOMPARE(bucket.rate(), 10.0);
        QCOMPARE(bucket.burst(), 5.0);
    }

    void burstThenRefusal() {
        TokenBucket bucket(10, 5, kT0);
        for (int i = 0; i < 5; ++i)
            QVERIFY(bucket.tryTake(1, kT0));
        std::chrono::milliseconds retryAfter{-1};
        QVERIFY(!bucket.tryTake(1, kT0, &retryAfter));
        QCOMPARE(retryAfter.count(), 100); // one token at 10/s
    }

    void retryAfter_data() {
        QTest::addColumn<double>("rate");
        QTest::addColumn<double>("burst");
        QTest::addColumn<double>("take");
        QTest::addColumn<int>("expectedMs");
        QTest::addRow("1 token at 2/s") << 2.0 << 1.0 << 1.0 << 500;
        QTest::addRow("3 tokens at 100/s") << 100.0 << 3.0 << 3.0 << 30;
        QTest::addRow("1 token at 3/s rounds up") << 3.0 << 1.0 << 1.0 << 334;
        QTest::addRow("half a token at 1000/s still waits 1 ms") << 1000.0 << 0.5 << 0.5 << 1;
    }
    void retryAfter() {
        QFETCH(double, rate);
        QFETCH(double, burst);
        QFETCH(double, take);
        QFETCH(int, expectedMs);
        TokenBucket bucket(rate, burst, kT0);
        QVERIFY(bucket.tryTake(burst, kT0)); // empty it
        std::chrono::milliseconds retryAfter{0};
        QVERIFY(!bucket.tryTake(take, kT0, &retryAfter));
        QCOMPARE(int(retryAfter.count()), expectedMs);
        // Waiting exactly that long is enough.
        QVERIFY(bucket.tryTake(take, kT0 + retryAfter));
    }

    void refillsAtRateUpToBurst() {
        TokenBucket bucket(4, 8, kT0);
        QVERIFY(bucket.tryTake(8, kT0));
        QCOMPARE(bucket.available(kT0 + 500ms), 2.0);
        QCOMPARE(bucket.available(kT0 + 1s), 4.0);
        QCOMPARE(bucket.available(kT0 + 1h), 8.0);
    }

    void refusalTakesNothing() {
        TokenBucket bucket(1, 3, kT0);
        QVERIFY(bucket.tryTake(2, kT0));
        QVERIFY(!bucket.tryTake(2, kT0));
        QCOMPARE(bucket.available(kT0), 1.0);
    }

    void moreThanBurstNeverFits() {
        TokenBucket bucket(100, 10, kT0);
        std::chrono::milliseconds retryAfter{0};
        QVERIFY(!bucket.tryTake(11, kT0 + 1h, &retryAfter));
        QCOMPARE(retryAfter, std::chrono::milliseconds::max());
    }

    void timeGoingBackwardsAddsNothing() {
        TokenBucket bucket(10, 10, kT0);
        QVERIFY(bucket.tryTake(10, kT0));
        QCOMPARE(bucket.available(kT0 - 10s), 0.0);
        QCOMPARE(bucket.available(kT0 + 100ms), 1.0);
    }

    void drivenByFakeClock() {
        FakeClock clock(fromUnixMillis(0));
        TokenBucket bucket(5, 1, clock.steadyNow());
        int granted = 0;
        for (int tick = 0; tick < 1000; ++tick) { // 10 s in 10 ms steps
            if (bucket.tryTake(1, clock.steadyNow()))
                ++granted;
            clock.advance(10ms);
        }
        QCOMPARE(granted, 50); // the initial token plus 5/s for 9.99 s
    }
};

QTEST_APPLESS_MAIN(TstTokenBucket)
#include "tst_token_bucket.moc"
