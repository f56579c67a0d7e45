#include "views/session/live_follower.h"

#include "views/session/mesh_session.h"
#include "views/session/protocol_adapter.h"

#include <QWidget>

namespace meshdeck::views {

LiveFollower::LiveFollower(MeshSession& session, int pollMs, QWidget* page)
    : QObject(page), session_(session), page_(page) {
    pollTimer_.setInterval(pollMs);
    connect(&pollTimer_, &QTimer::timeout, this, &LiveFollower::pollDue);
}

LiveFollower::~LiveFollower() = default;

void LiveFollower::start() {
    Q_EMIT pollDue();
    if (!feed_) {
        feed_ = session_.openFeed(QStringLiteral("/v1/live"));
        if (feed_) {
            connect(feed_.get(), &MeshFeed::messageReceived, this, &LiveFollower::readFrame);
            // Polling covers the gaps while the feed is down.
            connect(feed_.get(), &MeshFeed::connectedChanged, this, [this](bool connected) {
                if (connected)
                    pollTimer_.stop();
                else if (page_->isVisible())
                    pollTimer_.start();
            });
        }
    }
    if (!live())
        pollTimer_.start();
}

void LiveFollower::readFrame(const QByteArray& message) {
    const Answer<protocol::LiveFrame> frame = decodeAnswer<protocol::LiveFrame>(message);
    if (!frame)
        Q_EMIT frameUnreadable(frame.error);
    else if (const auto* snapshot = std::get_if<protocol::LiveSnapshot>(&*frame))
        Q_EMIT snapshotReceived(*snapshot);
    else
        Q_EMIT consumerStateChanged(std::get<protocol::LiveStateChange>(*frame));
}

void LiveFollower::stop() {
    pollTimer_.stop();
    feed_.reset(); // reopened by the next start
}

} // namespace meshdeck::views
