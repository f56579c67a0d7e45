#include "core/cloudevents.h"
#include "core/outbound_body.h"
#include "tests/support/test_support.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using nlohmann::ordered_json;

namespace {

const char* const kRemove = "<remove>";

struct HttpRequest {
    HeaderMap headers;
    std::string body;
};

// The fixture is an HTTP request: a request line, headers, a blank line, the body.
HttpRequest readHttpFixture(const QString& relative) {
    const std::string text = test::readFixture(relative);
    HttpRequest request;
    std::size_t pos = text.find('\n') + 1; // past the request line
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos)
            end = text.size();
        std::string line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        pos = end + 1;
        if (line.empty())
            break;
        const std::size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        for (char& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::size_t valueStart = colon + 1;
        while (valueStart < line.size() && line[valueStart] == ' ')
            ++valueStart;
        request.headers[name] = line.substr(valueStart);
    }
    request.body = pos < text.size() ? text.substr(pos) : std::string();
    while (!request.body.empty() && (request.body.back() == '\n' || request.body.back() == '\r'))
        request.body.pop_back();
    return request;
}

std::string structuredFixture() {
    return test::readFixture(QStringLiteral("cloudevents/structured-lead-scored.json"));
}

// The structured fixture with one attribute replaced (valueJson) or removed.
std::string structuredWith(const std::string& attribute, const std::string& valueJson) {
    ordered_json event = ordered_json::parse(structuredFixture());
    if (valueJson == kRemove)
        event.erase(attribute);
    else
        event[attribute] = ordered_json::parse(valueJson);
    return event.dump();
}

Event fullEvent() {
    Event event;
    event.eventId = "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f";
    event.eventType = "LeadQualified";
    event.schemaVersion = 2;
    event.occurredAt = fromUnixMillis(1'795'770'843'120);
    event.producer = "hubspot portal 62515"; // a space: percent-encoded in headers
    event.tenantId = "acme";
    event.correlationId = "lead-L-1042-journey";
    event.causationId = "01936f4e-0000-7000-8000-000000000001";
    event.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    event.entity = {"lead", "L-1042:eu/1", 7}; // separators inside the id survive
    event.payload = R"({"lead_id":"L-1042","score":87,"qualified_by":"model-v3","note":"Zoë"})";
    return event;
}

Event minimalEvent() {
    Event event;
    event.eventId = "01936f4e-a001-7c3b-8f1e-2a4b6c8d0e20";
    event.eventType = "AccountUpdated";
    event.occurredAt = fromUnixMillis(0);
    event.producer = "crm-sync";
    event.tenantId = "globex";
    event.entity = {"account", "A-1", std::nullopt};
    event.payload = R"({"account_id":"A-1"})";
    return event;
}

const std::string kUuid = R"(a UUID such as "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f")";

// A webhook consumer that sends CloudEvents in `mode`, with more of its spec
// given as JSON ("redact_pii", "mapping").
ConsumerSpec cloudEventsConsumer(const QString& mode, ordered_json more = ordered_json::object()) {
    more["name"] = "crm";
    more["sink"] = {{"type", "webhook"},
                    {"url", "https://crm.example/hooks/meshdeck"},
                    {"format", "cloudevents"},
                    {"cloudevents_mode", mode.toStdString()}};
    const ParsedConsumer parsed = parseConsumerSpec(more.dump());
    if (!parsed.spec)
        qFatal("%s", describe(parsed.violations).c_str());
    return *parsed.spec;
}

// What the consumer's webhook sends for the event, read back by ingestion's
// parser for its content mode.
ParsedEvent sentAndReadBack(const Event& event, const ConsumerSpec& spec,
                            const std::vector<std::string>& piiPaths = {},
                            const std::string& payloadOverride = {}) {
    const HeaderMap headers = outboundHeaders(event, spec);
    const std::string body = outboundBody(event, spec, piiPaths, payloadOverride);
    if (spec.sink.cloudEventsMode == CloudEventsMode::Binary)
        return parseCloudEventBinary(headers, body);
    return parseCloudEventStructured(body);
}

} // namespace

