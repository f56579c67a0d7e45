#include "broker/store/audit_log.h"

#include "broker/store/sqlite_statement.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>

namespace meshdeck {

namespace {
constexpr int kMaxList = 1'000;
} // namespace

AuditLog::AuditLog(Database& db) : db_(db) {}

void AuditLog::record(AuditEntry entry) {
    if (entry.at == Timestamp{})
        entry.at = SystemClock::instance().now();
    auto shared = std::make_shared<const AuditEntry>(std::move(entry));
    WriteJob job;
    // An admin action must leave a trace even while ingestion fills the queue.
    job.bypassBackpressure = true;
    job.apply = [shared](sqlite3* db) {
        const AuditEntry& e = *shared;
        sqlite::Statement st(db,
                             "INSERT INTO audit (at_ms, actor, action, target, detail, tenant) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                             "recording audit entry " + e.action);
        st.bindInt(1, toUnixMillis(e.at));
        st.bindText(2, e.actor);
        st.bindText(3, e.action);
        st.bindText(4, e.target);
        st.bindText(5, e.detail);
        st.bindText(6, e.tenant);
        st.run();
    };
    job.done = [shared](const std::string& error) {
        // No caller waits for the audit entry, so say it on stderr rather than lose it silently.
        if (!error.empty())
            std::fprintf(stderr, "meshdeck: audit entry lost (%s by %s on %s): %s\n",
                         shared->action.c_str(), shared->actor.c_str(), shared->target.c_str(),
                         error.c_str());
    };
    if (!db_.submit(std::move(job)))
        std::fprintf(stderr,
                     "meshdeck: audit entry lost (%s by %s on %s): the writer has stopped\n",
                     shared->action.c_str(), shared->actor.c_str(), shared->target.c_str());
}

std::vector<AuditEntry> AuditLog::list(int limit, std::int64_t beforeId,
                                       const std::optional<std::string>& tenant) const {
    std::vector<AuditEntry> entries;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db,
                             tenant ? "SELECT id, at_ms, actor, action, target, detail, tenant "
                                      "FROM audit WHERE id < ?1 AND tenant = ?3 "
                                      "ORDER BY id DESC LIMIT ?2"
                                    : "SELECT id, at_ms, actor, action, target, detail, tenant "
                                      "FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
                             "listing the audit log");
        st.bindInt(1, beforeId > 0 ? beforeId : std::numeric_limits<std::int64_t>::max());
        st.bindInt(2, std::clamp(limit, 1, kMaxList));
        if (tenant)
            st.bindText(3, *tenant);
        while (st.step()) {
            AuditEntry e;
            e.id = st.columnInt(0);
            e.at = fromUnixMillis(st.columnInt(1));
            e.actor = st.columnText(2);
            e.action = st.columnText(3);
            e.target = st.columnText(4);
            e.detail = st.columnText(5);
            e.tenant = st.columnText(6);
            entries.push_back(std::move(e));
        }
    });
    return entries;
}

} // namespace meshdeck
