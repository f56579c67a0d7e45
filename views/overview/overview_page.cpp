#include "views/overview/overview_page.h"

#include "core/protocol/dead_letter.h"
#include "views/console/chart_palette.h"
#include "views/session/protocol_adapter.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QPushButton>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>

namespace meshdeck::views {

namespace {
constexpr int kPollMs = 2000;
constexpr qint64 kHistoryMs = 5 * 60 * 1000;

QString number(double value) {
    return QLocale().toString(static_cast<qint64>(value));
}

QString milliseconds(double ms) {
    return ms >= 1000 ? QStringLiteral("%1 s").arg(QLocale().toString(ms / 1000, 'f', 1))
                      : QStringLiteral("%1 ms").arg(QLocale().toString(ms, 'f', 0));
}

// Reads on light and dark backgrounds alike.
const QColor kMissed(214, 64, 69);
const QColor kMet(46, 160, 67);

QTableWidgetItem* cellAt(QTableWidget* table, int row, int column) {
    auto* item = table->item(row, column);
    if (!item) {
        item = new QTableWidgetItem;
        table->setItem(row, column, item);
    }
    return item;
}
} // namespace

QMap<QString, SloVerdict> sloByEventType(const std::vector<protocol::ConsumerReport>& consumers) {
    QMap<QString, SloVerdict> verdicts;
    for (const auto& consumer : consumers) {
        const QString name = toQString(consumer.name);
        for (const auto& row : consumer.endToEnd) {
            SloVerdict& v = verdicts[toQString(row.eventType)];
            const double p99 = row.latency.p99Ms;
            if (!row.slo) {
                if (!v.hasTarget)
                    v.text = QStringLiteral("p99 %1, no target").arg(milliseconds(p99));
                continue;
            }
            const double target = static_cast<double>(row.slo->targetMs);
            const QString percentile = QStringLiteral("p%1").arg(row.slo->percentile);
            const bool met = row.slo->met;
            // The worst consumer speaks for the type: one miss outweighs any number of passes.
            if (!met && (v.met || !v.hasTarget)) {
                v.text = QStringLiteral("missed at %1: %2 over %3")
                             .arg(name, percentile, milliseconds(target));
                v.met = false;
            } else if (met && !v.hasTarget) {
                v.text = QStringLiteral("met: %1 within %2").arg(percentile, milliseconds(target));
            }
            v.hasTarget = true;
        }
    }
    return verdicts;
}

OverviewPage::OverviewPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), status_(new QLabel(this)), byType_(new QTableWidget(0, 3, this)),
      circuits_(new QTableWidget(0, 5, this)), chartView_(new QChartView(this)),
      rateSeries_(new QLineSeries), rateAxis_(new QValueAxis) {
    setObjectName(QStringLiteral("overviewPage"));
    status_->setObjectName(QStringLiteral("overviewStatus"));
    byType_->setObjectName(QStringLiteral("publishedByType"));
    circuits_->setObjectName(QStringLiteral("consumerCircuits"));

    auto* tiles = new QGridLayout;
    tiles->setSpacing(10);
    auto place = [&](Tile& tile, const QString& caption, const QString& leadsTo, int r, int c,
                     const char* name) {
        tile = addTile(caption, leadsTo, r, c);
        tile.button->setObjectName(QLatin1String(name));
        tiles->addWidget(tile.button, r, c);
    };
    place(stored_, QStringLiteral("events stored"), QStringLiteral("Events"), 0, 0, "storedTile");
    place(rate_, QStringLiteral("events/s ingested"), QStringLiteral("Events"), 0, 1, "rateTile");
    place(rejected_, QStringLiteral("rejected inputs kept"), QStringLiteral("Quarantine"), 0, 2,
          "rejectedTile");
    place(types_, QStringLiteral("event types with contracts"), QStringLiteral("Catalog"), 1, 0,
          "typesTile");
    place(commit_, QStringLiteral("ms commit latency p99"), QStringLiteral("Events"), 1, 1,
          "commitTile");
    place(queue_, QStringLiteral("events waiting for the writer"), QStringLiteral("Events"), 1, 2,
          "queueTile");
    place(delivered_, QStringLiteral("events/s delivered to consumers"),
          QStringLiteral("Consumers"), 2, 0, "deliveredTile");
    place(pending_, QStringLiteral("events pending delivery"), QStringLiteral("Consumers"), 2, 1,
          "pendingTile");
    place(dead_, QStringLiteral("open dead letters"), QStringLiteral("Dead letters"), 2, 2,
          "deadTile");

    auto* chart = new QChart;
    chart->setTitle(QStringLiteral("Ingest rate, last 5 minutes (events/s)"));
    chart->legend()->hide();
    chart->addSeries(rateSeries_);
    auto* timeAxis = new QValueAxis;
    timeAxis->setRange(-300, 0);
    timeAxis->setLabelFormat(QStringLiteral("%d s"));
    timeAxis->setTickCount(6);
    rateAxis_->setRange(0, 10);
    rateAxis_->setLabelFormat(QStringLiteral("%d"));
    chart->addAxis(timeAxis, Qt::AlignBottom);
    chart->addAxis(rateAxis_, Qt::AlignLeft);
    rateSeries_->attachAxis(timeAxis);
    rateSeries_->attachAxis(rateAxis_);
    chart->setMargins(QMargins(4, 4, 4, 4));
    // setChart hands the view's default chart back to us, unowned: delete it.
    QChart* const defaultChart = chartView_->chart();
    chartView_->setChart(chart);
    delete defaultChart;
    chartView_->setRenderHint(QPainter::Antialiasing);
    chartView_->setMinimumHeight(220);
    followPalette(chart, palette());

    byType_->setHorizontalHeaderLabels(
        {QStringLiteral("Event type"), QStringLiteral("Published"), QStringLiteral("SLO")});
    circuits_->setHorizontalHeaderLabels({QStringLiteral("Consumer"), QStringLiteral("State"),
                                          QStringLiteral("Lag"), QStringLiteral("Circuit"),
                                          QStringLiteral("Last error")});
    for (auto* table : {byType_, circuits_}) {
        table->verticalHeader()->hide();
        table->horizontalHeader()->setStretchLastSection(true);
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        table->setSelectionMode(QAbstractItemView::NoSelection);
    }
    byType_->setColumnWidth(0, 200);
    circuits_->setColumnWidth(0, 140);
    circuits_->setColumnWidth(1, 90);
    circuits_->setColumnWidth(2, 150);
    byType_->setToolTip(QStringLiteral("Each type's end-to-end latency against its consumers' "
                                       "targets; the worst consumer decides"));
    circuits_->setToolTip(QStringLiteral("Open Consumers for lag, history and actions"));

    auto* layout = new QVBoxLayout(this);
    auto* heading = new QLabel(QStringLiteral("<b>Overview</b>"), this);
    auto* header = new QHBoxLayout;
    header->addWidget(heading);
    header->addWidget(status_, 1);
    layout->addLayout(header);
    layout->addLayout(tiles);
    layout->addWidget(chartView_, 1);
    auto* tables = new QHBoxLayout;
    tables->addWidget(byType_, 1);
    tables->addWidget(circuits_, 1);
    layout->addLayout(tables, 1);

    pollTimer_.setInterval(kPollMs);
    connect(&pollTimer_, &QTimer::timeout, this, &OverviewPage::poll);
    clock_.start();
}

