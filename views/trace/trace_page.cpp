#include "views/trace/trace_page.h"

#include "core/protocol/stall.h"
#include "views/console/record_list_page.h"
#include "views/session/protocol_adapter.h"
#include "views/trace/waterfall.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace meshdeck::views {

namespace {

using protocol::TracedEvent;
using protocol::TracedOutcome;
using protocol::TracedResolution;
using protocol::TraceEntry;

void addNode(QTreeWidgetItem* parent, QTreeWidget* tree, const protocol::CausationNode& node) {
    const QStringList columns{toQString(node.eventType), toQString(node.eventId),
                              QString::number(node.seq)};
    auto* item = parent ? new QTreeWidgetItem(parent, columns) : new QTreeWidgetItem(tree, columns);
    for (const auto& child : node.caused)
        addNode(item, tree, child);
}

// The wire's word for a timeline row: "event", "attempt", "replay-attempt", "stale", ...
QString kindOf(const TraceEntry& entry) {
    struct Kind {
        QString operator()(const TracedEvent&) const { return QStringLiteral("event"); }
        QString operator()(const AttemptRecord& a) const {
            if (a.replay)
                return QStringLiteral("replay-attempt");
            return a.failureClass == delivery::FailureClass::Stale ? QStringLiteral("stale")
                                                                   : QStringLiteral("attempt");
        }
        QString operator()(const DeadLetter&) const { return QStringLiteral("dead-letter"); }
        QString operator()(const TracedResolution& r) const {
            return r.state == DeadLetterState::Replayed ? QStringLiteral("replay")
                                                        : QStringLiteral("discard");
        }
        QString operator()(const TracedOutcome&) const { return QStringLiteral("outcome"); }
    };
    return std::visit(Kind{}, entry);
}

// The entry's member through `get` when its kind has it, else "".
template <class T, class Get> QString ifIs(const TraceEntry& entry, Get get) {
    const auto* value = std::get_if<T>(&entry);
    return value ? get(*value) : QString();
}

// A member that only some kinds of row have, as text: `text` is a generic
// lambda whose return type fails to form for the kinds without it; those give "".
template <class Text> QString textOf(const TraceEntry& entry, Text text) {
    return std::visit(
        [&text](const auto& e) {
            if constexpr (std::is_invocable_v<Text, decltype(e)>)
                return text(e);
            else
                return QString();
        },
        entry);
}

QString consumerOf(const TraceEntry& entry) {
    return textOf(entry, [](const auto& e) -> decltype(toQString(e.consumer)) {
        return toQString(e.consumer);
    });
}

QString eventTypeOf(const TraceEntry& entry) {
    return textOf(entry, [](const auto& e) -> decltype(toQString(e.eventType)) {
        return toQString(e.eventType);
    });
}

QString errorOf(const TraceEntry& entry) {
    return textOf(entry,
                  [](const auto& e) -> decltype(toQString(e.error)) { return toQString(e.error); });
}

QString classOf(const TraceEntry& entry) {
    return textOf(entry, [](const auto& e) -> decltype(wordOf(e.failureClass)) {
        return wordOf(e.failureClass);
    });
}

} // namespace

TracePage::TracePage(MeshSession& session, QWidget* parent)
    : Page(session, parent), search_(new QLineEdit(this)), answer_(new QLabel(this)),
      outcomes_(new QLabel(this)),
      timeline_(new RowListModel<TraceEntry>(
          {{QStringLiteral("When"),
            [](const auto& e) {
                return timeText(protocol::entryTime(e));
            }},
           {QStringLiteral("What"), kindOf},
           {QStringLiteral("Consumer"), consumerOf},
           {QStringLiteral("Type"), eventTypeOf},
           {QStringLiteral("Event"),
            [](const auto& e) {
                return std::visit([](const auto& x) { return toQString(x.eventId); }, e);
            }},
           {QStringLiteral("Status"),
            [](const auto& e) {
                return ifIs<AttemptRecord>(e,
                                           [](const auto& a) { return QString::number(a.status); });
            }},
           {QStringLiteral("Class"), classOf},
           {QStringLiteral("Detail"), errorOf}},
          this)),
      table_(new QTableView(this)), waterfall_(new WaterfallWidget(this)),
      causation_(new QTreeWidget(this)) {
    setObjectName(QStringLiteral("tracePage"));
    search_->setObjectName(QStringLiteral("traceSearch"));
    answer_->setObjectName(QStringLiteral("stallAnswer"));
    outcomes_->setObjectName(QStringLiteral("traceOutcomes"));
    outcomes_->setWordWrap(true);
    outcomes_->setTextFormat(Qt::PlainText);
    outcomes_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    outcomes_->hide();
    search_->setPlaceholderText(
        QStringLiteral("Correlation id, or an entity as kind:id (lead:L-1042) — Enter"));
    search_->setClearButtonEnabled(true);
    answer_->setWordWrap(true);
    answer_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    answer_->setText(QStringLiteral("Where did it stall? Give a correlation id or an entity."));
    QFont big = answer_->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    answer_->setFont(big);

    setUpRecordTable(table_, timeline_, QAbstractItemView::ExtendedSelection);
    causation_->setHeaderLabels(
        {QStringLiteral("Causation"), QStringLiteral("Event id"), QStringLiteral("Seq")});
    causation_->setObjectName(QStringLiteral("causationTree"));

    auto* go = new QPushButton(QStringLiteral("Trace"), this);
    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Trace</b>"), this));
    header->addWidget(search_, 1);
    header->addWidget(go);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(waterfall_);
    splitter->addWidget(table_);
    splitter->addWidget(causation_);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(answer_);
    layout->addWidget(outcomes_);
    layout->addWidget(splitter, 1);

    connect(search_, &QLineEdit::returnPressed, this, [this] { trace(search_->text().trimmed()); });
    connect(go, &QPushButton::clicked, this, [this] { trace(search_->text().trimmed()); });
}

