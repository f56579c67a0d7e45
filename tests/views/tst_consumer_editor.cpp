// The Consumers page's editor and detail pane against a real broker and a
// real webhook sink, on the offscreen platform: the core's own messages
// under the fields as the person types, Save only for a spec that parses,
// the broker's answer (201, 409) shown, edits that keep what the form does
// not show, admins only; the detail pane in words.

#include "broker/store/token_store.h"
#include "tests/delivery/delivery_fixture.h"
#include "tests/views/open_session.h"
#include "views/consumers/consumer_editor.h"
#include "views/consumers/consumers_page.h"
#include "views/session/http_transport.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTableView>
#include <QtTest/QTest>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace meshdeck::views;
using nlohmann::json;

namespace {

// Replaces a field's text as a person would: select all, type.
void retype(QWidget* dialog, const char* field, const QString& text) {
    auto* edit = dialog->findChild<QLineEdit*>(QLatin1String(field));
    QVERIFY2(edit, field);
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Delete);
    QTest::keyClicks(edit, text);
}

QPushButton* button(const QWidget* widget, const char* name) {
    return widget->findChild<QPushButton*>(QLatin1String(name));
}

QString fact(const QWidget& page, const char* key) {
    return page.findChild<QLabel*>(QStringLiteral("detail_") + QLatin1String(key))->text();
}

// The page with a session of `token`, listing what the broker has.
struct OpenPage {
    OpenPage(DeliveryFixture& f, const std::string& token) : session(openSession(f.broker, token)) {
        QTRY_COMPARE(session->state(), SessionState::Online);
        page = std::make_unique<ConsumersPage>(*session);
        page->show();
        page->activate();
    }
    std::unique_ptr<MeshSession> session;
    std::unique_ptr<ConsumersPage> page;
};

} // namespace

class ConsumerEditorTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void typingShowsTheParsersMessagesAndSaveCreates() {
        DeliveryFixture f;
        OpenPage open(f, f.broker.adminToken);
        ConsumersPage& page = *open.page;
        QTRY_VERIFY(button(&page, "newConsumerButton")->isEnabled());
        ConsumerEditor* editor = page.newConsumer();
        auto* save = button(editor, "saveButton");
        // A new spec has no name and no URL yet: the parser says both.
        QTRY_VERIFY(
            editor->problemAt(QStringLiteral("/name")).contains(QStringLiteral("required")));
        QVERIFY(!save->isEnabled());

        retype(editor, "nameEdit", QStringLiteral("crm-sync"));
        retype(editor, "urlEdit", QStringLiteral("ftp://crm.example/hook"));
        QTRY_COMPARE(editor->problemAt(QStringLiteral("/sink/url")),
                     QStringLiteral("expected an http:// or https:// URL, got "
                                    "\"ftp://crm.example/hook\""));
        QVERIFY(editor->problemAt(QStringLiteral("/name")).isEmpty());
        QVERIFY(editor->problems().contains(
            QStringLiteral("/sink/url: expected an http:// or https:// URL, got "
                           "\"ftp://crm.example/hook\"")));
        QVERIFY(!save->isEnabled());
        retype(editor, "urlEdit", QString::fromStdString(f.sink.url()));
        QTRY_VERIFY(editor->problemAt(QStringLiteral("/sink/url")).isEmpty());

        retype(editor, "perSecondEdit", QStringLiteral("-5"));
        QTRY_COMPARE(editor->problemAt(QStringLiteral("/rate_limit/per_second")),
                     QStringLiteral("expected a number from 0.0 to 1000000.0, got -5"));
        QVERIFY(!save->isEnabled());
        retype(editor, "perSecondEdit", QStringLiteral("20"));
        QTRY_VERIFY(editor->problemAt(QStringLiteral("/rate_limit/per_second")).isEmpty());

        retype(editor, "eventTypesEdit", QStringLiteral("LeadScord"));
        QTRY_VERIFY2(editor->problemAt(QStringLiteral("/filter/event_types"))
                         .contains(QStringLiteral("unknown event type \"LeadScord\"")),
                     qPrintable(editor->problemAt(QStringLiteral("/filter/event_types"))));
        QVERIFY(!save->isEnabled());
        retype(editor, "eventTypesEdit", QStringLiteral("lead.scored"));
        QTRY_VERIFY(editor->problemAt(QStringLiteral("/filter/event_types"))
                        .contains(QStringLiteral("PascalCase")));
        retype(editor, "eventTypesEdit", QStringLiteral("LeadScored"));
        QTRY_VERIFY(save->isEnabled());
        QVERIFY(editor->problems().isEmpty());
        QVERIFY(editor->findChild<QListWidget*>(QStringLiteral("problemList"))->count() == 0);

