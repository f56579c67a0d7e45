#include "views/session/websocket_feed.h"

#include <QNetworkRequest>

namespace meshdeck::views {

WebSocketFeed::WebSocketFeed(QUrl url, QByteArray token, bool ignoreTlsErrors, QObject* parent)
    : MeshFeed(parent), url_(std::move(url)), token_(std::move(token)) {
    reconnect_.setSingleShot(true);
    connect(&reconnect_, &QTimer::timeout, this, &WebSocketFeed::connectNow);
    connect(&socket_, &QWebSocket::connected, this, [this] {
        backoffMs_ = 500;
        connected_ = true;
        Q_EMIT connectedChanged(true);
    });
    connect(&socket_, &QWebSocket::disconnected, this, [this] {
        if (connected_) {
            connected_ = false;
            Q_EMIT connectedChanged(false);
        }
        scheduleReconnect();
    });
    connect(&socket_, &QWebSocket::textMessageReceived, this,
            [this](const QString& text) { Q_EMIT messageReceived(text.toUtf8()); });
    if (ignoreTlsErrors)
        connect(&socket_, &QWebSocket::sslErrors, this,
                [this](const QList<QSslError>&) { socket_.ignoreSslErrors(); });
    connectNow();
}

WebSocketFeed::~WebSocketFeed() {
    reconnect_.stop();
    socket_.disconnect(this);
    socket_.abort();
}

void WebSocketFeed::connectNow() {
    QNetworkRequest request(url_);
    request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token_);
    socket_.open(request);
}

void WebSocketFeed::scheduleReconnect() {
    if (reconnect_.isActive())
        return;
    reconnect_.start(backoffMs_);
    backoffMs_ = std::min(backoffMs_ * 2, 15'000);
}

} // namespace meshdeck::views