class TstCloudEvents : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void headersThatAreNotUtf8AreViolations_data();
    void headersThatAreNotUtf8AreViolations();
    void parsesStructuredFixture();
    void parsesBinaryFixture();
    void plainRequestsAreNotBinary();
    void batchOfFixtures();
    void batchBodyProblems_data();
    void batchBodyProblems();
    void roundTrip_data();
    void roundTrip();
    void structuredOutput();
    void binaryOutputEncodesHeaderValues();
    void structuredVariations_data();
    void structuredVariations();
    void structuredViolations_data();
    void structuredViolations();
    void entityKindIsChecked();
    void entityRequired();
    void base64DataIsRefused();
    void collectsEveryViolation();
    void binaryViolations_data();
    void binaryViolations();
    void binaryBodyProblems_data();
    void binaryBodyProblems();
    void binaryHeaderNamesAnyCase();
    void binaryTraceparentFromTheTraceContextHeader();
    void schemaUriFormat();
    void outboundRoundTrip_data();
    void outboundRoundTrip();
    void outboundHasTheFixturesShape();
    void outboundRedactsAndEditsTheData_data();
    void outboundRedactsAndEditsTheData();
    void outboundMappedDataNamesNoSchema_data();
    void outboundMappedDataNamesNoSchema();
};

void TstCloudEvents::parsesStructuredFixture() {
    const ParsedEvent parsed = parseCloudEventStructured(structuredFixture());
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    QVERIFY(parsed.hasEventId);
    const Event& e = *parsed.event;
    QCOMPARE(e.eventId, std::string("01936f4e-a001-7c3b-8f1e-2a4b6c8d0e20"));
    QCOMPARE(e.eventType, std::string("LeadScored"));
    QCOMPARE(e.schemaVersion, 1);
    QCOMPARE(formatRfc3339(e.occurredAt), std::string("2026-11-27T09:14:01.500Z"));
    QCOMPARE(e.producer, std::string("enrichment-service"));
    QCOMPARE(e.tenantId, std::string("acme"));
    QCOMPARE(e.correlationId, std::string("lead-L-1042-journey"));
    QCOMPARE(e.causationId, std::string());
    QCOMPARE(e.traceparent, std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    QCOMPARE(e.entity, (EntityRef{"lead", "L-1042", 6}));
    QCOMPARE(e.payload, std::string(R"({"lead_id":"L-1042","score":87,"model":"fit-v3"})"));
}

void TstCloudEvents::parsesBinaryFixture() {
    const HttpRequest request =
        readHttpFixture(QStringLiteral("cloudevents/binary-lead-scored.http"));
    QVERIFY(isCloudEventBinary(request.headers));
    const ParsedEvent parsed = parseCloudEventBinary(request.headers, request.body);
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    const Event& e = *parsed.event;
    QCOMPARE(e.eventId, std::string("01936f4e-a002-7c3b-8f1e-2a4b6c8d0e21"));
    QCOMPARE(e.eventType, std::string("LeadScored"));
    QCOMPARE(e.schemaVersion, 1);
    QCOMPARE(formatRfc3339(e.occurredAt), std::string("2026-11-27T09:14:02.000Z"));
    QCOMPARE(e.producer, std::string("enrichment-service"));
    QCOMPARE(e.tenantId, std::string("acme"));
    QCOMPARE(e.correlationId, std::string("lead-L-2001-journey"));
    QCOMPARE(e.entity, (EntityRef{"lead", "L-2001", 3}));
    QCOMPARE(e.payload, std::string(R"({"lead_id":"L-2001","score":42,"model":"fit-v3"})"));
}

void TstCloudEvents::plainRequestsAreNotBinary() {
    QVERIFY(!isCloudEventBinary({{"content-type", "application/json"}}));
    QVERIFY(isCloudEventBinary({{"CE-SpecVersion", "1.0"}}));
}

void TstCloudEvents::batchOfFixtures() {
    const std::string structured = structuredFixture();
    const std::string body =
        "[" + structured + "," + structuredWith("type", R"("lead.scored")") + "]";
    const ParsedBatch batch = parseCloudEventBatch(body);
    QVERIFY(batch.wasArray);
    QVERIFY(batch.bodyViolations.empty());
    QCOMPARE(batch.events.size(), std::size_t(2));
    QVERIFY(batch.events[0].event);
    QCOMPARE(batch.events[0].event->entity.id, std::string("L-1042"));
    QVERIFY(!batch.events[1].event);
    QCOMPARE(batch.events[1].violations.size(), std::size_t(2));
    QCOMPARE(batch.events[1].violations[0].path, std::string("/1/dataschema"));
    QCOMPARE(batch.events[1].violations[1].path, std::string("/1/type"));
}

void TstCloudEvents::batchBodyProblems_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("message");
    QTest::addRow("a single event") << QString::fromStdString(structuredFixture())
                                    << "expected a JSON array of CloudEvents "
                                       "(application/cloudevents-batch+json), got an object";
    QTest::addRow("empty array") << "[]"
                                 << "expected at least one event, got an empty array";
    QTest::addRow("not JSON") << "[{"
                              << "the body is not valid JSON: parse error at line 1, "
                                 "column 3: syntax error while parsing object key - "
                                 "unexpected end of input; expected string literal";
}

