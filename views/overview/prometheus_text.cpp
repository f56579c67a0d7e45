#include "views/overview/prometheus_text.h"

#include <algorithm>
#include <limits>

namespace meshdeck::views {

QList<MetricSample> parsePrometheusText(const QByteArray& text) {
    QList<MetricSample> samples;
    for (const QByteArray& rawLine : text.split('\n')) {
        const QByteArray line = rawLine.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        MetricSample sample;
        qsizetype valueStart = 0;
        const qsizetype brace = line.indexOf('{');
        const qsizetype space = line.indexOf(' ');
        if (brace >= 0 && (space < 0 || brace < space)) {
            sample.name = QString::fromUtf8(line.left(brace));
            // Label values are quoted and may contain escaped quotes.
            qsizetype i = brace + 1;
            bool ok = true;
            while (i < line.size() && line[i] != '}') {
                const qsizetype eq = line.indexOf('=', i);
                if (eq < 0 || eq + 1 >= line.size() || line[eq + 1] != '"') {
                    ok = false;
                    break;
                }
                const QString key = QString::fromUtf8(line.mid(i, eq - i)).trimmed();
                QByteArray value;
                qsizetype j = eq + 2;
                for (; j < line.size() && line[j] != '"'; ++j) {
                    if (line[j] == '\\' && j + 1 < line.size()) {
                        ++j;
                        value += line[j] == 'n' ? '\n' : line[j];
                    } else {
                        value += line[j];
                    }
                }
                sample.labels.insert(key, QString::fromUtf8(value));
                i = j + 1;
                if (i < line.size() && line[i] == ',')
                    ++i;
            }
            if (!ok || i >= line.size())
                continue;
            valueStart = i + 1;
        } else {
            if (space < 0)
                continue;
            sample.name = QString::fromUtf8(line.left(space));
            valueStart = space;
        }
        bool ok = false;
        const QByteArray valueText = line.mid(valueStart).trimmed().split(' ').value(0);
        sample.value =
            valueText == "+Inf" ? std::numeric_limits<double>::infinity() : valueText.toDouble(&ok);
        if (ok || valueText == "+Inf")
            samples.append(std::move(sample));
    }
    return samples;
}

QHash<QString, double> sumBy(const QList<MetricSample>& samples, const QString& name,
                             const QString& label) {
    QHash<QString, double> sums;
    for (const auto& s : samples)
        if (s.name == name)
            sums[label.isEmpty() ? QString() : s.labels.value(label)] += s.value;
    return sums;
}

double histogramQuantile(const QList<MetricSample>& samples, const QString& name, double q) {
    QList<std::pair<double, double>> buckets; // (upper bound, cumulative count)
    const QString bucketName = name + QStringLiteral("_bucket");
    for (const auto& s : samples) {
        if (s.name != bucketName)
            continue;
        const QString le = s.labels.value(QStringLiteral("le"));
        const double bound =
            le == u"+Inf" ? std::numeric_limits<double>::infinity() : le.toDouble();
        buckets.append({bound, s.value});
    }
    std::sort(buckets.begin(), buckets.end());
    if (buckets.isEmpty() || buckets.last().second <= 0)
        return -1;
    const double rank = q * buckets.last().second;
    double lowerBound = 0, lowerCount = 0;
    for (const auto& [bound, count] : buckets) {
        if (count >= rank) {
            if (std::isinf(bound))
                return lowerBound; // beyond the last finite bound: report that bound
            const double inBucket = count - lowerCount;
            const double fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 1.0;
            return lowerBound + (bound - lowerBound) * fraction;
        }
        lowerBound = bound;
        lowerCount = count;
    }
    return lowerBound;
}

} // namespace meshdeck::views
