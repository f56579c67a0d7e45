#pragma once
// MeshFeed over QWebSocket: connects with the bearer token, hands every text
// frame on, and reconnects with backoff (0.5 s doubling to 15 s) when the
// connection drops, until it is destroyed.

#include "views/session/mesh_transport.h"

#include <QTimer>
#include <QUrl>
#include <QWebSocket>

namespace meshdeck::views {

class WebSocketFeed final : public MeshFeed {
    Q_OBJECT

public:
    WebSocketFeed(QUrl url, QByteArray token, bool ignoreTlsErrors, QObject* parent = nullptr);
    ~WebSocketFeed() override;
    bool isConnected() const override { return connected_; }

private:
    void connectNow();
    void scheduleReconnect();

    QUrl url_;
    QByteArray token_;
    QWebSocket socket_;
    QTimer reconnect_;
    int backoffMs_ = 500;
    bool connected_ = false;
};

} // namespace meshdeck::views
