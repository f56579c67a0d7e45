#include "views/consumers/consumer_table_model.h"

#include "views/session/protocol_adapter.h"
#include "views/style/severity.h"

#include <QBrush>
#include <QColor>
#include <QCoreApplication>
#include <QGuiApplication>

namespace meshdeck::views {

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

QString sinkText(const protocol::ConsumerReport& consumer) {
    return consumer.url.empty() ? wordOf(consumer.sink) : toQString(consumer.url);
}

ConsumerTableModel::ConsumerTableModel(QObject* parent) : QAbstractTableModel(parent) {
    if (QCoreApplication::instance())
        QCoreApplication::instance()->installEventFilter(this);
}

bool ConsumerTableModel::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::ApplicationPaletteChange &&
        watched == QCoreApplication::instance() && !rows_.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                           {Qt::BackgroundRole, Qt::ForegroundRole, Qt::DecorationRole});
    return QAbstractTableModel::eventFilter(watched, event);
}

void ConsumerTableModel::apply(const std::vector<protocol::ConsumerReport>& consumers) {
    // Remove rows whose consumer is gone, update the others in place, append new ones.
    for (int row = static_cast<int>(rows_.size()) - 1; row >= 0; --row) {
        const std::string& name = rows_.at(row).name;
        const bool kept =
            std::any_of(consumers.begin(), consumers.end(),
                        [&](const protocol::ConsumerReport& c) { return c.name == name; });
        if (!kept) {
            beginRemoveRows({}, row, row);
            rows_.removeAt(row);
            endRemoveRows();
        }
    }
    for (const auto& c : consumers) {
        const QString name = toQString(c.name);
        const int row = rowOf(name);
        if (row < 0) {
            const int at = static_cast<int>(rows_.size());
            beginInsertRows({}, at, at);
            rows_.append(c);
            endInsertRows();
            continue;
        }
        const protocol::ConsumerState before = rows_.at(row).state;
        if (rows_.at(row) == c)
            continue;
        rows_[row] = c;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        if (before != c.state)
            Q_EMIT consumerStateChanged(name, wordOf(before), stateWordOf(c));
    }
}

int ConsumerTableModel::rowOf(const QString& name) const {
    const std::string wanted = name.toStdString();
    for (int row = 0; row < rows_.size(); ++row)
        if (rows_.at(row).name == wanted)
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
    using protocol::ConsumerState;
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const protocol::ConsumerReport& c = rows_.at(index.row());
    if (role == LagRole)
        return static_cast<qint64>(c.lagEvents);
    if (role == Qt::BackgroundRole || role == Qt::ForegroundRole || role == Qt::DecorationRole) {
        const Severity severity = severityOf(c);
        const SeverityColours colours = coloursOf(severity, QGuiApplication::palette());
        if (role == Qt::DecorationRole)
            return index.column() == State ? QVariant(severityDot(colours.text)) : QVariant();
        // A healthy row stays plain: the tinted ones are what the eye should find.
        if (severity == Severity::Healthy)
            return {};
        return QBrush(role == Qt::BackgroundRole ? colours.tint : colours.text);
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Lag && index.column() <= DeadLettered)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        const Severity severity = severityOf(c);
        QString tip = severityWord(severity) + u": " + severityMeaning(severity);
        if (!c.lastError.empty())
            tip += u'\n' + toQString(c.lastError);
        return tip;
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name:
        return toQString(c.name);
    case State:
        return stateWordOf(c);
    case Lag:
        return QLocale().toString(static_cast<qint64>(c.lagEvents));
    case OldestPending:
        return describeAge(c.oldestPendingAgeMs);
    case InFlight:
        return static_cast<qint64>(c.inFlight);
    case Delivered:
        return QLocale().toString(static_cast<qint64>(c.delivered));
    case DeadLettered:
        return QLocale().toString(static_cast<qint64>(c.deadLettered));
    case Circuit:
        return wordOf(c.circuit);
    case Sink:
        return sinkText(c);
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
