// Vendor webhooks end to end: a real broker on 127.0.0.1, sources created
// through /v1/sources, vendor requests (the fixtures, and vectors signed here
// with secrets of our own) posted to /v1/hooks/{source} without a token, and
// a consumer's real HTTP sink receiving the canonical events. Time is a
// FakeClock set to the fixtures' instant, so their signatures verify as
// recorded.

#include "core/time.h"
#include "tests/support/http_compare.h"
#include "tests/support/sink_server.h"
#include "tests/support/test_broker.h"
#include "tests/support/test_support.h"

#include <QtTest/QTest>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

using namespace meshdeck;
using meshdeck::test::SinkServer;
using meshdeck::test::TestBroker;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const json& hubspotVector() {
    static const json v =
        json::parse(test::readFixture(QStringLiteral("hubspot/signature-v3.json")));
    return v;
}
const json& segmentVector() {
    static const json v = json::parse(test::readFixture(QStringLiteral("segment/signature.json")));
    return v;
}

// The fixtures' instant: one second after HubSpot's recorded timestamp.
Timestamp fixtureNow() {
    return fromUnixMillis(
        std::stoll(hubspotVector()["headers"]["X-HubSpot-Request-Timestamp"].get<std::string>()) +
        1000);
}

std::string hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
}

std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// What HubSpot sends for `body` at `now`, signed v3 with `secret`.
std::map<std::string, std::string> hubspotHeaders(const std::string& secret, const std::string& uri,
                                                  const std::string& body, Timestamp now) {
    const std::string ts = std::to_string(toUnixMillis(now));
    return {
        {"content-type", "application/json"},
        {"x-hubspot-request-timestamp", ts},
        {"x-hubspot-signature-v3", base64(hmac(EVP_sha256(), secret, "POST" + uri + body + ts))}};
}

json hubspotEvent(std::int64_t eventId, std::int64_t objectId, std::int64_t occurredAt,
                  const std::string& type, const std::string& property = {},
                  const std::string& value = {}) {
    json e{{"eventId", eventId}, {"subscriptionId", 2204511}, {"portalId", 62515},
           {"appId", 54321},     {"occurredAt", occurredAt},  {"subscriptionType", type},
           {"attemptNumber", 0}, {"objectId", objectId},      {"changeSource", "CRM"}};
    if (!property.empty()) {
        e["propertyName"] = property;
        e["propertyValue"] = value;
    }
    return e;
}

std::vector<json> deliveredEvents(const SinkServer& sink) {
    std::vector<json> out;
    for (const auto& r : sink.requests())
        out.push_back(json::parse(r.body, nullptr, false));
    return out;
}

} // namespace

class HooksTest : public QObject {
    Q_OBJECT

private:
    FakeClock clock{fixtureNow()};
    std::unique_ptr<TestBroker> mesh;
    std::unique_ptr<SinkServer> sink;
    std::string admin;       // acme's admin
    std::string globexAdmin; // another tenant's
    std::string hubspotUri;  // the public URL of source "hubspot"
    std::string hubspotSecret;

