// The EventLog suite on SQLite, once per durability mode: real files in a
// temporary folder, a real writer thread, only the clock is fake.

#include "broker/store/sqlite_log.h"
#include "tests/store/event_log_suite.h"
#include "tests/store/store_test_support.h"

#include <QCoreApplication>
#include <QtTest/QTest>

namespace meshdeck::test {
namespace {

// A SqliteEventLog that owns its Database, so the suite can close it by
// destroying the log. The Database is declared first: it outlives the log.
class OwnedSqliteLog final : public EventLog {
public:
    OwnedSqliteLog(std::unique_ptr<Database> db, const Clock& clock)
        : db_(std::move(db)), log_(*db_, clock) {}

    bool append(std::vector<Event> events, AppendCallback done) override {
        return log_.append(std::move(events), std::move(done));
    }
    std::optional<Event> get(const std::string& eventId) const override {
        return log_.get(eventId);
    }
    std::vector<Event> readFrom(std::int64_t fromSeq, int max) const override {
        return log_.readFrom(fromSeq, max);
    }
    EventPage query(const EventQuery& query) const override { return log_.query(query); }
    LogStats stats() const override { return log_.stats(); }
    RetentionResult applyRetention(const RetentionPolicy& policy) override {
        return log_.applyRetention(policy);
    }
    void drain() override { log_.drain(); }
    void setCommitListener(CommitListener listener) override {
        log_.setCommitListener(std::move(listener));
    }

    Database& database() { return *db_; }

private:
    std::unique_ptr<Database> db_;
    SqliteEventLog log_;
};

class SqliteLogFactory final : public LogFactory {
public:
    explicit SqliteLogFactory(Durability durability) : durability_(durability) {}

    QString name() const override {
        return durability_ == Durability::Full ? QStringLiteral("SQLite, synchronous=FULL")
                                               : QStringLiteral("SQLite, synchronous=NORMAL");
    }

    std::unique_ptr<EventLog> open(const QString& dir, const Clock& clock,
                                   const LogOptions& options) override {
        DatabaseOptions o;
        o.path = QString(dir + QStringLiteral("/mesh.db")).toStdString();
        o.durability = durability_;
        o.maxQueuedWeight = options.maxQueuedEvents;
        return std::make_unique<OwnedSqliteLog>(Database::open(o), clock);
    }

    std::function<void()> holdWrites(EventLog& log) override {
        auto hold = std::make_shared<WriterHold>(static_cast<OwnedSqliteLog&>(log).database());
        if (!hold->parked())
            return {};
        return [hold] {
            hold->release();
        };
    }

private:
    Durability durability_;
};

} // namespace
} // namespace meshdeck::test

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int failures = 0;
    for (const auto durability : {meshdeck::Durability::Full, meshdeck::Durability::Normal}) {
        meshdeck::test::SqliteLogFactory factory(durability);
        meshdeck::test::EventLogSuite suite(factory);
        failures += QTest::qExec(&suite, argc, argv);
    }
    return failures;
}