QIcon OverviewPage::icon() const {
    return bundledIcon(this, QStringLiteral("overview"), QStyle::SP_ComputerIcon);
}

OverviewPage::Tile OverviewPage::addTile(const QString& caption, const QString& leadsTo, int, int) {
    Tile tile;
    tile.button = new QPushButton(this);
    tile.button->setMinimumHeight(78);
    tile.button->setCursor(Qt::PointingHandCursor);
    tile.button->setToolTip(QStringLiteral("Open %1").arg(leadsTo));
    auto* inner = new QVBoxLayout(tile.button);
    tile.value = new QLabel(QStringLiteral("–"), tile.button);
    QFont big = tile.value->font();
    big.setPointSizeF(big.pointSizeF() * 1.9);
    big.setBold(true);
    tile.value->setFont(big);
    tile.caption = new QLabel(caption, tile.button);
    for (auto* label : {tile.value, tile.caption}) {
        label->setAttribute(Qt::WA_TransparentForMouseEvents);
        inner->addWidget(label);
    }
    connect(tile.button, &QPushButton::clicked, this,
            [this, leadsTo] { Q_EMIT pageRequested(leadsTo); });
    return tile;
}

void OverviewPage::activate() {
    poll();
    pollTimer_.start();
}

void OverviewPage::changeEvent(QEvent* event) {
    Page::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        followPalette(chartView_->chart(), palette()); // the desktop switched light/dark
}

