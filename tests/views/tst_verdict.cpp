// The verdict written for a person, from the broker's stall answer: each
// state reads as what happened, to whom, why in the receiver's words, and
// what to do, with the actions it allows - and the raw sentence (UUIDs, seq
// numbers, RFC 3339 times) never leads.

#include "views/dlq/replay_preview.h"
#include "views/session/protocol_adapter.h"
#include "views/trace/trace_page.h"
#include "views/trace/verdict.h"

#include <QtTest/QTest>

using namespace meshdeck;
using namespace meshdeck::views;

namespace {

constexpr const char* kEventId = "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f";

protocol::StallAnswer answerWith(StallState state, std::string sentence,
                                 std::optional<std::int64_t> letter = std::nullopt) {
    protocol::StallAnswer answer;
    answer.subject = "entity lead:L-1076";
    answer.state = state;
    answer.answer = sentence;
    answer.evidence = {StallFinding{"crm-sync", 42, kEventId, state, std::move(sentence), letter}};
    return answer;
}

VerdictContext contextWithEvent() {
    VerdictContext context;
    context.subject = QStringLiteral("lead:L-1076");
    context.eventTypes.insert(QString::fromLatin1(kEventId), QStringLiteral("LeadAssigned"));
    context.eventEntity.insert(QString::fromLatin1(kEventId), QStringLiteral("lead:L-1076"));
    return context;
}

protocol::DeadLetterDetail letter(delivery::FailureClass failure, int status, std::string body) {
    protocol::DeadLetterDetail detail;
    detail.letter.id = 9;
    detail.letter.consumer = "crm-sync";
    detail.letter.failureClass = failure;
    detail.letter.attempts = 1;
    detail.letter.error = "HTTP " + std::to_string(status) + ": " + body;
    detail.letter.deadAt = *parseRfc3339("2026-12-08T10:41:02.000Z");
    AttemptRecord attempt;
    attempt.status = status;
    attempt.failureClass = failure;
    attempt.response = std::move(body);
    detail.attempts = {attempt};
    return detail;
}

} // namespace

class VerdictTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void refusedAsInvalidSaysEditFirst() {
        auto context = contextWithEvent();
        context.letter =
            letter(delivery::FailureClass::Invalid, 422, R"({"message":"owner u-17 unknown"})");
        context.receiverSaid = receiverReason(context.letter->letter);
        const Verdict v = composeVerdict(
            answerWith(StallState::DeadLettered,
                       std::string("LeadAssigned ") + kEventId +
                           " (seq 42) was dead-lettered to crm-sync at 2026-12-08T10:41:02.000Z",
                       9),
            context);
        QCOMPARE(v.tone, VerdictTone::Failed);
        QCOMPARE(v.headline, QStringLiteral("crm-sync refused LeadAssigned of lead:L-1076"));
        QVERIFY2(v.story.contains(QStringLiteral("HTTP 422: “owner u-17 unknown”")),
                 qPrintable(v.story));
        QVERIFY2(v.story.contains(QStringLiteral("dead letter 9")), qPrintable(v.story));
        QVERIFY(!v.story.contains(QString::fromLatin1(kEventId)));
        QVERIFY(v.likelyToRecur);
        QVERIFY(v.advice.contains(QStringLiteral("Edit and replay")));
        QCOMPARE(v.deadLetterId, 9);
        QCOMPARE(v.consumer, QStringLiteral("crm-sync"));
        QCOMPARE(v.entity, QStringLiteral("lead:L-1076"));
        QVERIFY(v.actions.testFlag(VerdictAction::Replay));
        QVERIFY(v.actions.testFlag(VerdictAction::EditAndReplay));
        QVERIFY(v.actions.testFlag(VerdictAction::OpenDeadLetter));
        QVERIFY(v.actions.testFlag(VerdictAction::OpenConsumer));
        QVERIFY(v.actions.testFlag(VerdictAction::ShowEvents));
    }

    void passingFaultSaysReplay() {
        auto context = contextWithEvent();
        context.letter = letter(delivery::FailureClass::Server, 503, "upstream down");
        const Verdict v =
            composeVerdict(answerWith(StallState::DeadLettered, "dead-lettered", 9), context);
        QCOMPARE(v.headline, QStringLiteral("LeadAssigned of lead:L-1076 did not reach crm-sync"));
        QVERIFY(!v.likelyToRecur);
        QVERIFY(v.advice.contains(QStringLiteral("Replay sends the event")));
    }

    // The broker's event name and times are rewritten; the rest of its words stay.
    void retryingReadsWithoutIds() {
        const Verdict v = composeVerdict(
            answerWith(StallState::Retrying,
                       std::string("LeadAssigned ") + kEventId +
                           " (seq 42) waits to be retried for crm-sync: HTTP 503 (2 of 5 attempts "
                           "failed); next attempt at 2026-12-08T10:41:02.000Z."),
            contextWithEvent());
        QCOMPARE(v.tone, VerdictTone::Attention);
        QCOMPARE(v.headline,
                 QStringLiteral("LeadAssigned of lead:L-1076 is being retried for crm-sync"));
        QVERIFY2(!v.story.contains(QString::fromLatin1(kEventId)), qPrintable(v.story));
        QVERIFY2(!v.story.contains(QStringLiteral("T10:41")), qPrintable(v.story));
        QVERIFY2(v.story.contains(timeText(*parseRfc3339("2026-12-08T10:41:02.000Z"))),
                 qPrintable(v.story));
        QVERIFY(!v.actions.testFlag(VerdictAction::Replay));
        QVERIFY(v.actions.testFlag(VerdictAction::OpenConsumer));
    }

    // Held behind a dead letter (dead_letter: block): the letter in front is offered.
    void blockedOffersTheLetterInFront() {
        auto answer = answerWith(StallState::DeadLettered, "dead-lettered", 7);
        answer.evidence.push_back(
            StallFinding{"crm-sync", 43, "e-43", StallState::Blocked, "waits behind", {}});
        // The blocked one is the headline only when nothing is more urgent;
        // here the letter is, so check the block on its own too.
        QCOMPARE(composeVerdict(answer, contextWithEvent()).deadLetterId, 7);
        std::swap(answer.evidence[0], answer.evidence[1]);
        answer.evidence[1].state = StallState::Delivered;
        answer.evidence[1].deadLetterId = 7;
        const Verdict v = composeVerdict(answer, contextWithEvent());
        QCOMPARE(v.headline, QStringLiteral("event 43 is held back for crm-sync"));
        QCOMPARE(v.deadLetterId, 7);
        QVERIFY(v.actions.testFlag(VerdictAction::Replay));
        QVERIFY(v.advice.contains(QStringLiteral("in front of it")));
    }

    void settledUnknownRejectedAndNoConsumer() {
        protocol::StallAnswer all;
        all.subject = "entity lead:L-1";
        all.state = StallState::Delivered;
        all.answer =
            "Nothing is stuck: all 2 event(s) with entity lead:L-1 reached every consumer.";
        all.evidence = {StallFinding{"crm", 1, "e1", StallState::Delivered, "delivered", {}}};
        QCOMPARE(composeVerdict(all, {}).tone, VerdictTone::Settled);
        QCOMPARE(composeVerdict(all, {}).advice, QStringLiteral("Nothing to do."));

        protocol::StallAnswer unknown;
        unknown.subject = "correlation id nobody";
        unknown.kind = protocol::StallSubject::Unknown;
        VerdictContext context;
        context.subject = QStringLiteral("nobody");
        const Verdict u = composeVerdict(unknown, context);
        QCOMPARE(u.headline, QStringLiteral("Nothing was received for nobody"));
        QVERIFY(u.advice.contains(QStringLiteral("producer")));

        protocol::StallAnswer rejected = unknown;
        rejected.kind = protocol::StallSubject::Rejected;
        rejected.answer = "Rejected at ingest (invalid, HTTP 422); see quarantine entry 1.";
        const Verdict r = composeVerdict(rejected, context);
        QCOMPARE(r.tone, VerdictTone::Failed);
        QVERIFY(r.actions.testFlag(VerdictAction::OpenQuarantine));

        protocol::StallAnswer none = unknown;
        none.kind = protocol::StallSubject::NoConsumer;
        QCOMPARE(composeVerdict(none, context).headline,
                 QStringLiteral("Accepted, but no consumer takes it"));
    }

    // The chooser's lines and the subject each match opens.
    void matchesOpenTheirJourneys() {
        protocol::EntityMatch entity;
        entity.tenant = "acme";
        entity.entityKind = "lead";
        entity.entityId = "L-1076";
        entity.span.events = 6;
        entity.lastEventType = "LeadAssigned";
        entity.correlationIds = {"routing-L-1076", "web-form-L-1076"};
        entity.openDeadLetters = 1;
        const TraceSubject s = subjectOf(entity);
        QCOMPARE(s.entity, QStringLiteral("lead:L-1076"));
        QCOMPARE(s.tenant, QStringLiteral("acme"));
        QCOMPARE(s.journeys, (QStringList{QStringLiteral("routing-L-1076"),
                                          QStringLiteral("web-form-L-1076")}));
        QVERIFY2(describeMatch(entity).contains(QStringLiteral("6 events")),
                 qPrintable(describeMatch(entity)));
        QVERIFY(describeMatch(entity).contains(QStringLiteral("1 open dead letter")));

        protocol::DeadLetterMatch dead;
        dead.id = 9;
        dead.correlationId = "routing-L-1076";
        dead.eventId = kEventId;
        dead.consumer = "crm-sync";
        const TraceSubject d = subjectOf(dead);
        QCOMPARE(d.correlationId, QStringLiteral("routing-L-1076"));
        QCOMPARE(d.focusEventId, QString::fromLatin1(kEventId));
        QVERIFY(describeMatch(dead).startsWith(QStringLiteral("Dead letter 9")));
    }
};

QTEST_MAIN(VerdictTest)
#include "tst_verdict.moc"
