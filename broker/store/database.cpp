// mesh.db: the on-disk format of one mesh.
//
// One SQLite file in WAL mode (mesh.db, mesh.db-wal, mesh.db-shm), mode 0600.
// `meta(key, value)` holds `format_version`, the number of migrations below
// that have been applied; each migration runs in its own transaction together
// with the bump of format_version, so a file is always at exactly one
// version. A binary refuses a file whose version is newer than it knows.
//
// Format version 1:
//   events        the log. seq is INTEGER PRIMARY KEY AUTOINCREMENT: the
//                 rowid, so reads by position are B-tree lookups, and never
//                 reused, even after retention empties the table, because
//                 consumers keep positions across restarts. event_id is UNIQUE
//                 (the idempotency key); payload is the producer's JSON text
//                 and payload_bytes its size in bytes. Times are Unix ms.
//                 Indexes: (correlation_id, seq) for traces, (tenant_id,
//                 entity_kind, entity_id, seq) for entity history,
//                 (event_type, occurred_at_ms) and (occurred_at_ms) for
//                 browsing, (tenant_id, seq) for a tenant's tail.
//   event_totals  one row (count, bytes) kept by the log's appends and deletes, so stats
//                 and size-based retention never scan the log.
//   quarantine    rejected requests with the answer given; body is a BLOB
//                 (it may not be UTF-8), at most 1 MiB.
//   tokens        API tokens: SHA-256 hex of the secret, never the secret;
//                 event_types is a JSON array of strings.
//   schemas       registered schema versions, (event_type, version) unique.
//   audit         operator and admin actions.
//
// Format version 2 (delivery; broker/store/delivery_store.h reads and writes it):
//   consumers          name -> spec (JSON as /v1/consumers takes it), paused,
//                      where it was declared (config or api).
//   consumer_progress  the ack floor: every seq <= ack_floor is settled
//                      (delivered, filtered out, dead-lettered or stale).
//   consumer_acks      settled seqs above the floor, deleted as it passes them.
//   entity_versions    the last entity version each consumer received, for the
//                      version gate. entity is "tenant/kind:id".
//   attempts           one row per delivery attempt (a span): status 0 means
//                      no HTTP answer; class is none, transport, throttled,
//                      auth, invalid, server, other or stale.
//   dead_letters       the event (canonical JSON), why, the attempt count and
//                      the error signature they are grouped by; state open,
//                      replayed or discarded; parent_id links an edited
//                      replay to the letter it came from.
//   outcomes           business outcomes from acks and outcome events, with
//                      latency from the root event's occurred_at.
//   consumer_minutes   per-minute counters and lag per consumer (7 days).
//
// Format version 3: audit.tenant, the tenant whose data an action touched.
// Format version 4: sources, vendor sources declared through the API.
// Format version 5: dead_letters_by_entity (entity, state), for search's
//                   count of an entity's open dead letters.
//
// Threads: the writer thread owns the write connection and every transaction
// on it; the checkpoint thread owns its own connection; read connections are
// lent out one caller at a time by read(). Lock order: none of queueMutex,
// statsMutex, checkpointMutex and readMutex is held while taking another.

#include "broker/store/database.h"

#include "broker/store/sqlite_statement.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <future>
#include <iterator>
#include <mutex>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace meshdeck {

namespace {

using namespace std::chrono_literals;

struct Migration {
    const char* what;
    const char* sql;
};

constexpr const char* kFormatV1 = R"sql(
CREATE TABLE events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT    NOT NULL UNIQUE,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    tenant_id      TEXT    NOT NULL,
    producer       TEXT    NOT NULL,
    entity_kind    TEXT    NOT NULL,
    entity_id      TEXT    NOT NULL,
    entity_version INTEGER,
    correlation_id TEXT    NOT NULL,
    causation_id   TEXT    NOT NULL,
    traceparent    TEXT    NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    ingested_at_ms INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    payload_bytes  INTEGER NOT NULL
);
CREATE INDEX events_by_correlation ON events (correlation_id, seq);
CREATE INDEX events_by_entity ON events (tenant_id, entity_kind, entity_id, seq);
CREATE INDEX events_by_type_time ON events (event_type, occurred_at_ms);
CREATE INDEX events_by_time ON events (occurred_at_ms);

