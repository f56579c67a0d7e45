// Database: file format and migrations, WAL and permissions, and the writer's
// group commit, isolation of failing jobs, backpressure, drain and
// background checkpoints.

#include "broker/store/database.h"
#include "broker/store/sqlite_statement.h"
#include "tests/store/store_test_support.h"

#include <QTemporaryDir>
#include <QtTest/QTest>
#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <sqlite3.h>
#include <sys/stat.h>
#include <thread>

using namespace std::chrono_literals;

Q_DECLARE_METATYPE(meshdeck::Durability)

namespace meshdeck::test {

namespace {

template <typename Predicate>
bool waitUntil(Predicate ready, std::chrono::milliseconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

int fileMode(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}

std::filesystem::path withSuffix(std::filesystem::path path, const char* suffix) {
    path += suffix;
    return path;
}

// A job that inserts one audit row whose action is `tag`.
std::function<void(sqlite3*)> insertRow(const std::string& tag, const std::string& detail = {}) {
    return [tag, detail](sqlite3* db) {
        sqlite::Statement st(db,
                             "INSERT INTO audit (at_ms, actor, action, target, detail) "
                             "VALUES (0, 'test', ?1, '', ?2)",
                             "inserting a test row");
        st.bindText(1, tag);
        st.bindText(2, detail);
        st.run();
    };
}

std::int64_t countRows(const Database& db, const std::string& where = "1") {
    std::int64_t n = -1;
    db.read([&](sqlite3* c) {
        n = sqlite::queryInt(c, ("SELECT COUNT(*) FROM audit WHERE " + where).c_str(), "counting");
    });
    return n;
}

} // namespace

class TestDatabase : public QObject {
    Q_OBJECT

private:
    DatabaseOptions options() const {
        DatabaseOptions o;
        o.path = QString(dir_->path() + QStringLiteral("/mesh.db")).toStdString();
        return o;
    }
    std::unique_ptr<QTemporaryDir> dir_;

private Q_SLOTS:
    void init() {
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
    }

    void createsEveryTableAtTheCurrentFormatVersion() {
        auto db = Database::open(options());
        QVERIFY(db->formatVersion() >= 1);
        QStringList names;
        std::string version;
        db->read([&](sqlite3* c) {
            sqlite::Statement st(c,
                                 "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') "
                                 "AND name NOT LIKE 'sqlite_%' ORDER BY name",
                                 "listing tables");
            while (st.step())
                names << QString::fromStdString(st.columnText(0));
            version = sqlite::queryText(c, "SELECT value FROM meta WHERE key = 'format_version'",
                                        "reading the version");
        });
        for (const char* expected :
             {"meta", "events", "event_totals", "quarantine", "tokens", "schemas", "audit",
              "events_by_correlation", "events_by_entity", "events_by_type_time", "events_by_time"})
            QVERIFY2(names.contains(QLatin1String(expected)), expected);
        QCOMPARE(QString::fromStdString(version), QString::number(db->formatVersion()));
    }

    void reopeningKeepsDataAndVersion() {
        int version = 0;
        {
            auto db = Database::open(options());
            version = db->formatVersion();
            QCOMPARE(QString::fromStdString(db->writeAndWait(insertRow("kept"))), QString());
        }
        auto db = Database::open(options());
        QCOMPARE(db->formatVersion(), version);
        QCOMPARE(countRows(*db, "action = 'kept'"), 1);
    }

