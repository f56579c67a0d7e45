// meshd tried as an attacker with valid low-privilege tokens would: JSON
// fields of the wrong type, nesting deep enough to exhaust a stack, bytes
// after the body, HTTP the parser refuses, bad paging values. Each must get
// a clear 4xx (or an error frame) naming what is wrong, and the broker must
// go on serving; none may need the last-resort boundary
// (meshdeck_internal_errors_total stays absent).

#include "core/json_input.h"
#include "core/uuid.h"
#include "tests/support/http_compare.h"
#include "tests/support/test_broker.h"
#include "tests/support/ws_client.h"

#include <QtTest/QTest>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

using namespace meshdeck;
using meshdeck::test::TestBroker;
using meshdeck::test::WsClient;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

json leadScored(const std::string& lead, const std::string& tenant = "acme") {
    static UuidV7Generator ids;
    return json{{"event_id", ids.next()},
                {"event_type", "LeadScored"},
                {"schema_version", 1},
                {"occurred_at", "2026-11-27T09:14:03.120Z"},
                {"producer", "enrichment-service"},
                {"tenant_id", tenant},
                {"correlation_id", "lead-" + lead + "-journey"},
                {"entity", {{"kind", "lead"}, {"id", lead}}},
                {"payload", {{"lead_id", lead}, {"score", 50}, {"model", "fit-v3"}}}};
}

// `levels` nested arrays around a number, as raw text: nlohmann never sees it
// whole, so the test itself cannot overflow building it.
std::string nested(int levels, char open = '[', char close = ']') {
    std::string text(static_cast<std::size_t>(levels), open);
    if (open == '{') {
        text.clear();
        for (int i = 0; i < levels; ++i)
            text += "{\"a\":";
        text += '1';
        text += std::string(static_cast<std::size_t>(levels), '}');
        return text;
    }
    text += '1';
    text += std::string(static_cast<std::size_t>(levels), close);
    return text;
}

// A valid event whose payload holds `deep` (raw JSON text) under "model".
std::string eventWith(const std::string& deep) {
    std::string text = leadScored("L-deep").dump();
    const std::string marker = "\"fit-v3\"";
    text.replace(text.find(marker), marker.size(), deep);
    return text;
}

json parsed(const HttpResult& r) {
    return json::parse(r.body, nullptr, false);
}

QString violations(const HttpResult& r) {
    return QString::fromStdString(parsed(r).value("violations", json::array()).dump());
}

// Raw bytes to the broker's port; the whole answer until the server closes.
std::string rawExchange(std::uint16_t port, const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return {};
    }
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break; // the server may answer and close before reading it all
        sent += static_cast<std::size_t>(n);
    }
    std::string answer;
    char buffer[4096];
    for (;;) {
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

} // namespace

class HostileInputTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<TestBroker> mesh;
    std::string producer, consumer, operatorToken, admin;

    // The broker still answers, and no request needed the last-resort boundary.
    void brokerIsHealthy() {
        auto client = mesh->client(mesh->adminToken);
        QCOMPARE_HTTP(client.get("/healthz"), 200);
        const auto metrics = client.get("/metrics");
        QCOMPARE_HTTP(metrics, 200);
        QVERIFY2(metrics.body.find("meshdeck_internal_errors_total{") == std::string::npos,
                 metrics.body.c_str());
    }

    void createWebSocketConsumer(const std::string& name) {
        auto client = mesh->client(admin);
        const json spec{{"name", name},
                        {"filter", {{"tenant", "acme"}, {"event_types", {"LeadScored"}}}},
                        {"sink", {{"type", "websocket"}}}};
        QCOMPARE_HTTP(client.postJson("/v1/consumers", spec.dump()), 201);
    }

