#include "broker/store/sqlite_log.h"

#include "broker/store/sqlite_statement.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <sqlite3.h>
#include <stdexcept>
#include <string>
#include <string_view>

namespace meshdeck {

namespace {

// "SELECT <every column> FROM events WHERE <condition>", in readEvent's order.
std::string selectEventsWhere(std::string_view condition) {
    static constexpr std::string_view select =
        "SELECT seq, event_id, event_type, schema_version, tenant_id, producer, entity_kind, "
        "entity_id, entity_version, correlation_id, causation_id, traceparent, occurred_at_ms, "
        "ingested_at_ms, payload FROM events WHERE ";
    std::string sql;
    sql.reserve(select.size() + condition.size() + 128); // room for query()'s filters
    sql.append(select);
    sql.append(condition);
    return sql;
}

// Retention deletes in chunks of this many rows, one writer job each, so a
// large clean-up never holds the writer for long: appends queued meanwhile
// go into the next transaction.
constexpr int kRetentionChunk = 10'000;

constexpr int kMaxPage = 1'000;

Event readEvent(const sqlite::Statement& st) {
    Event e;
    e.seq = st.columnInt(0);
    e.eventId = st.columnText(1);
    e.eventType = st.columnText(2);
    e.schemaVersion = static_cast<int>(st.columnInt(3));
    e.tenantId = st.columnText(4);
    e.producer = st.columnText(5);
    e.entity.kind = st.columnText(6);
    e.entity.id = st.columnText(7);
    if (!st.isNull(8))
        e.entity.version = st.columnInt(8);
    e.correlationId = st.columnText(9);
    e.causationId = st.columnText(10);
    e.traceparent = st.columnText(11);
    e.occurredAt = fromUnixMillis(st.columnInt(12));
    e.ingestedAt = fromUnixMillis(st.columnInt(13));
    e.payload = st.columnText(14);
    return e;
}

// On the writer thread, inside the job's savepoint: any throw undoes the
// whole batch.
// event_totals is kept by the log itself, once per batch: a trigger would
// update that one row for every event.
void adjustTotals(sqlite3* db, std::int64_t count, std::int64_t bytes) {
    sqlite::Statement update(db,
                             "UPDATE event_totals SET count = count + ?1, bytes = bytes + ?2 "
                             "WHERE id = 1",
                             "updating the log totals");
    update.bindInt(1, count);
    update.bindInt(2, bytes);
    update.run();
}

std::vector<AppendOutcome> appendBatch(sqlite3* db, const Clock& clock,
                                       const std::vector<Event>& events) {
    std::vector<AppendOutcome> outcomes;
    outcomes.reserve(events.size());
    const Timestamp now = clock.now();
    sqlite::Statement find(db,
                           "SELECT seq, tenant_id, ingested_at_ms FROM events WHERE event_id = ?1",
                           "looking up an event id");
    // The insert itself detects a repeated id (one index descent, not two);
    // only then is the original looked up. It also sees rows inserted earlier
    // in this batch, so a repeated id inside one request is a Duplicate of
    // its first copy.
    sqlite::Statement insert(
        db,
        "INSERT INTO events (event_id, event_type, schema_version, tenant_id, producer, "
        "entity_kind, entity_id, entity_version, correlation_id, causation_id, traceparent, "
        "occurred_at_ms, ingested_at_ms, payload, payload_bytes) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
        "ON CONFLICT (event_id) DO NOTHING",
        "appending events");
    std::int64_t appended = 0;
    std::int64_t appendedBytes = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        if (e.eventId.empty()) {
            throw std::invalid_argument("event " + std::to_string(i) +
                                        " of the batch has no event_id; nothing was appended");
        }
        insert.reset();
        insert.bindText(1, e.eventId);
        insert.bindText(2, e.eventType);
        insert.bindInt(3, e.schemaVersion);
        insert.bindText(4, e.tenantId);
        insert.bindText(5, e.producer);
        insert.bindText(6, e.entity.kind);
        insert.bindText(7, e.entity.id);
        insert.bindOptionalInt(8, e.entity.version);
        insert.bindText(9, e.correlationId);
        insert.bindText(10, e.causationId);
        insert.bindText(11, e.traceparent);
        insert.bindInt(12, toUnixMillis(e.occurredAt));
        insert.bindInt(13, toUnixMillis(now));
        insert.bindText(14, e.payload);
        insert.bindInt(15, static_cast<std::int64_t>(e.payload.size()));
        insert.run();
        if (sqlite3_changes(db) == 1) {
            ++appended;
            appendedBytes += static_cast<std::int64_t>(e.payload.size());
            outcomes.push_back({AppendStatus::Appended, sqlite3_last_insert_rowid(db), now});
            continue;
        }
        find.reset();
        find.bindText(1, e.eventId);
        if (!find.step())
            throw SqliteError("event " + e.eventId + " was neither inserted nor found");
        AppendOutcome out;
        if (find.columnText(1) == e.tenantId) {
            out.status = AppendStatus::Duplicate;
            out.seq = find.columnInt(0);
            out.ingestedAt = fromUnixMillis(find.columnInt(2));
        } else {
            out.status = AppendStatus::Conflict; // never reveal the other tenant's seq
        }
        outcomes.push_back(out);
    }
    if (appended > 0)
        adjustTotals(db, appended, appendedBytes);
    return outcomes;
}

} // namespace