    void refusesNewerFormatVersion() {
        int newer = 0;
        {
            auto db = Database::open(options());
            newer = db->formatVersion() + 1;
            const std::string error = db->writeAndWait([newer](sqlite3* c) {
                sqlite::Statement st(c, "UPDATE meta SET value = ?1 WHERE key = 'format_version'",
                                     "pretending to be newer");
                st.bindInt(1, newer);
                st.run();
            });
            QCOMPARE(QString::fromStdString(error), QString());
        }
        try {
            auto db = Database::open(options());
            QFAIL("a file from a newer meshdeck was opened");
        } catch (const SqliteError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(QStringLiteral("newer")), e.what());
            QVERIFY2(message.contains(QStringLiteral("format version ") + QString::number(newer)),
                     e.what());
            QVERIFY2(message.contains(dir_->path()), e.what());
        }
        // Refusing did not touch the file.
        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open_v2(options().path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr),
                 SQLITE_OK);
        const auto version = sqlite::queryInt(
            raw, "SELECT value FROM meta WHERE key = 'format_version'", "reading the version");
        sqlite3_close(raw);
        QCOMPARE(version, newer);
    }

    void migratesAFileWithoutVersion() {
        // An empty file, as left by a crash before the first migration
        // committed, is brought to the current version.
        {
            sqlite3* raw = nullptr;
            QCOMPARE(sqlite3_open(options().path.c_str(), &raw), SQLITE_OK);
            sqlite::exec(raw, "CREATE TABLE meta (key TEXT PRIMARY KEY, value)", "creating meta");
            sqlite3_close(raw);
        }
        auto db = Database::open(options());
        QVERIFY(db->formatVersion() >= 1);
        QCOMPARE(QString::fromStdString(db->writeAndWait(insertRow("after migration"))), QString());
        QCOMPARE(countRows(*db), 1);
    }

    void usesWalAndTheChosenDurability_data() {
        QTest::addColumn<Durability>("durability");
        QTest::addColumn<int>("synchronous");
        QTest::addRow("full") << Durability::Full << 2;
        QTest::addRow("normal") << Durability::Normal << 1;
    }

    void usesWalAndTheChosenDurability() {
        QFETCH(Durability, durability);
        QFETCH(int, synchronous);
        DatabaseOptions o = options();
        o.durability = durability;
        auto db = Database::open(o);
        std::string readerMode;
        db->read([&](sqlite3* c) {
            readerMode = sqlite::queryText(c, "PRAGMA journal_mode", "reading journal mode");
        });
        QCOMPARE(QString::fromStdString(readerMode), QStringLiteral("wal"));
        std::int64_t sync = -1, autoCheckpoint = -1, foreignKeys = -1;
        const std::string error = db->writeAndWait([&](sqlite3* c) {
            sync = sqlite::queryInt(c, "PRAGMA synchronous", "reading synchronous");
            autoCheckpoint = sqlite::queryInt(c, "PRAGMA wal_autocheckpoint", "reading autockpt");
            foreignKeys = sqlite::queryInt(c, "PRAGMA foreign_keys", "reading foreign keys");
        });
        QCOMPARE(QString::fromStdString(error), QString());
        QCOMPARE(sync, synchronous);
        QCOMPARE(autoCheckpoint, 0); // checkpoints are not the writer's job
        QCOMPARE(foreignKeys, 1);
        QVERIFY(std::filesystem::exists(withSuffix(o.path, "-wal")));
        QVERIFY(std::filesystem::exists(withSuffix(o.path, "-shm")));
    }

    void filesAreOwnerOnly() {
        auto db = Database::open(options());
        QCOMPARE(QString::fromStdString(db->writeAndWait(insertRow("x"))), QString());
        QCOMPARE(fileMode(options().path), 0600);
        QCOMPARE(fileMode(withSuffix(options().path, "-wal")), 0600);
        QCOMPARE(fileMode(withSuffix(options().path, "-shm")), 0600);
    }

    void tightensALooseExistingFile() {
        { auto db = Database::open(options()); }
        QCOMPARE(::chmod(options().path.c_str(), 0644), 0);
        auto db = Database::open(options());
        QCOMPARE(fileMode(options().path), 0600);
        QCOMPARE(fileMode(withSuffix(options().path, "-wal")), 0600);
    }

