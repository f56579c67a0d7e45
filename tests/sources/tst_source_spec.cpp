// Source specs: what each kind requires, the JSON Pointer and sentence of
// every violation, and the round trip through sourceSpecToJson.

#include "core/source_spec.h"
#include "tests/support/json_compare.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using nlohmann::json;

Q_DECLARE_METATYPE(std::string)

namespace {

json hubspot() {
    return {{"name", "hubspot-prod"},
            {"kind", "hubspot"},
            {"tenant", "acme"},
            {"secrets", {"hs-client-secret-8f2c1d"}},
            {"public_url", "https://mesh.example.com/v1/hooks/hubspot-prod"}};
}

json salesforce() {
    return {{"name", "sf.northwind"},
            {"kind", "salesforce-outbound"},
            {"tenant", "acme"},
            {"organization_id", "00D5g000004ABCDEA2"}};
}

json segment() {
    return {{"name", "segment"}, {"kind", "segment"}, {"tenant", "acme"}, {"secrets", {"seg-1"}}};
}

json generic(json verification = {{"scheme", "standard-webhooks"}}) {
    return {{"name", "orders_2"},
            {"kind", "generic"},
            {"tenant", "acme"},
            {"secrets", {"whsec_bWVzaGRlY2stb3V0Ym91bmQta2V5LTAxMjM0NTY3ODlhYg=="}},
            {"event_id_pointer", "/id"},
            {"verification", verification}};
}

// `base` with `changes` merged in (RFC 7386: null removes a member).
json with(json base, const json& changes) {
    base.merge_patch(changes);
    return base;
}

} // namespace

class SourceSpecTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void validSpecs_data() {
        QTest::addColumn<std::string>("text");
        QTest::addRow("hubspot") << hubspot().dump();
        QTest::addRow("hubspot, everything given")
            << with(hubspot(), {{"secrets", {"old", "new"}},
                                {"producer", "hubspot"},
                                {"mapping", "hubspot-custom.json"},
                                {"description", "Northwind's portal"},
                                {"max_body_bytes", 2097152},
                                {"rate_limit", {{"per_second", 20.5}, {"burst", 40}}},
                                {"timestamp_tolerance_s", 120},
                                {"public_url", "http://10.0.0.5:8080/v1/hooks/hubspot-prod?x=%3A"}})
                   .dump();
        QTest::addRow("salesforce-outbound") << salesforce().dump();
        QTest::addRow("salesforce-outbound, 15 characters, empty secrets")
            << with(salesforce(),
                    {{"organization_id", "00D5g000004ABCD"}, {"secrets", json::array()}})
                   .dump();
        QTest::addRow("segment") << segment().dump();
        QTest::addRow("generic, standard-webhooks, batch")
            << with(generic(), {{"batch_pointer", "/data/items"}}).dump();
        QTest::addRow("generic, standard-webhooks, plain secret")
            << with(generic(), {{"secrets", {"a-shared-password"}}}).dump();
        QTest::addRow("generic, hmac, defaults")
            << with(generic({{"scheme", "hmac"}}), {{"secrets", {"hmac-secret-1"}}}).dump();
        QTest::addRow("generic, hmac, everything")
            << with(generic({{"scheme", "hmac"},
                             {"header", "X-Hub-Signature-256"},
                             {"algorithm", "sha512"},
                             {"encoding", "base64"},
                             {"prefix", "sha512="},
                             {"signed_content", "timestamp.body"},
                             {"timestamp_header", "X-Hub-Timestamp"}}),
                    {{"secrets", {"hmac-secret-1", "hmac-secret-2"}}})
                   .dump();
        QTest::addRow("generic, header")
            << with(generic({{"scheme", "header"}, {"header", "x-hook-token"}}),
                    {{"secrets", {"header-token-1"}}})
                   .dump();
    }

    void validSpecs() {
        QFETCH(std::string, text);
        const ParsedSource parsed = parseSourceSpec(text);
        QVERIFY2(parsed.violations.empty(), describe(parsed.violations).c_str());
        QVERIFY(parsed.spec);
        const SourceSpec& spec = *parsed.spec;

        // Round trip: the JSON written reads back as the same spec.
        const ParsedSource again = parseSourceSpec(sourceSpecToJson(spec, false));
        QVERIFY2(again.violations.empty(), describe(again.violations).c_str());
        QVERIFY(again.spec == spec);

        // Masked: every secret is "********" (the count stays), none appears.
        const std::string masked = sourceSpecToJson(spec, true);
        const json maskedJson = json::parse(masked);
        for (const std::string& secret : spec.secrets)
            QVERIFY(masked.find(secret) == std::string::npos);
        if (spec.kind != SourceKind::SalesforceOutbound)
            QCOMPARE_JSON(maskedJson["secrets"],
                          json(std::vector<std::string>(spec.secrets.size(), "********")));
    }

    void defaultsAndValues() {
        const SourceSpec hs = *parseSourceSpec(hubspot().dump()).spec;
        QCOMPARE(hs.name, std::string("hubspot-prod"));
        QVERIFY(hs.kind == SourceKind::HubSpot);
        QCOMPARE(hs.tenant, std::string("acme"));
        QCOMPARE(hs.producer, std::string("hubspot-prod")); // the name unless given
        QCOMPARE(hs.mapping, std::string());
        QCOMPARE(hs.maxBodyBytes, std::size_t(1 << 20));
        QCOMPARE(hs.ratePerSecond, 50.0);
        QCOMPARE(hs.burst, 100.0);
        QCOMPARE(hs.timestampTolerance, std::chrono::seconds(300));
        QCOMPARE(hs.publicUrl, std::string("https://mesh.example.com/v1/hooks/hubspot-prod"));
        QCOMPARE(hs.secrets, std::vector<std::string>{"hs-client-secret-8f2c1d"});

        // A rate without a burst gets two seconds' worth.
        const SourceSpec rated =
            *parseSourceSpec(with(segment(), {{"rate_limit", {{"per_second", 5}}}}).dump()).spec;
        QCOMPARE(rated.ratePerSecond, 5.0);
        QCOMPARE(rated.burst, 10.0);

        const SourceSpec sf = *parseSourceSpec(salesforce().dump()).spec;
        QCOMPARE(sf.organizationId, std::string("00D5g000004ABCDEA2"));
        QVERIFY(sf.secrets.empty());

        // Header names are kept in lower case, as HookRequest holds them.
        const SourceSpec h = *parseSourceSpec(generic({{"scheme", "hmac"},
                                                       {"header", "X-Hub-Signature-256"},
                                                       {"signed_content", "timestamp.body"},
                                                       {"timestamp_header", "X-Hub-Timestamp"}})
                                                  .dump())
                                  .spec;
        QVERIFY(h.verification == GenericVerification::Hmac);
        QCOMPARE(h.hmac.header, std::string("x-hub-signature-256"));
        QCOMPARE(h.hmac.timestampHeader, std::string("x-hub-timestamp"));
        QCOMPARE(h.hmac.algorithm, std::string("sha256"));
        QCOMPARE(h.hmac.encoding, std::string("hex"));
        QCOMPARE(h.hmac.signedContent, std::string("timestamp.body"));
        QCOMPARE(h.eventIdPointer, std::string("/id"));
    }

    void maskedJsonShape() {
        const SourceSpec spec =
            *parseSourceSpec(with(hubspot(), {{"secrets", {"one-secret", "two-secret"}}}).dump())
                 .spec;
        const json masked = json::parse(sourceSpecToJson(spec, true));
        QCOMPARE_JSON(masked["secrets"], json({"********", "********"}));
        const json plain = json::parse(sourceSpecToJson(spec, false));
        QCOMPARE_JSON(plain["secrets"], json({"one-secret", "two-secret"}));
        QCOMPARE_JSON(plain["kind"], json("hubspot"));
        QCOMPARE_JSON(plain["rate_limit"], json({{"per_second", 50.0}, {"burst", 100.0}}));
        QVERIFY(!plain.contains("origin")); // set by whoever loads the spec
    }

    void violations_data() {
        QTest::addColumn<std::string>("text");
        QTest::addColumn<std::string>("path");
        QTest::addColumn<std::string>("message");

        const auto row = [](const char* name, const json& spec, const char* path,
                            const std::string& message) {
            QTest::addRow("%s", name) << spec.dump() << std::string(path) << message;
        };
        // Common fields.
        row("name missing", with(segment(), {{"name", nullptr}}), "/name", "required, but missing");
        row("name a number", with(segment(), {{"name", 42}}), "/name", "expected a string, got 42");
        const std::string nameRule =
            "expected 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter "
            "or digit (it is the URL segment of /v1/hooks/{name}), got ";
        row("name with capitals", with(segment(), {{"name", "HubSpot"}}), "/name",
            nameRule + "\"HubSpot\"");
        row("name with a slash", with(segment(), {{"name", "a/b"}}), "/name", nameRule + "\"a/b\"");
        row("name starting with a dash", with(segment(), {{"name", "-seg"}}), "/name",
            nameRule + "\"-seg\"");
        row("name of 65 characters", with(segment(), {{"name", std::string(65, 'a')}}), "/name",
            nameRule + "\"" + std::string(60, 'a') + "...\"");
        row("kind missing", with(segment(), {{"kind", nullptr}}), "/kind", "required, but missing");
        row("kind unknown", with(segment(), {{"kind", "zapier"}}), "/kind",
            "expected hubspot, salesforce-outbound, segment or generic; got \"zapier\"");
        row("tenant missing", with(segment(), {{"tenant", nullptr}}), "/tenant",
            "required, but missing");
        row("tenant every tenant", with(segment(), {{"tenant", "*"}}), "/tenant",
            "expected the tenant every event from this source belongs to, such as \"acme\", got "
            "\"*\"");
        row("producer empty", with(segment(), {{"producer", ""}}), "/producer",
            "expected the producer name of the events, such as \"hubspot\", got \"\"");
        row("max_body_bytes too small", with(segment(), {{"max_body_bytes", 10}}),
            "/max_body_bytes", "expected 1024 to 67108864 bytes, got 10");
        row("max_body_bytes a string", with(segment(), {{"max_body_bytes", "1MB"}}),
            "/max_body_bytes", "expected an integer, got \"1MB\"");
        row("rate per_second 0", with(segment(), {{"rate_limit", {{"per_second", 0}}}}),
            "/rate_limit/per_second",
            "expected requests per second above 0 and at most 1000000, got 0");
        row("rate burst a string", with(segment(), {{"rate_limit", {{"burst", "lots"}}}}),
            "/rate_limit/burst", "expected a number, got \"lots\"");
        row("rate burst below 1", with(segment(), {{"rate_limit", {{"burst", 0.5}}}}),
            "/rate_limit/burst", "expected a burst of 1 to 1000000 requests, got 0.5");
        row("rate unknown field", with(segment(), {{"rate_limit", {{"per_minute", 60}}}}),
            "/rate_limit/per_minute", "unknown field; expected one of per_second, burst");
        row("rate not an object", with(segment(), {{"rate_limit", 5}}), "/rate_limit",
            "expected an object, got 5");
        row("tolerance 0", with(segment(), {{"timestamp_tolerance_s", 0}}),
            "/timestamp_tolerance_s", "expected 1 to 3600 seconds, got 0");
        row("unknown field", with(segment(), {{"secret", "x"}}), "/secret",
            "unknown field; expected one of name, kind, tenant, secrets, producer, mapping, "
            "description, max_body_bytes, rate_limit, timestamp_tolerance_s, public_url, "
            "organization_id, event_id_pointer, batch_pointer, verification");
        // Secrets.
        row("secrets a string", with(segment(), {{"secrets", "abc"}}), "/secrets",
            "expected an array of secrets, such as [\"<client secret>\"], got a string");
        row("secrets empty", with(segment(), {{"secrets", json::array()}}), "/secrets",
            "expected at least one secret, got an empty array");
        row("a secret a number", with(segment(), {{"secrets", {"ok", 42}}}), "/secrets/1",
            "expected a secret as a string, got an integer");
        row("a secret empty", with(segment(), {{"secrets", {""}}}), "/secrets/0",
            "expected a secret, got \"\"");
        row("nine secrets", with(segment(), {{"secrets", std::vector<std::string>(9, "s")}}),
            "/secrets", "expected at most 8 secrets (two while rotating), got 9");
        // hubspot
        row("hubspot without secrets", with(hubspot(), {{"secrets", nullptr}}), "/secrets",
            "required: the HubSpot app's client secret, which signs every webhook (give the old "
            "and "
            "the new one while rotating)");
        row("hubspot without public_url", with(hubspot(), {{"public_url", nullptr}}), "/public_url",
            "required: the URL HubSpot calls, such as "
            "https://mesh.example.com/v1/hooks/hubspot-prod "
            "(HubSpot signs it, and behind a proxy meshd cannot know it)");
        const std::string urlRule = "expected an absolute http:// or https:// URL with a host and "
                                    "no spaces or fragment, got ";
        row("hubspot public_url relative", with(hubspot(), {{"public_url", "/v1/hooks/hubspot"}}),
            "/public_url", urlRule + "\"/v1/hooks/hubspot\"");
        row("hubspot public_url ftp", with(hubspot(), {{"public_url", "ftp://mesh.example.com/x"}}),
            "/public_url", urlRule + "\"ftp://mesh.example.com/x\"");
        row("hubspot public_url without host",
            with(hubspot(), {{"public_url", "https:///v1/hooks"}}), "/public_url",
            urlRule + "\"https:///v1/hooks\"");
        row("hubspot public_url with a space",
            with(hubspot(), {{"public_url", "https://a.example/x y"}}), "/public_url",
            urlRule + "\"https://a.example/x y\"");
        row("hubspot public_url with a fragment",
            with(hubspot(), {{"public_url", "https://a.example/x#y"}}), "/public_url",
            urlRule + "\"https://a.example/x#y\"");
        // salesforce-outbound
        row("salesforce without organization_id",
            with(salesforce(), {{"organization_id", nullptr}}), "/organization_id",
            "required, but missing");
        const std::string orgRule =
            "expected the Salesforce organization id (15 or 18 letters and "
            "digits starting with 00D, under Setup > Company Information), got ";
        row("salesforce organization_id short",
            with(salesforce(), {{"organization_id", "00D12345"}}), "/organization_id",
            orgRule + "\"00D12345\"");
        row("salesforce organization_id a user id",
            with(salesforce(), {{"organization_id", "0055g00000B7cdeAAB"}}), "/organization_id",
            orgRule + "\"0055g00000B7cdeAAB\"");
        row("salesforce organization_id with a dash",
            with(salesforce(), {{"organization_id", "00D5g000004ABC-EA2"}}), "/organization_id",
            orgRule + "\"00D5g000004ABC-EA2\"");
        row("salesforce with a secret", with(salesforce(), {{"secrets", {"x"}}}), "/secrets",
            "Salesforce signs no Outbound Message, so a secret has nothing to verify; remove it "
            "(messages are checked against organization_id)");
        // segment
        row("segment without secrets", with(segment(), {{"secrets", nullptr}}), "/secrets",
            "required: the shared secret set in the settings of Segment's Webhooks destination");
        row("segment with public_url", with(segment(), {{"public_url", "https://a.example/x"}}),
            "/public_url", "applies to kind hubspot only, not to segment");
        row("hubspot with organization_id",
            with(hubspot(), {{"organization_id", "00D5g000004ABCD"}}), "/organization_id",
            "applies to kind salesforce-outbound only, not to hubspot");
        row("segment with verification", with(segment(), {{"verification", {{"scheme", "hmac"}}}}),
            "/verification", "applies to kind generic only, not to segment");
        // generic
        row("generic without secrets", with(generic(), {{"secrets", nullptr}}), "/secrets",
            "required: at least one secret to verify the vendor's requests with");
        row("generic without event_id_pointer", with(generic(), {{"event_id_pointer", nullptr}}),
            "/event_id_pointer", "required, but missing");
        row("generic event_id_pointer without slash", with(generic(), {{"event_id_pointer", "id"}}),
            "/event_id_pointer", "expected a JSON Pointer such as /id or /data/0/id, got \"id\"");
        row("generic event_id_pointer empty", with(generic(), {{"event_id_pointer", ""}}),
            "/event_id_pointer", "expected a JSON Pointer such as /id or /data/0/id, got \"\"");
        row("generic batch_pointer bad escape", with(generic(), {{"batch_pointer", "/a~2b"}}),
            "/batch_pointer", "expected a JSON Pointer such as /id or /data/0/id, got \"/a~2b\"");
        row("generic without verification", with(generic(), {{"verification", nullptr}}),
            "/verification",
            "required: how requests are verified, e.g. {\"scheme\": \"standard-webhooks\"}, "
            "{\"scheme\": \"hmac\", \"header\": \"x-signature\", \"algorithm\": \"sha256\", "
            "\"encoding\": \"hex\"} or {\"scheme\": \"header\", \"header\": \"x-hook-token\"}");
        row("generic verification not an object", with(generic(), {{"verification", "hmac"}}),
            "/verification", "expected an object, got \"hmac\"");
        row("generic scheme missing", generic({{"header", "x"}}), "/verification/scheme",
            "required, but missing");
        row("generic scheme unknown", generic({{"scheme", "rsa"}}), "/verification/scheme",
            "expected standard-webhooks, hmac or header; got \"rsa\"");
        row("generic standard-webhooks secret not base64",
            with(generic(), {{"secrets", {"whsec_not*base64"}}}), "/secrets/0",
            "the secret starts with \"whsec_\", but what follows is not the base64 of a key; copy "
            "the secret again exactly as the vendor shows it");
        row("generic standard-webhooks with algorithm",
            generic({{"scheme", "standard-webhooks"}, {"algorithm", "sha1"}}),
            "/verification/algorithm", "applies to scheme hmac only, not to standard-webhooks");
        row("generic standard-webhooks with header",
            generic({{"scheme", "standard-webhooks"}, {"header", "x-sig"}}), "/verification/header",
            "applies to scheme hmac or header only, not to standard-webhooks");
        row("generic hmac algorithm md5", generic({{"scheme", "hmac"}, {"algorithm", "md5"}}),
            "/verification/algorithm", "expected sha1, sha256 or sha512; got \"md5\"");
        row("generic hmac encoding base32", generic({{"scheme", "hmac"}, {"encoding", "base32"}}),
            "/verification/encoding", "expected hex or base64; got \"base32\"");
        row("generic hmac signed_content unknown",
            generic({{"scheme", "hmac"}, {"signed_content", "headers.body"}}),
            "/verification/signed_content",
            "expected body or timestamp.body; got \"headers.body\"");
        row("generic hmac timestamp.body without timestamp_header",
            generic({{"scheme", "hmac"}, {"signed_content", "timestamp.body"}}),
            "/verification/timestamp_header", "required, but missing");
        row("generic hmac timestamp_header with body",
            generic({{"scheme", "hmac"}, {"timestamp_header", "x-ts"}}),
            "/verification/timestamp_header", "applies only when signed_content is timestamp.body");
        row("generic hmac header with a space", generic({{"scheme", "hmac"}, {"header", "x sig"}}),
            "/verification/header",
            "expected an HTTP header name such as x-signature, got \"x sig\"");
        row("generic hmac prefix a number", generic({{"scheme", "hmac"}, {"prefix", 1}}),
            "/verification/prefix", "expected a string, got 1");
        row("generic hmac unknown field", generic({{"scheme", "hmac"}, {"digest", "sha1"}}),
            "/verification/digest",
            "unknown field; expected one of scheme, header, algorithm, encoding, prefix, "
            "signed_content, timestamp_header");
        row("generic header without header", generic({{"scheme", "header"}}),
            "/verification/header", "required, but missing");
        row("generic header with encoding",
            generic({{"scheme", "header"}, {"header", "x-t"}, {"encoding", "hex"}}),
            "/verification/encoding", "applies to scheme hmac only, not to header");
    }

    void violations() {
        QFETCH(std::string, text);
        QFETCH(std::string, path);
        QFETCH(std::string, message);
        const ParsedSource parsed = parseSourceSpec(text);
        QVERIFY(!parsed.spec);
        QVERIFY2(test::hasPath(parsed.violations, path), describe(parsed.violations).c_str());
        QCOMPARE(test::messageAt(parsed.violations, path), message);
        // Only the field at fault is reported.
        QCOMPARE(parsed.violations.size(), std::size_t(1));
    }

    void violationsCarryThePrefix() {
        const ParsedSource parsed =
            parseSourceSpec(with(segment(), {{"kind", "zapier"}}).dump(), "/sources/1");
        QCOMPARE(test::messageAt(parsed.violations, "/sources/1/kind"),
                 std::string(
                     "expected hubspot, salesforce-outbound, segment or generic; got \"zapier\""));
        const ParsedSource nested =
            parseSourceSpec(generic({{"scheme", "rsa"}}).dump(), "/sources/0");
        QVERIFY(test::hasPath(nested.violations, "/sources/0/verification/scheme"));
    }

    void everyProblemAtOnce() {
        const ParsedSource parsed =
            parseSourceSpec(R"({"name": "Bad Name", "kind": "hubspot", "tenant": "",
                                "public_url": "nope", "max_body_bytes": 1})");
        QVERIFY(!parsed.spec);
        for (const char* path : {"/name", "/tenant", "/public_url", "/max_body_bytes", "/secrets"})
            QVERIFY2(test::hasPath(parsed.violations, path), path);
        QCOMPARE(parsed.violations.size(), std::size_t(5));
    }

    void notASpec_data() {
        QTest::addColumn<std::string>("text");
        QTest::addColumn<std::string>("message");
        QTest::addRow("an array") << std::string("[]")
                                  << std::string("expected a source object, got an empty array");
        QTest::addRow("a string") << std::string("\"hubspot\"")
                                  << std::string("expected a source object, got \"hubspot\"");
        QTest::addRow("not JSON")
            << std::string("{name: hubspot}")
            << std::string("the source is not valid JSON: parse error at line 1, column 3: syntax "
                           "error while "
                           "parsing object key - invalid literal; last read: "
                           "'{na'; expected string literal");
        QTest::addRow("too deep") << "{\"name\":" + std::string(100, '[') + std::string(100, ']') +
                                         "}"
                                  << std::string("the source: the JSON text nests deeper than 64 "
                                                 "levels (at byte 71); flatten it, or raise "
                                                 "limits.json_depth in meshd's config");
    }

    void notASpec() {
        QFETCH(std::string, text);
        QFETCH(std::string, message);
        const ParsedSource parsed = parseSourceSpec(text);
        QVERIFY(!parsed.spec);
        QCOMPARE(parsed.violations.size(), std::size_t(1));
        QCOMPARE(parsed.violations[0].path, std::string());
        QCOMPARE(parsed.violations[0].message, message);
    }

    void kindWords() {
        for (SourceKind kind : {SourceKind::HubSpot, SourceKind::SalesforceOutbound,
                                SourceKind::Segment, SourceKind::Generic})
            QVERIFY(parseSourceKind(toString(kind)) == kind);
        QCOMPARE(toString(SourceKind::SalesforceOutbound), std::string_view("salesforce-outbound"));
        QVERIFY(!parseSourceKind("HubSpot"));
        QCOMPARE(toString(GenericVerification::SharedHeader), std::string_view("header"));
        QVERIFY(parseGenericVerification("standard-webhooks") ==
                GenericVerification::StandardWebhooks);
    }
};

QTEST_GUILESS_MAIN(SourceSpecTest)
#include "tst_source_spec.moc"
