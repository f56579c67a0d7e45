#include "views/trace/waterfall.h"

#include "views/session/protocol_adapter.h"
#include "views/style/severity.h"

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

} // namespace

// `share` of the text colour over the base: a neutral that shows on light
// and dark palettes alike (Mid and Dark vanish on some dark ones).
QColor neutral(const QPalette& palette, double share) {
    const QColor text = palette.color(QPalette::Text), base = palette.color(QPalette::Base);
    const auto mix = [share](int a, int b) {
        return static_cast<int>(a * share + b * (1 - share));
    };
    return QColor(mix(text.red(), base.red()), mix(text.green(), base.green()),
                  mix(text.blue(), base.blue()));
}

QColor waterfallColour(WaterfallBar::Kind kind, const QPalette& palette) {
    // Outcomes of an attempt in the state palette's colours, so a dead letter
    // is the same red here as on the Overview; the rest are neutral marks.
    switch (kind) {
    case WaterfallBar::Kind::Event:
        return palette.color(QPalette::Highlight);
    case WaterfallBar::Kind::Wait:
        return neutral(palette, 0.25);
    case WaterfallBar::Kind::Delivered:
        return coloursOf(Severity::Healthy, palette).text;
    case WaterfallBar::Kind::Failed:
        return coloursOf(Severity::Retrying, palette).text;
    case WaterfallBar::Kind::Throttled:
        // Teal: told to slow down, not failing (amber).
        return isDarkPalette(palette) ? QColor(0x4d, 0xd0, 0xe1) : QColor(0x00, 0x83, 0x8f);
    case WaterfallBar::Kind::DeadLetter:
        return coloursOf(Severity::DeadLetters, palette).text;
    case WaterfallBar::Kind::Stale:
        return neutral(palette, 0.55);
    case WaterfallBar::Kind::Outcome:
        return isDarkPalette(palette) ? QColor(0xc3, 0x8e, 0xe0) : QColor(0x8e, 0x44, 0xad);
    }
    return palette.color(QPalette::Text);
}

QList<LegendEntry> waterfallLegend() {
    using K = WaterfallBar::Kind;
    using Mark = LegendEntry::Mark;
    auto entry = [](K kind, const QString& word, const QString& meaning, Mark mark) {
        return LegendEntry{word, meaning,
                           [kind](const QPalette& p) { return waterfallColour(kind, p); }, mark};
    };
    return {
        entry(K::Event, QStringLiteral("event ingested"),
              QStringLiteral("an event of the trace reached the broker"), Mark::Dot),
        entry(K::Wait, QStringLiteral("waiting"),
              QStringLiteral("queued, or waiting out the backoff before a retry"), Mark::Box),
        entry(K::Delivered, QStringLiteral("attempt ok"),
              QStringLiteral("the sink accepted the event"), Mark::Box),
        entry(K::Failed, QStringLiteral("attempt failed"),
              QStringLiteral("the sink refused or did not answer; retried after a backoff"),
              Mark::Box),
        entry(K::Throttled, QStringLiteral("throttled"),
              QStringLiteral("the sink asked to slow down (429 or Retry-After)"), Mark::Box),
        entry(K::DeadLetter, QStringLiteral("dead letter"),
              QStringLiteral("the event gave up and waits for a person to replay it"), Mark::Dot),
        entry(K::Stale, QStringLiteral("skipped as stale"),
              QStringLiteral("a newer version of the entity was delivered first"), Mark::Box),
        entry(K::Outcome, QStringLiteral("outcome"),
              QStringLiteral("what the consumer reported back"), Mark::Dot),
    };
}

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
    legend_ = new LegendWidget(waterfallLegend(), this);
    legend_->setObjectName(QStringLiteral("waterfallLegend"));
    setMinimumHeight(kAxisHeight + 2 * kRowHeight + legend_->heightForWidth(600));
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
                     4 + legend_->heightForWidth(std::max(width(), 600))};
}

void WaterfallWidget::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    const int h = legend_->heightForWidth(width());
    legend_->setGeometry(0, height() - h, width(), h);
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
        p.drawText(rect().adjusted(0, 0, 0, -legend_->height()), Qt::AlignCenter,
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
    const double usable = std::max(1.0, width() - left - 10.0);
    // Enough decimals that five ticks over a 1 ms span do not read "0 0 1 1 1".
    const int decimals = layout_.spanMs >= 20 ? 0 : layout_.spanMs >= 2 ? 1 : 2;
    for (int i = 0; i <= 4; ++i) {
        const double x = left + usable * i / 4.0;
        p.setPen(palette().color(QPalette::Mid));
        p.drawLine(QPointF(x, kAxisHeight - 4), QPointF(x, height() - legend_->height() - 2));
        const double ms = layout_.spanMs * i / 4.0;
        const QString text = layout_.spanMs >= 2'000
                                 ? QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1)
                                 : QStringLiteral("%1 ms").arg(ms, 0, 'f', decimals);
        // Readable on dark palettes too; the last tick's text stays inside.
        p.setPen(palette().color(QPalette::PlaceholderText));
        const QRectF box = i == 4 ? QRectF(x - 80, 0, 80 + 8, kAxisHeight - 4)
                                  : QRectF(x - 40, 0, 80, kAxisHeight - 4);
        p.drawText(box, i == 4 ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignCenter, text);
    }
    p.setRenderHint(QPainter::Antialiasing);
    for (const auto& bar : layout_.bars) {
        const QColor colour = waterfallColour(bar.kind, palette());
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
