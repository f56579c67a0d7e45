#include "views/consumers/consumers_page.h"

#include "views/console/chart_palette.h"
#include "views/console/record_list_page.h"
#include "views/consumers/consumer_table_model.h"
#include "views/consumers/replay_dialog.h"
#include "views/session/protocol_adapter.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <tuple>

namespace meshdeck::views {

namespace {

constexpr int kPollMs = 1000;

constexpr double kChartMinutes = 60;

double niceCeiling(double value) {
    if (value <= 5)
        return 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 5.0, 10.0})
        if (value <= step * magnitude)
            return step * magnitude;
    return 10 * magnitude;
}

// How much a consumer needs a look, to open the page on the one in most
// trouble: its state first (an open circuit, then a blocked entity, then
// retries), then dead letters, then what it has pending.
std::tuple<int, std::int64_t, std::int64_t> trouble(const protocol::ConsumerReport& c) {
    using S = protocol::ConsumerState;
    const int state = c.state == S::CircuitOpen ? 3
                      : c.state == S::Blocked   ? 2
                      : c.state == S::Retrying  ? 1
                                                : 0;
    return {state, c.deadLettered, c.lagEvents};
}

// The selected consumer in full, one fact a line.
QString describeConsumer(const protocol::ConsumerReport& c) {
    QStringList lines;
    lines << QStringLiteral("%1 — %2").arg(toQString(c.name), wordOf(c.state));
    lines << QStringLiteral("sink: %1").arg(sinkText(c));
    lines << QStringLiteral("pending: %1 event(s), oldest %2")
                 .arg(c.lagEvents)
                 .arg(describeAge(c.oldestPendingAgeMs));
    lines << QStringLiteral("circuit: %1%2")
                 .arg(wordOf(c.circuit),
                      c.probeAt ? QStringLiteral(" (next probe %1)").arg(timeText(*c.probeAt))
                                : QString());
    // Alphabetical, as the totals have always been listed.
    const std::pair<const char*, std::int64_t> totals[] = {{"dead_lettered", c.deadLettered},
                                                           {"delivered", c.delivered},
                                                           {"failed_attempts", c.failedAttempts},
                                                           {"gaps_waited", c.gapsWaited},
                                                           {"replayed", c.replayed},
                                                           {"stale_skipped", c.staleSkipped},
                                                           {"throttled", c.throttled}};
    QStringList counts;
    for (const auto& [label, count] : totals)
        counts << QStringLiteral("%1 %2").arg(QLatin1String(label)).arg(count);
    lines << counts.join(QStringLiteral(", "));
    if (c.deliveryLatency.count > 0)
        lines << QStringLiteral("delivery latency p50 %1 ms, p99 %2 ms")
                     .arg(c.deliveryLatency.p50Ms, 0, 'f', 1)
                     .arg(c.deliveryLatency.p99Ms, 0, 'f', 1);
    for (const auto& row : c.endToEnd) {
        QString line = QStringLiteral("end to end %1: p95 %2 ms")
                           .arg(toQString(row.eventType))
                           .arg(row.latency.p95Ms, 0, 'f', 0);
        if (row.slo)
            line += QStringLiteral(" against a target of %1 ms: %2")
                        .arg(static_cast<double>(row.slo->targetMs), 0, 'f', 0)
                        .arg(row.slo->met ? QStringLiteral("met") : QStringLiteral("MISSED"));
        lines << line;
    }
    if (!c.lastError.empty())
        lines << QStringLiteral("last error (%1): %2")
                     .arg(timeText(c.lastErrorAt), toQString(c.lastError));
    return lines.join(u'\n');
}

} // namespace

