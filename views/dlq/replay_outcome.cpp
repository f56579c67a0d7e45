#include "views/dlq/replay_outcome.h"

#include "views/dlq/replay_preview.h"
#include "views/session/protocol_adapter.h"

#include <QUrlQuery>
#include <set>

namespace meshdeck::views {

namespace {
constexpr qsizetype kLettersInSummary = 8;
constexpr int kChecksPerRound = 20;
} // namespace

QString ReplayOutcome::describe(bool stillWatching) const {
    const QString letter = QStringLiteral("Dead letter %1 (%2 → %3)").arg(id).arg(what, consumer);
    switch (kind) {
    case Kind::Delivered:
        return QStringLiteral("%1: sent again → delivered at %2").arg(letter, timeText(at));
    case Kind::FailedAgain:
        return QStringLiteral("%1: failed again: %2 → now dead letter %3")
            .arg(letter, reason)
            .arg(newLetterId);
    case Kind::Pending:
        break;
    }
    if (stillWatching)
        return QStringLiteral("%1: sending…%2")
            .arg(letter, reason.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(reason));
    return QStringLiteral("%1: still on its way: %2")
        .arg(letter, reason.isEmpty() ? QStringLiteral("not tried yet") : reason);
}

ReplayOutcomeWatcher::ReplayOutcomeWatcher(MeshSession& session, std::vector<DeadLetter> replayed,
                                           QObject* parent)
    : QObject(parent), session_(session), replayed_(std::move(replayed)) {
    for (const DeadLetter& d : replayed_) {
        ReplayOutcome o;
        o.id = d.id;
        o.consumer = toQString(d.consumer);
        o.what = QStringLiteral("%1 %2").arg(toQString(d.eventType), toQString(d.entity)).trimmed();
        outcomes_.append(o);
    }
    next_.setSingleShot(true);
    connect(&next_, &QTimer::timeout, this, &ReplayOutcomeWatcher::poll);
}

void ReplayOutcomeWatcher::start() {
    since_.start();
    Q_EMIT progressed(summary(true), outcomes_);
    next_.start(pollMs_);
}

int ReplayOutcomeWatcher::pending() const {
    return static_cast<int>(std::count_if(outcomes_.begin(), outcomes_.end(), [](const auto& o) {
        return o.kind == ReplayOutcome::Kind::Pending;
    }));
}

QString ReplayOutcomeWatcher::summary(bool stillWatching) const {
    const auto count = [this](ReplayOutcome::Kind kind) {
        return std::count_if(outcomes_.begin(), outcomes_.end(),
                             [kind](const auto& o) { return o.kind == kind; });
    };
    const int n = static_cast<int>(outcomes_.size());
    const QString letters =
        n == 1 ? QStringLiteral("1 letter") : QStringLiteral("%1 letters").arg(n);
    QString head;
    if (stillWatching) {
        head = QStringLiteral("Sending %1 again…").arg(letters);
    } else {
        QStringList parts;
        if (const auto k = count(ReplayOutcome::Kind::Delivered))
            parts << QStringLiteral("%1 delivered").arg(k);
        if (const auto k = count(ReplayOutcome::Kind::FailedAgain))
            parts << QStringLiteral("%1 failed again").arg(k);
        if (const auto k = count(ReplayOutcome::Kind::Pending))
            parts << QStringLiteral("%1 still on its way").arg(k);
        head = QStringLiteral("%1 sent again: %2.").arg(letters, parts.join(QStringLiteral(", ")));
    }
    // What needs a person first: the letters that failed again.
    QList<const ReplayOutcome*> shown;
    for (const auto& o : outcomes_)
        if (o.kind == ReplayOutcome::Kind::FailedAgain)
            shown << &o;
    for (const auto& o : outcomes_)
        if (o.kind != ReplayOutcome::Kind::FailedAgain)
            shown << &o;
    QStringList lines{head};
    for (qsizetype i = 0; i < shown.size() && i < kLettersInSummary; ++i)
        lines << shown[i]->describe(stillWatching);
    if (shown.size() > kLettersInSummary)
        lines << QStringLiteral("… and %1 more").arg(shown.size() - kLettersInSummary);
    return lines.join(u'\n');
}

// One round: per consumer, its newest letters (a letter that failed again is
// a new one with parent_id set, so the newest are where it shows up); per
// letter still unsettled, its attempts since it was sent again.
// A large group is checked a slice per round, so a round stays a handful
// of requests however many letters were sent.
void ReplayOutcomeWatcher::poll() {
    std::set<QString> consumers;
    QList<int> unsettled;
    const int n = static_cast<int>(outcomes_.size());
    for (int k = 0; k < n; ++k) {
        const int i = (nextToCheck_ + k) % n;
        if (outcomes_[i].kind != ReplayOutcome::Kind::Pending)
            continue;
        consumers.insert(outcomes_[i].consumer);
        if (unsettled.size() < kChecksPerRound) {
            unsettled.append(i);
            nextToCheck_ = (i + 1) % n;
        }
    }
    awaited_ = static_cast<int>(consumers.size()) + static_cast<int>(unsettled.size());
    for (const QString& consumer : consumers)
        findNewLetters(consumer);
    for (int i : unsettled)
        checkAttempts(i);
    if (awaited_ == 0)
        roundAnswered();
}

void ReplayOutcomeWatcher::findNewLetters(const QString& consumer) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("consumer"), consumer);
    // Any state: a new letter someone already discarded still says how this one went.
    query.addQueryItem(QStringLiteral("state"), QStringLiteral("all"));
    query.addQueryItem(QStringLiteral("limit"),
                       QString::number(std::min(1000, 2 * pending() + 50)));
    getAnswer<protocol::DeadLetterPage>(
        session_, QStringLiteral("/v1/dead-letters?") + query.toString(QUrl::FullyEncoded), this,
        [this](const Answer<protocol::DeadLetterPage>& page) {
            if (page) {
                for (const DeadLetter& d : page->letters) {
                    if (!d.parentId)
                        continue;
                    for (auto& o : outcomes_)
                        if (o.id == *d.parentId && o.kind == ReplayOutcome::Kind::Pending) {
                            o.kind = ReplayOutcome::Kind::FailedAgain;
                            o.newLetterId = d.id;
                            o.at = d.deadAt;
                            const QString status = answerStatus(d);
                            const QString words = receiverReason(d);
                            o.reason = status.isEmpty() || words.startsWith(status)
                                           ? words
                                           : status + u' ' + words;
                        }
                }
            }
            roundAnswered();
        });
}

