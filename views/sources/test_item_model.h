#pragma once
// The playground's results: one row per vendor item of the tested body, with
// what became of it (mapped, ignored, no match, failed, invalid), the rule
// that decided, the event type it produced and why it was not mapped.

#include "core/protocol/source.h"
#include "views/console/row_list_model.h"

#include <QPalette>

namespace meshdeck::views {

class TestItemModel final : public RowListModel<protocol::SourceTestItem> {
public:
    enum Column { Item, Outcome, Rule, EventType, Reason };

    explicit TestItemModel(QObject* parent = nullptr);

    // Outcomes are coloured to read on this palette's base (light or dark).
    void setPalette(const QPalette& palette);

    QVariant data(const QModelIndex& index, int role) const override;

private:
    QPalette palette_;
};

// The outcome as people read it: "mapped", "no match".
QString outcomeText(const std::string& outcome);
// The event_type of a canonical event's JSON text; "" when it has none.
QString eventTypeOf(const std::string& eventJson);

} // namespace meshdeck::views
