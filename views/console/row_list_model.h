#pragma once
// A read-only table of rows of one type, each column a title and a function
// that gives a row's text in it (shown as the cell and its tooltip). The
// console's lists of broker records use it with core protocol types as rows
// (dead letters, their groups, trace entries), and RecordListModel with JSON
// records for answers that have no core type yet.

#include <QAbstractTableModel>
#include <QList>
#include <QString>
#include <functional>

namespace meshdeck::views {

template <class Row> struct RowColumn {
    QString title;
    std::function<QString(const Row&)> text;
};

template <class Row> class RowListModel : public QAbstractTableModel {
public:
    explicit RowListModel(QList<RowColumn<Row>> columns, QObject* parent = nullptr)
        : QAbstractTableModel(parent), columns_(std::move(columns)) {}

    template <class Rows> void setRows(const Rows& rows) {
        beginResetModel();
        rows_ = QList<Row>(rows.begin(), rows.end());
        endResetModel();
    }
    const Row& row(int row) const { return rows_.at(row); }

    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : static_cast<int>(rows_.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : static_cast<int>(columns_.size());
    }
    QVariant data(const QModelIndex& index, int role) const override {
        if (!index.isValid() || index.row() >= rows_.size() || index.column() >= columns_.size())
            return {};
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return columns_.at(index.column()).text(rows_.at(index.row()));
        return {};
    }
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override {
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0 &&
            section < columns_.size())
            return columns_.at(section).title;
        return {};
    }

private:
    QList<RowColumn<Row>> columns_;
    QList<Row> rows_;
};

} // namespace meshdeck::views
