#include "tests/store/event_log_suite.h"

#include <QScopeGuard>
#include <QtTest/QTest>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace std::chrono_literals;

namespace meshdeck {

// Readable QCOMPARE failures.
char* toString(const AppendStatus& status) {
    switch (status) {
    case AppendStatus::Appended:
        return qstrdup("Appended");
    case AppendStatus::Duplicate:
        return qstrdup("Duplicate");
    case AppendStatus::Conflict:
        return qstrdup("Conflict");
    }
    return qstrdup("?");
}

} // namespace meshdeck

Q_DECLARE_METATYPE(meshdeck::EventQuery)

namespace meshdeck::test {

namespace {

const Timestamp kStart = fromUnixMillis(1'795'000'000'000); // 2026-11-18

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

std::string describe(const Event& e) {
    return "{seq " + std::to_string(e.seq) + ", id " + e.eventId + ", type " + e.eventType + " v" +
           std::to_string(e.schemaVersion) + ", tenant " + e.tenantId + ", producer " + e.producer +
           ", entity " + e.entity.key() + "@" +
           (e.entity.version ? std::to_string(*e.entity.version) : std::string("-")) + ", corr " +
           e.correlationId + ", cause " + e.causationId + ", trace " + e.traceparent +
           ", occurred " + formatRfc3339(e.occurredAt) + ", ingested " +
           formatRfc3339(e.ingestedAt) + ", payload " + e.payload + "}";
}

std::string mismatch(const Event& got, const Event& want) {
    return "got " + describe(got) + "\nwant " + describe(want);
}

Event makeEvent(const std::string& id, const std::string& tenant = "acme") {
    Event e;
    e.eventId = id;
    e.eventType = "LeadScored";
    e.occurredAt = kStart - 1min;
    e.producer = "hubspot";
    e.tenantId = tenant;
    e.correlationId = "corr-" + id;
    e.entity = {"lead", "L-" + id, std::nullopt};
    e.payload = R"({"score":87})";
    return e;
}

std::vector<Event> makeBatch(const std::string& prefix, int count,
                             const std::string& tenant = "acme") {
    std::vector<Event> events;
    for (int i = 0; i < count; ++i)
        events.push_back(makeEvent(prefix + std::to_string(i), tenant));
    return events;
}

// Appends and waits for the outcome. A refused append comes back with
// queueFull set and "refused" as its error.
AppendResult appendAndWait(EventLog& log, std::vector<Event> events) {
    auto promise = std::make_shared<std::promise<AppendResult>>();
    auto future = promise->get_future();
    if (!log.append(std::move(events),
                    [promise](AppendResult r) { promise->set_value(std::move(r)); })) {
        AppendResult refused;
        refused.queueFull = true;
        refused.error = "refused";
        return refused;
    }
    if (future.wait_for(60s) != std::future_status::ready) {
        AppendResult timedOut;
        timedOut.error = "no completion within 60 s";
        return timedOut;
    }
    return future.get();
}

// The 60-event fixture of the query tests: two tenants, three types, two
// entity kinds, six correlations, and occurrence times that do not follow
// the append order (so a time filter cannot pass by looking at seqs).
std::vector<Event> queryFixture() {
    static const char* types[] = {"LeadCreated", "LeadScored", "DemoBooked"};
    std::vector<Event> events;
    for (int i = 0; i < 60; ++i) {
        Event e = makeEvent("q-" + std::to_string(i), i % 2 ? "acme" : "globex");
        e.eventType = types[i % 3];
        e.entity = {i % 4 < 2 ? "lead" : "contact", "X-" + std::to_string(i % 5), i};
        e.correlationId = "corr-" + std::to_string(i % 6);
        e.occurredAt = kStart + std::chrono::minutes((i * 7) % 60);
        events.push_back(e);
    }
    return events;
}

// What a query must return, decided without the log.
bool matches(const Event& e, const EventQuery& q) {
    return e.seq > q.afterSeq && (!q.eventType || e.eventType == *q.eventType) &&
           (!q.tenantId || e.tenantId == *q.tenantId) &&
           (!q.entityKind || e.entity.kind == *q.entityKind) &&
           (!q.entityId || e.entity.id == *q.entityId) &&
           (!q.correlationId || e.correlationId == *q.correlationId) &&
           (!q.since || e.occurredAt >= *q.since) && (!q.until || e.occurredAt < *q.until);
}

// Appends `events` as one batch and writes the assigned seqs and ingestion
// times back into them. Returns false (after a failed QVERIFY) on failure.
bool appendAll(EventLog& log, std::vector<Event>& events) {
    const AppendResult r = appendAndWait(log, events);
    [&] {
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.outcomes.size(), events.size());
    }();
    if (QTest::currentTestFailed())
        return false;
    for (std::size_t i = 0; i < events.size(); ++i) {
        events[i].seq = r.outcomes[i].seq;
        events[i].ingestedAt = r.outcomes[i].ingestedAt;
    }
    return true;
}

std::vector<std::string> idsOf(const std::vector<Event>& events) {
    std::vector<std::string> ids;
    for (const Event& e : events)
        ids.push_back(e.eventId);
    return ids;
}

QStringList toQStringList(const std::vector<std::string>& ids) {
    QStringList list;
    for (const auto& id : ids)
        list << qs(id);
    return list;
}

template <typename Predicate> bool waitUntil(Predicate ready) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// Releases held writes when a test ends early.
struct HeldWrites {
    std::function<void()> release;
    ~HeldWrites() { releaseNow(); }
    void releaseNow() {
        if (auto r = std::exchange(release, nullptr))
            r();
    }
};

} // namespace

