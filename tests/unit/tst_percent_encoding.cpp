// Percent-encoding for query strings and CloudEvents header values.

#include "core/percent_encoding.h"

#include <QtTest/QTest>

using namespace meshdeck;

class PercentEncodingTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void decode_data();
    void decode();
    void encodeRoundTrips();
    void pathKeepsEncodedSlashesInTheirSegment();
};

// "/v1/traces/a%2Fb" is one id "a/b", not two segments; "%252F" is the
// text "%2F", not a slash.
void PercentEncodingTest::pathKeepsEncodedSlashesInTheirSegment() {
    QCOMPARE(percentDecodePath("/v1/traces/lead%3A00Q%2fx%20y"),
             std::string("/v1/traces/lead:00Q%2Fx y"));
    QCOMPARE(decodePathSegment("lead:00Q%2Fx y"), std::string("lead:00Q/x y"));
    QCOMPARE(percentDecodePath("/a%252F"), std::string("/a%252F"));
    QCOMPARE(decodePathSegment("a%252F"), std::string("a%2F"));
    QCOMPARE(percentDecodePath("/100%"), std::string("/100%"));
}

void PercentEncodingTest::decode_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("plusIsSpace");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("plain") << QByteArray("lead:L-1042") << false << QByteArray("lead:L-1042");
    QTest::addRow("colon") << QByteArray("lead%3AL-1042") << false << QByteArray("lead:L-1042");
    QTest::addRow("lower-case hex") << QByteArray("a%2fb") << false << QByteArray("a/b");
    QTest::addRow("utf-8") << QByteArray("Z%C3%BCrich") << false << QByteArray("Z\xC3\xBCrich");
    QTest::addRow("plus kept in paths") << QByteArray("a+b") << false << QByteArray("a+b");
    QTest::addRow("plus in queries") << QByteArray("a+b") << true << QByteArray("a b");
    QTest::addRow("truncated escape") << QByteArray("100%") << false << QByteArray("100%");
    QTest::addRow("escape at end") << QByteArray("x%4") << false << QByteArray("x%4");
    QTest::addRow("not hex") << QByteArray("%zz") << false << QByteArray("%zz");
}

void PercentEncodingTest::decode() {
    QFETCH(QByteArray, input);
    QFETCH(bool, plusIsSpace);
    QFETCH(QByteArray, expected);
    QCOMPARE(QByteArray::fromStdString(percentDecode(input.toStdString(), plusIsSpace)), expected);
}

void PercentEncodingTest::encodeRoundTrips() {
    const std::string text = "2026-11-27T09:14:03+02:00 & lead:L/1 \"quoted\" 100% Zürich";
    const std::string encoded = percentEncode(text, isUnreserved);
    for (char c : encoded)
        QVERIFY(isUnreserved(static_cast<unsigned char>(c)) || c == '%');
    QCOMPARE(percentDecode(encoded), text);
    QCOMPARE(percentEncode("a b", isUnreserved), std::string("a%20b"));
}

QTEST_APPLESS_MAIN(PercentEncodingTest)
#include "tst_percent_encoding.moc"
