#include "views/trace/trace_page.h"

#include "views/console/record_list_page.h"
#include "views/dlq/replay_outcome.h"
#include "views/dlq/replay_preview.h"
#include "views/session/protocol_adapter.h"
#include "views/trace/verdict_panel.h"
#include "views/trace/waterfall.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTreeWidget>
#include <QUrl>
#include <QUrlQuery>
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

QString encoded(const QString& text) {
    return QString::fromUtf8(QUrl::toPercentEncoding(text));
}

QString entityOf(const protocol::FoundEvent& e) {
    return toQString(e.entityKind) + u':' + toQString(e.entityId);
}

// "LeadAssigned of lead:L-1076 in acme (journey c-7)".
QString eventLine(const protocol::FoundEvent& e) {
    return QStringLiteral("%1 of %2 in %3, %4 (journey %5)")
        .arg(toQString(e.eventType), entityOf(e), toQString(e.tenant), timeText(e.occurredAt),
             toQString(e.correlationId));
}

QString countText(std::int64_t n, bool more, const char* what) {
    return QStringLiteral("%1%2 %3").arg(n).arg(more ? QStringLiteral("+") : QString(),
                                                QLatin1String(what));
}

// The broker's words: the answer, then each finding.
QString detailsOf(const protocol::StallAnswer& stall) {
    QStringList lines{toQString(stall.answer)};
    for (const auto& f : stall.evidence)
        lines << QStringLiteral("• %1 — %2: %3")
                     .arg(toQString(f.consumer), wordOf(f.state), toQString(f.sentence));
    return lines.join(u'\n');
}

} // namespace

QString describeMatch(const protocol::SearchMatch& match) {
    struct Describe {
        QString operator()(const protocol::EventMatch& m) const {
            return QStringLiteral("Event: ") + eventLine(m.event);
        }
        QString operator()(const protocol::VendorMatch& m) const {
            return QStringLiteral("%1 item %2 → ").arg(toQString(m.source), toQString(m.vendorId)) +
                   eventLine(m.event);
        }
        QString operator()(const protocol::EntityMatch& m) const {
            QString line =
                QStringLiteral("Entity %1:%2 in %3 — %4, last %5 at %6")
                    .arg(toQString(m.entityKind), toQString(m.entityId), toQString(m.tenant),
                         countText(m.span.events, m.span.eventsMore, "events"),
                         toQString(m.lastEventType), timeText(m.span.lastOccurredAt));
            if (m.openDeadLetters > 0)
                line += QStringLiteral(", %1").arg(
                    countText(m.openDeadLetters, m.openDeadLettersMore, "open dead letter(s)"));
            return line;
        }
        QString operator()(const protocol::CorrelationMatch& m) const {
            QStringList entities;
            for (const auto& e : m.entities)
                entities << toQString(e.kind) + u':' + toQString(e.id);
            return QStringLiteral("Journey (correlation id) %1 — %2 of %3, from %4")
                .arg(toQString(m.correlationId),
                     countText(m.span.events, m.span.eventsMore, "events"),
                     entities.join(QStringLiteral(", ")), timeText(m.span.firstOccurredAt));
        }
        QString operator()(const protocol::DeadLetterMatch& m) const {
            return QStringLiteral("Dead letter %1 (%2) — %3 of %4:%5 for %6: %7")
                .arg(m.id)
                .arg(wordOf(m.state), toQString(m.eventType), toQString(m.entityKind),
                     toQString(m.entityId), toQString(m.consumer), toQString(m.error));
        }
    };
    return std::visit(Describe{}, match);
}