    HttpResult as(const std::string& token, const std::string& method, const std::string& target,
                  const std::string& body = {},
                  std::map<std::string, std::string> headers = {
                      {"content-type", "application/json"}}) {
        return mesh->client(token).request(method, target, body, headers);
    }
    // A vendor has no token.
    HttpResult hook(const std::string& source, const std::string& body,
                    std::map<std::string, std::string> headers) {
        return mesh->client("").request("POST", "/v1/hooks/" + source, body, headers);
    }
    HttpResult hubspot(const std::string& body) {
        return hook("hubspot", body, hubspotHeaders(hubspotSecret, hubspotUri, body, clock.now()));
    }
    json source(const std::string& name) {
        return json::parse(as(admin, "GET", "/v1/sources/" + name).body);
    }
    std::int64_t eventCount(const std::string& query = {}) {
        const auto r = as(admin, "GET", "/v1/events?tenant=acme&limit=1000" + query);
        return static_cast<std::int64_t>(json::parse(r.body)["events"].size());
    }
    json quarantine() {
        return json::parse(as(admin, "GET", "/v1/quarantine?limit=100").body)["entries"];
    }

private Q_SLOTS:
    void initTestCase() {
        mesh = std::make_unique<TestBroker>(BrokerConfig{}, clock);
        sink = std::make_unique<SinkServer>();
        admin = mesh->token(Role::Admin, "acme");
        globexAdmin = mesh->token(Role::Admin, "globex");
        hubspotUri = hubspotVector()["uri"];
        hubspotSecret = hubspotVector()["client_secret"];
        QCOMPARE_HTTP(as(admin, "PUT", "/v1/sources/hubspot",
                         json{{"kind", "hubspot"},
                              {"secrets", {hubspotSecret}},
                              {"public_url", hubspotUri},
                              {"producer", "hubspot"}}
                             .dump()),
                      201);
        QCOMPARE_HTTP(as(admin, "PUT", "/v1/sources/segment",
                         json{{"kind", "segment"},
                              {"secrets", {segmentVector()["shared_secret"]}},
                              {"producer", "segment"}}
                             .dump()),
                      201);
        QCOMPARE_HTTP(as(admin, "PUT", "/v1/sources/salesforce",
                         json{{"kind", "salesforce-outbound"},
                              {"organization_id", "00D5g000004ABCDEA2"},
                              {"producer", "salesforce"}}
                             .dump()),
                      201);
        const json consumer{
            {"name", "crm-sync"},
            {"filter",
             {{"tenant", "acme"},
              {"event_types",
               {"LeadCreated", "LeadQualified", "LeadStatusChanged", "LeadScored", "DemoBooked"}}}},
            {"sink", {{"type", "webhook"}, {"url", sink->url()}}},
            // Vendor versions are the vendor's clock, not a counter: a jump is
            // no missing predecessor, so nothing waits for one; stale versions
            // are still skipped.
            {"gap_timeout_ms", 0}};
        QCOMPARE_HTTP(as(admin, "POST", "/v1/consumers", consumer.dump()), 201);
    }
    void cleanupTestCase() {
        mesh.reset();
        sink.reset();
    }
    void init() { sink->clear(); }

    // The recorded HubSpot batch, with its recorded signature, becomes three
    // canonical events that reach the consumer in order; the same batch again
    // (HubSpot retries) is answered as success and stored once.
    void hubspotBatchReachesTheConsumerOnce() {
        const std::string body = test::readFixture(QStringLiteral("hubspot/contact-events.json"));
        std::map<std::string, std::string> headers;
        for (const auto& [k, v] : hubspotVector()["headers"].items())
            headers[k] = v.get<std::string>();
        const auto first = hook("hubspot", body, headers);
        QCOMPARE_HTTP(first, 200);
        const json answer = json::parse(first.body);
        QCOMPARE(answer["accepted"].get<int>(), 3);
        QCOMPARE(answer["duplicates"].get<int>(), 0);
        QVERIFY(sink->waitForRequests(3, 10s));
        const auto delivered = deliveredEvents(*sink);
        QCOMPARE(delivered.size(), std::size_t(3));
        QCOMPARE(delivered[0]["event_type"].get<std::string>(), std::string("LeadCreated"));
        QCOMPARE(delivered[1]["event_type"].get<std::string>(), std::string("LeadQualified"));
        QCOMPARE(delivered[2]["event_type"].get<std::string>(), std::string("LeadStatusChanged"));
        for (const auto& e : delivered) {
            QCOMPARE(e["tenant_id"].get<std::string>(), std::string("acme"));
            QCOMPARE(e["producer"].get<std::string>(), std::string("hubspot"));
        }
        // The entity version is HubSpot's own clock, so a late retry meets the gate.
        QCOMPARE(delivered[1]["entity"]["version"].get<std::int64_t>(), 1764234844250LL);

        const auto again = hook("hubspot", body, headers);
        QCOMPARE_HTTP(again, 200);
        QCOMPARE(json::parse(again.body)["duplicates"].get<int>(), 3);
        QCOMPARE(json::parse(again.body)["accepted"].get<int>(), 0);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(json::parse(again.body)["results"][i]["event_id"].get<std::string>(),
                     answer["results"][i]["event_id"].get<std::string>());
        QVERIFY(!sink->waitForRequests(4, 500ms));

        // The same counters in /metrics.
        const std::string metrics = as(admin, "GET", "/metrics").body;
        QVERIFY2(metrics.find(
                     "meshdeck_source_duplicates_total{source=\"hubspot\",kind=\"hubspot\"} 3") !=
                     std::string::npos,
                 metrics.c_str());
        const json counters = source("hubspot")["counters"];
        QVERIFY(counters["requests"].get<int>() >= 2);
        QVERIFY(counters["mapped"].get<int>() >= 6);
        QVERIFY(counters["duplicates"].get<int>() >= 3);
    }

