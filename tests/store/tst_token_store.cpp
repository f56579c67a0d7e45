// TokenStore: token shape, hashes only at rest, lookup and revocation.

#include "broker/store/token_store.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <set>

using namespace std::chrono_literals;

Q_DECLARE_METATYPE(meshdeck::Role)

namespace meshdeck::test {

namespace {

QString qs(std::string_view s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QByteArray decodeBase64Url(const std::string& text) {
    return QByteArray::fromBase64(QByteArray::fromStdString(text),
                                  QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace

class TestTokenStore : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<Database> db_;

    QString dbPath() const { return dir_->path() + QStringLiteral("/mesh.db"); }
    void open() {
        DatabaseOptions o;
        o.path = dbPath().toStdString();
        db_ = Database::open(o);
    }
    // Everything SQLite has written for this mesh so far.
    QByteArray fileBytes() const {
        QByteArray bytes;
        for (const QString& suffix : {QString(), QStringLiteral("-wal")}) {
            QFile f(dbPath() + suffix);
            if (f.open(QIODevice::ReadOnly))
                bytes += f.readAll();
        }
        return bytes;
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

    void hashIsHexSha256() {
        QCOMPARE(
            qs(hashToken("abc")),
            QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(
            qs(hashToken("")),
            QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    void rolesRoundTrip_data() {
        QTest::addColumn<Role>("role");
        QTest::addColumn<QString>("name");
        QTest::addRow("producer") << Role::Producer << QStringLiteral("producer");
        QTest::addRow("consumer") << Role::Consumer << QStringLiteral("consumer");
        QTest::addRow("operator") << Role::Operator << QStringLiteral("operator");
        QTest::addRow("viewer") << Role::Viewer << QStringLiteral("viewer");
        QTest::addRow("admin") << Role::Admin << QStringLiteral("admin");
    }

    void rolesRoundTrip() {
        QFETCH(Role, role);
        QFETCH(QString, name);
        QCOMPARE(qs(toString(role)), name);
        QVERIFY(parseRole(name.toStdString()) == role);
    }

    void unknownRolesAreRejected() {
        QVERIFY(!parseRole("root"));
        QVERIFY(!parseRole("Admin"));
        QVERIFY(!parseRole(""));
    }

    void createMakesAWellFormedToken() {
        TokenStore store(*db_);
        const auto before = SystemClock::instance().now();
        const NewToken token =
            store.create(Role::Producer, "acme", {"LeadScored"}, "hubspot bridge");
        static const QRegularExpression plaintextShape(QStringLiteral("^mdk_[A-Za-z0-9_-]{43}$"));
        static const QRegularExpression idShape(QStringLiteral("^tok_[0-9a-f]{12}$"));
        QVERIFY2(plaintextShape.match(qs(token.plaintext)).hasMatch(), token.plaintext.c_str());
        QVERIFY2(idShape.match(qs(token.record.id)).hasMatch(), token.record.id.c_str());
        QCOMPARE(decodeBase64Url(token.plaintext.substr(4)).size(), 32); // 256 random bits
        QVERIFY(token.record.role == Role::Producer);
        QCOMPARE(qs(token.record.tenant), QStringLiteral("acme"));
        QCOMPARE(qs(token.record.name), QStringLiteral("hubspot bridge"));
        QVERIFY(!token.record.revoked);
        QVERIFY(token.record.createdAt >= before && token.record.createdAt <= before + 60s);
    }

    void tokensAreUnique() {
        TokenStore store(*db_);
        std::set<std::string> plaintexts, ids;
        for (int i = 0; i < 50; ++i) {
            const NewToken t = store.create(Role::Viewer, "acme", {}, "t" + std::to_string(i));
            plaintexts.insert(t.plaintext);
            ids.insert(t.record.id);
        }
        QCOMPARE(plaintexts.size(), std::size_t(50));
        QCOMPARE(ids.size(), std::size_t(50));
        QCOMPARE(store.list().size(), std::size_t(50));
    }

    void plaintextIsNeverStored() {
        TokenStore store(*db_);
        const NewToken token = store.create(Role::Admin, "*", {}, "bootstrap");
        const QByteArray plaintext = QByteArray::fromStdString(token.plaintext);
        const QByteArray secret = plaintext.mid(4);
        const QByteArray rawSecret = decodeBase64Url(token.plaintext.substr(4));
        const QByteArray hash = QByteArray::fromStdString(hashToken(token.plaintext));
        QVERIFY(store.findByPlaintext(token.plaintext));

        // While open (the row is in the WAL) and after close (checkpointed into
        // the main file), the hash is there and the secret is not.
        for (int pass = 0; pass < 2; ++pass) {
            const QByteArray bytes = fileBytes();
            QVERIFY2(bytes.contains(hash), "the scan does not see the token row");
            QVERIFY(!bytes.contains(secret));
            QVERIFY(!bytes.contains(rawSecret));
            db_.reset();
        }
    }

    void findByPlaintextReturnsTheRecord() {
        TokenStore store(*db_);
        const NewToken token =
            store.create(Role::Consumer, "acme", {"LeadScored", "DemoBooked"}, "crm sync");
        store.create(Role::Viewer, "globex", {}, "someone else");

        const auto found = store.findByPlaintext(token.plaintext);
        QVERIFY(found);
        QCOMPARE(qs(found->id), qs(token.record.id));
        QVERIFY(found->role == Role::Consumer);
        QCOMPARE(qs(found->tenant), QStringLiteral("acme"));
        QCOMPARE(qs(found->name), QStringLiteral("crm sync"));
        QCOMPARE(found->eventTypes, (std::vector<std::string>{"LeadScored", "DemoBooked"}));
        QCOMPARE(found->createdAt, token.record.createdAt);
        QVERIFY(!found->revoked);

        std::string wrong = token.plaintext;
        wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
        QVERIFY(!store.findByPlaintext(wrong));
        QVERIFY(!store.findByPlaintext(token.plaintext.substr(4))); // without its prefix
        QVERIFY(!store.findByPlaintext(""));
        QVERIFY(!store.findByPlaintext(hashToken(token.plaintext))); // the hash is not a token
    }

    void revokeStopsLookup() {
        TokenStore store(*db_);
        const NewToken revoked = store.create(Role::Operator, "acme", {}, "old laptop");
        const NewToken kept = store.create(Role::Operator, "acme", {}, "new laptop");
        QVERIFY(store.revoke(revoked.record.id));
        QVERIFY(!store.findByPlaintext(revoked.plaintext));
        QVERIFY(store.findByPlaintext(kept.plaintext));
        QVERIFY(!store.revoke(revoked.record.id)); // already revoked
        QVERIFY(!store.revoke("tok_000000000000"));
        for (const TokenRecord& r : store.list())
            QCOMPARE(r.revoked, r.id == revoked.record.id);
    }

    void emptyUntilTheFirstToken() {
        TokenStore store(*db_);
        QVERIFY(store.empty());
        const NewToken token = store.create(Role::Admin, "*", {}, "bootstrap");
        QVERIFY(!store.empty());
        QVERIFY(store.revoke(token.record.id));
        QVERIFY(!store.empty()); // revoking everything does not make the mesh new
    }

    void tokensSurviveRestart() {
        std::vector<NewToken> created;
        {
            TokenStore store(*db_);
            for (const char* name : {"a", "b", "c"})
                created.push_back(store.create(Role::Producer, "acme", {}, name));
            QVERIFY(store.revoke(created[1].record.id));
        }
        db_.reset();
        open();
        TokenStore store(*db_);
        QVERIFY(store.findByPlaintext(created[0].plaintext));
        QVERIFY(!store.findByPlaintext(created[1].plaintext));
        QVERIFY(store.findByPlaintext(created[2].plaintext));
        const auto listed = store.list();
        QCOMPARE(listed.size(), std::size_t(3));
        for (std::size_t i = 1; i < listed.size(); ++i)
            QVERIFY(listed[i - 1].createdAt <= listed[i].createdAt);
    }
};

} // namespace meshdeck::test

QTEST_GUILESS_MAIN(meshdeck::test::TestTokenStore)
#include "tst_token_store.moc"
