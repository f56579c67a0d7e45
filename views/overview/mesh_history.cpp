#include "views/overview/mesh_history.h"

#include "core/time.h"

namespace meshdeck::views {

namespace {
constexpr qint64 kMinuteMs = 60'000;

qint64 valueOf(const MinuteTotals& t, HistoryMetric metric) {
    switch (metric) {
    case HistoryMetric::Delivered:
        return t.delivered;
    case HistoryMetric::Failed:
        return t.failed;
    case HistoryMetric::DeadLettered:
        return t.deadLettered;
    }
    return 0;
}
} // namespace

QMap<qint64, MinuteTotals> sumHistories(const QList<protocol::ConsumerHistory>& histories) {
    QMap<qint64, MinuteTotals> out;
    for (const auto& history : histories)
        for (const auto& m : history.minutes) {
            MinuteTotals& t = out[toUnixMillis(m.minute) / kMinuteMs * kMinuteMs];
            t.delivered += m.delivered;
            t.failed += m.failed;
            t.deadLettered += m.deadLettered;
        }
    return out;
}

QList<QList<QPointF>> chartSegments(const QMap<qint64, MinuteTotals>& totals, HistoryMetric metric,
                                    qint64 nowMs, int minutes) {
    QList<QList<QPointF>> segments;
    qint64 previous = -1; // the minute of the last point placed
    for (auto it = totals.lowerBound(nowMs - minutes * kMinuteMs); it != totals.cend(); ++it) {
        if (it.key() > nowMs)
            break;
        if (segments.isEmpty() || it.key() - previous > kMinuteMs)
            segments.append(QList<QPointF>());
        segments.last().append({static_cast<double>(it.key() - nowMs) / kMinuteMs,
                                static_cast<double>(valueOf(it.value(), metric))});
        previous = it.key();
    }
    return segments;
}

} // namespace meshdeck::views
