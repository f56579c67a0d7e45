#include "views/session/live_follower.h"

#include "views/session/mesh_session.h"

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
            connect(feed_.get(), &MeshFeed::messageReceived, this, &LiveFollower::messageReceived);
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

void LiveFollower::stop() {
    pollTimer_.stop();
    feed_.reset(); // reopened by the next start
}

} // namespace meshdeck::views