EventLogSuite::EventLogSuite(LogFactory& factory) : factory_(factory), clock_(kStart) {}

EventLogSuite::~EventLogSuite() = default;

void EventLogSuite::initTestCase() {
    qInfo("EventLog implementation: %s", qPrintable(factory_.name()));
}

void EventLogSuite::init() {
    clock_.set(kStart);
    dir_ = std::make_unique<QTemporaryDir>();
    QVERIFY(dir_->isValid());
    log_ = factory_.open(dir_->path(), clock_, {});
    QVERIFY(log_);
}

void EventLogSuite::cleanup() {
    log_.reset();
    dir_.reset();
}

void EventLogSuite::reopen(const LogOptions& options) {
    log_->drain();
    log_.reset();
    log_ = factory_.open(dir_->path(), clock_, options);
    QVERIFY(log_);
}

void EventLogSuite::appendAndGetRoundTripEveryField() {
    Event full;
    full.eventId = "01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f";
    full.eventType = "LeadQualified";
    full.schemaVersion = 3;
    full.occurredAt = kStart - 90s;
    full.producer = "hubspot";
    full.tenantId = "acme";
    full.correlationId = "lead-L-1042-journey";
    full.causationId = "01936f4e-0000-7000-8000-000000000001";
    full.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    full.entity = {"lead", "L-1042", 7};
    full.payload = R"({"lead_id":"L-1042","score":87,"note":"Zoë \"quoted\" \u00e9 ✓"})";

    Event sparse = makeEvent("sparse");
    sparse.entity.version.reset();
    sparse.correlationId.clear();
    sparse.causationId.clear();
    sparse.traceparent.clear();
    sparse.payload = "{}";
    sparse.entity.version = std::nullopt;

    std::vector<Event> events{full, sparse};
    const AppendResult r = appendAndWait(*log_, events);
    QVERIFY2(r.ok, r.error.c_str());
    QCOMPARE(r.outcomes.size(), std::size_t(2));
    for (std::size_t i = 0; i < events.size(); ++i) {
        QCOMPARE(r.outcomes[i].status, AppendStatus::Appended);
        QVERIFY(r.outcomes[i].seq > 0);
        QCOMPARE(r.outcomes[i].ingestedAt, clock_.now());
        Event want = events[i];
        want.seq = r.outcomes[i].seq;
        want.ingestedAt = r.outcomes[i].ingestedAt;
        const auto got = log_->get(want.eventId);
        QVERIFY2(got, want.eventId.c_str());
        QVERIFY2(*got == want, mismatch(*got, want).c_str());
    }
}

void EventLogSuite::getUnknownIdFindsNothing() {
    QVERIFY(!log_->get("nope"));
    std::vector<Event> events = makeBatch("a", 1);
    QVERIFY(appendAll(*log_, events));
    QVERIFY(log_->get("a0"));
    QVERIFY(!log_->get("a1"));
    QVERIFY(!log_->get("A0")); // ids are exact
}

void EventLogSuite::seqsStrictlyIncrease() {
    std::int64_t previous = 0;
    std::int64_t first = 0;
    for (int batch = 0; batch < 5; ++batch) {
        std::vector<Event> events = makeBatch("b" + std::to_string(batch) + "-", 10);
        QVERIFY(appendAll(*log_, events));
        for (const Event& e : events) {
            QVERIFY2(e.seq > previous, describe(e).c_str());
            previous = e.seq;
            if (!first)
                first = e.seq;
        }
    }
    const LogStats stats = log_->stats();
    QCOMPARE(stats.count, 50);
    QCOMPARE(stats.firstSeq, first);
    QCOMPARE(stats.lastSeq, previous);
}

void EventLogSuite::failedBatchWritesNothing() {
    std::vector<Event> before = makeBatch("ok-", 1);
    QVERIFY(appendAll(*log_, before));

    std::vector<Event> batch = makeBatch("doomed-", 4);
    batch[2].eventId.clear(); // an event without an id fails the whole batch
    const AppendResult r = appendAndWait(*log_, batch);
    QVERIFY(!r.ok);
    QVERIFY(!r.queueFull);
    QVERIFY(!r.error.empty());
    QVERIFY(r.outcomes.empty());
    QVERIFY(!log_->get("doomed-0"));
    QVERIFY(!log_->get("doomed-1"));
    QVERIFY(!log_->get("doomed-3"));
    QCOMPARE(log_->stats().count, 1);

    // The log is still usable, and the failed ids are free.
    std::vector<Event> after{makeEvent("doomed-0")};
    QVERIFY(appendAll(*log_, after));
    QVERIFY(after[0].seq > before[0].seq);
    QCOMPARE(log_->stats().count, 2);
}

