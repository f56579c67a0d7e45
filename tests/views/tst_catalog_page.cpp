// The Catalog page and its model: the order-preserving JSON slicing, the
// model under QAbstractItemModelTester, stale answers dropped (a transport
// the test answers by hand), then the page end to end against a real
// in-process broker on the offscreen platform.

#include "core/uuid.h"
#include "tests/support/test_broker.h"
#include "tests/views/open_session.h"
#include "views/catalog/catalog_model.h"
#include "views/catalog/catalog_page.h"
#include "views/catalog/json_text.h"
#include "views/session/http_transport.h"
#include "views/session/mesh_session.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTimer>
#include <QtTest/QTest>
#include <deque>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using namespace meshdeck::views;
using meshdeck::test::openSession;

namespace {

// Keeps every request until the test answers it, in any order it likes.
class HeldTransport final : public MeshTransport {
public:
    struct Held {
        MeshRequest request;
        Callback done;
    };
    std::deque<Held> held;

    void send(const MeshRequest& request, Callback done) override {
        held.push_back({request, std::move(done)});
    }
    QString endpoint() const override { return QStringLiteral("http://held"); }
};

MeshReply schemasReply(const QStringList& types) {
    QJsonArray list;
    for (const QString& type : types)
        list.append(QJsonObject{{QStringLiteral("event_type"), type},
                                {QStringLiteral("latest_version"), 1},
                                {QStringLiteral("versions"), QJsonArray{1}},
                                {QStringLiteral("owner"), QStringLiteral("team")},
                                {QStringLiteral("slo_class"), QStringLiteral("batch")},
                                {QStringLiteral("pii"), QJsonArray{}},
                                {QStringLiteral("description"), QString()}});
    return {200, QJsonDocument(QJsonObject{{QStringLiteral("schemas"), list}}).toJson(), {}, {}};
}

template <typename T> T* child(QWidget& page, const char* name) {
    return page.findChild<T*>(QString::fromLatin1(name));
}

QString itemTexts(const QListWidget* list) {
    QStringList texts;
    for (int i = 0; i < list->count(); ++i)
        texts << list->item(i)->text();
    return texts.join(u'\n');
}

// The draft editor's schema with one more property, optionally required.
QString draftWithProperty(const QPlainTextEdit* draft, const QString& name, bool required) {
    QJsonObject schema = QJsonDocument::fromJson(draft->toPlainText().toUtf8()).object();
    QJsonObject properties = schema.value(QLatin1String("properties")).toObject();
    properties.insert(name, QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}});
    schema.insert(QStringLiteral("properties"), properties);
    if (required) {
        QJsonArray list = schema.value(QLatin1String("required")).toArray();
        list.append(name);
        schema.insert(QStringLiteral("required"), list);
    }
    return QString::fromUtf8(QJsonDocument(schema).toJson(QJsonDocument::Indented));
}

int registeredVersions(test::TestBroker& mesh, const std::string& type) {
    auto client = mesh.client(mesh.adminToken);
    const HttpResult r = client.get("/v1/schemas/" + type + "/versions");
    if (!r.ok())
        return -1;
    return int(nlohmann::json::parse(r.body).at("versions").size());
}

} // namespace

class CatalogPageTest : public QObject {
    Q_OBJECT

    std::unique_ptr<test::TestBroker> mesh;

    // Selects a type the way a user does: its row in the list.
    static void clickType(CatalogPage& page, const QString& type) {
        auto* list = child<QTableView>(page, "catalogTypes");
        const auto* model = list->model();
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row, CatalogModel::TypeColumn);
            if (index.data().toString() == type) {
                list->scrollTo(index);
                QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                                  list->visualRect(index).center());
                return;
            }
        }
        QFAIL(qPrintable(QStringLiteral("no row for ") + type));
    }

    // A page on a session with `token`, LeadScored selected and its schema shown.
    static void openLeadScored(CatalogPage& page, MeshSession& session) {
        QTRY_COMPARE(session.state(), SessionState::Online);
        page.resize(1400, 820);
        page.show();
        page.activate();
        QTRY_COMPARE(page.model()->rowCount(), 12);
        clickType(page, QStringLiteral("LeadScored"));
        QCOMPARE(page.selectedType(), QStringLiteral("LeadScored"));
        QTRY_VERIFY(child<QPlainTextEdit>(page, "schemaView")
                        ->toPlainText()
                        .contains(QLatin1String("\"lead_id\": {")));
        QTRY_COMPARE(child<QLabel>(page, "draftValidity")->text(), QStringLiteral("✓ Valid JSON"));
    }

