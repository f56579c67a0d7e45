#include "core/uuid.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <set>

using namespace meshdeck;
using namespace std::chrono_literals;

namespace {

const Timestamp kStart = fromUnixMillis(1'795'770'843'120); // 2026-11-27T09:14:03.120Z

int hexDigit(char c) {
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

// The 12-bit rand_a field (the sub-millisecond counter).
int counterOf(const std::string& uuid) {
    return (hexDigit(uuid[15]) << 8) | (hexDigit(uuid[16]) << 4) | hexDigit(uuid[17]);
}

} // namespace

class TstUuid : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void versionAndVariantBits() {
        FakeClock clock(kStart);
        UuidV7Generator generator(clock);
        for (int i = 0; i < 1000; ++i) {
            const std::string id = generator.next();
            QVERIFY2(isUuid(id), id.c_str());
            QCOMPARE(id[14], '7');
            QVERIFY2(std::string_view("89ab").find(id[19]) != std::string_view::npos, id.c_str());
            QVERIFY(isUuidV7(id));
        }
    }

    void millisRoundTrip_data() {
        QTest::addColumn<qint64>("unixMillis");
        QTest::addRow("epoch") << qint64(0);
        QTest::addRow("2026-11-27T09:14:03.120Z") << qint64(1'795'770'843'120);
        QTest::addRow("largest 48-bit value") << qint64((std::int64_t{1} << 48) - 1);
    }
    void millisRoundTrip() {
        QFETCH(qint64, unixMillis);
        FakeClock clock(fromUnixMillis(unixMillis));
        UuidV7Generator generator(clock);
        QCOMPARE(qint64(uuidV7Millis(generator.next())), unixMillis);
    }

    void knownUuidMillis() {
        // DESIGN.md's example event id.
        QCOMPARE(qint64(uuidV7Millis("01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f")),
                 qint64(0x01936f4e9d2a));
        QCOMPARE(qint64(uuidV7Millis("not a uuid")), qint64(-1));
    }

    // 100,000 ids in one frozen millisecond need ~25 ms of 12-bit counters:
    // the generator borrows the following milliseconds and never repeats or
    // goes backwards.
    void monotonicWithinOneMillisecond() {
        FakeClock clock(kStart);
        UuidV7Generator generator(clock);
        std::string previous = generator.next();
        std::set<std::string> seen{previous};
        for (int i = 1; i < 100'000; ++i) {
            const std::string id = generator.next();
            if (!(previous < id))
                QFAIL(qPrintable(
                    QStringLiteral("id %1 does not sort after %2 (i=%3)")
                        .arg(QString::fromStdString(id), QString::fromStdString(previous))
                        .arg(i)));
            seen.insert(id);
            previous = id;
        }
        QCOMPARE(seen.size(), std::size_t(100'000));
        const std::int64_t lastMs = uuidV7Millis(previous);
        QVERIFY(lastMs > toUnixMillis(kStart));
        QVERIFY(lastMs <= toUnixMillis(kStart) + 100'000 / 4096 + 2);
    }

    void counterStepsByOneThenBorrowsTheNextMillisecond() {
        FakeClock clock(kStart);
        UuidV7Generator generator(clock);
        std::string id = generator.next();
        int counter = counterOf(id);
        while (counter < 0x0FFF) {
            const std::string next = generator.next();
            QCOMPARE(counterOf(next), counter + 1);
            QCOMPARE(uuidV7Millis(next), toUnixMillis(kStart));
            counter = counterOf(next);
        }
        const std::string borrowed = generator.next();
        QCOMPARE(counterOf(borrowed), 0);
        QCOMPARE(uuidV7Millis(borrowed), toUnixMillis(kStart) + 1);
    }

    void clockSteppingBackKeepsOrder() {
        FakeClock clock(kStart);
        UuidV7Generator generator(clock);
        const std::string first = generator.next();
        clock.advance(-5s);
        const std::string second = generator.next();
        QVERIFY(first < second);
        QCOMPARE(uuidV7Millis(second), toUnixMillis(kStart));
    }

    void laterMillisecondSortsLater() {
        FakeClock clock(kStart);
        UuidV7Generator generator(clock);
        const std::string first = generator.next();
        clock.advance(1ms);
        const std::string second = generator.next();
        QVERIFY(first < second);
        QCOMPARE(uuidV7Millis(second), toUnixMillis(kStart) + 1);
    }

    void twoGeneratorsDiffer() {
        FakeClock clock(kStart);
        UuidV7Generator a(clock), b(clock);
        QVERIFY(a.next() != b.next());
    }

    void recognition_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("uuid");
        QTest::addColumn<bool>("v7");
        QTest::addRow("v7") << QStringLiteral("01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f") << true
                            << true;
        QTest::addRow("v4") << QStringLiteral("f47ac10b-58cc-4372-a567-0e02b2c3d479") << true
                            << false;
        QTest::addRow("v7 with wrong variant")
            << QStringLiteral("01936f4e-9d2a-7c3b-cf1e-2a4b6c8d0e1f") << true << false;
        QTest::addRow("upper case")
            << QStringLiteral("01936F4E-9D2A-7C3B-8F1E-2A4B6C8D0E1F") << false << false;
        QTest::addRow("no hyphens")
            << QStringLiteral("01936f4e9d2a7c3b8f1e2a4b6c8d0e1f") << false << false;
        QTest::addRow("hyphen misplaced")
            << QStringLiteral("01936f4e9-d2a-7c3b-8f1e-2a4b6c8d0e1f") << false << false;
        QTest::addRow("braces") << QStringLiteral("{01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1}") << false
                                << false;
        QTest::addRow("not hex") << QStringLiteral("01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1g") << false
                                 << false;
        QTest::addRow("empty") << QString() << false << false;
    }
    void recognition() {
        QFETCH(QString, text);
        QFETCH(bool, uuid);
        QFETCH(bool, v7);
        QCOMPARE(isUuid(text.toStdString()), uuid);
        QCOMPARE(isUuidV7(text.toStdString()), v7);
    }
};

QTEST_APPLESS_MAIN(TstUuid)
#include "tst_uuid.moc"
