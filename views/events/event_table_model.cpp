#include "views/events/event_table_model.h"

#include "views/session/mesh_session.h"
#include "views/session/protocol_adapter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>

namespace meshdeck::views {

// Parsed once when the page arrives; the payload stays in `json` only.
struct EventTableModel::Row {
    qint64 seq = 0;
    QString eventId;
    QString occurredAt;
    QString ingestedAt;
    QString type;
    QString entity; // "lead:L-1042 v7"
    QString tenant;
    QString producer;
    QString correlationId;
    QByteArray json;
};

namespace {

QString text(const QJsonObject& object, QLatin1StringView key) {
    return object.value(key).toString();
}

} // namespace

EventTableModel::EventTableModel(MeshSession& session, QObject* parent)
    : QAbstractTableModel(parent), session_(session) {
    followTimer_.setInterval(1000);
    connect(&followTimer_, &QTimer::timeout, this, &EventTableModel::poll);
    // Times follow View > Show local time: every row's time text again.
    connect(&TimeDisplay::instance(), &TimeDisplay::changed, this, [this] {
        if (!rows_.empty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                               {Qt::DisplayRole, Qt::ToolTipRole});
    });
}

EventTableModel::~EventTableModel() = default;

int EventTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int EventTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = rows_[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeqColumn:
            return row.seq;
        case OccurredColumn:
            return timeText(row.occurredAt);
        case TypeColumn:
            return row.type;
        case EntityColumn:
            return row.entity;
        case TenantColumn:
            return row.tenant;
        case ProducerColumn:
            return row.producer;
        case CorrelationColumn:
            return row.correlationId;
        }
        return {};
    case Qt::ToolTipRole:
        switch (index.column()) {
        case SeqColumn:
            return QStringLiteral("seq %1 · event_id %2").arg(row.seq).arg(row.eventId);
        case OccurredColumn:
            return QStringLiteral("occurred %1\ningested %2")
                .arg(timeText(row.occurredAt), timeText(row.ingestedAt));
        case CorrelationColumn:
            return row.correlationId.isEmpty() ? QStringLiteral("no correlation id")
                                               : row.correlationId;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::TextAlignmentRole:
        if (index.column() == SeqColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        return {};
    case RawJsonRole:
        return row.json;
    case EventIdRole:
        return row.eventId;
    case CorrelationIdRole:
        return row.correlationId;
    case SeqRole:
        return row.seq;
    }
    return {};
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case SeqColumn:
        return QStringLiteral("Seq");
    case OccurredColumn:
        return QStringLiteral("Occurred");
    case TypeColumn:
        return QStringLiteral("Type");
    case EntityColumn:
        return QStringLiteral("Entity");
    case TenantColumn:
        return QStringLiteral("Tenant");
    case ProducerColumn:
        return QStringLiteral("Producer");
    case CorrelationColumn:
        return QStringLiteral("Correlation");
    }
    return {};
}

bool EventTableModel::canFetchMore(const QModelIndex& parent) const {
    return !parent.isValid() && active_ && filterError_.isEmpty() && hasMore_ && !inFlight_;
}

void EventTableModel::fetchMore(const QModelIndex& parent) {
    if (canFetchMore(parent))
        request();
}

void EventTableModel::setFilter(const EventFilter& filter) {
    filter_ = filter;
    filterError_ = eventQueryPath(filter_).error;
    active_ = true;
    reload();
}

void EventTableModel::reload() {
    ++generation_; // whatever is in flight now answers a question nobody asks any more
    beginResetModel();
    rows_.clear();
    rows_.shrink_to_fit();
    afterSeq_ = -1;
    hasMore_ = false;
    loaded_ = false;
    lastError_.clear();
    endResetModel();
    setLoading(false);
    if (active_ && filterError_.isEmpty())
        request();
}

void EventTableModel::setPageSize(int events) {
    pageSize_ = std::clamp(events, 1, 1000);
}

