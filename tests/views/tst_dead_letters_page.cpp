// The Dead letters page against a real broker and a real webhook sink, on
// the offscreen platform: finding a letter (filter, sort, the receiver's
// words), the lists following the broker, the replay preview's assessment,
// and what became of a replay (ReplayOutcomeWatcher, the page's banner).

#include "tests/delivery/delivery_fixture.h"
#include "views/dlq/dead_letter_table.h"
#include "views/dlq/dead_letters_page.h"
#include "views/dlq/replay_outcome.h"
#include "views/dlq/replay_preview.h"
#include "views/session/http_transport.h"
#include "views/session/protocol_adapter.h"

#include <QAbstractItemModelTester>
#include <QFrame>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QtTest/QTest>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace meshdeck::views;
using nlohmann::json;

namespace {

std::unique_ptr<MeshSession> openSession(const TestBroker& mesh) {
    auto session = std::make_unique<MeshSession>(std::make_unique<HttpTransport>(
        QUrl(QString::fromStdString(mesh.url())), QByteArray::fromStdString(mesh.adminToken)));
    session->open();
    return session;
}

int column(LetterColumn c) {
    return static_cast<int>(c);
}

QString shownCell(const DeadLettersPage& page, int row, LetterColumn c) {
    const auto* shown = page.shownLetters();
    return shown->data(shown->index(row, column(c))).toString();
}

QList<qint64> shownIds(const DeadLettersPage& page) {
    QList<qint64> ids;
    for (int row = 0; row < page.shownLetters()->rowCount(); ++row)
        ids << page.shownLetters()->letterAt(row).id;
    return ids;
}

QTableView* letterTable(const DeadLettersPage& page) {
    return page.findChild<QTableView*>(QStringLiteral("letterTable"));
}

QList<qint64> selectedIds(const DeadLettersPage& page) {
    QList<qint64> ids;
    for (const auto& index : letterTable(page)->selectionModel()->selectedRows())
        ids << page.shownLetters()->letterAt(index.row()).id;
    return ids;
}

// Header clicks, as the person sorts, until the column sorts in this order.
void sortBy(QTableView* table, LetterColumn c, Qt::SortOrder order) {
    QHeaderView* header = table->horizontalHeader();
    const int x = header->sectionViewportPosition(column(c)) + header->sectionSize(column(c)) / 2;
    for (int click = 0; click < 2; ++click) {
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        if (header->sortIndicatorOrder() == order)
            break;
    }
    QCOMPARE(header->sortIndicatorSection(), column(c));
    QCOMPARE(header->sortIndicatorOrder(), order);
}

// The broker's letters in a state, as the API lists them.
std::vector<json> lettersIn(DeliveryFixture& f, const char* state) {
    const json page = parse(f.admin.get(std::string("/v1/dead-letters?state=") + state));
    return page.value("dead_letters", json::array()).get<std::vector<json>>();
}

std::string leadOf(const SinkRequest& r) {
    return json::parse(r.body, nullptr, false).value(json::json_pointer("/payload/lead_id"), "");
}

DeadLetter letter(delivery::FailureClass failure, const std::string& error,
                  const std::string& consumer = "crm") {
    DeadLetter d;
    d.id = 7;
    d.consumer = consumer;
    d.eventType = "LeadScored";
    d.entity = "acme/lead:L-7";
    d.eventId = "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f";
    d.failureClass = failure;
    d.error = error;
    return d;
}

} // namespace

struct Mesh {
    DeliveryFixture f;
    std::atomic<bool> accept{false};
    std::unique_ptr<MeshSession> session;
};

class DeadLettersPageTest : public QObject {
    Q_OBJECT

    // A consumer "crm" whose sink refuses every lead with HTTP 422 and a JSON
    // message naming the lead, until `accept` is set; leads named in `slow`
    // get 503 instead (retried, so they die with more attempts).
    void refuseLeads(DeliveryFixture& f, std::atomic<bool>& accept,
                     std::set<std::string> slow = {}) {
        f.sink.setHandler([&accept, slow](const SinkRequest& r) {
            SinkReply reply;
            if (accept)
                return reply;
            const std::string lead = leadOf(r);
            reply.status = slow.count(lead) ? 503 : 422;
            reply.headers = {{"content-type", "application/json"}};
            reply.body =
                json{{"message", "Lead " + lead + " has no owner"}, {"code", "E_OWNER"}}.dump();
            return reply;
        });
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
    }

