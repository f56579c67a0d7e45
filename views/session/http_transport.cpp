#include "views/session/http_transport.h"

#include "views/session/websocket_feed.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace meshdeck::views {

std::unique_ptr<MeshFeed> HttpTransport::openFeed(const QString& path) {
    QUrl url = baseUrl_;
    url.setScheme(baseUrl_.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                              : QStringLiteral("ws"));
    url.setPath(path);
    return std::make_unique<WebSocketFeed>(url, token_, ignoreTlsErrors_);
}

HttpTransport::HttpTransport(QUrl baseUrl, QByteArray token, QObject* parent)
    : MeshTransport(parent), baseUrl_(std::move(baseUrl)), token_(std::move(token)),
      network_(new QNetworkAccessManager(this)) {}

void HttpTransport::send(const MeshRequest& request, Callback done) {
    QUrl url = baseUrl_;
    const qsizetype q = request.path.indexOf(u'?');
    // Paths come percent-encoded ("/v1/traces/lead%3AL-1"): kept as they are,
    // not encoded a second time.
    url.setPath(baseUrl_.path() + (q < 0 ? request.path : request.path.left(q)),
                QUrl::TolerantMode);
    if (q >= 0)
        url.setQuery(request.path.mid(q + 1));

    QNetworkRequest wire(url);
    wire.setTransferTimeout(timeoutMs_);
    wire.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token_);
    if (!request.body.isEmpty())
        wire.setHeader(QNetworkRequest::ContentTypeHeader, request.contentType);
    QNetworkReply* reply = network_->sendCustomRequest(wire, request.method, request.body);
    if (ignoreTlsErrors_)
        reply->ignoreSslErrors();
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        reply->deleteLater();
        MeshReply result;
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        for (const auto& [name, value] : reply->rawHeaderPairs())
            result.headers.insert(name.toLower(), value);
        if (result.status == 0)
            result.error = reply->errorString();
        done(result);
    });
}

} // namespace meshdeck::views
