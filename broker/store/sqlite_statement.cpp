#include "broker/store/sqlite_statement.h"

#include <mutex>
#include <unordered_map>

namespace meshdeck::sqlite {

namespace {

// Idle prepared statements by connection, then by SQL text. A connection
// runs on one thread at a time, but several connections share this map.
// Dynamic SQL (the event queries) is bounded by the cap per connection.
constexpr std::size_t kKeptPerConnection = 128;

// Looks SQL up by string_view, so taking a kept statement copies no text.
struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
        return std::hash<std::string_view>{}(sql);
    }
};
using IdleBySql = std::unordered_multimap<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>>;

struct KeptStatements {
    std::mutex mutex;
    std::unordered_map<sqlite3*, IdleBySql> idle;
};

KeptStatements& kept() {
    static KeptStatements instance;
    return instance;
}

sqlite3_stmt* takeKept(sqlite3* db, std::string_view sql) {
    auto& k = kept();
    std::lock_guard lock(k.mutex);
    auto connection = k.idle.find(db);
    if (connection == k.idle.end())
        return nullptr;
    auto it = connection->second.find(sql);
    if (it == connection->second.end())
        return nullptr;
    sqlite3_stmt* stmt = it->second;
    connection->second.erase(it);
    return stmt;
}

// True when the statement was kept; false when the caller should finalize it.
bool giveBack(sqlite3* db, sqlite3_stmt* stmt) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    auto& k = kept();
    std::lock_guard lock(k.mutex);
    auto connection = k.idle.find(db);
    if (connection == k.idle.end() || connection->second.size() >= kKeptPerConnection)
        return false;
    connection->second.emplace(sqlite3_sql(stmt), stmt);
    return true;
}

std::string fileOf(sqlite3* db) {
    const char* name = db ? sqlite3_db_filename(db, "main") : nullptr;
    return name && *name ? std::string(name) : std::string("in-memory database");
}

} // namespace

void fail(sqlite3* db, int rc, std::string_view doing) {
    std::string message(doing);
    message += " (";
    message += fileOf(db);
    message += "): ";
    // The connection's message is more specific than the code's ("no such
    // table: events" rather than "SQL logic error"), but only while it still
    // describes rc.
    if (db && sqlite3_errcode(db) == rc)
        message += sqlite3_errmsg(db);
    else
        message += sqlite3_errstr(rc);
    throw SqliteError(message);
}

void fail(sqlite3* db, std::string_view doing) {
    fail(db, sqlite3_errcode(db), doing);
}

void exec(sqlite3* db, const char* sql, std::string_view doing) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    if (rc == SQLITE_OK)
        return;
    std::string message(doing);
    message += " (";
    message += fileOf(db);
    message += "): ";
    message += error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw SqliteError(message);
}

void run(sqlite3* db, const char* sql, std::string_view doing) {
    Statement(db, sql, std::string(doing)).run();
}

std::string queryText(sqlite3* db, const char* sql, std::string_view doing) {
    Statement st(db, sql, std::string(doing));
    return st.step() ? st.columnText(0) : std::string();
}

std::int64_t queryInt(sqlite3* db, const char* sql, std::string_view doing) {
    Statement st(db, sql, std::string(doing));
    return st.step() ? st.columnInt(0) : 0;
}

void keepStatements(sqlite3* db) {
    auto& k = kept();
    std::lock_guard lock(k.mutex);
    k.idle.try_emplace(db);
}

void forgetStatements(sqlite3* db) {
    auto& k = kept();
    std::lock_guard lock(k.mutex);
    auto connection = k.idle.find(db);
    if (connection == k.idle.end())
        return;
    for (auto& [sql, stmt] : connection->second)
        sqlite3_finalize(stmt);
    k.idle.erase(connection);
}

Statement::Statement(sqlite3* db, std::string_view sql, std::string doing)
    : db_(db), doing_(std::move(doing)) {
    stmt_ = takeKept(db, sql);
    if (stmt_)
        return;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK)
        fail(db_, rc, doing_);
}

Statement::~Statement() {
    if (stmt_ && !giveBack(db_, stmt_))
        sqlite3_finalize(stmt_);
}

void Statement::bindInt(int index, std::int64_t value) {
    if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK)
        fail(db_, rc, doing_);
}

void Statement::bindOptionalInt(int index, const std::optional<std::int64_t>& value) {
    if (value)
        bindInt(index, *value);
    else
        bindNull(index);
}

void Statement::bindText(int index, std::string_view value) {
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
    if (rc != SQLITE_OK)
        fail(db_, rc, doing_);
}

void Statement::bindBlob(int index, std::string_view bytes) {
    // A zero-length blob with a null pointer would bind NULL; keep it a blob.
    const int rc = sqlite3_bind_blob64(stmt_, index, bytes.empty() ? "" : bytes.data(),
                                       bytes.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK)
        fail(db_, rc, doing_);
}

void Statement::bindNull(int index) {
    if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK)
        fail(db_, rc, doing_);
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(db_, rc, doing_);
}

void Statement::run() {
    if (step())
        throw SqliteError(doing_ + ": the statement returned rows where none were expected");
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::columnInt(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string Statement::columnText(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (!text)
        return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::columnBlob(int column) const {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    if (!bytes)
        return {};
    return std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

} // namespace meshdeck::sqlite
