#include "broker/store/sqlite_statement.h"

namespace meshdeck::sqlite {

namespace {

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

std::string queryText(sqlite3* db, const char* sql, std::string_view doing) {
    Statement st(db, sql, std::string(doing));
    return st.step() ? st.columnText(0) : std::string();
}

std::int64_t queryInt(sqlite3* db, const char* sql, std::string_view doing) {
    Statement st(db, sql, std::string(doing));
    return st.step() ? st.columnInt(0) : 0;
}

Statement::Statement(sqlite3* db, std::string_view sql, std::string doing)
    : db_(db), doing_(std::move(doing)) {
    const int rc =
        sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK)
        fail(db_, rc, doing_);
}

Statement::~Statement() {
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
