#include "core/envelope.h"
#include "core/schema_registry.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using nlohmann::ordered_json;

namespace {

// DESIGN.md's example event, compact, with a trace context added.
const std::string kValidEvent =
    R"({"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadQualified",)"
    R"("schema_version":1,"occurred_at":"2026-11-27T09:14:03.120Z","producer":"hubspot",)"
    R"("tenant_id":"acme","correlation_id":"lead-L-1042-journey",)"
    R"("causation_id":"01936f4e-0000-7000-8000-000000000001",)"
    R"("traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",)"
    R"("entity":{"kind":"lead","id":"L-1042","version":7},)"
    R"("payload":{"lead_id":"L-1042","score":87,"qualified_by":"model-v3"}})";

const char* const kRemove = "<remove>";

// The valid event with the value at `pointer` replaced by `valueJson`, or
// removed when valueJson is kRemove.
std::string mutated(const std::string& pointer, const std::string& valueJson) {
    ordered_json event = ordered_json::parse(kValidEvent);
    const ordered_json::json_pointer at(pointer);
    if (valueJson == kRemove)
        event[at.parent_pointer()].erase(at.back());
    else
        event[at] = ordered_json::parse(valueJson);
    return event.dump();
}

const std::string kEnvelopeFields =
    "event_id, event_type, schema_version, occurred_at, producer, tenant_id, correlation_id, "
    "causation_id, traceparent, entity, payload";
const std::string kUuid = R"(a UUID such as "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f")";
const std::string kType = R"(an event type name in PascalCase (letters and digits, at most 96 )"
                          R"(characters) such as "LeadQualified")";
const std::string kTime = R"(an RFC 3339 date-time such as "2026-11-27T09:14:03.120Z")";
const std::string kKind =
    R"(an entity kind (a letter, then letters, digits, '_' or '-') such as "lead")";
const std::string kTrace =
    R"(a W3C traceparent "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>")";
const std::string kEntity =
    R"(an object with "kind" and "id", such as {"kind":"lead","id":"L-1042"})";

} // namespace

class TstEnvelope : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesTheDesignExample();
    void serializesInDesignOrder();
    void roundTrip();
    void committedEventsCarrySeqAndIngestedAt();
    void serializesAnArray();
    void acceptedVariations_data();
    void acceptedVariations();
    void invalidField_data();
    void invalidField();
    void missingEventIdWhenRequired();
    void collectsEveryViolation();
    void pathPrefix();
    void notAnObject_data();
    void notAnObject();
    void batchOfOne();
    void batchPrefixesEachElement();
    void batchBodyProblems_data();
    void batchBodyProblems();
    void describeJoinsViolations();
    void checksAnEventInMemoryAsParsed();
    void checkReportsWhatParseReports();
    void checkRefusesTextThatIsNotUtf8();
    void checkValidatesThePayloadDocument();
};