void TstCloudEvents::batchBodyProblems() {
    QFETCH(QString, body);
    QFETCH(QString, message);
    const ParsedBatch batch = parseCloudEventBatch(body.toStdString());
    QVERIFY(batch.events.empty());
    QCOMPARE(batch.bodyViolations.size(), std::size_t(1));
    QCOMPARE(batch.bodyViolations[0].message, message.toStdString());
}

void TstCloudEvents::roundTrip_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("minimal");
    for (const char* mode : {"structured", "binary", "batch"}) {
        QTest::addRow("%s, every field", mode) << QString::fromUtf8(mode) << false;
        QTest::addRow("%s, required fields only", mode) << QString::fromUtf8(mode) << true;
    }
}

void TstCloudEvents::roundTrip() {
    QFETCH(QString, mode);
    QFETCH(bool, minimal);
    const Event event = minimal ? minimalEvent() : fullEvent();
    ParsedEvent parsed;
    if (mode == u"structured") {
        parsed = parseCloudEventStructured(toCloudEventStructured(event));
    } else if (mode == u"binary") {
        const auto [headers, body] = toCloudEventBinary(event);
        QCOMPARE(headers.at("content-type"), std::string("application/json"));
        QVERIFY(isCloudEventBinary(headers));
        parsed = parseCloudEventBinary(headers, body);
    } else {
        const ParsedBatch batch = parseCloudEventBatch(toCloudEventBatch({event, event}));
        QCOMPARE(batch.events.size(), std::size_t(2));
        QVERIFY(batch.events[1].event == batch.events[0].event);
        parsed = batch.events[0];
    }
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(serializeEvent(*parsed.event), serializeEvent(event));
    QVERIFY(*parsed.event == event);
}

void TstCloudEvents::structuredOutput() {
    const std::string json = toCloudEventStructured(fullEvent());
    const ordered_json ce = ordered_json::parse(json);
    QCOMPARE(ce["specversion"].get<std::string>(), std::string("1.0"));
    QCOMPARE(ce["subject"].get<std::string>(), std::string("lead/L-1042:eu/1"));
    QCOMPARE(ce["partitionkey"].get<std::string>(), std::string("lead:L-1042:eu/1"));
    QCOMPARE(ce["sequence"].get<std::string>(), std::string("7")); // a string, as CE says
    QCOMPARE(ce["dataschema"].get<std::string>(),
             std::string("urn:meshdeck:schema:LeadQualified:2"));
    QCOMPARE(ce["datacontenttype"].get<std::string>(), std::string("application/json"));
    QCOMPARE(ce["data"]["score"].get<int>(), 87);
    QVERIFY(json.find(R"("data":{"lead_id":"L-1042","score":87,)") != std::string::npos);
}

void TstCloudEvents::binaryOutputEncodesHeaderValues() {
    const auto [headers, body] = toCloudEventBinary(fullEvent());
    QCOMPARE(headers.at("ce-source"), std::string("hubspot%20portal%2062515"));
    QCOMPARE(headers.at("ce-sequence"), std::string("7"));
    QCOMPARE(headers.at("ce-time"), std::string("2026-11-27T09:14:03.120Z"));
    QCOMPARE(body, fullEvent().payload);
    for (const auto& [name, value] : headers) {
        for (unsigned char c : value)
            QVERIFY2(c > 0x20 && c < 0x7F, name.c_str());
    }
}

