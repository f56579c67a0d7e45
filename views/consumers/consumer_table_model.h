#pragma once
// The consumers as a table: one row per consumer from GET /v1/consumers,
// updated in place on every poll (rows keep their place and the selection
// survives; only changed cells are signalled). A row that needs a look is
// tinted by its state (views/style/severity.h), and the state cell has a
// coloured dot, in the application's palette, light or dark.

#include "core/protocol/consumer_status.h"

#include <QAbstractTableModel>
#include <QList>

namespace meshdeck::views {

class ConsumerTableModel final : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Name,
        State,
        Lag,
        OldestPending,
        InFlight,
        Delivered,
        DeadLettered,
        Circuit,
        Sink,
        ColumnCount
    };
    enum Role { LagRole = Qt::UserRole + 2 };

    explicit ConsumerTableModel(QObject* parent = nullptr);

    // The consumers of /v1/consumers or of a /v1/live snapshot.
    void apply(const std::vector<protocol::ConsumerReport>& consumers);
    const protocol::ConsumerReport& consumer(int row) const { return rows_.at(row); }
    int rowOf(const QString& name) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

Q_SIGNALS:
    void consumerStateChanged(const QString& name, const QString& from, const QString& to);

protected:
    // The application's palette changed (light/dark): every row repaints.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QList<protocol::ConsumerReport> rows_;
};

// "4.2 s", "3 min", "2 h 5 min": an age for people.
QString describeAge(qint64 milliseconds);
// Where the consumer's events go: its webhook's URL, else the sink's kind.
QString sinkText(const protocol::ConsumerReport& consumer);

} // namespace meshdeck::views
