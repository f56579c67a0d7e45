// The console's edge to the broker's answers (views/session/protocol_adapter.h):
// answers captured from meshd read into what the pages show, and an answer
// with a field of the wrong type makes the page say which field, instead of
// crashing or showing an empty page. Through the scripted transport and feed,
// on the offscreen platform.

#include "tests/views/scripted_transport.h"
#include "views/consumers/consumer_table_model.h"
#include "views/consumers/consumers_page.h"
#include "views/dlq/dead_letters_page.h"
#include "views/flow/flow_page.h"
#include "views/flow/flow_view.h"
#include "views/overview/overview_page.h"
#include "views/session/mesh_session.h"
#include "views/session/protocol_adapter.h"
#include "views/trace/trace_page.h"
#include "views/trace/waterfall.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUrlQuery>
#include <QtTest/QTest>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace meshdeck::views;
using namespace Qt::StringLiterals;

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

// GET /v1/flows, captured from meshd (as in tests/unit/tst_protocol.cpp).
constexpr const char* kFlows =
    R"({"at":"2026-12-07T15:44:55.910Z","since":"2026-12-07T15:44:46.018Z","window_seconds":60,"producers":[{"tenant":"acme","producer":"hubspot-bridge","type":"LeadScored","published":1,"rejected":0,"published_per_s":0.10109179134654267,"rejected_per_s":0.0,"last_at":"2026-12-07T15:44:53.811Z"}],"consumers":[{"consumer":"crm","type":"LeadScored","delivered":0,"failed":2,"dead_lettered":1,"delivered_per_s":0.0,"failed_per_s":0.20218358269308534,"dead_lettered_per_s":0.10109179134654267,"error_ratio":1.0,"last_error":"connection refused by 127.0.0.1:9","last_at":"2026-12-07T15:44:53.826Z"}]})";

// A /v1/live snapshot of the same moment, as the gateway writes one: the
// captured consumers and flows under their frame.
QByteArray liveSnapshot(const QByteArray& consumers = kConsumers,
                        const QByteArray& flows = kFlows) {
    const QByteArray list = consumers.mid(consumers.indexOf('['));
    return R"({"type":"snapshot","at":"2026-12-07T15:44:55.910Z","last_seq":1,)"
           R"("stored_events":1,"consumers":)" +
           list.left(list.lastIndexOf(']') + 1) + R"(,"flows":)" + flows + '}';
}

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

