#pragma once
// What the broker refused at ingest, as GET /v1/quarantine answers it (admins
// only; a tenant's admin sees that tenant's entries), and the groups the
// Quarantine page shows: identical rejections - the same producer sending the
// same wrong thing - folded into one row with a count.
//
// The answer has no core protocol type: it is read here from its JSON with
// Qt, and what does not read becomes an error naming the field, as
// protocol_adapter.h does for the typed answers.

#include "core/time.h"
#include "views/session/protocol_adapter.h"

#include <QList>
#include <QString>

namespace meshdeck::views {

struct ProblemViolation {
    QString path; // JSON Pointer into the received body: "/0/payload/score"
    QString message;

    bool operator==(const ProblemViolation&) const = default;
};

struct RejectedInput {
    qint64 id = 0;
    Timestamp receivedAt{};
    QString tenant;
    QString tokenId;
    QString producer;  // the envelope's, the hook's source, the token's name, or "unknown"
    QString eventType; // "" when the body did not say
    QString source;    // "POST /v1/events", "POST /v1/hooks/hubspot"
    QString contentType;
    int status = 0; // the HTTP status answered
    QString reason; // "invalid", "malformed", "too-large", ...
    QString problemTitle;
    QString problemDetail;
    QList<ProblemViolation> violations;
    QString body; // as received (truncated by the broker at 1 MiB)

    // The first violation's path, "" when the refusal named none.
    QString where() const;
    // The first violation's message, else the answer's detail.
    QString problem() const;
};

// Identical rejections: same tenant, producer, source, reason, place and
// problem. Entries newest first, as the broker lists them.
struct RejectionGroup {
    QList<RejectedInput> entries;

    const RejectedInput& newest() const { return entries.front(); }
    Timestamp firstSeen() const { return entries.back().receivedAt; }
    Timestamp lastSeen() const { return entries.front().receivedAt; }
    qsizetype count() const { return entries.size(); }
    // What makes two rejections identical, as one text (for keeping a selection).
    QString key() const;
};

// The answer of GET /v1/quarantine; a refusal reads as its describe().
Answer<QList<RejectedInput>> readRejectedInputs(const MeshReply& reply);

// Groups in the order of their newest entry (newest first).
QList<RejectionGroup> groupIdentical(const QList<RejectedInput>& inputs);

// Whether the filter text occurs (case-insensitively) in the producer, event
// type, reason or problem (the detail and every violation). Empty matches all.
bool matchesFilter(const RejectedInput& input, const QString& filter);

// The rejection as a person reads it: the problem's title and detail, each
// violation as "path: message", where and when it came, and the received
// body pretty-printed when it is JSON.
QString describeRejection(const RejectedInput& input);

} // namespace meshdeck::views
