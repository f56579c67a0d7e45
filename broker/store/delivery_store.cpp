#include "broker/store/delivery_store.h"

#include "broker/store/sqlite_statement.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>

namespace meshdeck {

namespace {

constexpr int kMaxList = 1'000;

// A failure class as stored; a name this build does not know reads as Other.
delivery::FailureClass readFailureClass(const sqlite::Statement& st, int column) {
    return delivery::parseFailureClass(st.columnText(column))
        .value_or(delivery::FailureClass::Other);
}

// "SELECT <columns><rest>", appended piece by piece: GCC 12 warns falsely
// (-Warray-bounds) on a chain of operator+ over these long literals.
std::string select(std::string_view columns, std::string_view rest) {
    std::string sql = "SELECT ";
    sql.append(columns).append(rest);
    return sql;
}

constexpr const char* kDeadLetterColumns =
    "id, consumer, seq, event_id, event_type, tenant_id, correlation_id, entity, event, "
    "signature, class, error, attempts, dead_at_ms, state, resolved_at_ms, resolved_by, reason, "
    "payload_override, parent_id FROM dead_letters ";

DeadLetter readDeadLetter(const sqlite::Statement& st) {
    DeadLetter d;
    d.id = st.columnInt(0);
    d.consumer = st.columnText(1);
    d.seq = st.columnInt(2);
    d.eventId = st.columnText(3);
    d.eventType = st.columnText(4);
    d.tenantId = st.columnText(5);
    d.correlationId = st.columnText(6);
    d.entity = st.columnText(7);
    d.eventJson = st.columnText(8);
    d.signature = st.columnText(9);
    d.failureClass = readFailureClass(st, 10);
    d.error = st.columnText(11);
    d.attempts = static_cast<int>(st.columnInt(12));
    d.deadAt = fromUnixMillis(st.columnInt(13));
    d.state = parseDeadLetterState(st.columnText(14)).value_or(DeadLetterState::Open);
    if (!st.isNull(15))
        d.resolvedAt = fromUnixMillis(st.columnInt(15));
    d.resolvedBy = st.columnText(16);
    d.reason = st.columnText(17);
    d.payloadOverride = st.columnText(18);
    if (!st.isNull(19))
        d.parentId = st.columnInt(19);
    return d;
}

constexpr const char* kAttemptColumns =
    "id, consumer, seq, event_id, correlation_id, attempt, started_at_ms, duration_us, status, "
    "class, error, response, replay FROM attempts ";

AttemptRecord readAttempt(const sqlite::Statement& st) {
    AttemptRecord a;
    a.id = st.columnInt(0);
    a.consumer = st.columnText(1);
    a.seq = st.columnInt(2);
    a.eventId = st.columnText(3);
    a.correlationId = st.columnText(4);
    a.attempt = static_cast<int>(st.columnInt(5));
    a.startedAt = fromUnixMillis(st.columnInt(6));
    a.durationUs = st.columnInt(7);
    a.status = static_cast<int>(st.columnInt(8));
    a.failureClass = readFailureClass(st, 9);
    a.error = st.columnText(10);
    a.response = st.columnText(11);
    a.replay = st.columnInt(12) != 0;
    return a;
}

void applyWrites(sqlite3* db, const DeliveryWrites& w) {
    if (!w.attempts.empty()) {
        sqlite::Statement st(db,
                             "INSERT INTO attempts (consumer, seq, event_id, correlation_id, "
                             "attempt, started_at_ms, duration_us, status, class, error, "
                             "response, replay) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                             "?11, ?12)",
                             "recording delivery attempts");
        for (const auto& a : w.attempts) {
            st.bindText(1, a.consumer);
            st.bindInt(2, a.seq);
            st.bindText(3, a.eventId);
            st.bindText(4, a.correlationId);
            st.bindInt(5, a.attempt);
            st.bindInt(6, toUnixMillis(a.startedAt));
            st.bindInt(7, a.durationUs);
            st.bindInt(8, a.status);
            st.bindText(9, delivery::toString(a.failureClass));
            st.bindText(10, a.error);
            st.bindText(11, a.response);
            st.bindInt(12, a.replay ? 1 : 0);
            st.run();
            st.reset();
        }
    }
    if (!w.settledAbove.empty()) {
        sqlite::Statement st(db,
                             "INSERT OR IGNORE INTO consumer_acks (consumer, seq) VALUES (?1, ?2)",
                             "recording acknowledged events");
        for (const auto& [consumer, seq] : w.settledAbove) {
            st.bindText(1, consumer);
            st.bindInt(2, seq);
            st.run();
            st.reset();
        }
    }
    if (!w.ackFloors.empty()) {
        sqlite::Statement floor(db,
                                "INSERT INTO consumer_progress (consumer, ack_floor) VALUES (?1, "
                                "?2) ON CONFLICT (consumer) DO UPDATE SET ack_floor = "
                                "max(ack_floor, excluded.ack_floor)",
                                "advancing a consumer's ack floor");
        sqlite::Statement prune(db, "DELETE FROM consumer_acks WHERE consumer = ?1 AND seq <= ?2",
                                "pruning acknowledged events below the floor");
        for (const auto& [consumer, seq] : w.ackFloors) {
            floor.bindText(1, consumer);
            floor.bindInt(2, seq);
            floor.run();
            floor.reset();
            prune.bindText(1, consumer);
            prune.bindInt(2, seq);
            prune.run();
            prune.reset();
        }
    }
    if (!w.entityVersions.empty()) {
        sqlite::Statement st(db,
                             "INSERT INTO entity_versions (consumer, entity, version) VALUES (?1, "
                             "?2, ?3) ON CONFLICT (consumer, entity) DO UPDATE SET version = "
                             "max(version, excluded.version)",
                             "recording delivered entity versions");
        for (const auto& [consumer, entity, version] : w.entityVersions) {
            st.bindText(1, consumer);
            st.bindText(2, entity);
            st.bindInt(3, version);
            st.run();
            st.reset();
        }
    }
    if (!w.deadLetters.empty()) {
        sqlite::Statement st(
            db,
            "INSERT INTO dead_letters (consumer, seq, event_id, event_type, tenant_id, "
            "correlation_id, entity, event, signature, class, error, attempts, dead_at_ms, state, "
            "payload_override, parent_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
            "?12, ?13, 'open', ?14, ?15)",
            "recording dead letters");
        for (const auto& d : w.deadLetters) {
            st.bindText(1, d.consumer);
            st.bindInt(2, d.seq);
            st.bindText(3, d.eventId);
            st.bindText(4, d.eventType);
            st.bindText(5, d.tenantId);
            st.bindText(6, d.correlationId);
            st.bindText(7, d.entity);
            st.bindText(8, d.eventJson);
            st.bindText(9, d.signature);
            st.bindText(10, delivery::toString(d.failureClass));
            st.bindText(11, d.error);
            st.bindInt(12, d.attempts);
            st.bindInt(13, toUnixMillis(d.deadAt));
            st.bindText(14, d.payloadOverride);
            st.bindOptionalInt(15, d.parentId);
            st.run();
            st.reset();
        }
    }
    if (!w.resolutions.empty()) {
        sqlite::Statement st(
            db,
            "UPDATE dead_letters SET state = ?2, resolved_at_ms = ?3, "
            "resolved_by = ?4, reason = ?5, payload_override = coalesce(nullif(?6, ''), "
            "payload_override) WHERE id = ?1 AND state = 'open'",
            "resolving dead letters");
        for (const auto& r : w.resolutions) {
            st.bindInt(1, r.id);
            st.bindText(2, toString(r.state));
            st.bindInt(3, toUnixMillis(r.at));
            st.bindText(4, r.actor);
            st.bindText(5, r.reason);
            st.bindText(6, r.payloadOverride);
            st.run();
            st.reset();
        }
    }
    if (!w.outcomes.empty()) {
        sqlite::Statement st(db,
                             "INSERT INTO outcomes (consumer, seq, event_id, correlation_id, "
                             "event_type, outcome, at_ms, latency_ms) VALUES (?1, ?2, ?3, ?4, ?5, "
                             "?6, ?7, ?8)",
                             "recording business outcomes");
        for (const auto& o : w.outcomes) {
            st.bindText(1, o.consumer);
            st.bindInt(2, o.seq);
            st.bindText(3, o.eventId);
            st.bindText(4, o.correlationId);
            st.bindText(5, o.eventType);
            st.bindText(6, o.outcomeJson);
            st.bindInt(7, toUnixMillis(o.at));
            st.bindInt(8, o.latencyMs);
            st.run();
            st.reset();
        }
    }
    if (!w.minutes.empty()) {
        sqlite::Statement st(
            db,
            "INSERT OR REPLACE INTO consumer_minutes (consumer, minute_ms, delivered, failed, "
            "retried, dead, lag_count, lag_age_ms, p50_ms, p99_ms) VALUES (?1, ?2, ?3, ?4, ?5, "
            "?6, ?7, ?8, ?9, ?10)",
            "recording per-minute delivery history");
        for (const auto& m : w.minutes) {
            st.bindText(1, m.consumer);
            st.bindInt(2, toUnixMillis(m.minute));
            st.bindInt(3, m.delivered);
            st.bindInt(4, m.failed);
            st.bindInt(5, m.retried);
            st.bindInt(6, m.dead);
            st.bindInt(7, m.lagCount);
            st.bindInt(8, m.lagAgeMs);
            st.bindInt(9, static_cast<std::int64_t>(m.p50Ms));
            st.bindInt(10, static_cast<std::int64_t>(m.p99Ms));
            st.run();
            st.reset();
        }
    }
    if (w.pruneHistoryBefore) {
        sqlite::Statement st(db, "DELETE FROM consumer_minutes WHERE minute_ms < ?1",
                             "pruning old delivery history");
        st.bindInt(1, toUnixMillis(*w.pruneHistoryBefore));
        st.run();
    }
}

} // namespace