void TstEnvelope::parsesTheDesignExample() {
    const ParsedEvent parsed = parseEvent(kValidEvent);
    QVERIFY2(parsed.violations.empty(), qPrintable(test::describeForTest(parsed.violations)));
    QVERIFY(parsed.event);
    QVERIFY(parsed.hasEventId);
    const Event& e = *parsed.event;
    QCOMPARE(e.eventId, std::string("01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f"));
    QCOMPARE(e.eventType, std::string("LeadQualified"));
    QCOMPARE(e.schemaVersion, 1);
    QCOMPARE(formatRfc3339(e.occurredAt), std::string("2026-11-27T09:14:03.120Z"));
    QCOMPARE(e.producer, std::string("hubspot"));
    QCOMPARE(e.tenantId, std::string("acme"));
    QCOMPARE(e.correlationId, std::string("lead-L-1042-journey"));
    QCOMPARE(e.causationId, std::string("01936f4e-0000-7000-8000-000000000001"));
    QCOMPARE(e.traceparent, std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    QCOMPARE(e.entity.kind, std::string("lead"));
    QCOMPARE(e.entity.id, std::string("L-1042"));
    QCOMPARE(e.entity.version, std::optional<std::int64_t>(7));
    QCOMPARE(e.entity.key(), std::string("lead:L-1042"));
    // Member order is the producer's, not alphabetical.
    QCOMPARE(e.payload,
             std::string(R"({"lead_id":"L-1042","score":87,"qualified_by":"model-v3"})"));
    QCOMPARE(e.seq, std::int64_t(0));
}

void TstEnvelope::serializesInDesignOrder() {
    const ParsedEvent parsed = parseEvent(kValidEvent);
    QVERIFY(parsed.event);
    QCOMPARE(serializeEvent(*parsed.event), kValidEvent);
}

void TstEnvelope::roundTrip() {
    Event event;
    event.eventId = "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f";
    event.eventType = "ConsentUpdated";
    event.schemaVersion = 3;
    event.occurredAt = fromUnixMillis(1'795'770'843'120);
    event.producer = "pref-center \"eu\" / ünïcode";
    event.tenantId = "acme";
    event.entity = {"contact", "C-9001", std::nullopt};
    event.payload =
        R"({"contact_id":"C-9001","channel":"email","status":"revoked","tags":[1,2.5,null]})";
    const std::string json = serializeEvent(event);
    QVERIFY(json.find("correlation_id") == std::string::npos); // empty optionals omitted
    QVERIFY(json.find("\"version\"") == std::string::npos);
    const ParsedEvent parsed = parseEvent(json);
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(serializeEvent(*parsed.event), json);
    QVERIFY(*parsed.event == event);
}

void TstEnvelope::committedEventsCarrySeqAndIngestedAt() {
    Event event = *parseEvent(kValidEvent).event;
    event.seq = 42;
    event.ingestedAt = fromUnixMillis(1'795'770'843'500);
    const std::string json = serializeEvent(event);
    QVERIFY(json.ends_with(R"(,"seq":42,"ingested_at":"2026-11-27T09:14:03.500Z"})"));
    // The broker assigns both, so input values are ignored.
    const ParsedEvent parsed = parseEvent(json);
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(parsed.event->seq, std::int64_t(0));
}

void TstEnvelope::serializesAnArray() {
    const Event event = *parseEvent(kValidEvent).event;
    QCOMPARE(serializeEvents({event, event}), "[" + kValidEvent + "," + kValidEvent + "]");
    QCOMPARE(serializeEvents({}), std::string("[]"));
}

void TstEnvelope::acceptedVariations_data() {
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");
    QTest::addRow("event_id absent: the broker assigns one") << "/event_id" << kRemove << "event_id"
                                                             << "";
    QTest::addRow("upper-case event_id is normalised")
        << "/event_id"
        << R"("01936F4E-9D2A-7C3B-8F1E-2A4B6C8D0E1F")"
        << "event_id"
        << "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f";
    QTest::addRow("a UUIDv4 event_id") << "/event_id"
                                       << R"("f47ac10b-58cc-4372-a567-0e02b2c3d479")"
                                       << "event_id"
                                       << "f47ac10b-58cc-4372-a567-0e02b2c3d479";
    QTest::addRow("schema_version absent means 1")
        << "/schema_version" << kRemove << "schema_version"
        << "1";
    QTest::addRow("schema_version 2.0 is an integer") << "/schema_version"
                                                      << "2.0"
                                                      << "schema_version"
                                                      << "2";
    QTest::addRow("occurred_at with an offset") << "/occurred_at"
                                                << R"("2026-11-27T10:14:03.120+01:00")"
                                                << "occurred_at"
                                                << "2026-11-27T09:14:03.120Z";
    QTest::addRow("null correlation_id is absent") << "/correlation_id"
                                                   << "null"
                                                   << "correlation_id"
                                                   << "";
    QTest::addRow("empty traceparent is absent") << "/traceparent"
                                                 << R"("")"
                                                 << "traceparent"
                                                 << "";
    QTest::addRow("entity without version") << "/entity/version" << kRemove << "version"
                                            << "none";
    QTest::addRow("entity version 0") << "/entity/version"
                                      << "0"
                                      << "version"
                                      << "0";
    QTest::addRow("entity kind with '_' and '-'") << "/entity/kind"
                                                  << R"("sales_rep-2")"
                                                  << "kind"
                                                  << "sales_rep-2";
    QTest::addRow("input seq is ignored") << "/seq"
                                          << "99"
                                          << "seq"
                                          << "0";
    QTest::addRow("empty payload object") << "/payload"
                                          << "{}"
                                          << "payload"
                                          << "{}";
}

void TstEnvelope::acceptedVariations() {
    QFETCH(QString, pointer);
    QFETCH(QString, value);
    QFETCH(QString, field);
    QFETCH(QString, expected);
    const ParsedEvent parsed = parseEvent(mutated(pointer.toStdString(), value.toStdString()));
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    const Event& e = *parsed.event;
    std::string actual;
    if (field == u"event_id")
        actual = e.eventId;
    else if (field == u"schema_version")
        actual = std::to_string(e.schemaVersion);
    else if (field == u"occurred_at")
        actual = formatRfc3339(e.occurredAt);
    else if (field == u"correlation_id")
        actual = e.correlationId;
    else if (field == u"traceparent")
        actual = e.traceparent;
    else if (field == u"version")
        actual = e.entity.version ? std::to_string(*e.entity.version) : "none";
    else if (field == u"kind")
        actual = e.entity.kind;
    else if (field == u"seq")
        actual = std::to_string(e.seq);
    else if (field == u"payload")
        actual = e.payload;
    QCOMPARE(actual, expected.toStdString());
    QCOMPARE(parsed.hasEventId, pointer != u"/event_id" || value != QLatin1String(kRemove));
}

void TstEnvelope::invalidField_data() {
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, const char* pointer, std::string value, const char* path,
                        const std::string& message) {
        QTest::addRow("%s", name) << QString::fromUtf8(pointer) << QString::fromStdString(value)
                                  << QString::fromUtf8(path) << QString::fromStdString(message);
    };
    row("event_id not a UUID", "/event_id", R"("L-1042")", "/event_id",
        "expected " + kUuid + R"(, got "L-1042")");
    row("event_id a number", "/event_id", "42", "/event_id", "expected " + kUuid + ", got 42");
    row("event_type kebab-case", "/event_type", R"("lead-qualified")", "/event_type",
        "expected " + kType + R"(, got "lead-qualified")");
    row("event_type lower camel", "/event_type", R"("leadQualified")", "/event_type",
        "expected " + kType + R"(, got "leadQualified")");
    row("event_type missing", "/event_type", kRemove, "/event_type", "missing; expected " + kType);
    row("event_type longer than 96", "/event_type", "\"L" + std::string(96, 'x') + "\"",
        "/event_type", "expected " + kType + ", got \"L" + std::string(59, 'x') + "...\"");
    row("schema_version 0", "/schema_version", "0", "/schema_version",
        "expected an integer >= 1, got 0");
    row("schema_version as a string", "/schema_version", R"("1")", "/schema_version",
        R"(expected an integer >= 1, got "1")");
    row("schema_version a fraction", "/schema_version", "1.5", "/schema_version",
        "expected an integer >= 1, got 1.5");
    row("occurred_at not RFC 3339", "/occurred_at", R"("2026-11-27 09:14")", "/occurred_at",
        "expected " + kTime + R"(, got "2026-11-27 09:14")");
    row("occurred_at February 30", "/occurred_at", R"("2026-02-30T09:14:03Z")", "/occurred_at",
        "expected " + kTime + R"(, got "2026-02-30T09:14:03Z")");
    row("occurred_at as unix millis", "/occurred_at", "1764234843120", "/occurred_at",
        "expected " + kTime + ", got 1764234843120");
    row("occurred_at missing", "/occurred_at", kRemove, "/occurred_at",
        "missing; expected " + kTime);
    row("producer empty", "/producer", R"("")", "/producer",
        R"(expected a non-empty string naming the producing system, such as "hubspot", got "")");
    row("tenant_id missing", "/tenant_id", kRemove, "/tenant_id",
        R"(missing; expected a non-empty tenant id such as "acme")");
    row("tenant_id null", "/tenant_id", "null", "/tenant_id",
        R"(expected a non-empty tenant id such as "acme", got null)");
    row("tenant_id longer than 128", "/tenant_id", "\"" + std::string(129, 't') + "\"",
        "/tenant_id", "expected at most 128 characters, got 129");
    row("correlation_id a number", "/correlation_id", "5", "/correlation_id",
        "expected a string, got 5");
    row("causation_id an object", "/causation_id", R"({"id":1})", "/causation_id",
        "expected a string, got an object");
    row("traceparent truncated", "/traceparent", R"("00-4bf92f35")", "/traceparent",
        "expected " + kTrace + R"(, got "00-4bf92f35")");
    row("traceparent all-zero trace id", "/traceparent",
        R"("00-00000000000000000000000000000000-00f067aa0ba902b7-01")", "/traceparent",
        "expected " + kTrace +
            R"(, got "00-00000000000000000000000000000000-00f067aa0ba902b7-01")");
    row("traceparent upper-case hex", "/traceparent",
        R"("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01")", "/traceparent",
        "expected " + kTrace +
            R"(, got "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01")");
    row("entity missing", "/entity", kRemove, "/entity", "missing; expected " + kEntity);
    row("entity an array", "/entity", "[]", "/entity",
        "expected " + kEntity + ", got an empty array");
    row("entity id empty", "/entity/id", R"("")", "/entity/id",
        R"(expected a non-empty entity id such as "L-1042", got "")");
    row("entity id missing", "/entity/id", kRemove, "/entity/id",
        R"(missing; expected a non-empty entity id such as "L-1042")");
    row("entity kind with a colon", "/entity/kind", R"("lead:x")", "/entity/kind",
        "expected " + kKind + R"(, got "lead:x")");
    row("entity version negative", "/entity/version", "-1", "/entity/version",
        "expected an integer >= 0, got -1");
    row("entity version as a string", "/entity/version", R"("7")", "/entity/version",
        R"(expected an integer >= 0, got "7")");
    row("entity unknown field", "/entity/type", R"("lead")", "/entity/type",
        "unknown field; the entity's fields are kind, id, version");
    row("payload an array", "/payload", "[1,2]", "/payload",
        "expected a JSON object, got an array");
    // Plain literals: moc misreads raw strings that contain \".
    row("payload JSON text in a string", "/payload", "\"{\\\"a\\\":1}\"", "/payload",
        "expected a JSON object, got \"{\\\"a\\\":1}\"");
    row("payload missing", "/payload", kRemove, "/payload", "missing; expected a JSON object");
    row("unknown top-level field", "/eventType", R"("LeadQualified")", "/eventType",
        "unknown field; the envelope's fields are " + kEnvelopeFields);
    row("unknown field name is escaped", "/a~1b", "1", "/a~1b",
        "unknown field; the envelope's fields are " + kEnvelopeFields);
}

