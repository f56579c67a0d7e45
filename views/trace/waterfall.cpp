#include "views/trace/waterfall.h"

#include "views/session/protocol_adapter.h"

#include <QDateTime>
#include <QHash>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

namespace meshdeck::views {

namespace {

constexpr int kRowHeight = 22;
constexpr int kAxisHeight = 20;

double msOf(Timestamp at) {
    return static_cast<double>(toUnixMillis(at));
}

QColor colourOf(WaterfallBar::Kind kind, const QPalette& palette) {
    switch (kind) {
    case WaterfallBar::Kind::Event:
        return palette.color(QPalette::Highlight);
    case WaterfallBar::Kind::Wait:
        return palette.color(QPalette::Mid);
    case WaterfallBar::Kind::Delivered:
        return QColor(0x2e, 0x9d, 0x5b);
    case WaterfallBar::Kind::Failed:
        return QColor(0xe6, 0x7e, 0x22);
    case WaterfallBar::Kind::Throttled:
        return QColor(0xd4, 0xac, 0x0d);
    case WaterfallBar::Kind::DeadLetter:
        return QColor(0xc0, 0x39, 0x2b);
    case WaterfallBar::Kind::Stale:
        return palette.color(QPalette::Dark);
    case WaterfallBar::Kind::Outcome:
        return QColor(0x8e, 0x44, 0xad);
    }
    return palette.color(QPalette::Text);
}

} // namespace

WaterfallLayout layoutWaterfall(const std::vector<protocol::TraceEntry>& timeline) {
    using protocol::TracedEvent;
    using protocol::TracedOutcome;
    WaterfallLayout out;
    out.rows << QStringLiteral("events");
    double origin = -1;
    QHash<QString, double> ingested; // event id -> ingest time
    for (const auto& entry : timeline) {
        if (const auto* event = std::get_if<TracedEvent>(&entry)) {
            const double at = msOf(event->ingestedAt);
            ingested.insert(toQString(event->eventId), at);
            if (origin < 0 || at < origin)
                origin = at;
        }
    }
    if (origin < 0)
        return out;
    // Where each (consumer, event) last stopped: the next wait starts there.
    QHash<QString, double> lastEnd;
    auto rowOf = [&out](const std::string& consumer) {
        const QString name = consumer.empty() ? QStringLiteral("outcomes") : toQString(consumer);
        qsizetype i = out.rows.indexOf(name);
        if (i < 0) {
            out.rows << name;
            i = out.rows.size() - 1;
        }
        return static_cast<int>(i);
    };
    for (const auto& entry : timeline) {
        if (const auto* event = std::get_if<TracedEvent>(&entry)) {
            const QString eventId = toQString(event->eventId);
            const double at = ingested.value(eventId) - origin;
            out.bars.append(
                {0, at, at, WaterfallBar::Kind::Event,
                 QStringLiteral("%1 %2 ingested").arg(toQString(event->eventType), eventId)});
        } else if (const auto* attempt = std::get_if<AttemptRecord>(&entry)) {
            const QString eventId = toQString(attempt->eventId);
            const QString consumer = toQString(attempt->consumer);
            const int r = rowOf(attempt->consumer);
            const double durationMs = static_cast<double>(attempt->durationUs) / 1000.0;
            const double start = msOf(attempt->startedAt) - origin;
            const double end = start + durationMs;
            const QString key = consumer + u'/' + eventId;
            const double waitFrom = lastEnd.contains(key)
                                        ? lastEnd.value(key)
                                        : ingested.value(eventId, origin) - origin;
            if (start > waitFrom)
                out.bars.append({r, waitFrom, start, WaterfallBar::Kind::Wait,
                                 QStringLiteral("waited %1 ms %2")
                                     .arg(start - waitFrom, 0, 'f', 0)
                                     .arg(lastEnd.contains(key) ? QStringLiteral("before retrying")
                                                                : QStringLiteral("in the queue"))});
            lastEnd.insert(key, end);
            using delivery::FailureClass;
            const auto barKind =
                attempt->failureClass == FailureClass::Stale       ? WaterfallBar::Kind::Stale
                : attempt->failureClass == FailureClass::None      ? WaterfallBar::Kind::Delivered
                : attempt->failureClass == FailureClass::Throttled ? WaterfallBar::Kind::Throttled
                                                                   : WaterfallBar::Kind::Failed;
            out.bars.append({r, start, end, barKind,
                             QStringLiteral("attempt %1 to %2: %3 %4 (%5 ms)")
                                 .arg(attempt->attempt)
                                 .arg(consumer)
                                 .arg(attempt->status)
                                 .arg(attempt->error.empty() ? wordOf(attempt->failureClass)
                                                             : toQString(attempt->error))
                                 .arg(durationMs, 0, 'f', 1)});
        } else if (const auto* letter = std::get_if<DeadLetter>(&entry)) {
            const double at = msOf(letter->deadAt) - origin;
            out.bars.append({rowOf(letter->consumer), at, at, WaterfallBar::Kind::DeadLetter,
                             QStringLiteral("dead-lettered: %1").arg(toQString(letter->error))});
        } else if (const auto* outcome = std::get_if<TracedOutcome>(&entry)) {
            const double at = msOf(outcome->at) - origin;
            out.bars.append({rowOf(outcome->consumer), at, at, WaterfallBar::Kind::Outcome,
                             QStringLiteral("outcome %1 after %2 ms end to end")
                                 .arg(toQString(outcome->eventType))
                                 .arg(static_cast<double>(outcome->latencyMs))});
        }
    }
    for (const auto& bar : out.bars)
        out.spanMs = std::max(out.spanMs, bar.endMs);
    return out;
}

WaterfallWidget::WaterfallWidget(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("waterfall"));
    setMouseTracking(true);
    setMinimumHeight(kAxisHeight + 2 * kRowHeight);
}

