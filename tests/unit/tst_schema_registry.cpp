#include "core/envelope.h"
#include "core/schema_registry.h"
#include "tests/support/test_support.h"
#include "tests/unit/unit_support.h"

#include <QDir>
#include <QFile>
#include <QtTest/QTest>
#include <nlohmann/json.hpp>
#include <set>

using namespace meshdeck;
using nlohmann::ordered_json;

namespace {

const std::vector<std::string> kCatalogTypes{
    "AccountUpdated",    "ConsentUpdated",       "DemoBooked",         "LeadAssigned",
    "LeadCreated",       "LeadEnriched",         "LeadQualified",      "LeadScored",
    "LeadStatusChanged", "OpportunityClosedWon", "OpportunityCreated", "OpportunityStageChanged"};

std::string readFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return file.readAll().toStdString();
}

std::string catalogSchema(const std::string& type) {
    return readFile(test::catalogDir() + u'/' + QString::fromStdString(type) +
                    QStringLiteral(".v1.json"));
}

SchemaRegistry loadCatalog() {
    SchemaRegistry registry;
    for (const std::string& type : kCatalogTypes) {
        const Violations violations = registry.add(type, 1, catalogSchema(type));
        if (!violations.empty())
            qFatal("%s.v1.json: %s", type.c_str(), describe(violations).c_str());
    }
    return registry;
}

QStringList strings(std::initializer_list<const char*> values) {
    QStringList out;
    for (const char* value : values)
        out << QString::fromUtf8(value);
    return out;
}

// A small schema to exercise add() and versioning.
const std::string kScoreV1 = R"({"type":"object","properties":{"lead_id":{"type":"string"},)"
                             R"("score":{"type":"integer"}},"required":["lead_id"]})";

} // namespace

class TstSchemaRegistry : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void catalogHoldsEveryTypeOnce();
    void catalogLoads();
    void catalogMetadata();
    void piiPaths_data();
    void piiPaths();
    void fixturePayloadsValidate_data();
    void fixturePayloadsValidate();
    void payloadViolations_data();
    void payloadViolations();
    void collectsEveryPayloadViolation();
    void payloadPathPrefix();
    void payloadNotJson();
    void unknownType();
    void unknownVersion();
    void addRefuses_data();
    void addRefuses();
    void versionsAreAddedInOrder();
    void addChecksCompatibility();
    void checkAgainstLatest();
    void compatibilityNames();
    void movedRegistryKeepsItsSchemas();
};

void TstSchemaRegistry::catalogHoldsEveryTypeOnce() {
    const QStringList files =
        QDir(test::catalogDir()).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    std::vector<std::string> types;
    for (const QString& file : files) {
        QVERIFY2(file.endsWith(u".v1.json"), qPrintable(file));
        types.push_back(file.chopped(8).toStdString());
    }
    QCOMPARE(types, kCatalogTypes);
}

void TstSchemaRegistry::catalogLoads() {
    const SchemaRegistry registry = loadCatalog();
    QCOMPARE(registry.types(), kCatalogTypes);
    for (const std::string& type : kCatalogTypes) {
        QVERIFY(registry.hasType(type));
        QCOMPARE(registry.latestVersion(type), std::optional<int>(1));
    }
}

void TstSchemaRegistry::catalogMetadata() {
    const SchemaRegistry registry = loadCatalog();
    const std::set<std::string> sloClasses{"realtime", "interactive", "batch"};
    const std::set<std::string> owners{"marketing-ops", "sales-ops", "revops-data"};
    for (const std::string& type : kCatalogTypes) {
        const SchemaInfo* info = registry.find(type, 1);
        QVERIFY(info);
        QCOMPARE(info->eventType, type);
        QCOMPARE(info->version, 1);
        QVERIFY2(owners.contains(info->owner), type.c_str());
        QVERIFY2(sloClasses.contains(info->sloClass), type.c_str());
        QVERIFY2(info->description.size() > 20, type.c_str());
        const ordered_json schema = ordered_json::parse(info->schema);
        QCOMPARE(schema["$id"].get<std::string>(), "urn:meshdeck:schema:" + type + ":1");
        QVERIFY2(schema["additionalProperties"] == true, type.c_str());
        QVERIFY2(!schema["required"].empty(), type.c_str());
    }
    QCOMPARE(registry.find("LeadScored", 1)->sloClass, std::string("realtime"));
    QCOMPARE(registry.find("AccountUpdated", 1)->sloClass, std::string("batch"));
    QCOMPARE(registry.find("ConsentUpdated", 1)->owner, std::string("marketing-ops"));
}

