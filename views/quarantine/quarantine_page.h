#pragma once
// Quarantine: what the broker refused at ingest, who sent it and why. Identical
// rejections (one legacy importer sending the same wrong field 28 times) are
// one row with a count, first and last seen; selecting a group lists its
// entries, and the selected entry's problem is spelled out below with the body
// as it was received. Admin only: the quarantine keeps raw payloads.

#include "views/console/page.h"
#include "views/console/row_list_model.h"
#include "views/quarantine/rejected_input.h"

#include <QTimer>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QStackedWidget;
class QTableView;

namespace meshdeck::views {

class QuarantinePage final : public Page {
    Q_OBJECT

public:
    explicit QuarantinePage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Quarantine"); }
    QIcon icon() const override;
    void activate() override;
    QLineEdit* searchField() const override { return filter_; }

    // One row per group of identical rejections (when grouping is on).
    RowListModel<RejectionGroup>* groups() const { return groups_; }
    // Every matching rejection (when grouping is off).
    RowListModel<RejectedInput>* entries() const { return entries_; }
    // The selected group's rejections.
    RowListModel<RejectedInput>* groupEntries() const { return groupEntries_; }
    void setGrouped(bool grouped);

private:
    void showAnswer(const MeshReply& reply);
    // Fills the tables from the entries that match the filter.
    void render();
    void showGroup(int row);
    void showEntry(const RowListModel<RejectedInput>* model, int row);
    void showMessage(const QString& text);

    RowListModel<RejectionGroup>* groups_;
    RowListModel<RejectedInput>* entries_;
    RowListModel<RejectedInput>* groupEntries_;
    QLabel* status_;
    QLineEdit* filter_;
    QCheckBox* grouped_;
    QStackedWidget* pages_; // the message, or the tables
    QLabel* message_;       // empty, admin only, or the error
    QStackedWidget* lists_; // groups or entries
    QTableView* groupTable_;
    QTableView* entryTable_;
    QTableView* groupEntryTable_;
    QPlainTextEdit* detail_;
    QTimer filterDelay_;
    QList<RejectedInput> inputs_; // the broker's last answer, newest first
    quint64 generation_ = 0;
};

} // namespace meshdeck::views
