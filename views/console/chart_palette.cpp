#include "views/console/chart_palette.h"

#include <QAbstractAxis>
#include <QChart>
#include <QPalette>

namespace meshdeck::views {

void followPalette(QChart* chart, const QPalette& palette) {
    chart->setBackgroundVisible(false);
    chart->setTitleBrush(palette.windowText());
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setLabelsBrush(palette.windowText());
        axis->setTitleBrush(palette.windowText());
        axis->setGridLineColor(palette.color(QPalette::Mid));
        axis->setLinePenColor(palette.color(QPalette::Mid));
    }
}

} // namespace meshdeck::views
