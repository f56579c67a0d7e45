#pragma once
// The events the mesh holds for one filter, fetched lazily a page at a time
// through the session (never all of them: a mesh keeps millions). One request
// is in flight at a time; a new filter bumps the generation and answers to an
// older one are dropped. With follow on, the model polls for events after the
// last one it holds and appends each answer as one batch.

#include "views/events/event_filter.h"
#include "views/events/event_roles.h"

#include <QAbstractTableModel>
#include <QTimer>
#include <vector>

namespace meshdeck::views {

class MeshSession;
struct MeshReply;

class EventTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        SeqColumn,
        OccurredColumn,
        TypeColumn,
        EntityColumn,
        TenantColumn,
        ProducerColumn,
        CorrelationColumn,
        ColumnCount
    };

    explicit EventTableModel(MeshSession& session, QObject* parent = nullptr);
    ~EventTableModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

    // Drops the rows and loads the first page of `filter` (its text part is
    // ignored: that is the proxy's). An invalid filter loads nothing and sets filterError().
    void setFilter(const EventFilter& filter);
    const EventFilter& filter() const { return filter_; }
    bool hasFilter() const { return active_; }
    QString filterError() const { return filterError_; }
    // Loads the current filter again from the start.
    void reload();

    void setPageSize(int events); // 1..1000
    int pageSize() const { return pageSize_; }
    void setFollowing(bool following);
    bool isFollowing() const { return followTimer_.isActive(); }
    void setFollowInterval(int ms) { followTimer_.setInterval(ms); }

    bool isLoading() const { return inFlight_; }
    // More pages are stored after the last loaded row.
    bool hasMore() const { return hasMore_; }
    // True once the first page of the current filter has been answered.
    bool hasLoaded() const { return loaded_; }
    QString lastError() const { return lastError_; }

Q_SIGNALS:
    void eventsArrived(int count);
    void loadingChanged(bool loading);
    void fetchFailed(const QString& message);

private:
    struct Row;
    void request();
    void apply(const MeshReply& reply, quint64 generation);
    void setLoading(bool loading);
    void poll();

    MeshSession& session_;
    std::vector<Row> rows_;
    EventFilter filter_;
    QString filterError_;
    QString lastError_;
    int pageSize_ = 250;
    qint64 afterSeq_ = -1; // cursor for the next request: the last seq loaded
    bool hasMore_ = false;
    bool loaded_ = false;
    bool active_ = false; // a filter has been set
    bool inFlight_ = false;
    quint64 generation_ = 0;
    QTimer followTimer_;
};

} // namespace meshdeck::views
