#pragma once
// The EventLog contract as one test suite, run against every implementation
// (after nats-server's testAllStoreAllPermutations). An implementation
// provides a LogFactory; its test executable runs EventLogSuite with it:
//
//     SqliteLogFactory factory(Durability::Full);
//     EventLogSuite suite(factory);
//     return QTest::qExec(&suite, argc, argv);
//
// Every test starts from an empty folder and a FakeClock, so ingestion times
// are exact. Tests use only the EventLog interface plus the factory.

#include "broker/store/event_log.h"
#include "core/time.h"

#include <QObject>
#include <QString>
#include <QTemporaryDir>
#include <functional>
#include <memory>

namespace meshdeck::test {

struct LogOptions {
    // Events queued (accepted, not yet committed) before append() refuses.
    std::size_t maxQueuedEvents = 100'000;
};

class LogFactory {
public:
    virtual ~LogFactory() = default;
    // Shown in the test log: "SQLite, synchronous=FULL".
    virtual QString name() const = 0;
    // Opens the log kept in `dir` (empty on first use); the log stamps
    // ingestion with `clock`. Destroying the returned log closes it; opening
    // the same dir again must find everything that was acknowledged.
    virtual std::unique_ptr<EventLog> open(const QString& dir, const Clock& clock,
                                           const LogOptions& options) = 0;
    // Stops the log's write path from completing anything until the returned
    // function is called: appends queue up (and count against
    // maxQueuedEvents). Returns once writes are held; an empty function when
    // they could not be held.
    virtual std::function<void()> holdWrites(EventLog& log) = 0;
};

class EventLogSuite : public QObject {
    Q_OBJECT
public:
    explicit EventLogSuite(LogFactory& factory);
    ~EventLogSuite() override;

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void appendAndGetRoundTripEveryField();
    void getUnknownIdFindsNothing();
    void seqsStrictlyIncrease();
    void failedBatchWritesNothing();
    void duplicateInSameBatchReturnsFirstCopy();
    void duplicateAcrossBatchesReturnsOriginal();
    void sameIdFromOtherTenantConflicts();
    void readFromReturnsSeqRange();
    void queryFilters_data();
    void queryFilters();
    void cursorPaginationVisitsEveryEventOnce_data();
    void cursorPaginationVisitsEveryEventOnce();
    void queryLimitIsClamped();
    void statsCountEventsAndBytes();
    void reopenKeepsEverything();
    void concurrentAppendersCommitEachEventOnce();
    void commitsAreAnnouncedOnceInSeqOrderWhenDurable();
    void retentionByAge();
    void retentionHonoursProtectFromSeq();
    void retentionBySize();
    void seqsAreNotReusedAfterRetentionEmptiesTheLog();
    void fullQueueRefusesAppend();
    void drainCommitsQueuedAndRefusesMore();

private:
    void reopen(const LogOptions& options = {});

    LogFactory& factory_;
    FakeClock clock_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<EventLog> log_;
};

} // namespace meshdeck::test