void TstSchemaRegistry::piiPaths_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QStringList>("paths");
    QTest::addRow("LeadCreated") << "LeadCreated"
                                 << strings({"/email", "/first_name", "/last_name", "/phone"});
    QTest::addRow("ConsentUpdated")
        << "ConsentUpdated" << strings({"/email", "/phone", "/ip_address"});
    QTest::addRow("nested: LeadEnriched") << "LeadEnriched" << strings({"/person/linkedin_url"});
    QTest::addRow("none: LeadScored") << "LeadScored" << QStringList();
}

void TstSchemaRegistry::piiPaths() {
    QFETCH(QString, type);
    QFETCH(QStringList, paths);
    const SchemaRegistry registry = loadCatalog();
    QStringList actual;
    for (const std::string& path : registry.find(type.toStdString(), 1)->piiPaths)
        actual << QString::fromStdString(path);
    QCOMPARE(actual, paths);
}

void TstSchemaRegistry::fixturePayloadsValidate_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("payload");
    const auto eventPayload = [](const QString& fixture) {
        const ParsedEvent parsed = parseEvent(test::readFixture(fixture));
        if (!parsed.event)
            qFatal("%s: %s", qPrintable(fixture), describe(parsed.violations).c_str());
        return QString::fromStdString(parsed.event->payload);
    };
    const auto member = [](const QString& fixture, const char* name) {
        return QString::fromStdString(ordered_json::parse(test::readFixture(fixture))[name].dump());
    };
    QTest::addRow("standard-webhooks/lead-qualified.json")
        << "LeadQualified" << eventPayload(QStringLiteral("standard-webhooks/lead-qualified.json"));
    QTest::addRow("cloudevents structured data")
        << "LeadScored"
        << member(QStringLiteral("cloudevents/structured-lead-scored.json"), "data");
    QTest::addRow("cloudevents binary body")
        << "LeadScored"
        << R"({"lead_id":"L-2001","score":42,"model":"fit-v3"})";
    QTest::addRow("segment Demo Booked properties")
        << "DemoBooked" << member(QStringLiteral("segment/track-demo-booked.json"), "properties");
    QTest::addRow("ConsentUpdated revoked")
        << "ConsentUpdated"
        << R"({"contact_id":"C-9001","email":"dana.reyes@northwind.example","channel":"email",)"
           R"("status":"revoked","captured_at":"2026-11-27T09:14:03Z"})";
    QTest::addRow("OpportunityClosedWon with line items")
        << "OpportunityClosedWon"
        << R"({"opportunity_id":"O-77","account_id":"A-1","amount":48000,"currency":"EUR",)"
           R"("closed_at":"2026-11-27T16:00:00Z","line_items":[{"sku":"PRO","quantity":40}]})";
}

void TstSchemaRegistry::fixturePayloadsValidate() {
    QFETCH(QString, type);
    QFETCH(QString, payload);
    const SchemaRegistry registry = loadCatalog();
    const Violations violations = registry.validate(type.toStdString(), 1, payload.toStdString());
    QVERIFY2(violations.empty(), qPrintable(test::describeForTest(violations)));
}

