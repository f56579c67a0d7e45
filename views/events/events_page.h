#pragma once
// The Events page: a filter bar, a lazily loaded table of the events the mesh
// holds (see EventTableModel), and the selected event's JSON with ways to
// take it elsewhere (clipboard, curl, meshctl, the Trace page).

#include "views/console/page.h"
#include "views/events/event_filter.h"

#include <QTimer>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class QToolButton;

namespace meshdeck::views {

class EventTableModel;
class JsonHighlighter;

class EventsPage : public Page {
    Q_OBJECT

public:
    explicit EventsPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Events"); }
    QIcon icon() const override;
    void activate() override;
    QLineEdit* searchField() const override { return entityFilter_; }

    EventTableModel* model() const { return model_; }
    // What the filter bar says now (before the debounce has applied it).
    EventFilter filterFromBar() const;
    // Fills the bar and applies it at once, e.g. "show this entity's events".
    void showFilter(const EventFilter& filter);

Q_SIGNALS:
    void traceRequested(const QString& correlationId);

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyFilterBar();
    void loadEventTypes();
    void showSelectedEvent();
    void updateStatus();
    void copyJson();
    void copyCurl();
    void copyMeshctl();
    void openTrace();
    void keepFollowing(int first);
    QString selectedEventId() const;

    EventTableModel* model_;
    QSortFilterProxyModel* proxy_;
    JsonHighlighter* highlighter_;
    QTimer debounce_;

    QComboBox* typeFilter_;
    QLineEdit* tenantFilter_;
    QLineEdit* entityFilter_;
    QLineEdit* producerFilter_ = nullptr;
    QLineEdit* correlationFilter_;
    QLineEdit* sinceFilter_;
    QLineEdit* untilFilter_;
    QLineEdit* textFilter_;
    QToolButton* followButton_;
    QLabel* filterMessage_;
    QStackedWidget* tableStack_;
    QTableView* table_;
    QLabel* emptyState_;
    QLabel* detailTitle_;
    QPlainTextEdit* detail_;
    QPushButton* copyJsonButton_;
    QPushButton* copyCurlButton_;
    QPushButton* copyMeshctlButton_;
    QPushButton* openTraceButton_;
    QLabel* status_;
    bool typesLoaded_ = false;
};

} // namespace meshdeck::views