void TstEnvelope::invalidField() {
    QFETCH(QString, pointer);
    QFETCH(QString, value);
    QFETCH(QString, path);
    QFETCH(QString, message);
    const ParsedEvent parsed = parseEvent(mutated(pointer.toStdString(), value.toStdString()));
    QVERIFY(!parsed.event);
    QCOMPARE(parsed.violations.size(), std::size_t(1));
    QCOMPARE(parsed.violations[0].path, path.toStdString());
    QCOMPARE(parsed.violations[0].message, message.toStdString());
}

void TstEnvelope::missingEventIdWhenRequired() {
    EnvelopeOptions options;
    options.allowMissingEventId = false;
    const ParsedEvent parsed = parseEvent(mutated("/event_id", kRemove), options);
    QVERIFY(!parsed.event);
    QCOMPARE(parsed.violations.size(), std::size_t(1));
    QCOMPARE(parsed.violations[0].path, std::string("/event_id"));
    QCOMPARE(parsed.violations[0].message, "missing; expected " + kUuid);
}

void TstEnvelope::collectsEveryViolation() {
    const std::string json =
        R"({"event_type":"lead.qualified","schema_version":0,"occurred_at":"yesterday",)"
        R"("producer":"","entity":{"kind":"lead","version":-2},"payload":[],"extra":true})";
    const ParsedEvent parsed = parseEvent(json);
    QVERIFY(!parsed.event);
    std::vector<std::string> paths;
    for (const Violation& v : parsed.violations)
        paths.push_back(v.path);
    const std::vector<std::string> expected{"/extra",       "/event_type",     "/schema_version",
                                            "/occurred_at", "/producer",       "/tenant_id",
                                            "/entity/id",   "/entity/version", "/payload"};
    QCOMPARE(paths, expected);
    QCOMPARE(describe(parsed.violations).substr(0, 45),
             std::string("/extra: unknown field; the envelope's fields "));
}

