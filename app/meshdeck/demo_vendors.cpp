#include "demo_vendors.h"

#include <QDateTime>
#include <QNetworkReply>
#include <QTimer>

namespace meshdeck {

views::MeshRequest meshRequest(const demo::DemoRequest& request) {
    return {QByteArray::fromStdString(request.method), QString::fromStdString(request.path),
            QByteArray::fromStdString(request.body),
            QByteArray::fromStdString(request.contentType)};
}

DemoVendors::DemoVendors(views::MeshSession& session, QString tenant, QObject* parent)
    : QObject(parent), session_(session), tenant_(std::move(tenant)) {}

// An admin creates or replaces each source; another token can only use one an
// admin declared before (PUT is admin only).
void DemoVendors::declareSources() {
    if (declared_ || session_.state() != views::SessionState::Online)
        return;
    declared_ = true;
    const bool admin = session_.role() == QLatin1String("admin");
    for (const auto& request :
         demo::sourceDeclarations(session_.endpoint().toStdString(), tenant_.toStdString())) {
        const std::string name = request.path.substr(request.path.rfind('/') + 1);
        const auto done = [this, name](const views::MeshReply& reply) {
            if (reply.ok()) {
                ready_.insert(name);
                return;
            }
            lastError_ =
                QStringLiteral("source %1: %2").arg(QString::fromStdString(name), reply.describe());
            qWarning("--demo: %s; its webhooks are not sent", qPrintable(lastError_));
        };
        if (admin)
            session_.request(meshRequest(request), this, done);
        else
            session_.get(QString::fromStdString(request.path), this, done);
    }
}

bool DemoVendors::post(demo::DemoRequest request) {
    if (!ready(request.source))
        return false;
    if (request.repeat)
        QTimer::singleShot(demo::kRepeatDelay, this,
                           [this, request = std::move(request)] { send(request); });
    else
        send(std::move(request));
    return true;
}

// Signs at send time, as the vendors do: a HubSpot retry carries a new
// timestamp over the same body.
void DemoVendors::send(demo::DemoRequest request) {
    const std::string meshUrl = session_.endpoint().toStdString();
    demo::signHook(request, meshUrl, QDateTime::currentMSecsSinceEpoch());
    QNetworkRequest http{QUrl(QString::fromStdString(demo::hookUrl(meshUrl, request.source)))};
    http.setTransferTimeout(15000);
    http.setHeader(QNetworkRequest::ContentTypeHeader,
                   QByteArray::fromStdString(request.contentType));
    for (const auto& [name, value] : request.headers)
        http.setRawHeader(QByteArray::fromStdString(name), QByteArray::fromStdString(value));
    QNetworkReply* reply = network_.post(http, QByteArray::fromStdString(request.body));
    connect(reply, &QNetworkReply::finished, this,
            [this, request = std::move(request), reply]() mutable {
                reply->deleteLater();
                answered(std::move(request), reply);
            });
}

void DemoVendors::answered(demo::DemoRequest request, QNetworkReply* reply) {
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const demo::HookOutcome outcome = demo::hookOutcome(
        request, {status, reply->readAll().toStdString(),
                  reply->rawHeader(QByteArrayLiteral("Retry-After")).toStdString(),
                  reply->errorString().toStdString()});
    const QString why = QString::fromStdString(outcome.reason);
    switch (outcome.kind) {
    case demo::HookOutcome::Kind::Stored:
        accepted_ += outcome.stored;
        break;
    case demo::HookOutcome::Kind::Refused:
        ++refused_;
        // Once per reason: a source whose secret differs refuses every request.
        if (why != lastError_)
            qWarning("--demo: the mesh refused a %s", qPrintable(why));
        lastError_ = why;
        break;
    case demo::HookOutcome::Kind::GaveUp:
        lastError_ = why;
        break;
    case demo::HookOutcome::Kind::Retry:
        ++request.attempt;
        QTimer::singleShot(outcome.retryIn, this,
                           [this, request = std::move(request)] { send(request); });
        break;
    }
}

} // namespace meshdeck