void WaterfallWidget::setLayoutData(WaterfallLayout layout) {
    layout_ = std::move(layout);
    setMinimumHeight(sizeHint().height()); // every row stays readable
    updateGeometry();
    update();
}

QSize WaterfallWidget::sizeHint() const {
    return {600, kAxisHeight +
                     kRowHeight * static_cast<int>(std::max<qsizetype>(2, layout_.rows.size())) +
                     4};
}

int WaterfallWidget::labelWidth() const {
    int w = 60;
    for (const auto& r : layout_.rows)
        w = std::max(w, fontMetrics().horizontalAdvance(r) + 12);
    return std::min(w, width() / 3);
}

QRectF WaterfallWidget::barRect(const WaterfallBar& bar) const {
    const double left = labelWidth();
    const double usable = std::max(1.0, width() - left - 10.0);
    const double span = std::max(1.0, layout_.spanMs);
    const double x0 = left + bar.startMs / span * usable;
    const double x1 = left + bar.endMs / span * usable;
    const double y = kAxisHeight + bar.row * kRowHeight + 4;
    const bool point = bar.endMs <= bar.startMs;
    return point ? QRectF(x0 - 3, y, 6, kRowHeight - 8)
                 : QRectF(x0, y, std::max(2.0, x1 - x0), kRowHeight - 8);
}

void WaterfallWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    if (layout_.bars.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter,
                   QStringLiteral("Trace a correlation id to see its waterfall."));
        return;
    }
    const int left = labelWidth();
    p.setPen(palette().color(QPalette::Text));
    for (int r = 0; r < layout_.rows.size(); ++r)
        p.drawText(QRect(4, kAxisHeight + r * kRowHeight, left - 8, kRowHeight),
                   Qt::AlignVCenter | Qt::AlignLeft,
                   fontMetrics().elidedText(layout_.rows.at(r), Qt::ElideRight, left - 8));
    // The time axis: five ticks over the span.
    p.setPen(palette().color(QPalette::Mid));
    const double usable = std::max(1.0, width() - left - 10.0);
    for (int i = 0; i <= 4; ++i) {
        const double x = left + usable * i / 4.0;
        p.drawLine(QPointF(x, kAxisHeight - 4), QPointF(x, height()));
        const double ms = layout_.spanMs * i / 4.0;
        const QString text = layout_.spanMs >= 2'000
                                 ? QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1)
                                 : QStringLiteral("%1 ms").arg(ms, 0, 'f', 0);
        p.drawText(QRectF(x - 40, 0, 80, kAxisHeight - 4), Qt::AlignCenter, text);
    }
    p.setRenderHint(QPainter::Antialiasing);
    for (const auto& bar : layout_.bars) {
        const QColor colour = colourOf(bar.kind, palette());
        p.setPen(Qt::NoPen);
        p.setBrush(colour);
        const QRectF r = barRect(bar);
        if (bar.endMs <= bar.startMs)
            p.drawEllipse(r);
        else
            p.drawRoundedRect(r, 2, 2);
    }
}

bool WaterfallWidget::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        const auto* help = static_cast<QHelpEvent*>(e);
        for (const auto& bar : layout_.bars)
            if (barRect(bar).adjusted(-2, -2, 2, 2).contains(help->pos())) {
                QToolTip::showText(help->globalPos(), bar.label, this);
                return true;
            }
        QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

} // namespace meshdeck::views