struct SqliteEventLog::Announcements {
    CommitListener listener;
    std::vector<EventPtr> committed; // this commit's new events, in seq order
};

SqliteEventLog::SqliteEventLog(Database& db, const Clock& clock)
    : db_(db), clock_(clock), announcements_(std::make_shared<Announcements>()) {
    // Jobs complete in the order they ran, and each job's new events are in
    // seq order, so one commit's list is in seq order too.
    db_.setAfterCommit([a = announcements_] {
        if (a->committed.empty())
            return;
        std::vector<EventPtr> committed;
        committed.swap(a->committed);
        if (a->listener)
            a->listener(std::move(committed));
    });
}

void SqliteEventLog::setCommitListener(CommitListener listener) {
    announcements_->listener = std::move(listener);
}

bool SqliteEventLog::append(std::vector<Event> events, AppendCallback done) {
    // Owned by the job; apply fills outcomes, done hands them over.
    struct Pending {
        std::vector<Event> events;
        std::vector<AppendOutcome> outcomes;
        AppendCallback done;
    };
    auto pending = std::make_shared<Pending>();
    pending->events = std::move(events);
    pending->done = std::move(done);

    WriteJob job;
    job.weight = std::max<std::size_t>(1, pending->events.size());
    job.apply = [pending, &clock = clock_](sqlite3* db) {
        pending->outcomes = appendBatch(db, clock, pending->events);
    };
    job.done = [pending, a = announcements_](const std::string& error) {
        AppendResult result;
        result.ok = error.empty();
        result.error = error;
        if (result.ok)
            result.outcomes = std::move(pending->outcomes);
        result.events.reserve(pending->events.size());
        for (std::size_t i = 0; i < pending->events.size(); ++i) {
            Event& e = pending->events[i];
            const bool appended = result.ok && result.outcomes[i].status == AppendStatus::Appended;
            if (appended) {
                e.seq = result.outcomes[i].seq;
                e.ingestedAt = result.outcomes[i].ingestedAt;
            }
            auto shared = std::make_shared<const Event>(std::move(e));
            if (appended)
                a->committed.push_back(shared);
            result.events.push_back(std::move(shared));
        }
        if (pending->done)
            pending->done(std::move(result));
    };
    return db_.submit(std::move(job));
}

std::optional<Event> SqliteEventLog::get(const std::string& eventId) const {
    std::optional<Event> found;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, selectEventsWhere("event_id = ?1"), "reading event " + eventId);
        st.bindText(1, eventId);
        if (st.step())
            found = readEvent(st);
    });
    return found;
}

std::vector<Event> SqliteEventLog::readFrom(std::int64_t fromSeq, int max) const {
    std::vector<Event> events;
    if (max <= 0)
        return events;
    const std::int64_t end = fromSeq > std::numeric_limits<std::int64_t>::max() - max
                                 ? std::numeric_limits<std::int64_t>::max()
                                 : fromSeq + max;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, selectEventsWhere("seq >= ?1 AND seq < ?2 ORDER BY seq"),
                             "reading events from seq " + std::to_string(fromSeq));
        st.bindInt(1, fromSeq);
        st.bindInt(2, end);
        while (st.step())
            events.push_back(readEvent(st));
    });
    return events;
}

EventPage SqliteEventLog::query(const EventQuery& q) const {
    const int limit = std::clamp(q.limit, 1, kMaxPage);
    std::string sql = selectEventsWhere("seq > ?1");
    // Parameter numbers follow the order the filters are added in.
    std::vector<std::string> texts;
    std::vector<std::int64_t> ints;
    const auto addText = [&](const char* column, const std::optional<std::string>& value) {
        if (!value)
            return;
        texts.push_back(*value);
        sql.append(" AND ").append(column).append(" = ?").append(std::to_string(1 + texts.size()));
    };
    addText("event_type", q.eventType);
    addText("tenant_id", q.tenantId);
    addText("entity_kind", q.entityKind);
    addText("entity_id", q.entityId);
    addText("correlation_id", q.correlationId);
    addText("producer", q.producer);
    const int firstIntParam = 2 + static_cast<int>(texts.size());
    const auto addTime = [&](const char* condition, const std::optional<Timestamp>& value) {
        if (!value)
            return;
        ints.push_back(toUnixMillis(*value));
        sql.append(" AND occurred_at_ms ")
            .append(condition)
            .append(" ?")
            .append(std::to_string(firstIntParam + static_cast<int>(ints.size()) - 1));
    };
    addTime(">=", q.since);
    addTime("<", q.until);
    // One row more than the page tells whether another page follows.
    sql.append(" ORDER BY seq LIMIT ").append(std::to_string(limit + 1));

    EventPage page;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, sql, "querying events");
        st.bindInt(1, q.afterSeq);
        for (std::size_t i = 0; i < texts.size(); ++i)
            st.bindText(2 + static_cast<int>(i), texts[i]);
        for (std::size_t i = 0; i < ints.size(); ++i)
            st.bindInt(firstIntParam + static_cast<int>(i), ints[i]);
        while (st.step())
            page.events.push_back(readEvent(st));
    });
    if (page.events.size() > static_cast<std::size_t>(limit)) {
        page.events.pop_back();
        page.nextAfterSeq = page.events.back().seq;
    }
    return page;
}

