#include "views/style/column_fit.h"

#include <QTableView>

namespace meshdeck::views {

void fitColumns(QTableView* table, const QList<ColumnLimit>& limits) {
    for (const ColumnLimit& limit : limits) {
        table->resizeColumnToContents(limit.column); // the header's and the shown rows' width
        if (table->columnWidth(limit.column) > limit.maxWidth)
            table->setColumnWidth(limit.column, limit.maxWidth);
    }
}

} // namespace meshdeck::views