DeliveryStore::DeliveryStore(Database& db) : db_(db) {}

std::vector<StoredConsumer> DeliveryStore::loadConsumers() const {
    std::vector<StoredConsumer> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db,
                             "SELECT name, spec, paused, source, created_at_ms, updated_at_ms "
                             "FROM consumers ORDER BY name",
                             "loading consumers");
        while (st.step()) {
            auto parsed = parseConsumerSpec(st.columnText(1));
            if (!parsed.spec) {
                std::fprintf(stderr, "meshdeck: stored consumer %s is unreadable: %s\n",
                             st.columnText(0).c_str(), describe(parsed.violations).c_str());
                continue;
            }
            StoredConsumer c{std::move(*parsed.spec), fromUnixMillis(st.columnInt(4)),
                             fromUnixMillis(st.columnInt(5))};
            c.spec.paused = st.columnInt(2) != 0;
            c.spec.source = st.columnText(3);
            out.push_back(std::move(c));
        }
    });
    return out;
}

void DeliveryStore::saveConsumer(const ConsumerSpec& spec, Timestamp now, WriteDone done) {
    db_.submitControl(
        [name = spec.name, json = consumerSpecToJson(spec, false), paused = spec.paused,
         source = spec.source, at = toUnixMillis(now)](sqlite3* db) {
            sqlite::Statement st(
                db,
                "INSERT INTO consumers (name, spec, paused, source, created_at_ms, "
                "updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (name) "
                "DO UPDATE SET spec = excluded.spec, paused = excluded.paused, "
                "source = excluded.source, updated_at_ms = excluded.updated_at_ms",
                "saving consumer " + name);
            st.bindText(1, name);
            st.bindText(2, json);
            st.bindInt(3, paused ? 1 : 0);
            st.bindText(4, source);
            st.bindInt(5, at);
            st.run();
        },
        std::move(done));
}

