#pragma once
// Trace: one journey by correlation id (or an entity's, as kind:id). At the
// top the broker's answer to "where did it stall?" in one sentence; below,
// every event, attempt, dead letter, replay and outcome in time order, and
// the causation tree, with a waterfall of attempts per consumer on a time axis. Ctrl+K in the main
// window jumps here.

#include "core/protocol/trace.h"
#include "views/console/page.h"
#include "views/console/row_list_model.h"

#include <QList>

class QLabel;
class QLineEdit;
class QTreeWidget;
class QTableView;

namespace meshdeck::views {

class WaterfallWidget;

class TracePage final : public Page {
    Q_OBJECT

public:
    explicit TracePage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Trace"); }
    QIcon icon() const override;
    void activate() override;
    QLineEdit* searchField() const override { return search_; }

    // "journey-42" (a correlation id) or "lead:L-1042" (an entity).
    void trace(const QString& subject);
    void focusSearch();

    QString answer() const;
    // Each business outcome of the journey, its latency and its SLO verdict.
    QString outcomes() const;
    RowListModel<protocol::TraceEntry>* timeline() const { return timeline_; }
    QTreeWidget* causation() const { return causation_; }
    WaterfallWidget* waterfall() const { return waterfall_; }

private:
    void showOutcomes(const std::vector<protocol::TraceEntry>& timeline);
    // The stall answer, and why the trace could not be read (if so).
    void showAnswer();

    QLineEdit* search_;
    QLabel* answer_;
    QLabel* outcomes_;
    RowListModel<protocol::TraceEntry>* timeline_;
    QTableView* table_;
    WaterfallWidget* waterfall_;
    QTreeWidget* causation_;
    QString stallText_, traceError_;
    quint64 generation_ = 0;
};

} // namespace meshdeck::views
