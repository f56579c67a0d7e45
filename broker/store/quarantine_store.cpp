#include "broker/store/quarantine_store.h"

#include "broker/store/sqlite_statement.h"

#include <algorithm>
#include <limits>
#include <memory>

namespace meshdeck {

namespace {

// Enough to see what a sender got wrong; a hostile sender cannot fill the
// disk through the quarantine faster than through its size limit.
constexpr std::size_t kMaxBodyBytes = 1 << 20;
constexpr int kMaxList = 1'000;

} // namespace

QuarantineStore::QuarantineStore(Database& db) : db_(db) {}

bool QuarantineStore::add(QuarantineEntry entry, std::function<void(const std::string&)> done) {
    if (entry.body.size() > kMaxBodyBytes)
        entry.body.resize(kMaxBodyBytes);
    auto shared = std::make_shared<const QuarantineEntry>(std::move(entry));
    WriteJob job;
    job.apply = [shared](sqlite3* db) {
        const QuarantineEntry& e = *shared;
        sqlite::Statement st(db,
                             "INSERT INTO quarantine (received_at_ms, tenant, token_id, source, "
                             "content_type, status, reason, detail, body) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                             "quarantining a rejected request");
        st.bindInt(1, toUnixMillis(e.receivedAt));
        st.bindText(2, e.tenant);
        st.bindText(3, e.tokenId);
        st.bindText(4, e.source);
        st.bindText(5, e.contentType);
        st.bindInt(6, e.status);
        st.bindText(7, e.reason);
        st.bindText(8, e.detail);
        st.bindBlob(9, e.body);
        st.run();
    };
    job.done = std::move(done);
    return db_.submit(std::move(job));
}

std::vector<QuarantineEntry> QuarantineStore::list(int limit, std::optional<std::int64_t> beforeId,
                                                   std::optional<std::string> tenant) const {
    std::string sql = "SELECT id, received_at_ms, tenant, token_id, source, content_type, status, "
                      "reason, detail, body FROM quarantine WHERE id < ?1";
    if (tenant)
        sql += " AND tenant = ?2";
    sql += " ORDER BY id DESC LIMIT " + std::to_string(std::clamp(limit, 1, kMaxList));
    std::vector<QuarantineEntry> entries;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, sql, "listing quarantined requests");
        st.bindInt(1, beforeId.value_or(std::numeric_limits<std::int64_t>::max()));
        if (tenant)
            st.bindText(2, *tenant);
        while (st.step()) {
            QuarantineEntry e;
            e.id = st.columnInt(0);
            e.receivedAt = fromUnixMillis(st.columnInt(1));
            e.tenant = st.columnText(2);
            e.tokenId = st.columnText(3);
            e.source = st.columnText(4);
            e.contentType = st.columnText(5);
            e.status = static_cast<int>(st.columnInt(6));
            e.reason = st.columnText(7);
            e.detail = st.columnText(8);
            e.body = st.columnBlob(9);
            entries.push_back(std::move(e));
        }
    });
    return entries;
}

std::int64_t QuarantineStore::count() const {
    std::int64_t n = 0;
    db_.read([&](sqlite3* db) {
        n = sqlite::queryInt(db, "SELECT COUNT(*) FROM quarantine",
                             "counting quarantined requests");
    });
    return n;
}

} // namespace meshdeck