    // A tampered body, a missing signature, another secret and a stale
    // timestamp are all 401 with the reason; each is kept in quarantine
    // under the source's tenant, and no secret appears anywhere.
    void badSignaturesAreRefusedAndKept() {
        const std::string body = test::readFixture(QStringLiteral("hubspot/contact-events.json"));
        const auto before = eventCount();
        const auto rejectedBefore = source("hubspot")["counters"]["rejected_signature"].get<int>();

        std::string tampered = body;
        tampered[tampered.find("FORM")] = 'X';
        auto headers = hubspotHeaders(hubspotSecret, hubspotUri, body, clock.now());
        const auto r1 = hook("hubspot", tampered, headers);
        QCOMPARE_HTTP(r1, 401);
        QVERIFY2(r1.headers.at("content-type").starts_with("application/problem+json"),
                 r1.headers.at("content-type").c_str());

        auto unsigned_ = headers;
        unsigned_.erase("x-hubspot-signature-v3");
        const auto r2 = hook("hubspot", body, unsigned_);
        QCOMPARE_HTTP(r2, 401);
        QVERIFY2(json::parse(r2.body)["detail"].get<std::string>().find("X-HubSpot-Signature-v3") !=
                     std::string::npos,
                 r2.body.c_str());

        const auto r3 = hook("hubspot", body,
                             hubspotHeaders("another-apps-secret", hubspotUri, body, clock.now()));
        QCOMPARE_HTTP(r3, 401);

        // Signed correctly, but six minutes ago.
        const auto r4 = hook("hubspot", body,
                             hubspotHeaders(hubspotSecret, hubspotUri, body, clock.now() - 6min));
        QCOMPARE_HTTP(r4, 401);
        QVERIFY2(json::parse(r4.body)["type"].get<std::string>().ends_with("stale-timestamp"),
                 r4.body.c_str());

        // A meshdeck token does not replace the vendor's signature.
        auto withToken = unsigned_;
        withToken["authorization"] = "Bearer " + mesh->adminToken;
        QCOMPARE_HTTP(hook("hubspot", body, withToken), 401);

        QCOMPARE(eventCount(), before);
        QCOMPARE(source("hubspot")["counters"]["rejected_signature"].get<int>(),
                 rejectedBefore + 5);
        const json kept = quarantine();
        int signatureEntries = 0;
        for (const auto& e : kept) {
            const std::string text = e.dump();
            QVERIFY2(text.find(hubspotSecret) == std::string::npos, "a secret was kept");
            if (e["source"] == "POST /v1/hooks/hubspot" &&
                (e["reason"] == "signature" || e["reason"] == "stale-timestamp"))
                ++signatureEntries;
        }
        QVERIFY2(signatureEntries >= 5, kept.dump().c_str());
        for (const auto& r : {r1, r2, r3, r4})
            QVERIFY(r.body.find(hubspotSecret) == std::string::npos);
        QVERIFY(!source("hubspot")["last_error"].get<std::string>().empty());
    }

    // A source's rate is its own: past the burst, 429 with Retry-After, and
    // the other sources go on. The clock stands still, so the count is exact.
    void aSourceOverItsRateIsToldWhenToRetry() {
        QCOMPARE_HTTP(as(admin, "PUT", "/v1/sources/slow",
                         json{{"kind", "segment"},
                              {"secrets", {"slow-secret"}},
                              {"rate_limit", {{"per_second", 1}, {"burst", 2}}}}
                             .dump()),
                      201);
        // A page view: ignored by the rules, so it touches no entity.
        const std::string body = R"({"type":"page","messageId":"rate-1","name":"Pricing"})";
        const std::map<std::string, std::string> headers{
            {"x-signature", hex(hmac(EVP_sha1(), "slow-secret", body))}};
        QCOMPARE_HTTP(hook("slow", body, headers), 200);
        QCOMPARE_HTTP(hook("slow", body, headers), 200);
        const auto third = hook("slow", body, headers);
        QCOMPARE_HTTP(third, 429);
        QCOMPARE(third.headers.at("retry-after"), std::string("1"));
        // Another source's budget is its own: an unsigned request there is
        // judged on its signature, not refused for this one's rate.
        QCOMPARE_HTTP(hook("segment", "{}", {}), 401);
    }