LogStats SqliteEventLog::stats() const {
    LogStats stats;
    db_.read([&](sqlite3* db) {
        sqlite::inReadTransaction(db, [&] {
            sqlite::Statement range(db, "SELECT MIN(seq) FROM events", "reading the log range");
            if (range.step())
                stats.firstSeq = range.columnInt(0); // NULL reads as 0 when empty
            sqlite::Statement head(db, "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
                                   "reading the log head");
            if (head.step())
                stats.lastSeq = head.columnInt(0);
            sqlite::Statement totals(db, "SELECT count, bytes FROM event_totals WHERE id = 1",
                                     "reading the log totals");
            if (totals.step()) {
                stats.count = totals.columnInt(0);
                stats.bytes = totals.columnInt(1);
            }
        });
    });
    return stats;
}

RetentionResult SqliteEventLog::applyRetention(const RetentionPolicy& policy) {
    RetentionResult result;
    const std::int64_t keepFrom = policy.protectFromSeq > 0
                                      ? policy.protectFromSeq
                                      : std::numeric_limits<std::int64_t>::max();

    // Deletes a prefix of the log in chunks, one writer job each: `start`
    // runs at the beginning of each job, `take` is asked row by row (oldest
    // first, below keepFrom) whether that row goes, and the first "no" ends it.
    const auto deletePrefix = [&](const char* what, const char* column, auto start, auto take) {
        bool more = true;
        while (more) {
            std::int64_t deleted = 0;
            const std::string error = db_.writeAndWait([&](sqlite3* db) {
                start(db);
                std::int64_t lastSeq = 0;
                int scanned = 0;
                bool stopped = false;
                {
                    sqlite::Statement scan(db,
                                           std::string("SELECT seq, ") + column +
                                               " FROM events WHERE seq < ?1 ORDER BY seq LIMIT ?2",
                                           std::string("finding ") + what);
                    scan.bindInt(1, keepFrom);
                    scan.bindInt(2, kRetentionChunk);
                    while (scan.step()) {
                        ++scanned;
                        if (!take(scan.columnInt(1))) {
                            stopped = true;
                            break;
                        }
                        lastSeq = scan.columnInt(0);
                    }
                }
                if (lastSeq > 0) {
                    sqlite::Statement sizes(db,
                                            "SELECT COUNT(*), COALESCE(SUM(payload_bytes), 0) FROM "
                                            "events WHERE seq <= ?1",
                                            std::string("measuring ") + what);
                    sizes.bindInt(1, lastSeq);
                    sizes.step();
                    const std::int64_t bytes = sizes.columnInt(1);
                    sqlite::Statement del(db, "DELETE FROM events WHERE seq <= ?1",
                                          std::string("deleting ") + what);
                    del.bindInt(1, lastSeq);
                    del.run();
                    deleted = sqlite3_changes64(db);
                    adjustTotals(db, -deleted, -bytes);
                }
                more = !stopped && scanned == kRetentionChunk;
            });
            if (!error.empty())
                throw SqliteError(error);
            result.deleted += deleted;
        }
    };

    if (policy.maxAge) {
        // Age counts from ingestion: occurred_at is the producer's claim, and
        // a backfill of old events must not vanish on arrival.
        const std::int64_t cutoffMs = toUnixMillis(clock_.now() - *policy.maxAge);
        deletePrefix(
            "events past their age", "ingested_at_ms", [](sqlite3*) {},
            [cutoffMs](std::int64_t ingestedMs) { return ingestedMs < cutoffMs; });
    }
    if (policy.maxBytes) {
        std::int64_t excess = 0; // bytes still to free; read afresh by each job
        deletePrefix(
            "events over the size limit", "payload_bytes",
            [&](sqlite3* db) {
                excess = sqlite::queryInt(db, "SELECT bytes FROM event_totals WHERE id = 1",
                                          "reading the log size") -
                         *policy.maxBytes;
            },
            [&](std::int64_t bytes) {
                if (excess <= 0)
                    return false;
                excess -= bytes;
                return true;
            });
    }
    result.firstSeq = stats().firstSeq;
    return result;
}

void SqliteEventLog::drain() {
    db_.drain();
}

} // namespace meshdeck
