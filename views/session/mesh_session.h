#pragma once
// The console's connection to one mesh - the embedded broker on 127.0.0.1 or
// a remote meshd; both go through this class. It learns who it is talking to
// (broker version, the token's role and tenant), watches the connection with
// a health check, measures the round-trip time, and on failure goes Offline
// and reconnects with backoff. Pages and models send their requests through
// it. Lives on the GUI thread; nothing here blocks.

#include "views/session/mesh_transport.h"

#include <QDateTime>
#include <QPointer>
#include <QTimer>
#include <chrono>
#include <memory>

namespace meshdeck::views {

enum class SessionState {
    Disconnected, // not opened, or closed
    Connecting,   // first contact in progress
    Online,       // health check and token accepted
    Offline,      // no answer; reconnecting with backoff
    Unauthorized, // the mesh answered but refused the token: no retry
};
QString toDisplayString(SessionState state);

// 1 s, 2 s, 4 s ... capped at 30 s: how long to wait before reconnect attempt n (from 1).
std::chrono::milliseconds reconnectDelay(int attempt);

class MeshSession : public QObject {
    Q_OBJECT

public:
    explicit MeshSession(std::unique_ptr<MeshTransport> transport, QObject* parent = nullptr);
    ~MeshSession() override;

    void open();
    void close();

    SessionState state() const { return state_; }
    QString endpoint() const { return transport_->endpoint(); }
    QString brokerVersion() const { return version_; }
    QString role() const { return role_; }
    QString tenant() const { return tenant_; }
    QString lastError() const { return lastError_; }
    int roundTripMs() const { return roundTripMs_; }
    // Viewers see everything and change nothing.
    bool mayChange() const { return !role_.isEmpty() && role_ != QLatin1String("viewer"); }

    void setHealthInterval(std::chrono::milliseconds interval);

    // When the mesh last answered (a health check, or any request): how old
    // the numbers on the pages are. Invalid before the first answer.
    QDateTime lastContact() const { return lastContact_; }
    // While Offline: since when, and when the next attempt is due.
    QDateTime offlineSince() const { return offlineSince_; }
    QDateTime nextRetryAt() const { return nextRetryAt_; }
    // A person asked not to wait for the backoff: try now. Only while Offline.
    void reconnectNow();

    // Requests for pages and models. `context` guards the callback: when it
    // is gone the answer is dropped (a closed page never sees stale results).
    void request(const MeshRequest& request, QObject* context, MeshTransport::Callback done);
    void get(const QString& path, QObject* context, MeshTransport::Callback done);
    // A live feed from the mesh (null when the transport has none).
    std::unique_ptr<MeshFeed> openFeed(const QString& path) { return transport_->openFeed(path); }

Q_SIGNALS:
    void stateChanged(meshdeck::views::SessionState state);
    void roundTripMeasured(int milliseconds);

private:
    void checkHealth();
    void learnIdentity();
    void setState(SessionState state);
    void connectionLost(const QString& why);

    std::unique_ptr<MeshTransport> transport_;
    SessionState state_ = SessionState::Disconnected;
    QTimer healthTimer_;
    QTimer reconnectTimer_;
    int reconnectAttempt_ = 0;
    bool checkInFlight_ = false;
    QString version_, role_, tenant_, lastError_;
    int roundTripMs_ = -1;
    quint64 generation_ = 0; // bumped by close(): answers to older requests are dropped
    QDateTime lastContact_, offlineSince_, nextRetryAt_;
};

} // namespace meshdeck::views