    void missingFolderIsNamedInTheError() {
        DatabaseOptions o;
        o.path = QString(dir_->path() + QStringLiteral("/missing/mesh.db")).toStdString();
        try {
            Database::open(o);
            QFAIL("opened a database in a folder that does not exist");
        } catch (const SqliteError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("missing/mesh.db")),
                     e.what());
        }
    }

    void groupCommitBatchesQueuedJobs() {
        auto db = Database::open(options());
        const WriterStats before = db->writerStats();
        std::atomic<int> done{0};
        {
            WriterHold hold(*db);
            QVERIFY(hold.parked());
            for (int i = 0; i < 200; ++i) {
                WriteJob job;
                job.apply = insertRow("row" + std::to_string(i));
                job.done = [&](const std::string& error) {
                    done += error.empty();
                };
                QVERIFY(db->submit(std::move(job)));
            }
            QCOMPARE(db->writerStats().queuedWeight, std::size_t(200));
        }
        QVERIFY(waitUntil([&] { return done == 200; }));
        const WriterStats after = db->writerStats();
        QCOMPARE(after.jobs - before.jobs, 201);     // the 200 and the hold
        QCOMPARE(after.commits - before.commits, 2); // one commit for all 200
        QCOMPARE(after.queuedWeight, std::size_t(0));
        QCOMPARE(after.commitBatchJobs.max(), 200.0);
        QCOMPARE(after.commitLatencyMs.count(), std::uint64_t(after.commits));
        QCOMPARE(countRows(*db), 200);
    }

    void concurrentSubmittersShareCommits() {
        auto db = Database::open(options());
        constexpr int kThreads = 4;
        constexpr int kJobs = 500;
        std::atomic<int> done{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kJobs; ++i) {
                    WriteJob job;
                    job.apply = insertRow("t" + std::to_string(t) + "-" + std::to_string(i));
                    job.done = [&](const std::string& error) {
                        done += error.empty();
                    };
                    while (!db->submit(job))
                        std::this_thread::sleep_for(1ms);
                }
            });
        }
        for (auto& thread : threads)
            thread.join();
        QVERIFY(waitUntil([&] { return done == kThreads * kJobs; }));
        const WriterStats stats = db->writerStats();
        QCOMPARE(stats.jobs, kThreads * kJobs);
        QVERIFY2(stats.commits < stats.jobs,
                 qPrintable(
                     QStringLiteral("%1 commits for %2 jobs").arg(stats.commits).arg(stats.jobs)));
        QCOMPARE(countRows(*db), kThreads * kJobs);
        qInfo("%lld jobs in %lld commits (synchronous=FULL), p99 commit %.1f ms",
              static_cast<long long>(stats.jobs), static_cast<long long>(stats.commits),
              stats.commitLatencyMs.quantile(0.99));
    }

    void failingJobDoesNotSpoilItsBatch() {
        auto db = Database::open(options());
        std::mutex mutex;
        std::map<std::string, std::string> errors;
        std::atomic<int> done{0};
        const auto submit = [&](const std::string& name, std::function<void(sqlite3*)> apply) {
            WriteJob job;
            job.apply = std::move(apply);
            job.done = [&, name](const std::string& error) {
                std::lock_guard lock(mutex);
                errors[name] = error;
                ++done;
            };
            return db->submit(std::move(job));
        };
        const WriterStats before = db->writerStats();
        {
            WriterHold hold(*db);
            QVERIFY(hold.parked());
            QVERIFY(submit("a", insertRow("a")));
            QVERIFY(submit("b", [](sqlite3* c) {
                insertRow("b")(c);
                throw std::runtime_error("job b gives up");
            }));
            QVERIFY(submit("c", insertRow("c")));
            QVERIFY(submit("d", [](sqlite3* c) {
                sqlite::exec(c, "INSERT INTO no_such_table VALUES (1)", "writing nowhere");
            }));
            QVERIFY(submit("e", insertRow("e")));
        }
        QVERIFY(waitUntil([&] { return done == 5; }));
        QCOMPARE(db->writerStats().commits - before.commits, 2); // all five in one commit
        QCOMPARE(QString::fromStdString(errors["a"]), QString());
        QCOMPARE(QString::fromStdString(errors["b"]), QStringLiteral("job b gives up"));
        QCOMPARE(QString::fromStdString(errors["c"]), QString());
        QVERIFY2(QString::fromStdString(errors["d"]).contains(QStringLiteral("no such table")),
                 errors["d"].c_str());
        QVERIFY2(QString::fromStdString(errors["d"]).contains(QStringLiteral("writing nowhere")),
                 errors["d"].c_str());
        QCOMPARE(QString::fromStdString(errors["e"]), QString());
        QCOMPARE(countRows(*db, "action IN ('a', 'c', 'e')"), 3);
        QCOMPARE(countRows(*db, "action = 'b'"), 0); // undone with its job
    }

    void doneRunsAfterTheCommit() {
        auto db = Database::open(options());
        std::promise<std::int64_t> seen;
        WriteJob job;
        job.apply = insertRow("visible");
        // A fresh read connection only sees committed data.
        job.done = [&](const std::string&) {
            seen.set_value(countRows(*db, "action = 'visible'"));
        };
        QVERIFY(db->submit(std::move(job)));
        auto future = seen.get_future();
        QVERIFY(future.wait_for(30s) == std::future_status::ready);
        QCOMPARE(future.get(), 1);
    }

    void hugeBacklogCommitsInBoundedTransactions() {
        DatabaseOptions o = options();
        o.maxQueuedWeight = 200'000;
        auto db = Database::open(o);
        const WriterStats before = db->writerStats();
        std::atomic<int> done{0};
        {
            WriterHold hold(*db);
            QVERIFY(hold.parked());
            for (int i = 0; i < 12'000; ++i) {
                WriteJob job;
                job.done = [&](const std::string&) {
                    ++done;
                };
                QVERIFY(db->submit(std::move(job)));
            }
            for (int i = 0; i < 3; ++i) {
                WriteJob heavy;
                heavy.weight = 30'000;
                heavy.done = [&](const std::string&) {
                    ++done;
                };
                QVERIFY(db->submit(std::move(heavy)));
            }
        }
        QVERIFY(waitUntil([&] { return done == 12'003; }));
        const WriterStats after = db->writerStats();
        QVERIFY2(after.commitBatchJobs.max() <= 5'000,
                 qPrintable(QString::number(after.commitBatchJobs.max())));
        // The hold, at least three for the 12,000, and no two heavy jobs together.
        QVERIFY2(after.commits - before.commits >= 1 + 3 + 2,
                 qPrintable(QString::number(after.commits - before.commits)));
    }

    void queueRefusesWeightBeyondTheBound() {
        DatabaseOptions o = options();
        o.maxQueuedWeight = 10;
        auto db = Database::open(o);
        std::atomic<int> done{0};
        const auto job = [&](std::size_t weight) {
            WriteJob j;
            j.weight = weight;
            j.done = [&](const std::string&) {
                ++done;
            };
            return j;
        };
        {
            WriterHold hold(*db);
            QVERIFY(hold.parked());
            QVERIFY(db->submit(job(4)));
            QVERIFY(db->submit(job(4)));
            QVERIFY(!db->submit(job(4)));
            QCOMPARE(db->writerStats().queuedWeight, std::size_t(8));
            QVERIFY(db->submit(job(2)));
            QVERIFY(!db->submit(job(1)));
            // Rare control-plane writes are not refused for backpressure.
            WriteJob audit = job(1);
            audit.bypassBackpressure = true;
            QVERIFY(db->submit(std::move(audit)));
            QCOMPARE(db->writerStats().queuedWeight, std::size_t(11));
        }
        QVERIFY(waitUntil([&] { return done == 4; }));
        QCOMPARE(db->writerStats().queuedWeight, std::size_t(0));
        // A single job above the bound still goes through an empty queue.
        QCOMPARE(QString::fromStdString(db->writeAndWait([](sqlite3*) {})), QString());
        QVERIFY(db->submit(job(50)));
        QVERIFY(waitUntil([&] { return done == 5; }));
        QCOMPARE(done.load(), 5); // refused jobs never completed
    }

    void drainCommitsTheQueueAndRefusesMore() {
        auto db = Database::open(options());
        std::atomic<int> done{0};
        std::atomic<int> probes{0};
        auto hold = std::make_unique<WriterHold>(*db);
        QVERIFY(hold->parked());
        for (int i = 0; i < 10; ++i) {
            WriteJob job;
            job.apply = insertRow("queued");
            job.done = [&](const std::string& error) {
                done += error.empty();
            };
            QVERIFY(db->submit(std::move(job)));
        }
        std::thread drainer([&] { db->drain(); });
        // Once drain has begun, nothing more is taken, even with room in the queue.
        const bool refused = waitUntil([&] {
            WriteJob probe;
            probe.done = [&](const std::string&) {
                ++probes;
            };
            return !db->submit(std::move(probe));
        });
        hold->release();
        drainer.join();
        QVERIFY(refused);
        QCOMPARE(done.load(), 10); // every queued job completed before drain returned
        QCOMPARE(countRows(*db, "action = 'queued'"), 10); // reads still work
        const std::string error = db->writeAndWait(insertRow("late"));
        QVERIFY2(QString::fromStdString(error).contains(QStringLiteral("stopped")), error.c_str());
        QCOMPARE(countRows(*db, "action = 'late'"), 0);
        db->drain(); // idempotent
    }

    void readsDoNotWaitForTheWriter() {
        DatabaseOptions o = options();
        o.readConnections = 2;
        auto db = Database::open(o);
        QCOMPARE(QString::fromStdString(db->writeAndWait(insertRow("committed"))), QString());
        WriterHold hold(*db); // the writer sits inside an open write transaction
        QVERIFY(hold.parked());
        WriteJob pending;
        pending.apply = insertRow("pending");
        QVERIFY(db->submit(std::move(pending)));
        // Eight readers share two connections while the write lock is held.
        std::atomic<int> ok{0};
        std::vector<std::thread> readers;
        for (int t = 0; t < 8; ++t) {
            readers.emplace_back([&] {
                for (int i = 0; i < 25; ++i)
                    ok += countRows(*db) == 1;
            });
        }
        for (auto& reader : readers)
            reader.join();
        QCOMPARE(ok.load(), 200);
    }

    void walIsTruncatedInTheBackground() {
        DatabaseOptions o = options();
        o.walTruncateBytes = 1 << 20;
        o.durability = Durability::Normal; // only to make the 8 MB quick
        auto db = Database::open(o);
        const auto wal = withSuffix(o.path, "-wal");
        const std::string detail(1000, 'x');
        std::uintmax_t peak = 0;
        for (int batch = 0; batch < 40; ++batch) {
            const std::string error = db->writeAndWait([&](sqlite3* c) {
                sqlite::Statement st(c,
                                     "INSERT INTO audit (at_ms, actor, action, target, detail) "
                                     "VALUES (0, 'test', 'bulk', '', ?1)",
                                     "bulk insert");
                for (int i = 0; i < 200; ++i) {
                    st.reset();
                    st.bindText(1, detail);
                    st.run();
                }
            });
            QCOMPARE(QString::fromStdString(error), QString());
            peak = std::max(peak, std::filesystem::file_size(wal));
        }
        QVERIFY2(
            peak > std::uintmax_t(o.walTruncateBytes),
            qPrintable(QStringLiteral("the WAL never grew past the limit (peak %1)").arg(peak)));
        // The checkpoint thread wakes at least once a second.
        QVERIFY(waitUntil(
            [&] { return std::filesystem::file_size(wal) <= std::uintmax_t(o.walTruncateBytes); },
            10s));
        QCOMPARE(countRows(*db), 8000);
    }

    // Steady small commits, as from a publisher at a fixed rate: the WAL is
    // copied in the background and started over by a commit, never by a
    // RESTART that makes commits wait, and it stays small.
    void walIsRewoundUnderSteadyCommitsWithoutStoppingThem() {
        DatabaseOptions o = options();
        o.durability = Durability::Normal;
        auto db = Database::open(o);
        const auto wal = withSuffix(o.path, "-wal");
        const std::string detail(1000, 'x');
        std::uintmax_t peak = 0;
        constexpr int kCommits = 4000;
        for (int i = 0; i < kCommits; ++i) {
            // Paced like a publisher at a steady rate (about 4,000 commits a
            // second): back-to-back commits leave no gap for a pass to end in,
            // which is not the load this promise is about.
            std::this_thread::sleep_for(std::chrono::microseconds(250));
            const std::string error = db->writeAndWait(insertRow("steady", detail));
            QCOMPARE(QString::fromStdString(error), QString());
            if (i % 100 == 0)
                peak = std::max(peak, std::filesystem::file_size(wal));
        }
        const WriterStats stats = db->writerStats();
        QVERIFY2(stats.walRewinds >= 1,
                 qPrintable(QStringLiteral("no rewind in %1 commits (%2 passes, %3 restarts)")
                                .arg(kCommits)
                                .arg(stats.checkpointPasses)
                                .arg(stats.walRestarts)));
        QCOMPARE(stats.walRestarts, std::int64_t(0));
        // 1,000 pages start a checkpoint; a RESTART would come at 8,000.
        QVERIFY2(peak < std::uintmax_t(8000) * 4096,
                 qPrintable(QStringLiteral("the WAL reached %1 bytes").arg(peak)));
        QCOMPARE(countRows(*db, "action = 'steady'"), kCommits);
    }

    // A connection that keeps statements prepares each SQL text once, and
    // gives them all back before it closes.
    void statementsArePreparedOncePerConnection() {
        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open(":memory:", &raw), SQLITE_OK);
        sqlite::keepStatements(raw);
        sqlite::exec(raw, "CREATE TABLE t (v INTEGER)", "creating a table");
        const auto prepared = [raw] {
            int n = 0;
            for (sqlite3_stmt* st = sqlite3_next_stmt(raw, nullptr); st;
                 st = sqlite3_next_stmt(raw, st))
                ++n;
            return n;
        };
        for (int i = 0; i < 3; ++i) {
            sqlite::Statement insert(raw, "INSERT INTO t (v) VALUES (?1)", "inserting");
            insert.bindInt(1, i);
            insert.run();
        }
        QCOMPARE(prepared(), 1);
        {
            // Two at once with the same text: the second gets its own.
            sqlite::Statement outer(raw, "SELECT v FROM t ORDER BY v", "reading");
            QVERIFY(outer.step());
            sqlite::Statement inner(raw, "SELECT v FROM t ORDER BY v", "reading");
            QVERIFY(inner.step());
            QVERIFY(outer.step());
            QCOMPARE(outer.columnInt(0), std::int64_t(1));
            QCOMPARE(inner.columnInt(0), std::int64_t(0));
        }
        QCOMPARE(prepared(), 3);
        {
            sqlite::Statement count(raw, "SELECT COUNT(*) FROM t WHERE v >= ?1", "counting");
            count.bindInt(1, 1);
            QVERIFY(count.step());
            QCOMPARE(count.columnInt(0), std::int64_t(2));
        }
        {
            // The kept statement comes back reset, without the old binding.
            sqlite::Statement count(raw, "SELECT COUNT(*) FROM t WHERE v >= ?1", "counting");
            QVERIFY(count.step());
            QCOMPARE(count.columnInt(0), std::int64_t(0)); // ?1 is NULL
        }
        QCOMPARE(prepared(), 4);
        sqlite::forgetStatements(raw);
        QCOMPARE(prepared(), 0);
        QCOMPARE(sqlite3_close(raw), SQLITE_OK);
    }
};

} // namespace meshdeck::test

QTEST_GUILESS_MAIN(meshdeck::test::TestDatabase)
#include "tst_database.moc"