void ReplayOutcomeWatcher::checkAttempts(int index) {
    getAnswer<protocol::DeadLetterDetail>(
        session_, QStringLiteral("/v1/dead-letters/%1").arg(outcomes_[index].id), this,
        [this, index](const Answer<protocol::DeadLetterDetail>& detail) {
            ReplayOutcome& o = outcomes_[index];
            // Only attempts since this replay count: the letter's own are older, and
            // resolved_at is when it was sent again (on the broker's clock, as attempts).
            if (detail && o.kind == ReplayOutcome::Kind::Pending && detail->letter.resolvedAt &&
                detail->letter.state == DeadLetterState::Replayed) {
                for (const AttemptRecord& a : detail->attempts) {
                    if (!a.replay || a.startedAt < *detail->letter.resolvedAt)
                        continue;
                    if (a.failureClass == delivery::FailureClass::None) {
                        o.kind = ReplayOutcome::Kind::Delivered;
                        o.at = a.startedAt;
                        break;
                    }
                    o.reason = QStringLiteral("try %1 at %2 got %3, retrying")
                                   .arg(a.attempt)
                                   .arg(timeText(a.startedAt), receiverReason(a));
                }
            }
            roundAnswered();
        });
}

void ReplayOutcomeWatcher::roundAnswered() {
    if (--awaited_ > 0)
        return;
    const bool done = pending() == 0;
    if (!done && since_.elapsed() < patience_.count()) {
        Q_EMIT progressed(summary(true), outcomes_);
        next_.start(pollMs_);
        return;
    }
    Q_EMIT settled(summary(false), outcomes_);
    deleteLater();
}

} // namespace meshdeck::views