QStringList namesIn(const FlowLayout& layout, FlowNode::Kind kind) {
    QStringList names;
    for (const auto& node : layout.nodes)
        if (node.kind == kind)
            names << node.name;
    return names;
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

    QTemporaryDir config;

private Q_SLOTS:
    void initTestCase() {
        QLocale::setDefault(QLocale::c());
        // Times read in UTC whatever the person running the tests chose.
        qputenv("XDG_CONFIG_HOME", config.path().toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("meshdeck-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("protocol-adapter"));
        QVERIFY(!localTime());
    }

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
        // The row's state in words first, then its last error.
        QCOMPARE(cell(m, C::Name, Qt::ToolTipRole),
                 QStringLiteral("dead letters: events gave up and wait for a person to replay "
                                "them\ncrm: connection refused by 127.0.0.1:9"));
        QCOMPARE(text(page, "consumerStatus"),
                 QStringLiteral("1 consumer(s), 0 with events pending · polled every second"));
        QCOMPARE(text(page, "consumerDetail"), QStringLiteral("crm — CRM sync"));
        QCOMPARE(text(page, "detail_sink"), QStringLiteral("http://127.0.0.1:9/hook"));
        QCOMPARE(text(page, "detail_lag"), QStringLiteral("Nothing pending"));
        QVERIFY(text(page, "detail_lastError")
                    .startsWith(QStringLiteral("crm: connection refused by 127.0.0.1:9 (at ")));
        QVERIFY(text(page, "detail_deadLetters").contains(QStringLiteral("1 dead letter")));
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
                 (QStringList{QStringLiteral("1"), QStringLiteral("LeadScored"),
                              QStringLiteral("acme/lead:L-1"),
                              QStringLiteral("connection refused by 127.0.0.1:9"),
                              QStringLiteral("transport"), QStringLiteral("2"),
                              QStringLiteral("crm"), QStringLiteral("2026-12-07 15:44:53.826 UTC"),
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
                     "  #1  2026-12-07 15:44:53.811 UTC  HTTP 0  transport  connection refused by "
                     "127.0.0.1:9  \n"
                     "  #2  2026-12-07 15:44:53.826 UTC  HTTP 0  transport  connection refused by "
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
                 (QStringList{QStringLiteral("2026-12-07 15:44:53.810 UTC"),
                              QStringLiteral("event"), QString(), QStringLiteral("LeadScored"), id,
                              QString(), QString(), QString()}));
        QCOMPARE(rowTexts(*page.timeline(), 1),
                 (QStringList{QStringLiteral("2026-12-07 15:44:53.811 UTC"),
                              QStringLiteral("attempt"), QStringLiteral("crm"), QString(), id,
                              QStringLiteral("0"), QStringLiteral("transport"),
                              QStringLiteral("connection refused by 127.0.0.1:9")}));
        QCOMPARE(
            rowTexts(*page.timeline(), 3),
            (QStringList{QStringLiteral("2026-12-07 15:44:53.826 UTC"),
                         QStringLiteral("dead-letter"), QStringLiteral("crm"),
                         QStringLiteral("LeadScored"), id, QString(), QStringLiteral("transport"),
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
    void flowPageShowsTheCapturedAnswers() {
        ScriptedSession s;
        s.answer("/v1/flows", kFlows);
        s.answer("/v1/consumers", kConsumers);
        FlowPage page(s.session);
        page.resize(1100, 700);
        page.show();
        page.activate(); // the feed is not up: polled
        QTRY_VERIFY(page.view()->itemFor(QStringLiteral("type:LeadScored > consumer:crm")));
        const FlowLayout& layout = page.view()->layoutData();
        QCOMPARE(namesIn(layout, FlowNode::Kind::Producer), QStringList{u"hubspot-bridge"_s});
        QCOMPARE(namesIn(layout, FlowNode::Kind::EventType), QStringList{u"LeadScored"_s});
        QCOMPARE(namesIn(layout, FlowNode::Kind::Consumer), QStringList{u"crm"_s});
        QCOMPARE(layout.edges.size(), 2);
        // Every attempt failed in the window: red.
        QCOMPARE(layout.edges.at(layout.edgeIndex(u"type:LeadScored > consumer:crm"_s)).health,
                 FlowHealth::Failing);
        QTRY_COMPARE(text(page, "flowStatus"),
                     u"1 producer(s) · 1 event type(s) · 1 consumer(s) · rates over the last 60 s "
                     "· polled every 2 s"_s);

        page.select(u"type:LeadScored > consumer:crm"_s);
        QCOMPARE(text(page, "flowDetailTitle"), u"LeadScored → crm"_s);
        QCOMPARE(text(page, "flowDetail"),
                 u"Consumer crm receives LeadScored.\n"
                 "Delivered: 0 in total · 0/s\n"
                 "Failed attempts: 2 in total · 0.2/s\n"
                 "Dead-lettered: 1 in total · 0.1/s\n"
                 "Failed share of its attempts: 100 %\n"
                 "Last delivery attempt: 2026-12-07 15:44:53.826 UTC\n"
                 "Last error: connection refused by 127.0.0.1:9\n\n"
                 "Totals count since the broker started (2026-12-07 15:44:46.018 UTC)."_s);
        page.select(u"producer:acme/hubspot-bridge"_s);
        QVERIFY2(text(page, "flowDetail").contains(u"Last input: 2026-12-07 15:44:53.811 UTC"_s),
                 qPrintable(text(page, "flowDetail")));
        QTRY_VERIFY(s.transport->count("/v1/consumers") > 0);
        page.select(u"consumer:crm"_s);
        QTRY_VERIFY(text(page, "flowDetail").startsWith(u"State: running\n"_s));

        // The live feed comes up with crm paused: the badge and the state follow.
        s.transport->feed->setConnected(true);
        s.transport->feed->push(
            liveSnapshot(altered(altered(kConsumers, R"("state":"running")", R"("state":"paused")"),
                                 R"("paused":false)", R"("paused":true)")));
        QTRY_COMPARE(page.view()
                         ->layoutData()
                         .nodes.at(page.view()->layoutData().nodeIndex(u"consumer:crm"_s))
                         .badge,
                     u"paused"_s);
        QVERIFY(text(page, "flowDetail").startsWith(u"State: paused\n"_s));
        QVERIFY(text(page, "flowStatus").endsWith(u"· live"_s));
    }

    void flowPageNamesTheBrokenField_data() {
        QTest::addColumn<QByteArray>("flows");
        QTest::addColumn<QByteArray>("consumers");
        QTest::addColumn<QString>("expected");
        QTest::addRow("a count as text")
            << altered(kFlows, R"("published":1)", R"("published":"1")") << QByteArray(kConsumers)
            << u"Could not load the flow map: The broker's answer could not be read: "
               "/producers/0/published: expected"_s;
        QTest::addRow("a rate missing")
            << altered(kFlows, R"("failed_per_s":0.20218358269308534,)", "")
            << QByteArray(kConsumers) << u"/consumers/0/failed_per_s: required"_s;
        QTest::addRow("since not a time")
            << altered(kFlows, R"("since":"2026-12-07T15:44:46.018Z")", R"("since":"yesterday")")
            << QByteArray(kConsumers) << u"/since: expected"_s;
        QTest::addRow("a consumer's state unknown")
            << QByteArray(kFlows) << altered(kConsumers, R"("state":"running")", R"("state":"x")")
            << u"Could not read the consumers' states: The broker's answer could not be read: "
               "/consumers/0/state: expected running"_s;
    }

    void flowPageNamesTheBrokenField() {
        QFETCH(QByteArray, flows);
        QFETCH(QByteArray, consumers);
        QFETCH(QString, expected);
        ScriptedSession s;
        s.answer("/v1/flows", flows);
        s.answer("/v1/consumers", consumers);
        FlowPage page(s.session);
        page.show();
        page.activate();
        QTRY_VERIFY2(text(page, "flowStatus").contains(expected),
                     qPrintable(text(page, "flowStatus")));
        // Before any map: the empty state says it too, rather than "Waiting for the mesh…".
        auto* empty = page.findChild<QLabel*>(u"flowEmptyState"_s);
        if (page.findChild<QStackedWidget*>(u"flowStack"_s)->currentWidget() == empty)
            QVERIFY2(empty->text().contains(expected), qPrintable(empty->text()));
    }

    void flowPageKeepsItsMapWhenAFrameDoesNotRead() {
        ScriptedSession s;
        FlowPage page(s.session);
        page.show();
        page.activate();
        s.transport->feed->setConnected(true);
        s.transport->feed->push(liveSnapshot());
        const QString crmEdge = u"type:LeadScored > consumer:crm"_s;
        QTRY_VERIFY(page.view()->itemFor(crmEdge));
        const int nodes = static_cast<int>(page.view()->layoutData().nodes.size());

        s.transport->feed->push(
            liveSnapshot(kConsumers, altered(kFlows, R"("failed":2)", R"("failed":"two")")));
        QTRY_VERIFY2(text(page, "flowStatus")
                         .contains(u"The broker's answer could not be read: "
                                   "/flows/consumers/0/failed: expected"_s),
                     qPrintable(text(page, "flowStatus")));
        QVERIFY(page.view()->itemFor(crmEdge)); // the last good map stays
        QCOMPARE(page.view()->layoutData().nodes.size(), nodes);
        QCOMPARE(page.snapshot().consumers.at(0).failed, 2);
        page.select(crmEdge);
        QVERIFY(text(page, "flowDetail").contains(u"Failed attempts: 2 in total"_s));

        s.transport->feed->push(liveSnapshot()); // reads again: the problem goes
        QTRY_VERIFY(text(page, "flowStatus").startsWith(u"1 producer(s)"_s));
    }

    void overviewShowsTheCapturedConsumersAndNamesTheBrokenField() {
        ScriptedSession s;
        s.answer("/healthz", R"({"status":"ok","events":1,"last_seq":1,"writer_queue":0})");
        s.answer("/metrics", "");
        s.answer("/v1/consumers", kConsumers);
        s.answer("/v1/dead-letters/groups", kGroups);
        s.answer("/v1/consumers/crm/history?minutes=60", R"({"consumer":"crm","minutes":[]})");
        OverviewPage page(s.session);
        page.show();
        page.activate();
        auto* circuits = page.findChild<QTableWidget*>(u"consumerCircuits"_s);
        QTRY_COMPARE(circuits->rowCount(), 1);
        QStringList row;
        for (int column = 0; column < circuits->columnCount(); ++column)
            row << circuits->item(0, column)->text();
        QCOMPARE(row, (QStringList{u"crm"_s, u"running"_s, u"0"_s, u"closed"_s,
                                   u"crm: connection refused by 127.0.0.1:9"_s}));
        auto* dead = page.findChild<QPushButton*>(u"deadTile"_s)->findChildren<QLabel*>().first();
        QTRY_COMPARE(dead->text(), u"1"_s);
        QTRY_COMPARE(text(page, "overviewStatus"), u"updated every 2 s"_s);

        // The next answers do not read: the table and the tile stay, the status names the fields.
        s.answer("/v1/consumers", altered(kConsumers, R"("events":0)", R"("events":"many")"));
        s.answer("/v1/dead-letters/groups", altered(kGroups, R"("count":1)", R"("count":"1")"));
        QTRY_VERIFY2_WITH_TIMEOUT(
            text(page, "overviewStatus")
                .contains(u"Consumers: The broker's answer could not be read: "
                          "/consumers/0/lag/events: expected"_s),
            qPrintable(text(page, "overviewStatus")), 5000);
        QTRY_VERIFY2_WITH_TIMEOUT(text(page, "overviewStatus")
                                      .contains(u"Dead letters: The broker's answer could not be "
                                                "read: /groups/0/count: expected"_s),
                                  qPrintable(text(page, "overviewStatus")), 5000);
        QCOMPARE(circuits->rowCount(), 1);
        QCOMPARE(circuits->item(0, 0)->text(), u"crm"_s);
        QCOMPARE(dead->text(), u"1"_s);

        // Readable again: the status says so.
        s.answer("/v1/consumers", kConsumers);
        s.answer("/v1/dead-letters/groups", kGroups);
        QTRY_COMPARE_WITH_TIMEOUT(text(page, "overviewStatus"), u"updated every 2 s"_s, 5000);
    }
};

QTEST_MAIN(ProtocolAdapterTest)
#include "tst_protocol_adapter.moc"
