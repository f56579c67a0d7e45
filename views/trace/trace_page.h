#pragma once
// Trace: from any id to a verdict. The main window's search (Ctrl+K) lands
// here: GET /v1/search says what the id is - an entity, a correlation id, an
// event, a vendor's item, a dead letter - and lists the matches when it is
// more than one thing. The chosen subject gets the verdict (what happened,
// why in the receiver's words, what to do, with the actions it allows:
// Replay with a preview, Edit and replay, the dead letter, the consumer, the
// entity's events), and below it each journey (correlation id) of the
// subject: the waterfall of attempts per consumer, the timeline and the
// causation tree. A replay's outcome stays on screen until dismissed.

#include "core/protocol/dead_letter.h"
#include "core/protocol/search.h"
#include "core/protocol/stall.h"
#include "core/protocol/trace.h"
#include "views/console/page.h"
#include "views/console/row_list_model.h"
#include "views/trace/verdict.h"

#include <QMap>
#include <QPointer>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QTableView;
class QTreeWidget;

namespace meshdeck::views {

class VerdictPanel;
class WaterfallWidget;

// What the page shows: an entity with its journeys, or one journey.
struct TraceSubject {
    QString tenant;        // "" when the token's own
    QString entity;        // "lead:L-1076" for an entity
    QString correlationId; // for a journey
    QStringList journeys;  // the correlation ids to show, newest first
    QString focusEventId;  // an event searched by its id (or a vendor's)
    QString label;         // what it is, in one line

    bool isEntity() const { return !entity.isEmpty(); }
};

// One line per match for the chooser; and the subject a match opens.
QString describeMatch(const protocol::SearchMatch& match);
TraceSubject subjectOf(const protocol::SearchMatch& match);

class TracePage final : public Page {
    Q_OBJECT

public:
    explicit TracePage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Trace"); }
    QIcon icon() const override;
    void activate() override;

    // Any id, as a person has it: "L-1076", an event id, "dl-9", "lead:L-1".
    void search(const QString& query);
    // A known subject: "journey-42" (a correlation id) or "lead:L-1042" (an entity).
    void trace(const QString& subject);
    void open(const TraceSubject& subject);

    // The broker's stall answer as it wrote it (and why the trace could not be read).
    QString answer() const;
    // Each business outcome of the journey, its latency and its SLO verdict.
    QString outcomes() const;
    VerdictPanel* verdict() const { return verdict_; }
    QListWidget* matches() const { return matches_; }
    QComboBox* journeys() const { return journeys_; }
    const TraceSubject& subject() const { return subject_; }
    // "meshdeck://trace/lead%3AL-1076?tenant=acme": opens the console on this subject.
    QString link() const;
    RowListModel<protocol::TraceEntry>* timeline() const { return timeline_; }
    QTreeWidget* causation() const { return causation_; }
    WaterfallWidget* waterfall() const { return waterfall_; }

    // Replay the verdict's dead letter: the preview first (skipped with
    // confirmations off, in tests), then the outcome on the verdict.
    void replay();
    void setConfirmations(bool on) { confirm_ = on; }

Q_SIGNALS:
    void consumerRequested(const QString& consumer);
    void deadLetterRequested(qint64 id, const QString& consumer);
    void editRequested(qint64 id, const QString& consumer);
    void eventsRequested(const QString& entity, const QString& tenant);
    void quarantineRequested();

private:
    void showChoices(const protocol::SearchAnswer& answer);
    void loadJourney(const QString& correlationId, quint64 generation);
    void showJourney(const QString& correlationId);
    void showOutcomes(const std::vector<protocol::TraceEntry>& timeline);
    void renderVerdict();
    void act(VerdictAction action);
    void sendReplay(const DeadLetter& letter);
    // The same subject again, fresh: by the same search when it came from
    // one (so its counts are new too).
    void refresh();

    QLabel* subjectLabel_;
    QPushButton* copyLink_;
    QListWidget* matches_;
    VerdictPanel* verdict_;
    QLabel* outcomes_;
    QComboBox* journeys_;
    RowListModel<protocol::TraceEntry>* timeline_;
    QTableView* table_;
    WaterfallWidget* waterfall_;
    QTreeWidget* causation_;

    std::vector<TraceSubject> choices_; // one per row of matches_
    TraceSubject subject_;
    QString query_;               // what was searched last
    bool openedBySearch_ = false; // subject_ is query_'s only match
    std::optional<protocol::StallAnswer> stall_;
    QString stallError_, traceError_;
    QMap<QString, protocol::Trace> traces_; // by correlation id
    std::optional<protocol::DeadLetterDetail> letter_;
    Verdict shown_;
    quint64 generation_ = 0;
    bool confirm_ = true;
};

} // namespace meshdeck::views