    void unknownSourceIsAPlainNotFound() {
        const auto r = hook("nobody", "[]", {{"content-type", "application/json"}});
        QCOMPARE_HTTP(r, 404);
    }

    // One event of a batch that no rule maps goes to quarantine with the
    // reason; the others are stored, and the vendor gets a success.
    void aBatchWithOneUnmappableEvent() {
        const std::int64_t t = toUnixMillis(clock.now());
        const json batch = json::array(
            {hubspotEvent(5001, 7001, t - 3000, "contact.creation"),
             hubspotEvent(5002, 7001, t - 2000, "ticket.creation"),
             hubspotEvent(5003, 7001, t - 1000, "contact.propertyChange", "hubspotscore", "72"),
             hubspotEvent(5004, 7001, t - 500, "contact.merge")});
        const auto r = hubspot(batch.dump());
        QCOMPARE_HTTP(r, 200);
        const json answer = json::parse(r.body);
        QCOMPARE(answer["accepted"].get<int>(), 2);
        QCOMPARE(answer["quarantined"].get<int>(), 1);
        // Ignored on purpose by a rule: counted, not kept.
        QCOMPARE(answer["ignored"].get<int>(), 1);
        QCOMPARE(answer["results"][3]["outcome"].get<std::string>(), std::string("ignored"));
        QCOMPARE(answer["results"][1]["outcome"].get<std::string>(), std::string("quarantined"));
        QCOMPARE(answer["results"][2]["event_type"].get<std::string>(), std::string("LeadScored"));
        bool found = false;
        for (const auto& e : quarantine()) {
            if (e["source"] != "POST /v1/hooks/hubspot" || e["reason"] != "no-match")
                continue;
            const json& detail = e["problem"];
            if (detail["vendor_id"] == "5002") {
                found = true;
                QVERIFY2(!detail["reason"].get<std::string>().empty(), detail.dump().c_str());
                QVERIFY2(e.dump().find("ticket.creation") != std::string::npos, e.dump().c_str());
            }
        }
        QVERIFY2(found, quarantine().dump().c_str());
    }

    // HubSpot retries late: a lead status change that happened before the
    // qualification the consumer already has is recorded stale, not sent.
    void aLateVendorRetryMeetsTheVersionGate() {
        const std::int64_t t = toUnixMillis(clock.now());
        const json newer = json::array({hubspotEvent(6002, 8001, t - 1000, "contact.propertyChange",
                                                     "lifecyclestage", "salesqualifiedlead")});
        const json older = json::array({hubspotEvent(6001, 8001, t - 5000, "contact.propertyChange",
                                                     "hs_lead_status", "NEW")});
        // Other tests' deliveries may still arrive: count lead 8001's only.
        const auto deliveredOf8001 = [&] {
            std::vector<json> out;
            for (auto& e : deliveredEvents(*sink))
                if (e["entity"]["id"] == "8001")
                    out.push_back(std::move(e));
            return out;
        };
        const auto staleSkipped = [&] {
            const json c = json::parse(as(admin, "GET", "/v1/consumers/crm-sync").body);
            return c["totals"]["stale_skipped"].get<std::int64_t>();
        };
        const auto staleBefore = staleSkipped();
        QCOMPARE_HTTP(hubspot(newer.dump()), 200);
        QTRY_COMPARE_WITH_TIMEOUT(deliveredOf8001().size(), std::size_t(1), 10000);
        QCOMPARE_HTTP(hubspot(older.dump()), 200);
        // The gate has judged the older version once it counts it stale.
        QTRY_COMPARE_WITH_TIMEOUT(staleSkipped(), staleBefore + 1, 10000);
        const auto delivered = deliveredOf8001();
        QCOMPARE(delivered.size(), std::size_t(1));
        QCOMPARE(delivered[0]["event_type"].get<std::string>(), std::string("LeadQualified"));
        // Both are in the log: nothing a vendor sent is lost.
        QCOMPARE(eventCount("&entity=lead:8001"), std::int64_t(2));
    }