void TstCloudEvents::structuredVariations_data() {
    QTest::addColumn<QString>("attribute");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("check");
    QTest::addColumn<QString>("expected");
    QTest::addRow("subject alone names the entity") << "partitionkey" << kRemove << "entity"
                                                    << "lead:L-1042";
    QTest::addRow("free-form subject next to partitionkey") << "subject"
                                                            << R"("L-1042")"
                                                            << "entity"
                                                            << "lead:L-1042";
    QTest::addRow("sequence as an integer") << "sequence"
                                            << "6"
                                            << "version"
                                            << "6";
    QTest::addRow("no sequence") << "sequence" << kRemove << "version"
                                 << "none";
    QTest::addRow("no dataschema means version 1") << "dataschema" << kRemove << "schema_version"
                                                   << "1";
    QTest::addRow("dataschema version 4") << "dataschema"
                                          << R"("urn:meshdeck:schema:LeadScored:4")"
                                          << "schema_version"
                                          << "4";
    QTest::addRow("datacontenttype with parameters") << "datacontenttype"
                                                     << R"("application/json; charset=utf-8")"
                                                     << "schema_version"
                                                     << "1";
    QTest::addRow("no datacontenttype") << "datacontenttype" << kRemove << "schema_version"
                                        << "1";
    QTest::addRow("unknown extensions are ignored") << "comexamplefoo"
                                                    << R"("bar")"
                                                    << "schema_version"
                                                    << "1";
}

void TstCloudEvents::structuredVariations() {
    QFETCH(QString, attribute);
    QFETCH(QString, value);
    QFETCH(QString, check);
    QFETCH(QString, expected);
    const ParsedEvent parsed =
        parseCloudEventStructured(structuredWith(attribute.toStdString(), value.toStdString()));
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    std::string actual;
    if (check == u"entity")
        actual = parsed.event->entity.key();
    else if (check == u"version")
        actual =
            parsed.event->entity.version ? std::to_string(*parsed.event->entity.version) : "none";
    else
        actual = std::to_string(parsed.event->schemaVersion);
    QCOMPARE(actual, expected.toStdString());
}

void TstCloudEvents::structuredViolations_data() {
    QTest::addColumn<QString>("attribute");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, const char* attribute, std::string value,
                        const char* path, const std::string& message) {
        QTest::addRow("%s", name) << QString::fromUtf8(attribute) << QString::fromStdString(value)
                                  << QString::fromUtf8(path) << QString::fromStdString(message);
    };
    row("specversion missing", "specversion", kRemove, "/specversion",
        R"(missing; expected "1.0")");
    row("specversion 0.3", "specversion", R"("0.3")", "/specversion",
        R"(expected "1.0" (CloudEvents 1.0), got "0.3")");
    row("id missing", "id", kRemove, "/id", "missing; expected " + kUuid);
    row("id not a UUID", "id", R"("evt-1")", "/id", "expected " + kUuid + R"(, got "evt-1")");
    row("source missing", "source", kRemove, "/source",
        R"(missing; expected a non-empty string naming the producing system, such as "hubspot")");
    row("type missing", "type", kRemove, "/type",
        R"(missing; expected an event type name in PascalCase (letters and digits, at most 96 )"
        R"(characters) such as "LeadQualified")");
    row("time missing", "time", kRemove, "/time",
        R"(missing; expected an RFC 3339 date-time such as "2026-11-27T09:14:03.120Z")");
    row("tenantid missing", "tenantid", kRemove, "/tenantid",
        R"(missing; expected a non-empty tenant id such as "acme")");
    row("partitionkey without a colon", "partitionkey", R"("L-1042")", "/partitionkey",
        R"(expected "kind:id" such as "lead:L-1042", got "L-1042")");
    row("subject names another entity", "subject", R"("lead/L-9")", "/subject",
        R"(names entity "lead/L-9" but partitionkey names "lead:L-1042"; expected both to )"
        R"(name the same entity)");
    row("sequence not digits", "sequence", R"("six")", "/sequence",
        R"(expected an entity version: an integer >= 0, sent as a string of digits such as )"
        R"("7", got "six")");
    row("sequence negative", "sequence", "-1", "/sequence", "expected an integer >= 0, got -1");
    row("dataschema a URL", "dataschema", R"("https://example.com/lead.json")", "/dataschema",
        R"(expected "urn:meshdeck:schema:<type>:<version>" such as )"
        R"("urn:meshdeck:schema:LeadScored:1", got "https://example.com/lead.json")");
    row("dataschema version 0", "dataschema", R"("urn:meshdeck:schema:LeadScored:0")",
        "/dataschema",
        R"(expected "urn:meshdeck:schema:<type>:<version>" such as )"
        R"("urn:meshdeck:schema:LeadScored:1", got "urn:meshdeck:schema:LeadScored:0")");
    row("dataschema of another type", "dataschema", R"("urn:meshdeck:schema:LeadQualified:1")",
        "/dataschema",
        R"(names event type "LeadQualified" but type is "LeadScored"; expected the schema of )"
        R"(the event's own type)");
    row("datacontenttype not JSON", "datacontenttype", R"("text/plain")", "/datacontenttype",
        R"(expected a JSON media type such as "application/json" (meshdeck events carry a )"
        R"(JSON object), got "text/plain")");
    row("data missing", "data", kRemove, "/data", "missing; expected a JSON object");
    row("data a string", "data", R"("L-1042 scored 87")", "/data",
        R"(expected a JSON object, got "L-1042 scored 87")");
    row("traceparent malformed", "traceparent", R"("00-xyz")", "/traceparent",
        R"(expected a W3C traceparent "00-<32 hex trace id>-<16 hex parent id>-<2 hex )"
        R"(flags>", got "00-xyz")");
    row("correlationid a number", "correlationid", "12", "/correlationid",
        "expected a string, got 12");
}

