#include "views/consumers/consumers_page.h"

#include "views/console/chart_palette.h"
#include "views/console/record_list_page.h"
#include "views/consumers/consumer_editor.h"
#include "views/consumers/consumer_table_model.h"
#include "views/consumers/replay_dialog.h"
#include "views/session/protocol_adapter.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
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

// A one-line value that never widens the pane: elided in the middle (a URL's
// host and its last part stay readable), the whole text in its tooltip.
class ElidedLabel final : public QLabel {
public:
    using QLabel::QLabel;
    void setFullText(const QString& text) {
        setText(text);
        setToolTip(text);
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        painter.setPen(palette().color(foregroundRole()));
        const QRect area = contentsRect();
        painter.drawText(area, Qt::AlignLeft | Qt::AlignVCenter,
                         fontMetrics().elidedText(text(), Qt::ElideMiddle, area.width()));
    }
};

QString countOf(qint64 n, const char* one, const char* many) {
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), QLatin1String(n == 1 ? one : many));
}

// The headline state in words: what it means for the events.
QString stateWords(const protocol::ConsumerReport& c) {
    using S = protocol::ConsumerState;
    switch (c.state) {
    case S::Running:
        return QStringLiteral("Running");
    case S::Paused:
        return QStringLiteral("Paused: events wait until someone resumes it");
    case S::CircuitOpen:
        return QStringLiteral("Circuit open: nothing is sent after repeated failures");
    case S::Blocked:
        return QStringLiteral("Blocked: %1 wait behind a dead letter")
            .arg(countOf(c.blockedEntities, "entity", "entities"));
    case S::Retrying:
        return QStringLiteral("Retrying: %1 wait for their next attempt")
            .arg(countOf(c.retrying, "entity", "entities"));
    }
    return wordOf(c.state);
}

QString sinkWords(const protocol::ConsumerReport& c) {
    switch (c.sink) {
    case SinkKind::Webhook:
        return toQString(c.url);
    case SinkKind::WebSocket:
        return QStringLiteral("WebSocket subscribers: %1").arg(c.subscribers);
    case SinkKind::None:
        break;
    }
    return QStringLiteral("None: events are acknowledged without being sent");
}

QString circuitWords(const protocol::ConsumerReport& c) {
    switch (c.circuit) {
    case CircuitState::Closed:
        return QStringLiteral("Closed: deliveries flow");
    case CircuitState::Open:
        return c.probeAt ? QStringLiteral("Open: nothing is sent; the next probe goes at %1")
                               .arg(timeText(*c.probeAt))
                         : QStringLiteral("Open: nothing is sent");
    case CircuitState::HalfOpen:
        return QStringLiteral("Half-open: probing the receiver");
    }
    return wordOf(c.circuit);
}

QString latencyWords(const protocol::LatencySummary& latency) {
    return QStringLiteral("p50 %1 ms, p99 %2 ms")
        .arg(latency.p50Ms, 0, 'f', 1)
        .arg(latency.p99Ms, 0, 'f', 1);
}

QString filterWords(const ConsumerFilter& f) {
    QStringList parts;
    parts << (f.tenant ? QStringLiteral("tenant %1").arg(toQString(*f.tenant))
                       : QStringLiteral("every tenant"));
    for (const auto& c : f.where) {
        // Exists has no operand; the others show theirs as written.
        const std::string_view op[] = {"==", "!=", ">", ">=", "<", "<=", "exists", "in"};
        parts << QStringLiteral("%1 %2 %3")
                     .arg(toQString(c.field), toQString(op[static_cast<int>(c.op)]),
                          toQString(c.valueJson))
                     .trimmed();
    }
    return parts.join(QStringLiteral(" and "));
}

QString retryWords(const RetryPolicy& r) {
    return QStringLiteral("Up to %1 attempts within %2; waits from %3 doubling to %4")
        .arg(r.maxAttempts)
        .arg(describeAge(std::chrono::duration_cast<std::chrono::milliseconds>(r.maxAge).count()),
             describeAge(r.base.count()), describeAge(r.cap.count()));
}