    // The recorded Segment call and signature.
    void segmentTrackBecomesDemoBooked() {
        const std::string body =
            test::readFixture(QStringLiteral("segment/track-demo-booked.json"));
        const std::string signature = segmentVector()["headers"]["X-Signature"];
        const auto r = hook("segment", body,
                            {{"content-type", "application/json"}, {"x-signature", signature}});
        QCOMPARE_HTTP(r, 200);
        QCOMPARE(json::parse(r.body)["accepted"].get<int>(), 1);
        QVERIFY(sink->waitForRequests(1, 10s));
        QCOMPARE(deliveredEvents(*sink)[0]["event_type"].get<std::string>(),
                 std::string("DemoBooked"));

        // Our own vector: another secret is refused; a body signed with ours is taken.
        const std::string tampered = body.substr(0, body.size() - 1) + " }";
        QCOMPARE_HTTP(hook("segment", tampered,
                           {{"content-type", "application/json"}, {"x-signature", signature}}),
                      401);
        QCOMPARE_HTTP(hook("segment", tampered,
                           {{"x-signature",
                             hex(hmac(EVP_sha1(), segmentVector()["shared_secret"], tampered))}}),
                      200);
    }

    // The recorded Outbound Message: answered with the acknowledgement
    // Salesforce expects once stored; delivered twice, stored once; from
    // another organization, refused with a SOAP fault.
    void salesforceOutboundMessage() {
        const std::string body = test::readFixture(QStringLiteral("salesforce/outbound-lead.xml"));
        const std::map<std::string, std::string> headers{
            {"content-type", "text/xml; charset=utf-8"}, {"soapaction", "\"\""}};
        const auto before = eventCount();
        const auto r = hook("salesforce", body, headers);
        QCOMPARE_HTTP(r, 200);
        QVERIFY2(r.body.find("<Ack>true</Ack>") != std::string::npos, r.body.c_str());
        QVERIFY2(r.headers.at("content-type").starts_with("text/xml"),
                 r.headers.at("content-type").c_str());
        QCOMPARE(eventCount(), before + 2);
        QCOMPARE_HTTP(hook("salesforce", body, headers), 200);
        QCOMPARE(eventCount(), before + 2);

        std::string other = body;
        other.replace(other.find("00D5g000004ABCDEA2"), 18, "00D5g000009ZZZZEA2");
        const auto refused = hook("salesforce", other, headers);
        QCOMPARE_HTTP(refused, 401);
        QVERIFY2(refused.body.find("Fault") != std::string::npos, refused.body.c_str());
        QVERIFY2(refused.body.find("Ack>true") == std::string::npos, refused.body.c_str());
        QCOMPARE(eventCount(), before + 2);
    }