void EventLogSuite::duplicateInSameBatchReturnsFirstCopy() {
    Event first = makeEvent("dup");
    Event other = makeEvent("other");
    Event again = makeEvent("dup");
    again.payload = R"({"score":1})";
    const AppendResult r = appendAndWait(*log_, {first, other, again});
    QVERIFY2(r.ok, r.error.c_str());
    QCOMPARE(r.outcomes.size(), std::size_t(3));
    QCOMPARE(r.outcomes[0].status, AppendStatus::Appended);
    QCOMPARE(r.outcomes[1].status, AppendStatus::Appended);
    QCOMPARE(r.outcomes[2].status, AppendStatus::Duplicate);
    QCOMPARE(r.outcomes[2].seq, r.outcomes[0].seq);
    QCOMPARE(r.outcomes[2].ingestedAt, r.outcomes[0].ingestedAt);
    QCOMPARE(qs(log_->get("dup")->payload), qs(first.payload)); // the first copy wins
    QCOMPARE(log_->stats().count, 2);
}

void EventLogSuite::duplicateAcrossBatchesReturnsOriginal() {
    std::vector<Event> original{makeEvent("once")};
    QVERIFY(appendAll(*log_, original));
    const Timestamp firstIngest = clock_.now();

    clock_.advance(5min);
    Event again = makeEvent("once");
    again.payload = R"({"score":2})";
    const AppendResult r = appendAndWait(*log_, {again, makeEvent("new")});
    QVERIFY2(r.ok, r.error.c_str());
    QCOMPARE(r.outcomes.size(), std::size_t(2));
    QCOMPARE(r.outcomes[0].status, AppendStatus::Duplicate);
    QCOMPARE(r.outcomes[0].seq, original[0].seq);
    QCOMPARE(r.outcomes[0].ingestedAt, firstIngest);
    QCOMPARE(r.outcomes[1].status, AppendStatus::Appended);
    QVERIFY(r.outcomes[1].seq > original[0].seq);
    QCOMPARE(qs(log_->get("once")->payload), qs(original[0].payload));
    QCOMPARE(log_->stats().count, 2);
}

void EventLogSuite::sameIdFromOtherTenantConflicts() {
    std::vector<Event> mine{makeEvent("shared-id", "acme")};
    QVERIFY(appendAll(*log_, mine));

    const AppendResult r =
        appendAndWait(*log_, {makeEvent("shared-id", "globex"), makeEvent("g-1", "globex")});
    QVERIFY2(r.ok, r.error.c_str());
    QCOMPARE(r.outcomes.size(), std::size_t(2));
    QCOMPARE(r.outcomes[0].status, AppendStatus::Conflict);
    QCOMPARE(r.outcomes[0].seq, 0); // another tenant's position is not disclosed
    QCOMPARE(r.outcomes[1].status, AppendStatus::Appended);

    const auto stored = log_->get("shared-id");
    QVERIFY(stored);
    QCOMPARE(qs(stored->tenantId), QStringLiteral("acme"));
    QCOMPARE(stored->seq, mine[0].seq);
    QCOMPARE(log_->stats().count, 2);
}

void EventLogSuite::readFromReturnsSeqRange() {
    std::vector<Event> events = makeBatch("r", 20);
    QVERIFY(appendAll(*log_, events));
    const std::int64_t s0 = events[0].seq;
    QCOMPARE(events[19].seq, s0 + 19); // one batch occupies consecutive positions

    const auto head = log_->readFrom(s0, 5);
    QCOMPARE(toQStringList(idsOf(head)),
             (QStringList{QStringLiteral("r0"), QStringLiteral("r1"), QStringLiteral("r2"),
                          QStringLiteral("r3"), QStringLiteral("r4")}));
    for (std::size_t i = 0; i < head.size(); ++i) {
        QCOMPARE(head[i].seq, s0 + std::int64_t(i));
        QVERIFY2(head[i] == events[i], mismatch(head[i], events[i]).c_str());
    }
    QCOMPARE(toQStringList(idsOf(log_->readFrom(s0 + 5, 3))),
             (QStringList{QStringLiteral("r5"), QStringLiteral("r6"), QStringLiteral("r7")}));
    QCOMPARE(toQStringList(idsOf(log_->readFrom(s0 + 18, 10))),
             (QStringList{QStringLiteral("r18"), QStringLiteral("r19")}));
    QVERIFY(log_->readFrom(s0 + 20, 10).empty());
    QVERIFY(log_->readFrom(s0, 0).empty());
    QCOMPARE(log_->readFrom(0, int(s0 + 20)).size(), std::size_t(20));
}