CREATE TABLE event_totals (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
INSERT INTO event_totals (id, count, bytes) VALUES (1, 0, 0);

CREATE TABLE quarantine (
    id             INTEGER PRIMARY KEY,
    received_at_ms INTEGER NOT NULL,
    tenant         TEXT    NOT NULL,
    token_id       TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    content_type   TEXT    NOT NULL,
    status         INTEGER NOT NULL,
    reason         TEXT    NOT NULL,
    detail         TEXT    NOT NULL,
    body           BLOB    NOT NULL
);
CREATE INDEX quarantine_by_tenant ON quarantine (tenant, id);

CREATE TABLE tokens (
    id            TEXT    PRIMARY KEY,
    hash          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    tenant        TEXT    NOT NULL,
    event_types   TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    revoked       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE schemas (
    event_type       TEXT    NOT NULL,
    version          INTEGER NOT NULL,
    schema           TEXT    NOT NULL,
    registered_at_ms INTEGER NOT NULL,
    PRIMARY KEY (event_type, version)
);

CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at_ms  INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL
);
)sql";

constexpr const char* kFormatV2 = R"sql(
CREATE TABLE consumers (
    name          TEXT    PRIMARY KEY,
    spec          TEXT    NOT NULL,
    paused        INTEGER NOT NULL DEFAULT 0,
    source        TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE TABLE consumer_progress (
    consumer  TEXT    PRIMARY KEY,
    ack_floor INTEGER NOT NULL
);
CREATE TABLE consumer_acks (
    consumer TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (consumer, seq)
) WITHOUT ROWID;
CREATE TABLE entity_versions (
    consumer TEXT    NOT NULL,
    entity   TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    PRIMARY KEY (consumer, entity)
) WITHOUT ROWID;
CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    consumer       TEXT    NOT NULL,
    seq            INTEGER NOT NULL,
    event_id       TEXT    NOT NULL,
    correlation_id TEXT    NOT NULL,
    attempt        INTEGER NOT NULL,
    started_at_ms  INTEGER NOT NULL,
    duration_us    INTEGER NOT NULL,
    status         INTEGER NOT NULL,
    class          TEXT    NOT NULL,
    error          TEXT    NOT NULL,
    response       TEXT    NOT NULL,
    replay         INTEGER NOT NULL
);
CREATE INDEX attempts_by_event ON attempts (consumer, seq);
CREATE INDEX attempts_by_correlation ON attempts (correlation_id, id);
CREATE TABLE dead_letters (
    id               INTEGER PRIMARY KEY,
    consumer         TEXT    NOT NULL,
    seq              INTEGER NOT NULL,
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    tenant_id        TEXT    NOT NULL,
    correlation_id   TEXT    NOT NULL,
    entity           TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    signature        TEXT    NOT NULL,
    class            TEXT    NOT NULL,
    error            TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    dead_at_ms       INTEGER NOT NULL,
    state            TEXT    NOT NULL,
    resolved_at_ms   INTEGER,
    resolved_by      TEXT,
    reason           TEXT,
    payload_override TEXT,
    parent_id        INTEGER
);
CREATE INDEX dead_letters_by_consumer ON dead_letters (consumer, state, id);
CREATE INDEX dead_letters_by_correlation ON dead_letters (correlation_id);
CREATE TABLE outcomes (
    id             INTEGER PRIMARY KEY,
    consumer       TEXT    NOT NULL,
    seq            INTEGER NOT NULL,
    event_id       TEXT    NOT NULL,
    correlation_id TEXT    NOT NULL,
    event_type     TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    at_ms          INTEGER NOT NULL,
    latency_ms     INTEGER NOT NULL
);
CREATE INDEX outcomes_by_correlation ON outcomes (correlation_id);
CREATE TABLE consumer_minutes (
    consumer    TEXT    NOT NULL,
    minute_ms   INTEGER NOT NULL,
    delivered   INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    retried     INTEGER NOT NULL,
    dead        INTEGER NOT NULL,
    lag_count   INTEGER NOT NULL,
    lag_age_ms  INTEGER NOT NULL,
    p50_ms      REAL    NOT NULL,
    p99_ms      REAL    NOT NULL,
    PRIMARY KEY (consumer, minute_ms)
) WITHOUT ROWID;
)sql";