        QTest::mouseClick(save, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(f.admin.get("/v1/consumers/crm-sync").status, 200, 5000);
        const json stored = f.consumer("crm-sync")["spec"];
        QCOMPARE(stored["sink"]["url"].get<std::string>(), f.sink.url());
        QCOMPARE(stored["rate_limit"]["per_second"].get<double>(), 20.0);
        QVERIFY(stored["filter"]["event_types"] == json::array({"LeadScored"}));
        QTRY_COMPARE_WITH_TIMEOUT(page.selectedConsumer(), QStringLiteral("crm-sync"), 5000);
    }

    void jsonTabAndFormStayInStep() {
        DeliveryFixture f;
        OpenPage open(f, f.broker.adminToken);
        QTRY_VERIFY(button(open.page.get(), "newConsumerButton")->isEnabled());
        ConsumerEditor* editor = open.page->newConsumer();
        // Not a raw string: moc cannot read this file past one.
        editor->setSpecText(QStringLiteral(
            "{\"name\": \"warehouse\", \"max_pending\": 500, \"rate_limit\": {\"per_second\": 3},"
            " \"sink\": {\"type\": \"webhook\", \"url\": \"https://wh.example/in\"}}"));
        QCOMPARE(editor->findChild<QLineEdit*>(QStringLiteral("nameEdit"))->text(),
                 QStringLiteral("warehouse"));
        QCOMPARE(editor->findChild<QLineEdit*>(QStringLiteral("perSecondEdit"))->text(),
                 QStringLiteral("3"));
        retype(editor, "perSecondEdit", QStringLiteral("7"));
        const json text = json::parse(editor->specText().toStdString());
        QCOMPARE(text["rate_limit"]["per_second"].get<int>(), 7);
        QCOMPARE(text["max_pending"].get<int>(), 500); // not on the form, kept
        QTRY_VERIFY(button(editor, "saveButton")->isEnabled());
    }