QString sloWords(const SloTarget& target, const protocol::ConsumerReport& c) {
    if (target.target.count() <= 0)
        return QStringLiteral("None");
    QString text = QStringLiteral("p%1 within %2")
                       .arg(target.percentile * 100, 0, 'g', 4)
                       .arg(describeAge(target.target.count()));
    QStringList checks;
    for (const auto& row : c.endToEnd)
        if (row.slo)
            checks << QStringLiteral("%1 %2 (p95 %3)")
                          .arg(toQString(row.eventType),
                               row.slo->met ? QStringLiteral("met") : QStringLiteral("MISSED"),
                               describeAge(static_cast<qint64>(row.latency.p95Ms)));
    return QStringLiteral("%1: %2").arg(text, checks.isEmpty()
                                                  ? QStringLiteral("nothing measured yet")
                                                  : checks.join(QStringLiteral(", ")));
}

} // namespace

ConsumersPage::ConsumersPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), model_(new ConsumerTableModel(this)), table_(new QTableView(this)),
      status_(new QLabel(this)), new_(new QPushButton(QStringLiteral("New consumer…"), this)),
      edit_(new QPushButton(QStringLiteral("Edit…"), this)),
      pause_(new QPushButton(QStringLiteral("Pause"), this)),
      resume_(new QPushButton(QStringLiteral("Resume"), this)),
      replay_(new QPushButton(QStringLiteral("Replay…"), this)),
      deadLetters_(new QPushButton(QStringLiteral("Dead letters"), this)),
      detail_(new QScrollArea(this)), deadLetterLink_(nullptr), chartView_(new QChartView(this)),
      lagSeries_(new QLineSeries), axisX_(new QValueAxis), axisY_(new QValueAxis) {
    setObjectName(QStringLiteral("consumersPage"));
    table_->setObjectName(QStringLiteral("consumerTable"));
    status_->setObjectName(QStringLiteral("consumerStatus"));
    // A long status wraps instead of widening the window past a laptop's screen.
    status_->setWordWrap(true);
    new_->setObjectName(QStringLiteral("newConsumerButton"));
    edit_->setObjectName(QStringLiteral("editConsumerButton"));
    pause_->setObjectName(QStringLiteral("pauseButton"));
    resume_->setObjectName(QStringLiteral("resumeButton"));
    replay_->setObjectName(QStringLiteral("replayButton"));
    detail_->setObjectName(QStringLiteral("consumerDetail"));

    setUpRecordTable(table_, model_);
    auto* form = new QWidget(detail_);
    new QVBoxLayout(form);
    // The consumer's name and description above its facts.
    auto* title = new QLabel(form);
    title->setObjectName(QStringLiteral("consumerDetail"));
    title->setWordWrap(true);
    QFont titleFont = title->font();
    titleFont.setBold(true);
    title->setFont(titleFont);
    title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    form->layout()->addWidget(title);
    facts_.insert(QStringLiteral("title"), title);
    const std::pair<const char*, QList<std::pair<const char*, const char*>>> sections[] = {
        {"Delivery",
         {{"state", "State"},
          {"sink", "Sink"},
          {"eventTypes", "Event types"},
          {"filter", "Filter"}}},
        {"Progress",
         {{"position", "Position"},
          {"lag", "Lag"},
          {"delivered", "Delivered"},
          {"inFlight", "In flight"}}},
        {"Failures",
         {{"lastError", "Last error"},
          {"retrying", "Retrying"},
          {"circuit", "Circuit"},
          {"deadLetters", "Dead letters"}}},
        {"Policy",
         {{"retry", "Retry"},
          {"rateLimit", "Rate limit"},
          {"ordering", "Ordering"},
          {"deadLetterPolicy", "On a dead letter"},
          {"slo", "SLO"}}},
    };
    for (const auto& [section, facts] : sections) {
        auto* heading = new QLabel(QStringLiteral("<b>%1</b>").arg(QLatin1String(section)), form);
        form->layout()->addWidget(heading);
        auto* rows = new QFormLayout;
        rows->setRowWrapPolicy(QFormLayout::DontWrapRows);
        rows->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        for (const auto& fact : facts) {
            const QString key = QLatin1String(fact.first);
            // One-line values elide; sentences wrap.
            const bool oneLine = key == QLatin1String("sink") ||
                                 key == QLatin1String("eventTypes") ||
                                 key == QLatin1String("filter");
            QLabel* value = oneLine ? new ElidedLabel(form) : new QLabel(form);
            value->setObjectName(QStringLiteral("detail_") + key);
            value->setWordWrap(!oneLine);
            value->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
            value->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
            rows->addRow(QLatin1String(fact.second), value);
            facts_.insert(key, value);
        }
        qobject_cast<QVBoxLayout*>(form->layout())->addLayout(rows);
    }
    qobject_cast<QVBoxLayout*>(form->layout())->addStretch(1);
    deadLetterLink_ = facts_.value(QStringLiteral("deadLetters"));
    deadLetterLink_->setTextFormat(Qt::RichText);
    detail_->setWidget(form);
    detail_->setWidgetResizable(true);
    detail_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    detail_->setMinimumWidth(220);

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
    for (auto* b : {new_, edit_, pause_, resume_, replay_, deadLetters_})
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
    connect(new_, &QPushButton::clicked, this, &ConsumersPage::newConsumer);
    connect(edit_, &QPushButton::clicked, this, &ConsumersPage::editConsumer);
    connect(deadLetterLink_, &QLabel::linkActivated, this,
            [this] { Q_EMIT deadLettersRequested(selectedConsumer()); });
    connect(deadLetters_, &QPushButton::clicked, this,
            [this] { Q_EMIT deadLettersRequested(selectedConsumer()); });
    // Times follow View > Show local time: the selected consumer's facts
    // are written again from what the page holds (the table shows no times).
    connect(&TimeDisplay::instance(), &TimeDisplay::changed, this, [this] {
        if (!selectedConsumer().isEmpty())
            showDetail(model_->consumer(table_->currentIndex().row()));
    });
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
    // Declaring and replacing consumers is the admin's (routes.cpp).
    const bool admin = session().role() == QLatin1String("admin");
    const QString adminOnly =
        why.isEmpty() && !admin
            ? QStringLiteral("Declaring and changing consumers needs the admin role; this "
                             "token's role is %1.")
                  .arg(session().role())
            : why;
    new_->setEnabled(admin);
    edit_->setEnabled(admin && selected);
    new_->setToolTip(admin ? QStringLiteral("Declare a consumer") : adminOnly);
    edit_->setToolTip(admin ? QStringLiteral("Change the selected consumer's spec") : adminOnly);
    detail_->setEnabled(selected);
    if (!selected) {
        for (auto* value : std::as_const(facts_))
            value->clear();
        facts_.value(QStringLiteral("state"))->setText(QStringLiteral("Select a consumer."));
        updateChart();
        return;
    }
    if (!history_.contains(name)) {
        history_.insert(name, {}); // asked once per consumer while the page lives
        loadHistory(name);
    }
    if (specOf_ != name)
        loadSpec(name);
    showDetail(model_->consumer(table_->currentIndex().row()));
    updateChart();
}