void OverviewPage::hideEvent(QHideEvent* event) {
    pollTimer_.stop();
    Page::hideEvent(event);
}

void OverviewPage::poll() {
    const quint64 generation = ++generation_;
    session().get(QStringLiteral("/healthz"), this, [this, generation](const MeshReply& reply) {
        if (generation != generation_)
            return;
        if (!reply.ok()) {
            status_->setText(reply.describe());
            return;
        }
        applyHealth(reply.body);
    });
    getAnswer<protocol::ConsumerList>(
        session(), QStringLiteral("/v1/consumers"), this,
        [this, generation](const Answer<protocol::ConsumerList>& list) {
            if (generation != generation_)
                return;
            // An answer that does not read leaves the last good table.
            if (list)
                applyConsumers(*list);
            if (list || list.unreadable)
                noteProblem(QStringLiteral("Consumers"), list.error);
        });
    session().get(QStringLiteral("/metrics"), this, [this, generation](const MeshReply& reply) {
        if (generation != generation_)
            return;
        if (!reply.ok()) {
            status_->setText(QStringLiteral("metrics: %1").arg(reply.describe()));
            return;
        }
        applyMetrics(reply.body);
    });
}

void OverviewPage::applyHealth(const QByteArray& body) {
    const QJsonObject health = QJsonDocument::fromJson(body).object();
    const qint64 lastSeq = health.value(QLatin1String("last_seq")).toInteger();
    stored_.value->setText(number(health.value(QLatin1String("events")).toDouble()));
    queue_.value->setText(number(health.value(QLatin1String("writer_queue")).toDouble()));

    const qint64 now = clock_.elapsed();
    Sample sample{now, lastSeq, 0};
    if (!history_.empty()) {
        const Sample& previous = history_.back();
        const double seconds = static_cast<double>(now - previous.atMs) / 1000.0;
        sample.rate = seconds > 0 ? static_cast<double>(lastSeq - previous.lastSeq) / seconds : 0;
        ingestRate_ = sample.rate;
        rate_.value->setText(QLocale().toString(sample.rate, 'f', sample.rate < 10 ? 1 : 0));
    }
    history_.push_back(sample);
    while (!history_.empty() && now - history_.front().atMs > kHistoryMs)
        history_.pop_front();
    showStatus();
    updateChart();
}

void OverviewPage::noteProblem(const QString& answer, const QString& problem) {
    if (problem.isEmpty() == !problems_.contains(answer))
        return;
    if (problem.isEmpty())
        problems_.remove(answer);
    else
        problems_.insert(answer, problem);
    showStatus();
}

void OverviewPage::showStatus() {
    QStringList lines;
    for (auto it = problems_.cbegin(); it != problems_.cend(); ++it)
        lines << it.key() + u": " + it.value();
    status_->setText(lines.isEmpty() ? QStringLiteral("updated every %1 s").arg(kPollMs / 1000)
                                     : lines.join(u"; "));
}

