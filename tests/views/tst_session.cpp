// The console's session: its protocol handling through a scripted transport
// (no sockets), then end to end against a real in-process broker.

#include "tests/support/test_broker.h"
#include "views/session/http_transport.h"
#include "views/session/mesh_session.h"

#include <QSignalSpy>
#include <QtTest/QTest>
#include <deque>

using namespace meshdeck;
using namespace meshdeck::views;

namespace {

// Answers each request from a script, asynchronously like a network would,
// and records what was asked.
class ScriptedTransport final : public MeshTransport {
public:
    std::deque<MeshReply> script;
    QStringList asked;

    void send(const MeshRequest& request, Callback done) override {
        asked << QString::fromLatin1(request.method) + u' ' + request.path;
        MeshReply reply;
        if (!script.empty()) {
            reply = script.front();
            script.pop_front();
        } else {
            reply.error = QStringLiteral("connection refused");
        }
        QMetaObject::invokeMethod(
            this, [reply, done = std::move(done)] { done(reply); }, Qt::QueuedConnection);
    }
    QString endpoint() const override { return QStringLiteral("http://scripted"); }
};

MeshReply json(int status, const char* body) {
    return {status, QByteArray(body), {}, {}};
}
MeshReply refused() {
    return {0, {}, {}, QStringLiteral("Connection refused")};
}

} // namespace

class SessionTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void reconnectDelayBacksOffAndCaps() {
        QCOMPARE(reconnectDelay(1).count(), 1000);
        QCOMPARE(reconnectDelay(2).count(), 2000);
        QCOMPARE(reconnectDelay(5).count(), 16000);
        QCOMPARE(reconnectDelay(6).count(), 30000);
        QCOMPARE(reconnectDelay(50).count(), 30000);
    }

    void learnsVersionRoleAndTenant() {
        auto transport = std::make_unique<ScriptedTransport>();
        auto* t = transport.get();
        t->script = {json(200, R"({"status":"ok","version":"0.1.0","last_seq":5})"),
                     json(200, R"({"token_id":"tok_1","role":"viewer","tenant":"acme"})")};
        MeshSession session(std::move(transport));
        QSignalSpy states(&session, &MeshSession::stateChanged);
        session.open();
        QCOMPARE(session.state(), SessionState::Connecting);
        QTRY_COMPARE(session.state(), SessionState::Online);
        QCOMPARE(session.brokerVersion(), QStringLiteral("0.1.0"));
        QCOMPARE(session.role(), QStringLiteral("viewer"));
        QCOMPARE(session.tenant(), QStringLiteral("acme"));
        QVERIFY(!session.mayChange());
        QVERIFY(session.roundTripMs() >= 0);
        QCOMPARE(t->asked,
                 (QStringList{QStringLiteral("GET /healthz"), QStringLiteral("GET /v1/whoami")}));
        QCOMPARE(states.size(), 2); // Connecting, Online
    }

    void refusedTokenStopsRetrying() {
        auto transport = std::make_unique<ScriptedTransport>();
        auto* t = transport.get();
        t->script = {
            json(200, R"({"status":"ok","version":"0.1.0"})"),
            json(401, R"({"status":401,"detail":"the token is missing, unknown or revoked"})")};
        MeshSession session(std::move(transport));
        session.open();
        QTRY_COMPARE(session.state(), SessionState::Unauthorized);
        QCOMPARE(session.lastError(), QStringLiteral("the token is missing, unknown or revoked"));
        QTest::qWait(50);
        QCOMPARE(t->asked.size(), 2); // nothing more was tried
    }

    void lostConnectionGoesOfflineThenRecovers() {
        auto transport = std::make_unique<ScriptedTransport>();
        auto* t = transport.get();
        t->script = {
            json(200, R"({"version":"0.1.0"})"), json(200, R"({"role":"admin","tenant":"*"})"),
            refused(), // the next health check fails
            json(200, R"({"version":"0.1.1"})"), json(200, R"({"role":"admin","tenant":"*"})")};
        for (int i = 0; i < 500; ++i) // later health checks succeed
            t->script.push_back(json(200, R"({"version":"0.1.1"})"));
        MeshSession session(std::move(transport));
        session.setHealthInterval(std::chrono::milliseconds(20));
        QSignalSpy states(&session, &MeshSession::stateChanged);
        session.open();
        QTRY_VERIFY(states.size() >= 3);
        QCOMPARE(session.state(), SessionState::Offline);
        QCOMPARE(session.lastError(), QStringLiteral("Connection refused"));
        // The first reconnect comes after reconnectDelay(1) = 1 s.
        QTest::qWait(500);
        QCOMPARE(session.state(), SessionState::Offline);
        QTRY_VERIFY2_WITH_TIMEOUT(session.state() == SessionState::Online,
                                  qPrintable(t->asked.join(u',')), 3000);
        QCOMPARE(session.brokerVersion(), QStringLiteral("0.1.1"));
        QVERIFY(session.mayChange());
        QList<SessionState> seen;
        for (const auto& args : states)
            seen << args.at(0).value<SessionState>();
        QCOMPARE(seen, (QList<SessionState>{SessionState::Connecting, SessionState::Online,
                                            SessionState::Offline, SessionState::Online}));
    }

    void answersForAGoneContextAreDropped() {
        auto transport = std::make_unique<ScriptedTransport>();
        transport->script = {json(200, "{}"), json(200, "{}")};
        MeshSession session(std::move(transport));
        int delivered = 0;
        auto* context = new QObject;
        session.get(QStringLiteral("/v1/events"), context, [&](const MeshReply&) { ++delivered; });
        delete context;
        QObject alive;
        session.get(QStringLiteral("/v1/events"), &alive,
                    [&](const MeshReply&) { delivered += 10; });
        QTRY_COMPARE(delivered, 10);
    }

    void endToEndWithARealBroker() {
        test::TestBroker mesh;
        const std::string viewer = mesh.token(Role::Viewer, "acme");
        MeshSession session(std::make_unique<HttpTransport>(
            QUrl(QString::fromStdString(mesh.url())), QByteArray::fromStdString(viewer)));
        session.open();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), SessionState::Online, 5000);
        QCOMPARE(session.brokerVersion(), QStringLiteral(MESHDECK_VERSION));
        QCOMPARE(session.role(), QStringLiteral("viewer"));
        QCOMPARE(session.tenant(), QStringLiteral("acme"));

        // A problem document's detail reaches the page as the error text.
        MeshReply answer;
        QObject context;
        session.request({QByteArrayLiteral("POST"), QStringLiteral("/v1/events"),
                         QByteArrayLiteral("{}"), QByteArrayLiteral("application/json")},
                        &context, [&](const MeshReply& r) { answer = r; });
        QTRY_COMPARE(answer.status, 403);
        QVERIFY(answer.describe().contains(QStringLiteral("viewer")));

        // The broker goes away: Offline, with the reason.
        mesh.broker->stop();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), SessionState::Offline, 5000);
        QVERIFY(!session.lastError().isEmpty());
    }

    void wrongTokenAgainstARealBroker() {
        test::TestBroker mesh;
        MeshSession session(std::make_unique<HttpTransport>(
            QUrl(QString::fromStdString(mesh.url())), QByteArrayLiteral("mdk_wrong")));
        session.open();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), SessionState::Unauthorized, 5000);
    }
};

QTEST_GUILESS_MAIN(SessionTest)
#include "tst_session.moc"