void EventLogSuite::queryFilters_data() {
    QTest::addColumn<EventQuery>("query");
    const auto with = [](auto set) {
        EventQuery q;
        q.limit = 1000;
        set(q);
        return q;
    };
    QTest::addRow("no filter") << with([](EventQuery&) {});
    QTest::addRow("type LeadScored") << with([](EventQuery& q) { q.eventType = "LeadScored"; });
    QTest::addRow("tenant acme") << with([](EventQuery& q) { q.tenantId = "acme"; });
    QTest::addRow("entity kind contact") << with([](EventQuery& q) { q.entityKind = "contact"; });
    QTest::addRow("entity id X-3, any kind") << with([](EventQuery& q) { q.entityId = "X-3"; });
    QTest::addRow("entity lead:X-3 of acme") << with([](EventQuery& q) {
        q.tenantId = "acme";
        q.entityKind = "lead";
        q.entityId = "X-3";
    });
    QTest::addRow("correlation corr-2") << with([](EventQuery& q) { q.correlationId = "corr-2"; });
    QTest::addRow("since +30 min") << with([](EventQuery& q) { q.since = kStart + 30min; });
    QTest::addRow("until +30 min") << with([](EventQuery& q) { q.until = kStart + 30min; });
    QTest::addRow("window [+10, +20) min") << with([](EventQuery& q) {
        q.since = kStart + 10min;
        q.until = kStart + 20min;
    });
    QTest::addRow("type + tenant + correlation") << with([](EventQuery& q) {
        q.eventType = "LeadCreated";
        q.tenantId = "acme";
        q.correlationId = "corr-3";
    });
    QTest::addRow("type + tenant + entity id") << with([](EventQuery& q) {
        q.eventType = "DemoBooked";
        q.tenantId = "globex";
        q.entityId = "X-3";
    });
    QTest::addRow("type + window") << with([](EventQuery& q) {
        q.eventType = "LeadCreated";
        q.since = kStart + 5min;
        q.until = kStart + 45min;
    });
    QTest::addRow("unknown type") << with([](EventQuery& q) { q.eventType = "Nope"; });
    QTest::addRow("tenant that has no events")
        << with([](EventQuery& q) { q.tenantId = "initech"; });
}

void EventLogSuite::queryFilters() {
    QFETCH(EventQuery, query);
    std::vector<Event> events = queryFixture();
    QVERIFY(appendAll(*log_, events));

    std::vector<std::string> want;
    for (const Event& e : events)
        if (matches(e, query))
            want.push_back(e.eventId);
    const EventPage page = log_->query(query);
    QCOMPARE(toQStringList(idsOf(page.events)), toQStringList(want));
    QVERIFY(!page.nextAfterSeq);
    for (const Event& got : page.events) {
        const auto it = std::find_if(events.begin(), events.end(),
                                     [&](const Event& e) { return e.eventId == got.eventId; });
        QVERIFY2(it != events.end(), got.eventId.c_str());
        QVERIFY2(got == *it, mismatch(got, *it).c_str());
    }
    // A filter that the fixture satisfies must have been exercised on real rows.
    if (QByteArray(QTest::currentDataTag()).contains("no events") ||
        QByteArray(QTest::currentDataTag()).contains("unknown"))
        QVERIFY(want.empty());
    else
        QVERIFY(!want.empty() && want.size() <= events.size());
}

void EventLogSuite::cursorPaginationVisitsEveryEventOnce_data() {
    QTest::addColumn<EventQuery>("query");
    EventQuery q;
    q.limit = 7;
    QTest::addRow("everything, 7 a page") << q;
    q.limit = 60;
    QTest::addRow("everything, one exact page") << q;
    q.limit = 1;
    q.tenantId = "acme";
    QTest::addRow("tenant acme, 1 a page") << q;
    q = {};
    q.limit = 4;
    q.eventType = "LeadScored";
    q.since = kStart + 15min;
    QTest::addRow("type + since, 4 a page") << q;
    q = {};
    q.limit = 10;
    q.entityKind = "lead";
    q.afterSeq = -1; // before the start: same as 0
    QTest::addRow("entity kind lead, 10 a page") << q;
}

void EventLogSuite::cursorPaginationVisitsEveryEventOnce() {
    QFETCH(EventQuery, query);
    std::vector<Event> events = queryFixture();
    QVERIFY(appendAll(*log_, events));
    std::vector<std::string> want;
    for (const Event& e : events)
        if (matches(e, query))
            want.push_back(e.eventId);
    QVERIFY(!want.empty());

    std::vector<std::string> seen;
    std::int64_t previousSeq = query.afterSeq;
    for (int pages = 0;; ++pages) {
        QVERIFY2(pages <= 61, "the cursor does not advance");
        const EventPage page = log_->query(query);
        QVERIFY(page.events.size() <= std::size_t(query.limit));
        for (const Event& e : page.events) {
            QVERIFY2(e.seq > previousSeq, describe(e).c_str());
            previousSeq = e.seq;
            seen.push_back(e.eventId);
        }
        if (!page.nextAfterSeq)
            break;
        QCOMPARE(page.events.size(), std::size_t(query.limit)); // only a full page has a cursor
        QCOMPARE(*page.nextAfterSeq, page.events.back().seq);
        query.afterSeq = *page.nextAfterSeq;
    }
    QCOMPARE(toQStringList(seen), toQStringList(want));
}