void OverviewPage::applyMetrics(const QByteArray& body) {
    const auto samples = parsePrometheusText(body);
    const auto quarantined = sumBy(samples, QStringLiteral("meshdeck_quarantine_entries"), {});
    rejected_.value->setText(number(quarantined.value(QString())));
    const double p99 =
        histogramQuantile(samples, QStringLiteral("meshdeck_commit_latency_ms"), 0.99);
    commit_.value->setText(p99 < 0 ? QStringLiteral("–") : QLocale().toString(p99, 'f', 1));

    const auto byType =
        sumBy(samples, QStringLiteral("meshdeck_events_published_total"), QStringLiteral("type"));
    QList<std::pair<QString, double>> rows;
    for (auto it = byType.begin(); it != byType.end(); ++it)
        rows.append({it.key(), it.value()});
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    byType_->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
        cellAt(byType_, r, 0)->setText(rows[r].first);
        cellAt(byType_, r, 1)->setText(number(rows[r].second));
        cellAt(byType_, r, 1)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    applySlo();
    // Delivery: the rate from the delivered totals, lag and circuits summed over consumers.
    const double delivered =
        sumBy(samples, QStringLiteral("meshdeck_consumer_delivered_total"), {}).value(QString());
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    if (lastDelivered_ >= 0 && nowMs > lastDeliveredAtMs_)
        delivered_.value->setText(
            QLocale().toString(std::max(0.0, delivered - lastDelivered_) * 1000.0 /
                                   static_cast<double>(nowMs - lastDeliveredAtMs_),
                               'f', 1));
    lastDelivered_ = delivered;
    lastDeliveredAtMs_ = nowMs;
    pending_.value->setText(number(
        sumBy(samples, QStringLiteral("meshdeck_consumer_lag_events"), {}).value(QString())));
    const double open =
        sumBy(samples, QStringLiteral("meshdeck_consumer_circuit_open"), {}).value(QString());
    pending_.caption->setText(open > 0
                                  ? QStringLiteral("events pending delivery · %1 circuit(s) open")
                                        .arg(static_cast<int>(open))
                                  : QStringLiteral("events pending delivery"));
    getAnswer<protocol::DeadLetterGroups>(
        session(), QStringLiteral("/v1/dead-letters/groups"), this,
        [this](const Answer<protocol::DeadLetterGroups>& answer) {
            if (answer) {
                qint64 letters = 0;
                for (const auto& group : answer->groups)
                    letters += group.count;
                dead_.value->setText(QLocale().toString(letters));
            }
            if (answer || answer.unreadable)
                noteProblem(QStringLiteral("Dead letters"), answer.error);
        });
    // Types come from the catalog: count the ones with a schema.
    session().get(QStringLiteral("/v1/schemas"), this, [this](const MeshReply& reply) {
        if (reply.ok())
            types_.value->setText(QString::number(QJsonDocument::fromJson(reply.body)
                                                      .object()
                                                      .value(QLatin1String("schemas"))
                                                      .toArray()
                                                      .size()));
    });
}

void OverviewPage::applyConsumers(const protocol::ConsumerList& list) {
    const auto& consumers = list.consumers;
    slo_ = sloByEventType(consumers);
    applySlo();
    circuits_->setRowCount(static_cast<int>(consumers.size()));
    for (int r = 0; r < circuits_->rowCount(); ++r) {
        const protocol::ConsumerReport& c = consumers[static_cast<std::size_t>(r)];
        const bool open = c.circuit == CircuitState::Open;
        cellAt(circuits_, r, 0)->setText(toQString(c.name));
        cellAt(circuits_, r, 1)->setText(wordOf(c.state));
        // Events not yet settled: how far behind the consumer is.
        auto* lag = cellAt(circuits_, r, 2);
        lag->setText(QString::number(c.lagEvents));
        lag->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto* circuitCell = cellAt(circuits_, r, 3);
        circuitCell->setText(
            open && c.probeAt
                ? QStringLiteral("open, probes at %1")
                      .arg(
                          toDateTime(*c.probeAt).toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                : wordOf(c.circuit));
        circuitCell->setForeground(c.circuit == CircuitState::Closed ? palette().text()
                                                                     : QBrush(kMissed));
        cellAt(circuits_, r, 4)->setText(toQString(c.lastError));
    }
}

void OverviewPage::applySlo() {
    for (int r = 0; r < byType_->rowCount(); ++r) {
        const auto* type = byType_->item(r, 0);
        const auto it = type ? slo_.constFind(type->text()) : slo_.cend();
        auto* cell = cellAt(byType_, r, 2);
        if (it == slo_.cend()) {
            cell->setText(QStringLiteral("–"));
            cell->setForeground(palette().text());
            continue;
        }
        cell->setText(it->text);
        cell->setForeground(!it->hasTarget ? palette().text() : QBrush(it->met ? kMet : kMissed));
    }
}

void OverviewPage::updateChart() {
    QList<QPointF> points;
    double peak = 0;
    const qint64 now = history_.empty() ? 0 : history_.back().atMs;
    for (std::size_t i = 1; i < history_.size(); ++i) {
        points.append({static_cast<double>(history_[i].atMs - now) / 1000.0, history_[i].rate});
        peak = std::max(peak, history_[i].rate);
    }
    rateSeries_->replace(points);
    // Headroom above the peak, on round tick values.
    rateAxis_->setRange(0, std::max(10.0, peak * 1.25));
    rateAxis_->applyNiceNumbers();
}

} // namespace meshdeck::views