// Audit entries carry the tenant whose data the action touched ('*': the
// mesh as a whole, seen only by tokens over every tenant).
constexpr const char* kFormatV3 = R"sql(
ALTER TABLE audit ADD COLUMN tenant TEXT NOT NULL DEFAULT '*';
CREATE INDEX audit_by_tenant ON audit (tenant, id);
)sql";

// Vendor sources declared through the API (config-file sources are not
// stored). The spec holds the source's secrets: the file is owner-only.
constexpr const char* kFormatV4 = R"sql(
CREATE TABLE sources (
    name          TEXT    PRIMARY KEY,
    spec          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
)sql";

// Search (GET /v1/search) counts the open dead letters of an entity. The
// table is written only when a delivery gives up or an operator resolves a
// letter, so the index costs ingest nothing; without it each count would read
// every open letter.
constexpr const char* kFormatV5 = R"sql(
CREATE INDEX dead_letters_by_entity ON dead_letters (entity, state);
)sql";

// Applied in order; entry i takes a file from format version i to i + 1.
// A new table is one new line here (and its SQL above); never edit a
// migration that has shipped.
constexpr Migration kMigrations[] = {
    {"events, quarantine, tokens, schemas and audit", kFormatV1},
    {"consumers, delivery progress, attempts, dead letters, outcomes", kFormatV2},
    {"the tenant of each audit entry", kFormatV3},
    {"vendor sources", kFormatV4},
    {"dead letters by entity", kFormatV5},
};
constexpr int kFormatVersion = static_cast<int>(std::size(kMigrations));

// A huge backlog still commits in bounded transactions, so the first
// producers in it are acknowledged without waiting for the last. One sync
// already costs little per event at a few thousand events; on a 2-core ext4
// machine a 30,000-event transaction took 1.5 s, so the cap stays below that.
constexpr std::size_t kMaxJobsPerCommit = 5'000;
constexpr std::size_t kMaxWeightPerCommit = 10'000;

// The writer never checkpoints (that stalls commits); it asks the checkpoint
// thread once the WAL holds this many pages (4 MiB, SQLite's default). Larger
// checkpoints write less in all, but each one then flushes tens of megabytes
// at once, and commits stall behind that burst.
constexpr int kCheckpointAfterWalPages = 1'000;
constexpr auto kCheckpointInterval = 1s;
// PASSIVE checkpoints copy the WAL without blocking anyone. A pass copies the
// WAL as it was when the pass began; once the whole WAL is copied, the next
// commit rewinds the WAL by itself, again without waiting. Under steady load
// commits land during every pass, so the checkpointer copies in passes until
// the rest is a few commits' worth, and the writer copies that rest itself
// between two commits (about a millisecond, mostly two fsyncs: the one stall
// a checkpoint costs the writer). Only a WAL that keeps
// growing regardless (readers holding old snapshots) gets a RESTART, which
// holds the write lock while it copies the rest and waits for those readers.
constexpr int kMaxPassivePasses = 16;
constexpr int kWriterCopiesBelowFrames = 64;
constexpr int kShortPassesBeforeWriter = 6;
constexpr int kRestartAfterWalPages = 8'000;
constexpr int kCheckpointNice = 10;

// Waits for a lock held by another connection of this process (the
// checkpointer restarting the WAL) rather than failing the batch.
constexpr int kBusyTimeoutMs = 5'000;
// A RESTART blocks writers while it waits for readers; give up quickly and
// try again on the next round instead.
constexpr int kCheckpointBusyTimeoutMs = 50;

