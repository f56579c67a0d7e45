#pragma once
// Internal to broker/store: a thin RAII layer over the SQLite C API. Every
// failure throws SqliteError naming what was being done ("appending events to
// /var/lib/meshdeck/mesh.db: disk I/O error"), so callers never check codes.
//
// Not thread-safe: a Statement belongs to the thread that holds its
// connection (the writer thread, or whoever borrowed a read connection).

#include "broker/store/database.h"

#include <cstdint>
#include <optional>
#include <sqlite3.h>
#include <string>
#include <string_view>

namespace meshdeck::sqlite {

// Throws SqliteError "<doing> (<file>): <sqlite message>".
[[noreturn]] void fail(sqlite3* db, std::string_view doing);
[[noreturn]] void fail(sqlite3* db, int rc, std::string_view doing);

// Runs one or more statements that return no rows.
void exec(sqlite3* db, const char* sql, std::string_view doing);

// Runs one statement that returns no rows through Statement, so that a
// connection that keeps statements prepares it once ("BEGIN IMMEDIATE").
void run(sqlite3* db, const char* sql, std::string_view doing);

// Runs a PRAGMA (or any single-row query) and returns the first column of its
// first row as text; empty when there is no row.
std::string queryText(sqlite3* db, const char* sql, std::string_view doing);
std::int64_t queryInt(sqlite3* db, const char* sql, std::string_view doing);

// Statements prepared on a connection named here are kept after use and
// reused by the next Statement with the same SQL text: preparing the event
// INSERT (four indexes, AUTOINCREMENT) cost more than running it. Call
// forgetStatements before closing such a connection.
void keepStatements(sqlite3* db);
void forgetStatements(sqlite3* db);

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql, std::string doing);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQLite. Values are copied.
    void bindInt(int index, std::int64_t value);
    void bindOptionalInt(int index, const std::optional<std::int64_t>& value);
    void bindText(int index, std::string_view value);
    void bindBlob(int index, std::string_view bytes);
    void bindNull(int index);

    // True when a row is available, false when done.
    bool step();
    // Steps a statement that must not return rows (INSERT, UPDATE, DELETE).
    void run();
    // Makes the statement reusable and clears its bindings.
    void reset();

    // Columns are 0-based.
    bool isNull(int column) const;
    std::int64_t columnInt(int column) const;
    std::string columnText(int column) const; // NULL reads as ""
    std::string columnBlob(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    std::string doing_;
};

// Runs f inside BEGIN ... COMMIT on a read connection so that all its
// statements see one snapshot; rolls back if f throws.
template <typename F> void inReadTransaction(sqlite3* db, F&& f) {
    exec(db, "BEGIN", "starting a read transaction");
    try {
        f();
    } catch (...) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    exec(db, "COMMIT", "ending a read transaction");
}

} // namespace meshdeck::sqlite