void DeliveryStore::deleteConsumer(const std::string& name, WriteDone done) {
    db_.submitControl(
        [name](sqlite3* db) {
            for (const char* sql : {"DELETE FROM consumers WHERE name = ?1",
                                    "DELETE FROM consumer_progress WHERE consumer = ?1",
                                    "DELETE FROM consumer_acks WHERE consumer = ?1",
                                    "DELETE FROM entity_versions WHERE consumer = ?1"}) {
                sqlite::Statement st(db, sql, "deleting consumer " + name);
                st.bindText(1, name);
                st.run();
            }
        },
        std::move(done));
}

ConsumerProgress DeliveryStore::loadProgress(const std::string& consumer) const {
    ConsumerProgress p;
    db_.read([&](sqlite3* db) {
        sqlite::inReadTransaction(db, [&] {
            sqlite::Statement floor(db,
                                    "SELECT ack_floor FROM consumer_progress WHERE consumer = ?1",
                                    "loading the ack floor of " + consumer);
            floor.bindText(1, consumer);
            if (floor.step())
                p.ackFloor = floor.columnInt(0);
            sqlite::Statement acks(db,
                                   "SELECT seq FROM consumer_acks WHERE consumer = ?1 AND seq > ?2",
                                   "loading acknowledged events of " + consumer);
            acks.bindText(1, consumer);
            acks.bindInt(2, p.ackFloor);
            while (acks.step())
                p.settledAbove.insert(acks.columnInt(0));
            sqlite::Statement versions(
                db, "SELECT entity, version FROM entity_versions WHERE consumer = ?1",
                "loading delivered entity versions of " + consumer);
            versions.bindText(1, consumer);
            while (versions.step())
                p.entityVersions.emplace(versions.columnText(0), versions.columnInt(1));
        });
    });
    return p;
}

