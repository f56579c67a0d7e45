// GET /v1/search against an in-process broker on 127.0.0.1 and its SQLite
// log: every kind of match, ids that are several kinds at once, UUIDs in any
// case, bounded counts and lists, ids full of SQL wildcards and quotes that
// must match only themselves, refused input, and tenants that never see each
// other's ids (the same answer as an id nobody has).
//
// The log: acme and globex, each with entities of several kinds, journeys,
// a consumer whose sink refuses everything (dead letters), and a Segment
// source that took one signed call.

#include "core/mapping.h"
#include "core/uuid.h"
#include "tests/support/http_compare.h"
#include "tests/support/json_compare.h"
#include "tests/support/sink_server.h"
#include "tests/support/test_broker.h"
#include "tests/support/test_support.h"

#include <QMessageAuthenticationCode>
#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using meshdeck::test::SinkReply;
using meshdeck::test::SinkServer;
using meshdeck::test::TestBroker;
using nlohmann::json;

namespace {

json canonical(const std::string& tenant, const std::string& kind, const std::string& id,
               const std::string& correlation) {
    static UuidV7Generator ids;
    return json{{"event_id", ids.next()},
                {"event_type", "LeadScored"},
                {"occurred_at", "2026-11-27T09:14:03.120Z"},
                {"producer", tenant + "-scoring"},
                {"tenant_id", tenant},
                {"correlation_id", correlation},
                {"entity", {{"kind", kind}, {"id", id}}},
                {"payload", {{"lead_id", id}, {"score", 50}, {"model", "fit-v3"}}}};
}

// "kind key" of each match, in order: what a row of the answer is about.
QStringList keysOf(const json& answer) {
    QStringList keys;
    for (const auto& m : answer.value("matches", json::array())) {
        const std::string kind = m.value("kind", "");
        std::string key;
        if (kind == "event")
            key = m.value("event_id", "");
        else if (kind == "vendor")
            key = m.value("source", "") + ' ' + m.value("event_id", "");
        else if (kind == "entity")
            key = m.value("tenant", "") + '/' + m["entity"].value("kind", "") + ':' +
                  m["entity"].value("id", "");
        else if (kind == "correlation")
            key = m.value("correlation_id", "");
        else if (kind == "dead_letter")
            key = std::to_string(m.value("id", 0));
        keys << QString::fromStdString(kind + ' ' + key);
    }
    return keys;
}

// A Segment call with this messageId, as Segment signs it.
std::pair<std::string, std::map<std::string, std::string>> segmentCall(const std::string& messageId,
                                                                       const std::string& secret) {
    json body = json::parse(test::readFixture(QStringLiteral("segment/track-demo-booked.json")));
    body["messageId"] = messageId;
    const std::string text = body.dump();
    const QByteArray mac = QMessageAuthenticationCode::hash(QByteArray::fromStdString(text),
                                                            QByteArray::fromStdString(secret),
                                                            QCryptographicHash::Sha1);
    return {text,
            {{"content-type", "application/json"}, {"x-signature", mac.toHex().toStdString()}}};
}

// Ids that would break a query built by pasting text: quotes, a backslash,
// SQL's LIKE wildcards. Escaped, not raw string literals: moc reads the ' in
// one as the start of a character literal and then finds no class.
const std::string kQuotedId = "O'Brien \"the\" \\x";
const std::string kQuotedJourney = "c'\"\\%_";

} // namespace

class SearchTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<TestBroker> mesh;
    std::unique_ptr<SinkServer> sink;
    std::string admin, acme, globex, acmeProducer;
    std::string acmeEventId;       // the first event of lead L-1076
    std::int64_t acmeFirstSeq = 0; // of lead L-1076
    std::int64_t acmeLastSeq = 0;  // of lead L-1076
    std::int64_t hotFirst = 0, hotLast = 0;
    std::string openLetter, discardedLetter, globexLetter;

    HttpResult search(const std::string& token, const std::string& query,
                      const std::string& extra = {}) {
        return mesh->client(token).get("/v1/search?q=" + urlEncode(query) + extra);
    }
    json found(const std::string& token, const std::string& query, const std::string& extra = {}) {
        const auto r = search(token, query, extra);
        if (r.status != 200)
            qWarning("search %s: HTTP %d %s", query.c_str(), r.status, r.body.c_str());
        return json::parse(r.body, nullptr, false);
    }
    // Publishes and returns each event's seq.
    std::vector<std::int64_t> publish(const json& events) {
        const auto r = mesh->client(admin).postJson("/v1/events", events.dump());
        if (r.status != 202)
            qFatal("publish: HTTP %d %s", r.status, r.body.c_str());
        const json answer = json::parse(r.body);
        std::vector<std::int64_t> seqs;
        if (answer.contains("results"))
            for (const auto& item : answer["results"])
                seqs.push_back(item["seq"].get<std::int64_t>());
        else
            seqs.push_back(answer["seq"].get<std::int64_t>());
        return seqs;
    }
    // The ids of a consumer's dead letters in any state, oldest first.
    std::vector<std::string> letters(const std::string& consumer) {
        const auto r = mesh->client(admin).get("/v1/dead-letters?state=all&consumer=" + consumer);
        const json page = json::parse(r.body);
        std::vector<std::string> ids;
        for (const auto& d : page["dead_letters"])
            ids.insert(ids.begin(), std::to_string(d["id"].get<std::int64_t>()));
        return ids;
    }