private Q_SLOTS:
    void initTestCase() {
        mesh = std::make_unique<TestBroker>();
        producer = mesh->token(Role::Producer, "acme");
        consumer = mesh->token(Role::Consumer, "acme");
        operatorToken = mesh->token(Role::Operator, "acme");
        admin = mesh->token(Role::Admin, "acme");
    }
    void cleanupTestCase() { mesh.reset(); }

    void depthLimitIsCheckedBeforeParsing_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("accepted");
        QTest::addRow("64 arrays") << QString::fromStdString(nested(64)) << true;
        QTest::addRow("65 arrays") << QString::fromStdString(nested(65)) << false;
        QTest::addRow("65 objects") << QString::fromStdString(nested(65, '{', '}')) << false;
        QTest::addRow("brackets in a string") << QStringLiteral("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                                                                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                                                                "[[[[[[[[[[[[\"]")
                                              << true;
        QTest::addRow("escaped quote then brackets")
            << QStringLiteral("[\"\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                              "[[[[[[[[[[[[[[[\"]")
            << true;
    }
    void depthLimitIsCheckedBeforeParsing() {
        QFETCH(QString, text);
        QFETCH(bool, accepted);
        const std::string error = json_input::checkLimits(text.toStdString(), 64);
        QCOMPARE(error.empty(), accepted);
        if (!accepted)
            QVERIFY(error.find("deeper than 64 levels") != std::string::npos);
    }

    void deepPayloadIsRefusedNotFatal_data() {
        QTest::addColumn<QString>("contentType");
        QTest::addColumn<int>("levels");
        QTest::addRow("canonical, 100000 arrays") << "application/json" << 100'000;
        QTest::addRow("canonical, 65 arrays") << "application/json" << 65;
        QTest::addRow("CloudEvents structured") << "application/cloudevents+json" << 100'000;
    }
    void deepPayloadIsRefusedNotFatal() {
        QFETCH(QString, contentType);
        QFETCH(int, levels);
        auto client = mesh->client(producer);
        const auto newestQuarantined = [this]() -> std::int64_t {
            auto reader = mesh->client(admin);
            const auto q = parsed(reader.get("/v1/quarantine?limit=1"));
            return q["entries"].empty() ? 0 : q["entries"][0]["id"].get<std::int64_t>();
        };
        const std::int64_t before = newestQuarantined();
        std::string body = eventWith(nested(levels));
        if (contentType.contains(QStringLiteral("cloudevents"))) {
            const json e = leadScored("L-ce");
            std::string ce = json{
                {"specversion", "1.0"},
                {"id", e["event_id"]},
                {"type", "LeadScored"},
                {"source", "enrichment-service"},
                {"subject", "lead/L-ce"},
                {"tenantid", "acme"},
                {"time", "2026-11-27T09:14:03.120Z"},
                {"data", "DEEP"}}.dump();
            ce.replace(ce.find("\"DEEP\""), 6, nested(levels));
            body = ce;
        }
        const auto r = client.request("POST", "/v1/events", body,
                                      {{"content-type", contentType.toStdString()}});
        QVERIFY2(r.status == 400 || r.status == 422, r.body.c_str());
        QVERIFY2(r.body.find("deeper than 64 levels") != std::string::npos, r.body.c_str());
        // Refused, and kept with its reason.
        QVERIFY(QTest::qWaitFor([&] { return newestQuarantined() > before; }, 5000));
        auto reader = mesh->client(admin);
        const auto q = parsed(reader.get("/v1/quarantine?limit=1"));
        QVERIFY2(q["entries"][0]["problem"].dump().find("deeper than 64 levels") !=
                     std::string::npos,
                 q.dump().substr(0, 500).c_str());
        brokerIsHealthy();
    }

    void trailingBytesAfterTheBodyAreRefused() {
        auto client = mesh->client(producer);
        std::string body = leadScored("L-nul").dump();
        body += std::string(1, '\0') + "garbage";
        const auto r = client.postJson("/v1/events", body);
        QVERIFY2(r.status == 400 || r.status == 422, r.body.c_str());
        QVERIFY2(r.body.find("NUL byte") != std::string::npos, r.body.c_str());
        const auto trailing = client.postJson("/v1/events", leadScored("L-tail").dump() + " {}");
        QVERIFY2(trailing.status == 400 || trailing.status == 422, trailing.body.c_str());
        brokerIsHealthy();
    }

    void wrongTypesInOperatorBodiesAreViolations_data() {
        QTest::addColumn<QString>("role");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("path");
        QTest::addRow("replay rate_per_second") << "operator"
                                                << "/v1/consumers/ws-hostile/replay"
                                                << R"({"from_seq":1,"rate_per_second":"fast"})"
                                                << "/rate_per_second";
        QTest::addRow("replay dry_run") << "operator"
                                        << "/v1/consumers/ws-hostile/replay"
                                        << R"({"from_seq":1,"dry_run":"yes"})"
                                        << "/dry_run";
        QTest::addRow("replay consumers") << "operator"
                                          << "/v1/replay"
                                          << R"({"from_seq":1,"consumers":[5]})"
                                          << "/consumers";
        QTest::addRow("discard reason") << "operator"
                                        << "/v1/dead-letters/discard"
                                        << R"({"ids":[1],"reason":5})"
                                        << "/reason";
        QTest::addRow("discard consumer") << "operator"
                                          << "/v1/dead-letters/discard"
                                          << R"({"consumer":7,"reason":"x"})"
                                          << "/consumer";
        QTest::addRow("token name") << "admin"
                                    << "/v1/tokens"
                                    << R"({"role":"viewer","tenant":"acme","name":5})"
                                    << "/name";
        QTest::addRow("token role") << "admin"
                                    << "/v1/tokens"
                                    << R"({"role":["admin"],"tenant":"acme"})"
                                    << "/role";
    }
    void wrongTypesInOperatorBodiesAreViolations() {
        QFETCH(QString, role);
        QFETCH(QString, target);
        QFETCH(QString, body);
        QFETCH(QString, path);
        static bool created = false;
        if (!created) {
            createWebSocketConsumer("ws-hostile");
            created = true;
        }
        auto client = mesh->client(role == QStringLiteral("admin") ? admin : operatorToken);
        const auto r = client.postJson(target.toStdString(), body.toStdString());
        QCOMPARE_HTTP(r, 400);
        QCOMPARE(QString::fromStdString(r.headers.at("content-type")),
                 QStringLiteral("application/problem+json"));
        QVERIFY2(violations(r).contains(QStringLiteral("\"path\":\"%1\"").arg(path)),
                 qPrintable(violations(r)));
        brokerIsHealthy();
    }

    void deepConsumerSpecIsRefused() {
        auto client = mesh->client(admin);
        std::string spec =
            json{{"name", "deep-where"},
                 {"filter",
                  {{"tenant", "acme"},
                   {"where", {{{"path", "/payload/score"}, {"op", "=="}, {"value", "DEEP"}}}}}},
                 {"sink", {{"type", "none"}}}}
                .dump();
        spec.replace(spec.find("\"DEEP\""), 6, nested(100'000));
        const auto r = client.postJson("/v1/consumers", spec);
        QVERIFY2(r.status == 400 || r.status == 422, r.body.c_str());
        QVERIFY2(r.body.find("deeper than 64 levels") != std::string::npos, r.body.c_str());
        brokerIsHealthy();
    }

    void subscriberFramesOfWrongTypesGetErrorFrames() {
        createWebSocketConsumer("ws-frames");
        WsClient ws(mesh->url(), "/v1/subscribe", consumer);
        auto expectError = [&ws](const std::string& frame, const std::string& words) {
            ws.send(frame);
            const auto reply = ws.receive(5s);
            QVERIFY2(reply.has_value(), frame.c_str());
            const json j = json::parse(*reply);
            QCOMPARE(QString::fromStdString(j.value("type", "")), QStringLiteral("error"));
            QVERIFY2(j.value("message", "").find(words) != std::string::npos, reply->c_str());
        };
        expectError(R"({"type":1})", "/type: expected a string");
        expectError(R"({"type":"subscribe","consumer":"ws-frames","max_in_flight":"many"})",
                    "/max_in_flight: expected an integer");
        expectError(R"({"type":"subscribe","consumer":5})", "/consumer: expected a string");
        expectError("[" + nested(100'000) + "]", "deeper than 64 levels");
        ws.send(R"({"type":"subscribe","consumer":"ws-frames","max_in_flight":5})");
        const auto subscribed = ws.receive(5s);
        QVERIFY(subscribed && subscribed->find("\"subscribed\"") != std::string::npos);

        // One delivery to answer with bad frames, then properly.
        auto client = mesh->client(producer);
        QCOMPARE_HTTP(client.postJson("/v1/events", leadScored("L-ws").dump()), 202);
        const auto deliver = ws.receive(5s);
        QVERIFY(deliver && deliver->find("\"deliver\"") != std::string::npos);
        const auto id = json::parse(*deliver)["delivery_id"].get<std::uint64_t>();
        const std::string idText = std::to_string(id);
        expectError(R"({"type":2})", "/type: expected a string");
        expectError(R"({"type":"nack","delivery_id":)" + idText + R"(,"retry":"no"})",
                    "/retry: expected true or false");
        expectError(R"({"type":"ack","delivery_id":"7"})", "/delivery_id: expected an integer");
        expectError(R"({"type":"ack","delivery_id":)" + idText + R"(,"outcome":)" +
                        nested(100'000) + "}",
                    "deeper than 64 levels");
        // The delivery is still there to acknowledge: none of the above touched it.
        ws.send(R"({"type":"ack","delivery_id":)" + idText + "}");
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto c = mesh->client(admin);
                const auto s = parsed(c.get("/v1/consumers/ws-frames"));
                return s["totals"].value("delivered", 0) == 1;
            },
            5000));
        brokerIsHealthy();
    }

    void parserRefusalsAreProblemDocuments_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        const QByteArray longHeader =
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(64 * 1024, 'a') + "\r\n\r\n";
        QByteArray manyHeaders = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
        for (int i = 0; i < 1000; ++i)
            manyHeaders += "X-H" + QByteArray::number(i) + ": v\r\n";
        manyHeaders += "\r\n";
        QTest::addRow("64 KiB header") << longHeader << 431;
        QTest::addRow("1000 headers") << manyHeaders << 431;
        QTest::addRow("1 MB URL") << "GET /v1/events?q=" + QByteArray(1 << 20, 'a') +
                                         " HTTP/1.1\r\nHost: x\r\n\r\n"
                                  << 414;
        QTest::addRow("bad Content-Length")
            << QByteArray("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n")
            << 400;
        QTest::addRow("bad chunk size") << QByteArray("POST /v1/events HTTP/1.1\r\nHost: x\r\n"
                                                      "Transfer-Encoding: chunked\r\n\r\nzz\r\n")
                                        << 400;
    }
    void parserRefusalsAreProblemDocuments() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        const auto port =
            static_cast<std::uint16_t>(std::stoi(mesh->url().substr(mesh->url().rfind(':') + 1)));
        const std::string answer = rawExchange(port, request.toStdString());
        const std::string statusLine = "HTTP/1.1 " + std::to_string(status) + ' ';
        QVERIFY2(answer.starts_with(statusLine), answer.substr(0, 200).c_str());
        QVERIFY2(answer.find("application/problem+json") != std::string::npos,
                 answer.substr(0, 400).c_str());
        brokerIsHealthy();
    }

    void badPagingValuesAreRefusedEverywhere_data() {
        QTest::addColumn<QString>("target");
        for (const char* route :
             {"/v1/events", "/v1/dead-letters", "/v1/audit", "/v1/quarantine"}) {
            for (const char* query : {"limit=0", "limit=1001", "limit=ten", "limit=-5"})
                QTest::addRow("%s?%s", route, query)
                    << QStringLiteral("%1?%2").arg(QLatin1String(route), QLatin1String(query));
        }
        for (const char* route : {"/v1/dead-letters", "/v1/audit", "/v1/quarantine"})
            for (const char* query : {"before=0", "before=x", "before=-1"})
                QTest::addRow("%s?%s", route, query)
                    << QStringLiteral("%1?%2").arg(QLatin1String(route), QLatin1String(query));
        QTest::addRow("events cursor") << QStringLiteral("/v1/events?cursor=abc");
    }
    void badPagingValuesAreRefusedEverywhere() {
        QFETCH(QString, target);
        auto client = mesh->client(admin);
        const auto r = client.get(target.toStdString());
        QCOMPARE_HTTP(r, 400);
        QVERIFY2(r.body.find("expected") != std::string::npos, r.body.c_str());
    }

    void configRefusesBadDepth() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("meshd.json"));
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(R"({"data_dir":"x","limits":{"json_depth":3}})");
        out.close();
        try {
            loadConfigFile(file.toStdString());
            QFAIL("a json_depth of 3 was accepted");
        } catch (const ConfigError& e) {
            QVERIFY2(std::string(e.what()).find("limits.json_depth") != std::string::npos,
                     e.what());
        }
    }
};

QTEST_GUILESS_MAIN(HostileInputTest)
#include "tst_hostile_input.moc"
