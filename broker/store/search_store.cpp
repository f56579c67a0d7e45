#include "broker/store/search_store.h"

#include "broker/store/sqlite_statement.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace meshdeck {

namespace {

using protocol::kSearchCountCap;
using protocol::kSearchListCap;

// How many of an entity's newest events are read for its correlation ids.
constexpr int kCorrelationScan = 200;

// INDEXED BY: the plan is part of the contract here (an index seek, never a
// scan of the log), so it is named rather than left to the planner, and a
// statement that cannot use it fails instead of running slowly.
//
// The loose scan steps with two plain seeks, never a row value: SQLite
// answers "(tenant_id, entity_kind) > (?1, ?2)" by seeking to the tenant and
// reading past every entry of the pair before (50,000 of them for a kind of
// a big tenant, 10 ms a step on a million events), though its plan reads
// "SEARCH ... ((tenant_id,entity_kind)>(?,?))".
constexpr const char* kFirstKind =
    "SELECT tenant_id, entity_kind FROM events INDEXED BY events_by_entity "
    "WHERE tenant_id >= ?1 ORDER BY tenant_id, entity_kind LIMIT 1";
constexpr const char* kNextKindOfTenant =
    "SELECT entity_kind FROM events INDEXED BY events_by_entity "
    "WHERE tenant_id = ?1 AND entity_kind > ?2 ORDER BY entity_kind LIMIT 1";
constexpr const char* kNextTenant =
    "SELECT tenant_id, entity_kind FROM events INDEXED BY events_by_entity "
    "WHERE tenant_id > ?1 ORDER BY tenant_id, entity_kind LIMIT 1";

constexpr const char* kEntityCount =
    "SELECT count(*) FROM (SELECT 1 FROM events INDEXED BY events_by_entity "
    "WHERE tenant_id = ?1 AND entity_kind = ?2 AND entity_id = ?3 LIMIT ?4)";
constexpr const char* kEntityNewest =
    "SELECT seq, occurred_at_ms, event_type, correlation_id FROM events "
    "INDEXED BY events_by_entity WHERE tenant_id = ?1 AND entity_kind = ?2 AND entity_id = ?3 "
    "ORDER BY seq DESC LIMIT ?4";
constexpr const char* kEntityFirst =
    "SELECT seq, occurred_at_ms FROM events INDEXED BY events_by_entity "
    "WHERE tenant_id = ?1 AND entity_kind = ?2 AND entity_id = ?3 ORDER BY seq LIMIT 1";
constexpr const char* kOpenDeadLetters =
    "SELECT count(*) FROM (SELECT 1 FROM dead_letters INDEXED BY dead_letters_by_entity "
    "WHERE entity = ?1 AND state = 'open' LIMIT ?2)";

// ?2 NULL: every tenant.
constexpr const char* kCorrelationFirst =
    "SELECT seq, occurred_at_ms, tenant_id, entity_kind, entity_id FROM events "
    "INDEXED BY events_by_correlation WHERE correlation_id = ?1 "
    "AND (?2 IS NULL OR tenant_id = ?2) ORDER BY seq LIMIT ?3";
constexpr const char* kCorrelationLast =
    "SELECT seq, occurred_at_ms FROM events INDEXED BY events_by_correlation "
    "WHERE correlation_id = ?1 AND (?2 IS NULL OR tenant_id = ?2) ORDER BY seq DESC LIMIT 1";

void bindTenant(sqlite::Statement& st, int index, const std::optional<std::string>& tenant) {
    if (tenant)
        st.bindText(index, *tenant);
    else
        st.bindNull(index);
}

// Every (tenant, kind) pair in the log, or of one tenant: each step seeks
// past the pair before it (the next kind of its tenant, else the next
// tenant's first kind), so the index is read a few times per pair.
std::vector<EntityKind> entityKinds(sqlite3* db, const std::optional<std::string>& tenant) {
    std::vector<EntityKind> kinds;
    sqlite::Statement first(db, kFirstKind, "finding the first entity kind");
    first.bindText(1, tenant.value_or(""));
    if (!first.step() || (tenant && first.columnText(0) != *tenant))
        return kinds;
    kinds.push_back({first.columnText(0), first.columnText(1)});
    sqlite::Statement nextKind(db, kNextKindOfTenant, "finding a tenant's next entity kind");
    sqlite::Statement nextTenant(db, kNextTenant, "finding the next tenant");
    for (;;) {
        nextKind.reset();
        nextKind.bindText(1, kinds.back().tenant);
        nextKind.bindText(2, kinds.back().kind);
        if (nextKind.step()) {
            kinds.push_back({kinds.back().tenant, nextKind.columnText(0)});
            continue;
        }
        if (tenant)
            break;
        nextTenant.reset();
        nextTenant.bindText(1, kinds.back().tenant);
        if (!nextTenant.step())
            break;
        kinds.push_back({nextTenant.columnText(0), nextTenant.columnText(1)});
    }
    return kinds;
}

// The entity's summary, or nullopt when it has no events.
std::optional<protocol::EntityMatch> summarizeEntity(sqlite3* db, const std::string& tenant,
                                                     const std::string& kind,
                                                     const std::string& id) {
    const auto bindEntity = [&](sqlite::Statement& st) {
        st.bindText(1, tenant);
        st.bindText(2, kind);
        st.bindText(3, id);
    };
    sqlite::Statement count(db, kEntityCount, "counting an entity's events");
    bindEntity(count);
    count.bindInt(4, kSearchCountCap + 1);
    count.step();
    const std::int64_t events = count.columnInt(0);
    if (events == 0)
        return std::nullopt;

    protocol::EntityMatch m;
    m.tenant = tenant;
    m.entityKind = kind;
    m.entityId = id;
    m.span.events = std::min(events, kSearchCountCap);
    m.span.eventsMore = events > kSearchCountCap;

    sqlite::Statement newest(db, kEntityNewest, "reading an entity's newest events");
    bindEntity(newest);
    newest.bindInt(4, kCorrelationScan);
    std::int64_t read = 0;
    std::set<std::string, std::less<>> seen;
    while (newest.step()) {
        ++read;
        const std::int64_t seq = newest.columnInt(0);
        const Timestamp occurredAt = fromUnixMillis(newest.columnInt(1));
        if (read == 1) {
            m.span.lastSeq = seq;
            m.span.lastOccurredAt = occurredAt;
            m.lastEventType = newest.columnText(2);
        }
        // The oldest row read is the first event when every event was read.
        m.span.firstSeq = seq;
        m.span.firstOccurredAt = occurredAt;
        std::string correlation = newest.columnText(3);
        if (correlation.empty() || seen.contains(correlation))
            continue;
        if (m.correlationIds.size() == kSearchListCap) {
            m.correlationIdsMore = true;
            continue;
        }
        seen.insert(correlation);
        m.correlationIds.push_back(std::move(correlation));
    }
    if (read < events) {
        m.correlationIdsMore = true; // older events were not read
        sqlite::Statement first(db, kEntityFirst, "reading an entity's first event");
        bindEntity(first);
        if (first.step()) {
            m.span.firstSeq = first.columnInt(0);
            m.span.firstOccurredAt = fromUnixMillis(first.columnInt(1));
        }
    }

    sqlite::Statement letters(db, kOpenDeadLetters, "counting an entity's open dead letters");
    // As the delivery engine keys entities (broker/delivery/engine_state.h).
    letters.bindText(1, tenant + '/' + kind + ':' + id);
    letters.bindInt(2, kSearchCountCap + 1);
    letters.step();
    const std::int64_t open = letters.columnInt(0);
    m.openDeadLetters = std::min(open, kSearchCountCap);
    m.openDeadLettersMore = open > kSearchCountCap;
    return m;
}

std::optional<protocol::CorrelationMatch>
summarizeCorrelation(sqlite3* db, const std::string& id, const std::optional<std::string>& tenant) {
    sqlite::Statement first(db, kCorrelationFirst, "reading a correlation id's events");
    first.bindText(1, id);
    bindTenant(first, 2, tenant);
    first.bindInt(3, kSearchCountCap + 1);
    protocol::CorrelationMatch m;
    m.correlationId = id;
    std::set<std::string> tenants;
    std::set<std::tuple<std::string, std::string, std::string>> entities;
    std::int64_t read = 0;
    while (first.step()) {
        if (++read > kSearchCountCap) {
            m.span.eventsMore = true;
            break;
        }
        m.span.lastSeq = first.columnInt(0);
        m.span.lastOccurredAt = fromUnixMillis(first.columnInt(1));
        if (read == 1) {
            m.span.firstSeq = m.span.lastSeq;
            m.span.firstOccurredAt = m.span.lastOccurredAt;
        }
        std::string t = first.columnText(2);
        auto entity = std::tuple(t, first.columnText(3), first.columnText(4));
        tenants.insert(std::move(t));
        if (entities.contains(entity))
            continue;
        if (entities.size() == kSearchListCap) {
            m.entitiesMore = true;
            continue;
        }
        entities.insert(entity);
        m.entities.push_back({std::get<0>(entity), std::get<1>(entity), std::get<2>(entity)});
    }
    if (read == 0)
        return std::nullopt;
    m.span.events = std::min(read, kSearchCountCap);
    m.tenants.assign(tenants.begin(), tenants.end());
    if (m.span.eventsMore) {
        m.entitiesMore = true; // later events were not read
        sqlite::Statement last(db, kCorrelationLast, "reading a correlation id's last event");
        last.bindText(1, id);
        bindTenant(last, 2, tenant);
        if (last.step()) {
            m.span.lastSeq = last.columnInt(0);
            m.span.lastOccurredAt = fromUnixMillis(last.columnInt(1));
        }
    }
    return m;
}

} // namespace

LogFindings SearchStore::find(const SearchQuery& query,
                              const std::optional<std::string>& tenant) const {
    LogFindings found;
    db_.read([&](sqlite3* db) {
        sqlite::inReadTransaction(db, [&] {
            found.kinds = entityKinds(db, tenant);
            if (query.entity)
                for (const auto& k : found.kinds)
                    if (k.kind == query.entity->kind)
                        if (auto m = summarizeEntity(db, k.tenant, k.kind, query.entity->id))
                            found.entities.push_back(std::move(*m));
            for (const auto& k : found.kinds)
                if (auto m = summarizeEntity(db, k.tenant, k.kind, query.text))
                    found.entities.push_back(std::move(*m));
            found.correlation = summarizeCorrelation(db, query.text, tenant);
        });
    });
    return found;
}

} // namespace meshdeck