ConsumersPage::ConsumersPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), model_(new ConsumerTableModel(this)), table_(new QTableView(this)),
      status_(new QLabel(this)), pause_(new QPushButton(QStringLiteral("Pause"), this)),
      resume_(new QPushButton(QStringLiteral("Resume"), this)),
      replay_(new QPushButton(QStringLiteral("Replay…"), this)),
      deadLetters_(new QPushButton(QStringLiteral("Dead letters"), this)),
      detail_(new QPlainTextEdit(this)), chartView_(new QChartView(this)),
      lagSeries_(new QLineSeries), axisX_(new QValueAxis), axisY_(new QValueAxis) {
    setObjectName(QStringLiteral("consumersPage"));
    table_->setObjectName(QStringLiteral("consumerTable"));
    status_->setObjectName(QStringLiteral("consumerStatus"));
    // A long status wraps instead of widening the window past a laptop's screen.
    status_->setWordWrap(true);
    pause_->setObjectName(QStringLiteral("pauseButton"));
    resume_->setObjectName(QStringLiteral("resumeButton"));
    replay_->setObjectName(QStringLiteral("replayButton"));
    detail_->setObjectName(QStringLiteral("consumerDetail"));

    setUpRecordTable(table_, model_);
    detail_->setReadOnly(true);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_->setPlaceholderText(QStringLiteral("Select a consumer."));

    auto* chart = new QChart;
    chart->legend()->hide();
    chart->addSeries(lagSeries_);
    chart->setTitle(QStringLiteral("Lag (events), last hour"));
    axisX_->setRange(-kChartMinutes, 0);
    axisX_->setLabelFormat(QStringLiteral("%d"));
    axisX_->setTickCount(7);
    axisX_->setTitleText(QStringLiteral("minutes ago"));
    axisY_->setRange(0, 5);
    axisY_->setLabelFormat(QStringLiteral("%d"));
    // niceCeiling's tops (5, 10, 20, 50, ...) split in five whole steps: the
    // labels are the ticks' true values, never 1.25 shown as 1.
    axisY_->setTickCount(6);
    chart->addAxis(axisX_, Qt::AlignBottom);
    chart->addAxis(axisY_, Qt::AlignLeft);
    lagSeries_->attachAxis(axisX_);
    lagSeries_->attachAxis(axisY_);
    chart->setMargins(QMargins(4, 4, 4, 4));
    followPalette(chart, palette());
    // setChart hands the view's default chart back to us, unowned: delete it.
    QChart* const defaultChart = chartView_->chart();
    chartView_->setChart(chart);
    delete defaultChart;
    chartView_->setRenderHint(QPainter::Antialiasing);
    chartView_->setMinimumHeight(180);

    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Consumers</b>"), this));
    header->addWidget(status_, 1);
    for (auto* b : {pause_, resume_, replay_, deadLetters_})
        header->addWidget(b);

    auto* lower = new QSplitter(Qt::Horizontal, this);
    lower->addWidget(chartView_);
    lower->addWidget(detail_);
    lower->setStretchFactor(0, 3);
    lower->setStretchFactor(1, 2);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(table_);
    splitter->addWidget(lower);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(splitter, 1);

    follower_ = new LiveFollower(session, kPollMs, this);
    connect(follower_, &LiveFollower::pollDue, this, &ConsumersPage::poll);
    connect(follower_, &LiveFollower::snapshotReceived, this, &ConsumersPage::onSnapshot);
    connect(follower_, &LiveFollower::frameUnreadable, status_, &QLabel::setText);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ConsumersPage::showSelected);
    connect(model_, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex& from) {
        if (from.row() == table_->currentIndex().row())
            showSelected();
    });
    connect(pause_, &QPushButton::clicked, this, [this] { setPaused(true); });
    connect(resume_, &QPushButton::clicked, this, [this] { setPaused(false); });
    connect(replay_, &QPushButton::clicked, this, &ConsumersPage::replay);
    connect(deadLetters_, &QPushButton::clicked, this,
            [this] { Q_EMIT deadLettersRequested(selectedConsumer()); });
    showSelected();
}

QIcon ConsumersPage::icon() const {
    return bundledIcon(this, QStringLiteral("consumers"), QStyle::SP_DriveNetIcon);
}

void ConsumersPage::activate() {
    follower_->start();
}

bool ConsumersPage::live() const {
    return follower_->live();
}

void ConsumersPage::changeEvent(QEvent* event) {
    Page::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        followPalette(chartView_->chart(), palette()); // the desktop switched light/dark
}

void ConsumersPage::hideEvent(QHideEvent* event) {
    follower_->stop();
    Page::hideEvent(event);
}

void ConsumersPage::poll() {
    const quint64 generation = ++generation_;
    getAnswer<protocol::ConsumerList>(
        session(), QStringLiteral("/v1/consumers"), this,
        [this, generation](const Answer<protocol::ConsumerList>& list) {
            if (generation != generation_)
                return;
            if (!list) {
                status_->setText(list.error);
                return;
            }
            apply(list->consumers);
        });
}

// From the live feed: snapshots carry the same consumers as /v1/consumers;
// state changes arrive between them.
void ConsumersPage::onSnapshot(const protocol::LiveSnapshot& snapshot) {
    ++generation_; // a poll still on its way is older than this
    apply(snapshot.consumers);
}

