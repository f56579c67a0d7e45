#include "broker/store/schema_store.h"

#include "broker/store/sqlite_statement.h"
#include "core/time.h"

namespace meshdeck {

SchemaStore::SchemaStore(Database& db) : db_(db) {}

void SchemaStore::save(const StoredSchema& schema) {
    const std::string label = schema.eventType + " v" + std::to_string(schema.version);
    const std::int64_t nowMs = toUnixMillis(SystemClock::instance().now());
    const std::string error = db_.writeAndWait([&](sqlite3* db) {
        // A published version is immutable: saving it again is harmless only
        // when nothing changed.
        sqlite::Statement existing(
            db, "SELECT schema FROM schemas WHERE event_type = ?1 AND version = ?2",
            "looking up schema " + label);
        existing.bindText(1, schema.eventType);
        existing.bindInt(2, schema.version);
        if (existing.step()) {
            if (existing.columnText(0) != schema.schema)
                throw SqliteError("schema " + label +
                                  " is already registered with different content; register a "
                                  "new version instead");
            return;
        }
        sqlite::Statement st(db,
                             "INSERT INTO schemas (event_type, version, schema, registered_at_ms) "
                             "VALUES (?1, ?2, ?3, ?4)",
                             "storing schema " + label);
        st.bindText(1, schema.eventType);
        st.bindInt(2, schema.version);
        st.bindText(3, schema.schema);
        st.bindInt(4, nowMs);
        st.run();
    });
    if (!error.empty())
        throw SqliteError(error);
}

std::vector<StoredSchema> SchemaStore::loadAll() const {
    std::vector<StoredSchema> schemas;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db,
                             "SELECT event_type, version, schema FROM schemas "
                             "ORDER BY event_type, version",
                             "loading stored schemas");
        while (st.step())
            schemas.push_back(
                {st.columnText(0), static_cast<int>(st.columnInt(1)), st.columnText(2)});
    });
    return schemas;
}

} // namespace meshdeck
