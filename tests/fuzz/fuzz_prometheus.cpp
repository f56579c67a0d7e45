// The console's reader of a broker's /metrics text (Prometheus text format
// 0.0.4, views/overview/prometheus_text.h) - the console may be pointed at any
// server. Every sample read is summed and every histogram read is asked for
// quantiles, as the overview page does.

#include "tests/fuzz/fuzz_support.h"
#include "views/overview/prometheus_text.h"

#include <QByteArray>
#include <QSet>
#include <cmath>

using namespace meshdeck;
using namespace meshdeck::views;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArray text(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const QList<MetricSample> samples = parsePrometheusText(text);
    FUZZ_CHECK(samples.size() <= text.count('\n') + 1, "more samples than lines");

    QSet<QString> names;
    QSet<QString> labels;
    for (const MetricSample& sample : samples) {
        names.insert(sample.name);
        for (auto it = sample.labels.cbegin(); it != sample.labels.cend(); ++it)
            labels.insert(it.key());
    }
    labels.insert(QString());
    for (const QString& name : names) {
        for (const QString& label : labels)
            (void)sumBy(samples, name, label);
        if (name.endsWith(u"_bucket")) {
            const QString histogram = name.chopped(7);
            for (double q : {0.0, 0.5, 0.95, 0.99, 1.0})
                (void)histogramQuantile(samples, histogram, q);
        }
    }
    return 0;
}
