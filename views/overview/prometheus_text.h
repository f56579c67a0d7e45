#pragma once
// Reading the broker's /metrics (Prometheus text format 0.0.4) into samples,
// so the console needs no Prometheus to show rates and counts.

#include <QHash>
#include <QList>
#include <QString>

namespace meshdeck::views {

struct MetricSample {
    QString name;                   // "meshdeck_events_published_total"
    QHash<QString, QString> labels; // {"type": "LeadScored", ...}
    double value = 0;
};

// Comment lines and lines that do not parse are skipped.
QList<MetricSample> parsePrometheusText(const QByteArray& text);

// Sum of every sample called `name`, grouped by one label ("" = all together).
QHash<QString, double> sumBy(const QList<MetricSample>& samples, const QString& name,
                             const QString& label);

// Estimate of quantile q from a histogram's cumulative `<name>_bucket{le=...}`
// samples (linear inside the bucket, as Prometheus does). -1 when empty.
double histogramQuantile(const QList<MetricSample>& samples, const QString& name, double q);

} // namespace meshdeck::views