void EventLogSuite::queryLimitIsClamped() {
    std::vector<Event> events = makeBatch("c", 1005);
    QVERIFY(appendAll(*log_, events));
    EventQuery q;
    q.limit = 0;
    EventPage page = log_->query(q);
    QCOMPARE(page.events.size(), std::size_t(1));
    QCOMPARE(page.nextAfterSeq.value_or(-1), events[0].seq);
    q.limit = -5;
    QCOMPARE(log_->query(q).events.size(), std::size_t(1));
    q.limit = 5000;
    page = log_->query(q);
    QCOMPARE(page.events.size(), std::size_t(1000));
    QCOMPARE(page.nextAfterSeq.value_or(-1), events[999].seq);
    q.afterSeq = *page.nextAfterSeq;
    page = log_->query(q);
    QCOMPARE(page.events.size(), std::size_t(5));
    QVERIFY(!page.nextAfterSeq);
}

void EventLogSuite::statsCountEventsAndBytes() {
    LogStats stats = log_->stats();
    QCOMPARE(stats.count, 0);
    QCOMPARE(stats.bytes, 0);
    QCOMPARE(stats.firstSeq, 0);
    QCOMPARE(stats.lastSeq, 0);

    std::vector<Event> events = makeBatch("s", 3);
    events[0].payload = R"({"a":1})";                 // 7 bytes
    events[1].payload = R"({"name":"Zoë"})";          // 15 bytes: ë is two
    events[2].payload = R"({"list":[1,2,3],"x":""})"; // 23 bytes
    QVERIFY(appendAll(*log_, events));
    stats = log_->stats();
    QCOMPARE(stats.count, 3);
    QCOMPARE(stats.bytes, 7 + 15 + 23);
    QCOMPARE(stats.firstSeq, events[0].seq);
    QCOMPARE(stats.lastSeq, events[2].seq);

    // Duplicates and conflicts store nothing.
    QVERIFY(appendAndWait(*log_, {makeEvent("s0"), makeEvent("s1", "globex")}).ok);
    QCOMPARE(log_->stats().count, 3);
    QCOMPARE(log_->stats().bytes, 45);
}

void EventLogSuite::reopenKeepsEverything() {
    std::vector<Event> all;
    for (int batch = 0; batch < 3; ++batch) {
        std::vector<Event> events = makeBatch("keep" + std::to_string(batch) + "-", 10);
        events[0].entity.version = batch;
        QVERIFY(appendAll(*log_, events));
        all.insert(all.end(), events.begin(), events.end());
        clock_.advance(1s);
    }
    const LogStats before = log_->stats();

    reopen();
    for (const Event& want : all) {
        const auto got = log_->get(want.eventId);
        QVERIFY2(got, want.eventId.c_str());
        QVERIFY2(*got == want, mismatch(*got, want).c_str());
    }
    const LogStats after = log_->stats();
    QCOMPARE(after.count, before.count);
    QCOMPARE(after.bytes, before.bytes);
    QCOMPARE(after.firstSeq, before.firstSeq);
    QCOMPARE(after.lastSeq, before.lastSeq);

    // Idempotency survives the restart, and new positions follow the old.
    const AppendResult r = appendAndWait(*log_, {makeEvent("keep0-0"), makeEvent("fresh")});
    QVERIFY2(r.ok, r.error.c_str());
    QCOMPARE(r.outcomes[0].status, AppendStatus::Duplicate);
    QCOMPARE(r.outcomes[0].seq, all[0].seq);
    QCOMPARE(r.outcomes[1].status, AppendStatus::Appended);
    QVERIFY(r.outcomes[1].seq > before.lastSeq);
}