void TstSchemaRegistry::payloadViolations_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("payload");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    const QString scored = QStringLiteral("LeadScored");
    QTest::addRow("score above maximum") << scored << R"({"lead_id":"L-1","score":150,"model":"m"})"
                                         << "/payload/score"
                                         << "expected a number <= 100, got 150";
    QTest::addRow("score below minimum") << scored << R"({"lead_id":"L-1","score":-1,"model":"m"})"
                                         << "/payload/score"
                                         << "expected a number >= 0, got -1";
    QTest::addRow("score as a string") << scored << R"({"lead_id":"L-1","score":"87","model":"m"})"
                                       << "/payload/score"
                                       << R"(expected an integer, got "87")";
    QTest::addRow("score with a fraction")
        << scored << R"({"lead_id":"L-1","score":87.5,"model":"m"})"
        << "/payload/score"
        << "expected an integer, got 87.5";
    QTest::addRow("model missing") << scored << R"({"lead_id":"L-1","score":1})"
                                   << "/payload/model"
                                   << "required property is missing; expected a string";
    QTest::addRow("model empty") << scored << R"({"lead_id":"L-1","score":1,"model":""})"
                                 << "/payload/model"
                                 << R"(expected at least 1 characters, got "")";
    QTest::addRow("nullable type")
        << scored << R"({"lead_id":"L-1","score":1,"model":"m","previous_score":"x"})"
        << "/payload/previous_score"
        << R"(expected an integer or null, got "x")";
    QTest::addRow("array item") << scored
                                << R"({"lead_id":"L-1","score":1,"model":"m","reasons":["fit",7]})"
                                << "/payload/reasons/1"
                                << "expected a string, got 7";
    QTest::addRow("enum") << "ConsentUpdated"
                          << R"({"contact_id":"C-1","channel":"email","status":"pending"})"
                          << "/payload/status"
                          << R"(expected one of "granted", "revoked", got "pending")";
    QTest::addRow("pattern") << "LeadCreated"
                             << R"({"lead_id":"L-1","country":"usa"})"
                             << "/payload/country"
                             << R"(expected a string matching the pattern "^[A-Z]{2}$", got "usa")";
    QTest::addRow("date-time format") << "DemoBooked"
                                      << R"({"lead_id":"L-1","demo_at":"tomorrow"})"
                                      << "/payload/demo_at"
                                      << R"(string should be a valid date-time, got "tomorrow")";
    QTest::addRow("nested object")
        << "LeadEnriched"
        << R"({"lead_id":"L-1","provider":"p","company":{"employee_count":-5}})"
        << "/payload/company/employee_count"
        << "expected a number >= 0, got -5";
    QTest::addRow("object in an array")
        << "OpportunityClosedWon"
        << R"({"opportunity_id":"O-1","account_id":"A-1","amount":1,"currency":"EUR",)"
           R"("closed_at":"2026-11-27T16:00:00Z","line_items":[{"sku":"A","quantity":1},{"sku":"B","quantity":0}]})"
        << "/payload/line_items/1/quantity"
        << "expected a number >= 1, got 0";
    QTest::addRow("required inside an array item")
        << "OpportunityClosedWon"
        << R"({"opportunity_id":"O-1","account_id":"A-1","amount":1,"currency":"EUR",)"
           R"("closed_at":"2026-11-27T16:00:00Z","line_items":[{"quantity":1}]})"
        << "/payload/line_items/0/sku"
        << "required property is missing; expected a string";
}

void TstSchemaRegistry::payloadViolations() {
    QFETCH(QString, type);
    QFETCH(QString, payload);
    QFETCH(QString, path);
    QFETCH(QString, message);
    const SchemaRegistry registry = loadCatalog();
    const Violations violations = registry.validate(type.toStdString(), 1, payload.toStdString());
    QVERIFY2(violations.size() == 1, qPrintable(test::describeForTest(violations)));
    QCOMPARE(violations[0].path, path.toStdString());
    QCOMPARE(violations[0].message, message.toStdString());
}

void TstSchemaRegistry::collectsEveryPayloadViolation() {
    const SchemaRegistry registry = loadCatalog();
    const Violations violations =
        registry.validate("LeadScored", 1, R"({"score":150,"reasons":[1,2]})");
    std::set<std::string> paths;
    for (const Violation& v : violations)
        paths.insert(v.path);
    const std::set<std::string> expected{"/payload/lead_id", "/payload/model", "/payload/score",
                                         "/payload/reasons/0", "/payload/reasons/1"};
    QCOMPARE(paths, expected);
    QCOMPARE(violations.size(), expected.size());
}

void TstSchemaRegistry::payloadPathPrefix() {
    const SchemaRegistry registry = loadCatalog();
    const std::string payload = R"({"lead_id":"L-1","score":101,"model":"m"})";
    QCOMPARE(registry.validate("LeadScored", 1, payload, "/3/payload").at(0).path,
             std::string("/3/payload/score"));
    QCOMPARE(registry.validate("LeadScored", 1, payload, "/data").at(0).path,
             std::string("/data/score"));
    QCOMPARE(registry.validate("LeadScored", 1, payload, "").at(0).path, std::string("/score"));
}

void TstSchemaRegistry::payloadNotJson() {
    const SchemaRegistry registry = loadCatalog();
    const Violations violations = registry.validate("LeadScored", 1, "{score:1}");
    QCOMPARE(violations.size(), std::size_t(1));
    QCOMPARE(violations[0].path, std::string("/payload"));
    QVERIFY(violations[0].message.starts_with("not valid JSON: parse error at line 1, column 2"));
}

