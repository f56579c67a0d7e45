#include "views/flow/flow_page.h"

#include "views/console/record_list_page.h"
#include "views/flow/flow_view.h"
#include "views/session/protocol_adapter.h"
#include "views/style/legend_widget.h"

#include <QDateTime>
#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <array>

namespace meshdeck::views {

namespace {

constexpr int kPollMs = 2000;

QString readableTime(const QDateTime& at) {
    return at.isValid() ? timeText(fromUnixMillis(at.toMSecsSinceEpoch())) : QString();
}

// Inputs refused before their token was accepted belong to no tenant.
QString tenantOf(const QString& tenant) {
    return tenant.isEmpty() ? QStringLiteral("none (sent without a valid token)") : tenant;
}

QString number(qint64 n) {
    return QLocale().toString(n);
}

// "1,234 in total · 12.5/s"
QString countAndRate(qint64 total, double perSecond) {
    return QStringLiteral("%1 in total · %2").arg(number(total), formatRate(perSecond));
}

// The later of two times; an invalid one (none yet) loses.
QDateTime later(const QDateTime& a, const QDateTime& b) {
    if (!a.isValid())
        return b;
    if (!b.isValid())
        return a;
    return a >= b ? a : b;
}

// What the map's colours, dashes, badges and widths mean.
QList<LegendEntry> flowLegend() {
    using Mark = LegendEntry::Mark;
    auto edge = [](FlowHealth health, const QString& word, const QString& meaning, Mark mark) {
        return LegendEntry{word, meaning,
                           [health](const QPalette& p) { return healthColour(health, p); }, mark};
    };
    LegendEntry circuit = legendEntry(Severity::CircuitOpen);
    circuit.meaning = QStringLiteral("badge on a consumer: ") + circuit.meaning;
    LegendEntry paused = legendEntry(Severity::Idle);
    paused.word = QStringLiteral("paused");
    paused.meaning = QStringLiteral("badge on a consumer: a person paused its deliveries");
    return {
        edge(FlowHealth::Healthy, QStringLiteral("healthy"),
             QStringLiteral("under 1 % of attempts failed in the last minute"), Mark::Line),
        edge(FlowHealth::Degraded, QStringLiteral("degraded"),
             QStringLiteral("1 to 10 % of attempts failed in the last minute"), Mark::Line),
        edge(FlowHealth::Failing, QStringLiteral("failing"),
             QStringLiteral("over 10 % of attempts failed in the last minute"), Mark::Line),
        edge(FlowHealth::Idle, QStringLiteral("idle"),
             QStringLiteral("nothing flowed in the last minute"), Mark::DashedLine),
        circuit,
        paused,
        {QStringLiteral("wider = more events/s"),
         QStringLiteral("a line's width grows with its rate over the last minute"),
         [](const QPalette& p) { return p.color(QPalette::Text); }, Mark::Line},
    };
}

} // namespace

FlowPage::FlowPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), view_(new FlowView(this)), stack_(new QStackedWidget(this)),
      emptyState_(new QLabel(this)), status_(new QLabel(this)), detailTitle_(new QLabel(this)),
      detail_(new QLabel(this)), showEvents_(new QPushButton(QStringLiteral("Show events"), this)),
      consumerDetails_(new QPushButton(QStringLiteral("Consumer details"), this)) {
    setObjectName(QStringLiteral("flowPage"));
    stack_->setObjectName(QStringLiteral("flowStack"));
    emptyState_->setObjectName(QStringLiteral("flowEmptyState"));
    status_->setObjectName(QStringLiteral("flowStatus"));
    detailTitle_->setObjectName(QStringLiteral("flowDetailTitle"));
    detail_->setObjectName(QStringLiteral("flowDetail"));
    showEvents_->setObjectName(QStringLiteral("showEventsButton"));
    consumerDetails_->setObjectName(QStringLiteral("consumerDetailsButton"));

    setUpEmptyState(emptyState_);
    emptyState_->setText(QStringLiteral("Waiting for the mesh…"));
    stack_->addWidget(view_);
    stack_->addWidget(emptyState_);
    stack_->setCurrentWidget(emptyState_);

    auto* fit = new QToolButton(this);
    fit->setObjectName(QStringLiteral("fitButton"));
    fit->setText(QStringLiteral("Fit to window"));
    fit->setToolTip(QStringLiteral("Show the whole map (Ctrl+0); Ctrl+wheel zooms"));
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    connect(fit, &QToolButton::clicked, view_, &FlowView::fitToView);
    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Flow map</b>"), this));
    header->addWidget(status_, 1);
    header->addWidget(fit);

    QFont titleFont = detailTitle_->font();
    titleFont.setBold(true);
    detailTitle_->setFont(titleFont);
    detailTitle_->setWordWrap(true);
    detailTitle_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    detail_->setWordWrap(true);
    detail_->setTextFormat(Qt::PlainText);
    detail_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    detail_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    consumerDetails_->setToolTip(QStringLiteral("Open this consumer on the Consumers page"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(showEvents_);
    buttons->addWidget(consumerDetails_);
    buttons->addStretch();
    auto* detailPane = new QWidget(this);
    auto* detailLayout = new QVBoxLayout(detailPane);
    detailLayout->setContentsMargins(8, 0, 0, 0);
    detailLayout->addWidget(detailTitle_);
    detailLayout->addWidget(detail_);
    detailLayout->addLayout(buttons);
    detailLayout->addStretch(1);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("flowSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(stack_);
    splitter->addWidget(detailPane);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({760, 300});
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(splitter, 1);
    auto* legend = new LegendWidget(flowLegend(), this);
    legend->setObjectName(QStringLiteral("flowLegend"));
    layout->addWidget(legend);

    follower_ = new LiveFollower(session, kPollMs, this);
    connect(follower_, &LiveFollower::pollDue, this, &FlowPage::poll);
    connect(follower_, &LiveFollower::snapshotReceived, this, &FlowPage::onSnapshot);
    connect(follower_, &LiveFollower::frameUnreadable, this, &FlowPage::showUnreadable);
    connect(view_, &FlowView::selectionChanged, this, &FlowPage::showSelected);
    connect(showEvents_, &QPushButton::clicked, this,
            [this] { Q_EMIT eventsRequested(selectedFilter_); });
    connect(consumerDetails_, &QPushButton::clicked, this,
            [this] { Q_EMIT consumerRequested(selectedConsumer_); });
    // Times follow View > Show local time: the texts that hold them again,
    // from the snapshot held (the map itself shows no times).
    connect(&TimeDisplay::instance(), &TimeDisplay::changed, this, [this] {
        if (loaded_ && snapshot_.isEmpty())
            redraw();
        else
            showSelected();
    });
    showSelected();
}

QIcon FlowPage::icon() const {
    return bundledIcon(this, QStringLiteral("flow-map"), QStyle::SP_DirLinkIcon);
}

void FlowPage::activate() {
    follower_->start();
}

bool FlowPage::live() const {
    return follower_->live();
}

void FlowPage::select(const QString& key) {
    view_->select(key);
}

void FlowPage::hideEvent(QHideEvent* event) {
    follower_->stop();
    Page::hideEvent(event);
}

void FlowPage::changeEvent(QEvent* event) {
    Page::changeEvent(event);
    if (event->type() == QEvent::FontChange && loaded_)
        redraw(); // names measure differently
}

void FlowPage::poll() {
    const quint64 generation = ++generation_;
    getAnswer<protocol::FlowSnapshot>(
        session(), QStringLiteral("/v1/flows"), this,
        [this, generation](const Answer<protocol::FlowSnapshot>& flows) {
            if (generation != generation_)
                return;
            if (!flows) {
                showUnreadable(QStringLiteral("Could not load the flow map: %1").arg(flows.error));
                return;
            }
            auto conditions = std::move(snapshot_.conditions);
            snapshot_ = flowMapOf(*flows);
            snapshot_.conditions = std::move(conditions);
            loaded_ = true;
            problem_.clear();
            redraw();
        });
    // The consumers' states, for the paused and circuit-open badges.
    getAnswer<protocol::ConsumerList>(
        session(), QStringLiteral("/v1/consumers"), this,
        [this, generation](const Answer<protocol::ConsumerList>& list) {
            if (generation != generation_)
                return;
            if (!list) {
                // A refused or failed request leaves the badges as they are; an
                // answer that does not read says which field was wrong.
                if (list.unreadable)
                    showUnreadable(
                        QStringLiteral("Could not read the consumers' states: %1").arg(list.error));
                return;
            }
            snapshot_.conditions = conditionsOf(list->consumers);
            if (loaded_)
                redraw();
        });
}

void FlowPage::onSnapshot(const protocol::LiveSnapshot& frame) {
    ++generation_; // a poll still on its way is older than this
    snapshot_ = flowMapOf(frame.flows);
    snapshot_.conditions = conditionsOf(frame.consumers);
    loaded_ = true;
    problem_.clear();
    redraw();
}

void FlowPage::showUnreadable(const QString& problem) {
    // The last good map stays; the status line says why it is not newer.
    problem_ = problem;
    status_->setText(problem_);
    if (!loaded_)
        emptyState_->setText(problem_);
}

void FlowPage::redraw() {
    view_->setLayoutData(layoutFlows(snapshot_, view_->nameWidth()));
    if (snapshot_.isEmpty()) {
        const QString since = readableTime(snapshot_.since);
        emptyState_->setText(
            QStringLiteral("No events have flowed since the broker started%1.\n\nPublish an "
                           "event, or start the console with --demo, and the map draws itself: "
                           "producers on the left, event types in the middle, consumers on the "
                           "right.")
                .arg(since.isEmpty() ? QString() : u" (" + since + u')'));
    }
    stack_->setCurrentWidget(snapshot_.isEmpty() ? static_cast<QWidget*>(emptyState_) : view_);

    std::array<int, 3> counts{}; // producers, event types, consumers
    for (const auto& node : view_->layoutData().nodes)
        ++counts[static_cast<std::size_t>(node.kind)];
    if (!problem_.isEmpty())
        status_->setText(problem_);
    else
        status_->setText(
            QStringLiteral("%1 producer(s) · %2 event type(s) · %3 consumer(s) · rates "
                           "over the last %4 s · %5")
                .arg(counts[0])
                .arg(counts[1])
                .arg(counts[2])
                .arg(snapshot_.windowSeconds)
                .arg(live() ? QStringLiteral("live") : QStringLiteral("polled every 2 s")));
    showSelected();
}

void FlowPage::showSelected() {
    const FlowLayout& layout = view_->layoutData();
    const QString key = view_->selectedKey();
    selectedFilter_ = {};
    selectedConsumer_.clear();
    showEvents_->setToolTip(QStringLiteral("Open the Events page filtered to this flow"));
    QStringList lines;
    if (const int n = layout.nodeIndex(key); n >= 0)
        describeNode(layout.nodes.at(n), lines);
    else if (const int e = layout.edgeIndex(key); e >= 0)
        describeEdge(layout.edges.at(e), lines);
    else
        detailTitle_->setText(QStringLiteral("Nothing selected"));
    if (lines.isEmpty() && key.isEmpty())
        lines << QStringLiteral("Click a producer, an event type, a consumer or an edge between "
                                "them to see what flows through it.");
    else if (snapshot_.since.isValid())
        lines << QString()
              << QStringLiteral("Totals count since the broker started (%1).")
                     .arg(readableTime(snapshot_.since));
    detail_->setText(lines.join(u'\n'));
    const bool filtered = !selectedFilter_.type.isEmpty() || !selectedFilter_.text.isEmpty();
    showEvents_->setEnabled(filtered);
    showEvents_->setVisible(!key.isEmpty());
    consumerDetails_->setVisible(!selectedConsumer_.isEmpty());
}

void FlowPage::describeNode(const FlowNode& node, QStringList& lines) {
    const FlowLayout& layout = view_->layoutData();
    const int self = layout.nodeIndex(node.key);
    QStringList others; // the nodes at the other ends of its edges
    for (const auto& edge : layout.edges)
        if (edge.from == self)
            others << layout.nodes.at(edge.to).name;
        else if (edge.to == self)
            others << layout.nodes.at(edge.from).name;
    switch (node.kind) {
    case FlowNode::Kind::Producer: {
        detailTitle_->setText(QStringLiteral("Producer %1").arg(node.name));
        qint64 published = 0, rejected = 0;
        double publishedRate = 0, rejectedRate = 0;
        QDateTime last;
        QString producer;
        for (const auto& p : snapshot_.producers) {
            if (u"producer:" + p.tenant + u'/' + p.producer != node.key)
                continue;
            producer = p.producer;
            published += p.published;
            rejected += p.rejected;
            publishedRate += p.publishedPerSecond;
            rejectedRate += p.rejectedPerSecond;
            last = later(last, p.lastAt);
        }
        const double inputs = publishedRate + rejectedRate;
        lines << QStringLiteral("Tenant: %1").arg(tenantOf(node.tenant))
              << QStringLiteral("Publishes: %1").arg(others.join(QStringLiteral(", ")))
              << QStringLiteral("Published: %1").arg(countAndRate(published, publishedRate))
              << QStringLiteral("Rejected: %1").arg(countAndRate(rejected, rejectedRate))
              << QStringLiteral("Rejected share of its inputs: %1")
                     .arg(formatRatio(inputs > 0 ? rejectedRate / inputs : 0));
        if (last.isValid())
            lines << QStringLiteral("Last input: %1").arg(readableTime(last));
        if (rejected > 0)
            lines << QStringLiteral(
                "Rejected inputs and their reasons are on the Quarantine page.");
        selectedFilter_.tenant = node.tenant;
        selectedFilter_.producer = producer;
        return;
    }
    case FlowNode::Kind::EventType: {
        detailTitle_->setText(QStringLiteral("Event type %1").arg(node.name));
        QStringList producers, consumers;
        qint64 published = 0, delivered = 0, failed = 0, dead = 0;
        double publishedRate = 0, deliveredRate = 0, failedRate = 0;
        for (const auto& p : snapshot_.producers)
            if (p.type == node.name) {
                producers << p.producer;
                published += p.published;
                publishedRate += p.publishedPerSecond;
            }
        for (const auto& c : snapshot_.consumers)
            if (c.type == node.name) {
                consumers << c.consumer;
                delivered += c.delivered;
                failed += c.failed;
                dead += c.deadLettered;
                deliveredRate += c.deliveredPerSecond;
                failedRate += c.failedPerSecond;
            }
        producers.removeDuplicates();
        lines << QStringLiteral("Published by: %1")
                     .arg(producers.isEmpty() ? QStringLiteral("nobody since the broker started")
                                              : producers.join(QStringLiteral(", ")))
              << QStringLiteral("Consumed by: %1")
                     .arg(consumers.isEmpty() ? QStringLiteral("no consumer yet")
                                              : consumers.join(QStringLiteral(", ")))
              << QStringLiteral("Published: %1").arg(countAndRate(published, publishedRate))
              << QStringLiteral("Delivered: %1").arg(countAndRate(delivered, deliveredRate))
              << QStringLiteral("Failed attempts: %1").arg(countAndRate(failed, failedRate))
              << QStringLiteral("Dead-lettered: %1 in total").arg(number(dead));
        selectedFilter_.type = node.name;
        return;
    }
    case FlowNode::Kind::Consumer: {
        detailTitle_->setText(QStringLiteral("Consumer %1").arg(node.name));
        qint64 delivered = 0, failed = 0, dead = 0;
        double deliveredRate = 0, failedRate = 0, deadRate = 0;
        QString lastError;
        QDateTime lastErrorAt, last;
        for (const auto& c : snapshot_.consumers) {
            if (c.consumer != node.name)
                continue;
            delivered += c.delivered;
            failed += c.failed;
            dead += c.deadLettered;
            deliveredRate += c.deliveredPerSecond;
            failedRate += c.failedPerSecond;
            deadRate += c.deadLetteredPerSecond;
            last = later(last, c.lastAt);
            if (!c.lastError.isEmpty() && later(lastErrorAt, c.lastAt) == c.lastAt) {
                lastError = c.lastError;
                lastErrorAt = c.lastAt;
            }
        }
        const double attempts = deliveredRate + failedRate;
        if (const auto condition = snapshot_.conditions.constFind(node.name);
            condition != snapshot_.conditions.cend())
            lines << QStringLiteral("State: %1").arg(wordOf(condition->state));
        lines << QStringLiteral("Consumes: %1")
                     .arg(others.isEmpty() ? QStringLiteral("nothing has reached it yet")
                                           : others.join(QStringLiteral(", ")))
              << QStringLiteral("Delivered: %1").arg(countAndRate(delivered, deliveredRate))
              << QStringLiteral("Failed attempts: %1").arg(countAndRate(failed, failedRate))
              << QStringLiteral("Dead-lettered: %1").arg(countAndRate(dead, deadRate))
              << QStringLiteral("Failed share of its attempts: %1")
                     .arg(formatRatio(attempts > 0 ? failedRate / attempts : 0));
        if (last.isValid())
            lines << QStringLiteral("Last delivery attempt: %1").arg(readableTime(last));
        if (!lastError.isEmpty())
            lines << QStringLiteral("Last error: %1").arg(lastError);
        if (others.size() == 1)
            selectedFilter_.type = others.first();
        else
            showEvents_->setToolTip(
                QStringLiteral("Pick one of this consumer's edges to see the events of its type"));
        selectedConsumer_ = node.name;
        return;
    }
    }
}

void FlowPage::describeEdge(const FlowEdge& edge, QStringList& lines) {
    const FlowLayout& layout = view_->layoutData();
    const FlowNode& from = layout.nodes.at(edge.from);
    const FlowNode& to = layout.nodes.at(edge.to);
    detailTitle_->setText(QStringLiteral("%1 → %2").arg(from.name, to.name));
    if (edge.kind == FlowEdge::Kind::Published) {
        const ProducerFlow& p = snapshot_.producers.at(edge.flow);
        lines
            << QStringLiteral("Producer %1 (tenant %2) publishes %3.")
                   .arg(p.producer, tenantOf(p.tenant), p.type)
            << QStringLiteral("Published: %1").arg(countAndRate(p.published, p.publishedPerSecond))
            << QStringLiteral("Rejected: %1").arg(countAndRate(p.rejected, p.rejectedPerSecond))
            << QStringLiteral("Rejected share of its inputs: %1").arg(formatRatio(edge.errorRatio));
        if (p.lastAt.isValid())
            lines << QStringLiteral("Last input: %1").arg(readableTime(p.lastAt));
        if (p.rejected > 0)
            lines << QStringLiteral(
                "Rejected inputs and their reasons are on the Quarantine page.");
        selectedFilter_.type = p.type;
        selectedFilter_.tenant = p.tenant;
        selectedFilter_.producer = p.producer;
        return;
    }
    const ConsumerFlow& c = snapshot_.consumers.at(edge.flow);
    lines << QStringLiteral("Consumer %1 receives %2.").arg(c.consumer, c.type);
    if (!to.badge.isEmpty())
        lines << QStringLiteral("Consumer state: %1").arg(to.badge);
    lines << QStringLiteral("Delivered: %1").arg(countAndRate(c.delivered, c.deliveredPerSecond))
          << QStringLiteral("Failed attempts: %1").arg(countAndRate(c.failed, c.failedPerSecond))
          << QStringLiteral("Dead-lettered: %1")
                 .arg(countAndRate(c.deadLettered, c.deadLetteredPerSecond))
          << QStringLiteral("Failed share of its attempts: %1").arg(formatRatio(c.errorRatio));
    if (c.lastAt.isValid())
        lines << QStringLiteral("Last delivery attempt: %1").arg(readableTime(c.lastAt));
    if (!c.lastError.isEmpty())
        lines << QStringLiteral("Last error: %1").arg(c.lastError);
    selectedFilter_.type = c.type;
    selectedConsumer_ = c.consumer;
}

} // namespace meshdeck::views