// SQLite's default busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ms...: a
// commit that meets a lock held for two milliseconds would sleep for three,
// and one held for twenty would sleep for forty. This one polls every 100 us
// for the first 10 ms, then every millisecond, up to the connection's limit.
int pollWhileBusy(void* limitMs, int tries) {
    constexpr int kFinePolls = 100;
    const auto limit = reinterpret_cast<std::intptr_t>(limitMs);
    const std::intptr_t waitedMs = tries < kFinePolls ? tries / 10 : 10 + (tries - kFinePolls);
    if (waitedMs >= limit)
        return 0;
    std::this_thread::sleep_for(tries < kFinePolls ? 100us : 1ms);
    return 1;
}

void setBusyTimeout(sqlite3* db, int limitMs) {
    sqlite3_busy_handler(db, pollWhileBusy, reinterpret_cast<void*>(std::intptr_t(limitMs)));
}

struct ConnectionCloser {
    void operator()(sqlite3* db) const {
        sqlite::forgetStatements(db);
        sqlite3_close_v2(db);
    }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

Connection openConnection(const std::filesystem::path& path, int flags, const char* role) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    Connection db(raw);
    if (rc != SQLITE_OK) {
        throw SqliteError(std::string("opening the ") + role + " connection to " + path.string() +
                          ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    setBusyTimeout(db.get(), kBusyTimeoutMs);
    sqlite::keepStatements(db.get());
    return db;
}

// Creates the file owner-only before SQLite sees it (SQLite gives -wal and
// -shm the main file's mode), and tightens a file that was made with a looser
// mode: the data is the mesh's events and token hashes.
void ensurePrivateFile(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw SqliteError("cannot create or open " + path.string() + ": " + std::strerror(errno) +
                          " (check that the data directory exists and is writable)");
    }
    struct stat st {};
    const bool tooOpen = ::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0;
    const bool tightened = !tooOpen || ::fchmod(fd, 0600) == 0;
    const int chmodErrno = errno;
    ::close(fd);
    if (!tightened) {
        throw SqliteError(
            path.string() +
            " is readable by other users and cannot be made private: " + std::strerror(chmodErrno));
    }
    for (const char* suffix : {"-wal", "-shm"}) {
        std::error_code ec;
        std::filesystem::path side = path;
        side += suffix;
        if (std::filesystem::exists(side, ec))
            std::filesystem::permissions(
                side, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    }
}

int readFormatVersion(sqlite3* db) {
    sqlite::Statement st(db, "SELECT value FROM meta WHERE key = 'format_version'",
                         "reading the format version");
    return st.step() ? static_cast<int>(st.columnInt(0)) : 0;
}

void migrate(sqlite3* db, const std::filesystem::path& path) {
    sqlite::exec(db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)",
                 "creating the meta table");
    // The version is re-read inside each write transaction so two processes
    // opening the same new file cannot both apply a step.
    for (;;) {
        sqlite::exec(db, "BEGIN IMMEDIATE", "starting a migration");
        try {
            const int version = readFormatVersion(db);
            if (version > kFormatVersion) {
                throw SqliteError(path.string() + " has format version " + std::to_string(version) +
                                  ", newer than this meshdeck " + MESHDECK_VERSION +
                                  " understands (up to " + std::to_string(kFormatVersion) +
                                  "); run a newer meshdeck or restore a backup");
            }
            if (version == kFormatVersion) {
                sqlite::exec(db, "COMMIT", "ending the migration check");
                return;
            }
            const Migration& step = kMigrations[version];
            const std::string doing = "migrating to format version " + std::to_string(version + 1) +
                                      " (" + step.what + ")";
            sqlite::exec(db, step.sql, doing);
            sqlite::Statement bump(db,
                                   "INSERT INTO meta (key, value) VALUES ('format_version', ?1) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                   doing);
            bump.bindInt(1, version + 1);
            bump.run();
            sqlite::exec(db, "COMMIT", doing);
        } catch (...) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

void nameThisThread(const char* name) {
    pthread_setname_np(pthread_self(), name);
}

} // namespace

struct Database::Impl {
    explicit Impl(const DatabaseOptions& o) : options(o) {
        stats.commitBatchJobs = Histogram::sizes();
        stats.commitLatencyMs = Histogram::latencyMs();
    }
    ~Impl() {
        // Readers first: the last connection to close (the writer) checkpoints
        // and removes the WAL.
        readers.clear();
        checkpointer.reset();
        writer.reset();
    }

    void open();
    bool enqueue(WriteJob job);
    void writerLoop();
    void commitBatch(std::vector<WriteJob>& batch);
    void checkpointLoop();
    void checkpointOnce();
    void requestCheckpoint();
    void drain();

    const DatabaseOptions options;
    int formatVersion = 0;

    Connection writer;       // writer thread only (and open/drain when it is not running)
    Connection checkpointer; // checkpoint thread only
    std::vector<Connection> readers;

    // Guards idleReaders.
    std::mutex readMutex;
    std::condition_variable readerReturned;
    std::vector<sqlite3*> idleReaders;

    // Guards queue, queuedWeight, accepting. The writer sleeps on jobQueued,
    // which submitters signal only on empty -> non-empty.
    std::mutex queueMutex;
    std::condition_variable jobQueued;
    std::deque<WriteJob> queue;
    std::size_t queuedWeight = 0;
    bool accepting = true;

    // Guards stats (except queuedWeight, which lives under queueMutex).
    std::mutex statsMutex;
    WriterStats stats;

    // Guards checkpointWanted, checkpointStop.
    std::mutex checkpointMutex;
    std::condition_variable checkpointWake;
    bool checkpointWanted = false;
    bool checkpointStop = false;
    std::atomic<std::uint64_t> commitCount{0}; // written by the writer's WAL hook
    int walPagesAfterLastCommit = 0;           // the writer's WAL hook only
    std::atomic<std::int64_t> walRewinds{0};   // the writer's WAL hook
    std::atomic<std::int64_t> checkpointPasses{0};
    std::atomic<std::int64_t> walRestarts{0};
    // Set by the checkpointer when only a short rest of the WAL is left to
    // copy; the writer copies it between two commits.
    std::atomic<bool> writerCopiesRest{false};
    std::uint64_t commitsAtLastCheckpoint = 0; // checkpoint thread only
    std::function<void()> afterCommit;         // set before the writer runs jobs

    std::mutex drainMutex; // serialises drain(); guards drained
    bool drained = false;
    std::thread writerThread;
    std::thread checkpointThread;
};

void Database::Impl::open() {
    if (options.path.empty())
        throw SqliteError("no database path given");
    ensurePrivateFile(options.path);

    writer = openConnection(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "writer");
    sqlite3* db = writer.get();
    const std::string mode = sqlite::queryText(db, "PRAGMA journal_mode=WAL", "enabling WAL mode");
    if (mode != "wal") {
        throw SqliteError("cannot use WAL mode for " + options.path.string() +
                          " (journal_mode is '" + mode +
                          "'); keep the data directory on a local file system");
    }
    sqlite::exec(db,
                 options.durability == Durability::Full ? "PRAGMA synchronous=FULL"
                                                        : "PRAGMA synchronous=NORMAL",
                 "setting durability");
    sqlite::exec(db, "PRAGMA foreign_keys=ON", "enabling foreign keys");
    // Each job's SAVEPOINT keeps a sub-journal of the pages it changes. On
    // disk that is a temporary file created, written and unlinked every
    // commit (it halved throughput); in memory it is a copy of the pages
    // touched, bounded by the transaction cap below.
    sqlite::exec(db, "PRAGMA temp_store=MEMORY", "keeping savepoint journals in memory");
    // Index leaves of a growing log are touched all over; a 64 MiB page cache
    // keeps them in memory instead of re-reading them for every batch.
    sqlite::exec(db, "PRAGMA cache_size=-65536", "sizing the writer's page cache");
    sqlite::exec(db, "PRAGMA wal_autocheckpoint=0", "turning off checkpoints on the writer");
    migrate(db, options.path);
    formatVersion = readFormatVersion(db);
    // Replaces SQLite's auto-checkpoint hook (already off): after each commit,
    // hand the checkpoint to the background thread once the WAL is long.
    sqlite3_wal_hook(
        db,
        [](void* self, sqlite3*, const char*, int pages) {
            auto* impl = static_cast<Impl*>(self);
            impl->commitCount.fetch_add(1, std::memory_order_relaxed);
            if (pages < impl->walPagesAfterLastCommit)
                impl->walRewinds.fetch_add(1, std::memory_order_relaxed);
            impl->walPagesAfterLastCommit = pages;
            if (pages >= kCheckpointAfterWalPages)
                impl->requestCheckpoint();
            return SQLITE_OK;
        },
        this);

    checkpointer = openConnection(options.path, SQLITE_OPEN_READWRITE, "checkpoint");
    setBusyTimeout(checkpointer.get(), kCheckpointBusyTimeoutMs);
    // A connection attaches to the WAL on its first read; until then a
    // checkpoint through it silently does nothing.
    sqlite::queryInt(checkpointer.get(), "PRAGMA schema_version",
                     "opening the WAL for checkpoints");

    // Read-only connections work in WAL mode because the writer keeps the
    // -shm file in place for as long as the Database lives.
    const std::size_t readerCount = std::max<std::size_t>(1, options.readConnections);
    for (std::size_t i = 0; i < readerCount; ++i) {
        readers.push_back(openConnection(options.path, SQLITE_OPEN_READONLY, "read"));
        idleReaders.push_back(readers.back().get());
    }

    writerThread = std::thread([this] { writerLoop(); });
    checkpointThread = std::thread([this] { checkpointLoop(); });
}

bool Database::Impl::enqueue(WriteJob job) {
    bool wasEmpty = false;
    {
        std::lock_guard lock(queueMutex);
        if (!accepting)
            return false;
        // One job heavier than the whole bound is still taken when the queue
        // is empty, so an oversized request fails on its merits, not forever.
        if (!job.bypassBackpressure && queuedWeight > 0 &&
            queuedWeight + job.weight > options.maxQueuedWeight)
            return false;
        wasEmpty = queue.empty();
        queuedWeight += job.weight;
        queue.push_back(std::move(job));
    }
    if (wasEmpty)
        jobQueued.notify_one();
    return true;
}

void Database::Impl::writerLoop() {
    nameThisThread("meshdeck-writer");
    std::vector<WriteJob> batch;
    for (;;) {
        {
            std::unique_lock lock(queueMutex);
            jobQueued.wait(lock, [this] { return !queue.empty() || !accepting; });
            if (queue.empty())
                return; // stopped and nothing left
            std::size_t weight = 0;
            while (!queue.empty() && batch.size() < kMaxJobsPerCommit &&
                   (batch.empty() || weight + queue.front().weight <= kMaxWeightPerCommit)) {
                weight += queue.front().weight;
                batch.push_back(std::move(queue.front()));
                queue.pop_front();
            }
            queuedWeight -= weight;
        }
        commitBatch(batch);
        batch.clear();
        if (writerCopiesRest.exchange(false, std::memory_order_relaxed)) {
            // No transaction is open, so this pass copies every frame, and
            // the next commit rewinds the WAL. SQLITE_BUSY (the checkpointer
            // is in a pass of its own) just leaves it to the next round.
            sqlite3_wal_checkpoint_v2(writer.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                      nullptr);
            checkpointPasses.fetch_add(1, std::memory_order_relaxed);
        }
    }
}

void Database::Impl::commitBatch(std::vector<WriteJob>& batch) {
    const auto started = std::chrono::steady_clock::now();
    sqlite3* db = writer.get();
    std::vector<std::string> errors(batch.size());
    std::string batchError;
    try {
        sqlite::run(db, "BEGIN IMMEDIATE", "starting a write transaction");
        for (std::size_t i = 0; i < batch.size(); ++i) {
            sqlite::run(db, "SAVEPOINT job", "starting a write job");
            try {
                if (batch[i].apply)
                    batch[i].apply(db);
            } catch (const std::exception& e) {
                errors[i] = *e.what() ? e.what() : "a write job failed";
            } catch (...) {
                errors[i] = "a write job failed with an unknown exception";
            }
            if (!errors[i].empty())
                sqlite::run(db, "ROLLBACK TO job", "undoing a failed write job");
            sqlite::run(db, "RELEASE job", "ending a write job");
        }
        sqlite::run(db, "COMMIT", "committing a write transaction");
    } catch (const std::exception& e) {
        // The transaction (or what SQLite left of it after an I/O error) is
        // gone: nothing in this batch was written.
        batchError = e.what();
        if (!sqlite3_get_autocommit(db))
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    const double elapsedMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    {
        std::lock_guard lock(statsMutex);
        stats.jobs += static_cast<std::int64_t>(batch.size());
        if (batchError.empty()) {
            ++stats.commits;
            stats.commitBatchJobs.observe(static_cast<double>(batch.size()));
            stats.commitLatencyMs.observe(elapsedMs);
        }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].done)
            continue;
        try {
            batch[i].done(batchError.empty() ? errors[i] : batchError);
        } catch (...) {
            // A completion must not take the writer down with it.
        }
    }
    if (batchError.empty() && afterCommit) {
        try {
            afterCommit();
        } catch (...) {
            // Neither may the hook.
        }
    }
}

void Database::Impl::requestCheckpoint() {
    {
        std::lock_guard lock(checkpointMutex);
        checkpointWanted = true;
    }
    checkpointWake.notify_one();
}

void Database::Impl::checkpointLoop() {
    nameThisThread("meshdeck-ckpt");
    // Checkpoints are background work: on a busy machine they should take the
    // cores the writer and the network threads leave, not share them evenly.
    // (Linux gives each thread its own nice value.)
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kCheckpointNice);
    std::unique_lock lock(checkpointMutex);
    while (!checkpointStop) {
        checkpointWake.wait_for(lock, kCheckpointInterval,
                                [this] { return checkpointWanted || checkpointStop; });
        if (checkpointStop)
            break;
        checkpointWanted = false;
        lock.unlock();
        checkpointOnce();
        lock.lock();
        // Commits during the round asked about the WAL this round just
        // copied; the next commit asks again if the WAL is still long.
        checkpointWanted = false;
    }
}

void Database::Impl::checkpointOnce() {
    sqlite3* db = checkpointer.get();
    const auto failed = [&](int rc) {
        // SQLITE_BUSY: readers or the writer were in the way; the next round retries.
        if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
            std::fprintf(stderr, "meshdeck: checkpoint of %s failed: %s\n", options.path.c_str(),
                         sqlite3_errmsg(db));
        }
        return rc != SQLITE_OK;
    };
    int walFrames = 0;
    int shortPasses = 0;
    for (int pass = 0; pass < kMaxPassivePasses; ++pass) {
        const int framesBefore = walFrames;
        const int rc =
            sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &walFrames, nullptr);
        checkpointPasses.fetch_add(1, std::memory_order_relaxed);
        if (failed(rc))
            return;
        if (walFrames < 0) {
            std::fprintf(stderr, "meshdeck: checkpoint of %s found no WAL\n", options.path.c_str());
            return;
        }
        if (pass == 0)
            continue;
        if (walFrames == framesBefore)
            break; // nothing was committed during the pass before: all copied
        // This pass copied what was committed during the one before. Once
        // that is little, a few more short passes may end between two
        // commits; if none does, the writer copies the rest itself.
        if (walFrames - framesBefore < kWriterCopiesBelowFrames &&
            ++shortPasses == kShortPassesBeforeWriter) {
            writerCopiesRest.store(true, std::memory_order_relaxed);
            break;
        }
    }
    const std::uint64_t commits = commitCount.load(std::memory_order_relaxed);
    const bool idle = commits == commitsAtLastCheckpoint;
    commitsAtLastCheckpoint = commits;

    std::error_code ec;
    std::filesystem::path wal = options.path;
    wal += "-wal";
    const auto walBytes = std::filesystem::file_size(wal, ec);
    // A quiet database gives the space of a burst back. A busy one is
    // rewound by its writer (above), never truncated: truncating 64 MB takes
    // ext4 tens of milliseconds, and every commit would wait them out.
    if (idle && !ec && static_cast<std::int64_t>(walBytes) > options.walTruncateBytes)
        failed(
            sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr));
    else if (walFrames >= kRestartAfterWalPages &&
             !failed(sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr,
                                               nullptr)))
        walRestarts.fetch_add(1, std::memory_order_relaxed);
}