    void editStartsFromTheSpecAndKeepsWhatTheFormDoesNotShow() {
        DeliveryFixture f;
        auto spec = webhookConsumer("crm", f.sink.url());
        spec["mapping"] = {{"lead", "/payload/lead_id"}};
        spec["max_concurrency"] = 4;
        QCOMPARE_HTTP(f.createConsumer(spec), 201);
        OpenPage open(f, f.broker.adminToken);
        ConsumersPage& page = *open.page;
        QTRY_COMPARE_WITH_TIMEOUT(page.selectedConsumer(), QStringLiteral("crm"), 5000);
        QTRY_VERIFY(button(&page, "editConsumerButton")->isEnabled());
        ConsumerEditor* editor = page.editConsumer();
        auto* url = editor->findChild<QLineEdit*>(QStringLiteral("urlEdit"));
        QTRY_COMPARE_WITH_TIMEOUT(url->text(), QString::fromStdString(f.sink.url()), 5000);
        QCOMPARE(editor->findChild<QLineEdit*>(QStringLiteral("maxAttemptsEdit"))->text(),
                 QStringLiteral("5"));
        QVERIFY(editor->findChild<QLineEdit*>(QStringLiteral("nameEdit"))->isReadOnly());

        retype(editor, "perSecondEdit", QStringLiteral("25"));
        auto* save = button(editor, "saveButton");
        QTRY_VERIFY(save->isEnabled());
        QTest::mouseClick(save, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(
            f.consumer("crm")["spec"].value(json::json_pointer("/rate_limit/per_second"), 0.0),
            25.0, 5000);
        const json stored = f.consumer("crm")["spec"];
        QVERIFY(stored["mapping"] == (json{{"lead", "/payload/lead_id"}}));
        QCOMPARE(stored["max_concurrency"].get<int>(), 4);
        QCOMPARE(stored["retry"]["max_attempts"].get<int>(), 5);
        QCOMPARE(stored["filter"]["tenant"].get<std::string>(), "acme");
    }

    void aTakenNameIsShownByTheName() {
        DeliveryFixture f;
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
        OpenPage open(f, f.broker.adminToken);
        QTRY_VERIFY(button(open.page.get(), "newConsumerButton")->isEnabled());
        ConsumerEditor* editor = open.page->newConsumer();
        retype(editor, "nameEdit", QStringLiteral("crm"));
        retype(editor, "urlEdit", QString::fromStdString(f.sink.url()));
        auto* save = button(editor, "saveButton");
        QTRY_VERIFY(save->isEnabled());
        QTest::mouseClick(save, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(editor->problemAt(QStringLiteral("/name")),
                                  QStringLiteral("a consumer named crm already exists; PUT "
                                                 "/v1/consumers/crm changes it"),
                                  5000);
        QVERIFY(!save->isEnabled());
        QVERIFY(editor->isVisible());
        retype(editor, "nameEdit", QStringLiteral("crm-2"));
        QTRY_VERIFY(editor->problemAt(QStringLiteral("/name")).isEmpty());
        QTRY_VERIFY(save->isEnabled());
    }

    void onlyAdminsDeclareConsumers_data() {
        QTest::addColumn<Role>("role");
        QTest::addColumn<QString>("reason");
        QTest::addRow("viewer") << Role::Viewer << QStringLiteral("viewer");
        QTest::addRow("operator") << Role::Operator << QStringLiteral("needs the admin role");
    }

    void onlyAdminsDeclareConsumers() {
        QFETCH(Role, role);
        QFETCH(QString, reason);
        DeliveryFixture f;
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url())), 201);
        OpenPage open(f, f.broker.token(role, "acme"));
        QTRY_COMPARE_WITH_TIMEOUT(open.page->selectedConsumer(), QStringLiteral("crm"), 5000);
        for (const char* name : {"newConsumerButton", "editConsumerButton"}) {
            QPushButton* b = button(open.page.get(), name);
            QVERIFY2(!b->isEnabled(), name);
            QVERIFY2(b->toolTip().contains(reason), qPrintable(b->toolTip()));
        }
    }

    void detailPaneSaysItInWords() {
        DeliveryFixture f;
        f.sink.setHandler([](const SinkRequest&) {
            SinkReply r;
            r.status = 503;
            r.body = "crm is down for maintenance";
            return r;
        });
        auto spec = webhookConsumer("crm", f.sink.url());
        spec["retry"] = {{"max_attempts", 100}, {"base_ms", 60000}, {"cap_ms", 60000}};
        spec["rate_limit"] = {{"per_second", 50}};
        QCOMPARE_HTTP(f.createConsumer(spec), 201);
        QCOMPARE_HTTP(f.publish(json{leadEvent("L-1", 1), leadEvent("L-2", 1)}), 202);
        OpenPage open(f, f.broker.adminToken);
        const ConsumersPage& page = *open.page;
        QTRY_COMPARE_WITH_TIMEOUT(page.selectedConsumer(), QStringLiteral("crm"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(fact(page, "sink"), QString::fromStdString(f.sink.url()), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            fact(page, "lag").startsWith(QStringLiteral("2 events pending, the oldest for")), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(fact(page, "lastError").contains(QStringLiteral("503")), 5000);
        // The broker's words for the answer; the receiver's body is not in the
        // consumer's status (only in each attempt's record).
        QVERIFY2(fact(page, "lastError")
                     .startsWith(QStringLiteral("crm: HTTP 503 Service Unavailable (at ")),
                 qPrintable(fact(page, "lastError")));
        QTRY_COMPARE_WITH_TIMEOUT(fact(page, "rateLimit"),
                                  QStringLiteral("50 per second (burst 50)"), 5000);
        QCOMPARE(fact(page, "eventTypes"), QStringLiteral("LeadScored"));
        QCOMPARE(fact(page, "filter"), QStringLiteral("tenant acme"));
        for (const char* key : {"state", "sink", "lag", "lastError", "retry", "circuit"})
            QVERIFY2(!fact(page, key).contains(u'{'), key);
    }
};

QTEST_MAIN(ConsumerEditorTest)
#include "tst_consumer_editor.moc"
