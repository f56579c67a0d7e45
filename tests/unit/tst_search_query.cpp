// What GET /v1/search makes of q: every reading of the text (event id,
// kind:id, dead letter id), trimmed of blanks, and the q it refuses.

#include "core/search_query.h"

#include <QtTest/QTest>

using namespace meshdeck;

class TestSearchQuery : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readings_data() {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("eventId");     // "" when not an event id
        QTest::addColumn<QString>("entity");      // "kind:id", "" when not one
        QTest::addColumn<qint64>("deadLetterId"); // 0 when not one
        const QString none;
        QTest::addRow("bare entity id")
            << QByteArray("L-1076") << QStringLiteral("L-1076") << none << none << qint64(0);
        QTest::addRow("blanks around") << QByteArray(" \t L-1076\r\n") << QStringLiteral("L-1076")
                                       << none << none << qint64(0);
        QTest::addRow("blanks inside are kept")
            << QByteArray("L 1076") << QStringLiteral("L 1076") << none << none << qint64(0);
        QTest::addRow("kind:id") << QByteArray("lead:L-1076") << QStringLiteral("lead:L-1076")
                                 << none << QStringLiteral("lead:L-1076") << qint64(0);
        QTest::addRow("id with colons")
            << QByteArray("lead:urn:x:1") << QStringLiteral("lead:urn:x:1") << none
            << QStringLiteral("lead:urn:x:1") << qint64(0);
        QTest::addRow("not a kind before the colon")
            << QByteArray("9lead:L-1") << QStringLiteral("9lead:L-1") << none << none << qint64(0);
        QTest::addRow("nothing after the colon")
            << QByteArray("lead:") << QStringLiteral("lead:") << none << none << qint64(0);
        QTest::addRow("nothing before the colon")
            << QByteArray(":L-1") << QStringLiteral(":L-1") << none << none << qint64(0);
        const QString uuid = QStringLiteral("01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f");
        QTest::addRow("event id") << uuid.toUtf8() << uuid << uuid << none << qint64(0);
        QTest::addRow("event id in capitals")
            << uuid.toUpper().toUtf8() << uuid.toUpper() << uuid << none << qint64(0);
        QTest::addRow("UUID without hyphens")
            << QByteArray("01936f4e9d2a7c3b8f1e2a4b6c8d0e1f")
            << QStringLiteral("01936f4e9d2a7c3b8f1e2a4b6c8d0e1f") << none << none << qint64(0);
        QTest::addRow("number") << QByteArray("9") << QStringLiteral("9") << none << none
                                << qint64(9);
        QTest::addRow("#N") << QByteArray("#42") << QStringLiteral("#42") << none << none
                            << qint64(42);
        QTest::addRow("dl-N") << QByteArray("dl-42") << QStringLiteral("dl-42") << none << none
                              << qint64(42);
        QTest::addRow("DL-N") << QByteArray("DL-42") << QStringLiteral("DL-42") << none << none
                              << qint64(42);
        QTest::addRow("dlN") << QByteArray("dl42") << QStringLiteral("dl42") << none << none
                             << qint64(42);
        QTest::addRow("dl:N is a kind and an id") << QByteArray("dl:42") << QStringLiteral("dl:42")
                                                  << none << QStringLiteral("dl:42") << qint64(0);
        QTest::addRow("zero") << QByteArray("0") << QStringLiteral("0") << none << none
                              << qint64(0);
        QTest::addRow("negative") << QByteArray("-9") << QStringLiteral("-9") << none << none
                                  << qint64(0);
        QTest::addRow("past 2^63")
            << QByteArray("99999999999999999999") << QStringLiteral("99999999999999999999") << none
            << none << qint64(0);
        QTest::addRow("wildcards are text")
            << QByteArray("%_\\'") << QStringLiteral("%_\\'") << none << none << qint64(0);
        QTest::addRow("UTF-8") << QByteArray("Zoë:Ω-1") << QStringLiteral("Zoë:Ω-1") << none << none
                               << qint64(0);
        QTest::addRow("256 bytes")
            << QByteArray(256, 'a') << QString(256, u'a') << none << none << qint64(0);
    }
    void readings() {
        QFETCH(QByteArray, raw);
        QFETCH(QString, text);
        QFETCH(QString, eventId);
        QFETCH(QString, entity);
        QFETCH(qint64, deadLetterId);
        const auto parsed = parseSearchQuery(raw.toStdString());
        QVERIFY2(parsed.query, parsed.error.c_str());
        const SearchQuery& q = *parsed.query;
        QCOMPARE(QString::fromStdString(q.text), text);
        QCOMPARE(QString::fromStdString(q.eventId.value_or("")), eventId);
        QCOMPARE(QString::fromStdString(q.entity ? q.entity->key() : std::string()), entity);
        QCOMPARE(q.deadLetterId.value_or(0), deadLetterId);
    }

    void refusals_data() {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("error");
        QTest::addRow("empty") << QByteArray() << QStringLiteral("empty: give the id to look for");
        QTest::addRow("only blanks")
            << QByteArray(" \t\r\n") << QStringLiteral("empty: give the id to look for");
        QTest::addRow("257 bytes")
            << QByteArray(257, 'a') << QStringLiteral("257 bytes long; an id is at most 256 bytes");
        QTest::addRow("257 bytes of UTF-8")
            << QByteArray("\xc3\xa9").repeated(128) + "a"
            << QStringLiteral("257 bytes long; an id is at most 256 bytes");
        QTest::addRow("Latin-1") << QByteArray("Zo\xeb") << QStringLiteral("not UTF-8");
        QTest::addRow("cut UTF-8") << QByteArray("L-\xc3") << QStringLiteral("not UTF-8");
        QTest::addRow("surrogate") << QByteArray("\xed\xa0\x80") << QStringLiteral("not UTF-8");
    }
    void refusals() {
        QFETCH(QByteArray, raw);
        QFETCH(QString, error);
        const auto parsed = parseSearchQuery(raw.toStdString());
        QVERIFY(!parsed.query);
        QVERIFY2(QString::fromStdString(parsed.error).startsWith(error), parsed.error.c_str());
    }

    // Blanks around do not count against the length.
    void lengthIsCountedAfterTrimming() {
        const std::string padded = "  " + std::string(256, 'x') + "  ";
        QVERIFY(parseSearchQuery(padded).query);
    }
};

QTEST_APPLESS_MAIN(TestSearchQuery)
#include "tst_search_query.moc"