void Database::Impl::drain() {
    std::lock_guard drainLock(drainMutex);
    if (drained)
        return;
    drained = true;
    {
        std::lock_guard lock(queueMutex);
        accepting = false;
    }
    jobQueued.notify_one();
    if (writerThread.joinable())
        writerThread.join();
    {
        std::lock_guard lock(checkpointMutex);
        checkpointStop = true;
    }
    checkpointWake.notify_one();
    if (checkpointThread.joinable())
        checkpointThread.join();
    // The writer thread is gone, so its connection is free. Best effort: a
    // small WAL and fresh planner statistics for the next start.
    if (writer) {
        sqlite3_exec(writer.get(), "PRAGMA analysis_limit=1000; PRAGMA optimize", nullptr, nullptr,
                     nullptr);
        sqlite3_wal_checkpoint_v2(writer.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr,
                                  nullptr);
    }
}

Database::Database() = default;

Database::~Database() {
    if (impl_)
        impl_->drain();
}

std::unique_ptr<Database> Database::open(const DatabaseOptions& options) {
    std::unique_ptr<Database> db(new Database());
    db->impl_ = std::make_unique<Impl>(options);
    db->impl_->open();
    return db;
}

void Database::submitControl(std::function<void(sqlite3*)> apply,
                             std::function<void(const std::string&)> done) {
    WriteJob job;
    job.bypassBackpressure = true;
    job.apply = std::move(apply);
    job.done = done;
    if (!submit(std::move(job)) && done)
        done("the database is closed; nothing was saved");
}

