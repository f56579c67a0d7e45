#include "views/trace/verdict.h"

#include "core/failure.h"
#include "core/time.h"
#include "views/session/protocol_adapter.h"

#include <QRegularExpression>

namespace meshdeck::views {

namespace {

using delivery::FailureClass;

// "LeadAssigned of lead:L-1076", or "LeadAssigned (seq 42)" when its entity
// is not known, or "event 42".
QString nameOf(const StallFinding& f, const VerdictContext& context) {
    const QString id = toQString(f.eventId);
    const QString type = context.eventTypes.value(id);
    const QString entity = context.eventEntity.value(id);
    if (!type.isEmpty() && !entity.isEmpty())
        return QStringLiteral("%1 of %2").arg(type, entity);
    if (!type.isEmpty())
        return QStringLiteral("%1 (seq %2)").arg(type).arg(f.seq);
    return QStringLiteral("event %1").arg(f.seq);
}

// The broker's sentence with the event named as a person would and its
// times in the console's format: "LeadScored 0193…-… (seq 1)" becomes
// "LeadScored of lead:L-1", "2026-12-07T15:44:53.826Z" the shown time.
QString humanized(const StallFinding& f, const VerdictContext& context) {
    QString text = toQString(f.sentence);
    const QString type = context.eventTypes.value(toQString(f.eventId));
    const QString raw =
        QStringLiteral("%1 %2 (seq %3)")
            .arg(type.isEmpty() ? QStringLiteral("event") : type, toQString(f.eventId))
            .arg(f.seq);
    text.replace(raw, nameOf(f, context));
    static const QRegularExpression stamp(
        QStringLiteral(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)"));
    QString out;
    qsizetype from = 0;
    for (auto it = stamp.globalMatch(text); it.hasNext();) {
        const auto match = it.next();
        out += text.mid(from, match.capturedStart() - from);
        const auto at = parseRfc3339(match.captured().toStdString());
        out += at ? timeText(*at) : match.captured();
        from = match.capturedEnd();
    }
    return out + text.mid(from);
}

// The letter of `consumer` that holds the entity back (dead_letter: block):
// another finding of the same consumer that names one.
const StallFinding* letterFindingOf(const protocol::StallAnswer& answer,
                                    const std::string& consumer) {
    for (const auto& f : answer.evidence)
        if (f.consumer == consumer && f.deadLetterId)
            return &f;
    return nullptr;
}

QString deadLetterStory(const StallFinding& f, const VerdictContext& context) {
    const DeadLetter& letter = context.letter->letter;
    const auto& attempts = context.letter->attempts;
    QString last;
    if (!attempts.empty() && attempts.back().status > 0)
        last = QStringLiteral("the last answer was HTTP %1").arg(attempts.back().status);
    else
        last = QStringLiteral("the last attempt failed");
    const QString said =
        context.receiverSaid.isEmpty() ? toQString(letter.error) : context.receiverSaid;
    return QStringLiteral("%1 was sent %2 time(s); %3: “%4”. It is kept as dead letter %5 "
                          "since %6.")
        .arg(nameOf(f, context))
        .arg(letter.attempts)
        .arg(last, said)
        .arg(letter.id)
        .arg(timeText(letter.deadAt));
}

QString deadLetterAdvice(FailureClass failure, bool* recur) {
    *recur = failure == FailureClass::Invalid || failure == FailureClass::Auth;
    switch (failure) {
    case FailureClass::Invalid:
        return QStringLiteral("The receiver refused the event itself, so sending it again "
                              "unchanged will most likely fail the same way. Correct it with "
                              "Edit and replay, or have the receiver fixed first, then Replay.");
    case FailureClass::Auth:
        return QStringLiteral("The receiver refused meshd's credentials: fix the consumer's "
                              "authentication first, then Replay.");
    default:
        return QStringLiteral("The fault looks passing (the receiver was down, slow or "
                              "failing). If it answers again now, Replay sends the event "
                              "with its original id.");
    }
}

} // namespace

const StallFinding* headlineFinding(const protocol::StallAnswer& answer) {
    const StallFinding* headline = nullptr;
    for (const auto& f : answer.evidence)
        if (!headline || urgency(f.state) < urgency(headline->state))
            headline = &f;
    return headline;
}

Verdict composeVerdict(const protocol::StallAnswer& answer, const VerdictContext& context) {
    using protocol::StallSubject;
    Verdict v;
    const QString subject = context.subject.isEmpty() ? toQString(answer.subject) : context.subject;
    if (subject.count(u':') == 1 && !subject.contains(u' '))
        v.entity = subject;
    switch (answer.kind) {
    case StallSubject::Unknown:
        v.tone = VerdictTone::Unknown;
        v.headline = QStringLiteral("Nothing was received for %1").arg(subject);
        v.story = QStringLiteral("No event with it was accepted, and nothing with it was refused.");
        v.advice =
            QStringLiteral("Check that the producer sent it, to this mesh, and with this id.");
        return v;
    case StallSubject::Rejected:
        v.tone = VerdictTone::Failed;
        v.headline = QStringLiteral("%1 was refused at ingest").arg(subject);
        v.story = toQString(answer.answer);
        v.advice = QStringLiteral("The producer must send it again with the problem fixed; the "
                                  "quarantine entry shows the body as it was received.");
        v.actions = VerdictAction::OpenQuarantine;
        return v;
    case StallSubject::NoConsumer:
        v.tone = VerdictTone::Unknown;
        v.headline = QStringLiteral("Accepted, but no consumer takes it");
        v.story = toQString(answer.answer);
        v.advice = QStringLiteral("Create a consumer for these event types if someone should "
                                  "receive them.");
        v.actions = VerdictAction::ShowEvents;
        return v;
    case StallSubject::Findings:
        break;
    }
    const StallFinding* f = headlineFinding(answer);
    if (!f || answer.state == StallState::Delivered) {
        v.tone = VerdictTone::Settled;
        v.headline = QStringLiteral("Delivered: every consumer has it");
        v.story = toQString(answer.answer)
                      .replace(QStringLiteral("with ") + toQString(answer.subject),
                               QStringLiteral("of ") + subject);
        v.advice = QStringLiteral("Nothing to do.");
        v.actions = VerdictAction::ShowEvents;
        return v;
    }
    const QString consumer = toQString(f->consumer);
    const QString name = nameOf(*f, context);
    if (const QString entity = context.eventEntity.value(toQString(f->eventId)); !entity.isEmpty())
        v.entity = entity;
    v.consumer = consumer;
    v.story = humanized(*f, context);
    v.actions = VerdictAction::OpenConsumer | VerdictAction::ShowEvents;
    const auto offerLetter = [&v](qint64 id) {
        v.deadLetterId = id;
        v.actions |=
            VerdictAction::Replay | VerdictAction::EditAndReplay | VerdictAction::OpenDeadLetter;
    };
    switch (f->state) {
    case StallState::DeadLettered: {
        v.tone = VerdictTone::Failed;
        const FailureClass failure =
            context.letter ? context.letter->letter.failureClass : FailureClass::Other;
        v.headline = failure == FailureClass::Invalid || failure == FailureClass::Auth
                         ? QStringLiteral("%1 refused %2").arg(consumer, name)
                         : QStringLiteral("%1 did not reach %2").arg(name, consumer);
        if (f->deadLetterId)
            offerLetter(*f->deadLetterId);
        if (context.letter)
            v.story = deadLetterStory(*f, context);
        v.advice = deadLetterAdvice(failure, &v.likelyToRecur);
        break;
    }
    case StallState::Blocked:
        v.tone = VerdictTone::Failed;
        v.headline = QStringLiteral("%1 is held back for %2").arg(name, consumer);
        if (const StallFinding* letter = letterFindingOf(answer, f->consumer)) {
            offerLetter(*letter->deadLetterId);
            if (context.letter)
                v.advice =
                    deadLetterAdvice(context.letter->letter.failureClass, &v.likelyToRecur) + u' ';
        }
        v.advice += QStringLiteral("Replay or discard the dead letter in front of it; the "
                                   "events behind it then go on in order.");
        break;
    case StallState::CircuitOpen:
        v.tone = VerdictTone::Attention;
        v.headline = QStringLiteral("Nothing goes to %1: its receiver kept failing").arg(consumer);
        v.advice = QStringLiteral("Check the receiver. meshd probes it by itself and sends "
                                  "again when it answers; nothing is lost meanwhile.");
        break;
    case StallState::Retrying:
        v.tone = VerdictTone::Attention;
        v.headline = QStringLiteral("%1 is being retried for %2").arg(name, consumer);
        v.advice = QStringLiteral("Nothing to do yet: meshd retries by itself, and keeps it as "
                                  "a dead letter if every attempt fails.");
        break;
    case StallState::Paused:
        v.tone = VerdictTone::Attention;
        v.headline = QStringLiteral("%1 is paused: %2 waits").arg(consumer, name);
        v.advice = QStringLiteral("Resume %1 on the Consumers page when it should deliver "
                                  "again.")
                       .arg(consumer);
        break;
    case StallState::NoSubscriber:
        v.tone = VerdictTone::Attention;
        v.headline = QStringLiteral("Nobody is subscribed to %1: %2 waits").arg(consumer, name);
        v.advice = QStringLiteral("Start the service that subscribes to %1; the events wait "
                                  "for it.")
                       .arg(consumer);
        break;
    case StallState::WaitingForPredecessor:
        v.tone = VerdictTone::OnItsWay;
        v.headline = QStringLiteral("%1 waits for an earlier version").arg(name);
        v.advice = QStringLiteral("Nothing to do: it goes out when the earlier version "
                                  "arrives, or after the consumer's gap timeout.");
        break;
    case StallState::Pending:
    case StallState::InFlight:
        v.tone = VerdictTone::OnItsWay;
        v.headline = QStringLiteral("%1 is on its way to %2").arg(name, consumer);
        v.advice = QStringLiteral("Nothing to do: it is on its way.");
        break;
    case StallState::Stale:
    case StallState::Filtered:
    case StallState::Delivered:
        v.tone = VerdictTone::Settled;
        v.headline = QStringLiteral("Delivered: every consumer has it");
        v.advice = QStringLiteral("Nothing to do.");
        break;
    }
    return v;
}

} // namespace meshdeck::views