void TstSchemaRegistry::unknownType() {
    SchemaRegistry registry;
    Violations violations = registry.validate("LeadScored", 1, "{}");
    QCOMPARE(violations.size(), std::size_t(1));
    QCOMPARE(violations[0].path, std::string("/event_type"));
    QCOMPARE(violations[0].message,
             std::string("no schema registered for event type \"LeadScored\"; registered: none"));
    QVERIFY(registry.add("LeadScored", 1, kScoreV1).empty());
    QVERIFY(registry.add("DemoBooked", 1, R"({"type":"object"})").empty());
    violations = registry.validate("LeadScore", 1, "{}");
    QCOMPARE(violations.at(0).path, std::string("/event_type"));
    QCOMPARE(violations.at(0).message,
             std::string("no schema registered for event type \"LeadScore\"; registered: "
                         "DemoBooked, LeadScored"));
    // In a batch, the path names the event's own field.
    QCOMPARE(registry.validate("LeadScore", 1, "{}", "/4/payload").at(0).path,
             std::string("/4/event_type"));
    QVERIFY(!registry.hasType("LeadScore"));
    QVERIFY(!registry.latestVersion("LeadScore"));
    QVERIFY(registry.versions("LeadScore").empty());
}

void TstSchemaRegistry::unknownVersion() {
    SchemaRegistry registry;
    QVERIFY(registry.add("LeadScored", 1, kScoreV1).empty());
    QVERIFY(registry.add("LeadScored", 2, kScoreV1).empty());
    const Violations violations = registry.validate("LeadScored", 5, "{}");
    QCOMPARE(violations.size(), std::size_t(1));
    QCOMPARE(violations[0].path, std::string("/schema_version"));
    QCOMPARE(violations[0].message, std::string("event type \"LeadScored\" has no schema version "
                                                "5; known versions: 1, 2"));
    QCOMPARE(registry.validate("LeadScored", 5, "{}", "/1/payload").at(0).path,
             std::string("/1/schema_version"));
    QVERIFY(!registry.find("LeadScored", 5));
}

void TstSchemaRegistry::addRefuses_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("schema");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("messageStart");
    QTest::addRow("not JSON") << "LeadScored"
                              << "{\"type\":"
                              << ""
                              << "the schema is not valid JSON: parse error at line 1, column 9";
    QTest::addRow("an array") << "LeadScored"
                              << "[]"
                              << ""
                              << "expected a JSON Schema object, got an empty array";
    QTest::addRow("type string")
        << "LeadScored"
        << R"({"type":"string"})"
        << "/type"
        << R"(expected "object" (event payloads are JSON objects), got "string")";
    QTest::addRow("no type")
        << "LeadScored"
        << R"({"properties":{}})"
        << "/type"
        << R"(expected "object" (event payloads are JSON objects), got nothing)";
    QTest::addRow("$id of another type")
        << "LeadScored"
        << R"({"$id":"urn:meshdeck:schema:LeadQualified:1","type":"object"})"
        << "/$id"
        << R"(expected "urn:meshdeck:schema:LeadScored:1", got "urn:meshdeck:schema:LeadQualified:1")";
    QTest::addRow("required not an array") << "LeadScored"
                                           << R"({"type":"object","required":"lead_id"})"
                                           << ""
                                           << "not a usable JSON Schema (draft 7): ";
    QTest::addRow("property schema not an object")
        << "LeadScored"
        << R"({"type":"object","properties":{"score":7}})"
        << ""
        << "not a usable JSON Schema (draft 7): ";
    QTest::addRow("event type not PascalCase") << "lead_scored" << kScoreV1.c_str() << ""
                                               << "expected an event type name in PascalCase";
}

void TstSchemaRegistry::addRefuses() {
    QFETCH(QString, type);
    QFETCH(QString, schema);
    QFETCH(QString, path);
    QFETCH(QString, messageStart);
    SchemaRegistry registry;
    const Violations violations = registry.add(type.toStdString(), 1, schema.toStdString());
    QVERIFY2(violations.size() == 1, qPrintable(test::describeForTest(violations)));
    QCOMPARE(violations[0].path, path.toStdString());
    QVERIFY2(violations[0].message.starts_with(messageStart.toStdString()),
             violations[0].message.c_str());
    QVERIFY(!registry.hasType(type.toStdString()));
}

