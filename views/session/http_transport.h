#pragma once
// MeshTransport over Qt Network: HTTP/1.1 keep-alive (or HTTPS) to one mesh,
// with the bearer token on every request and a timeout on each.

#include "views/session/mesh_transport.h"

#include <QUrl>

class QNetworkAccessManager;

namespace meshdeck::views {

class HttpTransport final : public MeshTransport {
    Q_OBJECT

public:
    HttpTransport(QUrl baseUrl, QByteArray token, QObject* parent = nullptr);

    void send(const MeshRequest& request, Callback done) override;
    QString endpoint() const override { return baseUrl_.toString(); }
    // A WebSocket (wss:// for https://) with the bearer token.
    std::unique_ptr<MeshFeed> openFeed(const QString& path) override;

    void setTimeout(int ms) { timeoutMs_ = ms; }
    // Accept a self-signed certificate (a development mesh).
    void setIgnoreTlsErrors(bool ignore) { ignoreTlsErrors_ = ignore; }

private:
    QUrl baseUrl_;
    QByteArray token_;
    QNetworkAccessManager* network_;
    int timeoutMs_ = 15000;
    bool ignoreTlsErrors_ = false;
};

} // namespace meshdeck::views