private Q_SLOTS:
    void init() { mesh = std::make_unique<test::TestBroker>(); }
    void cleanup() { mesh.reset(); }

    void indentedKeepsMemberOrder_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::addRow("object: author's order") << QByteArray("{\"b\":1,\"a\":[true,null]}")
                                                << QStringLiteral("{\n  \"b\": 1,\n  \"a\": [\n"
                                                                  "    true,\n    null\n  ]\n}");
        QTest::addRow("strings: brackets and escapes untouched")
            << QByteArray("{\"k\":\"a,{\\\"x\\\":[]}\"}")
            << QStringLiteral("{\n  \"k\": \"a,{\\\"x\\\":[]}\"\n}");
        QTest::addRow("empty containers stay on one line")
            << QByteArray("{\"o\":{},\"a\":[ ]}")
            << QStringLiteral("{\n  \"o\": {},\n  \"a\": []\n}");
    }
    void indentedKeepsMemberOrder() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        QCOMPARE(jsontext::indented(json), expected);
    }

    void slicesMembersAndElements() {
        const QByteArray body = "{\"x\":\"\\\"versions\\\"\",\"versions\":[{\"version\":1,"
                                "\"schema\":{\"b\":1,\"a\":\"}\"}},"
                                " {\"version\":2,\"schema\":{}}]}";
        const QList<QByteArrayView> elements =
            jsontext::arrayElements(jsontext::member(body, "versions"));
        QCOMPARE(elements.size(), 2);
        QCOMPARE(jsontext::member(elements[0], "schema").toByteArray(),
                 QByteArray("{\"b\":1,\"a\":\"}\"}"));
        QCOMPARE(jsontext::member(elements[1], "schema").toByteArray(), QByteArray("{}"));
        QVERIFY(jsontext::member(body, "missing").isEmpty());
        QVERIFY(jsontext::member("{\"a\":", "a").isEmpty());
    }

    void modelDropsStaleAnswers() {
        auto transport = std::make_unique<HeldTransport>();
        auto* held = transport.get();
        MeshSession session(std::move(transport));
        CatalogModel model(session);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &CatalogModel::typesLoaded);
        model.refresh();
        model.refresh();
        QCOMPARE(held->held.size(), size_t(2));
        QCOMPARE(held->held[0].request.path, QStringLiteral("/v1/schemas"));
        // The newer answer arrives first; the older one must not overwrite it.
        held->held[1].done(schemasReply({QStringLiteral("New")}));
        held->held[0].done(schemasReply({QStringLiteral("Old1"), QStringLiteral("Old2")}));
        QCOMPARE(loaded.size(), 1);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, CatalogModel::TypeColumn).data().toString(), QStringLiteral("New"));
        QVERIFY(!model.isLoading());

        QSignalSpy failed(&model, &CatalogModel::loadFailed);
        model.refresh();
        held->held[2].done({503, QByteArray("{\"detail\":\"writer queue full\"}"), {}, {}});
        QCOMPARE(failed.size(), 1);
        QVERIFY(model.lastError().contains(QLatin1String("writer queue full")));
        QCOMPARE(model.rowCount(), 1); // what was shown stays
    }

    void modelShowsTheShippedCatalog_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("owner");
        QTest::addColumn<QString>("slo");
        QTest::addColumn<QString>("pii");
        QTest::addRow("LeadScored: revops-data, realtime, no PII")
            << QStringLiteral("LeadScored") << QStringLiteral("revops-data")
            << QStringLiteral("realtime") << QString();
        QTest::addRow("AccountUpdated: revops-data, batch")
            << QStringLiteral("AccountUpdated") << QStringLiteral("revops-data")
            << QStringLiteral("batch") << QString();
        QTest::addRow("LeadCreated: marketing-ops, realtime, /email is PII")
            << QStringLiteral("LeadCreated") << QStringLiteral("marketing-ops")
            << QStringLiteral("realtime") << QStringLiteral("/email");
        QTest::addRow("OpportunityCreated: sales-ops, interactive")
            << QStringLiteral("OpportunityCreated") << QStringLiteral("sales-ops")
            << QStringLiteral("interactive") << QString();
    }
    void modelShowsTheShippedCatalog() {
        QFETCH(QString, type);
        QFETCH(QString, owner);
        QFETCH(QString, slo);
        QFETCH(QString, pii);
        auto session = openSession(*mesh, mesh->token(Role::Viewer, "acme"));
        QTRY_COMPARE(session->state(), SessionState::Online);
        CatalogModel model(*session);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &CatalogModel::typesLoaded);
        model.refresh();
        QTRY_COMPARE(loaded.size(), 1);
        QCOMPARE(model.rowCount(), 12);
        QCOMPARE(model.columnCount(), 6);
        QCOMPARE(model.headerData(CatalogModel::SloColumn, Qt::Horizontal).toString(),
                 QStringLiteral("SLO class"));
        const int row = model.rowOf(type);
        QVERIFY(row >= 0);
        const auto cell = [&](int column) {
            return model.index(row, column).data().toString();
        };
        QCOMPARE(cell(CatalogModel::TypeColumn), type);
        QCOMPARE(cell(CatalogModel::LatestColumn), QStringLiteral("1"));
        QCOMPARE(cell(CatalogModel::VersionsColumn), QStringLiteral("1"));
        QCOMPARE(cell(CatalogModel::OwnerColumn), owner);
        QCOMPARE(cell(CatalogModel::SloColumn), slo);
        if (pii.isEmpty())
            QCOMPARE(cell(CatalogModel::PiiColumn), QString());
        else
            QVERIFY2(cell(CatalogModel::PiiColumn).contains(pii),
                     qPrintable(cell(CatalogModel::PiiColumn)));

        // A refresh with nothing new keeps the rows (no reset) and loads again.
        model.refresh();
        QTRY_COMPARE(loaded.size(), 2);
        QCOMPARE(model.rowCount(), 12);
    }

    void pageShowsTypeDetailsProducersAndFilters() {
        // One LeadScored event from a producer, recently.
        static UuidV7Generator ids;
        nlohmann::json event{
            {"event_id", ids.next()},
            {"event_type", "LeadScored"},
            {"schema_version", 1},
            {"occurred_at", QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString()},
            {"producer", "enrichment-service"},
            {"tenant_id", "acme"},
            {"entity", {{"kind", "lead"}, {"id", "L-1"}, {"version", 1}}},
            {"payload", {{"lead_id", "L-1"}, {"score", 80}, {"model", "fit-v3"}}}};
        auto publisher = mesh->client(mesh->adminToken);
        const nlohmann::json consumer{
            {"name", "analytics"},
            {"filter", {{"event_types", {"LeadScored"}}, {"tenant", "acme"}}},
            {"sink", {{"type", "none"}}}};
        QCOMPARE(publisher.postJson("/v1/consumers", consumer.dump()).status, 201);
        const HttpResult published = publisher.postJson("/v1/events", event.dump());
        QVERIFY2(published.status == 202, published.body.c_str());
        // The page reads the consumers once per type: let the delivery land first.
        QTRY_VERIFY(publisher.get("/v1/flows").body.find("\"delivered\":1") != std::string::npos);

        auto session = openSession(*mesh, mesh->token(Role::Viewer, "acme"));
        CatalogPage page(*session);
        openLeadScored(page, *session);
        QCOMPARE(child<QLabel>(page, "typeTitle")->text(), QStringLiteral("LeadScored"));
        QCOMPARE(child<QLabel>(page, "typeOwner")->text(), QStringLiteral("revops-data"));
        QCOMPARE(child<QLabel>(page, "typeSloClass")->text(), QStringLiteral("realtime"));
        QVERIFY(child<QLabel>(page, "typeDescription")->text().contains(QLatin1String("scoring")));
        QTRY_VERIFY2(child<QLabel>(page, "typeProducers")
                         ->text()
                         .startsWith(QLatin1String("enrichment-service (1)")),
                     qPrintable(child<QLabel>(page, "typeProducers")->text()));
        QTRY_COMPARE(child<QLabel>(page, "typeConsumers")->text(),
                     QStringLiteral("analytics (1 delivered) since the broker started"));

        // The schema as its author wrote it (not alphabetical), read-only, one version.
        auto* schema = child<QPlainTextEdit>(page, "schemaView");
        QVERIFY(schema->isReadOnly());
        const QString text = schema->toPlainText();
        QVERIFY(text.indexOf(QLatin1String("\"$schema\"")) <
                text.indexOf(QLatin1String("\"additionalProperties\"")));
        QVERIFY(text.indexOf(QLatin1String("\"lead_id\"")) <
                text.indexOf(QLatin1String("\"score\"")));
        auto* versions = child<QComboBox>(page, "versionSelector");
        QCOMPARE(versions->count(), 1);
        QCOMPARE(versions->currentText(), QStringLiteral("v1"));
        // The draft starts from the latest schema, already named as the next version.
        QVERIFY(child<QPlainTextEdit>(page, "draftEditor")
                    ->toPlainText()
                    .contains(QLatin1String("\"$id\": \"urn:meshdeck:schema:LeadScored:2\"")));

        // PII shown for a type that has some.
        clickType(page, QStringLiteral("LeadCreated"));
        QVERIFY(child<QLabel>(page, "typePii")->text().contains(QLatin1String("/email")));
        QTRY_VERIFY(schema->toPlainText().contains(QLatin1String("LeadCreated")));

        // The filter narrows the list after its debounce.
        auto* filter = child<QLineEdit>(page, "catalogFilter");
        auto* list = child<QTableView>(page, "catalogTypes");
        QTest::keyClicks(filter, QStringLiteral("marketing"));
        QCOMPARE(list->model()->rowCount(), 12); // not yet: debounced
        QTRY_COMPARE(list->model()->rowCount(), 3);
        for (int row = 0; row < 3; ++row)
            QCOMPARE(list->model()->index(row, CatalogModel::OwnerColumn).data().toString(),
                     QStringLiteral("marketing-ops"));

        if (const QByteArray path = qgetenv("MESHDECK_CATALOG_SCREENSHOT"); !path.isEmpty()) {
            filter->clear();
            QTRY_COMPARE(list->model()->rowCount(), 12);
            clickType(page, QStringLiteral("LeadScored"));
            QTRY_VERIFY(schema->toPlainText().contains(QLatin1String("LeadScored:1")));
            auto* draft = child<QPlainTextEdit>(page, "draftEditor");
            QTRY_VERIFY(!draft->toPlainText().isEmpty());
            draft->setPlainText(draftWithProperty(draft, QStringLiteral("region"), true));
            child<QPushButton>(page, "checkButton")->click();
            QTRY_VERIFY(child<QListWidget>(page, "breakingChanges")->count() > 0);
            QVERIFY(page.grab().save(QString::fromLocal8Bit(path)));
        }
    }

    void draftValidityIsDebounced() {
        auto session = openSession(*mesh, mesh->token(Role::Viewer, "acme"));
        CatalogPage page(*session);
        openLeadScored(page, *session);
        auto* draft = child<QPlainTextEdit>(page, "draftEditor");
        auto* validity = child<QLabel>(page, "draftValidity");
        auto* check = child<QPushButton>(page, "checkButton");
        QVERIFY(check->isEnabled());

        draft->setPlainText(QStringLiteral("{\n  \"type\": \"object\",\n  \"properties\": {\n}"));
        QCOMPARE(validity->text(), QStringLiteral("Editing…")); // nothing judged mid-typing
        QTRY_VERIFY2(validity->text().startsWith(QStringLiteral("✗ Not valid JSON")),
                     qPrintable(validity->text()));
        QVERIFY2(validity->text().contains(QLatin1String("line 4")), qPrintable(validity->text()));
        QVERIFY(!check->isEnabled());

        draft->setPlainText(QStringLiteral("[1, 2]"));
        QTRY_VERIFY(validity->text().contains(QLatin1String("must be a JSON object")));
        QVERIFY(!check->isEnabled());

        draft->setPlainText(QStringLiteral("{\"type\": \"object\"}"));
        QTRY_COMPARE(validity->text(), QStringLiteral("✓ Valid JSON"));
        QVERIFY(check->isEnabled());
    }

    void checkReportsBreakingChangesAndCompatibleDrafts_data() {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<bool>("required");
        QTest::addColumn<bool>("compatible");
        QTest::addRow("backward: new required property breaks")
            << QStringLiteral("backward") << true << false;
        QTest::addRow("backward: new optional property is fine")
            << QStringLiteral("backward") << false << true;
        QTest::addRow("full: new required property breaks")
            << QStringLiteral("full") << true << false;
    }
    void checkReportsBreakingChangesAndCompatibleDrafts() {
        QFETCH(QString, mode);
        QFETCH(bool, required);
        QFETCH(bool, compatible);
        auto session = openSession(*mesh, mesh->token(Role::Viewer, "acme"));
        CatalogPage page(*session);
        openLeadScored(page, *session);
        auto* draft = child<QPlainTextEdit>(page, "draftEditor");
        auto* result = child<QLabel>(page, "checkResult");
        auto* changes = child<QListWidget>(page, "breakingChanges");
        child<QComboBox>(page, "compatibilityMode")->setCurrentText(mode);
        draft->setPlainText(draftWithProperty(draft, QStringLiteral("region"), required));

        QSignalSpy finished(&page, &CatalogPage::checkFinished);
        child<QPushButton>(page, "checkButton")->click(); // before the debounce: checked now
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), compatible);
        if (compatible) {
            QCOMPARE(result->text(), QStringLiteral("✓ Compatible with v1 (%1).").arg(mode));
            QCOMPARE(changes->count(), 0);
            QVERIFY(changes->isHidden());
        } else {
            QVERIFY2(
                result->text().contains(QLatin1String("breaking change(s) against v1 (") + mode),
                qPrintable(result->text()));
            QVERIFY(!changes->isHidden());
            QVERIFY2(changes->count() >= 1, qPrintable(itemTexts(changes)));
            QVERIFY2(changes->item(0)->text().startsWith(QLatin1String("/region: ")),
                     qPrintable(itemTexts(changes)));
            QVERIFY2(changes->item(0)->text().contains(QLatin1String("(breaks ")),
                     qPrintable(itemTexts(changes)));
        }
    }

    void viewerCannotRegister() {
        auto session = openSession(*mesh, mesh->token(Role::Viewer, "acme"));
        CatalogPage page(*session);
        bool asked = false;
        page.setConfirmFunction([&](QWidget*, const QString&, const QString&, const QString&) {
            asked = true;
            return true;
        });
        openLeadScored(page, *session);
        auto* registerButton = child<QPushButton>(page, "registerButton");
        QCOMPARE(registerButton->text(), QStringLiteral("Register as v2"));
        QVERIFY(!registerButton->isEnabled());
        QVERIFY2(registerButton->toolTip().contains(QLatin1String("role is viewer")),
                 qPrintable(registerButton->toolTip()));
        QVERIFY(registerButton->toolTip().contains(QLatin1String("needs role admin")));
        registerButton->click(); // disabled: nothing happens
        QVERIFY(!asked);

        // An operator may change things, but not the catalog.
        auto operatorSession = openSession(*mesh, mesh->token(Role::Operator, "acme"));
        CatalogPage operatorPage(*operatorSession);
        openLeadScored(operatorPage, *operatorSession);
        auto* operatorButton = child<QPushButton>(operatorPage, "registerButton");
        QVERIFY(!operatorButton->isEnabled());
        QVERIFY2(operatorButton->toolTip().contains(QLatin1String("role is operator")),
                 qPrintable(operatorButton->toolTip()));
        QCOMPARE(registeredVersions(*mesh, "LeadScored"), 1);
    }

    void adminIsAskedAndRefusalsAreListed() {
        auto session = openSession(*mesh, mesh->adminToken);
        CatalogPage page(*session);
        QStringList asked;
        bool answer = false;
        page.setConfirmFunction(
            [&](QWidget*, const QString& title, const QString& text, const QString& details) {
                asked << title + u'\n' + text + u'\n' + details;
                return answer;
            });
        openLeadScored(page, *session);
        auto* draft = child<QPlainTextEdit>(page, "draftEditor");
        auto* registerButton = child<QPushButton>(page, "registerButton");
        auto* result = child<QLabel>(page, "checkResult");
        auto* changes = child<QListWidget>(page, "breakingChanges");
        QTRY_VERIFY2(registerButton->isEnabled(), qPrintable(registerButton->toolTip()));
        QCOMPARE(registerButton->text(), QStringLiteral("Register as v2"));
        QSignalSpy finished(&page, &CatalogPage::registrationFinished);

        // Declined: nothing is sent.
        draft->setPlainText(draftWithProperty(draft, QStringLiteral("channel"), false));
        registerButton->click();
        QCOMPARE(asked.size(), 1);
        QVERIFY2(asked[0].contains(QLatin1String("LeadScored v2")), qPrintable(asked[0]));
        QVERIFY(asked[0].contains(QLatin1String("\"channel\"")));
        QCOMPARE(result->text(), QStringLiteral("Not registered."));
        QCOMPARE(registeredVersions(*mesh, "LeadScored"), 1);

        // Refused by the mesh: each breaking change listed, nothing registered.
        answer = true;
        draft->setPlainText(draftWithProperty(draft, QStringLiteral("region"), true));
        registerButton->click();
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY2(result->text().startsWith(QStringLiteral("✗ Not registered")),
                 qPrintable(result->text()));
        QVERIFY2(changes->count() >= 1 &&
                     changes->item(0)->text().startsWith(QLatin1String("/region: ")),
                 qPrintable(itemTexts(changes)));
        QCOMPARE(registeredVersions(*mesh, "LeadScored"), 1);
    }

    void registerConfirmationDialogRegistersV2() {
        auto session = openSession(*mesh, mesh->adminToken);
        CatalogPage page(*session);
        openLeadScored(page, *session);
        auto* draft = child<QPlainTextEdit>(page, "draftEditor");
        auto* registerButton = child<QPushButton>(page, "registerButton");
        auto* versions = child<QComboBox>(page, "versionSelector");
        QTRY_VERIFY(registerButton->isEnabled());
        draft->setPlainText(draftWithProperty(draft, QStringLiteral("channel"), false));

        QString dialogText;
        bool dialogSeen = false;
        QTimer answerDialog;
        answerDialog.setInterval(20);
        connect(&answerDialog, &QTimer::timeout, this, [&] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box || box->objectName() != QLatin1String("registerConfirmation"))
                return;
            dialogSeen = true;
            dialogText = box->text();
            box->button(QMessageBox::Yes)->click();
        });
        answerDialog.start();
        QSignalSpy finished(&page, &CatalogPage::registrationFinished);
        registerButton->click(); // runs the dialog's event loop until answered
        answerDialog.stop();
        QVERIFY(dialogSeen);
        QVERIFY2(dialogText.contains(QLatin1String("LeadScored v2")), qPrintable(dialogText));
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QCOMPARE(child<QLabel>(page, "checkResult")->text(),
                 QStringLiteral("✓ Registered LeadScored v2."));
        QCOMPARE(registeredVersions(*mesh, "LeadScored"), 2);

        // The page follows: v2 selected and shown, the next one would be v3.
        QTRY_COMPARE(versions->count(), 2);
        QCOMPARE(versions->currentText(), QStringLiteral("v2"));
        QVERIFY(child<QPlainTextEdit>(page, "schemaView")
                    ->toPlainText()
                    .contains(QLatin1String("\"channel\"")));
        QCOMPARE(registerButton->text(), QStringLiteral("Register as v3"));
        QTRY_COMPARE(page.model()
                         ->index(page.model()->rowOf(QStringLiteral("LeadScored")),
                                 CatalogModel::VersionsColumn)
                         .data()
                         .toString(),
                     QStringLiteral("1, 2"));
        versions->setCurrentIndex(0);
        QVERIFY(!child<QPlainTextEdit>(page, "schemaView")
                     ->toPlainText()
                     .contains(QLatin1String("\"channel\"")));
    }
};

QTEST_MAIN(CatalogPageTest)
#include "tst_catalog_page.moc"
