#pragma once
// The Dead letters page's list: its columns (one model row per letter) and
// the proxy between that model and the table, which narrows the list to
// what the filter box says and sorts numbers as numbers, times as times.
// Every row the table shows maps back to its letter through the proxy.

#include "core/protocol/dead_letter.h"
#include "views/console/row_list_model.h"

#include <QSortFilterProxyModel>

namespace meshdeck::views {

using DeadLetterModel = RowListModel<DeadLetter>;

// The columns, in the order the model has them: what a person scans for
// first (the entity and what the receiver said) before the rest, so it is
// in sight on a laptop's screen.
enum class LetterColumn {
    Id,
    Type,
    Entity,
    ReceiverSaid,
    Class,
    Attempts,
    Consumer,
    DeadSince,
    Error,
};

DeadLetterModel* makeDeadLetterModel(QObject* parent);

class DeadLetterFilter final : public QSortFilterProxyModel {
public:
    DeadLetterFilter(DeadLetterModel* letters, QObject* parent);

    // Case-insensitive substring of the entity, correlation id, event id,
    // error, receiver's reason, consumer or event type ("" shows every letter).
    void setText(const QString& text);
    QString text() const { return text_; }
    // The letter a row of this proxy shows.
    const DeadLetter& letterAt(int proxyRow) const;
    // This proxy's row for the letter with this id, or -1 when it is not shown.
    int rowOf(qint64 id) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    DeadLetterModel* letters_;
    QString text_;
};

} // namespace meshdeck::views