    // The refusing sink, these events dead-lettered, and a session that is online.
    void start(Mesh& m, const std::vector<json>& events, std::set<std::string> slow = {}) {
        refuseLeads(m.f, m.accept, std::move(slow));
        if (!QTest::currentTestFailed())
            deadLetter(m.f, events);
        if (QTest::currentTestFailed())
            return;
        m.session = openSession(m.f.broker);
        QTRY_COMPARE(m.session->state(), SessionState::Online);
    }

    void deadLetter(DeliveryFixture& f, const std::vector<json>& events) {
        const int before = f.consumer("crm")["totals"]["dead_lettered"].get<int>();
        QCOMPARE_HTTP(f.publish(json(events)), 202);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["dead_lettered"].get<int>(),
                                  before + static_cast<int>(events.size()), 10000);
    }

    std::unique_ptr<DeadLettersPage> openPage(MeshSession& session, int letters) {
        auto page = std::make_unique<DeadLettersPage>(session);
        page->setConfirmations(false);
        page->resize(1366, 768);
        page->show();
        page->activate();
        [&] {
            QTRY_COMPARE_WITH_TIMEOUT(page->letters()->rowCount(), letters, 5000);
        }();
        return page;
    }

    // The broker's one open letter, sent again, and a watcher polling for it every 100 ms.
    ReplayOutcomeWatcher* replayTheOpenLetter(Mesh& m) {
        DeadLetter d;
        d.id = lettersIn(m.f, "open").front()["id"].get<qint64>();
        d.consumer = "crm";
        d.eventType = "LeadScored";
        d.entity = "acme/lead:L-1";
        const HttpResult replayed =
            m.f.admin.postJson("/v1/dead-letters/replay", json{{"ids", {d.id}}}.dump());
        if (replayed.status != 200)
            return nullptr;
        auto* watcher = new ReplayOutcomeWatcher(*m.session, {d});
        watcher->setPollInterval(std::chrono::milliseconds(100));
        return watcher;
    }