void ConsumersPage::apply(const std::vector<protocol::ConsumerReport>& consumers) {
    const bool first = model_->rowCount() == 0;
    model_->apply(consumers);
    if (!pendingSelection_.isEmpty())
        selectConsumer(pendingSelection_);
    if (first && model_->rowCount() > 0) {
        table_->resizeColumnsToContents();
        if (!table_->currentIndex().isValid()) {
            const auto worst = std::max_element(
                consumers.begin(), consumers.end(),
                [](const auto& a, const auto& b) { return trouble(a) < trouble(b); });
            const int row = model_->rowOf(toQString(worst->name));
            table_->selectRow(row >= 0 ? row : 0);
        }
    }
    const double now = static_cast<double>(QDateTime::currentMSecsSinceEpoch());
    qint64 lagging = 0;
    for (const auto& c : consumers) {
        const double lag = static_cast<double>(c.lagEvents);
        lagging += lag > 0 ? 1 : 0;
        auto& samples = lag_[toQString(c.name)];
        samples.emplace_back(now, lag);
        while (!samples.empty() && samples.front().x() < now - kChartMinutes * 60'000)
            samples.pop_front();
    }
    const QString source =
        follower_->live() ? QStringLiteral("live") : QStringLiteral("polled every second");
    status_->setText(consumers.empty()
                         ? QStringLiteral("No consumers yet: declare one in meshd's config or "
                                          "with POST /v1/consumers.")
                         : QStringLiteral("%1 consumer(s), %2 with events pending · %3")
                               .arg(consumers.size())
                               .arg(lagging)
                               .arg(source));
    updateChart();
}

QString ConsumersPage::selectedConsumer() const {
    const int row = table_->currentIndex().row();
    return row < 0 || row >= model_->rowCount() ? QString() : toQString(model_->consumer(row).name);
}

void ConsumersPage::selectConsumer(const QString& name) {
    const int row = model_->rowOf(name);
    pendingSelection_ = row >= 0 ? QString() : name;
    if (row >= 0)
        table_->selectRow(row);
}

QList<QPointF> ConsumersPage::lagSamples(const QString& name) const {
    QList<QPointF> points;
    const auto live = lag_.find(name);
    const double firstLive = live == lag_.end() || live->empty() ? 1e300 : live->front().x();
    for (const auto& p : history_.value(name))
        if (p.x() < firstLive)
            points.append(p);
    if (live != lag_.end())
        points.append(QList<QPointF>(live->begin(), live->end()));
    return points;
}

void ConsumersPage::loadHistory(const QString& name) {
    session().get(
        QStringLiteral("/v1/consumers/%1/history?minutes=%2").arg(name).arg(kChartMinutes), this,
        [this, name](const MeshReply& reply) {
            if (!reply.ok())
                return;
            QList<QPointF> points;
            for (const auto& v : QJsonDocument::fromJson(reply.body)
                                     .object()
                                     .value(QLatin1String("minutes"))
                                     .toArray()) {
                const QJsonObject m = v.toObject();
                const auto at = QDateTime::fromString(m.value(QLatin1String("minute")).toString(),
                                                      Qt::ISODateWithMs);
                points.append({static_cast<double>(at.toMSecsSinceEpoch()),
                               m.value(QLatin1String("lag_events")).toDouble()});
            }
            history_[name] = points;
            updateChart();
        });
}

void ConsumersPage::showSelected() {
    const QString name = selectedConsumer();
    const bool selected = !name.isEmpty();
    const bool mayAct = session().mayChange();
    const QString why = readOnlyReason();
    const bool paused = selected && model_->consumer(table_->currentIndex().row()).paused;
    pause_->setEnabled(selected && mayAct && !paused);
    resume_->setEnabled(selected && mayAct && paused);
    replay_->setEnabled(selected && mayAct);
    deadLetters_->setEnabled(selected);
    for (auto* b : {pause_, resume_, replay_})
        b->setToolTip(why);
    if (!selected) {
        detail_->clear();
        updateChart();
        return;
    }
    if (!history_.contains(name)) {
        history_.insert(name, {}); // asked once per consumer while the page lives
        loadHistory(name);
    }
    detail_->setPlainText(describeConsumer(model_->consumer(table_->currentIndex().row())));
    updateChart();
}

void ConsumersPage::updateChart() {
    const QString name = selectedConsumer();
    const QList<QPointF> samples = lagSamples(name);
    if (samples.isEmpty()) {
        lagSeries_->clear();
        return;
    }
    // x: seconds before the newest sample.
    const double newest = samples.back().x();
    QList<QPointF> shifted;
    shifted.reserve(samples.size());
    double top = 0;
    for (const auto& p : samples) {
        shifted.append({p.x() - newest, p.y()});
        top = std::max(top, p.y());
    }
    lagSeries_->replace(shifted);
    axisY_->setRange(0, niceCeiling(top));
    chartView_->chart()->setTitle(QStringLiteral("Lag of %1 (events), last hour").arg(name));
}

void ConsumersPage::setPaused(bool paused) {
    const QString name = selectedConsumer();
    if (name.isEmpty())
        return;
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/v1/consumers/%1/%2")
                       .arg(name, paused ? QStringLiteral("pause") : QStringLiteral("resume"));
    session().request(request, this, [this, name, paused](const MeshReply& reply) {
        status_->setText(
            reply.ok() ? QStringLiteral("%1 %2.").arg(name, paused ? QStringLiteral("paused")
                                                                   : QStringLiteral("resumed"))
                       : QStringLiteral("Could not change %1: %2").arg(name, reply.describe()));
        poll();
    });
}

void ConsumersPage::replay() {
    const QString name = selectedConsumer();
    if (name.isEmpty())
        return;
    auto* dialog = new ReplayDialog(session(), name, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ReplayDialog::replayed, this, [this](const QString& consumer, qint64 events) {
        status_->setText(QStringLiteral("Replaying %1 event(s) to %2.").arg(events).arg(consumer));
        poll();
    });
    dialog->open();
}

} // namespace meshdeck::views