void DeliveryStore::write(DeliveryWrites writes, std::function<void(const std::string&)> done) {
    auto shared = std::make_shared<const DeliveryWrites>(std::move(writes));
    WriteJob job;
    job.weight = shared->weight();
    // Progress must never be refused: refusing it would redeliver, not protect.
    job.bypassBackpressure = true;
    job.apply = [shared](sqlite3* db) {
        applyWrites(db, *shared);
    };
    job.done = [done = std::move(done)](const std::string& error) {
        if (!error.empty())
            std::fprintf(stderr, "meshdeck: delivery progress not saved: %s\n", error.c_str());
        if (done)
            done(error);
    };
    if (!db_.submit(std::move(job)))
        std::fprintf(stderr, "meshdeck: delivery progress not saved: the writer has stopped\n");
}

std::vector<AttemptRecord> DeliveryStore::attemptsFor(const std::string& consumer,
                                                      std::int64_t seq) const {
    std::vector<AttemptRecord> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(
            db, select(kAttemptColumns, "WHERE consumer = ?1 AND seq = ?2 ORDER BY id"),
            "reading delivery attempts");
        st.bindText(1, consumer);
        st.bindInt(2, seq);
        while (st.step())
            out.push_back(readAttempt(st));
    });
    return out;
}

std::vector<AttemptRecord>
DeliveryStore::attemptsByCorrelation(const std::string& correlationId) const {
    std::vector<AttemptRecord> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(
            db, select(kAttemptColumns, "WHERE correlation_id = ?1 ORDER BY id LIMIT 5000"),
            "reading a trace's delivery attempts");
        st.bindText(1, correlationId);
        while (st.step())
            out.push_back(readAttempt(st));
    });
    return out;
}

std::vector<DeadLetter> DeliveryStore::deadLetters(const DeadLetterQuery& q) const {
    std::vector<DeadLetter> out;
    std::string sql = select(kDeadLetterColumns, "WHERE id < ?1");
    if (q.consumer)
        sql += " AND consumer = ?2";
    if (q.signature)
        sql += " AND signature = ?3";
    if (q.tenant)
        sql += " AND tenant_id = ?4";
    if (q.state)
        sql += " AND state = ?5";
    sql += " ORDER BY id DESC LIMIT ?6";
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, sql, "listing dead letters");
        st.bindInt(1, q.beforeId > 0 ? q.beforeId : std::numeric_limits<std::int64_t>::max());
        if (q.consumer)
            st.bindText(2, *q.consumer);
        if (q.signature)
            st.bindText(3, *q.signature);
        if (q.tenant)
            st.bindText(4, *q.tenant);
        if (q.state)
            st.bindText(5, toString(*q.state));
        st.bindInt(6, std::clamp(q.limit, 1, kMaxList));
        while (st.step())
            out.push_back(readDeadLetter(st));
    });
    return out;
}

