#include "views/dlq/dead_letter_table.h"

#include "views/dlq/replay_preview.h"
#include "views/session/protocol_adapter.h"

namespace meshdeck::views {

DeadLetterModel* makeDeadLetterModel(QObject* parent) {
    // In LetterColumn's order.
    QList<RowColumn<DeadLetter>> columns{
        {QStringLiteral("Id"),
         [](const DeadLetter& d) {
             return QString::number(d.id);
         }},
        {QStringLiteral("Type"),
         [](const DeadLetter& d) {
             return toQString(d.eventType);
         }},
        {QStringLiteral("Entity"),
         [](const DeadLetter& d) {
             return toQString(d.entity);
         }},
        {QStringLiteral("Receiver said"),
         [](const DeadLetter& d) {
             return receiverReason(d);
         }},
        {QStringLiteral("Class"),
         [](const DeadLetter& d) {
             return wordOf(d.failureClass);
         }},
        {QStringLiteral("Attempts"),
         [](const DeadLetter& d) {
             return QString::number(d.attempts);
         }},
        {QStringLiteral("Consumer"),
         [](const DeadLetter& d) {
             return toQString(d.consumer);
         }},
        {QStringLiteral("Dead since"),
         [](const DeadLetter& d) {
             return timeText(d.deadAt);
         }},
        {QStringLiteral("Error"),
         [](const DeadLetter& d) {
             return toQString(d.error);
         }},
    };
    return new DeadLetterModel(std::move(columns), parent);
}

DeadLetterFilter::DeadLetterFilter(DeadLetterModel* letters, QObject* parent)
    : QSortFilterProxyModel(parent), letters_(letters) {
    setSourceModel(letters);
    // Sorted by a clicked header; until then in the broker's order (newest first).
    setDynamicSortFilter(true);
}

void DeadLetterFilter::setText(const QString& text) {
    const QString trimmed = text.trimmed();
    if (trimmed == text_)
        return;
    text_ = trimmed;
    invalidateRowsFilter();
}

const DeadLetter& DeadLetterFilter::letterAt(int proxyRow) const {
    return letters_->row(mapToSource(index(proxyRow, 0)).row());
}

int DeadLetterFilter::rowOf(qint64 id) const {
    for (int row = 0; row < letters_->rowCount(); ++row)
        if (letters_->row(row).id == id)
            return mapFromSource(letters_->index(row, 0)).row();
    return -1;
}

bool DeadLetterFilter::filterAcceptsRow(int sourceRow, const QModelIndex&) const {
    if (text_.isEmpty())
        return true;
    const DeadLetter& d = letters_->row(sourceRow);
    for (const std::string* field :
         {&d.entity, &d.correlationId, &d.eventId, &d.error, &d.consumer, &d.eventType})
        if (toQString(*field).contains(text_, Qt::CaseInsensitive))
            return true;
    return receiverReason(d).contains(text_, Qt::CaseInsensitive);
}

bool DeadLetterFilter::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    const DeadLetter& a = letters_->row(left.row());
    const DeadLetter& b = letters_->row(right.row());
    switch (static_cast<LetterColumn>(left.column())) {
    case LetterColumn::Id:
        return a.id < b.id;
    case LetterColumn::DeadSince:
        return a.deadAt < b.deadAt;
    case LetterColumn::Attempts:
        return a.attempts < b.attempts;
    default:
        return QString::localeAwareCompare(left.data().toString(), right.data().toString()) < 0;
    }
}

} // namespace meshdeck::views