private Q_SLOTS:
    void initTestCase() {
        sink = std::make_unique<SinkServer>([](const auto&) {
            return SinkReply{422, {}, "missing owner"};
        });
        mesh = std::make_unique<TestBroker>();
        admin = mesh->adminToken;
        acme = mesh->token(Role::Viewer, "acme");
        globex = mesh->token(Role::Viewer, "globex");
        acmeProducer = mesh->token(Role::Producer, "acme");

        // Lead L-1076 in both tenants; other kinds; an id of two kinds; an id
        // that is an entity id and a correlation id; ids full of wildcards.
        json batch = json::array();
        for (int i = 0; i < 3; ++i)
            batch.push_back(canonical("acme", "lead", "L-1076", "journey-1076"));
        acmeEventId = batch[0]["event_id"];
        const auto seqs = publish(batch);
        acmeFirstSeq = seqs.front();
        acmeLastSeq = seqs.back();
        publish(json::array({canonical("acme", "account", "A-77", "journey-a77"),
                             canonical("acme", "lead", "X-1", "journey-x1"),
                             canonical("acme", "contact", "X-1", "journey-x1"),
                             canonical("acme", "deal", "AMB-1", "deal-journey"),
                             canonical("acme", "lead", "L-amb", "AMB-1"),
                             canonical("acme", "lead", "under_score", "wild-1"),
                             canonical("acme", "lead", "underXscore", "wild-2"),
                             canonical("acme", "lead", "100%", "wild-3"),
                             canonical("acme", "lead", kQuotedId, kQuotedJourney),
                             canonical("globex", "lead", "L-1076", "globex-journey"),
                             canonical("globex", "order", "G-1", "globex-journey")}));
        // A hot entity: more events than a count says exactly.
        json hot = json::array();
        for (int i = 0; i < 1000; ++i)
            hot.push_back(canonical("acme", "lead", "L-hot", "hot-journey"));
        hotFirst = publish(hot).front();
        hotLast = publish(json::array({canonical("acme", "lead", "L-hot", "hot-journey")})).back();
        // An entity of many journeys: more correlation ids than a list holds.
        json many = json::array();
        for (int i = 0; i < 25; ++i)
            many.push_back(canonical("acme", "lead", "L-many", "many-" + std::to_string(i)));
        publish(many);

        // Dead letters: each tenant's consumer refuses its journey.
        for (const std::string tenant : {"acme", "globex"}) {
            const json consumer{
                {"name", tenant + "-crm"},
                {"filter",
                 {{"tenant", tenant},
                  {"where",
                   {{{"field", "/correlation_id"}, {"op", "=="}, {"value", tenant + "-dl"}}}}}},
                {"sink", {{"type", "webhook"}, {"url", sink->url()}}}};
            QCOMPARE_HTTP(mesh->client(admin).postJson("/v1/consumers", consumer.dump()), 201);
        }
        publish(json::array({canonical("acme", "lead", "L-dl", "acme-dl"),
                             canonical("acme", "lead", "L-dl", "acme-dl"),
                             canonical("globex", "lead", "G-dl", "globex-dl")}));
        QTRY_COMPARE_WITH_TIMEOUT(letters("acme-crm").size(), std::size_t(2), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(letters("globex-crm").size(), std::size_t(1), 10000);
        openLetter = letters("acme-crm")[0];
        discardedLetter = letters("acme-crm")[1];
        globexLetter = letters("globex-crm")[0];
        QCOMPARE_HTTP(mesh->client(admin).postJson("/v1/dead-letters/discard",
                                                   R"({"ids":[)" + discardedLetter +
                                                       R"(],"reason":"test lead"})"),
                      200);

        // A Segment source per tenant, each with one call.
        for (const std::string tenant : {"acme", "globex"}) {
            const json source{{"name", tenant + "-segment"},
                              {"kind", "segment"},
                              {"tenant", tenant},
                              {"secrets", {tenant + "-secret"}}};
            QCOMPARE_HTTP(mesh->client(admin).postJson("/v1/sources", source.dump()), 201);
            const auto [body, headers] = segmentCall("ajs-" + tenant + "-1", tenant + "-secret");
            QCOMPARE_HTTP(
                mesh->client("").request("POST", "/v1/hooks/" + tenant + "-segment", body, headers),
                200);
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const json matches = found(admin, discardedLetter)["matches"];
                return !matches.empty() && matches[0].value("state", "") == "discarded";
            }(),
            10000);
    }
    void cleanupTestCase() {
        mesh.reset();
        sink.reset();
    }

    // What each kind of q finds, as acme's viewer, in the answer's order.
    void eachKindIsFound_data() {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QStringList>("expected");
        const auto q = [](const std::string& s) {
            return QString::fromStdString(s);
        };
        const QString event = q("event " + acmeEventId);
        QTest::addRow("event id") << q(acmeEventId) << QStringList{event};
        QTest::addRow("event id in capitals") << q(acmeEventId).toUpper() << QStringList{event};
        QTest::addRow("event id, mixed case, blanks around")
            << QStringLiteral("  ") + q(acmeEventId.substr(0, 8)).toUpper() +
                   q(acmeEventId.substr(8)) + QStringLiteral("\t")
            << QStringList{event};
        QTest::addRow("entity id of one kind")
            << QStringLiteral("A-77") << QStringList{QStringLiteral("entity acme/account:A-77")};
        QTest::addRow("entity id of two kinds")
            << QStringLiteral("X-1")
            << QStringList{QStringLiteral("entity acme/contact:X-1"),
                           QStringLiteral("entity acme/lead:X-1")};
        QTest::addRow("kind:id") << QStringLiteral("lead:X-1")
                                 << QStringList{QStringLiteral("entity acme/lead:X-1")};
        QTest::addRow("kind:id of another kind's id")
            << QStringLiteral("deal:X-1") << QStringList{};
        QTest::addRow("entity id and correlation id")
            << QStringLiteral("AMB-1")
            << QStringList{QStringLiteral("entity acme/deal:AMB-1"),
                           QStringLiteral("correlation AMB-1")};
        QTest::addRow("entity id and its own journey")
            << QStringLiteral("journey-1076")
            << QStringList{QStringLiteral("correlation journey-1076")};
        const QString letter = q("dead_letter " + openLetter);
        QTest::addRow("dead letter id") << q(openLetter) << QStringList{letter};
        QTest::addRow("dead letter #N") << q("#" + openLetter) << QStringList{letter};
        QTest::addRow("dead letter dl-N") << q("dl-" + openLetter) << QStringList{letter};
        QTest::addRow("dead letter DLN") << q("DL" + openLetter) << QStringList{letter};
        QTest::addRow("vendor's event id")
            << QStringLiteral("ajs-acme-1")
            << QStringList{
                   q("vendor acme-segment " + mapping::hookEventId("acme-segment", "ajs-acme-1"))};
        QTest::addRow("unknown id") << QStringLiteral("L-9999") << QStringList{};
        QTest::addRow("prefix of an id") << QStringLiteral("L-107") << QStringList{};
        QTest::addRow("id in the wrong case") << QStringLiteral("l-1076") << QStringList{};
    }
    void eachKindIsFound() {
        QFETCH(QString, query);
        QFETCH(QStringList, expected);
        const auto r = search(acme, query.toStdString());
        QCOMPARE_HTTP(r, 200);
        const json answer = json::parse(r.body);
        QCOMPARE(keysOf(answer), expected);
        QCOMPARE_JSON(answer["query"], query.trimmed().toStdString());
        QCOMPARE_JSON(answer["truncated"], false);
        // A hint for a person when nothing matched, and only then.
        QCOMPARE(answer.contains("hint"), expected.isEmpty());
    }

    void eventMatchSaysWhatTheEventIs() {
        const json m = found(acme, acmeEventId)["matches"][0];
        QCOMPARE_JSON(m["event_type"], "LeadScored");
        QCOMPARE_JSON(m["tenant"], "acme");
        QCOMPARE_JSON(m["seq"], acmeFirstSeq);
        QCOMPARE_JSON(m["occurred_at"], "2026-11-27T09:14:03.120Z");
        QCOMPARE_JSON(m["entity"], json({{"kind", "lead"}, {"id", "L-1076"}}));
        QCOMPARE_JSON(m["correlation_id"], "journey-1076");
        QCOMPARE_JSON(m["producer"], "acme-scoring");
        QCOMPARE_JSON(m["href"], "/v1/events/" + acmeEventId);
        // The href opens it.
        QCOMPARE_HTTP(mesh->client(acme).get(m["href"].get<std::string>()), 200);

        const json vendor = found(acme, "ajs-acme-1")["matches"][0];
        QCOMPARE_JSON(vendor["source"], "acme-segment");
        QCOMPARE_JSON(vendor["vendor_id"], "ajs-acme-1");
        QCOMPARE_JSON(vendor["tenant"], "acme");
        QCOMPARE_HTTP(mesh->client(acme).get(vendor["href"].get<std::string>()), 200);
    }

    void entityMatchSaysWhatTheLogHolds() {
        const json m = found(acme, "lead:L-1076")["matches"][0];
        QCOMPARE_JSON(m["events"], 3);
        QCOMPARE_JSON(m["events_more"], false);
        QCOMPARE_JSON(m["first_seq"], acmeFirstSeq);
        QCOMPARE_JSON(m["last_seq"], acmeLastSeq);
        QCOMPARE_JSON(m["last_event_type"], "LeadScored");
        QCOMPARE_JSON(m["last_occurred_at"], "2026-11-27T09:14:03.120Z");
        QCOMPARE_JSON(m["correlation_ids"], json::array({"journey-1076"}));
        QCOMPARE_JSON(m["correlation_ids_more"], false);
        QCOMPARE_JSON(m["open_dead_letters"], 0);
        QCOMPARE_JSON(m["href"], "/v1/events?tenant=acme&entity=lead%3AL-1076");
        const json listed = json::parse(mesh->client(acme).get(m["href"].get<std::string>()).body);
        QCOMPARE(listed["events"].size(), std::size_t(3));

        // One of L-dl's two dead letters was discarded.
        const json dl = found(acme, "L-dl")["matches"][0];
        QCOMPARE_JSON(dl["open_dead_letters"], 1);
        QCOMPARE_JSON(dl["open_dead_letters_more"], false);
    }

    void countsAndListsAreBounded() {
        const json hot = found(acme, "lead:L-hot")["matches"][0];
        QCOMPARE_JSON(hot["events"], 1000);
        QCOMPARE_JSON(hot["events_more"], true);
        QCOMPARE_JSON(hot["first_seq"], hotFirst);
        QCOMPARE_JSON(hot["last_seq"], hotLast);
        QCOMPARE_JSON(hot["correlation_ids"], json::array({"hot-journey"}));
        QCOMPARE_JSON(hot["correlation_ids_more"], true); // its older events were not read

        const json journey = found(acme, "hot-journey")["matches"][0];
        QCOMPARE_JSON(journey["kind"], "correlation");
        QCOMPARE_JSON(journey["events"], 1000);
        QCOMPARE_JSON(journey["events_more"], true);
        QCOMPARE_JSON(journey["first_seq"], hotFirst);
        QCOMPARE_JSON(journey["last_seq"], hotLast);
        QCOMPARE_JSON(journey["tenants"], json::array({"acme"}));
        QCOMPARE_JSON(journey["entities"],
                      json::array({{{"tenant", "acme"}, {"kind", "lead"}, {"id", "L-hot"}}}));

        const json many = found(acme, "L-many")["matches"][0];
        QCOMPARE(many["correlation_ids"].size(), std::size_t(20));
        QCOMPARE_JSON(many["correlation_ids"][0], "many-24"); // newest first
        QCOMPARE_JSON(many["correlation_ids_more"], true);
        QCOMPARE_JSON(many["events"], 25);
    }

    void deadLetterMatchSaysWhatTheReceiverSaid() {
        const json open = found(acme, openLetter)["matches"][0];
        QCOMPARE_JSON(open["state"], "open");
        QCOMPARE_JSON(open["consumer"], "acme-crm");
        QCOMPARE_JSON(open["tenant"], "acme");
        QCOMPARE_JSON(open["entity"], json({{"kind", "lead"}, {"id", "L-dl"}}));
        QCOMPARE_JSON(open["correlation_id"], "acme-dl");
        QVERIFY2(open["error"].get<std::string>().find("missing owner") != std::string::npos,
                 open.dump().c_str());
        QVERIFY(!open.contains("resolved_at"));
        QCOMPARE_HTTP(mesh->client(acme).get(open["href"].get<std::string>()), 200);

        const json discarded = found(acme, "dl-" + discardedLetter)["matches"][0];
        QCOMPARE_JSON(discarded["state"], "discarded");
        QCOMPARE_JSON(discarded["reason"], "test lead");
        QVERIFY(discarded.contains("resolved_at"));
    }

    // An acme id as globex: exactly the answer an id nobody has gets, hint
    // and all (each unknown id is the same shape, so the same readings apply).
    void anotherTenantsIdsAreUnknown_data() {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("unknown");
        const auto q = [](const std::string& s) {
            return QString::fromStdString(s);
        };
        QTest::addRow("event id") << q(acmeEventId) << q(UuidV7Generator().next());
        QTest::addRow("entity id") << QStringLiteral("X-1") << QStringLiteral("X-1-none");
        QTest::addRow("kind:id") << QStringLiteral("lead:X-1") << QStringLiteral("lead:X-none");
        QTest::addRow("correlation id")
            << QStringLiteral("journey-1076") << QStringLiteral("journey-none");
        QTest::addRow("dead letter id") << q(openLetter) << QStringLiteral("987654321");
        QTest::addRow("dead letter dl-N")
            << q("dl-" + openLetter) << QStringLiteral("dl-987654321");
        QTest::addRow("vendor's event id")
            << QStringLiteral("ajs-acme-1") << QStringLiteral("ajs-none-1");
    }
    void anotherTenantsIdsAreUnknown() {
        QFETCH(QString, query);
        QFETCH(QString, unknown);
        QVERIFY(!found(acme, query.toStdString())["matches"].empty());
        const auto theirs = search(globex, query.toStdString());
        const auto nobodys = search(globex, unknown.toStdString());
        QCOMPARE_HTTP(theirs, 200);
        QCOMPARE_HTTP(nobodys, 200);
        const json answer = json::parse(theirs.body);
        QCOMPARE_JSON(answer["matches"], json::array());
        std::string expected = nobodys.body;
        for (auto at = expected.find(unknown.toStdString()); at != std::string::npos;
             at = expected.find(unknown.toStdString(), at + query.size()))
            expected.replace(at, unknown.size(), query.toStdString());
        QCOMPARE(QString::fromStdString(theirs.body), QString::fromStdString(expected));
        // Nothing of acme's but the text the caller itself sent.
        std::string rest = theirs.body;
        for (auto at = rest.find(query.toStdString()); at != std::string::npos;
             at = rest.find(query.toStdString()))
            rest.erase(at, query.size());
        QVERIFY2(rest.find("acme") == std::string::npos, theirs.body.c_str());
    }

    void eachTenantSeesItsOwnAndAnAdminSeesAll() {
        QCOMPARE(keysOf(found(acme, "L-1076")),
                 QStringList{QStringLiteral("entity acme/lead:L-1076")});
        QCOMPARE(keysOf(found(globex, "L-1076")),
                 QStringList{QStringLiteral("entity globex/lead:L-1076")});
        QCOMPARE(keysOf(found(admin, "L-1076")),
                 (QStringList{QStringLiteral("entity acme/lead:L-1076"),
                              QStringLiteral("entity globex/lead:L-1076")}));
        QCOMPARE(
            keysOf(found(globex, globexLetter)),
            QStringList{QStringLiteral("dead_letter ") + QString::fromStdString(globexLetter)});
        QCOMPARE(keysOf(found(admin, openLetter)),
                 QStringList{QStringLiteral("dead_letter ") + QString::fromStdString(openLetter)});
        // A tenant's hint names its own kinds and sources only.
        const std::string hint = found(globex, "nothing-here")["hint"];
        QVERIFY2(hint.find("in tenant globex") != std::string::npos, hint.c_str());
        QVERIFY2(hint.find("(lead, order)") != std::string::npos, hint.c_str());
        QVERIFY2(hint.find("source globex-segment") != std::string::npos, hint.c_str());
        QVERIFY2(hint.find("An event id is a UUID") != std::string::npos, hint.c_str());
        QVERIFY2(found(admin, "nothing-here")["hint"].get<std::string>().find("in any tenant") !=
                     std::string::npos,
                 hint.c_str());
        // A tenant without events, whose name sorts between two that have some.
        const json empty = found(mesh->token(Role::Viewer, "beta"), "L-1076");
        QCOMPARE_JSON(empty["matches"], json::array());
        QVERIFY2(empty["hint"].get<std::string>().find("(there are no events yet)") !=
                     std::string::npos,
                 empty.dump().c_str());
        // Only readers search.
        QCOMPARE_HTTP(search(acmeProducer, "L-1076"), 403);
    }

    // Ids are matched as they are: no pattern, no prefix, no escaping.
    void wildcardsAndQuotesMatchThemselves_data() {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QStringList>("expected");
        QTest::addRow("underscore") << QStringLiteral("under_score")
                                    << QStringList{QStringLiteral("entity acme/lead:under_score")};
        QTest::addRow("underscore as a pattern") << QStringLiteral("under_scor_") << QStringList{};
        QTest::addRow("percent") << QStringLiteral("100%")
                                 << QStringList{QStringLiteral("entity acme/lead:100%")};
        QTest::addRow("percent as a pattern") << QStringLiteral("%") << QStringList{};
        QTest::addRow("prefix and percent") << QStringLiteral("under%") << QStringList{};
        QTest::addRow("quotes and backslash")
            << QString::fromStdString(kQuotedId)
            << QStringList{QString::fromStdString("entity acme/lead:" + kQuotedId)};
        QTest::addRow("part of a quoted id") << QStringLiteral("O'Brien") << QStringList{};
        QTest::addRow("SQL in the id") << QStringLiteral("x' OR '1'='1") << QStringList{};
        QTest::addRow("correlation id of quotes and wildcards")
            << QString::fromStdString(kQuotedJourney)
            << QStringList{QString::fromStdString("correlation " + kQuotedJourney)};
        QTest::addRow("NUL byte") << QStringLiteral("100%").append(QChar(0)) << QStringList{};
    }
    void wildcardsAndQuotesMatchThemselves() {
        QFETCH(QString, query);
        QFETCH(QStringList, expected);
        const auto r = search(acme, query.toStdString());
        QCOMPARE_HTTP(r, 200);
        QCOMPARE(keysOf(json::parse(r.body)), expected);
    }

    void limitCutsTheMatches() {
        const json one = found(acme, "X-1", "&limit=1");
        QCOMPARE(keysOf(one), QStringList{QStringLiteral("entity acme/contact:X-1")});
        QCOMPARE_JSON(one["truncated"], true);
        QCOMPARE_JSON(found(acme, "X-1", "&limit=2")["truncated"], false);
    }

    void badInputIsRefused_data() {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("detail");
        QTest::addRow("no q") << QStringLiteral("/v1/search") << QStringLiteral("q: missing");
        QTest::addRow("empty q") << QStringLiteral("/v1/search?q=") << QStringLiteral("q: empty");
        QTest::addRow("only blanks")
            << QStringLiteral("/v1/search?q=%20%09%0A") << QStringLiteral("q: empty");
        QTest::addRow("257 bytes") << QStringLiteral("/v1/search?q=") + QString(257, u'a')
                                   << QStringLiteral("q: 257 bytes long; an id is at most 256");
        QTest::addRow("not UTF-8")
            << QStringLiteral("/v1/search?q=L-%C3%28") << QStringLiteral("q: not UTF-8");
        QTest::addRow("limit 0") << QStringLiteral("/v1/search?q=x&limit=0")
                                 << QStringLiteral("limit: expected an integer from 1 to 1000");
        QTest::addRow("limit 1001") << QStringLiteral("/v1/search?q=x&limit=1001")
                                    << QStringLiteral("limit: expected an integer from 1 to 1000");
        QTest::addRow("limit not a number")
            << QStringLiteral("/v1/search?q=x&limit=ten")
            << QStringLiteral("limit: expected an integer from 1 to 1000");
    }
    void badInputIsRefused() {
        QFETCH(QString, target);
        QFETCH(QString, detail);
        const auto r = mesh->client(acme).get(target.toStdString());
        QCOMPARE_HTTP(r, 400);
        QCOMPARE(QString::fromStdString(r.headers.at("content-type")),
                 QStringLiteral("application/problem+json"));
        const json problem = json::parse(r.body);
        QVERIFY2(QString::fromStdString(problem.value("detail", "")).startsWith(detail),
                 r.body.c_str());
    }

    void longestQueryIsSearched() {
        const auto r = search(acme, std::string(256, 'a'));
        QCOMPARE_HTTP(r, 200);
        QCOMPARE_JSON(json::parse(r.body)["matches"], json::array());
    }
};

QTEST_GUILESS_MAIN(SearchTest)
#include "tst_search.moc"
