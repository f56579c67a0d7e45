#pragma once
// A legend: a row of swatches, each with its word, wrapping onto more lines
// when the widget is narrow; hovering an entry shows what it means. Colours
// are resolved against the widget's palette when painted, so a legend
// follows the desktop between light and dark like what it explains.

#include "views/style/severity.h"

#include <QWidget>
#include <functional>

namespace meshdeck::views {

struct LegendEntry {
    enum class Mark { Box, Line, DashedLine, Dot };
    QString word;
    QString meaning;
    std::function<QColor(const QPalette&)> colour;
    Mark mark = Mark::Box;
};

// A legend entry for a state: its word, meaning and text colour.
LegendEntry legendEntry(Severity severity, LegendEntry::Mark mark = LegendEntry::Mark::Box);

class LegendWidget final : public QWidget {
    Q_OBJECT

public:
    explicit LegendWidget(QList<LegendEntry> entries, QWidget* parent = nullptr);

    // What the legend names, in order.
    QStringList words() const;

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    // Where each entry goes at this width (swatch and word in one rect).
    QList<QRect> entryRects(int width) const;

    QList<LegendEntry> entries_;
};

} // namespace meshdeck::views