TraceSubject subjectOf(const protocol::SearchMatch& match) {
    struct Subject {
        TraceSubject journeyOf(const protocol::FoundEvent& e) const {
            TraceSubject s;
            s.tenant = toQString(e.tenant);
            s.correlationId = toQString(e.correlationId);
            s.journeys = {s.correlationId};
            s.focusEventId = toQString(e.eventId);
            return s;
        }
        TraceSubject operator()(const protocol::EventMatch& m) const { return journeyOf(m.event); }
        TraceSubject operator()(const protocol::VendorMatch& m) const { return journeyOf(m.event); }
        TraceSubject operator()(const protocol::EntityMatch& m) const {
            TraceSubject s;
            s.tenant = toQString(m.tenant);
            s.entity = toQString(m.entityKind) + u':' + toQString(m.entityId);
            for (const auto& id : m.correlationIds)
                s.journeys << toQString(id);
            return s;
        }
        TraceSubject operator()(const protocol::CorrelationMatch& m) const {
            TraceSubject s;
            s.tenant = m.tenants.size() == 1 ? toQString(m.tenants.front()) : QString();
            s.correlationId = toQString(m.correlationId);
            s.journeys = {s.correlationId};
            return s;
        }
        TraceSubject operator()(const protocol::DeadLetterMatch& m) const {
            TraceSubject s;
            s.tenant = toQString(m.tenant);
            s.correlationId = toQString(m.correlationId);
            s.journeys = {s.correlationId};
            s.focusEventId = toQString(m.eventId);
            return s;
        }
    };
    TraceSubject subject = std::visit(Subject{}, match);
    subject.label = describeMatch(match);
    return subject;
}

TracePage::TracePage(MeshSession& session, QWidget* parent)
    : Page(session, parent), subjectLabel_(new QLabel(this)),
      copyLink_(new QPushButton(QStringLiteral("Copy link"), this)),
      matches_(new QListWidget(this)), verdict_(new VerdictPanel(this)),
      outcomes_(new QLabel(this)), journeys_(new QComboBox(this)),
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
    subjectLabel_->setObjectName(QStringLiteral("traceSubject"));
    subjectLabel_->setWordWrap(true);
    subjectLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    subjectLabel_->setText(QStringLiteral(
        "Search any id in the bar above (Ctrl+K): an entity such as L-1076, a correlation id, "
        "an event id, a vendor's id, or a dead letter number."));
    copyLink_->setObjectName(QStringLiteral("traceCopyLink"));
    copyLink_->setToolTip(QStringLiteral("Copy a meshdeck:// link that opens the console here"));
    copyLink_->setEnabled(false);
    matches_->setObjectName(QStringLiteral("traceMatches"));
    matches_->hide();
    outcomes_->setObjectName(QStringLiteral("traceOutcomes"));
    outcomes_->setWordWrap(true);
    outcomes_->setTextFormat(Qt::PlainText);
    outcomes_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    outcomes_->hide();
    journeys_->setObjectName(QStringLiteral("traceJourneys"));
    journeys_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    journeys_->setMinimumContentsLength(24);
    verdict_->showMessage(VerdictTone::Unknown, QStringLiteral("Where did it stall?"),
                          QStringLiteral("Give any id: the verdict, and what to do, comes here."));

    setUpRecordTable(table_, timeline_, QAbstractItemView::ExtendedSelection);
    causation_->setHeaderLabels(
        {QStringLiteral("Causation"), QStringLiteral("Event id"), QStringLiteral("Seq")});
    causation_->setObjectName(QStringLiteral("causationTree"));

    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Trace</b>"), this));
    header->addWidget(subjectLabel_, 1);
    header->addWidget(copyLink_);
    auto* journeyRow = new QHBoxLayout;
    journeyRow->addWidget(new QLabel(QStringLiteral("Journey:"), this));
    journeyRow->addWidget(journeys_, 1);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(waterfall_);
    splitter->addWidget(table_);
    splitter->addWidget(causation_);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(matches_);
    layout->addWidget(verdict_);
    layout->addWidget(outcomes_);
    layout->addLayout(journeyRow);
    layout->addWidget(splitter, 1);

    connect(matches_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        const int row = matches_->row(item);
        if (row >= 0 && row < static_cast<int>(choices_.size()))
            open(choices_[static_cast<std::size_t>(row)]);
    });
    connect(journeys_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index >= 0)
            showJourney(journeys_->itemData(index).toString());
    });
    connect(verdict_, &VerdictPanel::actionTriggered, this, &TracePage::act);
    // UTC or local time: the verdict and the journey are written again.
    connect(&TimeDisplay::instance(), &TimeDisplay::changed, this, [this] { renderVerdict(); });
    connect(copyLink_, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(link());
        copyLink_->setText(QStringLiteral("Link copied"));
    });
}