void TstCloudEvents::structuredViolations() {
    QFETCH(QString, attribute);
    QFETCH(QString, value);
    QFETCH(QString, path);
    QFETCH(QString, message);
    const ParsedEvent parsed =
        parseCloudEventStructured(structuredWith(attribute.toStdString(), value.toStdString()));
    QVERIFY(!parsed.event);
    QVERIFY2(parsed.violations.size() == 1, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(parsed.violations[0].path, path.toStdString());
    QCOMPARE(parsed.violations[0].message, message.toStdString());
}

void TstCloudEvents::entityKindIsChecked() {
    ordered_json event = ordered_json::parse(structuredFixture());
    event.erase("subject");
    event["partitionkey"] = "le ad:L-1042";
    const ParsedEvent parsed = parseCloudEventStructured(event.dump());
    QCOMPARE(parsed.violations.size(), std::size_t(1));
    QCOMPARE(parsed.violations[0].path, std::string("/partitionkey"));
    QCOMPARE(parsed.violations[0].message,
             std::string(R"(expected an entity kind (a letter, then letters, digits, '_' or '-') )"
                         R"(such as "lead", got "le ad")"));
}

void TstCloudEvents::entityRequired() {
    ordered_json event = ordered_json::parse(structuredFixture());
    event.erase("partitionkey");
    event.erase("subject");
    const ParsedEvent parsed = parseCloudEventStructured(event.dump());
    QCOMPARE(parsed.violations.size(), std::size_t(1));
    QCOMPARE(parsed.violations[0].path, std::string("/partitionkey"));
    QCOMPARE(parsed.violations[0].message,
             std::string(R"(missing; expected partitionkey "kind:id" (such as "lead:L-1042") )"
                         R"(or subject "kind/id" naming the entity)"));
}

void TstCloudEvents::base64DataIsRefused() {
    ordered_json event = ordered_json::parse(structuredFixture());
    event.erase("data");
    event["data_base64"] = "eyJsZWFkX2lkIjoiTC0xMDQyIn0=";
    const ParsedEvent parsed = parseCloudEventStructured(event.dump());
    QCOMPARE(parsed.violations.size(), std::size_t(1));
    QCOMPARE(parsed.violations[0].path, std::string("/data_base64"));
    QCOMPARE(parsed.violations[0].message,
             std::string(R"(binary data is not supported; expected a JSON object in "data")"));
}

void TstCloudEvents::collectsEveryViolation() {
    const ParsedEvent parsed =
        parseCloudEventStructured(R"({"specversion":"1.0","type":"LeadScored","data":{}})");
    std::vector<std::string> paths;
    for (const Violation& v : parsed.violations)
        paths.push_back(v.path);
    const std::vector<std::string> expected{"/id", "/partitionkey", "/time", "/source",
                                            "/tenantid"};
    QCOMPARE(paths, expected);
}

void TstCloudEvents::binaryViolations_data() {
    QTest::addColumn<QString>("header");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("messageStart");
    QTest::addRow("ce-tenantid missing") << "ce-tenantid" << kRemove << "header ce-tenantid"
                                         << "missing; expected a non-empty tenant id";
    QTest::addRow("ce-type missing") << "ce-type" << kRemove << "header ce-type"
                                     << "missing; expected an event type name";
    QTest::addRow("ce-id missing") << "ce-id" << kRemove << "header ce-id"
                                   << "missing; expected a UUID";
    QTest::addRow("ce-specversion 0.3") << "ce-specversion"
                                        << "0.3"
                                        << "header ce-specversion"
                                        << R"(expected "1.0")";
    QTest::addRow("ce-sequence not digits") << "ce-sequence"
                                            << "3a"
                                            << "header ce-sequence"
                                            << "expected an entity version";
    QTest::addRow("ce-time not RFC 3339") << "ce-time"
                                          << "27/11/2026"
                                          << "header ce-time"
                                          << "expected an RFC 3339 date-time";
    QTest::addRow("content-type not JSON") << "content-type"
                                           << "application/xml"
                                           << "header content-type"
                                           << "expected a JSON media type";
    QTest::addRow("ce-partitionkey and ce-subject missing")
        << "ce-partitionkey+ce-subject" << kRemove << "header ce-partitionkey"
        << "missing; expected partitionkey";
}

void TstCloudEvents::binaryViolations() {
    QFETCH(QString, header);
    QFETCH(QString, value);
    QFETCH(QString, path);
    QFETCH(QString, messageStart);
    HttpRequest request = readHttpFixture(QStringLiteral("cloudevents/binary-lead-scored.http"));
    for (const QString& name : header.split(u'+')) {
        if (value == QLatin1String(kRemove))
            request.headers.erase(name.toStdString());
        else
            request.headers[name.toStdString()] = value.toStdString();
    }
    const ParsedEvent parsed = parseCloudEventBinary(request.headers, request.body);
    QVERIFY(!parsed.event);
    QVERIFY2(parsed.violations.size() == 1, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(parsed.violations[0].path, path.toStdString());
    QVERIFY2(parsed.violations[0].message.starts_with(messageStart.toStdString()),
             parsed.violations[0].message.c_str());
}

void TstCloudEvents::binaryBodyProblems_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    QTest::addRow("not JSON") << "lead_id=L-2001"
                              << ""
                              << "the body (the event's data) is not valid JSON: parse error at "
                                 "line 1, column 1: syntax error while parsing value - invalid "
                                 "literal; last read: 'l'";
    QTest::addRow("an array") << "[1]"
                              << ""
                              << "expected a JSON object, got an array";
    QTest::addRow("empty") << ""
                           << ""
                           << "the body (the event's data) is not valid JSON: parse error at "
                              "line 1, column 1: syntax error while parsing value - unexpected "
                              "end of input; expected '[', '{', or a literal";
}

void TstCloudEvents::binaryBodyProblems() {
    QFETCH(QString, body);
    QFETCH(QString, path);
    QFETCH(QString, message);
    const HttpRequest request =
        readHttpFixture(QStringLiteral("cloudevents/binary-lead-scored.http"));
    const ParsedEvent parsed = parseCloudEventBinary(request.headers, body.toStdString());
    QVERIFY(!parsed.event);
    QVERIFY2(parsed.violations.size() == 1, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(parsed.violations[0].path, path.toStdString());
    QCOMPARE(parsed.violations[0].message, message.toStdString());
}

void TstCloudEvents::binaryHeaderNamesAnyCase() {
    HttpRequest request = readHttpFixture(QStringLiteral("cloudevents/binary-lead-scored.http"));
    HeaderMap mixed;
    for (const auto& [name, value] : request.headers) {
        std::string upper = name;
        for (char& c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        mixed[upper] = value;
    }
    const ParsedEvent parsed = parseCloudEventBinary(mixed, request.body);
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(parsed.event->entity.id, std::string("L-2001"));
}

void TstCloudEvents::binaryTraceparentFromTheTraceContextHeader() {
    HttpRequest request = readHttpFixture(QStringLiteral("cloudevents/binary-lead-scored.http"));
    request.headers["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    ParsedEvent parsed = parseCloudEventBinary(request.headers, request.body);
    QVERIFY(parsed.event);
    QCOMPARE(parsed.event->traceparent, request.headers["traceparent"]);
    // ce-traceparent, when present, is the event's own.
    request.headers["ce-traceparent"] = "00-11111111111111111111111111111111-2222222222222222-00";
    parsed = parseCloudEventBinary(request.headers, request.body);
    QVERIFY(parsed.event);
    QCOMPARE(parsed.event->traceparent, request.headers["ce-traceparent"]);
}

void TstCloudEvents::schemaUriFormat() {
    QCOMPARE(schemaUri("LeadScored", 1), std::string("urn:meshdeck:schema:LeadScored:1"));
    QCOMPARE(schemaUri("OpportunityClosedWon", 12),
             std::string("urn:meshdeck:schema:OpportunityClosedWon:12"));
}

// Found by fuzz_cloudevents_binary: a header that percent-decodes (or
// arrives) as bytes that are not UTF-8 is a violation naming the header,
// never text that fails later.
void TstCloudEvents::headersThatAreNotUtf8AreViolations_data() {
    QTest::addColumn<QString>("header");
    QTest::addColumn<QByteArray>("value");
    QTest::addRow("percent-encoded Latin-1") << "ce-source" << QByteArray("caf%E9");
    QTest::addRow("raw bytes") << "ce-partitionkey"
                               << QByteArray("lead:L\xff\xfe"
                                             "1");
    QTest::addRow("overlong slash") << "ce-subject" << QByteArray("lead%C0%AFL-1");
    QTest::addRow("surrogate") << "ce-source" << QByteArray("%ED%A0%80");
}

void TstCloudEvents::headersThatAreNotUtf8AreViolations() {
    QFETCH(QString, header);
    QFETCH(QByteArray, value);
    HeaderMap headers{{"ce-specversion", "1.0"},
                      {"ce-id", "01936f4e-a002-7c3b-8f1e-2a4b6c8d0e21"},
                      {"ce-source", "enrichment-service"},
                      {"ce-type", "LeadScored"},
                      {"ce-time", "2026-11-27T09:14:02Z"},
                      {"ce-partitionkey", "lead:L-1"},
                      {"ce-tenantid", "acme"},
                      {"content-type", "application/json"}};
    headers[header.toStdString()] = value.toStdString();
    const ParsedEvent parsed =
        parseCloudEventBinary(headers, R"({"lead_id":"L-1","score":1,"model":"m"})");
    QVERIFY(!parsed.event);
    QCOMPARE(parsed.violations.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(parsed.violations[0].path), QStringLiteral("header ") + header);
    QVERIFY(parsed.violations[0].message.find("not UTF-8") != std::string::npos);
}

void TstCloudEvents::outboundRoundTrip_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("minimal");
    for (const char* mode : {"structured", "binary"}) {
        QTest::addRow("%s, every field", mode) << QString::fromUtf8(mode) << false;
        QTest::addRow("%s, required fields only", mode) << QString::fromUtf8(mode) << true;
    }
}

// A consumer's CloudEvent, read by meshdeck's own ingestion, is the event
// itself: every envelope field and the payload's bytes.
void TstCloudEvents::outboundRoundTrip() {
    QFETCH(QString, mode);
    QFETCH(bool, minimal);
    const Event event = minimal ? minimalEvent() : fullEvent();
    const ConsumerSpec spec = cloudEventsConsumer(mode);
    const HeaderMap headers = outboundHeaders(event, spec);
    if (mode == u"binary") {
        QCOMPARE(headers.at("content-type"), std::string("application/json"));
        QVERIFY(isCloudEventBinary(headers));
        QCOMPARE(outboundBody(event, spec, {}), event.payload);
    } else {
        QCOMPARE(headers, (HeaderMap{{"content-type", "application/cloudevents+json"}}));
    }
    const ParsedEvent parsed = sentAndReadBack(event, spec);
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(serializeEvent(*parsed.event), serializeEvent(event));
    QVERIFY(*parsed.event == event);
}

// The fixtures are what a producer sends meshdeck; an event read from one goes
// out to a CloudEvents consumer as the same CloudEvent, attribute for
// attribute (the structured fixture in its order too).
void TstCloudEvents::outboundHasTheFixturesShape() {
    const ParsedEvent fromStructured = parseCloudEventStructured(structuredFixture());
    QVERIFY2(fromStructured.event, qPrintable(test::describeForTest(fromStructured.violations)));
    const std::string structured =
        outboundBody(*fromStructured.event, cloudEventsConsumer(QStringLiteral("structured")), {});
    const ordered_json expected = ordered_json::parse(structuredFixture());
    QCOMPARE(ordered_json::parse(structured).dump(2), expected.dump(2));

    const HttpRequest request =
        readHttpFixture(QStringLiteral("cloudevents/binary-lead-scored.http"));
    const ParsedEvent fromBinary = parseCloudEventBinary(request.headers, request.body);
    QVERIFY2(fromBinary.event, qPrintable(test::describeForTest(fromBinary.violations)));
    const ConsumerSpec binary = cloudEventsConsumer(QStringLiteral("binary"));
    HeaderMap expectedHeaders;
    for (const auto& [name, value] : request.headers) {
        if (name.starts_with("ce-") || name == "content-type")
            expectedHeaders[name] = value;
    }
    QCOMPARE(outboundHeaders(*fromBinary.event, binary), expectedHeaders);
    QCOMPARE(outboundBody(*fromBinary.event, binary, {}), request.body);
}

void TstCloudEvents::outboundRedactsAndEditsTheData_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("edited");
    for (const char* mode : {"structured", "binary"}) {
        QTest::addRow("%s, as published", mode) << QString::fromUtf8(mode) << false;
        QTest::addRow("%s, edited for a replay", mode) << QString::fromUtf8(mode) << true;
    }
}

// redact_pii and a dead letter's edited payload shape the data as they shape
// the canonical event's payload; every attribute stays the event's.
void TstCloudEvents::outboundRedactsAndEditsTheData() {
    QFETCH(QString, mode);
    QFETCH(bool, edited);
    const Event event = fullEvent();
    const ConsumerSpec spec = cloudEventsConsumer(mode, {{"redact_pii", true}});
    const std::string edit = R"({"lead_id":"L-1042","score":90,"note":"checked by hand"})";
    const ParsedEvent parsed =
        sentAndReadBack(event, spec, {"/note", "/not_in_this_payload"}, edited ? edit : "");
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    Event expected = event;
    expected.payload =
        edited ? R"({"lead_id":"L-1042","score":90,"note":"[redacted]"})"
               : R"({"lead_id":"L-1042","score":87,"qualified_by":"model-v3","note":"[redacted]"})";
    QCOMPARE(serializeEvent(*parsed.event), serializeEvent(expected));
}

void TstCloudEvents::outboundMappedDataNamesNoSchema_data() {
    QTest::addColumn<QString>("mode");
    QTest::addRow("structured") << "structured";
    QTest::addRow("binary") << "binary";
}

// A mapping makes the data its own object, read from the (redacted) canonical
// event; no schema describes that object, so no dataschema is claimed.
void TstCloudEvents::outboundMappedDataNamesNoSchema() {
    QFETCH(QString, mode);
    const Event event = fullEvent();
    const ConsumerSpec spec = cloudEventsConsumer(mode, {{"redact_pii", true},
                                                         {"mapping",
                                                          {{"lead", "/payload/lead_id"},
                                                           {"note", "/payload/note"},
                                                           {"version", "/entity/version"}}}});
    const std::string body = outboundBody(event, spec, {"/note"});
    const HeaderMap headers = outboundHeaders(event, spec);
    const std::string data = R"({"lead":"L-1042","note":"[redacted]","version":7})";
    if (mode == u"binary") {
        QCOMPARE(body, data);
        QVERIFY(!headers.contains("ce-dataschema"));
        QCOMPARE(headers.at("ce-id"), event.eventId);
        QCOMPARE(headers.at("ce-type"), event.eventType);
    } else {
        const ordered_json ce = ordered_json::parse(body);
        QCOMPARE(ce["data"].dump(), data);
        QVERIFY(!ce.contains("dataschema"));
        QCOMPARE(ce["id"].get<std::string>(), event.eventId);
        QCOMPARE(ce["type"].get<std::string>(), event.eventType);
    }
    const ParsedEvent parsed = sentAndReadBack(event, spec, {"/note"});
    QVERIFY2(parsed.event, qPrintable(test::describeForTest(parsed.violations)));
    QCOMPARE(parsed.event->payload, data);
    QCOMPARE(parsed.event->entity, event.entity);
}

QTEST_APPLESS_MAIN(TstCloudEvents)
#include "tst_cloudevents.moc"
