#pragma once
// Sources: the vendors that post their webhooks to POST /v1/hooks/{name} -
// each with its kind, tenant, the URL to give the vendor and what it has
// received (requests, items mapped, ignored, rejected by signature,
// quarantined, the last error), from GET /v1/sources every 2 s while shown;
// and below the table the playground of the selected source, where a vendor
// body is run through the source's rules as it is typed.

#include "core/protocol/source.h"
#include "views/console/page.h"

#include <QDateTime>
#include <QTimer>

class QLabel;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace meshdeck::views {

class SourcePlayground;
class SourceTableModel;

class SourcesPage final : public Page {
    Q_OBJECT

public:
    explicit SourcesPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Sources"); }
    QIcon icon() const override;
    void activate() override;

    SourceTableModel* model() const { return model_; }
    SourcePlayground* playground() const { return playground_; }
    QString selectedSource() const;
    // Selects it now, or as soon as it is listed.
    void selectSource(const QString& name);
    // Puts the selected source's vendor URL on the clipboard.
    void copyUrl();

protected:
    void hideEvent(QHideEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void poll();
    void apply(const std::vector<protocol::SourceStatus>& sources);
    void showSelected();
    int tableHeightFor(int rows) const;
    void fitTable();

    SourceTableModel* model_;
    QTableView* table_;
    QStackedWidget* stack_;
    QLabel* emptyState_;
    QLabel* status_;
    QPushButton* copyUrl_;
    SourcePlayground* playground_;
    QSplitter* splitter_ = nullptr;
    QTimer pollTimer_;
    quint64 generation_ = 0;
    bool loaded_ = false;
    bool userSized_ = false; // the divider was dragged: the table is no longer fitted
    QString pendingSelection_;
    QDateTime noticeUntil_; // the status line holds a note until then
};

} // namespace meshdeck::views