// The Policy section and the filter come from the spec, which only the
// single-consumer answer carries.
void ConsumersPage::loadSpec(const QString& name) {
    specOf_ = name;
    spec_.reset();
    getAnswer<protocol::ConsumerReport>(
        session(), QStringLiteral("/v1/consumers/%1").arg(name), this,
        [this, name](const Answer<protocol::ConsumerReport>& answer) {
            if (name != specOf_ || !answer || !answer->specJson)
                return;
            spec_ = parseConsumerSpec(*answer->specJson).spec;
            if (selectedConsumer() == name)
                showDetail(model_->consumer(table_->currentIndex().row()));
        });
}

void ConsumersPage::showDetail(const protocol::ConsumerReport& c) {
    auto set = [this](const char* key, const QString& text) {
        QLabel* value = facts_.value(QLatin1String(key));
        if (auto* elided = dynamic_cast<ElidedLabel*>(value))
            elided->setFullText(text);
        else
            value->setText(text);
    };
    set("title", c.description.empty()
                     ? toQString(c.name)
                     : QStringLiteral("%1 — %2").arg(toQString(c.name), toQString(c.description)));
    set("state", stateWords(c));
    set("sink", sinkWords(c));
    set("position", QStringLiteral("Acknowledged through seq %1").arg(c.ackFloor));
    set("lag", c.lagEvents == 0 ? QStringLiteral("Nothing pending")
                                : QStringLiteral("%1 pending, the oldest for %2")
                                      .arg(countOf(c.lagEvents, "event", "events"),
                                           describeAge(c.oldestPendingAgeMs)));
    set("delivered", QStringLiteral("%1 since the broker started%2")
                         .arg(QLocale().toString(static_cast<qint64>(c.delivered)),
                              c.deliveryLatency.count > 0
                                  ? QStringLiteral(" (%1)").arg(latencyWords(c.deliveryLatency))
                                  : QString()));
    set("inFlight", QLocale().toString(static_cast<qint64>(c.inFlight)));
    set("lastError",
        c.lastError.empty()
            ? QStringLiteral("None")
            : QStringLiteral("%1 (at %2)").arg(toQString(c.lastError), timeText(c.lastErrorAt)));
    set("retrying", c.retrying > 0 ? QStringLiteral("%1 wait for their next attempt")
                                         .arg(countOf(c.retrying, "entity", "entities"))
                                   : QStringLiteral("No"));
    set("circuit", circuitWords(c));
    set("deadLetters",
        c.deadLettered == 0
            ? QStringLiteral("None")
            : QStringLiteral("<a href=\"dead-letters\">%1 since the broker started: open them</a>")
                  .arg(countOf(c.deadLettered, "dead letter", "dead letters")));
    if (!spec_) {
        for (const char* key :
             {"eventTypes", "filter", "retry", "rateLimit", "ordering", "deadLetterPolicy", "slo"})
            set(key, QStringLiteral("…"));
        return;
    }
    const ConsumerSpec& spec = *spec_;
    QStringList types;
    for (const auto& type : spec.filter.eventTypes)
        types << toQString(type);
    set("eventTypes",
        types.isEmpty() ? QStringLiteral("Every type") : types.join(QStringLiteral(", ")));
    set("filter", filterWords(spec.filter));
    set("retry", retryWords(spec.retry));
    set("rateLimit", spec.rate.perSecond > 0 ? QStringLiteral("%1 per second (burst %2)")
                                                   .arg(spec.rate.perSecond)
                                                   .arg(spec.rate.burst)
                                             : QStringLiteral("Unlimited"));
    set("ordering", spec.orderByEntity
                        ? QStringLiteral("Per entity: one delivery in flight per entity")
                        : QStringLiteral("None: events go out as they come"));
    set("deadLetterPolicy",
        spec.deadLetter == DeadLetterPolicy::Continue
            ? QStringLiteral("Continue: the entity's later events keep flowing")
            : QStringLiteral("Block: the entity waits until its dead letter is replayed or "
                             "discarded"));
    set("slo", sloWords(spec.slo, c));
}

ConsumerEditor* ConsumersPage::newConsumer() {
    auto* editor = new ConsumerEditor(session(), QString(), this);
    openEditor(editor);
    return editor;
}

ConsumerEditor* ConsumersPage::editConsumer() {
    const QString name = selectedConsumer();
    if (name.isEmpty())
        return nullptr;
    auto* editor = new ConsumerEditor(session(), name, this);
    openEditor(editor);
    return editor;
}

void ConsumersPage::openEditor(ConsumerEditor* editor) {
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &ConsumerEditor::saved, this, [this](const QString& name) {
        status_->setText(QStringLiteral("Saved %1.").arg(name));
        specOf_.clear(); // its spec changed: read it again
        selectConsumer(name);
        poll();
    });
    editor->open();
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
