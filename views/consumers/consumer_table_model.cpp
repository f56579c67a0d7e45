#include "views/consumers/consumer_table_model.h"

#include <QBrush>
#include <QColor>

namespace meshdeck::views {

namespace {

qint64 number(const QJsonObject& o, QLatin1String key, QLatin1String sub = {}) {
    const QJsonValue v = sub.size() ? o.value(key).toObject().value(sub) : o.value(key);
    return v.toInteger();
}

} // namespace

QString describeAge(qint64 ms) {
    if (ms <= 0)
        return QStringLiteral("—");
    if (ms < 10'000)
        return QStringLiteral("%1 s").arg(static_cast<double>(ms) / 1000.0, 0, 'f', 1);
    if (ms < 120'000)
        return QStringLiteral("%1 s").arg(ms / 1000);
    if (ms < 7'200'000)
        return QStringLiteral("%1 min").arg(ms / 60'000);
    return QStringLiteral("%1 h %2 min").arg(ms / 3'600'000).arg((ms / 60'000) % 60);
}

void ConsumerTableModel::apply(const QList<QJsonObject>& consumers) {
    // Remove rows whose consumer is gone, update the others in place, append new ones.
    for (int row = static_cast<int>(rows_.size()) - 1; row >= 0; --row) {
        const QString name = rows_.at(row).value(QLatin1String("name")).toString();
        const bool kept =
            std::any_of(consumers.begin(), consumers.end(), [&](const QJsonObject& c) {
                return c.value(QLatin1String("name")).toString() == name;
            });
        if (!kept) {
            beginRemoveRows({}, row, row);
            rows_.removeAt(row);
            endRemoveRows();
        }
    }
    for (const auto& c : consumers) {
        const QString name = c.value(QLatin1String("name")).toString();
        const int row = rowOf(name);
        if (row < 0) {
            const int at = static_cast<int>(rows_.size());
            beginInsertRows({}, at, at);
            rows_.append(c);
            endInsertRows();
            continue;
        }
        const QString before = rows_.at(row).value(QLatin1String("state")).toString();
        const QString after = c.value(QLatin1String("state")).toString();
        if (rows_.at(row) == c)
            continue;
        rows_[row] = c;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        if (before != after)
            Q_EMIT consumerStateChanged(name, before, after);
    }
}

int ConsumerTableModel::rowOf(const QString& name) const {
    for (int row = 0; row < rows_.size(); ++row)
        if (rows_.at(row).value(QLatin1String("name")).toString() == name)
            return row;
    return -1;
}

int ConsumerTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ConsumerTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConsumerTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const QJsonObject& c = rows_.at(index.row());
    if (role == RecordRole)
        return c;
    if (role == LagRole)
        return number(c, QLatin1String("lag"), QLatin1String("events"));
    const QString state = c.value(QLatin1String("state")).toString();
    if (role == Qt::ForegroundRole && index.column() == State) {
        if (state == QLatin1String("circuit-open") || state == QLatin1String("blocked"))
            return QBrush(QColor(0xc0, 0x39, 0x2b));
        if (state == QLatin1String("retrying") || state == QLatin1String("paused"))
            return QBrush(QColor(0xb9, 0x77, 0x0e));
        return {};
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Lag && index.column() <= DeadLettered)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        const QJsonObject error = c.value(QLatin1String("last_error")).toObject();
        return error.isEmpty() ? QVariant()
                               : QVariant(error.value(QLatin1String("message")).toString());
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name:
        return c.value(QLatin1String("name")).toString();
    case State:
        return state;
    case Lag:
        return QLocale().toString(number(c, QLatin1String("lag"), QLatin1String("events")));
    case OldestPending:
        return describeAge(number(c, QLatin1String("lag"), QLatin1String("oldest_age_ms")));
    case InFlight:
        return number(c, QLatin1String("in_flight"));
    case Delivered:
        return QLocale().toString(number(c, QLatin1String("totals"), QLatin1String("delivered")));
    case DeadLettered:
        return QLocale().toString(
            number(c, QLatin1String("totals"), QLatin1String("dead_lettered")));
    case Circuit:
        return c.value(QLatin1String("circuit"))
            .toObject()
            .value(QLatin1String("state"))
            .toString();
    case Sink: {
        const QString url = c.value(QLatin1String("url")).toString();
        return url.isEmpty() ? c.value(QLatin1String("sink")).toString() : url;
    }
    default:
        return {};
    }
}

QVariant ConsumerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const titles[] = {"Consumer",       "State",     "Lag",
                                         "Oldest pending", "In flight", "Delivered",
                                         "Dead letters",   "Circuit",   "Sink"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(titles[section])
                                                 : QVariant();
}

} // namespace meshdeck::views