void TstEnvelope::pathPrefix() {
    EnvelopeOptions options;
    options.pathPrefix = "/3";
    const ParsedEvent parsed = parseEvent(mutated("/entity/id", R"("")"), options);
    QCOMPARE(parsed.violations.size(), std::size_t(1));
    QCOMPARE(parsed.violations[0].path, std::string("/3/entity/id"));
}

void TstEnvelope::notAnObject_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("message");
    QTest::addRow("array") << "[]"
                           << "expected an event object, got an empty array";
    QTest::addRow("number") << "42"
                            << "expected an event object, got 42";
    QTest::addRow("not JSON") << "{\"event_type\":"
                              << "not valid JSON: parse error at line 1, column 15: syntax error "
                                 "while parsing value - unexpected end of input; expected '[', "
                                 "'{', or a literal";
}

void TstEnvelope::notAnObject() {
    QFETCH(QString, json);
    QFETCH(QString, message);
    const ParsedEvent parsed = parseEvent(json.toStdString());
    QVERIFY(!parsed.event);
    QCOMPARE(parsed.violations.size(), std::size_t(1));
    QCOMPARE(parsed.violations[0].path, std::string());
    QCOMPARE(parsed.violations[0].message, message.toStdString());
}

void TstEnvelope::batchOfOne() {
    const ParsedBatch batch = parseEventBatch(kValidEvent);
    QVERIFY(!batch.wasArray);
    QVERIFY(batch.bodyViolations.empty());
    QCOMPARE(batch.events.size(), std::size_t(1));
    QVERIFY(batch.events[0].event);
}

