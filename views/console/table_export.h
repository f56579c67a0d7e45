#pragma once
// A table as the person sees it, written out: CSV (RFC 4180) or JSON Lines,
// and the selected rows as tab-separated text for the clipboard. Cells are
// read as displayed (Qt::DisplayRole) in the model's row order, so a sort or
// filter proxy's order is what gets written; the header row / the JSON keys
// are the column titles.

#include <QList>
#include <QString>

class QAbstractItemModel;
class QTableView;

namespace meshdeck::views {

enum class ExportFormat { Csv, JsonLines };

// The table's text in `format`; `columns` are logical column numbers in the
// order to write them (empty: every column, in the model's order).
QByteArray tableText(const QAbstractItemModel& model, ExportFormat format,
                     const QList<int>& columns = {});

// Writes tableText to `path`. Returns "" when written, else why not, in
// words a person can act on ("could not write /x.csv: Permission denied").
QString exportTable(const QAbstractItemModel& model, const QString& path, ExportFormat format,
                    const QList<int>& columns = {});

// The visible columns of a view, in the order its header shows them.
QList<int> visibleColumns(const QTableView& view);

// The selected rows of a view, one line each, cells separated by tabs, in
// the view's row and column order.
QString selectedRowsText(const QTableView& view);

// "<name>-yyyyMMdd-HHmmss.<csv|jsonl>" for now, the name lower-cased with
// spaces as dashes ("dead-letters-20261127-091403.csv").
QString exportFileName(const QString& name, ExportFormat format);

} // namespace meshdeck::views
