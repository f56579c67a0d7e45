#include "views/session/mesh_session.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>

namespace meshdeck::views {

QString toDisplayString(SessionState state) {
    switch (state) {
    case SessionState::Disconnected:
        return QStringLiteral("Disconnected");
    case SessionState::Connecting:
        return QStringLiteral("Connecting");
    case SessionState::Online:
        return QStringLiteral("Online");
    case SessionState::Offline:
        return QStringLiteral("Offline");
    case SessionState::Unauthorized:
        return QStringLiteral("Token refused");
    }
    return {};
}

std::chrono::milliseconds reconnectDelay(int attempt) {
    const int exponent = std::clamp(attempt - 1, 0, 5);
    return std::min(std::chrono::milliseconds(1000 << exponent), std::chrono::milliseconds(30000));
}

MeshSession::MeshSession(std::unique_ptr<MeshTransport> transport, QObject* parent)
    : QObject(parent), transport_(std::move(transport)) {
    transport_->setParent(nullptr);
    healthTimer_.setInterval(2000);
    connect(&healthTimer_, &QTimer::timeout, this, &MeshSession::checkHealth);
    reconnectTimer_.setSingleShot(true);
    connect(&reconnectTimer_, &QTimer::timeout, this, &MeshSession::checkHealth);
}

MeshSession::~MeshSession() = default;

void MeshSession::setHealthInterval(std::chrono::milliseconds interval) {
    healthTimer_.setInterval(static_cast<int>(interval.count()));
}

void MeshSession::open() {
    if (state_ != SessionState::Disconnected && state_ != SessionState::Unauthorized)
        return;
    reconnectAttempt_ = 0;
    setState(SessionState::Connecting);
    checkHealth();
}

void MeshSession::close() {
    ++generation_;
    checkInFlight_ = false;
    healthTimer_.stop();
    reconnectTimer_.stop();
    setState(SessionState::Disconnected);
}

void MeshSession::reconnectNow() {
    if (state_ != SessionState::Offline)
        return;
    reconnectTimer_.stop();
    nextRetryAt_ = QDateTime();
    checkHealth();
}

void MeshSession::setState(SessionState state) {
    if (state_ == state)
        return;
    if (state == SessionState::Offline)
        offlineSince_ = QDateTime::currentDateTime();
    else
        offlineSince_ = nextRetryAt_ = QDateTime();
    state_ = state;
    Q_EMIT stateChanged(state);
}

void MeshSession::connectionLost(const QString& why) {
    lastError_ = why;
    healthTimer_.stop();
    setState(SessionState::Offline);
    ++reconnectAttempt_;
    const auto delay = reconnectDelay(reconnectAttempt_);
    nextRetryAt_ = QDateTime::currentDateTime().addMSecs(delay.count());
    reconnectTimer_.start(static_cast<int>(delay.count()));
}

void MeshSession::checkHealth() {
    if (checkInFlight_)
        return;
    checkInFlight_ = true;
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    const quint64 generation = generation_;
    transport_->send({QByteArrayLiteral("GET"), QStringLiteral("/healthz"), {}, {}},
                     [this, timer, generation](const MeshReply& reply) {
                         if (generation != generation_)
                             return;
                         checkInFlight_ = false;
                         if (!reply.ok())
                             return connectionLost(reply.describe());
                         lastContact_ = QDateTime::currentDateTime();
                         roundTripMs_ = static_cast<int>(timer->elapsed());
                         Q_EMIT roundTripMeasured(roundTripMs_);
                         const QJsonObject health = QJsonDocument::fromJson(reply.body).object();
                         version_ = health.value(QLatin1String("version")).toString();
                         if (state_ != SessionState::Online)
                             learnIdentity();
                     });
}

void MeshSession::learnIdentity() {
    const quint64 generation = generation_;
    transport_->send({QByteArrayLiteral("GET"), QStringLiteral("/v1/whoami"), {}, {}},
                     [this, generation](const MeshReply& reply) {
                         if (generation != generation_)
                             return;
                         if (reply.status == 401 || reply.status == 403) {
                             lastError_ = reply.describe();
                             healthTimer_.stop();
                             return setState(SessionState::Unauthorized);
                         }
                         if (!reply.ok())
                             return connectionLost(reply.describe());
                         const QJsonObject who = QJsonDocument::fromJson(reply.body).object();
                         role_ = who.value(QLatin1String("role")).toString();
                         tenant_ = who.value(QLatin1String("tenant")).toString();
                         lastError_.clear();
                         reconnectAttempt_ = 0;
                         healthTimer_.start();
                         setState(SessionState::Online);
                     });
}

void MeshSession::request(const MeshRequest& request, QObject* context,
                          MeshTransport::Callback done) {
    QPointer<QObject> guard(context);
    QPointer<MeshSession> self(this);
    transport_->send(request, [self, guard, done = std::move(done)](const MeshReply& reply) {
        if (self && reply.status > 0)
            self->lastContact_ = QDateTime::currentDateTime();
        if (guard)
            done(reply);
    });
}

void MeshSession::get(const QString& path, QObject* context, MeshTransport::Callback done) {
    request({QByteArrayLiteral("GET"), path, {}, {}}, context, std::move(done));
}

} // namespace meshdeck::views
