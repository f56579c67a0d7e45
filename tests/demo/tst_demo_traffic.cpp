// --demo's shared parts on a fake clock: the traffic is the same for the same
// seed and time, its vendor requests are what the broker's own verifier and
// reader accept, vendors retry as vendors do, and the receiver answers like
// the downstream systems it plays.

#include "app/demo/demo_receiver.h"
#include "app/demo/demo_traffic.h"
#include "broker/client/mesh_client.h"
#include "broker/sources/vendor.h"
#include "core/consumer_spec.h"
#include "core/source_spec.h"

#include <QtTest/QTest>
#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using namespace meshdeck::demo;
using nlohmann::json;

namespace {

const Timestamp kStart = fromUnixMillis(1795770843120); // 2026-11-27T09:14:03.120Z
const std::string kMeshUrl = "http://127.0.0.1:8787";

// `count` ticks, the clock moving a tick's interval before each.
std::vector<std::vector<DemoRequest>> run(DemoTraffic& traffic, FakeClock& clock, int count) {
    std::vector<std::vector<DemoRequest>> ticks;
    for (int i = 0; i < count; ++i) {
        clock.advance(kTickInterval);
        ticks.push_back(traffic.tick());
    }
    return ticks;
}

std::vector<DemoRequest> flat(const std::vector<std::vector<DemoRequest>>& ticks) {
    std::vector<DemoRequest> out;
    for (const auto& tick : ticks)
        out.insert(out.end(), tick.begin(), tick.end());
    return out;
}

// The spec the mesh parses from the demo's PUT /v1/sources/<name>.
SourceSpec declaredSource(std::string_view name) {
    for (const DemoRequest& request : sourceDeclarations(kMeshUrl, "acme")) {
        if (!request.path.ends_with("/" + std::string(name)))
            continue;
        json body = json::parse(request.body);
        body["name"] = name;
        ParsedSource parsed = parseSourceSpec(body.dump());
        if (!parsed.spec)
            qFatal("the demo's %s source does not parse: %s", std::string(name).c_str(),
                   parsed.violations.front().message.c_str());
        return *parsed.spec;
    }
    qFatal("the demo declares no source %s", std::string(name).c_str());
}

sources::HookRequest asHookRequest(const DemoRequest& request) {
    sources::HookRequest hook{
        request.method, {{"content-type", request.contentType}}, request.body};
    for (auto [name, value] : request.headers) {
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        hook.headers[name] = value;
    }
    return hook;
}

} // namespace

class DemoTrafficTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sameSeedAndClockSendTheSame() {
        FakeClock clockA(kStart), clockB(kStart), clockC(kStart);
        DemoTraffic a("acme", clockA), b("acme", clockB), other("acme", clockC, 7);
        const auto first = flat(run(a, clockA, 60));
        const auto second = flat(run(b, clockB, 60));
        const auto seeded = flat(run(other, clockC, 60));
        QCOMPARE(first.size(), second.size());
        for (std::size_t i = 0; i < first.size(); ++i) {
            QCOMPARE(first[i].path, second[i].path);
            QCOMPARE(first[i].body, second[i].body);
            QCOMPARE(first[i].repeat, second[i].repeat);
        }
        const auto bodies = [](const std::vector<DemoRequest>& requests) {
            std::vector<std::string> out;
            for (const auto& r : requests)
                out.push_back(r.body);
            return out;
        };
        QVERIFY(bodies(first) != bodies(seeded));
        QCOMPARE(a.ticks(), 60);
    }

    // Every vendor, the lead router and the legacy import show up, in the
    // order of a tick: HubSpot, Salesforce, Segment, canonical events.
    void aTickSendsTheStack() {
        FakeClock clock(kStart);
        DemoTraffic traffic("acme", clock);
        std::map<std::string, int> requests;
        const std::map<std::string, int> rank = {
            {"hubspot", 0}, {"salesforce", 1}, {"segment", 2}, {"/v1/events", 3}};
        for (const auto& tick : run(traffic, clock, 69)) {
            int last = 0;
            for (const DemoRequest& r : tick) {
                const std::string kind = r.hook() ? r.source : r.path;
                ++requests[kind];
                QCOMPARE(r.method, std::string("POST"));
                QVERIFY(r.items > 0);
                QVERIFY2(rank.at(kind) >= last, kind.c_str());
                last = rank.at(kind);
            }
        }
        QVERIFY(requests["hubspot"] > 20);
        QVERIFY(requests["salesforce"] > 20);
        QVERIFY(requests["segment"] > 20);
        QVERIFY(requests["/v1/events"] > 5);
    }

    void theLegacyImportComesEvery23rdTick() {
        FakeClock clock(kStart);
        DemoTraffic traffic("acme", clock);
        const auto ticks = run(traffic, clock, 46);
        for (int i = 0; i < 46; ++i) {
            const auto legacy =
                std::count_if(ticks[i].begin(), ticks[i].end(), [](const DemoRequest& r) {
                    return r.path == "/v1/events" &&
                           r.body.find("\"legacy-import\"") != std::string::npos;
                });
            QCOMPARE(legacy, (i + 1) % 23 == 0 ? 1 : 0);
        }
    }

    // A repeat is its predecessor's request again, body unchanged (the mesh
    // deduplicates it by vendor ids): every ninth HubSpot batch, every
    // seventh Salesforce Lead message.
    void repeatsResendTheRequestBefore() {
        FakeClock clock(kStart);
        DemoTraffic traffic("acme", clock);
        const auto ticks = run(traffic, clock, 63);
        std::map<std::string, std::vector<int>> repeatedOn;
        for (int i = 0; i < 63; ++i) {
            for (std::size_t j = 0; j < ticks[i].size(); ++j) {
                const DemoRequest& r = ticks[i][j];
                if (!r.repeat)
                    continue;
                QVERIFY(j > 0);
                QCOMPARE(r.body, ticks[i][j - 1].body);
                QCOMPARE(r.source, ticks[i][j - 1].source);
                QVERIFY(!ticks[i][j - 1].repeat);
                repeatedOn[r.source].push_back(i + 1);
            }
        }
        QVERIFY(!repeatedOn["hubspot"].empty());
        QVERIFY(!repeatedOn["salesforce"].empty());
        for (int tick : repeatedOn["hubspot"])
            QCOMPARE(tick % 9, 0);
        for (int tick : repeatedOn["salesforce"])
            QCOMPARE(tick % 7, 0);
    }

    // The vendors' timestamps become entity versions: they strictly increase
    // even when the clock stands still, and ids start from the start time so
    // that a restarted demo sends new ones.
    void vendorClockStrictlyIncreases() {
        FakeClock clock(kStart);
        DemoTraffic traffic("acme", clock);
        std::int64_t last = 0;
        std::int64_t firstEventId = 0;
        for (int i = 0; i < 40; ++i) {
            for (const DemoRequest& r : traffic.tick()) {
                if (r.source != kHubSpot || r.repeat)
                    continue;
                for (const json& event : json::parse(r.body)) {
                    const auto at = event["occurredAt"].get<std::int64_t>();
                    QVERIFY2(at > last, event.dump().c_str());
                    last = at;
                    if (firstEventId == 0)
                        firstEventId = event["eventId"].get<std::int64_t>();
                }
            }
        }
        QCOMPARE(firstEventId, toUnixMillis(kStart) * 1000);
        QVERIFY(last > toUnixMillis(kStart));
    }

    // Each vendor's request as sent: the broker's verifier accepts its
    // signature with the declared source's secrets, and its reader finds as
    // many items as the demo put in.
    void vendorRequestsPassTheBrokersChecks_data() {
        QTest::addColumn<QString>("source");
        QTest::addRow("hubspot: X-HubSpot-Signature-v3") << QStringLiteral("hubspot");
        QTest::addRow("salesforce: Outbound Message") << QStringLiteral("salesforce");
        QTest::addRow("segment: X-Signature") << QStringLiteral("segment");
    }
    void vendorRequestsPassTheBrokersChecks() {
        QFETCH(QString, source);
        const SourceSpec spec = declaredSource(source.toStdString());
        FakeClock clock(kStart);
        DemoTraffic traffic("acme", clock);
        int checked = 0;
        for (DemoRequest& r : flat(run(traffic, clock, 30))) {
            if (r.source != source.toStdString())
                continue;
            signHook(r, kMeshUrl, toUnixMillis(clock.now()));
            const sources::Verification verified =
                sources::verify(spec, asHookRequest(r), clock.now());
            QVERIFY2(verified.ok, verified.reason.c_str());
            const sources::Split split = sources::split(spec, r.body);
            QVERIFY2(split.error.empty(), split.error.c_str());
            QCOMPARE(static_cast<int>(split.items.size()), r.items);
            ++checked;

            if (spec.kind == SourceKind::SalesforceOutbound)
                continue;
            DemoRequest tampered = r;
            tampered.body.insert(tampered.body.size() - 1, " ");
            QVERIFY(!sources::verify(spec, asHookRequest(tampered), clock.now()).ok);
            // HubSpot signs the time too: an old signature goes stale.
            if (spec.kind == SourceKind::HubSpot)
                QVERIFY(
                    sources::verify(spec, asHookRequest(r), clock.now() + std::chrono::minutes(10))
                        .stale);
        }
        QVERIFY(checked > 5);
    }

    void consumersAreValidSpecs() {
        const auto declarations = consumerDeclarations("http://127.0.0.1:9999", "acme");
        QCOMPARE(declarations.size(), std::size_t(3));
        std::map<std::string, ConsumerSpec> specs;
        for (const DemoRequest& r : declarations) {
            QCOMPARE(r.method, std::string("PUT"));
            QVERIFY(!r.hook());
            ParsedConsumer parsed = parseConsumerSpec(r.body);
            QVERIFY2(parsed.spec, r.body.c_str());
            QCOMPARE(r.path, "/v1/consumers/" + parsed.spec->name);
            QCOMPARE(parsed.spec->gapTimeout, std::chrono::milliseconds(0));
            specs[parsed.spec->name] = *parsed.spec;
        }
        QCOMPARE(specs.at("crm-sync").sink.url, std::string("http://127.0.0.1:9999/crm"));
        QCOMPARE(specs.at("outreach-sequences").sink.url,
                 std::string("http://127.0.0.1:9999/outreach"));
        QVERIFY(specs.at("crm-sync").filter.tenant == std::optional<std::string>("acme"));
        QVERIFY(!specs.at("analytics").filter.tenant);
    }

    void hookOutcomes_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<int>("attempt");
        QTest::addColumn<bool>("repeat");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("retryAfter");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("stored");
        QTest::addColumn<int>("retryInSeconds");
        QTest::addColumn<QString>("reason");
        using K = HookOutcome::Kind;
        const auto k = [](K kind) {
            return static_cast<int>(kind);
        };
        QTest::addRow("200 hubspot: what the mesh says it stored")
            << "hubspot" << 1 << false << 200 << R"({"accepted":3,"duplicates":1})"
            << "" << k(K::Stored) << 3 << 0 << "";
        QTest::addRow("200 salesforce: its notifications")
            << "salesforce" << 1 << false << 200 << "<Ack>true</Ack>"
            << "" << k(K::Stored) << 2 << 0 << "";
        QTest::addRow("200 salesforce repeat: nothing new")
            << "salesforce" << 1 << true << 200 << "<Ack>true</Ack>"
            << "" << k(K::Stored) << 0 << 0 << "";
        QTest::addRow("401: refused with the mesh's reason")
            << "segment" << 1 << false << 401
            << "{\"detail\":\"X-Signature does not match the source's secret\"}"
            << "" << k(K::Refused) << 0 << 0
            << "segment webhook: HTTP 401: X-Signature does not match the source's secret";
        QTest::addRow("429 with Retry-After: 2 s")
            << "hubspot" << 1 << false << 429 << ""
            << "2" << k(K::Retry) << 0 << 2 << "hubspot webhook: HTTP 429 (attempt 1/4)";
        QTest::addRow("503, attempt 3: 4 s") << "hubspot" << 3 << false << 503 << ""
                                             << "" << k(K::Retry) << 0 << 4 << "";
        QTest::addRow("no answer, attempt 1: 1 s")
            << "segment" << 1 << false << 0 << ""
            << "" << k(K::Retry) << 0 << 1 << "segment webhook: connection refused (attempt 1/4)";
        QTest::addRow("no answer, attempt 4: gives up")
            << "segment" << 4 << false << 0 << ""
            << "" << k(K::GaveUp) << 0 << 0
            << "segment webhook: connection refused (gave up after 4 attempts)";
    }
    void hookOutcomes() {
        QFETCH(QString, source);
        QFETCH(int, attempt);
        QFETCH(bool, repeat);
        QFETCH(int, status);
        QFETCH(QString, body);
        QFETCH(QString, retryAfter);
        QFETCH(int, kind);
        QFETCH(int, stored);
        QFETCH(int, retryInSeconds);
        QFETCH(QString, reason);
        DemoRequest request;
        request.source = source.toStdString();
        request.items = 2;
        request.attempt = attempt;
        request.repeat = repeat;
        const HookOutcome outcome =
            hookOutcome(request, {status, body.toStdString(), retryAfter.toStdString(),
                                  status == 0 ? "connection refused" : ""});
        QCOMPARE(static_cast<int>(outcome.kind), kind);
        QCOMPARE(outcome.stored, stored);
        QCOMPARE(outcome.retryIn, std::chrono::milliseconds(retryInSeconds * 1000));
        if (!reason.isEmpty())
            QCOMPARE(QString::fromStdString(outcome.reason), reason);
    }

    void receiverAnswersLikeTheDownstreamSystems() {
        std::mt19937 random(4242);
        const std::string initech = R"({"payload":{"company":"Initech"}})";
        const ReceiverAnswer refused = demoReceiverAnswer("/crm", initech, random);
        QCOMPARE(refused.status, 422);
        QCOMPARE(refused.body,
                 std::string(R"({"error":"account Initech is archived; owner unknown"})"));
        int throttled = 0;
        for (int i = 0; i < 4000; ++i) {
            const ReceiverAnswer a = demoReceiverAnswer("/outreach", initech, random);
            QVERIFY(a.status == 200 || a.status == 429);
            if (a.status == 429) {
                QCOMPARE(a.retryAfterSeconds, 2);
                ++throttled;
            }
        }
        QVERIFY2(throttled > 50 && throttled < 150, std::to_string(throttled).c_str());
    }

    // Over a real socket, kept alive across requests, and stopped cleanly
    // with a connection still open.
    void receiverServesHttp() {
        DemoReceiver receiver;
        MeshClient client(receiver.url(), {});
        const HttpResult refused = client.postJson("/crm", R"({"company":"Initech"})");
        QCOMPARE(refused.status, 422);
        QCOMPARE(refused.headers.at("content-type"), std::string("application/json"));
        for (int i = 0; i < 20; ++i) {
            const HttpResult r = client.postJson("/crm", R"({"company":"Contoso"})");
            QVERIFY2(r.status == 200 || r.status == 429, r.error.c_str());
            if (r.status == 429)
                QCOMPARE(r.headers.at("retry-after"), std::string("2"));
        }
        QCOMPARE(receiver.received(), 21);
        receiver.stop();
        QCOMPARE(client.postJson("/crm", "{}").status, 0);
    }
};

QTEST_GUILESS_MAIN(DemoTrafficTest)
#include "tst_demo_traffic.moc"