void TstEnvelope::batchPrefixesEachElement() {
    const std::string body = "[" + kValidEvent + "," + mutated("/entity/id", R"("")") + "," +
                             mutated("/payload", "7") + ",17]";
    const ParsedBatch batch = parseEventBatch(body);
    QVERIFY(batch.wasArray);
    QVERIFY(batch.bodyViolations.empty());
    QCOMPARE(batch.events.size(), std::size_t(4));
    QVERIFY(batch.events[0].event);
    QCOMPARE(batch.events[1].violations.at(0).path, std::string("/1/entity/id"));
    QCOMPARE(batch.events[2].violations.at(0).path, std::string("/2/payload"));
    QCOMPARE(batch.events[3].violations.at(0).path, std::string("/3"));
    QCOMPARE(batch.events[3].violations.at(0).message,
             std::string("expected an event object, got 17"));
}

void TstEnvelope::batchBodyProblems_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("message");
    QTest::addRow("empty array") << "[]"
                                 << "expected at least one event, got an empty array";
    QTest::addRow("a string") << R"("hello")"
                              << R"(expected an event object or an array of events, got "hello")";
    QTest::addRow("empty body") << ""
                                << "the body is not valid JSON: parse error at line 1, column 1: "
                                   "syntax error while parsing value - unexpected end of "
                                   "input; expected '[', '{', or a literal";
    QTest::addRow("trailing comma")
        << "[{},]"
        << "the body is not valid JSON: parse error at line 1, column 5: syntax "
           "error while parsing value - unexpected ']'; expected '[', '{', or a "
           "literal";
}

void TstEnvelope::batchBodyProblems() {
    QFETCH(QString, body);
    QFETCH(QString, message);
    const ParsedBatch batch = parseEventBatch(body.toStdString());
    QVERIFY(batch.events.empty());
    QCOMPARE(batch.bodyViolations.size(), std::size_t(1));
    QCOMPARE(batch.bodyViolations[0].path, std::string());
    QCOMPARE(batch.bodyViolations[0].message, message.toStdString());
}

