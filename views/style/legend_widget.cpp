#include "views/style/legend_widget.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

namespace meshdeck::views {

namespace {
constexpr int kSwatch = 14;  // width of the mark
constexpr int kGap = 6;      // mark to word
constexpr int kSpacing = 16; // entry to entry
constexpr int kMargin = 2;
} // namespace

LegendEntry legendEntry(Severity severity, LegendEntry::Mark mark) {
    return {severityWord(severity), severityMeaning(severity),
            [severity](const QPalette& palette) { return coloursOf(severity, palette).text; },
            mark};
}

LegendWidget::LegendWidget(QList<LegendEntry> entries, QWidget* parent)
    : QWidget(parent), entries_(std::move(entries)) {
    setObjectName(QStringLiteral("legend"));
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

QStringList LegendWidget::words() const {
    QStringList out;
    for (const auto& e : entries_)
        out << e.word;
    return out;
}

QList<QRect> LegendWidget::entryRects(int width) const {
    const QFontMetrics metrics(font());
    const int lineHeight = std::max(metrics.height(), kSwatch) + 2;
    QList<QRect> out;
    int x = kMargin, y = kMargin;
    for (const auto& e : entries_) {
        const int w = kSwatch + kGap + metrics.horizontalAdvance(e.word);
        if (x > kMargin && x + w > width - kMargin) {
            x = kMargin;
            y += lineHeight;
        }
        out.append(QRect(x, y, w, lineHeight));
        x += w + kSpacing;
    }
    return out;
}

int LegendWidget::heightForWidth(int width) const {
    const auto rects = entryRects(width);
    return rects.isEmpty() ? 0 : rects.last().bottom() + 1 + kMargin;
}

QSize LegendWidget::sizeHint() const {
    const auto rects = entryRects(QWIDGETSIZE_MAX);
    const int w = rects.isEmpty() ? 0 : rects.last().right() + 1 + kMargin;
    return {w, heightForWidth(width() > 0 ? width() : w)};
}

QSize LegendWidget::minimumSizeHint() const {
    // One entry a line at worst: never the reason a window is wide.
    int widest = 0;
    for (const QRect& r : entryRects(0))
        widest = std::max(widest, r.width());
    return {widest + 2 * kMargin, heightForWidth(width() > 0 ? width() : widest)};
}

void LegendWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const auto rects = entryRects(width());
    for (int i = 0; i < entries_.size(); ++i) {
        const LegendEntry& e = entries_.at(i);
        const QRect r = rects.at(i);
        const QColor colour = e.colour(palette());
        const QRectF mark(r.left(), r.center().y() - kSwatch / 2.0 + 1, kSwatch, kSwatch);
        switch (e.mark) {
        case LegendEntry::Mark::Box:
            p.setPen(Qt::NoPen);
            p.setBrush(colour);
            p.drawRoundedRect(mark.adjusted(1, 2, -1, -2), 2, 2);
            break;
        case LegendEntry::Mark::Dot:
            p.setPen(Qt::NoPen);
            p.setBrush(colour);
            p.drawEllipse(mark.center(), 4.5, 4.5);
            break;
        case LegendEntry::Mark::Line:
        case LegendEntry::Mark::DashedLine:
            p.setPen(QPen(colour, 2.5,
                          e.mark == LegendEntry::Mark::Line ? Qt::SolidLine : Qt::DashLine,
                          Qt::FlatCap));
            p.drawLine(QPointF(mark.left(), mark.center().y()),
                       QPointF(mark.right(), mark.center().y()));
            break;
        }
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(r.adjusted(kSwatch + kGap, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, e.word);
    }
}

bool LegendWidget::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const auto rects = entryRects(width());
        for (int i = 0; i < rects.size(); ++i)
            if (rects.at(i).contains(help->pos())) {
                QToolTip::showText(help->globalPos(), entries_.at(i).meaning, this, rects.at(i));
                return true;
            }
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    return QWidget::event(event);
}

} // namespace meshdeck::views
