#include "core/histogram.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <stdexcept>

using namespace meshdeck;

class TstHistogram : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void presetBounds() {
        const std::vector<double> latency{0.1, 0.25, 0.5, 1,   2.5,  5,    10,   25,
                                          50,  100,  250, 500, 1000, 2500, 5000, 10000};
        QCOMPARE(Histogram::latencyMs().upperBounds(), latency);
        const std::vector<double> sizes{1,   2,   5,    10,   20,   50,   100,
                                        200, 500, 1000, 2000, 5000, 10000};
        QCOMPARE(Histogram::sizes().upperBounds(), sizes);
        QCOMPARE(Histogram::sizes().bucketCounts().size(), sizes.size() + 1);
    }

    // Buckets are "less than or equal", as Prometheus' le label says.
    void bucketing_data() {
        QTest::addColumn<double>("value");
        QTest::addColumn<int>("bucket");
        QTest::addRow("below the first bound") << 0.5 << 0;
        QTest::addRow("on the first bound") << 1.0 << 0;
        QTest::addRow("just above a bound") << 1.0001 << 1;
        QTest::addRow("on the last bound") << 10.0 << 2;
        QTest::addRow("above every bound: +Inf") << 10.5 << 3;
        QTest::addRow("negative") << -3.0 << 0;
    }
    void bucketing() {
        QFETCH(double, value);
        QFETCH(int, bucket);
        Histogram histogram({1, 5, 10});
        histogram.observe(value);
        std::vector<std::uint64_t> expected(4, 0);
        expected[std::size_t(bucket)] = 1;
        QCOMPARE(histogram.bucketCounts(), expected);
    }

    void countSumMax() {
        Histogram histogram = Histogram::latencyMs();
        for (double v : {0.2, 3.0, 42.0, 0.05})
            histogram.observe(v);
        QCOMPARE(histogram.count(), std::uint64_t(4));
        QCOMPARE(histogram.sum(), 45.25);
        QCOMPARE(histogram.max(), 42.0);
    }

    void boundsAreSorted() {
        const Histogram histogram({10, 1, 5, 5});
        QCOMPARE(histogram.upperBounds(), (std::vector<double>{1, 5, 10}));
    }

    void quantiles_data() {
        QTest::addColumn<double>("q");
        QTest::addColumn<double>("expected");
        // 100 values 1..100 in buckets le 10/50/100: each bucket is linear.
        QTest::addRow("p0") << 0.0 << 0.0;
        QTest::addRow("p10: top of the first bucket") << 0.10 << 10.0;
        QTest::addRow("p30: halfway through the second") << 0.30 << 30.0;
        QTest::addRow("p50") << 0.50 << 50.0;
        QTest::addRow("p99") << 0.99 << 99.0;
        QTest::addRow("p100 is the max") << 1.0 << 100.0;
    }
    void quantiles() {
        QFETCH(double, q);
        QFETCH(double, expected);
        Histogram histogram({10, 50, 100});
        for (int i = 1; i <= 100; ++i)
            histogram.observe(i);
        QCOMPARE(histogram.quantile(q), expected);
    }

    void quantileInTheInfBucketUsesTheMax() {
        Histogram histogram({1});
        histogram.observe(0.5);
        histogram.observe(30);
        histogram.observe(40);
        histogram.observe(50);
        QCOMPARE(histogram.quantile(1.0), 50.0);
        const double p75 = histogram.quantile(0.75);
        QVERIFY2(p75 > 1 && p75 <= 50, qPrintable(QString::number(p75)));
    }

    void quantileNeverExceedsTheMax() {
        Histogram histogram = Histogram::latencyMs();
        histogram.observe(3.0); // bucket (2.5, 5]
        const double p99 = histogram.quantile(0.99);
        QVERIFY2(p99 > 2.5 && p99 <= 3.0, qPrintable(QString::number(p99)));
        QCOMPARE(histogram.quantile(1.0), 3.0);
    }

    void emptyHistogram() {
        Histogram histogram = Histogram::latencyMs();
        QCOMPARE(histogram.quantile(0.5), 0.0);
        QCOMPARE(histogram.count(), std::uint64_t(0));
        Histogram unbounded;
        unbounded.observe(7);
        QCOMPARE(unbounded.bucketCounts(), (std::vector<std::uint64_t>{1}));
        QCOMPARE(unbounded.quantile(1.0), 7.0);
    }

    void merge() {
        Histogram a({1, 10});
        Histogram b({1, 10});
        a.observe(0.5);
        b.observe(5);
        b.observe(50);
        a.merge(b);
        QCOMPARE(a.count(), std::uint64_t(3));
        QCOMPARE(a.sum(), 55.5);
        QCOMPARE(a.max(), 50.0);
        QCOMPARE(a.bucketCounts(), (std::vector<std::uint64_t>{1, 1, 1}));
    }

    void mergeRefusesOtherBounds() {
        Histogram a({1, 10});
        const Histogram b({1, 20});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, a.merge(b));
    }
};

QTEST_APPLESS_MAIN(TstHistogram)
#include "tst_histogram.moc"
