#pragma once
// Keeps a page current: the broker's /v1/live feed while it is connected,
// and a poll on a timer while it is down or cannot be opened. The page polls
// once when it is shown (start) and lets go of the feed when hidden (stop).
// Frames are read here as core/protocol/live.h types; a frame that does not
// read is reported as frameUnreadable with the field that was wrong.

#include "core/protocol/live.h"
#include "views/session/mesh_transport.h"

#include <QObject>
#include <QTimer>
#include <memory>

class QWidget;

namespace meshdeck::views {

class MeshSession;

class LiveFollower final : public QObject {
    Q_OBJECT

public:
    LiveFollower(MeshSession& session, int pollMs, QWidget* page);
    ~LiveFollower() override;

    void start();
    void stop();
    bool live() const { return feed_ && feed_->isConnected(); }

Q_SIGNALS:
    void pollDue();
    void snapshotReceived(const meshdeck::protocol::LiveSnapshot& snapshot);
    void consumerStateChanged(const meshdeck::protocol::LiveStateChange& change);
    void frameUnreadable(const QString& error);

private:
    void readFrame(const QByteArray& message);

    MeshSession& session_;
    QWidget* page_;
    QTimer pollTimer_;
    std::unique_ptr<MeshFeed> feed_;
};

} // namespace meshdeck::views