void TstEnvelope::describeJoinsViolations() {
    QCOMPARE(describe({{"/entity/version", "expected an integer >= 0, got \"seven\""},
                       {"", "whole body"}}),
             std::string("/entity/version: expected an integer >= 0, got \"seven\"; whole body"));
    QCOMPARE(describe({}), std::string());
}

// An event made in memory passes checkEvent exactly when its text passes
// parseEvent, and comes out the same.
void TstEnvelope::checksAnEventInMemoryAsParsed() {
    Event event = *parseEvent(kValidEvent).event;
    const auto payload = nlohmann::json::parse(event.payload);
    // The payload text is the document's: nlohmann::json orders its keys.
    event.payload = payload.dump();
    const ParsedEvent checked = checkEvent(event, payload);
    QVERIFY2(checked.event, qPrintable(test::describeForTest(checked.violations)));
    QVERIFY(*checked.event == event);
    QCOMPARE(serializeEvent(*checked.event),
             serializeEvent(*parseEvent(serializeEvent(event)).event));
}

void TstEnvelope::checkReportsWhatParseReports() {
    Event event = *parseEvent(kValidEvent).event;
    event.eventType = "lead.qualified";
    event.entity.kind = "lead:contact";
    event.producer.clear();
    event.correlationId = std::string(kMaxIdLength + 1, 'c');
    EnvelopeOptions options;
    options.pathPrefix = "/2";
    const ParsedEvent checked = checkEvent(event, nlohmann::json::array(), options);
    QVERIFY(!checked.event);
    const ParsedEvent parsed = parseEvent(serializeEvent(event), options);
    std::vector<std::string> paths;
    for (const Violation& v : checked.violations)
        paths.push_back(v.path);
    const std::vector<std::string> expected{"/2/event_type", "/2/producer", "/2/correlation_id",
                                            "/2/entity/kind", "/2/payload"};
    QCOMPARE(paths, expected);
    // The same sentences as a publish of that event would get (but for the
    // payload, which serializeEvent cannot write as an array).
    for (std::size_t i = 0; i + 1 < checked.violations.size(); ++i)
        QCOMPARE(checked.violations[i], parsed.violations[i]);
    QCOMPARE(checked.violations.back().message,
             std::string("expected a JSON object, got an empty array"));
}

void TstEnvelope::checkRefusesTextThatIsNotUtf8() {
    Event event = *parseEvent(kValidEvent).event;
    event.entity.id = "L-\xff\xfe";
    const ParsedEvent checked =
        checkEvent(event, nlohmann::json::parse(event.payload), EnvelopeOptions{});
    QVERIFY(!checked.event);
    QCOMPARE(checked.violations.size(), std::size_t(1));
    QCOMPARE(checked.violations[0].path, std::string("/entity/id"));
    QCOMPARE(checked.violations[0].message, std::string("expected UTF-8 text, got other bytes"));
    QCOMPARE(checked.draft.entity.id, event.entity.id);
}

void TstEnvelope::checkValidatesThePayloadDocument() {
    SchemaRegistry schemas;
    QVERIFY(schemas
                .add("LeadQualified", 1,
                     R"({"type":"object","required":["lead_id"],)"
                     R"("properties":{"lead_id":{"type":"string"},"score":{"type":"integer"}}})")
                .empty());
    EnvelopeOptions options;
    options.registry = &schemas;
    const Event event = *parseEvent(kValidEvent).event;
    QVERIFY(checkEvent(event, nlohmann::json::parse(event.payload), options).event);
    const ParsedEvent checked = checkEvent(event, nlohmann::json{{"score", "high"}}, options);
    QVERIFY(!checked.event);
    std::vector<std::string> paths;
    for (const Violation& v : checked.violations)
        paths.push_back(v.path);
    QCOMPARE(paths.size(), std::size_t(2));
    QVERIFY(std::find(paths.begin(), paths.end(), "/payload/score") != paths.end());
}

QTEST_APPLESS_MAIN(TstEnvelope)
#include "tst_envelope.moc"
