// The Events page against a real in-process broker holding 1,250 events: the
// filter-to-query mapping, the lazily paged model (under
// QAbstractItemModelTester), stale answers, follow mode, and the page itself
// on the offscreen platform.

#include "tests/support/test_broker.h"
#include "views/events/event_filter.h"
#include "views/events/event_table_model.h"
#include "views/events/events_page.h"
#include "views/events/json_highlighter.h"
#include "views/session/http_transport.h"
#include "views/session/mesh_session.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>
#include <QToolButton>
#include <QtTest/QTest>
#include <algorithm>
#include <memory>
#include <string>

using namespace meshdeck;
using namespace meshdeck::views;

Q_DECLARE_METATYPE(meshdeck::views::EventFilter)

namespace {

constexpr int kStored = 1250;
constexpr int kLeads = 25; // entity lead:L-<i % 25>: 50 events each

// Event i: LeadCreated every 10th, else LeadScored; no correlation id every 7th.
std::string leadEvent(int i, const std::string& lead) {
    const bool created = i % 10 == 0;
    std::string event = R"({"event_type":")" + std::string(created ? "LeadCreated" : "LeadScored") +
                        R"(","occurred_at":"2026-11-27T09:)" +
                        QStringLiteral("%1:%2Z")
                            .arg((i / 60) % 60, 2, 10, QLatin1Char('0'))
                            .arg(i % 60, 2, 10, QLatin1Char('0'))
                            .toStdString() +
                        R"(","producer":"enrichment","tenant_id":"acme",)";
    if (i % 7 != 0)
        event += R"("correlation_id":"journey-)" + lead + R"(",)";
    event += R"("entity":{"kind":"lead","id":")" + lead + R"(","version":)" +
             std::to_string(i / kLeads + 1) + "},";
    if (created)
        event += R"("payload":{"lead_id":")" + lead + R"("}})";
    else
        event += R"("payload":{"lead_id":")" + lead + R"(","score":)" + std::to_string(i % 101) +
                 R"(,"model":"fit-v3"}})";
    return event;
}

std::string leadId(int i) {
    return "L-" + std::to_string(i % kLeads);
}

QStringList column(const QAbstractItemModel& model, int col) {
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row)
        values << model.index(row, col).data().toString();
    return values;
}

bool seqAscending(const QAbstractItemModel& model) {
    for (int row = 1; row < model.rowCount(); ++row)
        if (model.index(row, 0).data(SeqRole).toLongLong() <=
            model.index(row - 1, 0).data(SeqRole).toLongLong())
            return false;
    return true;
}

} // namespace

class EventsPageTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::TestBroker> mesh_;
    QByteArray viewer_;

    static std::unique_ptr<MeshSession> sessionTo(const test::TestBroker& mesh,
                                                  const QByteArray& token) {
        return std::make_unique<MeshSession>(
            std::make_unique<HttpTransport>(QUrl(QString::fromStdString(mesh.url())), token));
    }
    std::unique_ptr<MeshSession> session(const QByteArray& token = {}) {
        return sessionTo(*mesh_, token.isEmpty() ? viewer_ : token);
    }

    static void publishTo(const test::TestBroker& mesh, const std::vector<std::string>& events) {
        std::string body = "[";
        for (const auto& event : events)
            body += (body.size() > 1 ? "," : "") + event;
        body += ']';
        const HttpResult result = mesh.client(mesh.adminToken).postJson("/v1/events", body);
        QVERIFY2(result.ok(), result.body.c_str());
    }
    void publish(const std::vector<std::string>& events) { publishTo(*mesh_, events); }

    // Asks for every page until the model says there are no more.
    static int fetchAll(EventTableModel& model) {
        int fetches = 0;
        while (model.canFetchMore({})) {
            model.fetchMore({});
            ++fetches;
            if (!QTest::qWaitFor([&] { return !model.isLoading(); }, 10000))
                return -1;
        }
        return fetches;
    }

