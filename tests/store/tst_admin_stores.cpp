// The small stores on the writer: quarantine, schemas and the audit log.

#include "broker/store/audit_log.h"
#include "broker/store/quarantine_store.h"
#include "broker/store/schema_store.h"
#include "tests/store/store_test_support.h"

#include <QTemporaryDir>
#include <QtTest/QTest>

using namespace std::chrono_literals;

namespace meshdeck::test {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

const Timestamp kAt = fromUnixMillis(1'795'000'000'123);

QuarantineEntry rejected(int n, const std::string& tenant) {
    QuarantineEntry e;
    e.receivedAt = kAt + std::chrono::seconds(n);
    e.tenant = tenant;
    e.tokenId = tenant.empty() ? "" : "tok_0123456789ab";
    e.source = "POST /v1/events";
    e.contentType = "application/json";
    e.status = 422;
    e.reason = "invalid";
    e.detail = R"({"title":"invalid event","n":)" + std::to_string(n) + "}";
    e.body = R"({"event_type":)" + std::to_string(n) + "}";
    return e;
}

} // namespace

class TestAdminStores : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<Database> db_;

    void open(std::size_t maxQueuedWeight = 100'000) {
        db_.reset();
        DatabaseOptions o;
        o.path = QString(dir_->path() + QStringLiteral("/mesh.db")).toStdString();
        o.maxQueuedWeight = maxQueuedWeight;
        db_ = Database::open(o);
    }
    // Queued writes commit in order: once this one is done, all earlier are.
    void flush() {
        QCOMPARE(qs(db_->writeAndWait([](sqlite3*) {})), QString());
    }

