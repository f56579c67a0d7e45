#pragma once
// The seam between the console's session and the wire. MeshSession speaks
// the broker's HTTP API through a MeshTransport; HttpTransport is the real
// one (Qt Network), tests substitute one that answers from a script, so the
// session's protocol handling is testable without sockets.

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>

namespace meshdeck::views {

struct MeshRequest {
    QByteArray method = QByteArrayLiteral("GET");
    QString path; // "/v1/events?limit=100", relative to the mesh URL
    QByteArray body;
    QByteArray contentType = QByteArrayLiteral("application/json");
};

struct MeshReply {
    int status = 0; // 0: no HTTP answer
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QString error;                         // transport error for people to read
    bool ok() const { return status >= 200 && status < 300; }
    // The problem document's "detail", else the transport error, else "HTTP n".
    QString describe() const;
};

// A stream of text messages from the mesh (its WebSocket feeds, /v1/live).
// It reconnects by itself with backoff; connectedChanged says when it is up.
class MeshFeed : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;
    virtual bool isConnected() const = 0;

Q_SIGNALS:
    void messageReceived(const QByteArray& message);
    void connectedChanged(bool connected);
};

class MeshTransport : public QObject {
    Q_OBJECT

public:
    using Callback = std::function<void(const MeshReply&)>;
    using QObject::QObject;

    // Sends a request; calls done exactly once, on the object's thread.
    virtual void send(const MeshRequest& request, Callback done) = 0;
    // What the user would call this mesh: its URL.
    virtual QString endpoint() const = 0;
    // A live feed from `path` ("/v1/live"), or null when this transport has
    // none (then pages poll).
    virtual std::unique_ptr<MeshFeed> openFeed(const QString& path) {
        Q_UNUSED(path);
        return nullptr;
    }
};

} // namespace meshdeck::views
