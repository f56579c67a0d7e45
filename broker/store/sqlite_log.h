#pragma once
// The embedded EventLog on SQLite. Layout (see migrations in database.cpp):
//   events(seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT UNIQUE, event_type,
//          schema_version, tenant_id, producer, entity_kind, entity_id, entity_version,
//          correlation_id, causation_id, traceparent, occurred_at_ms,
//          ingested_at_ms, payload TEXT, payload_bytes)
// with indexes on (correlation_id, seq), (tenant_id, entity_kind, entity_id, seq),
// (event_type, occurred_at_ms), (occurred_at_ms) and (tenant_id, seq).
//
// Threads: appends and retention run on the Database's writer thread (the
// clock is read there, so a FakeClock must only be moved while no append is in
// flight), and so does the commit listener, after each group commit; reads
// run on the caller's thread with a pooled read connection.
// Read failures throw SqliteError.

#include "broker/store/database.h"
#include "broker/store/event_log.h"
#include "core/time.h"

namespace meshdeck {

class SqliteEventLog final : public EventLog {
public:
    SqliteEventLog(Database& db, const Clock& clock = SystemClock::instance());

    bool append(std::vector<Event> events, AppendCallback done) override;
    void setCommitListener(CommitListener listener) override;
    std::optional<Event> get(const std::string& eventId) const override;
    std::vector<Event> readFrom(std::int64_t fromSeq, int max) const override;
    EventPage query(const EventQuery& query) const override;
    LogStats stats() const override;
    RetentionResult applyRetention(const RetentionPolicy& policy) override;
    void drain() override;

    // The writer thread's list of what the current commit appended; shared
    // with the Database's after-commit hook so it outlives this object.
    struct Announcements;

private:
    Database& db_;
    const Clock& clock_;
    std::shared_ptr<Announcements> announcements_;
};

} // namespace meshdeck
