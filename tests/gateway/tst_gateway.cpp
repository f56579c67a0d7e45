// The HTTP gateway over real sockets on 127.0.0.1 against a real SQLite log:
// authentication and tenancy, every kind of invalid input, limits,
// idempotency, batches, CloudEvents modes, queries, schemas and metrics.

#include "core/uuid.h"
#include "tests/support/http_compare.h"
#include "tests/support/json_compare.h"
#include "tests/support/test_broker.h"
#include "tests/support/test_support.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace meshdeck;
using meshdeck::test::TestBroker;
using nlohmann::json;

namespace {

json leadScored(const std::string& lead, int score, const std::string& tenant = "acme") {
    static UuidV7Generator ids;
    return json{{"event_id", ids.next()},
                {"event_type", "LeadScored"},
                {"schema_version", 1},
                {"occurred_at", "2026-11-27T09:14:03.120Z"},
                {"producer", "enrichment-service"},
                {"tenant_id", tenant},
                {"correlation_id", "lead-" + lead + "-journey"},
                {"entity", {{"kind", "lead"}, {"id", lead}, {"version", 1}}},
                {"payload", {{"lead_id", lead}, {"score", score}, {"model", "fit-v3"}}}};
}

json body(const HttpResult& r) {
    return json::parse(r.body, nullptr, false);
}

// The JSON paths of a problem document's violations.
QStringList violationPaths(const HttpResult& r) {
    QStringList paths;
    for (const auto& v : body(r).value("violations", json::array()))
        paths << QString::fromStdString(v.value("path", ""));
    return paths;
}

} // namespace

class GatewayTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<TestBroker> mesh;
    std::string acmeProducer, globexProducer, acmeViewer, scoredOnly;

