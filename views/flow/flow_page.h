#pragma once
// The flow map: producers -> event types -> consumers as a graph, with the
// rate and error ratio of every edge over the broker's last minute. Live from
// the "flows" member of the broker's /v1/live snapshots (GET /v1/flows and
// GET /v1/consumers every 2 s while the feed is down). Clicking a node or an
// edge shows its totals, rates and last error beside the map, with ways to
// its events and its consumer.

#include "views/console/page.h"
#include "views/events/event_filter.h"
#include "views/flow/flow_layout.h"
#include "views/session/live_follower.h"

#include <QTimer>
#include <memory>

class QLabel;
class QPushButton;
class QStackedWidget;

namespace meshdeck::views {

class FlowView;

class FlowPage final : public Page {
    Q_OBJECT

public:
    explicit FlowPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Flow map"); }
    QIcon icon() const override;
    void activate() override;

    FlowView* view() const { return view_; }
    const FlowSnapshot& snapshot() const { return snapshot_; }
    // True while updates come from the broker's live feed (/v1/live).
    bool live() const;
    // Shows the node or edge with this key in the detail pane, as a click does.
    void select(const QString& key);

Q_SIGNALS:
    // "Show events": the Events page should show these.
    void eventsRequested(const meshdeck::views::EventFilter& filter);
    // "Consumer details": the Consumers page should show this consumer.
    void consumerRequested(const QString& consumer);

protected:
    void hideEvent(QHideEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void poll();
    void onSnapshot(const meshdeck::protocol::LiveSnapshot& frame);
    void showUnreadable(const QString& problem);
    void redraw();
    void showSelected();
    void describeNode(const FlowNode& node, QStringList& lines);
    void describeEdge(const FlowEdge& edge, QStringList& lines);

    FlowView* view_;
    QStackedWidget* stack_;
    QLabel* emptyState_;
    QLabel* status_;
    QLabel* detailTitle_;
    QLabel* detail_;
    QPushButton* showEvents_;
    QPushButton* consumerDetails_;
    LiveFollower* follower_;
    quint64 generation_ = 0;
    bool loaded_ = false;
    FlowSnapshot snapshot_;
    // Why the map shown is not the newest (an answer or frame that did not
    // read); empty when the last one read.
    QString problem_;
    // What "Show events" and "Consumer details" act on for the selection.
    EventFilter selectedFilter_;
    QString selectedConsumer_;
};

} // namespace meshdeck::views