    // Bodies an attacker (or a broken vendor) sends: refused, kept, and the
    // broker goes on.
    void hostileBodies() {
        const std::string deep = std::string(5000, '[') + std::string(5000, ']');
        const std::vector<std::string> bodies = {
            "", "not json", "{}", "[1, \"two\", null]", deep, std::string("[\0]", 3)};
        for (const auto& body : bodies) {
            const auto r = hubspot(body);
            QVERIFY2(r.status == 400 || r.status == 200,
                     qPrintable(QStringLiteral("HTTP %1: %2")
                                    .arg(r.status)
                                    .arg(QString::fromStdString(r.body))));
        }
        const std::string xmlBomb = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><a>&lol2;</a>)";
        QCOMPARE_HTTP(hook("salesforce", xmlBomb, {{"content-type", "text/xml"}}), 400);
        // More items than one request may hold: refused whole, kept.
        json many = json::array();
        const std::int64_t t = toUnixMillis(clock.now());
        for (int i = 0; i < 1001; ++i)
            many.push_back(hubspotEvent(900000 + i, 9500 + i, t, "contact.creation"));
        const auto tooMany = hubspot(many.dump());
        QCOMPARE_HTTP(tooMany, 413);
        QVERIFY2(tooMany.body.find("1001 items") != std::string::npos, tooMany.body.c_str());
        QCOMPARE_HTTP(as(admin, "GET", "/v1/sources/hubspot"), 200);
    }

    // Another tenant neither sees nor tries nor changes acme's sources.
    void sourcesAreTenantIsolated() {
        QCOMPARE_HTTP(as(globexAdmin, "GET", "/v1/sources/hubspot"), 404);
        QCOMPARE_HTTP(as(globexAdmin, "POST", "/v1/sources/hubspot/test", R"({"body":"[]"})"), 404);
        QCOMPARE_HTTP(as(globexAdmin, "DELETE", "/v1/sources/hubspot"), 404);
        QCOMPARE_HTTP(as(globexAdmin, "PUT", "/v1/sources/hubspot",
                         json{{"kind", "segment"}, {"secrets", {"x"}}}.dump()),
                      404);
        const json list = json::parse(as(globexAdmin, "GET", "/v1/sources").body);
        QCOMPARE(list["sources"].size(), std::size_t(0));
        QCOMPARE_HTTP(as(globexAdmin, "PUT", "/v1/sources/hubspot-acme",
                         json{{"kind", "segment"}, {"secrets", {"x"}}, {"tenant", "acme"}}.dump()),
                      403);
        // Secrets are never answered.
        const std::string shown = as(admin, "GET", "/v1/sources").body;
        QVERIFY(shown.find(hubspotSecret) == std::string::npos);
        QVERIFY(shown.find("hubspot") != std::string::npos);
    }

    // The playground: a body through verification and mapping, nothing stored.
    void testingASourceStoresNothing() {
        const auto before = eventCount();
        const std::string body = test::readFixture(QStringLiteral("hubspot/contact-events.json"));
        json request{{"body", body}, {"verify", true}, {"headers", json::object()}};
        for (const auto& [k, v] : hubspotVector()["headers"].items())
            request["headers"][k] = v;
        const auto r = as(admin, "POST", "/v1/sources/hubspot/test", request.dump());
        QCOMPARE_HTTP(r, 200);
        const json result = json::parse(r.body);
        QCOMPARE(result["verification"]["ok"].get<bool>(), true);
        QCOMPARE(result["items"].size(), std::size_t(3));
        QCOMPARE(result["items"][0]["outcome"].get<std::string>(), std::string("mapped"));
        QCOMPARE(result["items"][0]["event"]["event_type"].get<std::string>(),
                 std::string("LeadCreated"));
        QVERIFY(!result["items"][0]["rule"].get<std::string>().empty());

        // A mapping of one's own, tried before it is saved.
        request["verify"] = false;
        request["mapping"] =
            R"({"kind":"hubspot","rules":[{"name":"only-ignore","when":{},"ignore":true}]})";
        const auto tried = as(admin, "POST", "/v1/sources/hubspot/test", request.dump());
        QCOMPARE_HTTP(tried, 200);
        QCOMPARE(json::parse(tried.body)["items"][0]["outcome"].get<std::string>(),
                 std::string("ignored"));
        request["mapping"] = "{not json";
        QCOMPARE_HTTP(as(admin, "POST", "/v1/sources/hubspot/test", request.dump()), 422);
        QCOMPARE(eventCount(), before);
    }

    // Sources put through the API survive a restart; config ones cannot be
    // changed through it.
    void sourcesSurviveARestart() {
        TestBroker other(BrokerConfig{}, clock);
        const std::string token = other.token(Role::Admin, "acme");
        auto client = other.client(token);
        QCOMPARE_HTTP(
            client.request("PUT", "/v1/sources/seg2",
                           json{{"kind", "segment"}, {"secrets", {"s3cr3t-value"}}}.dump(),
                           {{"content-type", "application/json"}}),
            201);
        BrokerConfig config;
        config.dataDir = other.dir.path().toStdString() + "/data";
        other.broker->stop();
        config.listen = ListenAddress{"127.0.0.1", 0};
        config.catalogDir = test::catalogDir().toStdString();
        Broker restarted(config, clock);
        restarted.start();
        MeshClient after(restarted.url(), token);
        const auto r = after.get("/v1/sources/seg2");
        QCOMPARE_HTTP(r, 200);
        QCOMPARE(json::parse(r.body)["kind"].get<std::string>(), std::string("segment"));
        QVERIFY(r.body.find("s3cr3t-value") == std::string::npos);
        restarted.stop();
    }
};

QTEST_GUILESS_MAIN(HooksTest)
#include "tst_hooks.moc"
