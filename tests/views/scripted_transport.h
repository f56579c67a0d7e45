#pragma once
// The console's transport seam for tests without sockets: GETs answered from
// a table (404 for anything else), asynchronously like a network, what was
// asked recorded, and a live feed the test drives.

#include "views/session/mesh_transport.h"

#include <QHash>
#include <QPointer>
#include <QStringList>
#include <memory>

namespace meshdeck::test {

class ScriptedFeed final : public views::MeshFeed {
public:
    bool connected = false;
    bool isConnected() const override { return connected; }
    void push(const QByteArray& message) { Q_EMIT messageReceived(message); }
    void setConnected(bool on) {
        connected = on;
        Q_EMIT connectedChanged(on);
    }
};

class ScriptedTransport final : public views::MeshTransport {
public:
    QHash<QString, QByteArray> answers;
    QStringList asked;
    QPointer<ScriptedFeed> feed;

    void send(const views::MeshRequest& request, Callback done) override {
        asked << request.path;
        views::MeshReply reply;
        reply.status = answers.contains(request.path) ? 200 : 404;
        reply.body = answers.value(request.path);
        QMetaObject::invokeMethod(
            this, [reply, done = std::move(done)] { done(reply); }, Qt::QueuedConnection);
    }
    QString endpoint() const override { return QStringLiteral("http://scripted"); }
    std::unique_ptr<views::MeshFeed> openFeed(const QString&) override {
        auto f = std::make_unique<ScriptedFeed>();
        feed = f.get();
        return f;
    }
    qsizetype count(const char* path) const { return asked.count(QString::fromUtf8(path)); }
};

} // namespace meshdeck::test