private Q_SLOTS:
    void initTestCase() {
        mesh = std::make_unique<TestBroker>();
        acmeProducer = mesh->token(Role::Producer, "acme");
        globexProducer = mesh->token(Role::Producer, "globex");
        acmeViewer = mesh->token(Role::Viewer, "acme");
        scoredOnly = mesh->token(Role::Producer, "acme", {"LeadScored"});
    }
    void cleanupTestCase() { mesh.reset(); }

    void publishOneThenReadItBack() {
        auto client = mesh->client(acmeProducer);
        const json event = leadScored("L-1", 87);
        const auto r = client.postJson("/v1/events", event.dump());
        QCOMPARE_HTTP(r, 202);
        const json answer = body(r);
        QCOMPARE_JSON(answer["event_id"], event["event_id"]);
        QVERIFY(answer["seq"].get<long long>() > 0);
        QCOMPARE_JSON(answer["duplicate"], false);

        auto reader = mesh->client(acmeViewer);
        const auto got = reader.get("/v1/events/" + event["event_id"].get<std::string>());
        QCOMPARE_HTTP(got, 200);
        const json stored = body(got);
        QCOMPARE_JSON(stored["seq"], answer["seq"]);
        QCOMPARE_JSON(stored["payload"], event["payload"]);
        QCOMPARE_JSON(stored["entity"], event["entity"]);
        QCOMPARE_JSON(stored["occurred_at"], event["occurred_at"]);
        QVERIFY(stored.contains("ingested_at"));
    }

    void missingEventIdIsAssignedAsUuidV7() {
        auto client = mesh->client(acmeProducer);
        json event = leadScored("L-2", 50);
        event.erase("event_id");
        const auto r = client.postJson("/v1/events", event.dump());
        QCOMPARE_HTTP(r, 202);
        QVERIFY(isUuidV7(body(r)["event_id"].get<std::string>()));
    }

    void repeatIsDuplicateWithOriginalSeq() {
        auto client = mesh->client(acmeProducer);
        const json event = leadScored("L-3", 10);
        const auto first = client.postJson("/v1/events", event.dump());
        QCOMPARE_HTTP(first, 202);
        const auto again = client.postJson("/v1/events", event.dump());
        QCOMPARE_HTTP(again, 200);
        QCOMPARE_JSON(body(again)["seq"], body(first)["seq"]);
        QCOMPARE_JSON(body(again)["duplicate"], true);

        // Only one copy is stored.
        auto reader = mesh->client(acmeViewer);
        const auto list = reader.get("/v1/events?correlation_id=lead-L-3-journey");
        QCOMPARE(body(list)["events"].size(), std::size_t(1));
    }

    void tokensAreRequired_data() {
        QTest::addColumn<QString>("authorization");
        QTest::addRow("no header") << QString();
        QTest::addRow("unknown token") << QStringLiteral("Bearer mdk_notarealtoken");
        QTest::addRow("wrong scheme") << QStringLiteral("Basic YWRtaW46YWRtaW4=");
    }
    void tokensAreRequired() {
        QFETCH(QString, authorization);
        MeshClient client(mesh->url(), "");
        std::map<std::string, std::string> headers{{"content-type", "application/json"}};
        if (!authorization.isEmpty())
            headers["authorization"] = authorization.toStdString();
        const auto r = client.request("POST", "/v1/events", leadScored("L-x", 1).dump(), headers);
        QCOMPARE_HTTP(r, 401);
        QCOMPARE(r.headers.at("content-type"), std::string("application/problem+json"));
        QCOMPARE(r.headers.at("www-authenticate"), std::string("Bearer"));
    }

    void revokedTokenIsRefused() {
        NewToken t = mesh->core().tokens().create(Role::Producer, "acme", {}, "to revoke");
        auto client = mesh->client(t.plaintext);
        QCOMPARE_HTTP(client.postJson("/v1/events", leadScored("L-r", 1).dump()), 202);
        QVERIFY(mesh->core().tokens().revoke(t.record.id));
        mesh->core().auth().clearCache();
        QCOMPARE_HTTP(client.postJson("/v1/events", leadScored("L-r", 2).dump()), 401);
    }

    void viewerCannotPublish() {
        auto client = mesh->client(acmeViewer);
        const auto r = client.postJson("/v1/events", leadScored("L-4", 1).dump());
        QCOMPARE_HTTP(r, 403);
    }

    void producerCannotWriteAnotherTenant() {
        auto client = mesh->client(acmeProducer);
        const auto r = client.postJson("/v1/events", leadScored("L-5", 1, "globex").dump());
        QCOMPARE_HTTP(r, 403);
        QVERIFY(violationPaths(r).contains(QStringLiteral("/tenant_id")));
    }

    void tokenTypesAreEnforced() {
        auto client = mesh->client(scoredOnly);
        QCOMPARE_HTTP(client.postJson("/v1/events", leadScored("L-6", 1).dump()), 202);
        json other = leadScored("L-6", 1);
        other["event_type"] = "LeadQualified";
        other["payload"] = {{"lead_id", "L-6"}, {"score", 90}, {"qualified_by", "rep"}};
        const auto r = client.postJson("/v1/events", other.dump());
        QCOMPARE_HTTP(r, 403);
        QVERIFY(violationPaths(r).contains(QStringLiteral("/event_type")));
    }

    void tenantsCannotReadEachOther() {
        auto acme = mesh->client(acmeProducer);
        const json event = leadScored("L-7", 33);
        QCOMPARE_HTTP(acme.postJson("/v1/events", event.dump()), 202);
        auto globex = mesh->client(mesh->token(Role::Viewer, "globex"));
        // By id: exactly like a missing event.
        QCOMPARE_HTTP(globex.get("/v1/events/" + event["event_id"].get<std::string>()), 404);
        // By query naming the tenant: refused, on every filtered read.
        QCOMPARE_HTTP(globex.get("/v1/events?tenant=acme"), 403);
        QCOMPARE_HTTP(globex.get("/v1/audit?tenant=acme"), 403);
        QCOMPARE_HTTP(globex.get("/v1/stall?correlation_id=lead-L-7-journey&tenant=acme"), 403);
        QCOMPARE_HTTP(
            mesh->client(mesh->token(Role::Admin, "globex")).get("/v1/quarantine?tenant=acme"),
            403);
        // By query without a tenant: only its own.
        QCOMPARE_HTTP(mesh->client(globexProducer)
                          .postJson("/v1/events", leadScored("L-7g", 1, "globex").dump()),
                      202);
        const auto list = globex.get("/v1/events?limit=1000");
        QCOMPARE_HTTP(list, 200);
        const json events = body(list)["events"]; // a copy: body() is a temporary
        QVERIFY(!events.empty());
        for (const auto& e : events)
            QCOMPARE_JSON(e["tenant_id"], "globex");
        // The same event_id from another tenant is not a "duplicate" that
        // would reveal the first tenant's seq.
        auto globexProducerClient = mesh->client(globexProducer);
        json stolen = event;
        stolen["tenant_id"] = "globex";
        const auto r = globexProducerClient.postJson("/v1/events", stolen.dump());
        QCOMPARE_HTTP(r, 409);
        QVERIFY(!body(r).contains("seq"));
    }

    void invalidEventsAreRefusedWithPaths_data() {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("path");
        auto edited = [](auto edit) {
            json e = leadScored("L-8", 5);
            edit(e);
            return QByteArray::fromStdString(e.dump());
        };
        QTest::addRow("not JSON") << QByteArray("{\"event_type\": ") << 400 << QString();
        QTest::addRow("empty array") << QByteArray("[]") << 400 << QString();
        QTest::addRow("missing entity")
            << edited([](json& e) { e.erase("entity"); }) << 422 << QStringLiteral("/entity");
        QTest::addRow("entity id empty") << edited([](json& e) { e["entity"]["id"] = ""; }) << 422
                                         << QStringLiteral("/entity/id");
        QTest::addRow("version not integer")
            << edited([](json& e) { e["entity"]["version"] = "seven"; }) << 422
            << QStringLiteral("/entity/version");
        QTest::addRow("bad time") << edited([](json& e) { e["occurred_at"] = "yesterday"; }) << 422
                                  << QStringLiteral("/occurred_at");
        QTest::addRow("bad event_id")
            << edited([](json& e) { e["event_id"] = "42"; }) << 422 << QStringLiteral("/event_id");
        QTest::addRow("payload not object")
            << edited([](json& e) { e["payload"] = "x"; }) << 422 << QStringLiteral("/payload");
        QTest::addRow("payload breaks schema")
            << edited([](json& e) { e["payload"]["score"] = "high"; }) << 422
            << QStringLiteral("/payload/score");
        QTest::addRow("payload misses required")
            << edited([](json& e) { e["payload"].erase("lead_id"); }) << 422
            << QStringLiteral("/payload");
        QTest::addRow("unknown type") << edited([](json& e) { e["event_type"] = "LeadTeleported"; })
                                      << 422 << QStringLiteral("/event_type");
        QTest::addRow("unknown schema version") << edited([](json& e) { e["schema_version"] = 9; })
                                                << 422 << QStringLiteral("/schema_version");
        QTest::addRow("unknown field")
            << edited([](json& e) { e["colour"] = "blue"; }) << 422 << QStringLiteral("/colour");
    }
    void invalidEventsAreRefusedWithPaths() {
        QFETCH(QByteArray, payload);
        QFETCH(int, status);
        QFETCH(QString, path);
        auto client = mesh->client(acmeProducer);
        const auto r = client.postJson("/v1/events", payload.toStdString());
        QCOMPARE_HTTP(r, status);
        QCOMPARE(r.headers.at("content-type"), std::string("application/problem+json"));
        const json problem = body(r);
        QCOMPARE(problem["status"].get<int>(), status);
        QVERIFY(!problem["detail"].get<std::string>().empty());
        if (!path.isEmpty()) {
            const QStringList paths = violationPaths(r);
            QVERIFY2(std::any_of(paths.begin(), paths.end(),
                                 [&](const QString& p) { return p.startsWith(path); }),
                     qPrintable(paths.join(u',')));
        }
    }

    void rejectedInputIsQuarantinedWithReason() {
        auto client = mesh->client(acmeProducer);
        json e = leadScored("L-q", 5);
        e["payload"]["score"] = "very high";
        const std::string sent = e.dump();
        QCOMPARE_HTTP(client.postJson("/v1/events", sent), 422);
        auto admin = mesh->client(mesh->adminToken);
        json entries;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                entries = body(admin.get("/v1/quarantine?limit=1000"))["entries"];
                return std::any_of(entries.begin(), entries.end(),
                                   [&](const json& q) { return q["body"] == sent; });
            }(),
            5000);
        for (const auto& q : entries)
            if (q["body"] == sent) {
                QCOMPARE_JSON(q["reason"], "invalid");
                QCOMPARE_JSON(q["status"], 422);
                QCOMPARE_JSON(q["tenant"], "acme");
                QVERIFY(q["problem"]["violations"].size() >= 1);
            }
        // Producers cannot read quarantine.
        QCOMPARE_HTTP(client.get("/v1/quarantine"), 403);

        // A token over every tenant files the rejection under the tenant the
        // input names.
        json forGlobex = leadScored("L-q2", 500, "globex");
        QCOMPARE_HTTP(admin.postJson("/v1/events", forGlobex.dump()), 422);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const json list = body(admin.get("/v1/quarantine?tenant=globex"))["entries"];
                return std::any_of(list.begin(), list.end(),
                                   [&](const json& q) { return q["body"] == forGlobex.dump(); });
            }(),
            5000);
    }

    // Every refusal of a publish is kept with its reason, whatever the reason;
    // a request without a valid token is only counted.
    void everyRefusedPublishIsQuarantined_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("reason");
        QTest::addRow("malformed") << "malformed" << 400 << "malformed";
        QTest::addRow("invalid") << "invalid" << 422 << "invalid";
        QTest::addRow("forbidden tenant") << "forbidden" << 403 << "forbidden";
        QTest::addRow("unsupported media type") << "media" << 415 << "unsupported-media-type";
        QTest::addRow("conflicting id") << "conflict" << 409 << "conflict";
    }
    void everyRefusedPublishIsQuarantined() {
        QFETCH(QString, kind);
        QFETCH(int, status);
        QFETCH(QString, reason);
        auto client = mesh->client(acmeProducer);
        const std::string marker = "L-quarantine-" + kind.toStdString();
        json e = leadScored(marker, 5);
        std::string sent = e.dump();
        std::map<std::string, std::string> headers{{"content-type", "application/json"}};
        if (kind == QStringLiteral("malformed")) {
            sent = "{\"entity\": \"" + marker + "\",";
        } else if (kind == QStringLiteral("invalid")) {
            e["payload"]["score"] = "high";
            sent = e.dump();
        } else if (kind == QStringLiteral("forbidden")) {
            e["tenant_id"] = "globex";
            sent = e.dump();
        } else if (kind == QStringLiteral("media")) {
            headers["content-type"] = "text/csv";
        } else if (kind == QStringLiteral("conflict")) {
            // The same event_id, first published by another tenant.
            json theirs = leadScored("L-theirs", 1, "globex");
            theirs["event_id"] = e["event_id"];
            QCOMPARE_HTTP(mesh->client(globexProducer).postJson("/v1/events", theirs.dump()), 202);
        }
        const auto r = client.request("POST", "/v1/events", sent, headers);
        QCOMPARE_HTTP(r, status);
        auto admin = mesh->client(mesh->adminToken);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const json entries = body(admin.get("/v1/quarantine?limit=1000"))["entries"];
                return std::any_of(entries.begin(), entries.end(), [&](const json& q) {
                    return q["body"].get<std::string>().find(marker) != std::string::npos &&
                           q["reason"] == reason.toStdString() && q["status"] == status;
                });
            }(),
            5000);
    }

    void unauthenticatedRequestsAreCountedNotKept() {
        auto admin = mesh->client(mesh->adminToken);
        const auto quarantined = [&] {
            return body(admin.get("/v1/quarantine?limit=1000"))["entries"].size();
        };
        const auto counted = [&] {
            const std::string text = admin.get("/metrics").body;
            const std::string name =
                "meshdeck_ingest_rejections_total{reason=\"unauthenticated\"} ";
            const auto at = text.find(name);
            return at == std::string::npos ? 0LL : std::stoll(text.substr(at + name.size()));
        };
        const auto before = counted();
        const auto keptBefore = quarantined();
        MeshClient stranger(mesh->url(), "mdk_not-a-token");
        QCOMPARE_HTTP(stranger.postJson("/v1/events", leadScored("L-stranger", 1).dump()), 401);
        QCOMPARE(counted(), before + 1);
        // A later refusal that is kept shows the writer has caught up.
        QCOMPARE_HTTP(mesh->client(acmeProducer).postJson("/v1/events", "{"), 400);
        QTRY_COMPARE_WITH_TIMEOUT(quarantined(), keptBefore + 1, 5000);
        const std::string all = admin.get("/v1/quarantine?limit=1000").body;
        QVERIFY(all.find("L-stranger") == std::string::npos);
    }

    void mixedBatchIsAllOrNothing() {
        auto client = mesh->client(acmeProducer);
        json batch = json::array();
        for (int i = 0; i < 4; ++i) {
            json e = leadScored("L-batch", i);
            e["correlation_id"] = "mixed-batch";
            batch.push_back(e);
        }
        batch[2]["payload"]["score"] = 1000; // maximum is 100
        batch[3]["entity"].erase("kind");
        const auto r = client.postJson("/v1/events", batch.dump());
        QCOMPARE_HTTP(r, 422);
        const QStringList paths = violationPaths(r);
        QVERIFY2(paths.contains(QStringLiteral("/2/payload/score")), qPrintable(paths.join(u',')));
        QVERIFY2(paths.contains(QStringLiteral("/3/entity/kind")), qPrintable(paths.join(u',')));
        auto reader = mesh->client(acmeViewer);
        QCOMPARE(body(reader.get("/v1/events?correlation_id=mixed-batch"))["events"].size(), 0u);

        // The same batch made valid is stored whole, with a seq per event in order.
        batch[2]["payload"]["score"] = 100;
        batch[3]["entity"]["kind"] = "lead";
        const auto ok = client.postJson("/v1/events", batch.dump());
        QCOMPARE_HTTP(ok, 202);
        const json results = body(ok)["results"];
        QCOMPARE(results.size(), 4u);
        for (std::size_t i = 1; i < results.size(); ++i)
            QVERIFY(results[i]["seq"].get<long long>() > results[i - 1]["seq"].get<long long>());
        QCOMPARE(body(reader.get("/v1/events?correlation_id=mixed-batch"))["events"].size(), 4u);
    }

    void batchWithDuplicatesReportsEach() {
        auto client = mesh->client(acmeProducer);
        const json a = leadScored("L-d", 1), b = leadScored("L-d", 2);
        QCOMPARE_HTTP(client.postJson("/v1/events", a.dump()), 202);
        const auto r = client.postJson("/v1/events", json::array({a, b}).dump());
        QCOMPARE_HTTP(r, 202);
        const json answer = body(r);
        QCOMPARE_JSON(answer["accepted"], 1);
        QCOMPARE_JSON(answer["duplicates"], 1);
        QCOMPARE_JSON(answer["results"][0]["duplicate"], true);
        QCOMPARE_JSON(answer["results"][1]["duplicate"], false);
        // Nothing new: 200.
        QCOMPARE_HTTP(client.postJson("/v1/events", json::array({a, b}).dump()), 200);
    }

    void cloudEventStructured() {
        auto client = mesh->client(acmeProducer);
        const std::string text =
            test::readFixture(QStringLiteral("cloudevents/structured-lead-scored.json"));
        const auto r = client.request("POST", "/v1/events", text,
                                      {{"content-type", "application/cloudevents+json"}});
        QCOMPARE_HTTP(r, 202);
        const json stored =
            body(mesh->client(acmeViewer)
                     .get("/v1/events/" + json::parse(text)["id"].get<std::string>()));
        QCOMPARE_JSON(stored["event_type"], "LeadScored");
        QCOMPARE_JSON(stored["producer"], "enrichment-service");
        QCOMPARE_JSON(stored["entity"]["id"], "L-1042");
        QCOMPARE_JSON(stored["entity"]["version"], 6);
        QCOMPARE_JSON(stored["correlation_id"], "lead-L-1042-journey");
        QCOMPARE_JSON(stored["payload"]["score"], 87);
    }

    void cloudEventBinary() {
        // The fixture is a raw HTTP request: headers, a blank line, the body.
        const std::string raw =
            test::readFixture(QStringLiteral("cloudevents/binary-lead-scored.http"));
        std::istringstream in(raw);
        std::string line;
        std::getline(in, line); // request line
        std::map<std::string, std::string> headers;
        while (std::getline(in, line) && line != "\r" && !line.empty()) {
            const auto colon = line.find(':');
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), ::tolower);
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            if (!value.empty() && value.back() == '\r')
                value.pop_back();
            if (name != "host" && name != "authorization")
                headers[name] = value;
        }
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        while (!data.empty() && (data.back() == '\n' || data.back() == '\r'))
            data.pop_back();
        auto client = mesh->client(acmeProducer);
        const auto r = client.request("POST", "/v1/events", data, headers);
        QCOMPARE_HTTP(r, 202);
        const json stored = body(mesh->client(acmeViewer).get("/v1/events/" + headers["ce-id"]));
        QCOMPARE_JSON(stored["entity"]["kind"], "lead");
        QCOMPARE_JSON(stored["entity"]["id"], "L-2001");
        QCOMPARE_JSON(stored["entity"]["version"], 3);
        QCOMPARE_JSON(stored["payload"]["score"], 42);
        QCOMPARE_JSON(stored["occurred_at"], "2026-11-27T09:14:02.000Z");
    }

    void cloudEventBatch() {
        json ce = json::parse(
            test::readFixture(QStringLiteral("cloudevents/structured-lead-scored.json")));
        json batch = json::array();
        UuidV7Generator ids;
        for (int i = 0; i < 3; ++i) {
            ce["id"] = ids.next();
            ce["sequence"] = std::to_string(10 + i);
            batch.push_back(ce);
        }
        auto client = mesh->client(acmeProducer);
        const auto r = client.request("POST", "/v1/events", batch.dump(),
                                      {{"content-type", "application/cloudevents-batch+json"}});
        QCOMPARE_HTTP(r, 202);
        QCOMPARE_JSON(body(r)["accepted"], 3);
        // A CloudEvent without the tenant extension is refused with its path.
        ce.erase("tenantid");
        const auto bad = client.request("POST", "/v1/events", json::array({ce}).dump(),
                                        {{"content-type", "application/cloudevents-batch+json"}});
        QCOMPARE_HTTP(bad, 422);
    }

    void unsupportedMediaType() {
        auto client = mesh->client(acmeProducer);
        const auto r =
            client.request("POST", "/v1/events", "<lead/>", {{"content-type", "application/xml"}});
        QCOMPARE_HTTP(r, 415);
    }

    void queryFiltersAndCursor() {
        auto client = mesh->client(acmeProducer);
        json batch = json::array();
        for (int i = 0; i < 25; ++i) {
            json e = leadScored(i % 2 ? "L-odd" : "L-even", i);
            e["correlation_id"] = "paging";
            batch.push_back(e);
        }
        QCOMPARE_HTTP(client.postJson("/v1/events", batch.dump()), 202);
        auto reader = mesh->client(acmeViewer);
        // Walk pages of 10: every event once, in seq order.
        std::string cursor;
        std::vector<long long> seqs;
        for (int page = 0; page < 10; ++page) {
            std::string target = "/v1/events?correlation_id=paging&limit=10";
            if (!cursor.empty())
                target += "&cursor=" + cursor;
            const json answer = body(reader.get(target));
            for (const auto& e : answer["events"])
                seqs.push_back(e["seq"].get<long long>());
            if (answer["next_cursor"].is_null())
                break;
            cursor = answer["next_cursor"].get<std::string>();
        }
        QCOMPARE(seqs.size(), 25u);
        QVERIFY(std::is_sorted(seqs.begin(), seqs.end()));
        QVERIFY(std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end());
        // Entity filter.
        const json odd = body(reader.get("/v1/events?entity=lead:L-odd&limit=1000"));
        QCOMPARE(odd["events"].size(), 12u);
        // Type and time window.
        QCOMPARE(body(reader.get("/v1/"
                                 "events?type=LeadScored&correlation_id=paging&since=2026-11-27T09:"
                                 "14:03Z&until=2026-11-27T09:14:04Z&limit=1000"))["events"]
                     .size(),
                 25u);
        QCOMPARE(body(reader.get(
                     "/v1/events?correlation_id=paging&since=2026-11-27T10:00:00Z"))["events"]
                     .size(),
                 0u);
        // By producer, exactly.
        QCOMPARE(body(reader.get("/v1/events?correlation_id=paging&producer=enrichment-service&"
                                 "limit=1000"))["events"]
                     .size(),
                 25u);
        QCOMPARE(body(reader.get("/v1/events?correlation_id=paging&producer=enrichment"))["events"]
                     .size(),
                 0u);
        // Bad parameters are named.
        const auto bad = reader.get("/v1/events?since=noon&limit=0&entity=lead");
        QCOMPARE_HTTP(bad, 400);
        const QStringList paths = violationPaths(bad);
        QVERIFY(paths.contains(QStringLiteral("since")));
        QVERIFY(paths.contains(QStringLiteral("limit")));
        QVERIFY(paths.contains(QStringLiteral("entity")));
    }

    void schemasListAndRegister() {
        auto admin = mesh->client(mesh->adminToken);
        const json list = body(admin.get("/v1/schemas"));
        QCOMPARE(list["schemas"].size(), 12u);

        // A compatible change: a new optional property.
        json v1 = body(admin.get("/v1/schemas/LeadScored/versions"))["versions"][0]["schema"];
        json v2 = v1;
        v2["$id"] = "urn:meshdeck:schema:LeadScored:2";
        v2["properties"]["segment"] = {{"type", "string"}};
        const auto check = admin.postJson("/v1/schemas/LeadScored/check?mode=full", v2.dump());
        QCOMPARE_HTTP(check, 200);
        QCOMPARE_JSON(body(check)["compatible"], true);
        const auto created = admin.postJson("/v1/schemas/LeadScored/versions", v2.dump());
        QCOMPARE_HTTP(created, 201);
        QCOMPARE_JSON(body(created)["version"], 2);
        QCOMPARE(body(admin.get("/v1/schemas/LeadScored/versions"))["versions"].size(), 2u);

        // A breaking change: a new required property. Refused with the change listed.
        json v3 = v2;
        v3["$id"] = "urn:meshdeck:schema:LeadScored:3";
        v3["properties"]["region"] = {{"type", "string"}};
        v3["required"].push_back("region");
        const auto refused =
            admin.postJson("/v1/schemas/LeadScored/versions?compatibility=backward", v3.dump());
        QCOMPARE_HTTP(refused, 409);
        QVERIFY(violationPaths(refused).contains(QStringLiteral("/region")));
        QCOMPARE(body(admin.get("/v1/schemas/LeadScored/versions"))["versions"].size(), 2u);

        // Only admins register.
        auto producer = mesh->client(acmeProducer);
        QCOMPARE_HTTP(producer.postJson("/v1/schemas/LeadScored/versions", v2.dump()), 403);

        // Events may now name version 2.
        json e = leadScored("L-v2", 3);
        e["schema_version"] = 2;
        e["payload"]["segment"] = "enterprise";
        QCOMPARE_HTTP(producer.postJson("/v1/events", e.dump()), 202);

        // The audit log names who registered it.
        const json audit = body(admin.get("/v1/audit"));
        QVERIFY(std::any_of(audit["entries"].begin(), audit["entries"].end(), [](const json& a) {
            return a["action"] == "schema.register" && a["target"] == "LeadScored v2";
        }));
    }

    void payloadsValidateWithoutPublishing() {
        auto viewer = mesh->client(acmeViewer);
        const json good = leadScored("L-val", 1)["payload"];
        const auto ok = viewer.postJson("/v1/schemas/LeadScored/validate?version=1", good.dump());
        QCOMPARE_HTTP(ok, 200);
        QCOMPARE_JSON(body(ok)["valid"], true);
        QCOMPARE_JSON(body(ok)["schema_version"], 1);
        json bad = good;
        bad["score"] = "high";
        const auto refused = viewer.postJson("/v1/schemas/LeadScored/validate", bad.dump());
        QCOMPARE_HTTP(refused, 200);
        QCOMPARE_JSON(body(refused)["valid"], false);
        QVERIFY(violationPaths(refused).contains(QStringLiteral("/score")));
        QCOMPARE_JSON(
            body(viewer.postJson("/v1/schemas/LeadScored/validate", "{\"score\":"))["valid"],
            false);
        QCOMPARE_HTTP(viewer.postJson("/v1/schemas/NoSuchType/validate", good.dump()), 404);
        QCOMPARE_HTTP(viewer.postJson("/v1/schemas/LeadScored/validate?version=0", good.dump()),
                      400);
        // Nothing was published.
        QCOMPARE(body(viewer.get("/v1/events?correlation_id=lead-L-val-journey"))["events"].size(),
                 0u);
    }

    void metricsInPrometheusFormat() {
        auto client = mesh->client(acmeProducer);
        QCOMPARE_HTTP(client.postJson("/v1/events", leadScored("L-m", 1).dump()), 202);
        QCOMPARE_HTTP(client.postJson("/v1/events", R"({"event_type":"LeadScored"})"), 422);
        auto globex = mesh->client(globexProducer);
        QCOMPARE_HTTP(globex.postJson("/v1/events", leadScored("L-g", 1, "globex").dump()), 202);

        // A token over every tenant sees the whole process.
        const auto all = mesh->client(mesh->adminToken).get("/metrics");
        QCOMPARE_HTTP(all, 200);
        const std::string& text = all.body;
        QVERIFY(text.find("meshdeck_events_published_total{type=\"LeadScored\",producer="
                          "\"enrichment-service\",tenant=\"acme\"}") != std::string::npos);
        QVERIFY(text.find("tenant=\"globex\"") != std::string::npos);
        QVERIFY(text.find("meshdeck_ingest_rejections_total{reason=\"invalid\"}") !=
                std::string::npos);
        QVERIFY(text.find("meshdeck_commit_latency_ms_bucket{le=\"+Inf\"}") != std::string::npos);
        QVERIFY(text.find("meshdeck_commit_batch_jobs_count") != std::string::npos);
        QVERIFY(text.find("meshdeck_writer_queue_depth") != std::string::npos);

        // A tenant's token sees its tenant's series only.
        const auto own = mesh->client(acmeViewer).get("/metrics");
        QCOMPARE_HTTP(own, 200);
        QVERIFY(own.body.find("tenant=\"acme\"") != std::string::npos);
        QVERIFY2(own.body.find("globex") == std::string::npos, own.body.c_str());
        QVERIFY(own.body.find("meshdeck_writer_queue_depth") == std::string::npos);
        QCOMPARE_HTTP(MeshClient(mesh->url(), "").get("/metrics"), 401);
    }

    void healthNeedsNoToken() {
        QCOMPARE_HTTP(
            mesh->client(acmeProducer).postJson("/v1/events", leadScored("L-h", 1).dump()), 202);
        MeshClient anonymous(mesh->url(), "");
        const auto r = anonymous.get("/healthz");
        QCOMPARE_HTTP(r, 200);
        QCOMPARE_JSON(body(r)["status"], "ok");
        QVERIFY(body(r)["last_seq"].get<long long>() > 0);
    }

    void unknownRouteIs404() {
        auto client = mesh->client(acmeViewer);
        QCOMPARE_HTTP(client.get("/v1/nothing-here"), 404);
    }
};

