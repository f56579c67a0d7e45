// The outbound webhook path: Standard Webhooks signatures against the fixture
// vector, failure classes and Retry-After, URL parsing, and the HTTP(S) client
// against a real SinkServer on 127.0.0.1 - keep-alive, refusals, timeouts,
// throttling, connections the receiver closes, concurrency, shutdown and TLS.

#include "broker/delivery/signing.h"
#include "broker/delivery/webhook_client.h"
#include "core/failure.h"
#include "tests/support/sink_server.h"
#include "tests/support/test_support.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <future>
#include <latch>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

using namespace meshdeck::delivery;
using meshdeck::test::SinkReply;
using meshdeck::test::SinkRequest;
using meshdeck::test::SinkServer;
using meshdeck::test::SinkTls;
using namespace std::chrono_literals;
namespace net = boost::asio;

Q_DECLARE_METATYPE(meshdeck::delivery::FailureClass)

namespace {

QString q(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

QString name(FailureClass failure) {
    return q(toString(failure));
}

// An io_context run by its own threads for as long as the test needs it.
struct IoThreads {
    explicit IoThreads(int count = 1) {
        for (int i = 0; i < count; ++i)
            threads.emplace_back([this] { io.run(); });
    }
    ~IoThreads() {
        work.reset();
        io.stop();
        for (auto& thread : threads)
            thread.join();
    }
    net::io_context io;
    net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
    std::vector<std::thread> threads;
};

WebhookRequest post(std::string url, std::string body = R"({"ok":true})") {
    WebhookRequest request;
    request.url = std::move(url);
    request.headers = {{"Content-Type", "application/json"}};
    request.body = std::move(body);
    return request;
}

// Sends and waits for done. A second call of done throws on the io thread
// (promise already satisfied), which ends the test run.
WebhookResult sendAndWait(WebhookClient& client, WebhookRequest request,
                          std::chrono::milliseconds limit = 10s) {
    auto promise = std::make_shared<std::promise<WebhookResult>>();
    auto future = promise->get_future();
    client.send(std::move(request),
                [promise](WebhookResult result) { promise->set_value(std::move(result)); });
    if (future.wait_for(limit) != std::future_status::ready) {
        WebhookResult missing;
        missing.status = -1;
        missing.failure = FailureClass::Other;
        missing.error = "test: done was not called within " + std::to_string(limit.count()) + " ms";
        return missing;
    }
    return future.get();
}

// Sends `count` requests at once (bodies "0", "1", ...) and waits for all.
std::vector<WebhookResult> sendMany(WebhookClient& client, const std::string& url, int count) {
    std::mutex mutex;
    std::vector<WebhookResult> results;
    std::latch finished(count);
    for (int i = 0; i < count; ++i)
        client.send(post(url, std::to_string(i)), [&](WebhookResult result) {
            {
                std::lock_guard lock(mutex);
                results.push_back(std::move(result));
            }
            finished.count_down();
        });
    finished.wait();
    return results;
}

// Evaluates `expression` once (it is often a send).
#define QVERIFY_DELIVERED(expression)                                                              \
    do {                                                                                           \
        const WebhookResult& delivered_ = (expression);                                            \
        QVERIFY2(delivered_.ok() && delivered_.status >= 200 && delivered_.status < 300,           \
                 qPrintable(QStringLiteral("HTTP %1, %2: %3")                                      \
                                .arg(delivered_.status)                                            \
                                .arg(name(delivered_.failure), q(delivered_.error))));             \
    } while (false)

// A self-signed certificate for "localhost" only (no IP address in it).
bool makeLocalhostCertificate(const QTemporaryDir& dir, SinkTls& tls) {
    tls.certFile = QString(dir.path() + QStringLiteral("/cert.pem")).toStdString();
    tls.keyFile = QString(dir.path() + QStringLiteral("/key.pem")).toStdString();
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), QString::fromStdString(tls.keyFile),
                   QStringLiteral("-out"), QString::fromStdString(tls.certFile),
                   QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=localhost"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=DNS:localhost")});
    return openssl.waitForFinished(30000) && openssl.exitCode() == 0;
}

} // namespace

class WebhookClientTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // --- Signing --------------------------------------------------------

    void signatureMatchesFixture() {
        using nlohmann::json;
        const json vector = json::parse(
            meshdeck::test::readFixture(QStringLiteral("standard-webhooks/signature.json")));
        const std::string body = meshdeck::test::readFixture(
            QStringLiteral("standard-webhooks/") +
            QString::fromStdString(vector["body_file"].get<std::string>()));
        const auto& headers = vector["headers"];
        const std::string id = headers["webhook-id"];
        const std::int64_t timestamp = std::stoll(headers["webhook-timestamp"].get<std::string>());
        const std::string expected = headers["webhook-signature"];

        // The vector signs the file's bytes exactly, and the file has no
        // trailing newline.
        QVERIFY(!body.empty() && body.back() == '}');
        QCOMPARE(
            q(standardWebhookSignature(vector["secret"].get<std::string>(), id, timestamp, body)),
            q(expected));
        QVERIFY(standardWebhookSignature(vector["secret"].get<std::string>(), id, timestamp,
                                         body + '\n') != expected);
        // Without "whsec_" the secret's own bytes are the key: the fixture's key
        // decodes to this text, so the signature is the same.
        QCOMPARE(
            q(standardWebhookSignature("meshdeck-outbound-key-0123456789ab", id, timestamp, body)),
            q(expected));
        QVERIFY(standardWebhookSignature("meshdeck-outbound-key-0123456789ac", id, timestamp,
                                         body) != expected);
    }

    void malformedSecretsAreRefused_data() {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("mentions");
        QTest::addRow("character outside base64")
            << QStringLiteral("whsec_bWVz!GRlY2s=") << QStringLiteral("'!' is not a base64");
        QTest::addRow("padding in the middle")
            << QStringLiteral("whsec_bW=zaGRl") << QStringLiteral("padding appears before");
        QTest::addRow("one character past a group")
            << QStringLiteral("whsec_bWVzaGRlY") << QStringLiteral("group of four");
        QTest::addRow("three padding characters")
            << QStringLiteral("whsec_bW===") << QStringLiteral("more than two");
        QTest::addRow("prefix only") << QStringLiteral("whsec_") << QStringLiteral("empty");
        QTest::addRow("empty") << QString() << QStringLiteral("empty");
    }
    void malformedSecretsAreRefused() {
        QFETCH(QString, secret);
        QFETCH(QString, mentions);
        const std::string text = secret.toStdString();
        try {
            standardWebhookSignature(text, "msg_1", 1764234843, "{}");
            QFAIL("the secret was accepted");
        } catch (const std::invalid_argument& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(mentions), qPrintable(message));
            // The message never repeats the secret.
            if (text.size() > 6)
                QVERIFY2(!message.contains(q(text.substr(6))), qPrintable(message));
        }
    }

    // --- Failure classes and Retry-After ----------------------------------

    void failureClassNames() {
        const std::vector<std::pair<FailureClass, const char*>> names{
            {FailureClass::None, "none"},           {FailureClass::Transport, "transport"},
            {FailureClass::Throttled, "throttled"}, {FailureClass::Auth, "auth"},
            {FailureClass::Invalid, "invalid"},     {FailureClass::Server, "server"},
            {FailureClass::Other, "other"},         {FailureClass::Stale, "stale"}};
        for (const auto& [failure, text] : names) {
            QCOMPARE(name(failure), QString::fromLatin1(text));
            QCOMPARE(parseFailureClass(text), std::optional<FailureClass>(failure));
        }
        QCOMPARE(parseFailureClass("Server"), std::nullopt); // names are exact
        QCOMPARE(parseFailureClass(""), std::nullopt);
    }

    void classifyStatus_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("retryAfter");
        QTest::addColumn<FailureClass>("expected");
        const QByteArray salesforceLimit =
            R"([{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])";
        const QByteArray salesforceSession =
            R"([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])";
        QTest::addRow("200 OK") << 200 << QByteArray() << false << FailureClass::None;
        QTest::addRow("204 No Content") << 204 << QByteArray() << false << FailureClass::None;
        QTest::addRow("429") << 429 << QByteArray() << false << FailureClass::Throttled;
        QTest::addRow("503 with Retry-After")
            << 503 << QByteArray() << true << FailureClass::Throttled;
        QTest::addRow("503 without Retry-After")
            << 503 << QByteArray() << false << FailureClass::Server;
        QTest::addRow("403 Salesforce REQUEST_LIMIT_EXCEEDED")
            << 403 << salesforceLimit << false << FailureClass::Throttled;
        QTest::addRow("403 Salesforce other error")
            << 403 << salesforceSession << false << FailureClass::Auth;
        QTest::addRow("403") << 403 << QByteArray("forbidden") << false << FailureClass::Auth;
        QTest::addRow("401") << 401 << QByteArray() << false << FailureClass::Auth;
        QTest::addRow("401 with REQUEST_LIMIT_EXCEEDED")
            << 401 << salesforceLimit << false << FailureClass::Auth;
        QTest::addRow("400") << 400 << QByteArray() << false << FailureClass::Invalid;
        QTest::addRow("422") << 422 << QByteArray() << false << FailureClass::Invalid;
        QTest::addRow("500") << 500 << QByteArray() << false << FailureClass::Server;
        QTest::addRow("502") << 502 << QByteArray() << false << FailureClass::Server;
        QTest::addRow("500 with Retry-After")
            << 500 << QByteArray() << true << FailureClass::Server;
        QTest::addRow("404") << 404 << QByteArray() << false << FailureClass::Other;
        QTest::addRow("410") << 410 << QByteArray() << false << FailureClass::Other;
        QTest::addRow("413") << 413 << QByteArray() << false << FailureClass::Other;
        QTest::addRow("301") << 301 << QByteArray() << false << FailureClass::Other;
    }
    void classifyStatus() {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(bool, retryAfter);
        QFETCH(FailureClass, expected);
        const auto actual = meshdeck::delivery::classifyStatus(
            status, std::string_view(body.constData(), body.size()), retryAfter);
        QCOMPARE(name(actual), name(expected));
    }

    void parseRetryAfter_data() {
        QTest::addColumn<QString>("value");
        QTest::addColumn<qint64>("expectedMs"); // -1: nullopt
        QTest::addRow("delta 3") << QStringLiteral("3") << qint64(3000);
        QTest::addRow("delta 0") << QStringLiteral("0") << qint64(0);
        QTest::addRow("delta with spaces") << QStringLiteral(" 120\t") << qint64(120000);
        QTest::addRow("date 10 s ahead")
            << QStringLiteral("Wed, 21 Oct 2015 07:28:00 GMT") << qint64(10000);
        QTest::addRow("date a leap year ahead")
            << QStringLiteral("Fri, 21 Oct 2016 07:27:50 GMT") << qint64(366LL * 86400 * 1000);
        QTest::addRow("date in the past")
            << QStringLiteral("Wed, 21 Oct 2015 07:00:00 GMT") << qint64(0);
        QTest::addRow("negative") << QStringLiteral("-5") << qint64(-1);
        QTest::addRow("fraction") << QStringLiteral("1.5") << qint64(-1);
        QTest::addRow("words") << QStringLiteral("soon") << qint64(-1);
        QTest::addRow("empty") << QString() << qint64(-1);
        QTest::addRow("too large for milliseconds")
            << QStringLiteral("99999999999999999") << qint64(-1);
        QTest::addRow("RFC 850 date")
            << QStringLiteral("Wednesday, 21-Oct-15 07:28:00 GMT") << qint64(-1);
        QTest::addRow("asctime date") << QStringLiteral("Wed Oct 21 07:28:00 2015") << qint64(-1);
        QTest::addRow("31 February")
            << QStringLiteral("Sat, 31 Feb 2015 07:28:00 GMT") << qint64(-1);
        QTest::addRow("not GMT") << QStringLiteral("Wed, 21 Oct 2015 07:28:00 UTC") << qint64(-1);
        QTest::addRow("unknown day name")
            << QStringLiteral("Xyz, 21 Oct 2015 07:28:00 GMT") << qint64(-1);
    }
    void parseRetryAfter() {
        QFETCH(QString, value);
        QFETCH(qint64, expectedMs);
        using namespace std::chrono;
        const system_clock::time_point now = sys_days{2015y / October / 21} + 7h + 27min + 50s;
        const auto parsed = meshdeck::delivery::parseRetryAfter(value.toStdString(), now);
        QCOMPARE(parsed.has_value(), expectedMs >= 0);
        if (parsed)
            QCOMPARE(qint64(parsed->count()), expectedMs);
    }

    // --- URLs -------------------------------------------------------------

    void parseUrl_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("tls");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("origin");
        QTest::addRow("ip, port, path and query")
            << QStringLiteral("http://127.0.0.1:8080/hook?x=1") << false
            << QStringLiteral("127.0.0.1") << 8080 << QStringLiteral("/hook?x=1")
            << QStringLiteral("http://127.0.0.1:8080");
        QTest::addRow("https, upper-case host")
            << QStringLiteral("https://CRM.Example/api/v1") << true << QStringLiteral("crm.example")
            << 443 << QStringLiteral("/api/v1") << QStringLiteral("https://crm.example");
        QTest::addRow("no path") << QStringLiteral("http://crm.example") << false
                                 << QStringLiteral("crm.example") << 80 << QStringLiteral("/")
                                 << QStringLiteral("http://crm.example");
        QTest::addRow("query without path")
            << QStringLiteral("http://crm.example?x=1") << false << QStringLiteral("crm.example")
            << 80 << QStringLiteral("/?x=1") << QStringLiteral("http://crm.example");
        QTest::addRow("IPv6 literal")
            << QStringLiteral("https://[::1]:8443/h") << true << QStringLiteral("::1") << 8443
            << QStringLiteral("/h") << QStringLiteral("https://[::1]:8443");
        QTest::addRow("upper-case scheme, default port written")
            << QStringLiteral("HTTP://host:80/") << false << QStringLiteral("host") << 80
            << QStringLiteral("/") << QStringLiteral("http://host");
    }
    void parseUrl() {
        QFETCH(QString, url);
        QFETCH(bool, tls);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, target);
        QFETCH(QString, origin);
        const ParsedUrl parsed = meshdeck::delivery::parseUrl(url.toStdString());
        QCOMPARE(parsed.tls, tls);
        QCOMPARE(q(parsed.host), host);
        QCOMPARE(int(parsed.port), port);
        QCOMPARE(q(parsed.target), target);
        QCOMPARE(q(parsed.origin()), origin);
    }

    void malformedUrlsAreRefused_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("mentions");
        QTest::addRow("ftp") << QStringLiteral("ftp://crm.example/")
                             << QStringLiteral("http:// or https://");
        QTest::addRow("no scheme")
            << QStringLiteral("crm.example/hook") << QStringLiteral("http:// or https://");
        QTest::addRow("credentials")
            << QStringLiteral("http://user:pw@crm.example/") << QStringLiteral("credentials");
        QTest::addRow("space in path")
            << QStringLiteral("http://crm.example/a b") << QStringLiteral("percent-encode");
        QTest::addRow("fragment") << QStringLiteral("http://crm.example/#top")
                                  << QStringLiteral("fragment");
        QTest::addRow("port 0") << QStringLiteral("http://crm.example:0/")
                                << QStringLiteral("1 to 65535");
        QTest::addRow("port 70000")
            << QStringLiteral("http://crm.example:70000/") << QStringLiteral("1 to 65535");
        QTest::addRow("empty port")
            << QStringLiteral("http://crm.example:/") << QStringLiteral("empty port");
        QTest::addRow("no host") << QStringLiteral("http:///hook") << QStringLiteral("no host");
        QTest::addRow("unclosed IPv6")
            << QStringLiteral("http://[::1/hook") << QStringLiteral("closing");
        QTest::addRow("bad host character")
            << QStringLiteral("http://crm.exa$mple/") << QStringLiteral("invalid character");
    }
    void malformedUrlsAreRefused() {
        QFETCH(QString, url);
        QFETCH(QString, mentions);
        try {
            meshdeck::delivery::parseUrl(url.toStdString());
            QFAIL("the URL was accepted");
        } catch (const std::invalid_argument& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(mentions), qPrintable(message));
            QVERIFY2(message.contains(url), qPrintable(message));
        }
    }

    // --- The client against a real receiver -------------------------------

    void deliversHeadersAndBodyIntact() {
        IoThreads io;
        SinkServer sink([](const SinkRequest&) {
            SinkReply reply;
            reply.status = 202;
            reply.headers = {{"Content-Type", "application/json"}};
            reply.body = R"({"received":true})";
            return reply;
        });
        WebhookClient client(io.io);
        const std::string body =
            meshdeck::test::readFixture(QStringLiteral("standard-webhooks/lead-qualified.json"));
        WebhookRequest request = post(sink.url("/hooks/lead?tenant=acme"), body);
        request.headers.emplace_back("webhook-id", "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f");
        request.headers.emplace_back("webhook-timestamp", "1764234843");
        request.headers.emplace_back("webhook-signature",
                                     "v1,I3TDLRRfjgkByRHsCjp45THpKLPgChjHX98WH1EDcug=");

        const auto result = sendAndWait(client, request);
        QVERIFY_DELIVERED(result);
        QCOMPARE(result.status, 202);
        QCOMPARE(q(result.error), QString());
        QCOMPARE(q(result.responseExcerpt), QStringLiteral(R"({"received":true})"));
        QVERIFY(result.elapsed.count() > 0);

        const auto received = sink.requests();
        QCOMPARE(received.size(), std::size_t(1));
        const SinkRequest& got = received.front();
        QCOMPARE(q(got.method), QStringLiteral("POST"));
        QCOMPARE(q(got.target), QStringLiteral("/hooks/lead?tenant=acme"));
        QVERIFY2(got.body == body, "the body arrived altered");
        QCOMPARE(q(got.headers.at("content-type")), QStringLiteral("application/json"));
        QCOMPARE(q(got.headers.at("webhook-id")),
                 QStringLiteral("01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f"));
        QCOMPARE(q(got.headers.at("webhook-timestamp")), QStringLiteral("1764234843"));
        QCOMPARE(q(got.headers.at("webhook-signature")),
                 QStringLiteral("v1,I3TDLRRfjgkByRHsCjp45THpKLPgChjHX98WH1EDcug="));
        QCOMPARE(q(got.headers.at("host")), QStringLiteral("127.0.0.1:%1").arg(sink.port()));
        QCOMPARE(q(got.headers.at("content-length")), QString::number(body.size()));
        QVERIFY(got.headers.at("user-agent").rfind("meshdeck/", 0) == 0);
    }

    void keepAliveReusesOneConnection() {
        IoThreads io;
        SinkServer sink;
        WebhookClient client(io.io);
        for (int i = 0; i < 20; ++i) {
            const auto result = sendAndWait(client, post(sink.url(), std::to_string(i)));
            QVERIFY_DELIVERED(result);
        }
        QCOMPARE(sink.requestCount(), std::size_t(20));
        QCOMPARE(sink.acceptedConnections(), std::size_t(1));
        QCOMPARE(client.openConnections(), std::size_t(1));
        for (const auto& request : sink.requests())
            QCOMPARE(request.connection, std::size_t(1));
    }

    void connectionClosedByServerAnswerIsNotReused() {
        IoThreads io;
        SinkServer sink([](const SinkRequest&) {
            SinkReply reply;
            reply.headers = {{"Connection", "close"}};
            return reply;
        });
        WebhookClient client(io.io);
        for (int i = 0; i < 3; ++i)
            QVERIFY_DELIVERED(sendAndWait(client, post(sink.url())));
        QCOMPARE(sink.acceptedConnections(), std::size_t(3));
        QCOMPARE(client.openConnections(), std::size_t(0));
    }

    void connectionRefused() {
        std::uint16_t port = 0;
        {
            net::io_context scratch;
            net::ip::tcp::acceptor acceptor(
                scratch, {net::ip::make_address_v4("127.0.0.1"), std::uint16_t(0)});
            port = acceptor.local_endpoint().port();
        } // closed: nothing listens there now
        IoThreads io;
        WebhookClient client(io.io);
        const auto result =
            sendAndWait(client, post("http://127.0.0.1:" + std::to_string(port) + "/hook"));
        QCOMPARE(result.status, 0);
        QCOMPARE(name(result.failure), name(FailureClass::Transport));
        QCOMPARE(q(result.error), QStringLiteral("connection refused by 127.0.0.1:%1").arg(port));
        QCOMPARE(client.openConnections(), std::size_t(0));
    }

    void unresolvableHost() {
        IoThreads io;
        WebhookClient client(io.io);
        // .invalid never resolves (RFC 6761).
        WebhookRequest request = post("http://receiver.invalid/hook");
        request.timeout = 5s;
        const auto result = sendAndWait(client, request);
        QCOMPARE(result.status, 0);
        QCOMPARE(name(result.failure), name(FailureClass::Transport));
        QVERIFY2(result.error.rfind("cannot resolve host receiver.invalid: ", 0) == 0,
                 qPrintable(q(result.error)));
    }

    void hangingReceiverTimesOut() {
        IoThreads io;
        SinkServer sink([](const SinkRequest&) {
            SinkReply reply;
            reply.hang = true;
            return reply;
        });
        WebhookClient client(io.io);
        WebhookRequest request = post(sink.url());
        request.timeout = 200ms;
        const auto result = sendAndWait(client, request);
        QCOMPARE(result.status, 0);
        QCOMPARE(name(result.failure), name(FailureClass::Transport));
        QCOMPARE(q(result.error), QStringLiteral("no answer within 200 ms"));
        QVERIFY2(result.elapsed >= 190ms && result.elapsed < 2s,
                 qPrintable(QStringLiteral("elapsed %1 us").arg(result.elapsed.count())));
        QCOMPARE(sink.requestCount(), std::size_t(1));
        QCOMPARE(client.openConnections(), std::size_t(0));
    }

    void receiverAnswers_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("retryAfter"); // empty: no header
        QTest::addColumn<QString>("body");
        QTest::addColumn<FailureClass>("expected");
        QTest::addColumn<qint64>("retryAfterMs"); // -1: none
        QTest::addColumn<QString>("error");
        QTest::addRow("201 Created") << 201 << QString() << QStringLiteral("{}")
                                     << FailureClass::None << qint64(-1) << QString();
        QTest::addRow("429 with Retry-After: 3")
            << 429 << QStringLiteral("3") << QStringLiteral("slow down") << FailureClass::Throttled
            << qint64(3000) << QStringLiteral("HTTP 429 Too Many Requests");
        QTest::addRow("503 with Retry-After: 120")
            << 503 << QStringLiteral("120") << QString() << FailureClass::Throttled
            << qint64(120000) << QStringLiteral("HTTP 503 Service Unavailable");
        QTest::addRow("503 without Retry-After")
            << 503 << QString() << QString() << FailureClass::Server << qint64(-1)
            << QStringLiteral("HTTP 503 Service Unavailable");
        QTest::addRow("403 Salesforce REQUEST_LIMIT_EXCEEDED")
            << 403 << QString()
            << QStringLiteral(
                   R"([{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])")
            << FailureClass::Throttled << qint64(-1) << QStringLiteral("HTTP 403 Forbidden");
        QTest::addRow("401") << 401 << QString() << QString() << FailureClass::Auth << qint64(-1)
                             << QStringLiteral("HTTP 401 Unauthorized");
        QTest::addRow("422") << 422 << QString() << QStringLiteral(R"({"error":"score"})")
                             << FailureClass::Invalid << qint64(-1)
                             << QStringLiteral("HTTP 422 Unprocessable Entity");
        QTest::addRow("500") << 500 << QString() << QString() << FailureClass::Server << qint64(-1)
                             << QStringLiteral("HTTP 500 Internal Server Error");
        QTest::addRow("404") << 404 << QString() << QString() << FailureClass::Other << qint64(-1)
                             << QStringLiteral("HTTP 404 Not Found");
    }
    void receiverAnswers() {
        QFETCH(int, status);
        QFETCH(QString, retryAfter);
        QFETCH(QString, body);
        QFETCH(FailureClass, expected);
        QFETCH(qint64, retryAfterMs);
        QFETCH(QString, error);
        IoThreads io;
        SinkServer sink([&](const SinkRequest&) {
            SinkReply reply;
            reply.status = status;
            if (!retryAfter.isEmpty())
                reply.headers.emplace_back("Retry-After", retryAfter.toStdString());
            reply.body = body.toStdString();
            return reply;
        });
        WebhookClient client(io.io);
        const auto result = sendAndWait(client, post(sink.url()));
        QCOMPARE(result.status, status);
        QCOMPARE(name(result.failure), name(expected));
        QCOMPARE(q(result.error), error);
        QCOMPARE(result.retryAfter.has_value(), retryAfterMs >= 0);
        if (result.retryAfter)
            QCOMPARE(qint64(result.retryAfter->count()), retryAfterMs);
        QCOMPARE(q(result.responseExcerpt), body);
        // An error answer does not cost the connection.
        QCOMPARE(client.openConnections(), std::size_t(1));
    }

    void longBodyIsCutToAnExcerpt() {
        IoThreads io;
        const std::string longBody = std::string(400, 'a') + std::string(5000, 'b');
        SinkServer sink([&](const SinkRequest&) {
            SinkReply reply;
            reply.status = 500;
            reply.body = longBody;
            return reply;
        });
        WebhookClient client(io.io);
        const auto result = sendAndWait(client, post(sink.url()));
        QCOMPARE(result.status, 500);
        QCOMPARE(result.responseExcerpt.size(), std::size_t(512));
        QVERIFY(result.responseExcerpt == longBody.substr(0, 512));
        // The rest was read past, so the connection carries the next request.
        QCOMPARE(sendAndWait(client, post(sink.url())).status, 500);
        QCOMPARE(sink.acceptedConnections(), std::size_t(1));
    }

    void idleConnectionClosedByReceiver() {
        IoThreads io;
        SinkServer sink;
        WebhookClient client(io.io);
        QVERIFY_DELIVERED(sendAndWait(client, post(sink.url())));
        // Closed while idle, and the next send right behind it: either the
        // client noticed, or the send fails on the dead connection and is
        // retried on a new one.
        sink.closeConnections();
        QVERIFY_DELIVERED(sendAndWait(client, post(sink.url())));
        QCOMPARE(sink.acceptedConnections(), std::size_t(2));
        // Without a send, the client notices by itself.
        sink.closeConnections();
        QTRY_COMPARE_WITH_TIMEOUT(client.openConnections(), std::size_t(0), 5000);
        QVERIFY_DELIVERED(sendAndWait(client, post(sink.url())));
        QCOMPARE(sink.acceptedConnections(), std::size_t(3));
    }

    void staleConnectionIsRetriedOnce_data() {
        QTest::addColumn<bool>("retryAnswered");
        QTest::addRow("retry answered") << true;
        QTest::addRow("retry also unanswered") << false;
    }
    void staleConnectionIsRetriedOnce() {
        QFETCH(bool, retryAnswered);
        IoThreads io;
        // The first request is answered; after that the receiver reads each
        // request on its first connection and closes without answering, as a
        // server does that closes an idle connection just as a request comes.
        SinkServer sink([retryAnswered](const SinkRequest& request) {
            SinkReply reply;
            reply.closeWithoutAnswer =
                request.connection == 1 ? request.body != "first" : !retryAnswered;
            return reply;
        });
        WebhookClient client(io.io);
        QVERIFY_DELIVERED(sendAndWait(client, post(sink.url(), "first")));
        const auto result = sendAndWait(client, post(sink.url(), "second"));
        if (retryAnswered) {
            QVERIFY_DELIVERED(result);
        } else {
            QCOMPARE(name(result.failure), name(FailureClass::Transport));
            QCOMPARE(q(result.error),
                     QStringLiteral("127.0.0.1:%1 closed the connection without answering")
                         .arg(sink.port()));
        }
        // Sent twice, never three times.
        const auto received = sink.requests();
        QCOMPARE(received.size(), std::size_t(3));
        QCOMPARE(q(received[1].body), QStringLiteral("second"));
        QCOMPARE(q(received[2].body), QStringLiteral("second"));
        QCOMPARE(received[2].connection, std::size_t(2));
    }

    void newConnectionClosedIsNotRetried() {
        IoThreads io;
        SinkServer sink([](const SinkRequest&) {
            SinkReply reply;
            reply.closeWithoutAnswer = true;
            return reply;
        });
        WebhookClient client(io.io);
        const auto result = sendAndWait(client, post(sink.url()));
        QCOMPARE(result.status, 0);
        QCOMPARE(name(result.failure), name(FailureClass::Transport));
        QCOMPARE(q(result.error),
                 QStringLiteral("127.0.0.1:%1 closed the connection without answering")
                     .arg(sink.port()));
        QCOMPARE(sink.requestCount(), std::size_t(1));
    }

    void idleConnectionsExpire() {
        IoThreads io;
        SinkServer sink;
        WebhookClientOptions options;
        options.maxIdle = 50ms;
        WebhookClient client(io.io, options);
        QVERIFY_DELIVERED(sendAndWait(client, post(sink.url())));
        QVERIFY_DELIVERED(sendAndWait(client, post(sink.url())));
        QCOMPARE(sink.acceptedConnections(), std::size_t(1));
        std::this_thread::sleep_for(120ms);
        QVERIFY_DELIVERED(sendAndWait(client, post(sink.url())));
        QCOMPARE(sink.acceptedConnections(), std::size_t(2));
        QTRY_COMPARE_WITH_TIMEOUT(client.openConnections(), std::size_t(1), 5000);
    }

    void sixtyFourConcurrentSends() {
        IoThreads io;
        // The delay keeps all 64 in flight at once, so each needs a connection.
        SinkServer sink([](const SinkRequest&) {
            SinkReply reply;
            reply.delay = 50ms;
            return reply;
        });
        WebhookClient client(io.io);
        for (int wave = 1; wave <= 2; ++wave) {
            const auto results = sendMany(client, sink.url(), 64);
            QCOMPARE(results.size(), std::size_t(64));
            for (const auto& result : results)
                QVERIFY_DELIVERED(result);
            QCOMPARE(sink.requestCount(), std::size_t(64 * wave));
            // The second wave runs on the first wave's connections.
            QCOMPARE(sink.acceptedConnections(), std::size_t(64));
            QCOMPARE(client.openConnections(), std::size_t(64));
        }
        std::set<std::string> bodies;
        for (const auto& request : sink.requests())
            bodies.insert(request.body);
        QCOMPARE(bodies.size(), std::size_t(64));
    }

    void sendsFromManyThreads() {
        IoThreads io(2);
        SinkServer sink({}, 2);
        WebhookClient client(io.io);
        constexpr int kThreads = 4, kEach = 100;
        std::atomic<int> delivered{0}, failed{0};
        std::latch finished(kThreads * kEach);
        std::vector<std::thread> senders;
        for (int t = 0; t < kThreads; ++t)
            senders.emplace_back([&] {
                for (int i = 0; i < kEach; ++i)
                    client.send(post(sink.url()), [&](WebhookResult result) {
                        ++(result.ok() ? delivered : failed);
                        finished.count_down();
                    });
            });
        for (auto& sender : senders)
            sender.join();
        finished.wait();
        QCOMPARE(failed.load(), 0);
        QCOMPARE(delivered.load(), kThreads * kEach);
        QCOMPARE(sink.requestCount(), std::size_t(kThreads * kEach));
    }

    void shutdownAbortsRequestsInFlight() {
        IoThreads io;
        SinkServer sink([](const SinkRequest&) {
            SinkReply reply;
            reply.hang = true;
            return reply;
        });
        WebhookClient client(io.io);
        auto promise = std::make_shared<std::promise<WebhookResult>>();
        auto future = promise->get_future();
        WebhookRequest request = post(sink.url());
        request.timeout = 30s;
        client.send(std::move(request),
                    [promise](WebhookResult result) { promise->set_value(std::move(result)); });
        QVERIFY(sink.waitForRequests(1, 5s));
        client.shutdown();
        QVERIFY(future.wait_for(5s) == std::future_status::ready);
        const auto result = future.get();
        QCOMPARE(name(result.failure), name(FailureClass::Transport));
        QCOMPARE(q(result.error), QStringLiteral("shutting down"));
        QVERIFY(result.elapsed < 5s);
        QTRY_COMPARE_WITH_TIMEOUT(client.openConnections(), std::size_t(0), 5000);

        const auto later = sendAndWait(client, post(sink.url()));
        QCOMPARE(name(later.failure), name(FailureClass::Transport));
        QCOMPARE(q(later.error), QStringLiteral("shutting down"));
        QCOMPARE(sink.requestCount(), std::size_t(1));
    }

    void shutdownWhileManyAreInFlight() {
        IoThreads io(2);
        SinkServer sink(
            [](const SinkRequest&) {
                SinkReply reply;
                reply.delay = 20ms;
                return reply;
            },
            2);
        WebhookClient client(io.io);
        constexpr int kRequests = 200;
        std::array<std::atomic<int>, kRequests> calls{};
        std::atomic<int> finished{0}, delivered{0}, abortedOnShutdown{0};
        for (int i = 0; i < kRequests; ++i) {
            client.send(post(sink.url()), [&, i](WebhookResult result) {
                ++calls[i];
                ++(result.ok() ? delivered : abortedOnShutdown);
                if (!result.ok() && result.error != "shutting down")
                    qWarning("unexpected failure: %s", result.error.c_str());
                ++finished;
            });
            if (i == kRequests / 2)
                client.shutdown();
        }
        QTRY_COMPARE_WITH_TIMEOUT(finished.load(), kRequests, 10000);
        QTest::qWait(100); // a second call would come now
        for (const auto& count : calls)
            QCOMPARE(count.load(), 1);
        QCOMPARE(delivered + abortedOnShutdown, kRequests);
        QVERIFY(abortedOnShutdown >= kRequests / 2 - 1);
        QTRY_COMPARE_WITH_TIMEOUT(client.openConnections(), std::size_t(0), 5000);
    }

    void requestsTheClientWillNotSend_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("headerName");
        QTest::addColumn<QString>("headerValue");
        QTest::addColumn<QString>("mentions");
        QTest::addRow("ftp URL") << QStringLiteral("ftp://127.0.0.1/hook") << QStringLiteral("POST")
                                 << QStringLiteral("X-Ok") << QStringLiteral("1")
                                 << QStringLiteral("http:// or https://");
        QTest::addRow("line break in a header value")
            << QString() << QStringLiteral("POST") << QStringLiteral("X-Note")
            << QStringLiteral("a\r\nX-Injected: 1") << QStringLiteral("line break");
        QTest::addRow("space in a header name")
            << QString() << QStringLiteral("POST") << QStringLiteral("X Note")
            << QStringLiteral("1") << QStringLiteral("not a valid HTTP header name");
        QTest::addRow("Content-Length given")
            << QString() << QStringLiteral("POST") << QStringLiteral("Content-Length")
            << QStringLiteral("5") << QStringLiteral("leave it out");
        QTest::addRow("method with a space")
            << QString() << QStringLiteral("GET X") << QStringLiteral("X-Ok") << QStringLiteral("1")
            << QStringLiteral("not a valid method");
    }
    void requestsTheClientWillNotSend() {
        QFETCH(QString, url);
        QFETCH(QString, method);
        QFETCH(QString, headerName);
        QFETCH(QString, headerValue);
        QFETCH(QString, mentions);
        IoThreads io;
        SinkServer sink;
        WebhookClient client(io.io);
        WebhookRequest request = post(url.isEmpty() ? sink.url() : url.toStdString());
        request.method = method.toStdString();
        request.headers.emplace_back(headerName.toStdString(), headerValue.toStdString());
        const auto result = sendAndWait(client, request);
        QCOMPARE(result.status, 0);
        QCOMPARE(name(result.failure), name(FailureClass::Invalid));
        QVERIFY2(q(result.error).contains(mentions), qPrintable(q(result.error)));
        QCOMPARE(sink.requestCount(), std::size_t(0));
        QCOMPARE(sink.acceptedConnections(), std::size_t(0));
    }

    void httpsVerifiesTheReceiver() {
        QTemporaryDir dir;
        SinkTls tls;
        QVERIFY(makeLocalhostCertificate(dir, tls));
        IoThreads io;
        SinkServer sink({}, 1, tls);
        const QString port = QString::number(sink.port());
        const std::string byName = "https://localhost:" + port.toStdString() + "/hook";
        const std::string byAddress = "https://127.0.0.1:" + port.toStdString() + "/hook";
        {
            // The system trust store does not know a self-signed certificate.
            WebhookClient client(io.io);
            const auto result = sendAndWait(client, post(byName));
            QCOMPARE(result.status, 0);
            QCOMPARE(name(result.failure), name(FailureClass::Transport));
            QVERIFY2(
                q(result.error)
                        .startsWith(
                            QStringLiteral("TLS handshake with localhost:%1 failed: ").arg(port)) &&
                    q(result.error).contains(QStringLiteral("self")),
                qPrintable(q(result.error)));
        }
        {
            WebhookClientOptions options;
            options.caFile = tls.certFile;
            WebhookClient client(io.io, options);
            // Trusted, and the name matches: delivered, on one connection.
            for (int i = 0; i < 3; ++i)
                QVERIFY_DELIVERED(sendAndWait(client, post(byName)));
            QCOMPARE(client.openConnections(), std::size_t(1));
            // Trusted, but the certificate names localhost, not 127.0.0.1.
            const auto mismatch = sendAndWait(client, post(byAddress));
            QCOMPARE(name(mismatch.failure), name(FailureClass::Transport));
            QVERIFY2(q(mismatch.error)
                         .startsWith(
                             QStringLiteral("TLS handshake with 127.0.0.1:%1 failed: ").arg(port)),
                     qPrintable(q(mismatch.error)));
        }
        {
            WebhookClientOptions options;
            options.verifyPeer = false;
            WebhookClient client(io.io, options);
            QVERIFY_DELIVERED(sendAndWait(client, post(byAddress)));
        }
        QCOMPARE(sink.requestCount(), std::size_t(4));
    }
};

QTEST_GUILESS_MAIN(WebhookClientTest)

#include "tst_webhook_client.moc"
