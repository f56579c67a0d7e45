#pragma once
// What became of dead letters that were just sent again: each is followed
// until it is settled - delivered, or failed again and kept as a new dead
// letter whose parent_id is the one sent - or until it has been on its way
// for longer than is worth waiting for on screen (30 s).
//
// Use, once the broker has answered POST /v1/dead-letters/replay (or
// /{id}/replay):
//   auto* watcher = new ReplayOutcomeWatcher(session, replayedLetters, this);
//   connect(watcher, &ReplayOutcomeWatcher::progressed, label, &QLabel::setText); // optional
//   connect(watcher, &ReplayOutcomeWatcher::settled, this,
//           [](const QString& summary, const QList<ReplayOutcome>& outcomes) { ... });
//   watcher->start();
// The watcher deletes itself once it has emitted settled.

#include "core/protocol/dead_letter.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QTimer>
#include <chrono>
#include <optional>
#include <vector>

namespace meshdeck::views {

class MeshSession;

struct ReplayOutcome {
    enum class Kind { Pending, Delivered, FailedAgain };

    qint64 id = 0; // the letter sent again
    QString consumer;
    QString what; // "LeadScored acme/lead:L-1"
    Kind kind = Kind::Pending;
    std::optional<Timestamp> at; // delivered at, or dead again at
    qint64 newLetterId = 0;      // FailedAgain: the letter it became
    // FailedAgain: "HTTP 422 owner unknown"; Pending: how its last try went.
    QString reason;

    // "Dead letter 5 (LeadScored acme/lead:L-1 → crm): sent again → delivered at …".
    QString describe(bool stillWatching = false) const;
};

class ReplayOutcomeWatcher final : public QObject {
    Q_OBJECT

public:
    ReplayOutcomeWatcher(MeshSession& session, std::vector<DeadLetter> replayed,
                         QObject* parent = nullptr);

    void setPollInterval(std::chrono::milliseconds interval) { pollMs_ = interval; }
    void setPatience(std::chrono::milliseconds patience) { patience_ = patience; }
    void start();

    const QList<ReplayOutcome>& outcomes() const { return outcomes_; }
    // "Sending 2 letters again…" or "2 letters sent again: 1 delivered, 1 failed again.",
    // then a line per letter (those that failed again first), eight at most.
    QString summary(bool stillWatching) const;

Q_SIGNALS:
    void progressed(const QString& summary, const QList<meshdeck::views::ReplayOutcome>& outcomes);
    void settled(const QString& summary, const QList<meshdeck::views::ReplayOutcome>& outcomes);

private:
    void poll();
    void findNewLetters(const QString& consumer);
    void checkAttempts(int index);
    void roundAnswered();
    int pending() const;

    MeshSession& session_;
    std::vector<DeadLetter> replayed_;
    QList<ReplayOutcome> outcomes_;
    std::chrono::milliseconds pollMs_{1000};
    std::chrono::milliseconds patience_{30000};
    QElapsedTimer since_;
    QTimer next_;
    int awaited_ = 0;     // answers the current round still waits for
    int nextToCheck_ = 0; // where the next round's slice of attempt checks starts
};

} // namespace meshdeck::views