// Limits get their own brokers: small ones, so the tests are quick and exact.
class GatewayLimitsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void oversizeBodyIs413AndQuarantined() {
        BrokerConfig config;
        config.maxBodyBytes = 4096;
        TestBroker mesh(config);
        auto client = mesh.client(mesh.token(Role::Producer, "acme"));
        json big = leadScored("L-big", 1);
        big["payload"]["notes"] = std::string(8192, 'x');
        const auto r = client.postJson("/v1/events", big.dump());
        QCOMPARE_HTTP(r, 413);
        auto admin = mesh.client(mesh.adminToken);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const json entries = body(admin.get("/v1/quarantine"))["entries"];
                return !entries.empty() && entries[0]["reason"] == "too-large";
            }(),
            5000);
    }

    void tooManyEventsIs413() {
        BrokerConfig config;
        config.maxEventsPerRequest = 10;
        TestBroker mesh(config);
        auto client = mesh.client(mesh.token(Role::Producer, "acme"));
        json batch = json::array();
        for (int i = 0; i < 11; ++i)
            batch.push_back(leadScored("L-n", i));
        QCOMPARE_HTTP(client.postJson("/v1/events", batch.dump()), 413);
    }

    void rateLimitIs429WithRetryAfter() {
        BrokerConfig config;
        config.publishRatePerToken = 0.5; // one event per 2 s: no refill between two requests
        config.publishBurstPerToken = 20;
        TestBroker mesh(config);
        auto client = mesh.client(mesh.token(Role::Producer, "acme"));
        json batch = json::array();
        for (int i = 0; i < 20; ++i)
            batch.push_back(leadScored("L-rate", i));
        QCOMPARE_HTTP(client.postJson("/v1/events", batch.dump()), 202);
        const auto r = client.postJson("/v1/events", leadScored("L-rate", 99).dump());
        QCOMPARE_HTTP(r, 429);
        QVERIFY(r.headers.count("retry-after"));
        QVERIFY(std::stoi(r.headers.at("retry-after")) >= 1);
        QVERIFY2(body(r)["detail"].get<std::string>().find("0.5 events per second") !=
                     std::string::npos,
                 r.body.c_str());
        // Another token has its own bucket.
        auto other = mesh.client(mesh.token(Role::Producer, "acme"));
        QCOMPARE_HTTP(other.postJson("/v1/events", leadScored("L-rate", 100).dump()), 202);
    }

    void fullQueueIs503WithRetryAfter() {
        BrokerConfig config;
        config.maxQueuedEvents = 5;
        TestBroker mesh(config);
        auto client = mesh.client(mesh.token(Role::Producer, "acme"));
        // Hold the writer inside a job, then fill the queue behind it.
        std::promise<void> release;
        std::shared_future<void> released = release.get_future().share();
        std::promise<void> entered;
        QVERIFY(mesh.core().database().submit({1,
                                               [&entered, released](sqlite3*) {
                                                   entered.set_value();
                                                   released.wait();
                                               },
                                               [](const std::string&) {
                                               }}));
        entered.get_future().wait();
        QVERIFY(mesh.core().database().submit({5, [](sqlite3*) {},
                                               [](const std::string&) {
                                               }}));

        const auto r = client.postJson("/v1/events", leadScored("L-busy", 0).dump());
        QCOMPARE_HTTP(r, 503);
        QCOMPARE(r.headers.at("retry-after"), std::string("1"));

        release.set_value();
        QTRY_COMPARE_WITH_TIMEOUT(
            client.postJson("/v1/events", leadScored("L-busy", 1).dump()).status, 202, 5000);
    }
};