private Q_SLOTS:
    void filterNarrowsAsTyped() {
        Mesh m;
        start(m, {leadEvent("L-1", 1, 50, "journey-alpha"), leadEvent("L-2", 1, 50, "journey-beta"),
                  leadEvent("L-3", 1, 50, "journey-gamma")});
        if (QTest::currentTestFailed())
            return;
        auto page = openPage(*m.session, 3);
        QAbstractItemModelTester tester(page->shownLetters(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QLineEdit* filter = page->searchField();
        QVERIFY(filter);
        QCOMPARE(filter->objectName(), QStringLiteral("letterFilter"));
        auto* status = page->findChild<QLabel*>(QStringLiteral("letterStatus"));

        QTest::keyClicks(filter, QStringLiteral("LEAD:l-2")); // entity, any case
        QCOMPARE(page->shownLetters()->rowCount(), 1);
        QCOMPARE(shownCell(*page, 0, LetterColumn::Entity), QStringLiteral("acme/lead:L-2"));
        QVERIFY2(status->text().startsWith(QStringLiteral("1 of 3 letters")),
                 qPrintable(status->text()));

        filter->setText(QStringLiteral("L-3 has no owner")); // the error's text
        QCOMPARE(page->shownLetters()->rowCount(), 1);
        QCOMPARE(shownCell(*page, 0, LetterColumn::Entity), QStringLiteral("acme/lead:L-3"));

        filter->setText(QStringLiteral("journey-alpha")); // the correlation id (not a column)
        QCOMPARE(page->shownLetters()->rowCount(), 1);
        QCOMPARE(shownCell(*page, 0, LetterColumn::Entity), QStringLiteral("acme/lead:L-1"));

        filter->setText(QStringLiteral("nothing like this"));
        QCOMPARE(page->shownLetters()->rowCount(), 0);
        QVERIFY(status->text().startsWith(QStringLiteral("0 of 3 letters")));
        filter->clear();
        QCOMPARE(page->shownLetters()->rowCount(), 3);
    }

    void sortedViewDecidesWhatIsReplayed() {
        Mesh m;
        // Eleven letters, so ids 10 and 11 sort after 9 only when read as numbers.
        std::vector<json> events;
        for (int i = 1; i <= 10; ++i)
            events.push_back(leadEvent("L-" + std::to_string(i), 1));
        start(m, events, {"L-slow"});
        deadLetter(m.f, {leadEvent("L-slow", 1)});
        if (QTest::currentTestFailed())
            return;
        auto page = openPage(*m.session, 11);
        QTableView* table = letterTable(*page);

        sortBy(table, LetterColumn::Id, Qt::AscendingOrder);
        QList<qint64> ids = shownIds(*page);
        QList<qint64> ascending = ids;
        std::sort(ascending.begin(), ascending.end());
        QCOMPARE(ids, ascending);
        QCOMPARE(shownCell(*page, 10, LetterColumn::Id).toLongLong(), ascending.last());
        sortBy(table, LetterColumn::Id, Qt::DescendingOrder);
        ids = shownIds(*page);
        QVERIFY(ids.first() > ids.last());

        sortBy(table, LetterColumn::Attempts, Qt::DescendingOrder); // most attempts first
        QCOMPARE(shownCell(*page, 0, LetterColumn::Entity), QStringLiteral("acme/lead:L-slow"));
        QVERIFY(shownCell(*page, 0, LetterColumn::Attempts).toInt() > 1);
        QCOMPARE(shownCell(*page, 1, LetterColumn::Attempts), QStringLiteral("1"));

        m.accept = true;
        table->selectRow(0);
        page->findChild<QPushButton*>(QStringLiteral("replayButton"))->click();
        QTRY_COMPARE_WITH_TIMEOUT(lettersIn(m.f, "replayed").size(), std::size_t(1), 5000);
        QCOMPARE(lettersIn(m.f, "replayed").front()["entity"].get<std::string>(),
                 std::string("acme/lead:L-slow"));
        QTRY_COMPARE_WITH_TIMEOUT(page->letters()->rowCount(), 10, 5000);

        sortBy(table, LetterColumn::Id, Qt::AscendingOrder); // the oldest letter first
        const qint64 oldest = shownIds(*page).first();
        table->selectRow(0);
        page->findChild<QPushButton*>(QStringLiteral("replayButton"))->click();
        QTRY_COMPARE_WITH_TIMEOUT(lettersIn(m.f, "replayed").size(), std::size_t(2), 5000);
        bool found = false;
        for (const json& d : lettersIn(m.f, "replayed"))
            found = found || d["id"].get<qint64>() == oldest;
        QVERIFY(found);
    }

    void receiverSaidIsTheReceiversWords() {
        Mesh m;
        start(m, {leadEvent("L-1", 1)});
        if (QTest::currentTestFailed())
            return;
        auto page = openPage(*m.session, 1);
        QCOMPARE(
            page->letters()
                ->headerData(column(LetterColumn::ReceiverSaid), Qt::Horizontal, Qt::DisplayRole)
                .toString(),
            QStringLiteral("Receiver said"));
        QCOMPARE(shownCell(*page, 0, LetterColumn::ReceiverSaid),
                 QStringLiteral("Lead L-1 has no owner"));
        // The whole error stays in its column, readable in full as the tooltip.
        const auto* shown = page->shownLetters();
        const QString error =
            shown->data(shown->index(0, column(LetterColumn::Error)), Qt::ToolTipRole).toString();
        QVERIFY2(error.startsWith(QStringLiteral("HTTP 422 Unprocessable Entity: {")),
                 qPrintable(error));
        QVERIFY(letterTable(*page)->columnWidth(column(LetterColumn::ReceiverSaid)) >= 100);
    }

    void receiverReasonReadsCommonBodies_data() {
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("reason");
        // No raw strings with an odd number of quotes here: moc loses its place.
        QTest::addRow("JSON message")
            << R"(HTTP 422 Unprocessable Entity: {"message":"owner unknown","code":7})"
            << "owner unknown";
        QTest::addRow("JSON error")
            << R"(HTTP 400 Bad Request: {"error":"account Initech is archived; owner unknown"})"
            << "account Initech is archived; owner unknown";
        QTest::addRow("problem detail")
            << R"(HTTP 409 Conflict: {"type":"x","title":"Conflict","detail":"lead already merged"})"
            << "lead already merged";
        QTest::addRow("Salesforce array")
            << R"(HTTP 400 Bad Request: [{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING"}])"
            << "Required fields are missing: [LastName]";
        QTest::addRow("nested error object")
            << R"(HTTP 422 Unprocessable Entity: {"error":{"reason":"bad score"}})"
            << "bad score";
        QTest::addRow("JSON cut short")
            << "HTTP 422 Unprocessable Entity: {\"id\":1,\"message\":\"a very long explanation "
               "that was cu"
            << "a very long explanation that was cu…";
        QTest::addRow("escaped quotes")
            << "HTTP 422 Unprocessable Entity: {\"message\":\"field \\\"owner\\\" missing\"}"
            << "field \"owner\" missing";
        QTest::addRow("plain text") << "HTTP 400 Bad Request: score out of range\nsee docs"
                                    << "score out of range";
        QTest::addRow("no body") << "HTTP 503 Service Unavailable"
                                 << "HTTP 503 Service Unavailable";
        QTest::addRow("HTML page")
            << "HTTP 502 Bad Gateway: <html><head><title>502 Bad Gateway</title>"
            << "502 Bad Gateway";
        QTest::addRow("no answer") << "connection refused by 127.0.0.1:9"
                                   << "connection refused by 127.0.0.1:9";
    }

    void receiverReasonReadsCommonBodies() {
        QFETCH(QString, error);
        QFETCH(QString, reason);
        QCOMPARE(receiverReason(letter(delivery::FailureClass::Invalid, error.toStdString())),
                 reason);
    }

    void receiverReasonOfAnAttempt() {
        AttemptRecord a;
        a.status = 422;
        a.error = "HTTP 422 Unprocessable Entity";
        a.response = R"({"message":"owner unknown"})";
        QCOMPARE(receiverReason(a), QStringLiteral("owner unknown"));
        a.response.clear();
        QCOMPARE(receiverReason(a), QStringLiteral("HTTP 422 Unprocessable Entity"));
    }

    void liveUpdateKeepsTheSelection() {
        Mesh m;
        start(m, {leadEvent("L-1", 1), leadEvent("L-2", 1)});
        if (QTest::currentTestFailed())
            return;
        auto page = openPage(*m.session, 2);
        QTableView* table = letterTable(*page);
        sortBy(table, LetterColumn::Entity, Qt::AscendingOrder);
        table->selectRow(1);
        const qint64 chosen = page->shownLetters()->letterAt(1).id;
        QCOMPARE(shownCell(*page, 1, LetterColumn::Entity), QStringLiteral("acme/lead:L-2"));
        auto* detail = page->findChild<QPlainTextEdit*>(QStringLiteral("letterDetail"));
        QTRY_VERIFY_WITH_TIMEOUT(detail->toPlainText().contains(QStringLiteral("L-2")), 5000);

        deadLetter(m.f, {leadEvent("L-0", 1)}); // sorts before the chosen one
        QTRY_COMPARE_WITH_TIMEOUT(page->letters()->rowCount(), 3, 10000); // no click
        QCOMPARE(shownCell(*page, 0, LetterColumn::Entity), QStringLiteral("acme/lead:L-0"));
        QCOMPARE(selectedIds(*page), QList<qint64>{chosen});
        QCOMPARE(page->shownLetters()->letterAt(table->currentIndex().row()).id, chosen);
        QVERIFY(detail->toPlainText().contains(QStringLiteral("L-2")));

        // A letter that went away (discarded elsewhere) simply disappears.
        QCOMPARE_HTTP(m.f.admin.postJson("/v1/dead-letters/discard",
                                         json{{"ids", {chosen}}, {"reason", "merged"}}.dump()),
                      200);
        QTRY_COMPARE_WITH_TIMEOUT(page->letters()->rowCount(), 2, 10000);
        QVERIFY(selectedIds(*page).isEmpty());
    }

    void liveUpdateKeepsTheScrollPosition() {
        Mesh m;
        std::vector<json> events;
        for (int i = 10; i < 50; ++i)
            events.push_back(leadEvent("L-" + std::to_string(i), 1));
        start(m, events);
        if (QTest::currentTestFailed())
            return;
        auto page = openPage(*m.session, 40);
        QTableView* table = letterTable(*page);
        QScrollBar* scroll = table->verticalScrollBar();
        QTRY_VERIFY(scroll->maximum() > 0);
        scroll->setValue(scroll->maximum() / 2);
        const auto topLetter = [&] {
            return page->shownLetters()->letterAt(table->indexAt(QPoint(0, 0)).row()).id;
        };
        const qint64 top = topLetter();

        deadLetter(m.f, {leadEvent("L-new", 1)}); // listed first, above what is in view
        QTRY_COMPARE_WITH_TIMEOUT(page->letters()->rowCount(), 41, 10000);
        QCOMPARE(topLetter(), top);
        QVERIFY(scroll->value() > 0);
    }

    void replayGroupNeedsAChosenGroup() {
        Mesh m;
        start(m, {leadEvent("L-1", 1), leadEvent("L-2", 1)});
        if (QTest::currentTestFailed())
            return;
        auto page = openPage(*m.session, 2);
        QTRY_COMPARE_WITH_TIMEOUT(page->groups()->rowCount(), 1, 5000);
        auto* button = page->findChild<QPushButton*>(QStringLiteral("replayGroupButton"));
        QVERIFY(!button->isEnabled());
        QCOMPARE(button->toolTip(), QStringLiteral("Choose a group on the left first"));

        // Focus landing on the table makes a row current, not chosen.
        auto* groups = page->findChild<QTableView*>(QStringLiteral("groupTable"));
        groups->selectionModel()->setCurrentIndex(page->groups()->index(0, 0),
                                                  QItemSelectionModel::NoUpdate);
        QVERIFY(!button->isEnabled());

        groups->selectRow(0);
        QTRY_VERIFY_WITH_TIMEOUT(button->isEnabled(), 5000);
        QVERIFY(button->toolTip() != QStringLiteral("Choose a group on the left first"));
        m.accept = true;
        button->click();
        QTRY_COMPARE_WITH_TIMEOUT(lettersIn(m.f, "replayed").size(), std::size_t(2), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(page->letters()->rowCount(), 0, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!button->isEnabled(), 5000);
        QTRY_VERIFY2_WITH_TIMEOUT(
            page->result().startsWith(QStringLiteral("2 letters sent again: 2 delivered.\n")),
            qPrintable(page->result()), 10000);
    }

    void assessReplaySaysWhetherTheErrorWillRecur() {
        const DeadLetter refused = letter(
            delivery::FailureClass::Invalid,
            R"(HTTP 422 Unprocessable Entity: {"error":"account Initech is archived; owner unknown"})");
        ReplayRisk risk = assessReplay({refused});
        QCOMPARE(risk.outlook, ReplayOutlook::LikelyToFailAgain);
        QVERIFY2(risk.sentence.startsWith(QStringLiteral(
                     "The receiver refused this event itself (HTTP 422: account Initech is "
                     "archived; owner unknown). Sending the same payload again will most likely "
                     "fail the same way unless the receiver was changed.")),
                 qPrintable(risk.sentence));
        QVERIFY(risk.sentence.endsWith(QStringLiteral("Edit and replay instead?")));

        risk =
            assessReplay({letter(delivery::FailureClass::Server, "HTTP 503 Service Unavailable")});
        QCOMPARE(risk.outlook, ReplayOutlook::LikelyToPass);
        QVERIFY2(
            risk.sentence.contains(QStringLiteral("will most likely go through if the receiver "
                                                  "is up now")),
            qPrintable(risk.sentence));
        risk = assessReplay(
            {letter(delivery::FailureClass::Transport, "connection refused by 127.0.0.1:9"),
             letter(delivery::FailureClass::Throttled, "HTTP 429 Too Many Requests")});
        QCOMPARE(risk.outlook, ReplayOutlook::LikelyToPass);
        QVERIFY(risk.sentence.contains(QStringLiteral("could not be reached (connection refused")));

        risk = assessReplay({letter(delivery::FailureClass::Auth, "HTTP 401 Unauthorized")});
        QCOMPARE(risk.outlook, ReplayOutlook::FixFirst);
        QVERIFY(risk.sentence.contains(QStringLiteral("Fix the consumer's credentials")));

        // One refused among passing faults: the warning wins, for those it concerns.
        risk = assessReplay(
            {letter(delivery::FailureClass::Server, "HTTP 500 Internal Server Error"), refused});
        QCOMPARE(risk.outlook, ReplayOutlook::LikelyToFailAgain);
        QVERIFY(risk.sentence.startsWith(
            QStringLiteral("The receiver refused 1 of these 2 events itself")));
    }

    void previewDialogShowsCountsLettersAndAssessment() {
        std::vector<DeadLetter> letters{
            letter(delivery::FailureClass::Invalid,
                   R"(HTTP 422 Unprocessable Entity: {"message":"owner unknown"})")};
        ReplayPreviewDialog one(letters);
        QVERIFY(one.editButton());
        QCOMPARE(one.replayButton()->text(), QStringLiteral("Replay 1"));
        QVERIFY(!one.replayButton()->isDefault()); // Enter must not resend a refused payload
        QVERIFY(one.editButton()->isDefault());
        QVERIFY(one.findChild<QPlainTextEdit*>(QStringLiteral("replayLetters"))
                    ->toPlainText()
                    .contains(QStringLiteral("LeadScored acme/lead:L-7 "
                                             "(01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f) → crm: "
                                             "owner unknown")));
        qint64 edited = 0;
        connect(&one, &ReplayPreviewDialog::editRequested, this, [&](qint64 id) { edited = id; });
        one.editButton()->click();
        QCOMPARE(edited, qint64(7));

        for (int i = 0; i < 14; ++i)
            letters.push_back(letter(delivery::FailureClass::Server, "HTTP 503 Service Unavailable",
                                     i % 2 ? "crm" : "analytics"));
        letters.erase(letters.begin());
        ReplayPreviewDialog many(letters);
        QVERIFY(!many.editButton());
        QCOMPARE(many.replayButton()->text(), QStringLiteral("Replay 14"));
        QVERIFY(many.replayButton()->isDefault());
        QCOMPARE(many.findChild<QLabel*>(QStringLiteral("replayConsumers"))->text(),
                 QStringLiteral("By consumer: analytics: 7 · crm: 7"));
        const QString list =
            many.findChild<QPlainTextEdit*>(QStringLiteral("replayLetters"))->toPlainText();
        QCOMPARE(list.count(u'•'), 12);
        QVERIFY(list.endsWith(QStringLiteral("… and 2 more")));
        bool replayed = false;
        connect(&many, &ReplayPreviewDialog::replayRequested, this, [&] { replayed = true; });
        many.replayButton()->click();
        QVERIFY(replayed);
    }

    void watcherSeesTheReplayDelivered() {
        Mesh m;
        start(m, {leadEvent("L-1", 1)});
        if (QTest::currentTestFailed())
            return;
        m.accept = true;
        auto* watcher = replayTheOpenLetter(m);
        QVERIFY(watcher);
        QString summary;
        QList<ReplayOutcome> outcomes;
        connect(watcher, &ReplayOutcomeWatcher::settled, this,
                [&](const QString& s, const QList<ReplayOutcome>& o) {
                    summary = s;
                    outcomes = o;
                });
        watcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(!summary.isEmpty(), 10000);
        QCOMPARE(outcomes.size(), 1);
        QCOMPARE(outcomes.front().kind, ReplayOutcome::Kind::Delivered);
        QVERIFY2(summary.startsWith(QStringLiteral("1 letter sent again: 1 delivered.\n")),
                 qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("(LeadScored acme/lead:L-1 → crm): sent again → "
                                                 "delivered at 20")),
                 qPrintable(summary));
    }

    void watcherNamesTheNewLetterOfAFailedReplay() {
        Mesh m;
        start(m, {leadEvent("L-1", 1)});
        if (QTest::currentTestFailed())
            return;
        auto* watcher = replayTheOpenLetter(m);
        QVERIFY(watcher);
        const qint64 replayed = lettersIn(m.f, "replayed").front()["id"].get<qint64>();
        QString summary;
        connect(watcher, &ReplayOutcomeWatcher::settled, this,
                [&](const QString& s, const QList<ReplayOutcome>&) { summary = s; });
        watcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(!summary.isEmpty(), 10000);
        const auto open = lettersIn(m.f, "open");
        QCOMPARE(open.size(), std::size_t(1));
        QCOMPARE(open.front()["replay_of"].get<qint64>(), replayed);
        const qint64 newId = open.front()["id"].get<qint64>();
        QVERIFY2(summary.endsWith(
                     QStringLiteral("failed again: HTTP 422 Lead L-1 has no owner → now dead "
                                    "letter %1")
                         .arg(newId)),
                 qPrintable(summary));
    }

    void watcherGivesUpWaitingOnAPausedConsumer() {
        Mesh m;
        start(m, {leadEvent("L-1", 1)});
        if (QTest::currentTestFailed())
            return;
        QCOMPARE_HTTP(m.f.admin.postJson("/v1/consumers/crm/pause", "{}"), 200);
        auto* watcher = replayTheOpenLetter(m);
        QVERIFY(watcher);
        watcher->setPatience(std::chrono::milliseconds(600));
        QStringList progress;
        QString summary;
        connect(watcher, &ReplayOutcomeWatcher::progressed, this,
                [&](const QString& s, const QList<ReplayOutcome>&) { progress << s; });
        connect(watcher, &ReplayOutcomeWatcher::settled, this,
                [&](const QString& s, const QList<ReplayOutcome>&) { summary = s; });
        watcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(!summary.isEmpty(), 10000);
        QVERIFY(progress.first().startsWith(QStringLiteral("Sending 1 letter again…\n")));
        QVERIFY2(summary.startsWith(QStringLiteral("1 letter sent again: 1 still on its way.\n")),
                 qPrintable(summary));
        QVERIFY2(summary.endsWith(QStringLiteral("still on its way: not tried yet")),
                 qPrintable(summary));
    }

    void bannerKeepsTheOutcomeUntilDismissed() {
        Mesh m;
        start(m, {leadEvent("L-1", 1), leadEvent("L-2", 1)});
        if (QTest::currentTestFailed())
            return;
        auto page = openPage(*m.session, 2);
        page->setConfirmations(true);
        page->setRefreshInterval(std::chrono::milliseconds(300));
        auto* banner = page->findChild<QFrame*>(QStringLiteral("resultBanner"));
        auto* text = page->findChild<QLabel*>(QStringLiteral("resultText"));
        QVERIFY(!banner->isVisible());

        // The preview warns that the receiver refused the event itself.
        letterTable(*page)->selectRow(0);
        const qint64 replayed = selectedIds(*page).front();
        const QString lead = shownCell(*page, 0, LetterColumn::Entity).section(u':', 1);
        page->findChild<QPushButton*>(QStringLiteral("replayButton"))->click();
        ReplayPreviewDialog* preview = nullptr;
        QTRY_VERIFY((preview = page->findChild<ReplayPreviewDialog*>()) != nullptr);
        QVERIFY2(preview->assessmentText().contains(
                     QStringLiteral("(HTTP 422: Lead %1 has no owner). Sending the same "
                                    "payload again will most likely fail the same way")
                         .arg(lead)),
                 qPrintable(preview->assessmentText()));
        preview->replayButton()->click();
        QTRY_VERIFY(banner->isVisible());

        // It failed again: the banner names the new letter, and keeps saying
        // so through the refreshes that follow.
        QTRY_VERIFY_WITH_TIMEOUT(page->result().contains(QStringLiteral("now dead letter")), 10000);
        const auto open = lettersIn(m.f, "open");
        qint64 newId = 0;
        for (const json& d : open)
            if (d.contains("replay_of") && d["replay_of"].get<qint64>() == replayed)
                newId = d["id"].get<qint64>();
        QVERIFY(newId > 0);
        const QString said = page->result();
        QVERIFY2(said.startsWith(QStringLiteral("1 letter sent again: 1 failed again.")),
                 qPrintable(said));
        QVERIFY(said.contains(QStringLiteral("now dead letter %1").arg(newId)));
        QVERIFY(text->text().contains(QStringLiteral("href=\"letter:%1\"").arg(newId)));
        QTRY_VERIFY_WITH_TIMEOUT(page->shownLetters()->rowOf(newId) >= 0, 5000);
        QTest::qWait(1000); // three refreshes
        QCOMPARE(page->result(), said);
        QVERIFY(banner->isVisible());
        // Refreshing chose no group on the person's behalf.
        auto* groups = page->findChild<QTableView*>(QStringLiteral("groupTable"));
        QVERIFY(!groups->selectionModel()->hasSelection());
        QVERIFY(!page->findChild<QPushButton*>(QStringLiteral("replayGroupButton"))->isEnabled());

        // The link selects the new letter in the list.
        Q_EMIT text->linkActivated(QStringLiteral("letter:%1").arg(newId));
        QCOMPARE(selectedIds(*page), QList<qint64>{newId});

        page->findChild<QPushButton*>(QStringLiteral("dismissResult"))->click();
        QVERIFY(!banner->isVisible());
        QCOMPARE(page->result(), QString());
    }
};

QTEST_MAIN(DeadLettersPageTest)
#include "tst_dead_letters_page.moc"