QIcon TracePage::icon() const {
    return bundledIcon(this, QStringLiteral("trace"), QStyle::SP_FileDialogDetailedView);
}

void TracePage::activate() {
    if (!search_->text().trimmed().isEmpty())
        trace(search_->text().trimmed());
}

void TracePage::focusSearch() {
    search_->setFocus();
    search_->selectAll();
}

QString TracePage::answer() const {
    return answer_->text();
}

QString TracePage::outcomes() const {
    return outcomes_->text();
}

// "crm reported {"owner":"u-17"} 1.3 s after the journey began: within its 5 s SLO."
void TracePage::showOutcomes(const std::vector<TraceEntry>& timeline) {
    const auto seconds = [](double ms) {
        return ms < 1000 ? QStringLiteral("%1 ms").arg(ms, 0, 'f', 0)
                         : QStringLiteral("%1 s").arg(ms / 1000, 0, 'f', 1);
    };
    QStringList lines;
    for (const auto& entry : timeline) {
        const auto* outcome = std::get_if<TracedOutcome>(&entry);
        if (!outcome)
            continue;
        // The outcome as the console has always shown it: compact, keys sorted.
        const QJsonObject reported =
            QJsonDocument::fromJson(QByteArray::fromStdString(outcome->outcomeJson)).object();
        QString line =
            QStringLiteral("%1 reported %2 %3 after the journey began")
                .arg(toQString(outcome->consumer),
                     QString::fromUtf8(QJsonDocument(reported).toJson(QJsonDocument::Compact)),
                     seconds(static_cast<double>(outcome->latencyMs)));
        if (outcome->sloTargetMs)
            line += QStringLiteral(": %1 its %2 SLO.")
                        .arg(outcome->sloMet.value_or(false) ? QStringLiteral("within")
                                                             : QStringLiteral("OVER"),
                             seconds(static_cast<double>(*outcome->sloTargetMs)));
        else
            line += QStringLiteral(" (its consumer sets no SLO target).");
        lines << line;
    }
    outcomes_->setText(lines.join(u'\n'));
    outcomes_->setVisible(!lines.isEmpty());
}

void TracePage::showAnswer() {
    answer_->setText(traceError_.isEmpty()
                         ? stallText_
                         : stallText_ + QStringLiteral("\nTrace: ") + traceError_);
}

void TracePage::trace(const QString& subject) {
    if (subject.isEmpty())
        return;
    search_->setText(subject);
    const quint64 generation = ++generation_;
    // "kind:id" with no spaces reads as an entity; anything else is a correlation id.
    const bool entity = subject.count(u':') == 1 && !subject.contains(u' ') &&
                        !subject.startsWith(u':') && !subject.endsWith(u':');
    const QString encoded = QString::fromUtf8(QUrl::toPercentEncoding(subject));
    stallText_ = QStringLiteral("Looking…");
    traceError_.clear();
    showAnswer();
    getAnswer<protocol::StallAnswer>(
        session(),
        QStringLiteral("/v1/stall?%1=%2")
            .arg(entity ? QStringLiteral("entity") : QStringLiteral("correlation_id"), encoded),
        this, [this, generation](const Answer<protocol::StallAnswer>& stall) {
            if (generation != generation_)
                return;
            stallText_ = stall ? toQString(stall->answer) : stall.error;
            showAnswer();
        });
    timeline_->setRows(std::vector<TraceEntry>());
    showOutcomes({});
    waterfall_->setLayoutData({});
    causation_->clear();
    if (entity)
        return; // a trace is by correlation id; the stall answer covers an entity
    session().get(
        QStringLiteral("/v1/traces/") + encoded, this, [this, generation](const MeshReply& reply) {
            if (generation != generation_ || !reply.ok())
                return; // no trace: the stall answer says why
            const Answer<protocol::Trace> trace = decodeAnswer<protocol::Trace>(reply.body);
            if (!trace) {
                traceError_ = trace.error;
                showAnswer();
                return;
            }
            showOutcomes(trace->timeline);
            timeline_->setRows(trace->timeline);
            waterfall_->setLayoutData(layoutWaterfall(trace->timeline));
            table_->resizeColumnsToContents();
            for (int c = 0; c + 1 < timeline_->columnCount(); ++c)
                table_->setColumnWidth(c, std::min(table_->columnWidth(c), 280));
            for (const auto& root : trace->causation)
                addNode(nullptr, causation_, root);
            causation_->expandAll();
            causation_->resizeColumnToContents(0);
        });
}

} // namespace meshdeck::views
