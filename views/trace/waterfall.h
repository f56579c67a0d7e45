#pragma once
// The trace waterfall: one row per consumer (and one for the events as they
// were ingested), time running left to right from the first event. Each
// delivery attempt is a bar coloured by its outcome; the time an event waited
// before an attempt - in the queue, or in backoff after a failure - is its
// own pale bar in front of it. A legend along the bottom names the colours. The layout is plain
// data (layoutWaterfall) so tests check it without painting.

#include "core/protocol/trace.h"
#include "views/style/legend_widget.h"

#include <QStringList>
#include <QWidget>

namespace meshdeck::views {

struct WaterfallBar {
    enum class Kind { Event, Wait, Delivered, Failed, Throttled, DeadLetter, Stale, Outcome };
    int row = 0;
    double startMs = 0; // from the first event's ingest
    double endMs = 0;
    Kind kind = Kind::Event;
    QString label; // tooltip text
};

struct WaterfallLayout {
    QStringList rows; // "events", then consumers in order of first appearance
    QList<WaterfallBar> bars;
    double spanMs = 0;
};

// From the timeline of GET /v1/traces/{correlation_id}.
WaterfallLayout layoutWaterfall(const std::vector<protocol::TraceEntry>& timeline);
// A bar's colour in this palette (light or dark), and what each colour means.
QColor waterfallColour(WaterfallBar::Kind kind, const QPalette& palette);
QList<LegendEntry> waterfallLegend();

class WaterfallWidget final : public QWidget {
    Q_OBJECT

public:
    explicit WaterfallWidget(QWidget* parent = nullptr);
    void setLayoutData(WaterfallLayout layout);
    const WaterfallLayout& layoutData() const { return layout_; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRectF barRect(const WaterfallBar& bar) const;
    int labelWidth() const;

    WaterfallLayout layout_;
    LegendWidget* legend_; // along the bottom edge, under the rows
};

} // namespace meshdeck::views
