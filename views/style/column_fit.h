#pragma once
// Table columns as wide as what they show, within a limit: a long value is
// elided (its tooltip has it whole) instead of pushing its neighbours out
// of sight or the window wider than the screen.

#include <QList>

class QTableView;

namespace meshdeck::views {

struct ColumnLimit {
    int column = 0;
    int maxWidth = 0; // pixels
};

// Sizes each listed column to its header and the rows shown, capped at its maximum.
void fitColumns(QTableView* table, const QList<ColumnLimit>& limits);

} // namespace meshdeck::views
