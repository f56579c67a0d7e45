#pragma once
// One SQLite database per mesh (mesh.db in the data dir), in WAL mode.
//
// Threads: one writer thread owns the only write connection. Every write in
// the broker - event appends, quarantine rows, tokens, schemas, audit - is a
// WriteJob handed to that thread through a bounded queue. The writer takes
// everything queued, runs it in one transaction (each job in its own
// SAVEPOINT, so a failing job does not spoil the others), commits once, and
// only then runs each job's completion. That is group commit: a batch of
// requests shares one fsync. Reads use a small pool of read-only connections
// and never touch the writer. Checkpoints run from a background connection so
// they do not stall commits; the WAL is truncated when it grows past a limit.

#include "core/histogram.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

struct sqlite3;

namespace meshdeck {

enum class Durability {
    Full,   // synchronous=FULL: acknowledged only after fsync of the commit
    Normal, // synchronous=NORMAL ("fast"): a power loss may lose the last commits
};

struct DatabaseOptions {
    std::filesystem::path path;
    Durability durability = Durability::Full;
    std::size_t maxQueuedWeight = 100'000; // queued job weight (events) before submit refuses
    std::size_t readConnections = 4;
    std::int64_t walTruncateBytes = 64 << 20;
};

// Thrown by helpers on any SQLite error; what() names the statement's purpose
// and SQLite's message.
struct SqliteError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct WriteJob {
    std::size_t weight = 1;              // counts against maxQueuedWeight
    std::function<void(sqlite3*)> apply; // on the writer thread, inside a savepoint; throw to fail
    std::function<void(const std::string& error)> done; // after commit; error empty on success
    // Control-plane writes (audit, tokens, schemas) must not be refused because
    // ingestion filled the queue; they are rare and small, so they may exceed
    // maxQueuedWeight. They are still refused after drain().
    bool bypassBackpressure = false;
};

struct WriterStats {
    std::size_t queuedWeight = 0;
    std::int64_t commits = 0;
    std::int64_t jobs = 0;
    Histogram commitBatchJobs; // jobs per commit
    Histogram commitLatencyMs; // BEGIN to durable COMMIT
    // Checkpoints: PASSIVE passes copy the WAL into the database without
    // blocking anyone; a rewind is a commit that started the WAL over once
    // everything was copied (no waiting); a restart is the checkpointer taking
    // the write lock because the WAL kept growing (commits wait for it).
    std::int64_t checkpointPasses = 0;
    std::int64_t walRewinds = 0;
    std::int64_t walRestarts = 0;
};

class Database {
public:
    // Opens or creates the file, applies migrations. Throws SqliteError with a
    // message a person can act on (path, permission, newer format version).
    static std::unique_ptr<Database> open(const DatabaseOptions& options);
    ~Database();

    // Queues a job. Returns false (and does not run done) when the queue is
    // full or the writer has been stopped.
    bool submit(WriteJob job);
    // Queues a control-plane write (consumers, sources: rare and small), never
    // refused for backpressure; `done` gets the error, empty on success, and
    // runs at once with a sentence when the database is closed.
    void submitControl(std::function<void(sqlite3*)> apply,
                       std::function<void(const std::string& error)> done);
    // Runs one job and waits for its commit. For rare admin writes and tests;
    // never refused for backpressure, and must not be called from the writer
    // thread (a job's apply or done). Returns the error, empty on success.
    std::string writeAndWait(std::function<void(sqlite3*)> apply);

    // Runs after every successful commit, on the writer thread, once the
    // commit's job completions have run; nothing runs it concurrently with
    // itself. Set it before the first submit. It must not block: it is how
    // a store announces what one commit made durable (see EventLog).
    void setAfterCommit(std::function<void()> hook);

    // Runs f with a read connection from the pool (blocking until one is free).
    void read(const std::function<void(sqlite3*)>& f) const;

    // Stops taking jobs, commits everything queued, joins the writer and the
    // checkpointer. Idempotent; reads keep working afterwards. Not from the
    // writer thread.
    void drain();

    WriterStats writerStats() const;
    const DatabaseOptions& options() const;
    int formatVersion() const;

private:
    Database();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace meshdeck
