#include "views/overview/overview_page.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QGridLayout>
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
} // namespace

OverviewPage::OverviewPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), status_(new QLabel(this)), byType_(new QTableWidget(0, 2, this)),
      chartView_(new QChartView(this)), rateSeries_(new QLineSeries), rateAxis_(new QValueAxis) {
    setObjectName(QStringLiteral("overviewPage"));
    status_->setObjectName(QStringLiteral("overviewStatus"));
    byType_->setObjectName(QStringLiteral("publishedByType"));

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
    chart->setBackgroundVisible(false);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chartView_->setChart(chart);
    chartView_->setRenderHint(QPainter::Antialiasing);
    chartView_->setMinimumHeight(220);
    // Charts keep their own light theme; follow the window's palette instead.
    const QPalette pal = palette();
    chart->setTitleBrush(pal.windowText());
    for (auto* axis : {timeAxis, rateAxis_}) {
        axis->setLabelsBrush(pal.windowText());
        axis->setGridLineColor(pal.color(QPalette::Mid));
    }

    byType_->setHorizontalHeaderLabels({QStringLiteral("Event type"), QStringLiteral("Published")});
    byType_->verticalHeader()->hide();
    byType_->horizontalHeader()->setStretchLastSection(true);
    byType_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    byType_->setSelectionMode(QAbstractItemView::NoSelection);
    byType_->setColumnWidth(0, 260);

    auto* layout = new QVBoxLayout(this);
    auto* heading = new QLabel(QStringLiteral("<b>Overview</b>"), this);
    auto* header = new QHBoxLayout;
    header->addWidget(heading);
    header->addWidget(status_, 1);
    layout->addLayout(header);
    layout->addLayout(tiles);
    layout->addWidget(chartView_, 2);
    layout->addWidget(byType_, 1);

    pollTimer_.setInterval(kPollMs);
    connect(&pollTimer_, &QTimer::timeout, this, &OverviewPage::poll);
    clock_.start();
}

QIcon OverviewPage::icon() const {
    return style()->standardIcon(QStyle::SP_ComputerIcon);
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
    status_->setText(QStringLiteral("updated every %1 s").arg(kPollMs / 1000));
    updateChart();
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
        for (int c = 0; c < 2; ++c) {
            auto* item = byType_->item(r, c);
            if (!item) {
                item = new QTableWidgetItem;
                byType_->setItem(r, c, item);
            }
            item->setText(c == 0 ? rows[r].first : number(rows[r].second));
            if (c == 1)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        }
    }
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
    session().get(QStringLiteral("/v1/dead-letters/groups"), this, [this](const MeshReply& reply) {
        if (!reply.ok())
            return;
        double letters = 0;
        for (const auto& g :
             QJsonDocument::fromJson(reply.body).object().value(QLatin1String("groups")).toArray())
            letters += g.toObject().value(QLatin1String("count")).toDouble();
        dead_.value->setText(number(letters));
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
