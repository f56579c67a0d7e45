// Verification and reading of vendor hook requests, kind by kind: the
// vendors' own fixtures, vectors computed outside meshdeck (Python's hmac,
// tests/fixtures/generic/ and hubspot/signature-v3-encoded-uri.json), and the
// ways a request goes wrong. Time is passed in; nothing sleeps.

#include "broker/sources/vendor.h"
#include "core/source_spec.h"
#include "tests/support/json_compare.h"
#include "tests/support/test_support.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

using namespace meshdeck;
using namespace meshdeck::sources;
using nlohmann::json;

Q_DECLARE_METATYPE(std::string)
Q_DECLARE_METATYPE(std::vector<std::string>)

namespace {

json fixtureJson(const QString& relative) {
    return json::parse(test::readFixture(relative));
}

// The fixture's headers as HookRequest holds them (names in lower case).
HookRequest requestFrom(const json& headers, std::string body, std::string method = "POST") {
    HookRequest request;
    request.method = std::move(method);
    request.body = std::move(body);
    for (const auto& [name, value] : headers.items()) {
        std::string lower = name;
        for (char& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers[lower] = value.get<std::string>();
    }
    return request;
}

// A spec through the same parser a config file goes through.
SourceSpec specFrom(const json& object) {
    ParsedSource parsed = parseSourceSpec(object.dump());
    if (!parsed.spec)
        throw std::invalid_argument("test spec refused: " + describe(parsed.violations));
    return *parsed.spec;
}

Timestamp atMillis(qint64 ms) {
    return fromUnixMillis(ms);
}

// --- HubSpot: tests/fixtures/hubspot/signature-v3.json

constexpr qint64 kHubSpotTimestamp = 1764234846000;
const std::string kHubSpotUrl = "https://mesh.example.com/v1/hooks/hubspot";
const std::string kHubSpotSecret = "hs-client-secret-8f2c1d";

SourceSpec hubSpotSpec(std::vector<std::string> secrets, std::string publicUrl = kHubSpotUrl) {
    return specFrom({{"name", "hubspot"},
                     {"kind", "hubspot"},
                     {"tenant", "acme"},
                     {"secrets", secrets},
                     {"public_url", publicUrl}});
}

HookRequest hubSpotRequest() {
    const json vector = fixtureJson(QStringLiteral("hubspot/signature-v3.json"));
    return requestFrom(vector["headers"],
                       test::readFixture(QStringLiteral("hubspot/contact-events.json")),
                       vector["method"].get<std::string>());
}

// --- Segment: tests/fixtures/segment/signature.json

const std::string kSegmentSecret = "seg-shared-secret-31a9";

SourceSpec segmentSpec(std::vector<std::string> secrets) {
    return specFrom(
        {{"name", "segment"}, {"kind", "segment"}, {"tenant", "acme"}, {"secrets", secrets}});
}

HookRequest segmentRequest() {
    return requestFrom(fixtureJson(QStringLiteral("segment/signature.json"))["headers"],
                       test::readFixture(QStringLiteral("segment/track-demo-booked.json")));
}

// --- Salesforce

const std::string kOrganization = "00D5g000004ABCDEA2";

SourceSpec salesforceSpec(const std::string& organization = kOrganization) {
    return specFrom({{"name", "salesforce"},
                     {"kind", "salesforce-outbound"},
                     {"tenant", "acme"},
                     {"organization_id", organization}});
}

// Single-line strings only: moc cannot read a raw string that spans lines.
std::string outboundMessage(const std::string& notifications) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
           "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
           "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
           "<notifications xmlns=\"http://soap.sforce.com/2005/09/outbound\">"
           "<OrganizationId>00D5g000004ABCDEA2</OrganizationId>"
           "<ActionId>04k5g000000XYZ1AAO</ActionId>" +
           notifications + "</notifications></soapenv:Body></soapenv:Envelope>";
}

std::string leadNotification(const std::string& fields) {
    return "<Notification><Id>04l5g00000Q1w2eAAB</Id><sObject xsi:type=\"sf:Lead\" "
           "xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">" +
           fields + "</sObject></Notification>";
}

// An XML text with whitespace-only text dropped and no indentation, so two
// documents that differ only in layout print the same.
std::string canonicalXml(const std::string& text) {
    pugi::xml_document document;
    if (!document.load_string(text.c_str()))
        return "not XML";
    struct Writer : pugi::xml_writer {
        std::string out;
        void write(const void* data, std::size_t size) override {
            out.append(static_cast<const char*>(data), size);
        }
    } writer;
    document.save(writer, "", pugi::format_raw | pugi::format_no_declaration);
    return writer.out;
}

// --- generic

const std::string kStandardWebhooksSecret =
    "whsec_bWVzaGRlY2stb3V0Ym91bmQta2V5LTAxMjM0NTY3ODlhYg==";
constexpr qint64 kStandardWebhooksSeconds = 1764234843;

SourceSpec standardWebhooksSpec(std::vector<std::string> secrets) {
    return specFrom({{"name", "crm-relay"},
                     {"kind", "generic"},
                     {"tenant", "acme"},
                     {"secrets", secrets},
                     {"event_id_pointer", "/event_id"},
                     {"verification", {{"scheme", "standard-webhooks"}}}});
}

HookRequest standardWebhooksRequest() {
    return requestFrom(fixtureJson(QStringLiteral("standard-webhooks/signature.json"))["headers"],
                       test::readFixture(QStringLiteral("standard-webhooks/lead-qualified.json")));
}

// A vector of tests/fixtures/generic/signatures.json with its spec.
struct GenericVector {
    SourceSpec spec;
    HookRequest request;
};

GenericVector genericVector(const std::string& name, std::vector<std::string> secrets = {}) {
    const json file = fixtureJson(QStringLiteral("generic/signatures.json"));
    for (const json& vector : file["vectors"]) {
        if (vector["name"] != name)
            continue;
        if (secrets.empty())
            secrets = {vector["secret"].get<std::string>()};
        SourceSpec spec = specFrom({{"name", "orders"},
                                    {"kind", "generic"},
                                    {"tenant", "acme"},
                                    {"secrets", secrets},
                                    {"event_id_pointer", "/id"},
                                    {"batch_pointer", "/events"},
                                    {"verification", vector["verification"]}});
        return {spec, requestFrom(vector["headers"],
                                  test::readFixture(QStringLiteral("generic/orders-batch.json")))};
    }
    throw std::invalid_argument("no vector " + name);
}

SourceSpec sharedHeaderSpec(std::vector<std::string> secrets) {
    return specFrom({{"name", "forms"},
                     {"kind", "generic"},
                     {"tenant", "acme"},
                     {"secrets", secrets},
                     {"event_id_pointer", "/submission/id"},
                     {"verification", {{"scheme", "header"}, {"header", "X-Hook-Token"}}}});
}

std::string tamperOneByte(std::string body) {
    body[body.size() / 2] = body[body.size() / 2] == 'x' ? 'y' : 'x';
    return body;
}

// Applies a row's change to a request: "tamper" (one byte of the body),
// "method GET", "drop <header>", "<header>=<value>".
void applyChange(HookRequest& request, const QString& change) {
    const std::string c = change.toStdString();
    if (c == "tamper")
        request.body = tamperOneByte(request.body);
    else if (c.starts_with("method "))
        request.method = c.substr(7);
    else if (c.starts_with("drop ")) {
        if (request.headers.erase(c.substr(5)) != 1)
            throw std::invalid_argument("the request has no header " + c.substr(5));
    } else if (const auto eq = c.find('='); eq != std::string::npos)
        request.headers[c.substr(0, eq)] = c.substr(eq + 1);
}

std::vector<std::string> vendorIds(const Split& split) {
    std::vector<std::string> ids;
    for (const VendorItem& item : split.items)
        ids.push_back(item.vendorId);
    return ids;
}

std::vector<std::string> wheres(const Split& split) {
    std::vector<std::string> out;
    for (const VendorItem& item : split.items)
        out.push_back(item.where);
    return out;
}

} // namespace

class VendorTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // ---------------------------------------------------------------- HubSpot

    void hubSpotFixtureVerifies() {
        const Verification v = verify(hubSpotSpec({kHubSpotSecret}), hubSpotRequest(),
                                      atMillis(kHubSpotTimestamp + 1500));
        QVERIFY2(v.ok, v.reason.c_str());
        QVERIFY(!v.stale);
        QCOMPARE(v.reason, std::string());
    }

    void hubSpotTimestampBoundaries() {
        const SourceSpec spec = hubSpotSpec({kHubSpotSecret});
        // Exactly the tolerance away, either way, is accepted.
        QVERIFY(verify(spec, hubSpotRequest(), atMillis(kHubSpotTimestamp + 300000)).ok);
        QVERIFY(verify(spec, hubSpotRequest(), atMillis(kHubSpotTimestamp - 300000)).ok);
        // One millisecond more is not, and the age is rounded up.
        const Verification old =
            verify(spec, hubSpotRequest(), atMillis(kHubSpotTimestamp + 300001));
        QVERIFY(!old.ok);
        QVERIFY(old.stale);
        QCOMPARE(
            old.reason,
            std::string("X-HubSpot-Request-Timestamp is 301 s old; at most 300 s are accepted"));
        // The tolerance is the spec's.
        SourceSpec strict = spec;
        strict.timestampTolerance = std::chrono::seconds(60);
        QCOMPARE(verify(strict, hubSpotRequest(), atMillis(kHubSpotTimestamp + 90000)).reason,
                 std::string("X-HubSpot-Request-Timestamp is 90 s old; at most 60 s are accepted"));
    }

    void hubSpotRotation() {
        const Timestamp now = atMillis(kHubSpotTimestamp + 1000);
        QVERIFY(
            verify(hubSpotSpec({"hs-old-secret-0000", kHubSpotSecret}), hubSpotRequest(), now).ok);
        QVERIFY(
            verify(hubSpotSpec({kHubSpotSecret, "hs-next-secret-9999"}), hubSpotRequest(), now).ok);
    }

    void hubSpotEncodedTargetUrl() {
        // HubSpot decodes %3A, %28, %29 (and nine more) in the URI it signs.
        const json vector = fixtureJson(QStringLiteral("hubspot/signature-v3-encoded-uri.json"));
        const HookRequest request = requestFrom(
            vector["headers"], test::readFixture(QStringLiteral("hubspot/contact-events.json")));
        const Timestamp now = atMillis(kHubSpotTimestamp + 1000);
        const Verification encoded =
            verify(hubSpotSpec({kHubSpotSecret}, vector["uri"]), request, now);
        QVERIFY2(encoded.ok, encoded.reason.c_str());
        const Verification decoded =
            verify(hubSpotSpec({kHubSpotSecret}, vector["signed_uri"]), request, now);
        QVERIFY2(decoded.ok, decoded.reason.c_str());
        // Lower-case escapes are the same characters.
        std::string lower = vector["uri"];
        lower.replace(lower.find("%3A"), 3, "%3a");
        QVERIFY(verify(hubSpotSpec({kHubSpotSecret}, lower), request, now).ok);
        // The URL is part of what is signed: the plain hook URL does not verify this request.
        QVERIFY(!verify(hubSpotSpec({kHubSpotSecret}), request, now).ok);
    }

    void hubSpotRefusals_data() {
        QTest::addColumn<std::vector<std::string>>("secrets");
        QTest::addColumn<QString>("change");
        QTest::addColumn<qint64>("nowMs");
        QTest::addColumn<std::string>("reason");
        QTest::addColumn<bool>("stale");

        const qint64 fresh = kHubSpotTimestamp + 2000;
        const std::string mismatch =
            " for POST https://mesh.example.com/v1/hooks/hubspot; check the app's client secret, "
            "and that public_url is the target URL set in the HubSpot app";
        const std::vector<std::string> right{kHubSpotSecret};
        QTest::addRow("another secret")
            << std::vector<std::string>{"hs-client-secret-other"} << "" << fresh
            << "X-HubSpot-Signature-v3 does not match the source's secret" + mismatch << false;
        QTest::addRow("two secrets, neither matches")
            << std::vector<std::string>{"hs-a", "hs-b"} << "" << fresh
            << "X-HubSpot-Signature-v3 matches none of the source's 2 secrets" + mismatch << false;
        QTest::addRow("tampered body: one byte changed")
            << right << "tamper" << fresh
            << "X-HubSpot-Signature-v3 does not match the source's secret" + mismatch << false;
        QTest::addRow("another method")
            << right << "method GET" << fresh
            << std::string("X-HubSpot-Signature-v3 does not match the source's "
                           "secret for GET https://mesh.example.com/v1/hooks/"
                           "hubspot; check the app's client secret, and that "
                           "public_url is the target URL set in the HubSpot app")
            << false;
        QTest::addRow("signature missing")
            << right << "drop x-hubspot-signature-v3" << fresh
            << std::string("X-HubSpot-Signature-v3 is missing") << false;
        QTest::addRow("signature not base64")
            << right << "x-hubspot-signature-v3=not a signature!" << fresh
            << std::string("X-HubSpot-Signature-v3 is not a base64 HMAC-SHA256 (44 characters)")
            << false;
        QTest::addRow("signature of another length")
            << right
            << "x-hubspot-signature-v3=+6ZbeUAxwlijYrQK1tGt1bB/vimuk//vjStrV6DP9B=" << fresh
            << std::string("X-HubSpot-Signature-v3 is not a base64 HMAC-SHA256 (44 characters)")
            << false;
        QTest::addRow("timestamp missing")
            << right << "drop x-hubspot-request-timestamp" << fresh
            << std::string("X-HubSpot-Request-Timestamp is missing") << false;
        QTest::addRow("timestamp not a number")
            << right << "x-hubspot-request-timestamp=1764234846OOO" << fresh
            << std::string("X-HubSpot-Request-Timestamp is not a number") << false;
        QTest::addRow("timestamp negative")
            << right << "x-hubspot-request-timestamp=-1" << fresh
            << std::string("X-HubSpot-Request-Timestamp is not a number") << false;
        QTest::addRow("timestamp empty")
            << right << "x-hubspot-request-timestamp=" << fresh
            << std::string("X-HubSpot-Request-Timestamp is not a number") << false;
        QTest::addRow("timestamp beyond 64 bits")
            << right << "x-hubspot-request-timestamp=99999999999999999999999" << fresh
            << std::string("X-HubSpot-Request-Timestamp is out of range") << false;
        QTest::addRow("412 s old")
            << right << "" << kHubSpotTimestamp + 412000
            << std::string("X-HubSpot-Request-Timestamp is 412 s old; at most "
                           "300 s are accepted")
            << true;
        QTest::addRow("a day old, with a bad signature too")
            << std::vector<std::string>{"hs-other"} << "" << kHubSpotTimestamp + 86400000
            << std::string("X-HubSpot-Request-Timestamp is 86400 s old; at most 300 s are accepted")
            << true;
        QTest::addRow("301 s in the future")
            << right << "" << kHubSpotTimestamp - 301000
            << std::string(
                   "X-HubSpot-Request-Timestamp is 301 s in the future; at most 300 s are accepted")
            << true;
        QTest::addRow("timestamp in seconds, not ms")
            << right << "x-hubspot-request-timestamp=1764234846" << fresh
            << std::string("X-HubSpot-Request-Timestamp is 1762470614 s old; at most 300 s are "
                           "accepted")
            << true;
    }

    void hubSpotRefusals() {
        QFETCH(std::vector<std::string>, secrets);
        QFETCH(QString, change);
        QFETCH(qint64, nowMs);
        QFETCH(std::string, reason);
        QFETCH(bool, stale);
        HookRequest request = hubSpotRequest();
        applyChange(request, change);
        const Verification v = verify(hubSpotSpec(secrets), request, atMillis(nowMs));
        QVERIFY(!v.ok);
        QCOMPARE(v.reason, reason);
        QCOMPARE(v.stale, stale);
        // Never a secret, never a signature.
        for (const std::string& secret : secrets)
            QVERIFY(v.reason.find(secret) == std::string::npos);
        QVERIFY(v.reason.find("+6ZbeUAx") == std::string::npos);
    }

    void hubSpotSplit() {
        const Split s = split(hubSpotSpec({kHubSpotSecret}),
                              test::readFixture(QStringLiteral("hubspot/contact-events.json")));
        QCOMPARE(s.error, std::string());
        QCOMPARE(vendorIds(s),
                 (std::vector<std::string>{"4011932001", "4011932002", "4011932003"}));
        QCOMPARE(wheres(s), (std::vector<std::string>{"/0", "/1", "/2"}));
        const json body = fixtureJson(QStringLiteral("hubspot/contact-events.json"));
        for (std::size_t i = 0; i < body.size(); ++i)
            QCOMPARE_JSON(s.items[i].doc, body[i]); // each element as sent
    }

    void hubSpotSplitErrors_data() {
        QTest::addColumn<std::string>("body");
        QTest::addColumn<std::string>("error");
        QTest::addRow("an element without eventId")
            << std::string(R"([{"eventId":1,"objectId":9},{"objectId":9001}])")
            << std::string("the item at /1 has no eventId");
        QTest::addRow("eventId null")
            << std::string(R"([{"eventId":null}])") << std::string("the item at /0 has no eventId");
        QTest::addRow("eventId a fraction")
            << std::string(R"([{"eventId":1.5}])")
            << std::string("the item at /0 has the eventId 1.5, which is not an integer or a "
                           "string of 1 to 256 characters");
        QTest::addRow("eventId beyond 64 bits")
            << std::string(R"([{"eventId":18446744073709551616}])")
            << std::string("the item at /0 has the eventId 1.8446744073709552e+19, which is not an "
                           "integer or a string of 1 to 256 characters");
        QTest::addRow("eventId an object")
            << std::string(R"([{"eventId":{"id":1}}])")
            << std::string("the item at /0 has the eventId an object, which is not an integer or "
                           "a string of 1 to 256 characters");
        QTest::addRow("an element not an object")
            << std::string(R"([{"eventId":1},"x"])")
            << std::string(
                   "the item at /1 is not a subscription event: expected an object, got a string");
        QTest::addRow("an object, not a batch")
            << std::string(R"({"eventId":1})")
            << std::string("the body is not a HubSpot webhook batch: expected an array of "
                           "subscription events, got an object");
    }

    void hubSpotSplitErrors() {
        QFETCH(std::string, body);
        QFETCH(std::string, error);
        const Split s = split(hubSpotSpec({kHubSpotSecret}), body);
        QCOMPARE(s.error, error);
        QCOMPARE(s.status, 400);
        QVERIFY(s.items.empty());
    }

    // ---------------------------------------------------------------- Segment

    void segmentFixture() {
        const SourceSpec spec = segmentSpec({kSegmentSecret});
        const Verification v = verify(spec, segmentRequest(), atMillis(0)); // no timestamp to check
        QVERIFY2(v.ok, v.reason.c_str());
        const Split s = split(spec, segmentRequest().body);
        QCOMPARE(s.error, std::string());
        QCOMPARE(vendorIds(s), std::vector<std::string>{"ajs-next-1764234850-5f1a"});
        QCOMPARE(wheres(s), std::vector<std::string>{""});
        QCOMPARE_JSON(s.items[0].doc,
                      fixtureJson(QStringLiteral("segment/track-demo-booked.json")));
    }

    void segmentVerification_data() {
        QTest::addColumn<std::vector<std::string>>("secrets");
        QTest::addColumn<QString>("change");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<std::string>("reason");
        const std::vector<std::string> right{kSegmentSecret};
        QTest::addRow("upper-case hex") << right << "upper" << true << std::string();
        QTest::addRow("rotation: the second secret matches")
            << std::vector<std::string>{"seg-old", kSegmentSecret} << "" << true << std::string();
        QTest::addRow("another secret")
            << std::vector<std::string>{"seg-other"} << "" << false
            << std::string("X-Signature does not match the source's secret");
        QTest::addRow("two other secrets")
            << std::vector<std::string>{"seg-a", "seg-b"} << "" << false
            << std::string("X-Signature matches none of the source's 2 secrets");
        QTest::addRow("tampered body")
            << right << "tamper" << false
            << std::string("X-Signature does not match the source's secret");
        QTest::addRow("empty body")
            << right << "empty" << false
            << std::string("X-Signature does not match the source's secret");
        QTest::addRow("header missing")
            << right << "drop" << false << std::string("X-Signature is missing");
        QTest::addRow("header not hex")
            << right << "nothex" << false
            << std::string("X-Signature is not a hex HMAC-SHA1 (40 hex digits)");
    }

    void segmentVerification() {
        QFETCH(std::vector<std::string>, secrets);
        QFETCH(QString, change);
        QFETCH(bool, ok);
        QFETCH(std::string, reason);
        HookRequest request = segmentRequest();
        std::string& signature = request.headers["x-signature"];
        if (change == u"upper")
            for (char& c : signature)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (change == u"tamper")
            request.body = tamperOneByte(request.body);
        if (change == u"empty")
            request.body.clear();
        if (change == u"nothex")
            signature.replace(0, 1, "g");
        if (change == u"drop")
            request.headers.erase("x-signature");
        const Verification v = verify(segmentSpec(secrets), request, atMillis(0));
        QCOMPARE(v.ok, ok);
        QCOMPARE(v.reason, reason);
        QVERIFY(!v.stale);
    }

    void segmentSplitErrors_data() {
        QTest::addColumn<std::string>("body");
        QTest::addColumn<std::string>("error");
        QTest::addRow("no messageId") << std::string(R"({"type":"track","event":"Demo Booked"})")
                                      << std::string("the body has no messageId");
        QTest::addRow("messageId empty")
            << std::string(R"({"messageId":""})")
            << std::string(
                   "the body has the messageId \"\", which is not an integer or a string of "
                   "1 to 256 characters");
        QTest::addRow("a batch") << std::string(R"([{"messageId":"m1"}])")
                                 << std::string(
                                        "the body is not a Segment call: expected an object, "
                                        "got an array");
        QTest::addRow("empty body")
            << std::string()
            << std::string("the body is not valid JSON: parse error at line 1, column 1: "
                           "syntax error while "
                           "parsing value - unexpected end of input; expected "
                           "'[', '{', or a literal");
    }

    void segmentSplitErrors() {
        QFETCH(std::string, body);
        QFETCH(std::string, error);
        const Split s = split(segmentSpec({kSegmentSecret}), body);
        QCOMPARE(s.error, error);
        QVERIFY(s.items.empty());
    }

    // ---------------------------------------------------------------- Salesforce

    void salesforceFixture() {
        const SourceSpec spec = salesforceSpec();
        const std::string body = test::readFixture(QStringLiteral("salesforce/outbound-lead.xml"));
        // Salesforce signs nothing: verification passes without headers.
        HookRequest request;
        request.method = "POST";
        request.body = body;
        QVERIFY(verify(spec, request, atMillis(0)).ok);

        const Split s = split(spec, body);
        QCOMPARE(s.error, std::string());
        QCOMPARE(vendorIds(s),
                 (std::vector<std::string>{"04l5g00000Q1w2eAAB", "04l5g00000Q1w2fAAB"}));
        QCOMPARE(wheres(s), (std::vector<std::string>{"Notification[0]", "Notification[1]"}));
        const json first = {{"OrganizationId", "00D5g000004ABCDEA2"},
                            {"ActionId", "04k5g000000XYZ1AAO"},
                            {"Id", "04l5g00000Q1w2eAAB"},
                            {"sObject",
                             {{"type", "Lead"},
                              {"Id", "00Q5g00000K9LmNEAV"},
                              {"Email", "dana.reyes@northwind.example"},
                              {"Company", "Northwind Traders"},
                              {"Status", "Working - Contacted"},
                              {"LeadSource", "Web"},
                              {"OwnerId", "0055g00000B7cdeAAB"},
                              {"LastModifiedDate", "2026-11-27T09:15:41.000Z"}}}};
        QCOMPARE_JSON(s.items[0].doc, first);
        QCOMPARE_JSON(s.items[1].doc["sObject"]["Email"], json("li.wei@contoso.example"));
    }

    void salesforcePrefixesNilAndText() {
        // Other prefixes for the same namespaces, a SOAP Header, xsi:nil, an
        // entity, CDATA and a character reference; a 15-character organization id.
        const Split s =
            split(salesforceSpec("00D5g000004ABCD"),
                  test::readFixture(QStringLiteral("salesforce/outbound-contact-nil.xml")));
        QCOMPARE(s.error, std::string());
        QCOMPARE(vendorIds(s), std::vector<std::string>{"04l5g00000Q1w3aAAB"});
        const json expected = {{"OrganizationId", "00D5g000004ABCDEA2"},
                               {"ActionId", "04k5g000000XYZ2AAO"},
                               {"Id", "04l5g00000Q1w3aAAB"},
                               {"sObject",
                                {{"type", "Contact"},
                                 {"Id", "0035g00000X1yZaAAJ"},
                                 {"Email", "ana.lima@fabrikam.example"},
                                 {"Phone", nullptr},
                                 {"Title", "VP Sales & Ops"},
                                 {"Description", "Prefers <b>short</b> demos"},
                                 {"MailingCity", "S\u00e3o Paulo"},
                                 {"Department", ""}}}};
        QCOMPARE_JSON(s.items[0].doc, expected);
    }

    void salesforceWrongOrganization() {
        const Split s = split(salesforceSpec("00D000000000001AAA"),
                              test::readFixture(QStringLiteral("salesforce/outbound-lead.xml")));
        QCOMPARE(s.status, 401);
        QCOMPARE(s.error,
                 std::string("the message is from the Salesforce organization "
                             "\"00D5g000004ABCDEA2\", not from the source's organization_id"));
        QVERIFY(s.items.empty());
        // The 15-character form must match too.
        QCOMPARE(split(salesforceSpec("00D5g000004ABCE"),
                       test::readFixture(QStringLiteral("salesforce/outbound-lead.xml")))
                     .status,
                 401);
    }

    void salesforceRefusals_data() {
        QTest::addColumn<std::string>("body");
        QTest::addColumn<std::string>("error");
        QTest::addRow("billion laughs and an external entity")
            << test::readFixture(QStringLiteral("salesforce/billion-laughs.xml"))
            << std::string(
                   "the body has a DOCTYPE declaration, which a Salesforce Outbound Message "
                   "never has; it was not read");
        QTest::addRow("SOAP 1.2 envelope")
            << std::string("<soapenv:Envelope "
                           "xmlns:soapenv=\"http://www.w3.org/2003/05/"
                           "soap-envelope\"><soapenv:Body/></soapenv:Envelope>")
            << std::string(
                   "the body is not a SOAP 1.1 message: the root element is "
                   "\"soapenv:Envelope\" in namespace \"http://www.w3.org/2003/05/soap-envelope\", "
                   "not Envelope in http://schemas.xmlsoap.org/soap/envelope/");
        QTest::addRow("no namespace at all")
            << std::string("<Envelope><Body/></Envelope>")
            << std::string(
                   "the body is not a SOAP 1.1 message: the root element is \"Envelope\" in "
                   "no namespace, not Envelope in http://schemas.xmlsoap.org/soap/envelope/");
        QTest::addRow("no Body")
            << std::string(
                   "<e:Envelope "
                   "xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Header/></e:Envelope>")
            << std::string("the SOAP envelope has no Body");
        QTest::addRow("notifications in another namespace")
            << std::string(
                   "<e:Envelope "
                   "xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body><notifications "
                   "xmlns=\"urn:other\"><OrganizationId>00D5g000004ABCDEA2</OrganizationId></"
                   "notifications></e:Body></e:Envelope>")
            << std::string(
                   "the SOAP Body has no notifications element in "
                   "http://soap.sforce.com/2005/09/outbound: it is not a Salesforce Outbound "
                   "Message");
        QTest::addRow("no OrganizationId")
            << std::string(
                   "<e:Envelope "
                   "xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body><notifications "
                   "xmlns=\"http://soap.sforce.com/2005/09/outbound\"/></e:Body></e:Envelope>")
            << std::string("the message has no OrganizationId");
        QTest::addRow("a Notification without Id")
            << outboundMessage(leadNotification("<sf:Id>00Q1</sf:Id>") +
                               "<Notification><sObject xsi:type=\"sf:Lead\"/></Notification>")
            << std::string("Notification[1] has no Id");
        QTest::addRow("a Notification without sObject")
            << outboundMessage("<Notification><Id>04l5g00000Q1w2eAAB</Id></Notification>")
            << std::string("Notification[0] has no sObject");
        QTest::addRow("sObject without xsi:type")
            << outboundMessage("<Notification><Id>04l5g00000Q1w2eAAB</Id><sObject/></Notification>")
            << std::string("Notification[0]/sObject has no xsi:type naming its object type");
        QTest::addRow("a field holding elements")
            << outboundMessage(leadNotification("<sf:Address><sf:City>Oslo</sf:City></sf:Address>"))
            << std::string(
                   "Notification[0]/sObject field Address is not a value (it holds elements, "
                   "or text that is not UTF-8)");
        QTest::addRow("a field twice")
            << outboundMessage(leadNotification("<sf:Email>a@x</sf:Email><sf:Email>b@x</sf:Email>"))
            << std::string("Notification[0]/sObject has the field Email twice");
        QTest::addRow("a value that is not UTF-8")
            << outboundMessage(leadNotification("<sf:Company>Nor\xff\xfewind</sf:Company>"))
            << std::string("Notification[0]/sObject field Company is not a value (it holds "
                           "elements, or text that is not UTF-8)");
        std::string nested;
        for (int i = 0; i < 100000; ++i)
            nested += "<x>";
        for (int i = 0; i < 100000; ++i)
            nested += "</x>";
        QTest::addRow("100,000 nested elements in a field")
            << outboundMessage(leadNotification("<sf:Company>" + nested + "</sf:Company>"))
            << std::string("Notification[0]/sObject field Company is not a value (it holds "
                           "elements, or text that is not UTF-8)");
        QTest::addRow("100,000 nested elements as the document")
            << nested
            << std::string("the body is not a SOAP 1.1 message: the root element is \"x\" in no "
                           "namespace, not Envelope in http://schemas.xmlsoap.org/soap/envelope/");
        QTest::addRow("empty body") << std::string()
                                    << std::string("the body is not well-formed XML: No document "
                                                   "element found at byte 0");
        QTest::addRow("JSON") << std::string("{\"Id\":1}")
                              << std::string("the body is not well-formed XML: No document element "
                                             "found at byte 8");
        QTest::addRow("unclosed element")
            << std::string("<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\">")
            << std::string("the body is not well-formed XML: Start-end tags mismatch at byte 63");
    }

    void salesforceRefusals() {
        QFETCH(std::string, body);
        QFETCH(std::string, error);
        const Split s = split(salesforceSpec(), body);
        QCOMPARE(s.error, error);
        QCOMPARE(s.status, 400);
        QVERIFY(s.items.empty());
    }

    void salesforceAckIsWhatSalesforceExpects() {
        QCOMPARE(canonicalXml(salesforceAck()),
                 canonicalXml(test::readFixture(QStringLiteral("salesforce/ack-response.xml"))));
        QVERIFY(canonicalXml(salesforceAck()).find("<Ack>true</Ack>") != std::string::npos);
    }

    void salesforceFault_data() {
        QTest::addColumn<std::string>("reason");
        QTest::addColumn<std::string>("faultstring");
        QTest::addRow("plain") << std::string("the log is not writable")
                               << std::string("the log is not writable");
        QTest::addRow("markup is text") << std::string("a <b> & \"c\" </soapenv:Fault>")
                                        << std::string("a <b> & \"c\" </soapenv:Fault>");
        QTest::addRow("control characters")
            << std::string("line\x01one\ttab") << std::string("line one\ttab");
        QTest::addRow("not UTF-8") << std::string("caf\xe9 ok") << std::string("caf? ok");
        QTest::addRow("UTF-8 kept") << std::string("São Paulo") << std::string("São Paulo");
    }

    void salesforceFault() {
        QFETCH(std::string, reason);
        QFETCH(std::string, faultstring);
        const std::string text = sources::salesforceFault(reason);
        pugi::xml_document document;
        QVERIFY(document.load_string(text.c_str()));
        const pugi::xml_node envelope = document.document_element();
        QCOMPARE(std::string(envelope.name()), std::string("soapenv:Envelope"));
        QCOMPARE(std::string(envelope.attribute("xmlns:soapenv").value()),
                 std::string("http://schemas.xmlsoap.org/soap/envelope/"));
        const pugi::xml_node fault = envelope.child("soapenv:Body").child("soapenv:Fault");
        QCOMPARE(std::string(fault.child_value("faultcode")), std::string("soapenv:Server"));
        QCOMPARE(std::string(fault.child_value("faultstring")), faultstring);
        // Not an acknowledgement, so Salesforce retries.
        QVERIFY(text.find("Ack") == std::string::npos);
    }

    // ---------------------------------------------------------------- generic: Standard Webhooks

    void standardWebhooksFixture() {
        const SourceSpec spec = standardWebhooksSpec({kStandardWebhooksSecret});
        const Verification v = verify(spec, standardWebhooksRequest(),
                                      atMillis(kStandardWebhooksSeconds * 1000 + 4000));
        QVERIFY2(v.ok, v.reason.c_str());
        const Split s = split(spec, standardWebhooksRequest().body);
        QCOMPARE(s.error, std::string());
        QCOMPARE(vendorIds(s), std::vector<std::string>{"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f"});
        QCOMPARE(wheres(s), std::vector<std::string>{""});
    }

    void standardWebhooksVerification_data() {
        QTest::addColumn<std::vector<std::string>>("secrets");
        QTest::addColumn<QString>("change");
        QTest::addColumn<qint64>("nowSeconds");
        QTest::addColumn<std::string>("reason"); // empty: verifies
        QTest::addColumn<bool>("stale");
        const std::vector<std::string> right{kStandardWebhooksSecret};
        const qint64 fresh = kStandardWebhooksSeconds + 10;
        const std::string good = "v1,I3TDLRRfjgkByRHsCjp45THpKLPgChjHX98WH1EDcug=";
        QTest::addRow("rotation: several signatures, the last one ours")
            << right
            << QString::fromStdString("webhook-signature=v1a,c2lnbmVk "
                                      "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " +
                                      good)
            << fresh << std::string() << false;
        QTest::addRow("rotation: two secrets, the second one ours")
            << std::vector<std::string>{"whsec_b3RoZXIta2V5", kStandardWebhooksSecret} << ""
            << fresh << std::string() << false;
        QTest::addRow("a plain secret, not ours")
            << std::vector<std::string>{"plain-password"} << "" << fresh
            << std::string("webhook-signature does not match the source's secret") << false;
        QTest::addRow("two secrets, neither ours")
            << std::vector<std::string>{"whsec_b3RoZXIta2V5", "whsec_dGhpcmQta2V5"} << "" << fresh
            << std::string("webhook-signature matches none of the source's 2 secrets") << false;
        QTest::addRow("tampered body")
            << right << "tamper" << fresh
            << std::string("webhook-signature does not match the source's secret") << false;
        QTest::addRow("another webhook-id")
            << right << "webhook-id=msg_other" << fresh
            << std::string("webhook-signature does not match the source's secret") << false;
        QTest::addRow("webhook-id missing")
            << right << "drop webhook-id" << fresh << std::string("webhook-id is missing") << false;
        QTest::addRow("webhook-signature missing")
            << right << "drop webhook-signature" << fresh
            << std::string("webhook-signature is missing") << false;
        QTest::addRow("webhook-timestamp missing")
            << right << "drop webhook-timestamp" << fresh
            << std::string("webhook-timestamp is missing") << false;
        QTest::addRow("no v1 signature")
            << right << "webhook-signature=v1a,c2lnbmVk" << fresh
            << std::string("webhook-signature holds no \"v1,\" signature") << false;
        QTest::addRow("412 s old")
            << right << "" << kStandardWebhooksSeconds + 412
            << std::string("webhook-timestamp is 412 s old; at most 300 s are accepted") << true;
        QTest::addRow("an hour in the future")
            << right << "" << kStandardWebhooksSeconds - 3600
            << std::string("webhook-timestamp is 3600 s in the future; at most 300 s are accepted")
            << true;
        QTest::addRow("timestamp in ms")
            << right << "webhook-timestamp=1764234843000" << fresh
            << std::string("webhook-timestamp is 1762470608147 s in the "
                           "future; at most 300 s are accepted")
            << true;
    }

    void standardWebhooksVerification() {
        QFETCH(std::vector<std::string>, secrets);
        QFETCH(QString, change);
        QFETCH(qint64, nowSeconds);
        QFETCH(std::string, reason);
        QFETCH(bool, stale);
        HookRequest request = standardWebhooksRequest();
        applyChange(request, change);
        const Verification v =
            verify(standardWebhooksSpec(secrets), request, atMillis(nowSeconds * 1000));
        QCOMPARE(v.reason, reason);
        QCOMPARE(v.ok, reason.empty());
        QCOMPARE(v.stale, stale);
    }

    // ---------------------------------------------------------------- generic: HMAC

    void genericHmacVectors_data() {
        QTest::addColumn<std::string>("vector");
        QTest::addRow("sha512, base64, prefix sha512=")
            << std::string("hmac-sha512-base64-prefixed");
        QTest::addRow("sha256, hex, timestamp.body")
            << std::string("hmac-sha256-hex-timestamp-body");
    }

    void genericHmacVectors() {
        QFETCH(std::string, vector);
        const GenericVector g = genericVector(vector);
        const Timestamp now = atMillis(1764234900000 + 2000);
        const Verification v = verify(g.spec, g.request, now);
        QVERIFY2(v.ok, v.reason.c_str());
        // One byte changed anywhere in the body breaks it.
        HookRequest tampered = g.request;
        tampered.body = tamperOneByte(tampered.body);
        QCOMPARE(verify(g.spec, tampered, now).reason,
                 std::string("x-orders-signature does not match the source's secret"));
        // Rotation: the right secret second of two.
        const GenericVector rotated = genericVector(vector, {"gen-retired", g.spec.secrets[0]});
        QVERIFY(verify(rotated.spec, rotated.request, now).ok);
        // Another secret.
        const GenericVector other = genericVector(vector, {"gen-other-1", "gen-other-2"});
        QCOMPARE(verify(other.spec, other.request, now).reason,
                 std::string("x-orders-signature matches none of the source's 2 secrets"));
        // The header missing.
        HookRequest unsigned_ = g.request;
        unsigned_.headers.erase("x-orders-signature");
        QCOMPARE(verify(g.spec, unsigned_, now).reason,
                 std::string("x-orders-signature is missing"));
    }

    void genericHmacRefusals() {
        const Timestamp now = atMillis(1764234900000 + 2000);
        // The prefix is required, and the rest must have the algorithm's shape.
        GenericVector g = genericVector("hmac-sha512-base64-prefixed");
        std::string& signature = g.request.headers["x-orders-signature"];
        const std::string sent = signature;
        signature = sent.substr(7);
        QCOMPARE(verify(g.spec, g.request, now).reason,
                 std::string("x-orders-signature does not start with \"sha512=\""));
        signature = "sha512=" + sent.substr(7, 40);
        QCOMPARE(verify(g.spec, g.request, now).reason,
                 std::string("x-orders-signature is not a base64 HMAC-SHA512 (88 characters)"));
        // Without its padding the same signature verifies.
        signature = sent.substr(0, sent.size() - 2);
        QVERIFY(verify(g.spec, g.request, now).ok);

        // The timestamp is part of what is signed, and checked against the tolerance.
        GenericVector t = genericVector("hmac-sha256-hex-timestamp-body");
        t.request.headers["x-orders-timestamp"] = "1764234901";
        QCOMPARE(verify(t.spec, t.request, now).reason,
                 std::string("x-orders-signature does not match the source's secret"));
        t.request.headers["x-orders-timestamp"] = "1764234900";
        QCOMPARE(verify(t.spec, t.request, atMillis(1764234900000 + 412000)).reason,
                 std::string("x-orders-timestamp is 412 s old; at most 300 s are accepted"));
        QVERIFY(verify(t.spec, t.request, atMillis(1764234900000 + 412000)).stale);
        QCOMPARE(
            verify(t.spec, t.request, atMillis(1764234900000 - 301000)).reason,
            std::string("x-orders-timestamp is 301 s in the future; at most 300 s are accepted"));
        t.request.headers.erase("x-orders-timestamp");
        QCOMPARE(verify(t.spec, t.request, now).reason,
                 std::string("x-orders-timestamp is missing"));
        t.request.headers["x-orders-timestamp"] = "soon";
        QCOMPARE(verify(t.spec, t.request, now).reason,
                 std::string("x-orders-timestamp is not a number"));
        // Upper-case hex is the same signature.
        GenericVector upper = genericVector("hmac-sha256-hex-timestamp-body");
        for (char& c : upper.request.headers["x-orders-signature"])
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        QVERIFY(verify(upper.spec, upper.request, now).ok);
        upper.request.headers["x-orders-signature"] += "00";
        QCOMPARE(verify(upper.spec, upper.request, now).reason,
                 std::string("x-orders-signature is not a hex HMAC-SHA256 (64 hex digits)"));
    }

    // ---------------------------------------------------------------- generic: shared header

    void sharedHeader_data() {
        QTest::addColumn<std::vector<std::string>>("secrets");
        QTest::addColumn<std::string>("value"); // "\x01": no header
        QTest::addColumn<std::string>("reason");
        QTest::addRow("the secret") << std::vector<std::string>{"form-token-4c1d"}
                                    << std::string("form-token-4c1d") << std::string();
        QTest::addRow("rotation: the second secret")
            << std::vector<std::string>{"form-token-old", "form-token-4c1d"}
            << std::string("form-token-4c1d") << std::string();
        QTest::addRow("another value")
            << std::vector<std::string>{"form-token-4c1d"} << std::string("form-token-4c1e")
            << std::string("x-hook-token does not match the source's secret");
        QTest::addRow("a prefix of the secret")
            << std::vector<std::string>{"form-token-4c1d"} << std::string("form-token")
            << std::string("x-hook-token does not match the source's secret");
        QTest::addRow("empty") << std::vector<std::string>{"a", "b"} << std::string()
                               << std::string(
                                      "x-hook-token matches none of the source's 2 secrets");
        QTest::addRow("missing") << std::vector<std::string>{"form-token-4c1d"}
                                 << std::string("\x01") << std::string("x-hook-token is missing");
    }

    void sharedHeader() {
        QFETCH(std::vector<std::string>, secrets);
        QFETCH(std::string, value);
        QFETCH(std::string, reason);
        HookRequest request;
        request.method = "POST";
        request.body = R"({"submission":{"id":"sub-1"}})";
        if (value != "\x01")
            request.headers["x-hook-token"] = value;
        const Verification v = verify(sharedHeaderSpec(secrets), request, atMillis(0));
        QCOMPARE(v.reason, reason);
        QCOMPARE(v.ok, reason.empty());
        const Split s = split(sharedHeaderSpec(secrets), request.body);
        QCOMPARE(vendorIds(s), std::vector<std::string>{"sub-1"});
    }

    // ---------------------------------------------------------------- generic: items

    void genericBatch() {
        const GenericVector g = genericVector("hmac-sha512-base64-prefixed");
        const Split s = split(g.spec, g.request.body);
        QCOMPARE(s.error, std::string());
        // A number id keeps every digit (2^53 + 1 is not a double).
        QCOMPARE(vendorIds(s), (std::vector<std::string>{"evt_01JD8K2M4N", "9007199254740993"}));
        QCOMPARE(wheres(s), (std::vector<std::string>{"/events/0", "/events/1"}));
        QCOMPARE_JSON(s.items[1].doc["order"]["number"], json("SO-20870"));
    }

    void genericSplitErrors_data() {
        QTest::addColumn<std::string>("batchPointer");
        QTest::addColumn<std::string>("body");
        QTest::addColumn<std::string>("error");
        QTest::addRow("an item without its id")
            << std::string("/events") << std::string(R"({"events":[{"id":"a"},{"type":"x"}]})")
            << std::string(
                   "the item at /events/1 has nothing at /id (the source's event_id_pointer)");
        QTest::addRow("an item that is a string")
            << std::string("/events") << std::string(R"({"events":["a"]})")
            << std::string(
                   "the item at /events/0 has nothing at /id (the source's event_id_pointer)");
        QTest::addRow("an id that is an object")
            << std::string("/events") << std::string(R"({"events":[{"id":{"v":1}}]})")
            << std::string(
                   "the item at /events/0 has at /id an object, which is not an integer or a "
                   "string of 1 to 256 characters");
        QTest::addRow("an id that is true")
            << std::string("/events") << std::string(R"({"events":[{"id":true}]})")
            << std::string("the item at /events/0 has at /id true, which is not an integer or a "
                           "string of 1 to 256 characters");
        QTest::addRow("an id too long")
            << std::string("/events")
            << std::string(R"({"events":[{"id":")" + std::string(257, 'a') + R"("}]})")
            << std::string("the item at /events/0 has at /id \"" + std::string(60, 'a') +
                           "...\", which is not an integer or a string of 1 to 256 characters");
        QTest::addRow("no batch")
            << std::string("/events") << std::string(R"({"event":[]})")
            << std::string("the body has nothing at /events (the source's batch_pointer)");
        QTest::addRow("batch not an array")
            << std::string("/events") << std::string(R"({"events":{"id":"a"}})")
            << std::string("the body has an object at /events (the source's batch_pointer), where "
                           "an array of items was expected");
        QTest::addRow("batch pointer through an array by name")
            << std::string("/events/first") << std::string(R"({"events":[{"id":"a"}]})")
            << std::string("the body has nothing at /events/first (the source's batch_pointer)");
        QTest::addRow("batch pointer with a leading-zero index")
            << std::string("/events/00") << std::string(R"({"events":[[{"id":"a"}]]})")
            << std::string("the body has nothing at /events/00 (the source's batch_pointer)");
        QTest::addRow("the body as the item, without id")
            << std::string() << std::string(R"({"type":"x"})")
            << std::string("the body has nothing at /id (the source's event_id_pointer)");
        QTest::addRow("the body an array, without batch pointer")
            << std::string() << std::string(R"([{"id":"a"}])")
            << std::string("the body has nothing at /id (the source's event_id_pointer)");
        QTest::addRow("an empty batch")
            << std::string("/events") << std::string(R"({"events":[]})") << std::string();
    }

    void genericSplitErrors() {
        QFETCH(std::string, batchPointer);
        QFETCH(std::string, body);
        QFETCH(std::string, error);
        SourceSpec spec = sharedHeaderSpec({"t"});
        spec.eventIdPointer = "/id";
        spec.batchPointer = batchPointer;
        const Split s = split(spec, body);
        QCOMPARE(s.error, error);
        QVERIFY(s.items.empty());
    }

    // ---------------------------------------------------------------- hostile input

    void hostileBodies_data() {
        QTest::addColumn<std::string>("body");
        QTest::addColumn<std::string>("hubspotError"); // a prefix; "" means no error
        QTest::addRow("empty") << std::string() << std::string("the body is not valid JSON");
        QTest::addRow("null") << std::string("null")
                              << std::string("the body is not a HubSpot webhook batch");
        QTest::addRow("empty array") << std::string("[]") << std::string();
        QTest::addRow("deep nesting")
            << std::string(200000, '[') << std::string("the body: the JSON text nests deeper than");
        QTest::addRow("deep nesting in an item")
            << "[{\"eventId\":1,\"x\":" + std::string(100, '[') + std::string(100, ']') + "}]"
            << std::string("the body: the JSON text nests deeper than");
        QTest::addRow("huge number")
            << std::string("[{\"eventId\":1e999}]") << std::string("the body is not valid JSON");
        QTest::addRow("not UTF-8") << std::string("[{\"eventId\":1,\"n\":\"\xff\xfe\"}]")
                                   << std::string("the body is not valid JSON");
        QTest::addRow("NUL byte") << std::string("[{\"eventId\":1}]\0", 16)
                                  << std::string("the body: the JSON text has a NUL byte");
        QTest::addRow("XML") << std::string("<a/>") << std::string("the body is not valid JSON");
        QTest::addRow("many items") << "[" + [] {
            std::string items;
            for (int i = 0; i < 20000; ++i)
                items += (i ? "," : "") + std::string("{\"eventId\":") + std::to_string(i) + "}";
            return items;
        }() + "]" << std::string();
    }

    void hostileBodies() {
        QFETCH(std::string, body);
        QFETCH(std::string, hubspotError);
        const Split h = split(hubSpotSpec({kHubSpotSecret}), body);
        QVERIFY2(h.error.starts_with(hubspotError), h.error.c_str());
        QCOMPARE(h.error.empty(), hubspotError.empty());
        // The other kinds read the same bytes without crashing, and say what is wrong.
        for (const SourceSpec& spec : {segmentSpec({kSegmentSecret}), salesforceSpec(),
                                       standardWebhooksSpec({kStandardWebhooksSecret})}) {
            const Split s = split(spec, body);
            QVERIFY2(!s.error.empty(), toString(spec.kind).data());
            QVERIFY(s.items.empty());
        }
        // Verification over the same body, with hostile headers, refuses without crashing.
        HookRequest request;
        request.method = "POST";
        request.body = body;
        request.headers = {{"x-hubspot-signature-v3", std::string(5000, '=')},
                           {"x-hubspot-request-timestamp", "\xff"},
                           {"x-signature", "\xff\xfe"},
                           {"webhook-id", ""},
                           {"webhook-timestamp", "1764234843"},
                           {"webhook-signature", std::string(10000, ' ') + "v1,"}};
        const Timestamp now = atMillis(kStandardWebhooksSeconds * 1000);
        QCOMPARE(verify(hubSpotSpec({kHubSpotSecret}), request, now).reason,
                 std::string("X-HubSpot-Request-Timestamp is not a number"));
        QCOMPARE(verify(segmentSpec({kSegmentSecret}), request, now).reason,
                 std::string("X-Signature is not a hex HMAC-SHA1 (40 hex digits)"));
        QCOMPARE(verify(standardWebhooksSpec({kStandardWebhooksSecret}), request, now).reason,
                 std::string("webhook-signature does not match the source's secret"));
    }

    void unusableStandardWebhooksSecret() {
        // A spec built in code (not parsed) with a secret that is not base64:
        // refused with a sentence that does not repeat it.
        SourceSpec spec = standardWebhooksSpec({kStandardWebhooksSecret});
        spec.secrets = {"whsec_!!not-base64!!"};
        const Verification v =
            verify(spec, standardWebhooksRequest(), atMillis(kStandardWebhooksSeconds * 1000));
        QVERIFY(!v.ok);
        QVERIFY2(v.reason.starts_with("secret 1 of the source cannot be used: "), v.reason.c_str());
        QVERIFY(v.reason.find("!!not-base64!!") == std::string::npos);
    }
};

QTEST_GUILESS_MAIN(VendorTest)
#include "tst_vendor.moc"
