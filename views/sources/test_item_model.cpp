#include "views/sources/test_item_model.h"

#include "views/catalog/json_text.h"
#include "views/flow/flow_layout.h"
#include "views/session/protocol_adapter.h"

#include <QBrush>
#include <QGuiApplication>

namespace meshdeck::views {

namespace {

QList<RowColumn<protocol::SourceTestItem>> itemColumns() {
    using Item = protocol::SourceTestItem;
    return {
        {QStringLiteral("Item"),
         [](const Item& i) {
             return i.vendorId.empty() ? toQString(i.where)
                                       : toQString(i.where) + u" · " + toQString(i.vendorId);
         }},
        {QStringLiteral("Outcome"),
         [](const Item& i) {
             return outcomeText(i.outcome);
         }},
        {QStringLiteral("Rule"),
         [](const Item& i) {
             return toQString(i.rule);
         }},
        {QStringLiteral("Event type"),
         [](const Item& i) {
             return eventTypeOf(i.event);
         }},
        {QStringLiteral("Reason"),
         [](const Item& i) {
             return toQString(i.reason);
         }},
    };
}

} // namespace

QString outcomeText(const std::string& outcome) {
    return outcome == "no-match" ? QStringLiteral("no match") : toQString(outcome);
}

QString eventTypeOf(const std::string& eventJson) {
    const QByteArrayView type = jsontext::member(
        QByteArrayView(eventJson.data(), static_cast<qsizetype>(eventJson.size())), "event_type");
    if (type.size() < 2 || !type.startsWith('"'))
        return {};
    return QString::fromUtf8(type.sliced(1, type.size() - 2));
}

TestItemModel::TestItemModel(QObject* parent)
    : RowListModel(itemColumns(), parent), palette_(QGuiApplication::palette()) {}

void TestItemModel::setPalette(const QPalette& palette) {
    palette_ = palette;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, Outcome), index(rowCount() - 1, Outcome), {Qt::ForegroundRole});
}

QVariant TestItemModel::data(const QModelIndex& index, int role) const {
    if (role != Qt::ForegroundRole || index.column() != Outcome || !index.isValid() ||
        index.row() >= rowCount())
        return RowListModel::data(index, role);
    // The flow map's hues: what reaches the log reads as healthy, what goes
    // to quarantine as degraded, what a rule or the catalog refused as failing.
    const std::string& outcome = row(index.row()).outcome;
    const FlowHealth health = outcome == "mapped"     ? FlowHealth::Healthy
                              : outcome == "ignored"  ? FlowHealth::Idle
                              : outcome == "no-match" ? FlowHealth::Degraded
                                                      : FlowHealth::Failing;
    return QBrush(healthColour(health, palette_));
}

} // namespace meshdeck::views
