#include "core/time.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>

using namespace meshdeck;
using namespace std::chrono;

namespace {

Timestamp at(year_month_day date, hours h, minutes m, seconds s, milliseconds ms) {
    return Timestamp{sys_days{date}} + h + m + s + ms;
}

qint64 unixMillisAt(year_month_day date, hours h, minutes m, seconds s, milliseconds ms) {
    return qint64(toUnixMillis(at(date, h, m, s, ms)));
}

} // namespace

class TstTime : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void format_data() {
        QTest::addColumn<qint64>("unixMillis");
        QTest::addColumn<QString>("expected");
        QTest::addRow("epoch") << qint64(0) << QStringLiteral("1970-01-01T00:00:00.000Z");
        QTest::addRow("millisecond before the epoch")
            << qint64(-1) << QStringLiteral("1969-12-31T23:59:59.999Z");
        QTest::addRow("design example") << unixMillisAt(2026y / 11 / 27, 9h, 14min, 3s, 120ms)
                                        << QStringLiteral("2026-11-27T09:14:03.120Z");
        QTest::addRow("leap day") << unixMillisAt(2024y / 2 / 29, 23h, 59min, 59s, 7ms)
                                  << QStringLiteral("2024-02-29T23:59:59.007Z");
    }
    void format() {
        QFETCH(qint64, unixMillis);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(formatRfc3339(fromUnixMillis(unixMillis))), expected);
    }

    void parseValid_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("unixMillis");
        const qint64 example = unixMillisAt(2026y / 11 / 27, 9h, 14min, 3s, 120ms);
        QTest::addRow("Z with milliseconds")
            << QStringLiteral("2026-11-27T09:14:03.120Z") << example;
        QTest::addRow("lower-case t and z")
            << QStringLiteral("2026-11-27t09:14:03.120z") << example;
        QTest::addRow("no fraction") << QStringLiteral("2026-11-27T09:14:03Z") << example - 120;
        QTest::addRow("one fraction digit")
            << QStringLiteral("2026-11-27T09:14:03.1Z") << example - 20;
        QTest::addRow("nanoseconds truncate to ms")
            << QStringLiteral("2026-11-27T09:14:03.120999999Z") << example;
        QTest::addRow("offset +02:00")
            << QStringLiteral("2026-11-27T11:14:03.120+02:00") << example;
        QTest::addRow("offset -05:30")
            << QStringLiteral("2026-11-27T03:44:03.120-05:30") << example;
        QTest::addRow("offset -00:00")
            << QStringLiteral("2026-11-27T09:14:03.120-00:00") << example;
        QTest::addRow("offset crosses midnight")
            << QStringLiteral("2026-11-28T01:14:03.120+16:00") << example;
        QTest::addRow("leap day") << QStringLiteral("2024-02-29T00:00:00Z")
                                  << unixMillisAt(2024y / 2 / 29, 0h, 0min, 0s, 0ms);
        QTest::addRow("epoch") << QStringLiteral("1970-01-01T00:00:00.000Z") << qint64(0);
        QTest::addRow("first instant of year 0")
            << QStringLiteral("0000-01-01T00:00:00Z") << qint64(-62167219200000);
    }
    void parseValid() {
        QFETCH(QString, text);
        QFETCH(qint64, unixMillis);
        const auto parsed = parseRfc3339(text.toStdString());
        QVERIFY2(parsed.has_value(), qPrintable(text));
        QCOMPARE(qint64(toUnixMillis(*parsed)), unixMillis);
    }

    void parseInvalid_data() {
        QTest::addColumn<QString>("text");
        QTest::addRow("empty") << QString();
        QTest::addRow("date only") << QStringLiteral("2026-11-27");
        QTest::addRow("month 13") << QStringLiteral("2026-13-01T00:00:00Z");
        QTest::addRow("month 0") << QStringLiteral("2026-00-10T00:00:00Z");
        QTest::addRow("February 30") << QStringLiteral("2026-02-30T00:00:00Z");
        QTest::addRow("February 29 in a common year") << QStringLiteral("2025-02-29T00:00:00Z");
        QTest::addRow("April 31") << QStringLiteral("2026-04-31T00:00:00Z");
        QTest::addRow("hour 24") << QStringLiteral("2026-11-27T24:00:00Z");
        QTest::addRow("minute 60") << QStringLiteral("2026-11-27T09:60:00Z");
        QTest::addRow("second 61") << QStringLiteral("2026-11-27T09:14:61Z");
        QTest::addRow("no offset") << QStringLiteral("2026-11-27T09:14:03.120");
        QTest::addRow("space instead of T") << QStringLiteral("2026-11-27 09:14:03Z");
        QTest::addRow("dot without digits") << QStringLiteral("2026-11-27T09:14:03.Z");
        QTest::addRow("offset without colon") << QStringLiteral("2026-11-27T09:14:03+0200");
        QTest::addRow("offset hour 24") << QStringLiteral("2026-11-27T09:14:03+24:00");
        QTest::addRow("trailing text") << QStringLiteral("2026-11-27T09:14:03Zjunk");
        QTest::addRow("two-digit year") << QStringLiteral("26-11-27T09:14:03Z");
        QTest::addRow("unix millis") << QStringLiteral("1764234843120");
        // Found by fuzz_envelope: an offset that moves the instant out of
        // the years formatRfc3339 can write back.
        QTest::addRow("before year 0 in UTC") << QStringLiteral("0000-01-01T00:00:00+01:00");
        QTest::addRow("after year 9999 in UTC") << QStringLiteral("9999-12-31T23:30:00-01:00");
    }
    void parseInvalid() {
        QFETCH(QString, text);
        QVERIFY2(!parseRfc3339(text.toStdString()).has_value(), qPrintable(text));
    }

    void formatThenParseRoundTrips() {
        for (qint64 ms : {qint64(0), qint64(-86'400'001), qint64(1'764'234'843'120),
                          qint64(253'402'300'799'999)}) {
            const Timestamp t = fromUnixMillis(ms);
            const auto parsed = parseRfc3339(formatRfc3339(t));
            QVERIFY(parsed);
            QCOMPARE(qint64(toUnixMillis(*parsed)), ms);
        }
    }

    void systemClockIsNow() {
        const auto before = floor<milliseconds>(system_clock::now());
        const Timestamp now = SystemClock::instance().now();
        const auto after = floor<milliseconds>(system_clock::now());
        QVERIFY(before <= now && now <= after);
        const auto steady = SystemClock::instance().steadyNow();
        QVERIFY(steady <= steady_clock::now());
    }

    void fakeClockMovesBothTimes() {
        FakeClock clock(fromUnixMillis(1000));
        const auto steadyBefore = clock.steadyNow();
        clock.advance(250ms);
        QCOMPARE(qint64(toUnixMillis(clock.now())), qint64(1250));
        QCOMPARE(duration_cast<milliseconds>(clock.steadyNow() - steadyBefore).count(), 250);
    }
};

QTEST_APPLESS_MAIN(TstTime)
#include "tst_time.moc"