void EventLogSuite::concurrentAppendersCommitEachEventOnce() {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 2000;
    constexpr int kBatch = 50;
    constexpr int kBatches = kThreads * kPerThread / kBatch;

    std::mutex mutex;
    std::condition_variable completed;
    int completions = 0;
    std::vector<std::string> failures;
    std::map<std::string, std::int64_t> seqOf; // event id -> seq
    std::atomic<int> refusals{0};
    // Completions refer to the locals above: on an early return, wait for them.
    const auto drainOnExit = qScopeGuard([this] { log_->drain(); });

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int b = 0; b < kPerThread / kBatch; ++b) {
                const std::string prefix = "t" + std::to_string(t) + "-b" + std::to_string(b) + "-";
                const std::vector<Event> events =
                    makeBatch(prefix, kBatch, t % 2 ? "acme" : "globex");
                auto done = [&, events](AppendResult r) {
                    std::lock_guard lock(mutex);
                    if (!r.ok || r.outcomes.size() != events.size()) {
                        failures.push_back(r.error.empty() ? "wrong outcome count" : r.error);
                    } else {
                        for (std::size_t i = 0; i < events.size(); ++i) {
                            if (r.outcomes[i].status != AppendStatus::Appended)
                                failures.push_back(events[i].eventId + " not appended");
                            if (!seqOf.emplace(events[i].eventId, r.outcomes[i].seq).second)
                                failures.push_back(events[i].eventId + " completed twice");
                        }
                    }
                    ++completions;
                    completed.notify_all();
                };
                // Backpressure is part of the contract: retry a refused batch.
                while (!log_->append(events, done)) {
                    ++refusals;
                    std::this_thread::sleep_for(1ms);
                }
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    {
        std::unique_lock lock(mutex);
        QVERIFY(completed.wait_for(lock, 120s, [&] { return completions == kBatches; }));
        QVERIFY2(failures.empty(), failures.empty() ? "" : failures.front().c_str());
    }
    QCOMPARE(seqOf.size(), std::size_t(kThreads * kPerThread));
    std::set<std::int64_t> seqs;
    for (const auto& [id, seq] : seqOf)
        seqs.insert(seq);
    QCOMPARE(seqs.size(), seqOf.size()); // distinct positions

    const LogStats stats = log_->stats();
    QCOMPARE(stats.count, kThreads * kPerThread);
    const std::vector<Event> stored =
        log_->readFrom(*seqs.begin(), int(*seqs.rbegin() - *seqs.begin() + 1));
    QCOMPARE(stored.size(), seqOf.size());
    for (const Event& e : stored)
        QCOMPARE(e.seq, seqOf.at(e.eventId));
    qInfo("%d batches from %d threads, %d refusals", kBatches, kThreads, refusals.load());
}

// The commit listener is how delivery (and every later reader of new
// events) hears of them: each appended event exactly once, in seq order,
// from one thread at a time, and only once another reader can see it.
// Duplicates, conflicts and failed batches are never announced.
void EventLogSuite::commitsAreAnnouncedOnceInSeqOrderWhenDurable() {
    struct Heard {
        std::mutex mutex;
        std::vector<EventPtr> events;
        std::vector<std::string> problems;
        std::atomic<int> inside{0};
        int calls = 0;
    };
    auto heard = std::make_shared<Heard>();
    EventLog* log = log_.get();
    log_->setCommitListener([heard, log](std::vector<EventPtr> committed) {
        if (heard->inside.fetch_add(1) != 0)
            heard->problems.push_back("the listener was called from two threads at once");
        std::vector<std::string> problems;
        if (committed.empty())
            problems.push_back("a call with no events");
        for (const EventPtr& e : committed) {
            // Durable here means: a reader on another connection sees it.
            const auto stored = log->get(e->eventId);
            if (!stored)
                problems.push_back(e->eventId + " announced before a reader could see it");
            else if (!(*stored == *e))
                problems.push_back(e->eventId + " announced as " + describe(*e) +
                                   "\nbut stored as " + describe(*stored));
        }
        {
            std::lock_guard lock(heard->mutex);
            ++heard->calls;
            heard->events.insert(heard->events.end(), committed.begin(), committed.end());
            heard->problems.insert(heard->problems.end(), problems.begin(), problems.end());
        }
        heard->inside.fetch_sub(1);
    });
    const auto stopListening = qScopeGuard([this] {
        log_->drain();
        log_->setCommitListener({});
    });

    // Four appenders at once, each batch with an event repeated from its
    // own earlier batch (a duplicate), beside a failing batch, then another
    // tenant's repeat of an id (a conflict).
    constexpr int kThreads = 4;
    constexpr int kBatches = 40;
    constexpr int kBatch = 10;
    std::mutex mutex;
    std::map<std::string, std::int64_t> appended; // id -> seq, from the append results
    std::vector<std::string> failures;
    std::atomic<int> completions{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int b = 0; b < kBatches; ++b) {
                std::vector<Event> events =
                    makeBatch("t" + std::to_string(t) + "b" + std::to_string(b) + "-", kBatch);
                if (b > 0)
                    events.push_back(makeEvent("t" + std::to_string(t) + "b0-0"));
                auto done = [&](AppendResult r) {
                    std::lock_guard lock(mutex);
                    if (!r.ok)
                        failures.push_back(r.error);
                    for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
                        if (r.outcomes[i].status != AppendStatus::Appended)
                            continue;
                        if (r.events[i]->seq != r.outcomes[i].seq)
                            failures.push_back(r.events[i]->eventId + ": result without its seq");
                        appended.emplace(r.events[i]->eventId, r.outcomes[i].seq);
                    }
                    ++completions;
                };
                while (!log_->append(events, done))
                    std::this_thread::sleep_for(1ms);
            }
        });
    }
    std::vector<Event> doomed = makeBatch("doomed-", 3);
    doomed[1].eventId.clear();
    QVERIFY(!appendAndWait(*log_, doomed).ok);
    for (auto& thread : threads)
        thread.join();
    QVERIFY(waitUntil([&] { return completions.load() == kThreads * kBatches; }));
    const AppendResult conflict = appendAndWait(*log_, {makeEvent("t0b0-0", "globex")});
    QVERIFY(conflict.ok);
    QCOMPARE(conflict.outcomes.at(0).status, AppendStatus::Conflict);
    QVERIFY2(failures.empty(), failures.empty() ? "" : failures.front().c_str());
    QCOMPARE(appended.size(), std::size_t(kThreads * kBatches * kBatch));

    // Each completion runs once its commit is announced or just before it:
    // drain so the last announcement has been made.
    log_->drain();
    std::vector<EventPtr> announced;
    std::vector<std::string> problems;
    int calls = 0;
    {
        std::lock_guard lock(heard->mutex);
        announced = heard->events;
        problems = heard->problems;
        calls = heard->calls;
    }
    QVERIFY2(problems.empty(), problems.empty() ? "" : problems.front().c_str());
    QCOMPARE(announced.size(), appended.size());
    std::int64_t previous = 0;
    for (const EventPtr& e : announced) {
        QVERIFY2(e->seq > previous, describe(*e).c_str()); // seq order, across calls too
        previous = e->seq;
        const auto it = appended.find(e->eventId);
        QVERIFY2(it != appended.end(), ("announced but not appended: " + e->eventId).c_str());
        QCOMPARE(e->seq, it->second);
        QCOMPARE(e->ingestedAt, clock_.now());
    }
    qInfo("%zu events announced in %d calls", announced.size(), calls);

    // What was announced survives a reopen.
    reopen();
    for (const EventPtr& e : announced) {
        const auto stored = log_->get(e->eventId);
        QVERIFY2(stored && *stored == *e, e->eventId.c_str());
    }
}