void EventTableModel::setFollowing(bool following) {
    if (following == isFollowing())
        return;
    if (following) {
        followTimer_.start();
        poll();
    } else {
        followTimer_.stop();
    }
}

void EventTableModel::poll() {
    // While pages are still stored after the last row, the view's fetchMore
    // walks towards the end; following only matters once there.
    if (active_ && filterError_.isEmpty() && loaded_ && !hasMore_ && !inFlight_)
        request();
}

void EventTableModel::request() {
    const EventQueryPath query = eventQueryPath(filter_, afterSeq_, pageSize_);
    if (!query.ok())
        return;
    setLoading(true);
    const quint64 generation = generation_;
    session_.get(query.path, this,
                 [this, generation](const MeshReply& reply) { apply(reply, generation); });
}

void EventTableModel::apply(const MeshReply& reply, quint64 generation) {
    if (generation != generation_)
        return; // stale: the filter changed (or a reload) since this was asked
    setLoading(false);
    if (!reply.ok()) {
        lastError_ = reply.describe();
        loaded_ = true;
        Q_EMIT fetchFailed(lastError_);
        return;
    }
    QJsonParseError parseError;
    const QJsonObject answer = QJsonDocument::fromJson(reply.body, &parseError).object();
    if (parseError.error != QJsonParseError::NoError) {
        lastError_ = QStringLiteral("The mesh answered GET /v1/events with malformed JSON: %1")
                         .arg(parseError.errorString());
        loaded_ = true;
        Q_EMIT fetchFailed(lastError_);
        return;
    }
    lastError_.clear();
    const QJsonArray events = answer.value(QLatin1StringView("events")).toArray();
    std::vector<Row> page;
    page.reserve(static_cast<std::size_t>(events.size()));
    for (const QJsonValue& value : events) {
        const QJsonObject event = value.toObject();
        Row row;
        row.seq = event.value(QLatin1StringView("seq")).toInteger();
        if (row.seq <= afterSeq_)
            continue; // already held: a follow poll racing a page, say
        row.eventId = text(event, QLatin1StringView("event_id"));
        row.occurredAt = text(event, QLatin1StringView("occurred_at"));
        row.ingestedAt = text(event, QLatin1StringView("ingested_at"));
        row.type = text(event, QLatin1StringView("event_type"));
        row.tenant = text(event, QLatin1StringView("tenant_id"));
        row.producer = text(event, QLatin1StringView("producer"));
        row.correlationId = text(event, QLatin1StringView("correlation_id"));
        const QJsonObject entity = event.value(QLatin1StringView("entity")).toObject();
        row.entity =
            text(entity, QLatin1StringView("kind")) + u':' + text(entity, QLatin1StringView("id"));
        if (const QJsonValue version = entity.value(QLatin1StringView("version"));
            !version.isUndefined() && !version.isNull())
            row.entity += u" v" + QString::number(version.toInteger());
        row.json = QJsonDocument(event).toJson(QJsonDocument::Compact);
        afterSeq_ = row.seq;
        page.push_back(std::move(row));
    }
    const QJsonValue cursor = answer.value(QLatin1StringView("next_cursor"));
    hasMore_ = cursor.isString();
    if (hasMore_)
        afterSeq_ = std::max(afterSeq_, cursor.toString().toLongLong());
    loaded_ = true;

    if (!page.empty()) {
        const int first = static_cast<int>(rows_.size());
        beginInsertRows({}, first, first + static_cast<int>(page.size()) - 1);
        rows_.insert(rows_.end(), std::make_move_iterator(page.begin()),
                     std::make_move_iterator(page.end()));
        endInsertRows();
    }
    Q_EMIT eventsArrived(static_cast<int>(page.size()));
}

void EventTableModel::setLoading(bool loading) {
    if (inFlight_ == loading)
        return;
    inFlight_ = loading;
    Q_EMIT loadingChanged(loading);
}

} // namespace meshdeck::views
