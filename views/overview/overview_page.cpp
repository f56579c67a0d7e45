#include "views/overview/overview_page.h"

#include "core/protocol/dead_letter.h"
#include "views/console/chart_palette.h"
#include "views/console/record_list_page.h"
#include "views/session/protocol_adapter.h"
#include "views/style/column_fit.h"
#include "views/style/legend_widget.h"

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
#include <QUrl>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>

namespace meshdeck::views {

namespace {
constexpr int kPollMs = 2000;
constexpr qint64 kHistoryRefreshMs = 20'000; // the broker writes a row a minute
constexpr int kLastErrorMaxWidth = 420;

QString number(double value) {
    return QLocale().toString(static_cast<qint64>(value));
}

QString milliseconds(double ms) {
    return ms >= 1000 ? QStringLiteral("%1 s").arg(QLocale().toString(ms / 1000, 'f', 1))
                      : QStringLiteral("%1 ms").arg(QLocale().toString(ms, 'f', 0));
}

struct ChartLine {
    HistoryMetric metric;
    Severity colour;
    const char* word;
    const char* meaning;
};
constexpr ChartLine kChartLines[] = {
    {HistoryMetric::Delivered, Severity::Healthy, "delivered", "events delivered in the minute"},
    {HistoryMetric::Failed, Severity::Retrying, "failed attempts",
     "delivery attempts that failed in the minute (each is retried)"},
    {HistoryMetric::DeadLettered, Severity::DeadLetters, "dead-lettered",
     "events that gave up in the minute"},
};

QTableWidgetItem* cellAt(QTableWidget* table, int row, int column) {
    auto* item = table->item(row, column);
    if (!item) {
        item = new QTableWidgetItem;
        table->setItem(row, column, item);
    }
    return item;
}
// An open circuit's cell keeps when it probes, for writing it again in
// another zone.
constexpr int kProbeAtRole = Qt::UserRole + 1;

QString probeText(Timestamp at) {
    return QStringLiteral("open, probes at %1").arg(shortTimeText(at));
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
      timeAxis_(new QValueAxis), countAxis_(new QValueAxis) {
    setObjectName(QStringLiteral("overviewPage"));
    status_->setObjectName(QStringLiteral("overviewStatus"));
    byType_->setObjectName(QStringLiteral("publishedByType"));
    circuits_->setObjectName(QStringLiteral("consumerCircuits"));
    // Copy and export, as on every other table.
    addTableActions(byType_);
    addTableActions(circuits_);
    chartView_->setObjectName(QStringLiteral("historyChart"));

    // Four columns: what arrives, what is delivered, what needs a look, how the store keeps up.
    auto* tiles = new QGridLayout;
    tiles->setSpacing(10);
    auto place = [&](Tile& tile, const QString& caption, const QString& leadsTo, int r, int c,
                     const char* name) {
        tile = addTile(caption, leadsTo);
        tile.button->setObjectName(QLatin1String(name));
        tiles->addWidget(tile.button, r, c);
    };
    place(stored_, QStringLiteral("events stored"), QStringLiteral("Events"), 0, 0, "storedTile");
    place(rate_, QStringLiteral("events/s ingested"), QStringLiteral("Events"), 0, 1, "rateTile");
    place(rejected_, QStringLiteral("rejected inputs kept"), QStringLiteral("Quarantine"), 0, 2,
          "rejectedTile");
    place(dead_, QStringLiteral("open dead letters"), QStringLiteral("Dead letters"), 0, 3,
          "deadTile");
    place(delivered_, QStringLiteral("events/s delivered"), QStringLiteral("Consumers"), 1, 0,
          "deliveredTile");
    place(pending_, QStringLiteral("events pending delivery"), QStringLiteral("Consumers"), 1, 1,
          "pendingTile");
    place(retrying_, QStringLiteral("consumers retrying"), QStringLiteral("Consumers"), 1, 2,
          "retryingTile");
    place(circuitsOpen_, QStringLiteral("circuits open"), QStringLiteral("Consumers"), 1, 3,
          "circuitsTile");
    place(types_, QStringLiteral("event types with contracts"), QStringLiteral("Catalog"), 2, 0,
          "typesTile");
    place(commit_, QStringLiteral("ms commit latency p99"), QStringLiteral("Events"), 2, 1,
          "commitTile");
    place(queue_, QStringLiteral("events waiting for the writer"), QStringLiteral("Events"), 2, 2,
          "queueTile");
    place(sloMissed_, QStringLiteral("event types missing their SLO"), QStringLiteral("Consumers"),
          2, 3, "sloTile");
    for (int c = 0; c < 4; ++c)
        tiles->setColumnStretch(c, 1);

    auto* chart = new QChart;
    chart->setTitle(QStringLiteral("Delivery per minute, last hour (from the broker's history)"));
    chart->legend()
        ->hide(); // a line is several series (one per run of minutes): LegendWidget names them
    timeAxis_->setRange(-kChartMinutes, 0);
    timeAxis_->setLabelFormat(QStringLiteral("%d min"));
    timeAxis_->setTickCount(7);
    countAxis_->setRange(0, 10);
    countAxis_->setLabelFormat(QStringLiteral("%d"));
    chart->addAxis(timeAxis_, Qt::AlignBottom);
    chart->addAxis(countAxis_, Qt::AlignLeft);
    chart->setMargins(QMargins(4, 4, 4, 4));
    // setChart hands the view's default chart back to us, unowned: delete it.
    QChart* const defaultChart = chartView_->chart();
    chartView_->setChart(chart);
    delete defaultChart;
    chartView_->setRenderHint(QPainter::Antialiasing);
    // Tall enough to read the hour; with the tiles, the tables, the menu, the
    // search bar and the status bar the window still fits 700 px.
    chartView_->setMinimumHeight(160);
    followPalette(chart, palette());
    QList<LegendEntry> lines;
    for (const ChartLine& line : kChartLines)
        lines.append(
            {QLatin1String(line.word), QLatin1String(line.meaning),
             [colour = line.colour](const QPalette& p) { return coloursOf(colour, p).text; },
             LegendEntry::Mark::Line});
    lines.append({QStringLiteral("gap: broker not running"),
                  QStringLiteral("the broker kept no numbers for those minutes"),
                  [](const QPalette& p) { return p.color(QPalette::Mid); },
                  LegendEntry::Mark::DashedLine});
    auto* chartLegend = new LegendWidget(lines, this);
    chartLegend->setObjectName(QStringLiteral("historyLegend"));

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
        table->setTextElideMode(Qt::ElideRight);
        table->setWordWrap(false);
    }
    byType_->setColumnWidth(0, 200);
    circuits_->setColumnWidth(0, 140);
    circuits_->setColumnWidth(1, 110);
    circuits_->setColumnWidth(2, 70);
    circuits_->setColumnWidth(3, 150);
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
    layout->addWidget(chartLegend);
    auto* tables = new QHBoxLayout;
    tables->addWidget(byType_, 1);
    tables->addWidget(circuits_, 1);
    layout->addLayout(tables, 1);

    pollTimer_.setInterval(kPollMs);
    connect(&pollTimer_, &QTimer::timeout, this, &OverviewPage::poll);
    // Times follow View > Show local time: the probe times are written again
    // from what the table holds, without asking the broker.
    connect(&TimeDisplay::instance(), &TimeDisplay::changed, this, [this] {
        for (int r = 0; r < circuits_->rowCount(); ++r)
            if (QTableWidgetItem* item = circuits_->item(r, 3))
                if (const QVariant at = item->data(kProbeAtRole); at.isValid())
                    item->setText(probeText(fromUnixMillis(at.toLongLong())));
    });
    clock_.start();
}

QIcon OverviewPage::icon() const {
    return bundledIcon(this, QStringLiteral("overview"), QStyle::SP_ComputerIcon);
}

OverviewPage::Tile OverviewPage::addTile(const QString& caption, const QString& leadsTo) {
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
    tile.caption->setWordWrap(true);
    for (auto* label : {tile.value, tile.caption}) {
        label->setAttribute(Qt::WA_TransparentForMouseEvents);
        inner->addWidget(label);
    }
    connect(tile.button, &QPushButton::clicked, this,
            [this, leadsTo] { Q_EMIT pageRequested(leadsTo); });
    return tile;
}

void OverviewPage::showSeverity(Tile& tile, Severity severity) {
    const QString word = isFine(severity) ? QString() : severityWord(severity);
    if (tile.button->property("severity").toString() == word &&
        tile.button->property("dark").toBool() == isDarkPalette(palette()))
        return;
    tile.button->setProperty("severity", word);
    tile.button->setProperty("dark", isDarkPalette(palette()));
    if (word.isEmpty()) {
        tile.button->setStyleSheet({});
        for (auto* label : {tile.value, tile.caption})
            label->setPalette(QPalette());
        tile.button->setToolTip(tile.button->toolTip().section(u'\n', 0, 0));
        return;
    }
    const SeverityColours colours = coloursOf(severity, palette());
    tile.button->setStyleSheet(
        QStringLiteral("QPushButton { background-color: %1; border: 1px solid %2; "
                       "border-radius: 4px; }")
            .arg(colours.tint.name(), colours.text.name()));
    for (auto* label : {tile.value, tile.caption}) {
        QPalette p = label->palette();
        p.setColor(QPalette::WindowText, colours.text);
        label->setPalette(p);
    }
    tile.button->setToolTip(tile.button->toolTip().section(u'\n', 0, 0) + u'\n' +
                            severityWord(severity) + u": " + severityMeaning(severity));
}

void OverviewPage::activate() {
    poll();
    pollTimer_.start();
}

void OverviewPage::changeEvent(QEvent* event) {
    Page::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        followPalette(chartView_->chart(), palette()); // the desktop switched light/dark
        updateChart();
    }
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
    if (lastSeq_ >= 0 && now > lastSeqAtMs_) {
        ingestRate_ = static_cast<double>(std::max<qint64>(0, lastSeq - lastSeq_)) * 1000.0 /
                      static_cast<double>(now - lastSeqAtMs_);
        rate_.value->setText(QLocale().toString(ingestRate_, 'f', ingestRate_ < 10 ? 1 : 0));
    }
    lastSeq_ = lastSeq;
    lastSeqAtMs_ = now;
    showStatus();
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
    showSeverity(rejected_,
                 quarantined.value(QString()) > 0 ? Severity::Rejected : Severity::Healthy);
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
    getAnswer<protocol::DeadLetterGroups>(
        session(), QStringLiteral("/v1/dead-letters/groups"), this,
        [this](const Answer<protocol::DeadLetterGroups>& answer) {
            if (answer) {
                qint64 letters = 0;
                for (const auto& group : answer->groups)
                    letters += group.count;
                dead_.value->setText(QLocale().toString(letters));
                showSeverity(dead_, letters > 0 ? Severity::DeadLetters : Severity::Healthy);
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
    int retrying = 0, open = 0;
    QStringList names;
    for (int r = 0; r < circuits_->rowCount(); ++r) {
        const protocol::ConsumerReport& c = consumers[static_cast<std::size_t>(r)];
        const bool circuitOpen = c.circuit == CircuitState::Open;
        retrying += c.state == protocol::ConsumerState::Retrying ? 1 : 0;
        open += circuitOpen ? 1 : 0;
        names << toQString(c.name);
        cellAt(circuits_, r, 0)->setText(toQString(c.name));
        auto* state = cellAt(circuits_, r, 1);
        state->setText(stateWordOf(c)); // the word the Consumers page shows
        // Events not yet settled: how far behind the consumer is.
        auto* lag = cellAt(circuits_, r, 2);
        lag->setText(QString::number(c.lagEvents));
        lag->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto* circuit = cellAt(circuits_, r, 3);
        circuit->setData(kProbeAtRole, circuitOpen && c.probeAt
                                           ? QVariant(qint64{toUnixMillis(*c.probeAt)})
                                           : QVariant());
        circuit->setText(circuitOpen && c.probeAt ? probeText(*c.probeAt) : wordOf(c.circuit));
        auto* error = cellAt(circuits_, r, 4);
        error->setText(toQString(c.lastError));
        error->setToolTip(toQString(c.lastError)); // the cell elides; the tooltip has it all
        // The whole row in its state's colours; a healthy one stays plain.
        const Severity severity = severityOf(c);
        const SeverityColours colours = coloursOf(severity, palette());
        state->setIcon(severityDot(colours.text));
        state->setToolTip(severityWord(severity) + u": " + severityMeaning(severity));
        for (int column = 0; column < circuits_->columnCount(); ++column) {
            auto* item = cellAt(circuits_, r, column);
            item->setBackground(severity == Severity::Healthy ? QBrush() : QBrush(colours.tint));
            item->setForeground(severity == Severity::Healthy ? palette().text()
                                                              : QBrush(colours.text));
        }
    }
    // The last error takes what room the others leave, within reason.
    fitColumns(circuits_, {{0, 160}, {1, 110}, {2, 70}, {3, 150}});
    retrying_.value->setText(QString::number(retrying));
    showSeverity(retrying_, retrying > 0 ? Severity::Retrying : Severity::Healthy);
    circuitsOpen_.value->setText(QString::number(open));
    showSeverity(circuitsOpen_, open > 0 ? Severity::CircuitOpen : Severity::Healthy);
    if (names != historyConsumers_ || !historyAge_.isValid() ||
        historyAge_.elapsed() > kHistoryRefreshMs)
        loadHistory(names);
}

// Every consumer's minute history, summed once all have answered; a
// consumer whose answer does not read leaves the chart as it was.
void OverviewPage::loadHistory(const QStringList& consumers) {
    historyConsumers_ = consumers;
    historyAge_.start();
    const quint64 generation = ++historyGeneration_;
    auto histories = std::make_shared<QList<protocol::ConsumerHistory>>();
    auto waiting = std::make_shared<int>(static_cast<int>(consumers.size()));
    auto failed = std::make_shared<QString>();
    if (consumers.isEmpty()) {
        totals_.clear();
        historyNowMs_ = QDateTime::currentMSecsSinceEpoch();
        updateChart();
        return;
    }
    for (const QString& name : consumers)
        getAnswer<protocol::ConsumerHistory>(
            session(),
            QStringLiteral("/v1/consumers/%1/history?minutes=%2")
                .arg(QString::fromLatin1(QUrl::toPercentEncoding(name)))
                .arg(kChartMinutes),
            this,
            [this, generation, histories, waiting,
             failed](const Answer<protocol::ConsumerHistory>& answer) {
                if (generation != historyGeneration_)
                    return;
                if (answer)
                    histories->append(*answer);
                else
                    *failed = answer.error;
                if (--*waiting > 0)
                    return;
                noteProblem(QStringLiteral("History"), *failed);
                if (!failed->isEmpty())
                    return;
                totals_ = sumHistories(*histories);
                historyNowMs_ = QDateTime::currentMSecsSinceEpoch();
                updateChart();
            });
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
        cell->setToolTip(it->text);
        cell->setForeground(
            !it->hasTarget
                ? palette().text()
                : QBrush(coloursOf(it->met ? Severity::Healthy : Severity::SloMissed, palette())
                             .text));
    }
    int missed = 0;
    for (const SloVerdict& verdict : slo_)
        missed += verdict.hasTarget && !verdict.met ? 1 : 0;
    sloMissed_.value->setText(QString::number(missed));
    showSeverity(sloMissed_, missed > 0 ? Severity::SloMissed : Severity::Healthy);
}

void OverviewPage::updateChart() {
    QChart* chart = chartView_->chart();
    chart->removeAllSeries();
    double peak = 0;
    for (const ChartLine& line : kChartLines) {
        const QPen pen(coloursOf(line.colour, palette()).text, 2);
        // One series per run of minutes with data: nothing is drawn across a gap.
        for (const QList<QPointF>& run : chartLine(line.metric)) {
            auto* series = new QLineSeries;
            series->setName(QLatin1String(line.word));
            series->setPen(pen);
            series->setPointsVisible(run.size() == 1); // a lone minute still shows
            series->append(run);
            chart->addSeries(series);
            series->attachAxis(timeAxis_);
            series->attachAxis(countAxis_);
            for (const QPointF& p : run)
                peak = std::max(peak, p.y());
        }
    }
    // Headroom above the peak, on round tick values.
    countAxis_->setRange(0, std::max(10.0, peak * 1.2));
    countAxis_->applyNiceNumbers();
}

} // namespace meshdeck::views
