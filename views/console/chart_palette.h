#pragma once
// Qt Charts draw with their own light theme; the console's charts follow the
// window's palette instead (dark or light), on the view's own background.

class QChart;
class QPalette;

namespace meshdeck::views {

// Call after the chart's axes are added.
void followPalette(QChart* chart, const QPalette& palette);

} // namespace meshdeck::views