std::optional<DeadLetter> DeliveryStore::deadLetter(std::int64_t id) const {
    std::optional<DeadLetter> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, select(kDeadLetterColumns, "WHERE id = ?1"),
                             "reading a dead letter");
        st.bindInt(1, id);
        if (st.step())
            out = readDeadLetter(st);
    });
    return out;
}

std::vector<DeadLetter>
DeliveryStore::deadLettersByCorrelation(const std::string& correlationId) const {
    std::vector<DeadLetter> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(
            db, select(kDeadLetterColumns, "WHERE correlation_id = ?1 ORDER BY id LIMIT 1000"),
            "reading a trace's dead letters");
        st.bindText(1, correlationId);
        while (st.step())
            out.push_back(readDeadLetter(st));
    });
    return out;
}

std::vector<DeadLetterGroup>
DeliveryStore::deadLetterGroups(const std::optional<std::string>& consumer,
                                const std::optional<std::string>& tenant) const {
    std::vector<DeadLetterGroup> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db,
                             std::string("SELECT consumer, signature, class, max(error), "
                                         "count(*), min(dead_at_ms), max(dead_at_ms) FROM "
                                         "dead_letters WHERE state = 'open'") +
                                 (consumer ? " AND consumer = ?1" : "") +
                                 (tenant ? " AND tenant_id = ?2" : "") +
                                 " GROUP BY consumer, signature ORDER BY count(*) DESC",
                             "grouping dead letters");
        if (consumer)
            st.bindText(1, *consumer);
        if (tenant)
            st.bindText(2, *tenant);
        while (st.step()) {
            DeadLetterGroup g;
            g.consumer = st.columnText(0);
            g.signature = st.columnText(1);
            g.failureClass = readFailureClass(st, 2);
            g.exampleError = st.columnText(3);
            g.count = st.columnInt(4);
            g.firstAt = fromUnixMillis(st.columnInt(5));
            g.lastAt = fromUnixMillis(st.columnInt(6));
            out.push_back(std::move(g));
        }
    });
    return out;
}

std::vector<OutcomeRecord>
DeliveryStore::outcomesByCorrelation(const std::string& correlationId) const {
    std::vector<OutcomeRecord> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db,
                             "SELECT consumer, seq, event_id, correlation_id, event_type, outcome, "
                             "at_ms, latency_ms FROM outcomes WHERE correlation_id = ?1 ORDER BY "
                             "id LIMIT 1000",
                             "reading a trace's outcomes");
        st.bindText(1, correlationId);
        while (st.step())
            out.push_back({st.columnText(0), st.columnInt(1), st.columnText(2), st.columnText(3),
                           st.columnText(4), st.columnText(5), fromUnixMillis(st.columnInt(6)),
                           st.columnInt(7)});
    });
    return out;
}

std::vector<MinuteRecord> DeliveryStore::history(const std::string& consumer,
                                                 Timestamp since) const {
    std::vector<MinuteRecord> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db,
                             "SELECT minute_ms, delivered, failed, retried, dead, lag_count, "
                             "lag_age_ms, p50_ms, p99_ms FROM consumer_minutes WHERE consumer = ?1 "
                             "AND minute_ms >= ?2 ORDER BY minute_ms LIMIT 20160",
                             "reading delivery history of " + consumer);
        st.bindText(1, consumer);
        st.bindInt(2, toUnixMillis(since));
        while (st.step()) {
            MinuteRecord m;
            m.consumer = consumer;
            m.minute = fromUnixMillis(st.columnInt(0));
            m.delivered = st.columnInt(1);
            m.failed = st.columnInt(2);
            m.retried = st.columnInt(3);
            m.dead = st.columnInt(4);
            m.lagCount = st.columnInt(5);
            m.lagAgeMs = st.columnInt(6);
            m.p50Ms = static_cast<double>(st.columnInt(7));
            m.p99Ms = static_cast<double>(st.columnInt(8));
            out.push_back(std::move(m));
        }
    });
    return out;
}

} // namespace meshdeck