private Q_SLOTS:
    void init() {
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
        open();
    }
    void cleanup() {
        db_.reset();
        dir_.reset();
    }

    void quarantineKeepsEveryField() {
        QuarantineStore store(*db_);
        QuarantineEntry entry = rejected(1, "acme");
        entry.contentType = "application/octet-stream";
        entry.body = std::string("\x00\xff\xfe binary\x00", 12); // not text, NULs included
        QVERIFY(store.add(entry));
        flush();
        const auto listed = store.list(10);
        QCOMPARE(listed.size(), std::size_t(1));
        const QuarantineEntry& got = listed[0];
        QVERIFY(got.id > 0);
        QCOMPARE(got.receivedAt, entry.receivedAt);
        QCOMPARE(qs(got.tenant), qs(entry.tenant));
        QCOMPARE(qs(got.tokenId), qs(entry.tokenId));
        QCOMPARE(qs(got.source), qs(entry.source));
        QCOMPARE(qs(got.contentType), qs(entry.contentType));
        QCOMPARE(got.status, 422);
        QCOMPARE(qs(got.reason), qs(entry.reason));
        QCOMPARE(qs(got.detail), qs(entry.detail));
        QCOMPARE(QByteArray::fromStdString(got.body), QByteArray::fromStdString(entry.body));
        QCOMPARE(store.count(), 1);
    }

    void quarantineListsNewestFirstByPageAndTenant() {
        QuarantineStore store(*db_);
        for (int i = 0; i < 6; ++i)
            QVERIFY(store.add(rejected(i, i % 2 ? "acme" : "")));
        flush();
        QCOMPARE(store.count(), 6);

        const auto all = store.list(100);
        QCOMPARE(all.size(), std::size_t(6));
        for (std::size_t i = 0; i < all.size(); ++i) // newest first
            QCOMPARE(all[i].receivedAt, kAt + std::chrono::seconds(5 - int(i)));

        const auto first = store.list(2);
        QCOMPARE(first.size(), std::size_t(2));
        const auto second = store.list(2, first.back().id);
        QCOMPARE(second.size(), std::size_t(2));
        QCOMPARE(second[0].id, all[2].id);
        QCOMPARE(second[1].id, all[3].id);

        const auto acme = store.list(100, std::nullopt, std::string("acme"));
        QCOMPARE(acme.size(), std::size_t(3));
        for (const auto& e : acme)
            QCOMPARE(qs(e.tenant), QStringLiteral("acme"));
        const auto anonymous = store.list(100, std::nullopt, std::string());
        QCOMPARE(anonymous.size(), std::size_t(3));
        QCOMPARE(store.list(0).size(), std::size_t(1)); // limit is at least 1
    }

    void quarantineTruncatesBodiesToOneMebibyte() {
        QuarantineStore store(*db_);
        QuarantineEntry entry = rejected(1, "acme");
        entry.reason = "too large";
        entry.body = std::string(2 << 20, 'a') + "tail";
        entry.body[(1 << 20) - 1] = 'z';
        QVERIFY(store.add(entry));
        flush();
        const auto listed = store.list(1);
        QCOMPARE(listed.size(), std::size_t(1));
        QCOMPARE(listed[0].body.size(), std::size_t(1 << 20));
        QCOMPARE(listed[0].body.back(), 'z');
    }

    void quarantineIsRefusedWhenTheQueueIsFull() {
        open(1);
        QuarantineStore store(*db_);
        {
            WriterHold hold(*db_);
            QVERIFY(hold.parked());
            QVERIFY(store.add(rejected(1, "acme")));
            QVERIFY(!store.add(rejected(2, "acme")));
        }
        flush();
        QCOMPARE(store.count(), 1);
    }

    void schemasLoadInOrderAndSurviveRestart() {
        {
            SchemaStore store(*db_);
            store.save({"LeadScored", 2, R"({"type":"object","required":["score"]})"});
            store.save({"DemoBooked", 1, R"({"type":"object"})"});
            store.save({"LeadScored", 1, R"({"type":"object"})"});
        }
        open();
        const auto loaded = SchemaStore(*db_).loadAll();
        QCOMPARE(loaded.size(), std::size_t(3));
        QCOMPARE(qs(loaded[0].eventType + " v" + std::to_string(loaded[0].version)),
                 QStringLiteral("DemoBooked v1"));
        QCOMPARE(qs(loaded[1].eventType + " v" + std::to_string(loaded[1].version)),
                 QStringLiteral("LeadScored v1"));
        QCOMPARE(qs(loaded[2].eventType + " v" + std::to_string(loaded[2].version)),
                 QStringLiteral("LeadScored v2"));
        QCOMPARE(qs(loaded[2].schema), QStringLiteral(R"({"type":"object","required":["score"]})"));
    }

    void aStoredSchemaVersionIsImmutable() {
        SchemaStore store(*db_);
        const StoredSchema v1{"LeadScored", 1, R"({"type":"object"})"};
        store.save(v1);
        store.save(v1); // the same content again is fine
        try {
            store.save({"LeadScored", 1, R"({"type":"array"})"});
            QFAIL("a stored version was overwritten");
        } catch (const SqliteError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("LeadScored v1")),
                     e.what());
        }
        const auto loaded = store.loadAll();
        QCOMPARE(loaded.size(), std::size_t(1));
        QCOMPARE(qs(loaded[0].schema), qs(v1.schema));
    }

    void auditListsNewestFirst() {
        AuditLog audit(*db_);
        for (int i = 0; i < 5; ++i) {
            AuditEntry e;
            e.at = kAt + std::chrono::seconds(i);
            e.actor = "tok_0123456789ab";
            e.action = "schema.register";
            e.target = "LeadScored v" + std::to_string(i);
            e.detail = R"({"i":)" + std::to_string(i) + "}";
            audit.record(e);
        }
        flush();
        const auto all = audit.list(100);
        QCOMPARE(all.size(), std::size_t(5));
        for (std::size_t i = 0; i < all.size(); ++i) {
            const int n = 4 - int(i);
            QCOMPARE(all[i].at, kAt + std::chrono::seconds(n));
            QCOMPARE(qs(all[i].actor), QStringLiteral("tok_0123456789ab"));
            QCOMPARE(qs(all[i].action), QStringLiteral("schema.register"));
            QCOMPARE(qs(all[i].target), QStringLiteral("LeadScored v%1").arg(n));
            QCOMPARE(qs(all[i].detail), QStringLiteral(R"({"i":%1})").arg(n));
        }
        const auto page = audit.list(2, all[1].id);
        QCOMPARE(page.size(), std::size_t(2));
        QCOMPARE(page[0].id, all[2].id);
        QCOMPARE(page[1].id, all[3].id);
    }

    void auditStampsTheTimeWhenMissing() {
        AuditLog audit(*db_);
        const auto before = SystemClock::instance().now();
        audit.record({0, {}, "meshd", "broker.start", "", "{}"});
        flush();
        const auto listed = audit.list(1);
        QCOMPARE(listed.size(), std::size_t(1));
        QVERIFY(listed[0].at >= before && listed[0].at <= before + 60s);
    }

    void auditIsKeptWhenIngestionFillsTheQueue() {
        open(1);
        AuditLog audit(*db_);
        QuarantineStore quarantine(*db_);
        {
            WriterHold hold(*db_);
            QVERIFY(hold.parked());
            QVERIFY(quarantine.add(rejected(1, "acme"))); // the queue is now full
            QVERIFY(!quarantine.add(rejected(2, "acme")));
            audit.record({0, kAt, "tok_0123456789ab", "dlq.replay", "crm-sync", "{}"});
        }
        flush();
        open(); // and it is durable
        const auto listed = AuditLog(*db_).list(10);
        QCOMPARE(listed.size(), std::size_t(1));
        QCOMPARE(qs(listed[0].action), QStringLiteral("dlq.replay"));
    }
};

} // namespace meshdeck::test

QTEST_GUILESS_MAIN(meshdeck::test::TestAdminStores)
#include "tst_admin_stores.moc"