bool Database::submit(WriteJob job) {
    return impl_->enqueue(std::move(job));
}

std::string Database::writeAndWait(std::function<void(sqlite3*)> apply) {
    // Shared, not borrowed: set_value may still be running on the writer
    // when this thread wakes up and returns.
    auto committed = std::make_shared<std::promise<std::string>>();
    auto result = committed->get_future();
    WriteJob job;
    job.apply = std::move(apply);
    job.done = [committed](const std::string& error) {
        committed->set_value(error);
    };
    job.bypassBackpressure = true;
    if (!impl_->enqueue(std::move(job)))
        return "the database writer for " + impl_->options.path.string() + " has stopped";
    return result.get();
}

void Database::read(const std::function<void(sqlite3*)>& f) const {
    sqlite3* db = nullptr;
    {
        std::unique_lock lock(impl_->readMutex);
        impl_->readerReturned.wait(lock, [this] { return !impl_->idleReaders.empty(); });
        db = impl_->idleReaders.back();
        impl_->idleReaders.pop_back();
    }
    struct GiveBack {
        Impl& impl;
        sqlite3* db;
        ~GiveBack() {
            // A reader left inside a transaction would pin an old snapshot and
            // stop checkpoints from ever finishing.
            if (!sqlite3_get_autocommit(db))
                sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            {
                std::lock_guard lock(impl.readMutex);
                impl.idleReaders.push_back(db);
            }
            impl.readerReturned.notify_one();
        }
    } giveBack{*impl_, db};
    f(db);
}

void Database::drain() {
    impl_->drain();
}

void Database::setAfterCommit(std::function<void()> hook) {
    impl_->afterCommit = std::move(hook);
}

WriterStats Database::writerStats() const {
    WriterStats snapshot;
    {
        std::lock_guard lock(impl_->statsMutex);
        snapshot = impl_->stats;
    }
    snapshot.checkpointPasses = impl_->checkpointPasses.load(std::memory_order_relaxed);
    snapshot.walRewinds = impl_->walRewinds.load(std::memory_order_relaxed);
    snapshot.walRestarts = impl_->walRestarts.load(std::memory_order_relaxed);
    std::lock_guard lock(impl_->queueMutex);
    snapshot.queuedWeight = impl_->queuedWeight;
    return snapshot;
}

const DatabaseOptions& Database::options() const {
    return impl_->options;
}

int Database::formatVersion() const {
    return impl_->formatVersion;
}

} // namespace meshdeck
