#pragma once
// A page that lists records the broker keeps as a JSON array - rejected
// inputs (quarantine), the audit log - with a table of chosen columns and
// the selected record in full below it. Records are read-only here.

#include "views/console/page.h"
#include "views/console/row_list_model.h"

#include <QAbstractItemView>
#include <QJsonObject>
#include <functional>

class QLabel;
class QPlainTextEdit;
class QTableView;

namespace meshdeck::views {

struct RecordColumn {
    QString title;
    // Slash-separated path into the record, "problem/detail".
    QString path;
    // The value is an RFC 3339 time, shown as timeText shows times (in the
    // zone chosen under View > Show local time).
    bool time = false;
};

// The console's tables look and select alike: whole rows, no row numbers,
// compact rows, alternating colours, the last column stretched; a context
// menu copies the selected rows and exports the table as CSV or JSON Lines
// (views/console/table_export.h).
void setUpRecordTable(QTableView* table, QAbstractItemModel* model,
                      QAbstractItemView::SelectionMode mode = QAbstractItemView::SingleSelection);

// The context menu alone (Copy, Export as CSV, Export as JSON Lines), for a
// table set up its own way; call it after the table has its model.
void addTableActions(QTableView* table);

// Where a page has nothing to show yet: centred, wrapped, in the
// placeholder colour on the view's background, so it stands in for the view.
void setUpEmptyState(QLabel* label);

// Reads a value at a slash-separated path; numbers without a fraction
// print as integers, missing values as "".
QString recordText(const QJsonObject& record, const QString& path);
// A JSON number as a person reads it: whole numbers without ".0" or an
// exponent (up to 2^53, where a double still holds every integer).
QString jsonNumberText(double number);

// JSON records, each column read at its path.
class RecordListModel final : public RowListModel<QJsonObject> {
public:
    explicit RecordListModel(const QList<RecordColumn>& columns, QObject* parent = nullptr);

    void setRecords(const QList<QJsonObject>& records) { setRows(records); }
    const QJsonObject& record(int row) const { return this->row(row); }
};

class RecordListPage final : public Page {
    Q_OBJECT

public:
    // `path` answers {"<arrayKey>": [records...]}, newest first.
    RecordListPage(MeshSession& session, QString title, QString path, QString arrayKey,
                   QList<RecordColumn> columns, QString emptyText, QWidget* parent = nullptr);

    QString title() const override { return title_; }
    QIcon icon() const override { return icon_; }
    void setIcon(QIcon icon) { icon_ = std::move(icon); }
    void activate() override;
    RecordListModel* model() const { return model_; }

private:
    void showRecord(int row);

    QString title_, path_, arrayKey_, emptyText_;
    QIcon icon_;
    RecordListModel* model_;
    QTableView* table_;
    QPlainTextEdit* detail_;
    QLabel* status_;
    quint64 generation_ = 0;
};

} // namespace meshdeck::views
