#pragma once
// The Overview's chart as plain data: the consumers' minute histories (GET
// /v1/consumers/{name}/history, written by the broker every minute it runs)
// summed into one row per minute for the mesh, and cut into line segments
// that stop where the broker kept no row - a minute it was not running is a
// gap on the chart, not a line drawn across it. Pure, so tests check it
// without a chart.

#include "core/protocol/history.h"

#include <QList>
#include <QMap>
#include <QPointF>

namespace meshdeck::views {

struct MinuteTotals {
    qint64 delivered = 0, failed = 0, deadLettered = 0;
};

// By minute (ms since the epoch, UTC), over every history given.
QMap<qint64, MinuteTotals> sumHistories(const QList<protocol::ConsumerHistory>& histories);

enum class HistoryMetric { Delivered, Failed, DeadLettered };

// The last `minutes` minutes before `nowMs` as runs of consecutive minutes
// with data; x is minutes before now (-60 .. 0), y the metric's count.
QList<QList<QPointF>> chartSegments(const QMap<qint64, MinuteTotals>& totals, HistoryMetric metric,
                                    qint64 nowMs, int minutes);

} // namespace meshdeck::views
