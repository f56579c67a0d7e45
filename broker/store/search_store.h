#pragma once
// The reads behind GET /v1/search that are not a look-up by key: which
// entities have an id (of any kind), what a correlation id spans, and the
// entity kinds a tenant has. SQLite-specific, like the rest of broker/store:
// a JetStream log will need its own.
//
// Every read is an index seek or a bounded range of one; nothing scans the
// log, and no index was added to the events table for it (that would slow
// ingest):
//   entity kinds       a loose scan of events_by_entity (tenant_id,
//                      entity_kind, entity_id, seq): one seek per distinct
//                      (tenant, kind) pair, each past the previous pair.
//   an entity          a seek of (tenant, kind, id) in the same index for
//                      each pair, counting at most kSearchCountCap + 1 rows
//                      of it (covering); its newest events for correlation
//                      ids; open dead letters by dead_letters_by_entity.
//   a correlation id   events_by_correlation (correlation_id, seq): the
//                      first kSearchCountCap + 1 events and the last one.
// The cost grows with the number of (tenant, kind) pairs, not with the log.
//
// Threads: thread-safe; each call borrows one read connection and reads
// one snapshot. Read failures throw SqliteError.

#include "broker/store/database.h"
#include "core/protocol/search.h"
#include "core/search_query.h"

#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

struct EntityKind {
    std::string tenant;
    std::string kind;

    bool operator==(const EntityKind&) const = default;
};

// What the log holds for one query, in the tenant's view.
struct LogFindings {
    std::vector<protocol::EntityMatch> entities; // (kind, id) ones first, then any kind
    std::optional<protocol::CorrelationMatch> correlation;
    std::vector<EntityKind> kinds; // every (tenant, kind) pair the tenant has, sorted
};

class SearchStore {
public:
    explicit SearchStore(Database& db) : db_(db) {}

    // Entities with the query's text as id (of any kind) or with its
    // kind:id, and its text as a correlation id. tenant: only that tenant's
    // events (nullopt: every tenant's).
    LogFindings find(const SearchQuery& query, const std::optional<std::string>& tenant) const;

private:
    Database& db_;
};

} // namespace meshdeck