private Q_SLOTS:
    void initTestCase() {
        mesh_ = std::make_unique<test::TestBroker>();
        viewer_ = QByteArray::fromStdString(mesh_->token(Role::Viewer, "acme"));
        for (int batch = 0; batch < kStored / 250; ++batch) {
            std::vector<std::string> events;
            for (int i = batch * 250; i < (batch + 1) * 250; ++i)
                events.push_back(leadEvent(i, leadId(i)));
            publish(events);
        }
    }

    void cleanupTestCase() { mesh_.reset(); }

    void queryPath_data() {
        QTest::addColumn<EventFilter>("filter");
        QTest::addColumn<qint64>("afterSeq");
        QTest::addColumn<int>("limit");
        QTest::addColumn<QString>("path");  // expected, when valid
        QTest::addColumn<QString>("error"); // expected fragment, when invalid

        auto row = [](const char* name, EventFilter f, qint64 afterSeq, int limit, const char* path,
                      const char* error = "") {
            QTest::addRow("%s", name)
                << f << afterSeq << limit << QString::fromUtf8(path) << QString::fromUtf8(error);
        };
        row("nothing: first page", {}, -1, 250, "/v1/events?limit=250");
        row("type", {.type = QStringLiteral("LeadScored")}, -1, 250,
            "/v1/events?type=LeadScored&limit=250");
        row("every field in API order",
            {.type = QStringLiteral("LeadScored"),
             .tenant = QStringLiteral("acme"),
             .entity = QStringLiteral("lead:L-1042"),
             .correlationId = QStringLiteral("journey-1"),
             .since = QStringLiteral("2026-11-27T09:00:00Z"),
             .until = QStringLiteral("2026-11-27T10:00:00Z")},
            -1, 250,
            "/v1/events?type=LeadScored&tenant=acme&entity=lead%3AL-1042&correlation_id=journey-1"
            "&since=2026-11-27T09%3A00%3A00Z&until=2026-11-27T10%3A00%3A00Z&limit=250");
        row("blanks around values are trimmed", {.type = QStringLiteral("  LeadScored ")}, -1, 250,
            "/v1/events?type=LeadScored&limit=250");
        row("+ & = # and space are percent-encoded",
            {.correlationId = QStringLiteral("a+b&c=d#e f")}, -1, 250,
            "/v1/events?correlation_id=a%2Bb%26c%3Dd%23e%20f&limit=250");
        row("non-ASCII is UTF-8 percent-encoded", {.tenant = QStringLiteral("müller")}, -1, 250,
            "/v1/events?tenant=m%C3%BCller&limit=250");
        row("producer", {.producer = QStringLiteral("hubspot")}, -1, 250,
            "/v1/events?producer=hubspot&limit=250");
        row("cursor after seq 500", {}, 500, 250, "/v1/events?cursor=500&limit=250");
        row("cursor 0 is a cursor", {}, 0, 250, "/v1/events?cursor=0&limit=250");
        row("limit above 1000 is capped", {}, -1, 5000, "/v1/events?limit=1000");
        row("limit below 1 is raised", {}, -1, 0, "/v1/events?limit=1");
        row("free text stays client-side", {.text = QStringLiteral("fit-v3")}, -1, 250,
            "/v1/events?limit=250");
        row("a time without offset is UTC", {.since = QStringLiteral("2026-11-27 09:14")}, -1, 250,
            "/v1/events?since=2026-11-27T09%3A14%3A00Z&limit=250");
        row("the placeholder's example parses", {.since = QStringLiteral("2026-11-27T09:00Z")}, -1,
            250, "/v1/events?since=2026-11-27T09%3A00%3A00Z&limit=250");
        row("an offset is converted to UTC", {.until = QStringLiteral("2026-11-27T10:00:00+01:00")},
            -1, 250, "/v1/events?until=2026-11-27T09%3A00%3A00Z&limit=250");
        row("milliseconds are kept", {.since = QStringLiteral("2026-11-27T09:14:03.120Z")}, -1, 250,
            "/v1/events?since=2026-11-27T09%3A14%3A03.120Z&limit=250");
        row("entity without colon", {.entity = QStringLiteral("L-1042")}, -1, 250, "",
            "expected KIND:ID such as lead:L-1042, got 'L-1042'");
        row("entity without id", {.entity = QStringLiteral("lead:")}, -1, 250, "",
            "expected KIND:ID");
        row("entity without kind", {.entity = QStringLiteral(":L-1")}, -1, 250, "",
            "expected KIND:ID");
        row("since is not a time", {.since = QStringLiteral("yesterday")}, -1, 250, "",
            "Since: expected a time such as 2026-11-27T09:14:03Z, got 'yesterday'");
        row("until is not a time", {.until = QStringLiteral("2026-13-01")}, -1, 250, "",
            "Until: expected a time");
        row("since after until",
            {.since = QStringLiteral("2026-11-28T00:00:00Z"),
             .until = QStringLiteral("2026-11-27T00:00:00Z")},
            -1, 250, "", "is after until");
    }

    void queryPath() {
        QFETCH(EventFilter, filter);
        QFETCH(qint64, afterSeq);
        QFETCH(int, limit);
        QFETCH(QString, path);
        QFETCH(QString, error);
        const EventQueryPath query = eventQueryPath(filter, afterSeq, limit);
        if (error.isEmpty()) {
            QCOMPARE(query.error, QString());
            QVERIFY(query.ok());
            QCOMPARE(query.path, path);
        } else {
            QVERIFY(!query.ok());
            QVERIFY2(query.error.contains(error), qPrintable(query.error));
            QCOMPARE(query.path, QString());
        }
    }

    void sameQueryIgnoresTheFreeText() {
        const EventFilter a{.type = QStringLiteral("LeadScored"), .text = QStringLiteral("x")};
        EventFilter b = a;
        b.text = QStringLiteral("y");
        QVERIFY(a.sameQuery(b));
        b.entity = QStringLiteral("lead:L-1");
        QVERIFY(!a.sameQuery(b));
    }

    void highlighterColoursReadOnLightAndDarkBases() {
        QTextDocument document(QStringLiteral("{\n    \"score\": 87,\n    \"ok\": true\n}"));
        JsonHighlighter highlighter(&document);
        for (const QColor& base : {QColor(Qt::white), QColor(30, 30, 30)}) {
            QPalette palette;
            palette.setColor(QPalette::Base, base);
            highlighter.setPalette(palette);
            for (const QTextCharFormat& format :
                 {highlighter.keyFormat(), highlighter.stringFormat(), highlighter.numberFormat(),
                  highlighter.literalFormat()}) {
                const int contrast =
                    std::abs(format.foreground().color().lightness() - base.lightness());
                QVERIFY2(contrast >= 80,
                         qPrintable(QStringLiteral("base %1, colour %2")
                                        .arg(base.name(), format.foreground().color().name())));
            }
        }
        // The key and the number on line 2 carry their formats.
        const QTextBlock line = document.findBlockByNumber(1);
        const auto formats = line.layout()->formats();
        QCOMPARE(formats.size(), 2);
        QCOMPARE(formats.at(0).start, 4); // "score"
        QCOMPARE(formats.at(0).length, 7);
        QCOMPARE(formats.at(0).format.foreground(), highlighter.keyFormat().foreground());
        QCOMPARE(formats.at(1).start, 13); // 87
        QCOMPARE(formats.at(1).format.foreground(), highlighter.numberFormat().foreground());
    }

    // The tester asks for more itself whenever rows arrive, like a view at
    // the bottom would: the model pages through everything in whole pages.
    void modelPassesTheItemModelTester() {
        auto mesh = session();
        EventTableModel model(*mesh);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        model.setPageSize(250);
        model.setFilter({});
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), kStored, 20000);
        QTRY_VERIFY(!model.isLoading());
        QVERIFY(!model.canFetchMore({}));
        QCOMPARE(inserts.size(), kStored / 250);
        for (int page = 0; page < inserts.size(); ++page) {
            QCOMPARE(inserts.at(page).at(1).toInt(), page * 250);
            QCOMPARE(inserts.at(page).at(2).toInt(), page * 250 + 249);
        }
        QVERIFY(seqAscending(model));
    }

    // Without a view or tester pulling, nothing is fetched but what is asked.
    void modelFetchesLazilyInPages() {
        auto mesh = session();
        EventTableModel model(*mesh);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        QCOMPARE(model.columnCount(), 7);
        QCOMPARE(model.headerData(EventTableModel::EntityColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Entity"));
        QVERIFY(!model.canFetchMore({})); // nothing asked yet

        model.setPageSize(250);
        model.setFilter({});
        QVERIFY(model.isLoading());
        QVERIFY(!model.canFetchMore({})); // one fetch in flight
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 10000);
        QCOMPARE(model.rowCount(), 250);
        QCOMPARE(inserts.size(), 1); // the page arrives as one batch
        QVERIFY(model.hasMore());
        QVERIFY(model.canFetchMore({}));

        // A second fetchMore while one is in flight asks nothing more.
        model.fetchMore({});
        model.fetchMore({});
        QTRY_VERIFY(!model.isLoading());
        QCOMPARE(model.rowCount(), 500);
        QCOMPARE(inserts.size(), 2);

        QCOMPARE(fetchAll(model), 3);
        QCOMPARE(model.rowCount(), kStored);
        QCOMPARE(inserts.size(), 5);
        QVERIFY(!model.hasMore());
        QVERIFY(!model.canFetchMore({}));
        QVERIFY(seqAscending(model));
        QCOMPARE(model.lastError(), QString());

        // Row 3 is the 4th event published: its columns and roles.
        const QModelIndex seq = model.index(3, EventTableModel::SeqColumn);
        const QJsonObject json =
            QJsonDocument::fromJson(seq.data(RawJsonRole).toByteArray()).object();
        QCOMPARE(json.value(u"entity").toObject().value(u"id").toString(), QStringLiteral("L-3"));
        QCOMPARE(json.value(u"payload").toObject().value(u"score").toInt(), 3);
        QCOMPARE(seq.data(EventIdRole).toString(), json.value(u"event_id").toString());
        QCOMPARE(seq.data().toLongLong(), json.value(u"seq").toInteger());
        QCOMPARE(model.index(3, EventTableModel::TypeColumn).data().toString(),
                 QStringLiteral("LeadScored"));
        QCOMPARE(model.index(3, EventTableModel::EntityColumn).data().toString(),
                 QStringLiteral("lead:L-3 v1"));
        QCOMPARE(model.index(3, EventTableModel::OccurredColumn).data().toString(),
                 QStringLiteral("2026-11-27 09:00:03.000 UTC"));
        QCOMPARE(model.index(3, EventTableModel::TenantColumn).data().toString(),
                 QStringLiteral("acme"));
        QCOMPARE(model.index(3, EventTableModel::ProducerColumn).data().toString(),
                 QStringLiteral("enrichment"));
        QCOMPARE(model.index(3, EventTableModel::CorrelationColumn).data().toString(),
                 QStringLiteral("journey-L-3"));
        QCOMPARE(model.index(7, 0).data(CorrelationIdRole).toString(), QString()); // 7 % 7 == 0
        QVERIFY(model.index(3, EventTableModel::OccurredColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(u"ingested"));
    }

    void modelFiltersByEntityAndType() {
        auto mesh = session();
        EventTableModel model(*mesh);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setFilter({.entity = QStringLiteral("lead:L-7")});
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 10000);
        QCOMPARE(fetchAll(model), 0);
        QCOMPARE(model.rowCount(), kStored / kLeads);
        for (const QString& entity : column(model, EventTableModel::EntityColumn))
            QVERIFY2(entity.startsWith(u"lead:L-7 v"), qPrintable(entity));

        model.setFilter({.type = QStringLiteral("LeadCreated")});
        QCOMPARE(model.rowCount(), 0); // reset at once
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 10000);
        QCOMPARE(model.rowCount(), kStored / 10);
        QCOMPARE(column(model, EventTableModel::TypeColumn).removeDuplicates(), kStored / 10 - 1);
        QCOMPARE(model.index(0, EventTableModel::TypeColumn).data().toString(),
                 QStringLiteral("LeadCreated"));
        QVERIFY(seqAscending(model));

        model.setFilter(
            {.type = QStringLiteral("LeadCreated"), .entity = QStringLiteral("lead:L-5")});
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 10000);
        QCOMPARE(model.rowCount(), 25); // i % 25 == 5 and i % 10 == 0: i = 30, 80, ... 1230
    }

    void answersForAnOlderFilterAreDropped() {
        auto mesh = session();
        EventTableModel model(*mesh);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        // 125 LeadCreated events, none of them lead:L-7; asked first, answered
        // (if at all) after the filter moved on.
        model.setFilter({.type = QStringLiteral("LeadCreated")});
        model.setFilter({.entity = QStringLiteral("lead:L-7")});
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 10000);
        QTest::qWait(500); // time for the first answer to arrive too
        QCOMPARE(model.rowCount(), kStored / kLeads);
        QCOMPARE(inserts.size(), 1);
        QVERIFY(!column(model, EventTableModel::TypeColumn).contains(u"LeadCreated"));
        QVERIFY(!model.isLoading());
    }

    void errorsAreReportedAndInvalidFiltersAskNothing() {
        auto mesh = session();
        EventTableModel model(*mesh);
        QSignalSpy failures(&model, &EventTableModel::fetchFailed);
        QSignalSpy loading(&model, &EventTableModel::loadingChanged);
        model.setFilter({.entity = QStringLiteral("no-colon")});
        QVERIFY(!model.filterError().isEmpty());
        QVERIFY(!model.isLoading());
        QCOMPARE(loading.size(), 0);
        QVERIFY(!model.canFetchMore({}));

        // A viewer of acme may not read globex: the broker's words reach the model.
        model.setFilter({.tenant = QStringLiteral("globex")});
        QTRY_COMPARE_WITH_TIMEOUT(failures.size(), 1, 10000);
        QVERIFY2(model.lastError().contains(u"may read tenant 'acme' only"),
                 qPrintable(model.lastError()));
        QCOMPARE(model.rowCount(), 0);
    }

    void pageShowsTheSelectedEventAndCopiesIt() {
        auto mesh = session();
        EventsPage page(*mesh);
        QSignalSpy traces(&page, &EventsPage::traceRequested);
        page.resize(1280, 760);
        page.show();
        QCOMPARE(page.title(), QStringLiteral("Events"));
        mesh->open();
        QTRY_COMPARE_WITH_TIMEOUT(mesh->state(), SessionState::Online, 10000);
        page.activate();

        auto* table = page.findChild<QTableView*>(QStringLiteral("eventsTable"));
        auto* detail = page.findChild<QPlainTextEdit*>(QStringLiteral("eventDetail"));
        auto* status = page.findChild<QLabel*>(QStringLiteral("statusLine"));
        auto* empty = page.findChild<QLabel*>(QStringLiteral("emptyState"));
        auto* copyJson = page.findChild<QPushButton*>(QStringLiteral("copyJsonButton"));
        auto* copyCurl = page.findChild<QPushButton*>(QStringLiteral("copyCurlButton"));
        auto* copyMeshctl = page.findChild<QPushButton*>(QStringLiteral("copyMeshctlButton"));
        auto* openTrace = page.findChild<QPushButton*>(QStringLiteral("openTraceButton"));
        auto* search = page.findChild<QLineEdit*>(QStringLiteral("textFilter"));
        auto* entity = page.findChild<QLineEdit*>(QStringLiteral("entityFilter"));
        auto* filterMessage = page.findChild<QLabel*>(QStringLiteral("filterMessage"));
        QVERIFY(table && detail && status && empty && copyJson && copyCurl && copyMeshctl &&
                openTrace && search && entity && filterMessage);
        QVERIFY(search->placeholderText().contains(u"client-side"));

        QTRY_VERIFY_WITH_TIMEOUT(table->model()->rowCount() >= 250, 10000);
        QTRY_VERIFY(!page.model()->isLoading());
        QVERIFY(table->isVisible());
        // One page fills the view; the rest stays on the mesh.
        QCOMPARE(page.model()->rowCount(), 250);
        // Following is on from the first showing: a console shows what happens now.
        QCOMPARE(status->text(), QStringLiteral("250 events loaded · more available · following"));
        QVERIFY(page.findChild<QToolButton*>(QStringLiteral("followButton"))->isChecked());
        QVERIFY(!copyMeshctl->isEnabled());
        QVERIFY(detail->toPlainText().isEmpty());

        table->setCurrentIndex(table->model()->index(3, 0));
        const QByteArray raw = table->model()->index(3, 0).data(RawJsonRole).toByteArray();
        const QString id = table->model()->index(3, 0).data(EventIdRole).toString();
        QVERIFY(!id.isEmpty());
        QCOMPARE(detail->toPlainText(),
                 QString::fromUtf8(QJsonDocument::fromJson(raw).toJson(QJsonDocument::Indented)));
        QVERIFY(detail->toPlainText().contains(u"\n    \"event_id\": \"" + id + u'"'));
        QVERIFY(detail->toPlainText().contains(u"\"model\": \"fit-v3\""));
        QVERIFY(detail->isReadOnly());

        QVERIFY(copyMeshctl->isEnabled());
        copyMeshctl->click();
        QCOMPARE(QApplication::clipboard()->text(), u"meshctl get " + id);
        copyCurl->click();
        QCOMPARE(QApplication::clipboard()->text(),
                 u"curl -H 'Authorization: Bearer $MESHDECK_TOKEN' '" +
                     QString::fromStdString(mesh_->url()) + u"/v1/events/" + id + u'\'');
        copyJson->click();
        QCOMPARE(QApplication::clipboard()->text(), detail->toPlainText());

        QVERIFY(openTrace->isEnabled());
        openTrace->click();
        QCOMPARE(traces.size(), 1);
        QCOMPARE(traces.at(0).at(0).toString(), QStringLiteral("journey-L-3"));
        table->setCurrentIndex(table->model()->index(7, 0)); // no correlation id
        QVERIFY(!openTrace->isEnabled());
        QVERIFY(copyMeshctl->isEnabled());

        // The free text narrows the loaded rows only, and pulls in no more pages.
        search->setText(QStringLiteral("\"lead_id\":\"L-7\""));
        QTRY_COMPARE(table->model()->rowCount(), 10); // 250 loaded, every 25th
        QTest::qWait(300);
        QCOMPARE(page.model()->rowCount(), 250);
        QVERIFY2(status->text().contains(u"10 contain"), qPrintable(status->text()));
        search->clear();
        QTRY_COMPARE(table->model()->rowCount(), page.model()->rowCount());

        // A bad entity is explained in the bar and asks nothing.
        entity->setText(QStringLiteral("L-7"));
        QTRY_VERIFY(filterMessage->isVisible());
        QVERIFY(filterMessage->text().contains(u"KIND:ID"));
        QVERIFY(!page.model()->isLoading());

        // No match: the empty state says so.
        entity->setText(QStringLiteral("lead:nobody"));
        QTRY_VERIFY(empty->isVisible());
        QVERIFY(!filterMessage->isVisible());
        QTRY_COMPARE(empty->text(), QStringLiteral("No events match these filters."));
        QVERIFY(!table->isVisible());
        QVERIFY(!copyMeshctl->isEnabled());
        QCOMPARE(status->text(), QStringLiteral("0 events loaded · following"));
    }

    // On a broker of its own: the events it publishes must not change what
    // the other functions find, whatever order they run in.
    void followPicksUpEventsPublishedLater() {
        test::TestBroker mesh;
        const QByteArray token = QByteArray::fromStdString(mesh.token(Role::Viewer, "acme"));
        auto session = sessionTo(mesh, token);
        EventTableModel model(*session);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy loading(&model, &EventTableModel::loadingChanged);
        // Answers to requests this model made: a poll that has landed.
        const auto answers = [&] {
            return std::count_if(loading.begin(), loading.end(),
                                 [](const QList<QVariant>& args) { return !args[0].toBool(); });
        };
        model.setFilter({.entity = QStringLiteral("lead:L-new")});
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 10000);
        QCOMPARE(model.rowCount(), 0);
        model.setFollowInterval(100);
        model.setFollowing(true);
        QVERIFY(model.isFollowing());

        publishTo(mesh, {leadEvent(1, "L-new"), leadEvent(2, "L-new"), leadEvent(3, "L-new")});
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 5000);
        QCOMPARE(inserts.size(), 1); // one batch
        publishTo(mesh, {leadEvent(4, "L-new"), leadEvent(5, "L-new")});
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 5, 5000);
        QCOMPARE(inserts.size(), 2);
        QVERIFY(seqAscending(model));
        // Polls that find nothing add nothing: three more answers, same rows.
        const auto answered = answers();
        QTRY_VERIFY_WITH_TIMEOUT(answers() >= answered + 3, 5000);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(inserts.size(), 2);

        // Stopped: no more requests. A second model that keeps following is
        // the witness that polls would have found the new event by now.
        model.setFollowing(false);
        QTRY_VERIFY_WITH_TIMEOUT(!model.isLoading(), 5000); // a poll in flight lands
        loading.clear();
        auto witnessSession = sessionTo(mesh, token);
        EventTableModel witness(*witnessSession);
        witness.setFilter({.entity = QStringLiteral("lead:L-new")});
        QTRY_VERIFY_WITH_TIMEOUT(witness.hasLoaded(), 10000);
        QCOMPARE(witness.rowCount(), 5);
        witness.setFollowInterval(100);
        witness.setFollowing(true);
        publishTo(mesh, {leadEvent(6, "L-new")});
        QTRY_COMPARE_WITH_TIMEOUT(witness.rowCount(), 6, 5000);
        QSignalSpy witnessLoading(&witness, &EventTableModel::loadingChanged);
        QTRY_VERIFY_WITH_TIMEOUT(witnessLoading.size() >= 4, 5000); // two more polls
        QCOMPARE(loading.size(), 0);
        QCOMPARE(model.rowCount(), 5);
    }
};

QTEST_MAIN(EventsPageTest)
#include "tst_events_page.moc"