void EventLogSuite::retentionByAge() {
    std::vector<Event> old = makeBatch("old", 10);
    QVERIFY(appendAll(*log_, old));
    clock_.advance(48h);
    std::vector<Event> young = makeBatch("young", 10);
    // Occurrence time does not matter: age counts from ingestion.
    for (Event& e : young)
        e.occurredAt = kStart - std::chrono::hours(24 * 365);
    QVERIFY(appendAll(*log_, young));
    clock_.advance(1h);

    RetentionPolicy policy;
    policy.maxAge = 24h;
    RetentionResult r = log_->applyRetention(policy);
    QCOMPARE(r.deleted, 10);
    QCOMPARE(r.firstSeq, young[0].seq);
    QVERIFY(!log_->get("old0"));
    QVERIFY(!log_->get("old9"));
    QVERIFY(log_->get("young0"));
    const LogStats stats = log_->stats();
    QCOMPARE(stats.count, 10);
    QCOMPARE(stats.firstSeq, young[0].seq);
    QCOMPARE(stats.lastSeq, young[9].seq);

    r = log_->applyRetention(policy);
    QCOMPARE(r.deleted, 0);
    QCOMPARE(r.firstSeq, young[0].seq);

    clock_.advance(24h);
    r = log_->applyRetention(policy);
    QCOMPARE(r.deleted, 10);
    QCOMPARE(r.firstSeq, 0);
    QCOMPARE(log_->stats().count, 0);
}

void EventLogSuite::retentionHonoursProtectFromSeq() {
    std::vector<Event> old = makeBatch("old", 10);
    QVERIFY(appendAll(*log_, old));
    clock_.advance(48h);

    RetentionPolicy policy;
    policy.maxAge = 24h;
    policy.protectFromSeq = old[4].seq; // a consumer has acked up to old3
    const RetentionResult r = log_->applyRetention(policy);
    QCOMPARE(r.deleted, 4);
    QCOMPARE(r.firstSeq, old[4].seq);
    QVERIFY(!log_->get("old3"));
    for (int i = 4; i < 10; ++i)
        QVERIFY(log_->get("old" + std::to_string(i)));

    policy.maxAge.reset();
    policy.maxBytes = 0;
    policy.protectFromSeq = old[7].seq;
    QCOMPARE(log_->applyRetention(policy).deleted, 3);
    QCOMPARE(log_->stats().count, 3);
    QCOMPARE(log_->stats().firstSeq, old[7].seq);
}

