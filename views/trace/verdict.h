#pragma once
// The stall answer written for the person on support duty: what happened,
// to which consumer, why in the receiver's own words, and what to do - with
// the actions the situation allows. The broker's answer (GET /v1/stall)
// names events by UUID and seq and quotes errors raw; that stays behind
// "Details". Pure: composed from the answers, no widgets, no requests.

#include "core/protocol/dead_letter.h"
#include "core/protocol/stall.h"

#include <QFlags>
#include <QHash>
#include <QString>
#include <optional>

namespace meshdeck::views {

// How the verdict reads at a glance (its colour).
enum class VerdictTone {
    Settled,   // delivered everywhere: nothing to do
    OnItsWay,  // queued, in flight, waiting for an earlier version
    Attention, // retrying, paused, no subscriber, circuit open: may need a hand
    Failed,    // dead-lettered, blocked, rejected: needs a person
    Unknown,   // nothing received, or no consumer takes it
};

enum class VerdictAction {
    Replay = 0x01,
    EditAndReplay = 0x02,
    OpenDeadLetter = 0x04,
    OpenConsumer = 0x08,
    ShowEvents = 0x10,
    OpenQuarantine = 0x20,
};
Q_DECLARE_FLAGS(VerdictActions, VerdictAction)
Q_DECLARE_OPERATORS_FOR_FLAGS(VerdictActions)

struct Verdict {
    VerdictTone tone = VerdictTone::Unknown;
    QString headline; // "crm refused LeadAssigned of lead:L-1076"
    QString story;    // what happened, with the receiver's words
    QString advice;   // what to do now
    VerdictActions actions;
    QString consumer;           // the one the headline is about
    qint64 deadLetterId = 0;    // the open letter to act on (0: none)
    QString entity;             // "lead:L-1076", for Show events
    bool likelyToRecur = false; // replaying unchanged will most likely fail again
};

// What the console learned besides the stall answer.
struct VerdictContext {
    QString subject;                     // what was searched, as the person typed it
    QHash<QString, QString> eventTypes;  // event id -> type, from the journeys' traces
    QHash<QString, QString> eventEntity; // event id -> "kind:id"
    std::optional<protocol::DeadLetterDetail>
        letter;           // the headline's dead letter with its attempts
    QString receiverSaid; // the receiver's words for that letter ("" unknown)
};

Verdict composeVerdict(const protocol::StallAnswer& answer, const VerdictContext& context);

// The finding an operator should act on first: the most urgent; nullptr when none.
const StallFinding* headlineFinding(const protocol::StallAnswer& answer);

} // namespace meshdeck::views