void TstSchemaRegistry::versionsAreAddedInOrder() {
    SchemaRegistry registry;
    Violations violations = registry.add("LeadScored", 2, kScoreV1);
    QCOMPARE(violations.size(), std::size_t(1));
    QCOMPARE(violations[0].message,
             std::string("cannot add version 2 of LeadScored; versions are added in order and "
                         "the next one is 1"));
    QVERIFY(registry.add("LeadScored", 1, kScoreV1).empty());
    QVERIFY(!registry.add("LeadScored", 1, kScoreV1).empty());
    QVERIFY(!registry.add("LeadScored", 3, kScoreV1).empty());
    QVERIFY(registry.add("LeadScored", 2, kScoreV1).empty());
    QCOMPARE(registry.latestVersion("LeadScored"), std::optional<int>(2));
    const auto versions = registry.versions("LeadScored");
    QCOMPARE(versions.size(), std::size_t(2));
    QCOMPARE(versions[0]->version, 1);
    QCOMPARE(versions[1]->version, 2);
    QCOMPARE(versions[1]->schema, kScoreV1);
}

void TstSchemaRegistry::addChecksCompatibility() {
    SchemaRegistry registry;
    QVERIFY(registry.add("LeadScored", 1, kScoreV1).empty());
    const std::string scoreRequired =
        R"({"type":"object","properties":{"lead_id":{"type":"string"},)"
        R"("score":{"type":"integer"}},"required":["lead_id","score"]})";
    const Violations violations =
        registry.add("LeadScored", 2, scoreRequired, Compatibility::Backward);
    QCOMPARE(violations.size(), std::size_t(1));
    QCOMPARE(violations[0].path, std::string("/score"));
    QCOMPARE(violations[0].message,
             std::string("property 'score' became required (breaks backward compatibility with "
                         "version 1)"));
    QCOMPARE(registry.latestVersion("LeadScored"), std::optional<int>(1));
    // Making a field required only breaks readers of new data on old schemas
    // in the other direction: forward mode accepts it.
    QVERIFY(registry.add("LeadScored", 2, scoreRequired, Compatibility::Forward).empty());
    QCOMPARE(registry.latestVersion("LeadScored"), std::optional<int>(2));
}

void TstSchemaRegistry::checkAgainstLatest() {
    SchemaRegistry registry;
    const CompatibilityReport newType =
        registry.check("LeadScored", R"({"type":"object"})", Compatibility::Full);
    QVERIFY(newType.compatible());
    QVERIFY(registry.add("LeadScored", 1, kScoreV1).empty());
    const std::string scoreAsNumber =
        R"({"type":"object","properties":{"lead_id":{"type":"string"},)"
        R"("score":{"type":"number"}},"required":["lead_id"]})";
    const CompatibilityReport backward =
        registry.check("LeadScored", scoreAsNumber, Compatibility::Backward);
    QVERIFY(backward.mode == Compatibility::Backward);
    QVERIFY(backward.compatible());
    const CompatibilityReport forward =
        registry.check("LeadScored", scoreAsNumber, Compatibility::Forward);
    QVERIFY(!forward.compatible());
    QCOMPARE(forward.breakingChanges.at(0).path, std::string("/score"));
    QVERIFY(forward.breakingChanges.at(0).breaks == Compatibility::Forward);
}

void TstSchemaRegistry::compatibilityNames() {
    for (Compatibility c : {Compatibility::Backward, Compatibility::Forward, Compatibility::Full,
                            Compatibility::None})
        QVERIFY(parseCompatibility(toString(c)) == c);
    QCOMPARE(toString(Compatibility::Full), std::string_view("full"));
    QVERIFY(parseCompatibility("BACKWARD") == Compatibility::Backward);
    QVERIFY(!parseCompatibility("transitive"));
}

void TstSchemaRegistry::movedRegistryKeepsItsSchemas() {
    SchemaRegistry registry;
    QVERIFY(registry.add("LeadScored", 1, kScoreV1).empty());
    const SchemaInfo* before = registry.find("LeadScored", 1);
    SchemaRegistry moved = std::move(registry);
    QCOMPARE(moved.find("LeadScored", 1), before); // pointers stay valid
    QVERIFY(moved.validate("LeadScored", 1, R"({"lead_id":"L-1"})").empty());
    SchemaRegistry assigned;
    assigned = std::move(moved);
    QVERIFY(assigned.hasType("LeadScored"));
}

QTEST_APPLESS_MAIN(TstSchemaRegistry)
#include "tst_schema_registry.moc"