// HTTPS: the same API over TLS with a certificate made for the test.
class GatewayTlsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void publishOverTls() {
        QTemporaryDir certDir;
        const QString cert = certDir.path() + QStringLiteral("/cert.pem");
        const QString key = certDir.path() + QStringLiteral("/key.pem");
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                       QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                       QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert,
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                       QStringLiteral("/CN=127.0.0.1")});
        QVERIFY(openssl.waitForFinished(30000));
        QCOMPARE(openssl.exitCode(), 0);

        BrokerConfig config;
        config.tlsCert = cert.toStdString();
        config.tlsKey = key.toStdString();
        TestBroker mesh(config);
        QVERIFY(mesh.url().rfind("https://", 0) == 0);
        auto client = mesh.client(mesh.token(Role::Producer, "acme"));
        // The certificate is self-signed: verification refuses it...
        const auto refused = client.postJson("/v1/events", leadScored("L-tls", 1).dump());
        QCOMPARE(refused.status, 0);
        QVERIFY(!refused.error.empty());
        // ...unless told to trust it.
        client.setInsecure(true);
        client.disconnect();
        const auto r = client.postJson("/v1/events", leadScored("L-tls", 1).dump());
        QCOMPARE_HTTP(r, 202);
        // Plain HTTP to the TLS port gets no answer it could mistake for success.
        std::string plainUrl = mesh.url();
        plainUrl.replace(0, 5, "http");
        MeshClient plain(plainUrl, "");
        plain.setTimeout(std::chrono::seconds(3));
        QVERIFY(!plain.get("/healthz").ok());
    }
};

int main(int argc, char** argv) {
    GatewayTest gateway;
    GatewayLimitsTest limits;
    GatewayTlsTest tls;
    return meshdeck::test::runTestClasses(argc, argv, {&gateway, &limits, &tls});
}

#include "tst_gateway.moc"