void EventLogSuite::retentionBySize() {
    std::vector<Event> events = makeBatch("sz", 10);
    for (Event& e : events) {
        e.payload = R"({"pad":")" + std::string(100 - 10, 'x') + R"("})";
        QCOMPARE(e.payload.size(), std::size_t(100));
    }
    QVERIFY(appendAll(*log_, events));
    QCOMPARE(log_->stats().bytes, 1000);

    RetentionPolicy policy;
    policy.maxBytes = 1000;
    QCOMPARE(log_->applyRetention(policy).deleted, 0);

    policy.maxBytes = 550; // the oldest go until at most 550 bytes remain
    RetentionResult r = log_->applyRetention(policy);
    QCOMPARE(r.deleted, 5);
    QCOMPARE(r.firstSeq, events[5].seq);
    LogStats stats = log_->stats();
    QCOMPARE(stats.bytes, 500);
    QCOMPARE(stats.count, 5);
    QVERIFY(!log_->get("sz4"));
    QVERIFY(log_->get("sz5"));

    policy.maxBytes = 0;
    policy.protectFromSeq = events[8].seq;
    r = log_->applyRetention(policy);
    QCOMPARE(r.deleted, 3);
    QCOMPARE(r.firstSeq, events[8].seq);
    QCOMPARE(log_->stats().bytes, 200);
}

void EventLogSuite::seqsAreNotReusedAfterRetentionEmptiesTheLog() {
    std::vector<Event> events = makeBatch("gone", 5);
    QVERIFY(appendAll(*log_, events));
    clock_.advance(48h);
    RetentionPolicy policy;
    policy.maxAge = 24h;
    QCOMPARE(log_->applyRetention(policy).deleted, 5);
    LogStats stats = log_->stats();
    QCOMPARE(stats.count, 0);
    QCOMPARE(stats.firstSeq, 0);
    QCOMPARE(stats.lastSeq, events[4].seq); // the head stays where it was

    reopen();
    QCOMPARE(log_->stats().lastSeq, events[4].seq);
    std::vector<Event> next = makeBatch("next", 1);
    QVERIFY(appendAll(*log_, next));
    QVERIFY2(next[0].seq > events[4].seq, describe(next[0]).c_str());
    QVERIFY(!log_->get("gone0")); // and the old id is free again
}

void EventLogSuite::fullQueueRefusesAppend() {
    constexpr std::size_t kMaxQueued = 10;
    reopen({kMaxQueued});
    std::mutex mutex;
    std::vector<AppendResult> results;
    HeldWrites held{factory_.holdWrites(*log_)};
    // Completions refer to the locals above: on an early return, let them run.
    const auto drainOnExit = qScopeGuard([&] {
        held.releaseNow();
        log_->drain();
    });
    QVERIFY(held.release);

    int accepted = 0;
    bool refused = false;
    for (int i = 0; i < 10 && !refused; ++i) {
        const bool queued =
            log_->append(makeBatch("queued" + std::to_string(i) + "-", 5), [&](AppendResult r) {
                std::lock_guard lock(mutex);
                results.push_back(std::move(r));
            });
        if (queued)
            ++accepted;
        else
            refused = true;
    }
    QVERIFY2(refused, "append never refused while writes were held");
    QVERIFY(accepted >= 1);
    QVERIFY(std::size_t(accepted) * 5 <= kMaxQueued);
    {
        std::lock_guard lock(mutex);
        QVERIFY(results.empty()); // nothing completes while held
    }

    held.releaseNow();
    QVERIFY(waitUntil([&] {
        std::lock_guard lock(mutex);
        return int(results.size()) >= accepted;
    }));
    std::vector<Event> later = makeBatch("later", 5);
    QVERIFY(appendAll(*log_, later));
    {
        std::lock_guard lock(mutex);
        QCOMPARE(int(results.size()), accepted); // the refused batch's callback never ran
        for (const AppendResult& r : results)
            QVERIFY2(r.ok, r.error.c_str());
    }
    // The refused batch was not written, and the queue takes work again.
    QVERIFY(!log_->get("queued" + std::to_string(accepted) + "-0"));
    QCOMPARE(log_->stats().count, accepted * 5 + 5);
}

void EventLogSuite::drainCommitsQueuedAndRefusesMore() {
    constexpr int kBatches = 20;
    std::atomic<int> ok{0};
    std::atomic<int> done{0};
    const auto drainOnExit = qScopeGuard([this] { log_->drain(); });
    for (int b = 0; b < kBatches; ++b) {
        QVERIFY(log_->append(makeBatch("d" + std::to_string(b) + "-", 10), [&](AppendResult r) {
            ok += r.ok;
            ++done;
        }));
    }
    log_->drain();
    QCOMPARE(done.load(), kBatches); // drain returns after every completion
    QCOMPARE(ok.load(), kBatches);

    bool lateCallback = false;
    QVERIFY(!log_->append(makeBatch("late", 1), [&](AppendResult) { lateCallback = true; }));
    QVERIFY(!lateCallback);
    log_->drain(); // idempotent

    reopen();
    QCOMPARE(log_->stats().count, kBatches * 10);
    QVERIFY(log_->get("d19-9"));
    QVERIFY(!log_->get("late0"));
}

} // namespace meshdeck::test
