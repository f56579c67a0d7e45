// The console's edge to the broker's answers (views/session/protocol_adapter.h):
// answers captured from meshd read into what the pages show, and an answer
// with a field of the wrong type makes the page say which field, instead of
// crashing or showing an empty page. Through the scripted transport and feed,
// on the offscreen platform.

#include "tests/views/scripted_transport.h"
#include "views/consumers/consumer_table_model.h"
#include "views/consumers/consumers_page.h"
#include "views/dlq/dead_letters_page.h"
#include "views/session/mesh_session.h"
#include "views/session/protocol_adapter.h"
#include "views/trace/trace_page.h"
#include "views/trace/waterfall.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTreeWidget>
#include <QUrlQuery>
#include <QtTest/QTest>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace meshdeck::views;

namespace {

// GET /v1/consumers, captured from meshd (as in tests/unit/tst_protocol.cpp).
constexpr const char* kConsumers =
    R"({"last_seq":1,"consumers":[{"name":"crm","description":"CRM sync","sink":"webhook","url":"http://127.0.0.1:9/hook","source":"config","state":"running","paused":false,"ack_floor":1,"lag":{"events":0,"oldest_age_ms":0},"in_flight":0,"retrying":0,"blocked_entities":0,"circuit":{"state":"closed"},"subscribers":0,"totals":{"delivered":0,"failed_attempts":2,"throttled":0,"dead_lettered":1,"stale_skipped":0,"gaps_waited":0,"replayed":0},"delivery_latency":{"count":0},"end_to_end":[],"last_error":{"message":"crm: connection refused by 127.0.0.1:9","at":"2026-12-07T15:44:53.826Z"}}],"outcome_events":[]})";

// GET /v1/dead-letters, /groups and /1, captured from meshd.
constexpr const char* kLetters =
    R"({"dead_letters":[{"id":1,"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","tenant_id":"acme","correlation_id":"journey-L-1","entity":"acme/lead:L-1","signature":"transport 0 connection refused by #.#.#.#:#","class":"transport","error":"connection refused by 127.0.0.1:9","attempts":2,"dead_at":"2026-12-07T15:44:53.826Z","state":"open"}]})";
constexpr const char* kGroups =
    R"({"groups":[{"consumer":"crm","signature":"transport 0 connection refused by #.#.#.#:#","class":"transport","example_error":"connection refused by 127.0.0.1:9","count":1,"first_at":"2026-12-07T15:44:53.826Z","last_at":"2026-12-07T15:44:53.826Z"}]})";
constexpr const char* kLetter =
    R"({"id":1,"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","tenant_id":"acme","correlation_id":"journey-L-1","entity":"acme/lead:L-1","signature":"transport 0 connection refused by #.#.#.#:#","class":"transport","error":"connection refused by 127.0.0.1:9","attempts":2,"dead_at":"2026-12-07T15:44:53.826Z","state":"open","event":{"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","schema_version":1,"occurred_at":"2026-11-27T09:14:03.120Z","producer":"hubspot-bridge","tenant_id":"acme","correlation_id":"journey-L-1","entity":{"kind":"lead","id":"L-1","version":3},"payload":{"lead_id":"L-1","score":91,"model":"fit-v3"},"seq":1,"ingested_at":"2026-12-07T15:44:53.810Z"},"attempt_log":[{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","attempt":1,"at":"2026-12-07T15:44:53.811Z","duration_ms":0.106,"status":0,"class":"transport","error":"connection refused by 127.0.0.1:9"},{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","attempt":2,"at":"2026-12-07T15:44:53.826Z","duration_ms":0.115,"status":0,"class":"transport","error":"connection refused by 127.0.0.1:9"}]})";

// GET /v1/traces/journey-L-1 and /v1/stall?correlation_id=journey-L-1, captured from meshd.
constexpr const char* kTrace =
    R"({"correlation_id":"journey-L-1","events":1,"timeline":[{"seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","producer":"hubspot-bridge","tenant_id":"acme","entity":"lead:L-1","occurred_at":"2026-11-27T09:14:03.120Z","ingested_at":"2026-12-07T15:44:53.810Z","entity_version":3,"kind":"event"},{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","attempt":1,"at":"2026-12-07T15:44:53.811Z","duration_ms":0.106,"status":0,"class":"transport","error":"connection refused by 127.0.0.1:9","kind":"attempt"},{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","attempt":2,"at":"2026-12-07T15:44:53.826Z","duration_ms":0.115,"status":0,"class":"transport","error":"connection refused by 127.0.0.1:9","kind":"attempt"},{"id":1,"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","tenant_id":"acme","correlation_id":"journey-L-1","entity":"acme/lead:L-1","signature":"transport 0 connection refused by #.#.#.#:#","class":"transport","error":"connection refused by 127.0.0.1:9","attempts":2,"dead_at":"2026-12-07T15:44:53.826Z","state":"open","kind":"dead-letter"}],"causation":[{"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadScored","seq":1,"caused":[]}]})";
constexpr const char* kStall =
    R"({"subject":"correlation id journey-L-1","state":"dead-lettered","answer":"LeadScored 01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f (seq 1) was dead-lettered to crm at 2026-12-07T15:44:53.826Z after 2 attempt(s): connection refused by 127.0.0.1:9 (dead letter 1).","evidence":[{"consumer":"crm","seq":1,"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","state":"dead-lettered","sentence":"LeadScored 01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f (seq 1) was dead-lettered to crm at 2026-12-07T15:44:53.826Z after 2 attempt(s): connection refused by 127.0.0.1:9 (dead letter 1)."}]})";

// The captured answer with one piece of text replaced.
QByteArray altered(const char* answer, const char* from, const char* to) {
    QByteArray text(answer);
    const qsizetype at = text.indexOf(from);
    Q_ASSERT(at >= 0);
    return text.replace(at, qsizetype(qstrlen(from)), to);
}

struct ScriptedSession {
    ScriptedTransport* transport;
    MeshSession session;

    ScriptedSession()
        : transport(new ScriptedTransport), session(std::unique_ptr<MeshTransport>(transport)) {}

    void answer(const char* path, const QByteArray& body) {
        transport->answers.insert(QString::fromUtf8(path), body);
    }
    // The dead letters page's three answers, as captured unless given.
    void answerDeadLetters(const QByteArray& letters = kLetters,
                           const QByteArray& groups = kGroups) {
        answer("/v1/dead-letters?limit=500", letters);
        // The group's letters, asked for when the group table takes the first row as current.
        QUrlQuery group;
        group.addQueryItem(QStringLiteral("limit"), QStringLiteral("500"));
        group.addQueryItem(QStringLiteral("consumer"), QStringLiteral("crm"));
        group.addQueryItem(QStringLiteral("signature"),
                           QStringLiteral("transport 0 connection refused by #.#.#.#:#"));
        transport->answers.insert(
            QStringLiteral("/v1/dead-letters?") + group.toString(QUrl::FullyEncoded), letters);
        answer("/v1/dead-letters/groups", groups);
        answer("/v1/dead-letters/1", kLetter);
    }
};

QString text(const QWidget& page, const char* name) {
    const QString objectName = QString::fromUtf8(name);
    if (auto* label = page.findChild<QLabel*>(objectName))
        return label->text();
    return page.findChild<QPlainTextEdit*>(objectName)->toPlainText();
}

QString cell(const QAbstractItemModel& model, int column, int role = Qt::DisplayRole) {
    return model.data(model.index(0, column), role).toString();
}

QStringList rowTexts(const QAbstractItemModel& model, int row = 0) {
    QStringList texts;
    for (int column = 0; column < model.columnCount(); ++column)
        texts << model.data(model.index(row, column), Qt::DisplayRole).toString();
    return texts;
}

} // namespace

class ProtocolAdapterTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void answersReadAsCoreTypesOrSayWhy() {
        const auto good = readAnswer<protocol::ConsumerList>({200, kConsumers, {}, {}});
        QVERIFY2(good, qPrintable(good.error));
        QCOMPARE(good->consumers.at(0).failedAttempts, 2);

        const auto refused = readAnswer<protocol::ConsumerList>(
            {403, R"({"title":"Forbidden","detail":"viewers may not"})", {}, {}});
        QVERIFY(!refused);
        QCOMPARE(refused.error, QStringLiteral("viewers may not"));

        const auto notJson = readAnswer<protocol::ConsumerList>({200, "<html>", {}, {}});
        QVERIFY(!notJson);
        QVERIFY2(notJson.error.startsWith(QStringLiteral(
                     "The broker's answer could not be read: the answer is not JSON")),
                 qPrintable(notJson.error));
    }

    void consumersPageShowsTheAnswer() {
        ScriptedSession s;
        s.transport->answers.insert(QStringLiteral("/v1/consumers"), kConsumers);
        ConsumersPage page(s.session);
        QAbstractItemModelTester tester(page.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.show();
        page.activate();
        QTRY_COMPARE(page.model()->rowCount(), 1);
        using C = ConsumerTableModel;
        const QAbstractItemModel& m = *page.model();
        QCOMPARE(cell(m, C::Name), QStringLiteral("crm"));
        QCOMPARE(cell(m, C::State), QStringLiteral("running"));
        QCOMPARE(cell(m, C::Lag), QStringLiteral("0"));
        QCOMPARE(cell(m, C::OldestPending), QStringLiteral("—"));
        QCOMPARE(cell(m, C::DeadLettered), QStringLiteral("1"));
        QCOMPARE(cell(m, C::Circuit), QStringLiteral("closed"));
        QCOMPARE(cell(m, C::Sink), QStringLiteral("http://127.0.0.1:9/hook"));
        QCOMPARE(cell(m, C::Name, Qt::ToolTipRole),
                 QStringLiteral("crm: connection refused by 127.0.0.1:9"));
        QCOMPARE(text(page, "consumerStatus"),
                 QStringLiteral("1 consumer(s), 0 with events pending · polled every second"));
        QCOMPARE(text(page, "consumerDetail"),
                 QStringLiteral("crm — running\n"
                                "sink: http://127.0.0.1:9/hook\n"
                                "pending: 0 event(s), oldest —\n"
                                "circuit: closed\n"
                                "dead_lettered 1, delivered 0, failed_attempts 2, gaps_waited 0, "
                                "replayed 0, stale_skipped 0, throttled 0\n"
                                "last error (2026-12-07T15:44:53.826Z): crm: connection refused "
                                "by 127.0.0.1:9"));
    }

    void consumersPageNamesTheBrokenField_data() {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<QString>("expected");
        QTest::addRow("lag as text") << altered(kConsumers, R"("events":0)", R"("events":"many")")
                                     << QStringLiteral("/consumers/0/lag/events: expected");
        QTest::addRow("unknown state")
            << altered(kConsumers, R"("state":"running")", R"("state":"sleepy")")
            << QStringLiteral("/consumers/0/state: expected running, paused");
        QTest::addRow("consumers not an array") << QByteArray(R"({"last_seq":1,"consumers":{}})")
                                                << QStringLiteral("/consumers: expected an array");
    }

    void consumersPageNamesTheBrokenField() {
        QFETCH(QByteArray, answer);
        QFETCH(QString, expected);
        ScriptedSession s;
        s.transport->answers.insert(QStringLiteral("/v1/consumers"), answer);
        ConsumersPage page(s.session);
        page.show();
        page.activate();
        QTRY_VERIFY(s.transport->count("/v1/consumers") > 0);
        QTRY_VERIFY2(text(page, "consumerStatus").contains(expected),
                     qPrintable(text(page, "consumerStatus")));
        QVERIFY(text(page, "consumerStatus")
                    .startsWith(QStringLiteral("The broker's answer could not be read: ")));
        QCOMPARE(page.model()->rowCount(), 0);
    }

    void consumersPageNamesTheBrokenFieldOfALiveFrame() {
        ScriptedSession s;
        s.transport->answers.insert(QStringLiteral("/v1/consumers"), kConsumers);
        ConsumersPage page(s.session);
        page.show();
        page.activate();
        QTRY_COMPARE(page.model()->rowCount(), 1);
        QVERIFY(s.transport->feed);
        s.transport->feed->setConnected(true);
        s.transport->feed->push(R"({"type":"snapshot","at":"2026-12-07T15:44:55.910Z",)"
                                R"("last_seq":"one","consumers":[],"flows":{}})");
        const QString status = text(page, "consumerStatus");
        QVERIFY2(status.contains(QStringLiteral("/last_seq: expected")), qPrintable(status));
        QCOMPARE(page.model()->rowCount(), 1); // the last good answer stays
    }

    void deadLettersPageShowsTheAnswers() {
        ScriptedSession s;
        s.answerDeadLetters();
        DeadLettersPage page(s.session);
        QAbstractItemModelTester groups(page.groups(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester letters(page.letters(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.show();
        page.activate();
        QTRY_COMPARE(page.letters()->rowCount(), 1);
        QTRY_COMPARE(page.groups()->rowCount(), 1);
        QCOMPARE(
            rowTexts(*page.groups()),
            (QStringList{QStringLiteral("crm"), QStringLiteral("1"), QStringLiteral("transport"),
                         QStringLiteral("connection refused by 127.0.0.1:9")}));
        QCOMPARE(rowTexts(*page.letters()),
                 (QStringList{QStringLiteral("1"), QStringLiteral("2026-12-07T15:44:53.826Z"),
                              QStringLiteral("crm"), QStringLiteral("LeadScored"),
                              QStringLiteral("acme/lead:L-1"), QStringLiteral("transport"),
                              QStringLiteral("2"),
                              QStringLiteral("connection refused by 127.0.0.1:9")}));
        QTRY_VERIFY2(text(page, "letterStatus").startsWith(QStringLiteral("1 open letter(s)")),
                     qPrintable(text(page, "letterStatus")));

        page.findChild<QTableView*>(QStringLiteral("letterTable"))->selectRow(0);
        QTRY_VERIFY(!text(page, "letterDetail").isEmpty());
        const QString detail = text(page, "letterDetail");
        QVERIFY2(detail.startsWith(QStringLiteral(
                     "Dead letter 1 for crm: connection refused by 127.0.0.1:9\n"
                     "signature: transport 0 connection refused by #.#.#.#:#\n\n"
                     "Attempts:\n"
                     "  #1  2026-12-07T15:44:53.811Z  HTTP 0  transport  connection refused by "
                     "127.0.0.1:9  \n"
                     "  #2  2026-12-07T15:44:53.826Z  HTTP 0  transport  connection refused by "
                     "127.0.0.1:9  \n\n"
                     "Event:\n{\n")),
                 qPrintable(detail));
        QVERIFY(detail.contains(QStringLiteral("\"lead_id\": \"L-1\"")));
    }

    void deadLettersPageNamesTheBrokenField_data() {
        QTest::addColumn<QByteArray>("letters");
        QTest::addColumn<QByteArray>("groups");
        QTest::addColumn<QString>("expected");
        QTest::addRow("attempts as text")
            << altered(kLetters, R"("attempts":2)", R"("attempts":"two")") << QByteArray(kGroups)
            << QStringLiteral("The broker's answer could not be read: /dead_letters/0/attempts: "
                              "expected");
        QTest::addRow("a group's count as text")
            << QByteArray(kLetters) << altered(kGroups, R"("count":1)", R"("count":"1")")
            << QStringLiteral("Groups: The broker's answer could not be read: "
                              "/groups/0/count: expected");
        QTest::addRow("unknown failure class")
            << altered(kLetters, R"("class":"transport")", R"("class":"cosmic")")
            << QByteArray(kGroups)
            << QStringLiteral("/dead_letters/0/class: expected a failure class");
    }

    void deadLettersPageNamesTheBrokenField() {
        QFETCH(QByteArray, letters);
        QFETCH(QByteArray, groups);
        QFETCH(QString, expected);
        ScriptedSession s;
        s.answerDeadLetters(letters, groups);
        DeadLettersPage page(s.session);
        page.show();
        page.activate();
        QTRY_VERIFY2(text(page, "letterStatus").contains(expected),
                     qPrintable(text(page, "letterStatus")));
    }

    void tracePageShowsTheAnswers() {
        ScriptedSession s;
        s.answer("/v1/stall?correlation_id=journey-L-1", kStall);
        s.answer("/v1/traces/journey-L-1", kTrace);
        TracePage page(s.session);
        QAbstractItemModelTester tester(page.timeline(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.show();
        page.trace(QStringLiteral("journey-L-1"));
        QTRY_COMPARE(page.timeline()->rowCount(), 4);
        QTRY_VERIFY(page.answer().startsWith(QStringLiteral("LeadScored 01936f4e")));
        QVERIFY(page.answer().endsWith(QStringLiteral("(dead letter 1).")));
        const QString id = QStringLiteral("01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f");
        QCOMPARE(rowTexts(*page.timeline(), 0),
                 (QStringList{QStringLiteral("2026-12-07T15:44:53.810Z"), QStringLiteral("event"),
                              QString(), QStringLiteral("LeadScored"), id, QString(), QString(),
                              QString()}));
        QCOMPARE(rowTexts(*page.timeline(), 1),
                 (QStringList{QStringLiteral("2026-12-07T15:44:53.811Z"), QStringLiteral("attempt"),
                              QStringLiteral("crm"), QString(), id, QStringLiteral("0"),
                              QStringLiteral("transport"),
                              QStringLiteral("connection refused by 127.0.0.1:9")}));
        QCOMPARE(
            rowTexts(*page.timeline(), 3),
            (QStringList{QStringLiteral("2026-12-07T15:44:53.826Z"), QStringLiteral("dead-letter"),
                         QStringLiteral("crm"), QStringLiteral("LeadScored"), id, QString(),
                         QStringLiteral("transport"),
                         QStringLiteral("connection refused by 127.0.0.1:9")}));
        QCOMPARE(page.causation()->topLevelItemCount(), 1);
        QCOMPARE(page.waterfall()->layoutData().rows,
                 (QStringList{QStringLiteral("events"), QStringLiteral("crm")}));
    }

    void tracePageNamesTheBrokenField_data() {
        QTest::addColumn<QByteArray>("stall");
        QTest::addColumn<QByteArray>("trace");
        QTest::addColumn<QString>("expected");
        QTest::addRow("an attempt's duration as text")
            << QByteArray(kStall)
            << altered(kTrace, R"("duration_ms":0.115)", R"("duration_ms":"slow")")
            << QStringLiteral("\nTrace: The broker's answer could not be read: "
                              "/timeline/2/duration_ms: expected");
        QTest::addRow("the stall answer as a number")
            << altered(kStall, R"("answer":"LeadScored)", R"("answer":7,"x":"LeadScored)")
            << QByteArray(kTrace)
            << QStringLiteral("The broker's answer could not be read: /answer: expected");
    }

    void tracePageNamesTheBrokenField() {
        QFETCH(QByteArray, stall);
        QFETCH(QByteArray, trace);
        QFETCH(QString, expected);
        ScriptedSession s;
        s.answer("/v1/stall?correlation_id=journey-L-1", stall);
        s.answer("/v1/traces/journey-L-1", trace);
        TracePage page(s.session);
        page.show();
        page.trace(QStringLiteral("journey-L-1"));
        QTRY_VERIFY2(page.answer().contains(expected), qPrintable(page.answer()));
    }
};

QTEST_MAIN(ProtocolAdapterTest)
#include "tst_protocol_adapter.moc"