QIcon TracePage::icon() const {
    return bundledIcon(this, QStringLiteral("trace"), QStyle::SP_FileDialogDetailedView);
}

void TracePage::activate() {
    refresh(); // shown again (a chooser stays as it was)
}

void TracePage::refresh() {
    if (openedBySearch_)
        return search(query_);
    if (subject_.isEntity() || !subject_.correlationId.isEmpty())
        open(subject_);
}

QString TracePage::answer() const {
    const QString said = stall_ ? toQString(stall_->answer) : stallError_;
    return traceError_.isEmpty() ? said : said + QStringLiteral("\nTrace: ") + traceError_;
}

QString TracePage::outcomes() const {
    return outcomes_->text();
}

QString TracePage::link() const {
    if (!subject_.isEntity() && subject_.correlationId.isEmpty())
        return {};
    QUrl url;
    url.setScheme(QStringLiteral("meshdeck"));
    url.setHost(QStringLiteral("trace"));
    url.setPath(u'/' + (subject_.isEntity() ? subject_.entity : subject_.correlationId));
    if (!subject_.tenant.isEmpty())
        url.setQuery(QStringLiteral("tenant=") + encoded(subject_.tenant));
    return url.toString(QUrl::FullyEncoded);
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

void TracePage::search(const QString& query) {
    const QString q = query.trimmed();
    if (q.isEmpty())
        return;
    query_ = q;
    const quint64 generation = ++generation_;
    matches_->hide();
    subjectLabel_->setText(QStringLiteral("“%1”").arg(q));
    verdict_->showMessage(VerdictTone::OnItsWay, QStringLiteral("Looking up “%1”…").arg(q), {});
    getAnswer<protocol::SearchAnswer>(
        session(), QStringLiteral("/v1/search?limit=20&q=") + encoded(q), this,
        [this, generation, q](const Answer<protocol::SearchAnswer>& found) {
            if (generation != generation_)
                return;
            if (!found) {
                verdict_->showMessage(VerdictTone::Unknown,
                                      QStringLiteral("The search for “%1” failed").arg(q),
                                      found.error);
                return;
            }
            if (found->matches.empty()) {
                verdict_->showMessage(VerdictTone::Unknown,
                                      QStringLiteral("Nothing matches “%1”").arg(q),
                                      toQString(found->hint));
                return;
            }
            if (found->matches.size() == 1) {
                open(subjectOf(found->matches.front()));
                openedBySearch_ = true;
                return;
            }
            showChoices(*found);
        });
}

void TracePage::showChoices(const protocol::SearchAnswer& answer) {
    choices_.clear();
    matches_->clear();
    for (const auto& match : answer.matches) {
        choices_.push_back(subjectOf(match));
        matches_->addItem(describeMatch(match));
    }
    matches_->setMaximumHeight(matches_->sizeHintForRow(0) * std::min(6, matches_->count()) +
                               2 * matches_->frameWidth() + 4);
    matches_->show();
    matches_->setCurrentRow(0);
    verdict_->showMessage(
        VerdictTone::Unknown,
        QStringLiteral("“%1” is %2 things").arg(toQString(answer.query)).arg(answer.matches.size()),
        QStringLiteral("Choose one above (double-click or Enter)%1.")
            .arg(answer.truncated ? QStringLiteral("; more matched than are listed") : QString()));
}

void TracePage::trace(const QString& subject) {
    const QString s = subject.trimmed();
    if (s.isEmpty())
        return;
    // "kind:id" with no spaces reads as an entity; anything else is a correlation id.
    TraceSubject t;
    if (s.count(u':') == 1 && !s.contains(u' ') && !s.startsWith(u':') && !s.endsWith(u':'))
        t.entity = s;
    else {
        t.correlationId = s;
        t.journeys = {s};
    }
    matches_->hide();
    open(t);
}

void TracePage::open(const TraceSubject& subject) {
    const quint64 generation = ++generation_;
    openedBySearch_ = false;
    subject_ = subject;
    stall_.reset();
    stallError_.clear();
    traceError_.clear();
    traces_.clear();
    letter_.reset();
    journeys_->clear();
    timeline_->setRows(std::vector<TraceEntry>());
    showOutcomes({});
    waterfall_->setLayoutData({});
    causation_->clear();
    copyLink_->setEnabled(true);
    copyLink_->setText(QStringLiteral("Copy link"));
    const QString what = subject.isEntity() ? subject.entity : subject.correlationId;
    subjectLabel_->setText(subject.label.isEmpty() ? what : subject.label);
    if (!matches_->isVisible())
        verdict_->showMessage(VerdictTone::OnItsWay, QStringLiteral("Looking at %1…").arg(what),
                              {});

    QUrlQuery query;
    query.addQueryItem(subject.isEntity() ? QStringLiteral("entity")
                                          : QStringLiteral("correlation_id"),
                       encoded(what));
    if (!subject.tenant.isEmpty() && session().tenant() == QLatin1String("*"))
        query.addQueryItem(QStringLiteral("tenant"), encoded(subject.tenant));
    getAnswer<protocol::StallAnswer>(
        session(), QStringLiteral("/v1/stall?") + query.toString(QUrl::FullyEncoded), this,
        [this, generation](const Answer<protocol::StallAnswer>& stall) {
            if (generation != generation_)
                return;
            if (!stall) {
                stallError_ = stall.error;
                verdict_->showMessage(VerdictTone::Unknown,
                                      QStringLiteral("The broker's verdict could not be read"),
                                      stall.error);
                return;
            }
            stall_ = *stall;
            renderVerdict();
            // The headline's letter, for the receiver's words and the replay preview.
            const StallFinding* headline = headlineFinding(*stall_);
            const StallFinding* withLetter =
                headline && headline->deadLetterId ? headline : nullptr;
            for (const auto& f : stall_->evidence)
                if (!withLetter && headline && f.consumer == headline->consumer && f.deadLetterId)
                    withLetter = &f;
            if (!withLetter)
                return;
            getAnswer<protocol::DeadLetterDetail>(
                session(), QStringLiteral("/v1/dead-letters/%1").arg(*withLetter->deadLetterId),
                this, [this, generation](const Answer<protocol::DeadLetterDetail>& detail) {
                    if (generation != generation_ || !detail)
                        return;
                    letter_ = *detail;
                    renderVerdict();
                });
        });
    if (subject.isEntity() && subject.journeys.isEmpty()) {
        // Given as kind:id: its journeys are the correlation ids search knows for it.
        getAnswer<protocol::SearchAnswer>(
            session(), QStringLiteral("/v1/search?limit=20&q=") + encoded(subject.entity), this,
            [this, generation](const Answer<protocol::SearchAnswer>& found) {
                if (generation != generation_ || !found)
                    return;
                for (const auto& match : found->matches)
                    if (const auto* entity = std::get_if<protocol::EntityMatch>(&match)) {
                        subject_.journeys = subjectOf(match).journeys;
                        if (subject_.tenant.isEmpty())
                            subject_.tenant = toQString(entity->tenant);
                        for (const QString& journey : subject_.journeys)
                            loadJourney(journey, generation);
                        return;
                    }
            });
    }
    for (const QString& journey : subject.journeys)
        loadJourney(journey, generation);
}

void TracePage::loadJourney(const QString& correlationId, quint64 generation) {
    session().get(QStringLiteral("/v1/traces/") + encoded(correlationId), this,
                  [this, generation, correlationId](const MeshReply& reply) {
                      if (generation != generation_ || !reply.ok())
                          return; // no trace: the verdict says why
                      const Answer<protocol::Trace> trace =
                          decodeAnswer<protocol::Trace>(reply.body);
                      if (!trace) {
                          traceError_ = trace.error;
                          renderVerdict();
                          return;
                      }
                      traces_.insert(correlationId, *trace);
                      // The combo lists the journeys in the subject's order as they arrive.
                      const QString label =
                          QStringLiteral("%1 — %2 event(s), %3")
                              .arg(correlationId)
                              .arg(trace->events)
                              .arg(trace->timeline.empty()
                                       ? QString()
                                       : timeText(protocol::entryTime(trace->timeline.front())));
                      int at = 0;
                      const int order = static_cast<int>(subject_.journeys.indexOf(correlationId));
                      while (at < journeys_->count() &&
                             subject_.journeys.indexOf(journeys_->itemData(at).toString()) < order)
                          ++at;
                      const QSignalBlocker quiet(journeys_);
                      journeys_->insertItem(at, label, correlationId);
                      renderVerdict();
                  });
}

void TracePage::showJourney(const QString& correlationId) {
    const auto it = traces_.constFind(correlationId);
    if (it == traces_.cend())
        return;
    const protocol::Trace& trace = *it;
    showOutcomes(trace.timeline);
    timeline_->setRows(trace.timeline);
    waterfall_->setLayoutData(layoutWaterfall(trace.timeline));
    table_->resizeColumnsToContents();
    for (int c = 0; c + 1 < timeline_->columnCount(); ++c)
        table_->setColumnWidth(c, std::min(table_->columnWidth(c), 280));
    causation_->clear();
    for (const auto& root : trace.causation)
        addNode(nullptr, causation_, root);
    causation_->expandAll();
    causation_->resizeColumnToContents(0);
}

void TracePage::renderVerdict() {
    VerdictContext context;
    context.subject = subject_.isEntity() ? subject_.entity : subject_.correlationId;
    for (const protocol::Trace& trace : std::as_const(traces_))
        for (const auto& entry : trace.timeline)
            if (const auto* e = std::get_if<TracedEvent>(&entry)) {
                context.eventTypes.insert(toQString(e->eventId), toQString(e->eventType));
                context.eventEntity.insert(toQString(e->eventId), toQString(e->entity));
            }
    context.letter = letter_;
    if (letter_)
        context.receiverSaid = receiverReason(letter_->letter);
    if (stall_) {
        shown_ = composeVerdict(*stall_, context);
        verdict_->showVerdict(shown_,
                              traceError_.isEmpty()
                                  ? detailsOf(*stall_)
                                  : detailsOf(*stall_) + QStringLiteral("\nTrace: ") + traceError_);
    }
    // The journey to show first: the one with the event the verdict (or the
    // search) is about; else the newest.
    if (journeys_->count() == 0)
        return;
    QString wanted = subject_.focusEventId;
    if (stall_)
        if (const StallFinding* f = headlineFinding(*stall_))
            wanted = toQString(f->eventId);
    int index = 0;
    for (int i = 0; i < journeys_->count(); ++i)
        if (context.eventTypes.contains(wanted) &&
            std::any_of(traces_[journeys_->itemData(i).toString()].timeline.begin(),
                        traces_[journeys_->itemData(i).toString()].timeline.end(),
                        [&wanted](const TraceEntry& entry) {
                            const auto* e = std::get_if<TracedEvent>(&entry);
                            return e && toQString(e->eventId) == wanted;
                        }))
            index = i;
    if (journeys_->currentIndex() != index)
        journeys_->setCurrentIndex(index); // shows it through currentIndexChanged
    else
        showJourney(journeys_->itemData(index).toString());
}

void TracePage::act(VerdictAction action) {
    switch (action) {
    case VerdictAction::Replay:
        return replay();
    case VerdictAction::EditAndReplay:
        return Q_EMIT editRequested(shown_.deadLetterId, shown_.consumer);
    case VerdictAction::OpenDeadLetter:
        return Q_EMIT deadLetterRequested(shown_.deadLetterId, shown_.consumer);
    case VerdictAction::OpenConsumer:
        return Q_EMIT consumerRequested(shown_.consumer);
    case VerdictAction::ShowEvents:
        return Q_EMIT eventsRequested(shown_.entity, subject_.tenant);
    case VerdictAction::OpenQuarantine:
        return Q_EMIT quarantineRequested();
    }
}

void TracePage::replay() {
    if (shown_.deadLetterId == 0)
        return;
    if (!letter_ || letter_->letter.id != shown_.deadLetterId) {
        // Clicked before the letter's detail came: fetch it, then go on.
        const qint64 id = shown_.deadLetterId;
        getAnswer<protocol::DeadLetterDetail>(
            session(), QStringLiteral("/v1/dead-letters/%1").arg(id), this,
            [this, id](const Answer<protocol::DeadLetterDetail>& detail) {
                if (!detail) {
                    verdict_->showResult(VerdictTone::Failed, detail.error);
                    return;
                }
                if (id != shown_.deadLetterId)
                    return; // the verdict moved on meanwhile
                letter_ = *detail;
                replay();
            });
        return;
    }
    const DeadLetter letter = letter_->letter;
    if (!confirm_)
        return sendReplay(letter);
    auto* preview = new ReplayPreviewDialog({letter}, this);
    preview->setObjectName(QStringLiteral("traceReplayPreview"));
    preview->setAttribute(Qt::WA_DeleteOnClose);
    preview->checkCircuits(session());
    connect(preview, &ReplayPreviewDialog::replayRequested, this,
            [this, letter] { sendReplay(letter); });
    connect(preview, &ReplayPreviewDialog::editRequested, this,
            [this, consumer = toQString(letter.consumer)](qint64 id) {
                Q_EMIT editRequested(id, consumer);
            });
    preview->open();
}

void TracePage::sendReplay(const DeadLetter& letter) {
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/v1/dead-letters/replay");
    request.body = QJsonDocument(QJsonObject{{QStringLiteral("ids"),
                                              QJsonArray{static_cast<qint64>(letter.id)}}})
                       .toJson(QJsonDocument::Compact);
    verdict_->showResult(VerdictTone::OnItsWay,
                         QStringLiteral("Sending dead letter %1 again…").arg(letter.id));
    session().request(request, this, [this, letter](const MeshReply& reply) {
        if (!reply.ok()) {
            verdict_->showResult(VerdictTone::Failed,
                                 QStringLiteral("Not sent again: %1").arg(reply.describe()));
            return;
        }
        auto* watcher = new ReplayOutcomeWatcher(session(), {letter}, this);
        connect(watcher, &ReplayOutcomeWatcher::progressed, this, [this](const QString& summary) {
            verdict_->showResult(VerdictTone::OnItsWay, summary);
        });
        connect(watcher, &ReplayOutcomeWatcher::settled, this,
                [this](const QString& summary, const QList<ReplayOutcome>& outcomes) {
                    const bool delivered =
                        std::all_of(outcomes.begin(), outcomes.end(), [](const ReplayOutcome& o) {
                            return o.kind == ReplayOutcome::Kind::Delivered;
                        });
                    const bool failed =
                        std::any_of(outcomes.begin(), outcomes.end(), [](const ReplayOutcome& o) {
                            return o.kind == ReplayOutcome::Kind::FailedAgain;
                        });
                    verdict_->showResult(delivered ? VerdictTone::Settled
                                         : failed  ? VerdictTone::Failed
                                                   : VerdictTone::OnItsWay,
                                         summary);
                    refresh(); // the views follow; the result stays
                });
        watcher->start();
    });
}

} // namespace meshdeck::views
