#pragma once
// What the Events page asks the mesh for, and how that becomes a
// GET /v1/events query. Pure: no session, no widgets, so the mapping from the
// filter bar to the wire is testable on its own.

#include <QString>

namespace meshdeck::views {

struct EventFilter {
    QString type;          // event_type, exact
    QString tenant;        // tenant_id; empty: the token's own (or all for '*')
    QString entity;        // "kind:id", e.g. "lead:L-1042"
    QString correlationId; // exact
    QString producer;      // exact
    QString since;         // RFC 3339 on occurred_at; no offset means UTC
    QString until;
    // Matched client-side against the rows already loaded (never sent).
    QString text;

    // The part the mesh sees: two filters that differ only in `text` ask the
    // same query.
    bool sameQuery(const EventFilter& other) const;
};

struct EventQueryPath {
    QString path;  // "/v1/events?type=LeadScored&limit=250", empty when invalid
    QString error; // what is wrong with the filter, for the filter bar
    bool ok() const { return error.isEmpty(); }
};

// The page after `afterSeq` (-1: from the start) of at most `limit` events (1..1000).
EventQueryPath eventQueryPath(const EventFilter& filter, qint64 afterSeq = -1, int limit = 250);

} // namespace meshdeck::views
