#include "broker/store/source_store.h"

#include "broker/log.h"
#include "broker/store/sqlite_statement.h"

namespace meshdeck {

std::vector<SourceSpec> SourceStore::load() const {
    std::vector<SourceSpec> out;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, "SELECT name, spec FROM sources ORDER BY name",
                             "loading vendor sources");
        while (st.step()) {
            auto parsed = parseSourceSpec(st.columnText(1));
            if (!parsed.spec) {
                log::warn("stored source is unreadable; put it again through /v1/sources",
                          {{"source", st.columnText(0)}, {"reason", describe(parsed.violations)}});
                continue;
            }
            parsed.spec->origin = "api";
            out.push_back(std::move(*parsed.spec));
        }
    });
    return out;
}

void SourceStore::save(const SourceSpec& spec, Timestamp now, WriteDone done) {
    db_.submitControl(
        [name = spec.name, json = sourceSpecToJson(spec, false),
         at = toUnixMillis(now)](sqlite3* db) {
            sqlite::Statement st(db,
                                 "INSERT INTO sources (name, spec, created_at_ms, updated_at_ms) "
                                 "VALUES (?1, ?2, ?3, ?3) ON CONFLICT (name) DO UPDATE SET "
                                 "spec = excluded.spec, updated_at_ms = excluded.updated_at_ms",
                                 "saving source " + name);
            st.bindText(1, name);
            st.bindText(2, json);
            st.bindInt(3, at);
            st.run();
        },
        std::move(done));
}

void SourceStore::remove(const std::string& name, WriteDone done) {
    db_.submitControl(
        [name](sqlite3* db) {
            sqlite::Statement st(db, "DELETE FROM sources WHERE name = ?1",
                                 "deleting source " + name);
            st.bindText(1, name);
            st.run();
        },
        std::move(done));
}

} // namespace meshdeck
