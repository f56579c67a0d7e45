// Vendor items into canonical events: the engine on small rulesets written
// here.

#include "core/mapping.h"
#include "core/time.h"
#include "core/uuid.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

using namespace meshdeck;
using mapping::Outcome;
using nlohmann::json;

namespace {

const Timestamp kReceivedAt = *parseRfc3339("2026-11-27T12:00:00.000Z");

// JSON text in one spelling (keys sorted, no spaces), for exact comparisons.
std::string canonical(const std::string& text) {
    return json::parse(text).dump();
}

mapping::Context contextFor(const std::string& source, const std::string& vendorId) {
    return {source, "acme", source + "-bridge", vendorId, kReceivedAt};
}

std::string kindName(Outcome::Kind kind) {
    switch (kind) {
    case Outcome::Kind::Mapped:
        return "Mapped";
    case Outcome::Kind::Ignored:
        return "Ignored";
    case Outcome::Kind::NoMatch:
        return "NoMatch";
    case Outcome::Kind::Failed:
        return "Failed";
    }
    return "?";
}

mapping::RulesetPtr rules(const std::string& text) {
    return mapping::parseRuleset(text, "test.json");
}

// One mapping rule with a payload field "v" from `spec`, for value tests.
mapping::RulesetPtr oneField(const std::string& spec) {
    return rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",)"
                 R"("entity":{"kind":"lead","id":{"const":"L-1"}},"payload":{"v":)" +
                 spec + "}}]}");
}

Outcome applyText(const mapping::Ruleset& ruleset, const std::string& item,
                  const std::string& vendorId = "v-1") {
    return mapping::apply(ruleset, json::parse(item), contextFor("test-source", vendorId));
}

} // namespace

class TstMapping : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // UUIDv5 and the hook event id
    void uuidV5KnownVectors() {
        QCOMPARE(uuidV5(kUuidNamespaceDns, "python.org"),
                 std::string("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
        // Python: uuid.uuid5(uuid.NAMESPACE_URL, "")
        QCOMPARE(uuidV5(kUuidNamespaceUrl, ""),
                 std::string("1b4db7eb-4057-5ddf-91e0-36dec72071f5"));
        // A namespace in upper case is the same namespace.
        QCOMPARE(uuidV5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "python.org"),
                 std::string("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
        const std::string id = uuidV5(kUuidNamespaceDns, "meshdeck.example");
        QVERIFY(isUuid(id));
        QCOMPARE(id[14], '5');
        QVERIFY(std::string("89ab").find(id[19]) != std::string::npos);
    }

    void uuidV5RefusesABadNamespace() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, uuidV5("not-a-uuid", "x"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c", "x"));
    }

    void hookNamespaceIsDerivedAsDocumented() {
        QCOMPARE(uuidV5(kUuidNamespaceUrl, "urn:meshdeck:hooks"),
                 std::string(mapping::kHookNamespace));
    }

    void hookEventIdIsStablePerSourceAndVendorId() {
        // Python: uuid.uuid5(UUID("1a67182c-db2d-5e21-85bb-60d4a61854e9"),
        // "hubspot-prod\n4011932001")
        QCOMPARE(mapping::hookEventId("hubspot-prod", "4011932001"),
                 std::string("c64c4247-b45f-5fae-8269-1c6b1eefdf56"));
        QCOMPARE(mapping::hookEventId("hubspot-eu", "4011932001"),
                 std::string("16cdd699-c4d2-567b-a101-6c9b6eeb7c3b"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        QVERIFY(mapping::hookEventId("ab", "c") != mapping::hookEventId("a", "bc"));
    }

    // Conditions
    void conditions_data() {
        QTest::addColumn<QString>("when");
        QTest::addColumn<QString>("item");
        QTest::addColumn<bool>("matches");
        const auto row = [](const char* tag, const char* when, const char* item, bool matches) {
            QTest::newRow(tag) << QString::fromUtf8(when) << QString::fromUtf8(item) << matches;
        };
        row("string equals string", R"({"/a":"x"})", R"({"a":"x"})", true);
        row("string is case-sensitive", R"({"/a":"x"})", R"({"a":"X"})", false);
        row("number equals text of it", R"({"/a":100})", R"({"a":"100"})", true);
        row("text equals number", R"({"/a":"100"})", R"({"a":100})", true);
        row("number equals decimal text", R"({"/a":100})", R"({"a":"100.0"})", true);
        row("text is not a near number", R"({"/a":10})", R"({"a":"10.5"})", false);
        row("text against text is exact", R"({"/a":"1"})", R"({"a":"1.0"})", false);
        row("integer equals float", R"({"/a":1})", R"({"a":1.0})", true);
        row("true equals text true", R"({"/a":true})", R"({"a":"true"})", true);
        row("true is not text 1", R"({"/a":true})", R"({"a":"1"})", false);
        row("null equals null", R"({"/a":null})", R"({"a":null})", true);
        row("missing is not null", R"({"/a":null})", R"({})", false);
        row("array index", R"({"/a/1":"y"})", R"({"a":["x","y"]})", true);
        row("escaped slash", R"({"/a~1b":1})", R"({"a/b":1})", true);
        row("eq spelled out", R"({"/a":{"eq":{"k":1}}})", R"({"a":{"k":1}})", true);
        row("in", R"({"/a":{"in":["x",2]}})", R"({"a":"2"})", true);
        row("not in", R"({"/a":{"in":["x",2]}})", R"({"a":"y"})", false);
        row("not_in holds for a missing field", R"({"/a":{"not_in":["x"]}})", R"({})", true);
        row("not_in fails on a listed value", R"({"/a":{"not_in":["x"]}})", R"({"a":"x"})", false);
        row("ne holds for a missing field", R"({"/a":{"ne":""}})", R"({})", true);
        row("ne fails on the value", R"({"/a":{"ne":""}})", R"({"a":""})", false);
        row("exists", R"({"/a":{"exists":true}})", R"({"a":0})", true);
        row("null does not exist", R"({"/a":{"exists":true}})", R"({"a":null})", false);
        row("exists false on null", R"({"/a":{"exists":false}})", R"({"a":null})", true);
        row("exists false on a value", R"({"/a":{"exists":false}})", R"({"a":"x"})", false);
        row("prefix", R"({"/a":{"prefix":"contact."}})", R"({"a":"contact.deletion"})", true);
        row("prefix of a number", R"({"/a":{"prefix":"1"}})", R"({"a":12})", false);
        row("equals_pointer", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"t","b":"t"})", true);
        row("equals_pointer differs", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"t","b":"u"})",
            false);
        row("equals_pointer, other missing", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"t"})",
            false);
        row("two tests on one field", R"({"/a":{"exists":true,"ne":""}})", R"({"a":""})", false);
        row("every condition must hold", R"({"/a":"x","/b":"y"})", R"({"a":"x","b":"z"})", false);
        row("no condition matches all", R"({})", R"({"anything":1})", true);
    }

    void conditions() {
        QFETCH(QString, when);
        QFETCH(QString, item);
        QFETCH(bool, matches);
        const auto ruleset =
            rules(R"({"rules":[{"name":"r","when":)" + when.toStdString() + R"(,"ignore":true}]})");
        const Outcome outcome = applyText(*ruleset, item.toStdString());
        QCOMPARE(kindName(outcome.kind), matches ? std::string("Ignored") : std::string("NoMatch"));
    }

    void noMatchNamesTheNearestRule_data() {
        QTest::addColumn<QString>("when");
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* tag, const char* when, const char* item,
                            const char* reason) {
            QTest::newRow(tag) << QString::fromUtf8(when) << QString::fromUtf8(item)
                               << QString::fromUtf8(reason);
        };
        row("eq", R"({"/a":"x"})", R"({"a":"y"})", R"(/a is "y", not "x")");
        row("eq missing", R"({"/a":"x"})", R"({})", R"(/a is missing, not "x")");
        row("ne", R"({"/a":{"ne":"y"}})", R"({"a":"y"})", R"(/a is "y")");
        row("in", R"({"/a":{"in":["x",1]}})", R"({"a":"y"})", R"(/a is "y", not one of "x", 1)");
        row("not_in", R"({"/a":{"not_in":["y"]}})", R"({"a":"y"})",
            R"(/a is "y", one of the excluded "y")");
        row("exists", R"({"/a":{"exists":true}})", R"({"a":null})", R"(/a is null)");
        row("exists false", R"({"/a":{"exists":false}})", R"({"a":3})",
            R"(/a is 3, expected it absent)");
        row("prefix", R"({"/a":{"prefix":"deal."}})", R"({"a":"contact.creation"})",
            R"(/a is "contact.creation", which does not start with "deal.")");
        row("equals_pointer", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"1","b":"2"})",
            R"(/a is "1", /b is "2")");
        row("equals_pointer, other missing", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"1"})",
            R"(/b is missing)");
    }

    void noMatchNamesTheNearestRule() {
        QFETCH(QString, when);
        QFETCH(QString, item);
        QFETCH(QString, reason);
        const auto ruleset =
            rules(R"({"rules":[{"name":"r","when":)" + when.toStdString() + R"(,"ignore":true}]})");
        const Outcome outcome = applyText(*ruleset, item.toStdString());
        QCOMPARE(kindName(outcome.kind), std::string("NoMatch"));
        QCOMPARE(outcome.rule, std::string());
        QCOMPARE(outcome.reason,
                 "no rule of test.json matches; nearest is rule 'r': " + reason.toStdString());
    }

    void nearestRuleHoldsTheMostConditions() {
        const auto ruleset = rules(R"({"rules":[
            {"name":"one","when":{"/t":"a"},"ignore":true},
            {"name":"two","when":{"/t":"b","/p":"x","/q":"y"},"ignore":true},
            {"name":"three","when":{"/t":"c","/p":"x"},"ignore":true}]})");
        const Outcome outcome = applyText(*ruleset, R"({"t":"b","p":"x","q":"z"})");
        QCOMPARE(outcome.reason,
                 std::string(
                     R"(no rule of test.json matches; nearest is rule 'two': /q is "z", not "y")"));
    }

    void anItemThatIsNotAnObjectMatchesNothing() {
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{"/t":1},"ignore":true}]})");
        const Outcome outcome = applyText(*ruleset, "[1]");
        QCOMPARE(kindName(outcome.kind), std::string("NoMatch"));
        QCOMPARE(
            outcome.reason,
            std::string("no rule of test.json matches an item that is an array, not an object"));
    }

    void firstMatchingRuleWins() {
        const auto ruleset = rules(R"({"rules":[
            {"name":"specific","when":{"/t":"a","/p":"x"},"ignore":true},
            {"name":"general","when":{"/t":"a"},"event_type":"LeadCreated",
             "entity":{"kind":"lead","id":{"pointer":"/id"}},"payload":{}},
            {"name":"never","when":{"/t":"a"},"ignore":true}]})");
        QCOMPARE(applyText(*ruleset, R"({"t":"a","p":"x","id":"L"})").rule,
                 std::string("specific"));
        const Outcome general = applyText(*ruleset, R"({"t":"a","p":"y","id":"L"})");
        QCOMPARE(general.rule, std::string("general"));
        QCOMPARE(kindName(general.kind), std::string("Mapped"));
        QCOMPARE(mapping::ruleNames(*ruleset),
                 (std::vector<std::string>{"specific", "general", "never"}));
    }

    // Value specs and transforms
    void values_data() {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("expected"); // the payload, as JSON
        const auto row = [](const char* tag, const char* spec, const char* item,
                            const char* expected) {
            QTest::newRow(tag) << QString::fromUtf8(spec) << QString::fromUtf8(item)
                               << QString::fromUtf8(expected);
        };
        row("const", R"({"const":{"k":[1,null]}})", "{}", R"({"v":{"k":[1,null]}})");
        row("const null", R"({"const":null})", "{}", R"({"v":null})");
        row("pointer", R"({"pointer":"/a/b"})", R"({"a":{"b":[1,2]}})", R"({"v":[1,2]})");
        row("pointer into an array", R"({"pointer":"/a/1"})", R"({"a":["x","y"]})", R"({"v":"y"})");
        row("optional pointer missing", R"({"pointer":"/a","optional":true})", "{}", "{}");
        row("optional pointer null", R"({"pointer":"/a","optional":true})", R"({"a":null})", "{}");
        row("default on missing", R"({"pointer":"/a","default":"none"})", "{}", R"({"v":"none"})");
        row("default on null", R"({"pointer":"/a","default":0})", R"({"a":null})", R"({"v":0})");
        row("default is not transformed",
            R"({"pointer":"/a","transform":"uppercase","default":"x"})", "{}", R"({"v":"x"})");
        row("template", R"({"template":"hs-{/id}-{/ok}-{/s}"})", R"({"id":9001,"ok":true,"s":"x"})",
            R"({"v":"hs-9001-true-x"})");
        row("template braces", R"({"template":"{{literal}} {/a}"})", R"({"a":"x"})",
            R"({"v":"{literal} x"})");
        row("optional template missing", R"({"template":"a-{/b}","optional":true})", "{}", "{}");
        row("first", R"({"first":[{"pointer":"/a"},{"pointer":"/b"},{"const":"c"}]})",
            R"({"b":"B"})", R"({"v":"B"})");
        row("first skips null", R"({"first":[{"pointer":"/a"},{"const":"c"}]})", R"({"a":null})",
            R"({"v":"c"})");
        row("first none, optional", R"({"first":[{"pointer":"/a"}],"optional":true})", "{}", "{}");
        row("object", R"({"object":{"x":{"pointer":"/a"},"y":{"pointer":"/b","optional":true}}})",
            R"({"a":1})", R"({"v":{"x":1}})");
        row("optional object with nothing in it",
            R"({"object":{"y":{"pointer":"/b","optional":true}},"optional":true})", "{}", "{}");
        row("array", R"({"array":[{"pointer":"/a"},{"pointer":"/b","optional":true},{"const":3}]})",
            R"({"a":1})", R"({"v":[1,3]})");
        row("table", R"({"pointer":"/a","transform":"table","table":{"x":"X","2":"two"}})",
            R"({"a":"x"})", R"({"v":"X"})");
        row("table by a number's text",
            R"({"pointer":"/a","transform":"table","table":{"2":"two"}})", R"({"a":2})",
            R"({"v":"two"})");
        row("table miss takes the default",
            R"({"pointer":"/a","transform":"table","table":{"x":"X"},"default":"other"})",
            R"({"a":"y"})", R"({"v":"other"})");
        row("table miss, optional",
            R"({"pointer":"/a","transform":"table","table":{"x":"X"},"optional":true})",
            R"({"a":"y"})", "{}");
        row("transforms in order",
            R"({"pointer":"/a","transform":["trim","lowercase","table"],"table":{"won":true}})",
            R"({"a":"  WON "})", R"({"v":true})");
        row("lowercase ASCII only", R"({"pointer":"/a","transform":"lowercase"})",
            R"({"a":"ÉCOLE Zürich"})", R"({"v":"École zürich"})");
        row("uppercase", R"({"pointer":"/a","transform":"uppercase"})", R"({"a":"eur"})",
            R"({"v":"EUR"})");
        row("string of an integer", R"({"pointer":"/a","transform":"string"})", R"({"a":9001})",
            R"({"v":"9001"})");
        row("string of a big id", R"({"pointer":"/a","transform":"string"})",
            R"({"a":18446744073709551615})", R"({"v":"18446744073709551615"})");
        row("string of a boolean", R"({"pointer":"/a","transform":"string"})", R"({"a":false})",
            R"({"v":"false"})");
        row("number of integer text", R"({"pointer":"/a","transform":"number"})",
            R"({"a":"12000"})", R"({"v":12000})");
        row("number of decimal text", R"({"pointer":"/a","transform":"number"})",
            R"({"a":"48000.50"})", R"({"v":48000.5})");
        row("number of a number", R"({"pointer":"/a","transform":"number"})", R"({"a":3.5})",
            R"({"v":3.5})");
        row("integer of text", R"({"pointer":"/a","transform":"integer"})", R"({"a":"-42"})",
            R"({"v":-42})");
        row("integer of whole decimal text", R"({"pointer":"/a","transform":"integer"})",
            R"({"a":"90.0"})", R"({"v":90})");
        row("integer of a whole float", R"({"pointer":"/a","transform":"integer"})", R"({"a":7.0})",
            R"({"v":7})");
        row("boolean of text", R"({"pointer":"/a","transform":"boolean"})", R"({"a":"TRUE"})",
            R"({"v":true})");
        row("boolean of 0", R"({"pointer":"/a","transform":"boolean"})", R"({"a":0})",
            R"({"v":false})");
        row("iso8601 normalises", R"({"pointer":"/a","transform":"iso8601"})",
            R"({"a":"2026-11-27T10:14:03.5+01:00"})", R"({"v":"2026-11-27T09:14:03.500Z"})");
        row("iso8601 from epoch ms", R"({"pointer":"/a","transform":"iso8601_from_epoch_ms"})",
            R"({"a":1764234843120})", R"({"v":"2025-11-27T09:14:03.120Z"})");
        row("iso8601 from epoch ms text", R"({"pointer":"/a","transform":"iso8601_from_epoch_ms"})",
            R"({"a":"0"})", R"({"v":"1970-01-01T00:00:00.000Z"})");
        row("epoch ms from iso8601", R"({"pointer":"/a","transform":"epoch_ms_from_iso8601"})",
            R"({"a":"2025-11-27T09:14:03.120Z"})", R"({"v":1764234843120})");
    }

    void values() {
        QFETCH(QString, spec);
        QFETCH(QString, item);
        QFETCH(QString, expected);
        const Outcome outcome = applyText(*oneField(spec.toStdString()), item.toStdString());
        QVERIFY2(outcome.kind == Outcome::Kind::Mapped, outcome.reason.c_str());
        QCOMPARE(canonical(outcome.event->payload), canonical(expected.toStdString()));
    }

    void valueFailures_data() {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* tag, const char* spec, const char* item,
                            const char* reason) {
            QTest::newRow(tag) << QString::fromUtf8(spec) << QString::fromUtf8(item)
                               << QString::fromUtf8(reason);
        };
        row("missing", R"({"pointer":"/propertyValue"})", "{}",
            "payload.v: /propertyValue is missing");
        row("null", R"({"pointer":"/a"})", R"({"a":null})", "payload.v: /a is null");
        row("template part missing", R"({"template":"x-{/a}"})", "{}", "payload.v: /a is missing");
        row("template of an object", R"({"template":"x-{/a}"})", R"({"a":{"b":1}})",
            "payload.v: /a is an object, which a template cannot write as text");
        row("first, none", R"({"first":[{"pointer":"/a"},{"pointer":"/b"}]})", "{}",
            "payload.v: /a is missing and /b is missing");
        row("object member", R"({"object":{"x":{"object":{"y":{"pointer":"/b"}}}}})", "{}",
            "payload.v.x.y: /b is missing");
        row("array element", R"({"array":[{"const":1},{"pointer":"/b"}]})", "{}",
            "payload.v[1]: /b is missing");
        row("integer of a fraction", R"({"pointer":"/a","transform":"integer"})", R"({"a":"4.5"})",
            R"(payload.v: cannot read "4.5" as an integer)");
        row("integer of a boolean", R"({"pointer":"/a","transform":"integer"})", R"({"a":true})",
            "payload.v: cannot read true as an integer");
        row("integer too large", R"({"pointer":"/a","transform":"integer"})",
            R"({"a":18446744073709551615})",
            "payload.v: cannot read 18446744073709551615 as an integer");
        row("number of words", R"({"pointer":"/a","transform":"number"})", R"({"a":"12k"})",
            R"(payload.v: cannot read "12k" as a number)");
        row("number of infinity", R"({"pointer":"/a","transform":"number"})", R"({"a":"inf"})",
            R"(payload.v: cannot read "inf" as a number)");
        row("boolean of words", R"({"pointer":"/a","transform":"boolean"})", R"({"a":"yes"})",
            R"(payload.v: cannot read "yes" as a boolean)");
        row("string of an array", R"({"pointer":"/a","transform":"string"})", R"({"a":[1]})",
            "payload.v: cannot read an array as a string");
        row("lowercase of a number", R"({"pointer":"/a","transform":"lowercase"})", R"({"a":42})",
            "payload.v: expected a string, got 42");
        row("iso8601 of a date", R"({"pointer":"/a","transform":"iso8601"})",
            R"({"a":"2026-11-30"})",
            R"(payload.v: expected an RFC 3339 date-time such as "2026-11-27T09:14:03.120Z", got "2026-11-30")");
        row("epoch ms out of range", R"({"pointer":"/a","transform":"iso8601_from_epoch_ms"})",
            R"({"a":253402300800000})",
            "payload.v: expected milliseconds since 1970 (an integer), got 253402300800000");
        row("table miss", R"({"pointer":"/a","transform":"table","table":{"x":1}})", R"({"a":"y"})",
            R"(payload.v: "y" is not in the table ("x"))");
        row("table of an object", R"({"pointer":"/a","transform":"table","table":{"x":1}})",
            R"({"a":{}})", "payload.v: expected text to look up in the table, got an empty object");
        row("a transform error fails an optional field",
            R"({"pointer":"/a","transform":"integer","optional":true})", R"({"a":"many"})",
            R"(payload.v: cannot read "many" as an integer)");
    }

    void valueFailures() {
        QFETCH(QString, spec);
        QFETCH(QString, item);
        QFETCH(QString, reason);
        const Outcome outcome = applyText(*oneField(spec.toStdString()), item.toStdString());
        QCOMPARE(kindName(outcome.kind), std::string("Failed"));
        QCOMPARE(outcome.rule, std::string("r"));
        QCOMPARE(outcome.reason, "rule 'r': " + reason.toStdString());
        QVERIFY(!outcome.event);
    }

    // The envelope a rule fills
    void envelope() {
        const auto ruleset = rules(R"({"rules":[{"name":"scored","when":{"/kind":"score"},
            "event_type":"LeadScored","schema_version":2,
            "entity":{"kind":"lead","id":{"pointer":"/lead"},"version":{"pointer":"/seq"}},
            "occurred_at":{"pointer":"/at"},
            "payload":{"lead_id":{"pointer":"/lead","transform":"string"}}}]})");
        const Outcome outcome = mapping::apply(
            *ruleset,
            json::parse(R"({"kind":"score","lead":42,"seq":7,"at":"2026-11-27T10:00:00+02:00"})"),
            {"crm-hook", "acme", "crm-bridge", "crm-991", kReceivedAt});
        QVERIFY2(outcome.kind == Outcome::Kind::Mapped, outcome.reason.c_str());
        const Event& event = *outcome.event;
        QCOMPARE(event.eventId, mapping::hookEventId("crm-hook", "crm-991"));
        QCOMPARE(event.eventType, std::string("LeadScored"));
        QCOMPARE(event.schemaVersion, 2);
        QCOMPARE(formatRfc3339(event.occurredAt), std::string("2026-11-27T08:00:00.000Z"));
        QCOMPARE(event.producer, std::string("crm-bridge"));
        QCOMPARE(event.tenantId, std::string("acme"));
        QCOMPARE(event.entity.kind, std::string("lead"));
        QCOMPARE(event.entity.id, std::string("42")); // an integer id is written as text
        QCOMPARE(event.entity.version, std::optional<std::int64_t>(7));
        QCOMPARE(event.correlationId, std::string("lead:42"));
        QCOMPARE(event.causationId, std::string());
        QCOMPARE(event.traceparent, std::string());
        QCOMPARE(event.seq, std::int64_t{0});
        QCOMPARE(event.payload, std::string(R"({"lead_id":"42"})"));
    }

    void occurredAtFallsBackToReceivedAt() {
        const auto ruleset = rules(R"({"rules":[
            {"name":"none","when":{"/r":1},"event_type":"LeadCreated","entity":{"kind":"lead","id":{"const":"L"}},"payload":{}},
            {"name":"missing","when":{"/r":2},"event_type":"LeadCreated","entity":{"kind":"lead","id":{"const":"L"}},
             "occurred_at":{"pointer":"/at"},"payload":{}},
            {"name":"epoch","when":{"/r":3},"event_type":"LeadCreated","entity":{"kind":"lead","id":{"const":"L"}},
             "occurred_at":{"pointer":"/at"},"payload":{}}]})");
        QCOMPARE(applyText(*ruleset, R"({"r":1})").event->occurredAt, kReceivedAt);
        QCOMPARE(applyText(*ruleset, R"({"r":2})").event->occurredAt, kReceivedAt);
        QCOMPARE(
            toUnixMillis(applyText(*ruleset, R"({"r":3,"at":1764234843120})").event->occurredAt),
            std::int64_t{1764234843120});
        const Outcome bad = applyText(*ruleset, R"({"r":3,"at":"yesterday"})");
        QCOMPARE(kindName(bad.kind), std::string("Failed"));
        QCOMPARE(bad.reason,
                 std::string("rule 'epoch': occurred_at: expected an RFC 3339 date-time "
                             "or milliseconds since 1970, got \"yesterday\""));
    }

    void correlationIdFromTheVendorElseTheEntity() {
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"pointer":"/id"}},
            "correlation_id":{"first":[{"pointer":"/journey"},{"template":"deal-{/deal}"}]},"payload":{}}]})");
        QCOMPARE(applyText(*ruleset, R"({"id":"L-1","journey":"j-9"})").event->correlationId,
                 std::string("j-9"));
        QCOMPARE(applyText(*ruleset, R"({"id":"L-1","journey":77})").event->correlationId,
                 std::string("77"));
        QCOMPARE(applyText(*ruleset, R"({"id":"L-1","deal":5})").event->correlationId,
                 std::string("deal-5"));
        QCOMPARE(applyText(*ruleset, R"({"id":"L-1"})").event->correlationId,
                 std::string("lead:L-1"));
        const Outcome bad = applyText(*ruleset, R"({"id":"L-1","journey":{"a":1}})");
        QCOMPARE(bad.reason,
                 std::string(
                     "rule 'r': correlation_id: expected a string or an integer, got an object"));
        const Outcome tooLong =
            applyText(*ruleset, json{{"id", "L-1"}, {"journey", std::string(129, 'j')}}.dump());
        QCOMPARE(tooLong.reason,
                 std::string("rule 'r': correlation_id: 129 characters; at most 128 are allowed"));
    }

    void entityFailures_data() {
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* tag, const std::string& item, const char* reason) {
            QTest::newRow(tag) << QString::fromStdString(item) << QString::fromUtf8(reason);
        };
        row("id missing", R"({"v":1})", "entity.id: /id is missing");
        row("id empty", R"({"id":"","v":1})", "entity.id: is empty");
        row("id a float", R"({"id":1.5,"v":1})",
            "entity.id: expected a string or an integer, got 1.5");
        row("id too long", json{{"v", 1}, {"id", std::string(129, 'x')}}.dump(),
            "entity.id: 129 characters; at most 128 are allowed");
        row("version as text", R"({"id":"L","v":"12"})",
            R"(entity.version: expected an integer >= 0 (the vendor's clock or counter), got "12")");
        row("version negative", R"({"id":"L","v":-1})",
            "entity.version: expected an integer >= 0 (the vendor's clock or counter), got -1");
        row("version missing", R"({"id":"L"})", "entity.version: /v is missing");
    }

    void entityFailures() {
        QFETCH(QString, item);
        QFETCH(QString, reason);
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"pointer":"/id"},"version":{"pointer":"/v"}},"payload":{}}]})");
        const Outcome outcome = applyText(*ruleset, item.toStdString());
        QCOMPARE(kindName(outcome.kind), std::string("Failed"));
        QCOMPARE(outcome.reason, "rule 'r': " + reason.toStdString());
    }

    void anOptionalVersionMayBeAbsent() {
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"const":"L"},"version":{"pointer":"/v","optional":true}},"payload":{}}]})");
        QCOMPARE(applyText(*ruleset, "{}").event->entity.version, std::optional<std::int64_t>());
        QCOMPARE(applyText(*ruleset, R"({"v":9})").event->entity.version,
                 std::optional<std::int64_t>(9));
    }

    void payloadFromCopiesAnObject() {
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"pointer":"/data/lead_id"}},
            "payload_from":{"pointer":"/data"},
            "payload":{"source":{"const":"partner"},"email":{"pointer":"/contact/email","optional":true}}}]})");
        QCOMPARE(applyText(*ruleset,
                           R"({"data":{"lead_id":"L-1","source":"web","email":"a@b.example"}})")
                     .event->payload,
                 std::string(R"({"email":"a@b.example","lead_id":"L-1","source":"partner"})"));
        const Outcome bad = applyText(*ruleset, R"({"data":["L-1"]})");
        QCOMPARE(bad.reason, std::string("rule 'r': entity.id: /data/lead_id is missing"));
        const auto loose = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"const":"L"}},"payload_from":{"pointer":"/data"}}]})");
        QCOMPARE(applyText(*loose, R"({"data":"L-1"})").reason,
                 std::string(R"(rule 'r': payload_from: expected an object, got "L-1")"));
    }

    void anItemWithoutAVendorIdFails() {
        const auto ruleset = oneField(R"({"const":1})");
        const Outcome outcome = applyText(*ruleset, "{}", "");
        QCOMPARE(kindName(outcome.kind), std::string("Failed"));
        QCOMPARE(outcome.reason, std::string("rule 'r': the item has no vendor event id, so no "
                                             "event_id can be derived from it"));
    }

    // Reading ruleset files
    void parseErrors_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        const auto row = [](const char* tag, const std::string& text, const std::string& message) {
            QTest::newRow(tag) << QString::fromStdString(text) << QString::fromStdString(message);
        };
        const std::string head =
            R"({"rules":[{"name":"r","when":{"/t":"a"},"event_type":"LeadScored",)"
            R"("entity":{"kind":"lead","id":{"pointer":"/id"}},"payload":{"score":)";
        const auto withScore = [&](const std::string& spec) {
            return head + spec + "}}]}";
        };
        row("not JSON", "{\"rules\": [", "");
        row("too deep", std::string(70, '[') + std::string(70, ']'),
            "x.json: the JSON text nests deeper than 64 levels (at byte 64); flatten it, or raise "
            "limits.json_depth in meshd's config");
        row("not an object", "[]", "x.json: expected an object, got an empty array");
        row("unknown top-level key", R"({"rule":[]})",
            "x.json: /rule: unknown key; expected one of kind, description, rules, $comment");
        row("no rules", R"({"kind":"hubspot"})",
            "x.json: missing \"rules\", the array of rules tried in order");
        row("empty rules", R"({"rules":[]})",
            "x.json: /rules: expected a non-empty array of rules, got an empty array");
        row("rule without a name", R"({"rules":[{"when":{}}]})",
            "x.json: /rules/0: missing \"name\"; every rule has a name, used in reasons and "
            "counts");
        row("rule without when", R"({"rules":[{"name":"r","ignore":true}]})",
            "x.json: /rules/0: rule 'r' has no \"when\"; write \"when\": {} for a rule that "
            "matches every item");
        row("missing event_type", R"({"rules":[{"name":"r","when":{},"payload":{}}]})",
            "x.json: /rules/0: rule 'r' has neither \"event_type\" nor \"ignore\": true; a rule "
            "maps "
            "to an event type or ignores the item");
        row("bad event_type", R"({"rules":[{"name":"r","when":{},"event_type":"lead_scored"}]})",
            "x.json: /rules/0/event_type: expected an event type name in PascalCase such as "
            "\"LeadQualified\", got \"lead_scored\"");
        row("bad schema_version",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","schema_version":0}]})",
            "x.json: /rules/0/schema_version: expected an integer >= 1, got 0");
        row("ignore false", R"({"rules":[{"name":"r","when":{},"ignore":false}]})",
            "x.json: /rules/0/ignore: expected true (leave the key out for a rule that maps), got "
            "false");
        row("ignore with a payload",
            R"({"rules":[{"name":"r","when":{},"ignore":true,"payload":{}}]})",
            "x.json: /rules/0/payload: unknown key; expected one of name, description, when, "
            "ignore");
        row("duplicate names",
            R"({"rules":[{"name":"r","when":{},"ignore":true},{"name":"r","when":{},"ignore":true}]})",
            "x.json: /rules/1/name: 'r' is already the name of /rules/0");
        row("no entity",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","payload":{}}]})",
            "x.json: /rules/0: rule 'r' has no \"entity\": {\"kind\": ..., \"id\": ...}");
        row("bad entity kind",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","entity":{"kind":"lead:x","id":{"const":"L"}},"payload":{}}]})",
            "x.json: /rules/0/entity/kind: expected an entity kind (a letter, then letters, "
            "digits, "
            "'_' or '-') such as \"lead\", got \"lead:x\"");
        row("entity without id",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","entity":{"kind":"lead"},"payload":{}}]})",
            "x.json: /rules/0/entity: missing \"id\", a value spec such as {\"pointer\": "
            "\"/objectId\"}");
        row("no payload",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","entity":{"kind":"lead","id":{"const":"L"}}}]})",
            "x.json: /rules/0: rule 'r' has no \"payload\": {\"field\": <value spec>, ...}");
        row("unknown rule key", R"({"rules":[{"name":"r","when":{},"event_typ":"LeadScored"}]})",
            "x.json: /rules/0/event_typ: unknown key; expected one of name, description, when, "
            "ignore, "
            "event_type, schema_version, entity, occurred_at, correlation_id, payload, "
            "payload_from");
        row("unknown transform", withScore(R"({"pointer":"/s","transform":"tonumber"})"),
            "x.json: /rules/0/payload/score/transform: unknown transform 'tonumber'; expected one "
            "of "
            "lowercase, uppercase, trim, string, number, integer, boolean, iso8601, "
            "iso8601_from_epoch_ms, epoch_ms_from_iso8601, table");
        row("unknown transform in a list",
            withScore(R"({"pointer":"/s","transform":["trim","int"]})"),
            "x.json: /rules/0/payload/score/transform/1: unknown transform 'int'; expected one of "
            "lowercase, uppercase, trim, string, number, integer, boolean, iso8601, "
            "iso8601_from_epoch_ms, epoch_ms_from_iso8601, table");
        row("table transform without a table", withScore(R"({"pointer":"/s","transform":"table"})"),
            "x.json: /rules/0/payload/score/transform: the \"table\" transform needs a \"table\" "
            "beside it: {\"vendor value\": \"ours\", ...}");
        row("table without its transform", withScore(R"({"pointer":"/s","table":{"a":1}})"),
            "x.json: /rules/0/payload/score/table: a table is only read by the \"table\" "
            "transform, "
            "which this value spec does not name");
        row("bad pointer", withScore(R"({"pointer":"s"})"),
            "x.json: /rules/0/payload/score/pointer: \"s\" is not a JSON Pointer (RFC 6901): it "
            "must "
            "start with '/', and '~' may only be followed by 0 or 1");
        row("bad escape", withScore(R"({"pointer":"/a~2"})"),
            "x.json: /rules/0/payload/score/pointer: \"/a~2\" is not a JSON Pointer (RFC 6901): it "
            "must start with '/', and '~' may only be followed by 0 or 1");
        row("whole-item pointer", withScore(R"({"pointer":""})"),
            "x.json: /rules/0/payload/score/pointer: the pointer \"\" names the whole item; a rule "
            "reads one field, such as \"/objectId\"");
        row("bad condition pointer",
            R"({"rules":[{"name":"r","when":{"subscriptionType":"x"},"ignore":true}]})",
            "x.json: /rules/0/when/subscriptionType: \"subscriptionType\" is not a JSON Pointer "
            "(RFC "
            "6901): it must start with '/', and '~' may only be followed by 0 or 1");
        row("unknown condition test",
            R"({"rules":[{"name":"r","when":{"/t":{"equals":"x"}},"ignore":true}]})",
            "x.json: /rules/0/when/~1t/equals: unknown key; expected one of eq, ne, in, not_in, "
            "exists, prefix, equals_pointer");
        row("empty in", R"({"rules":[{"name":"r","when":{"/t":{"in":[]}},"ignore":true}]})",
            "x.json: /rules/0/when/~1t/in: expected a non-empty array of values, got an empty "
            "array");
        row("exists not a boolean",
            R"({"rules":[{"name":"r","when":{"/t":{"exists":"yes"}},"ignore":true}]})",
            "x.json: /rules/0/when/~1t/exists: expected true or false, got \"yes\"");
        row("equals_pointer not a pointer",
            R"({"rules":[{"name":"r","when":{"/t":{"equals_pointer":"b"}},"ignore":true}]})",
            "x.json: /rules/0/when/~1t/equals_pointer: \"b\" is not a JSON Pointer (RFC 6901): it "
            "must start with '/', and '~' may only be followed by 0 or 1");
        row("value spec of a bare string", withScore(R"("/s")"),
            "x.json: /rules/0/payload/score: expected a value spec (an object with one of pointer, "
            "const, template, first, object, array), got \"/s\"");
        row("value spec of two kinds", withScore(R"({"pointer":"/s","const":1})"),
            "x.json: /rules/0/payload/score: a value spec has exactly one of pointer, const, "
            "template, first, object, array; this one has pointer and const");
        row("value spec of no kind", withScore(R"({"optional":true})"),
            "x.json: /rules/0/payload/score: a value spec needs one of pointer, const, template, "
            "first, object, array");
        row("const with a transform", withScore(R"({"const":1,"transform":"string"})"),
            "x.json: /rules/0/payload/score/transform: unknown key; expected one of const");
        row("unknown spec key", withScore(R"({"pointer":"/s","optinal":true})"),
            "x.json: /rules/0/payload/score/optinal: unknown key; expected one of pointer, "
            "transform, "
            "table, default, optional");
        row("optional not a boolean", withScore(R"({"pointer":"/s","optional":"yes"})"),
            "x.json: /rules/0/payload/score/optional: expected true or false, got \"yes\"");
        row("empty first", withScore(R"({"first":[]})"),
            "x.json: /rules/0/payload/score/first: expected a non-empty array of value specs, got "
            "an "
            "empty array");
        row("bad spec inside first", withScore(R"({"first":[{"pointer":"/a"},{"pointr":"/b"}]})"),
            "x.json: /rules/0/payload/score/first/1: a value spec needs one of pointer, const, "
            "template, first, object, array");
        row("bad spec inside object", withScore(R"({"object":{"a":{"pointer":"x"}}})"),
            "x.json: /rules/0/payload/score/object/a/pointer: \"x\" is not a JSON Pointer (RFC "
            "6901): it must start with '/', and '~' may only be followed by 0 or 1");
        row("unclosed template", withScore(R"({"template":"hs-{/objectId"})"),
            "x.json: /rules/0/payload/score/template: the '{' at character 3 is never closed");
        row("lone brace in a template", withScore(R"({"template":"a}b"})"),
            "x.json: /rules/0/payload/score/template: a lone '}' at character 1; write '}}' for "
            "the "
            "character itself");
        row("template pointer", withScore(R"({"template":"{objectId}"})"),
            "x.json: /rules/0/payload/score/template: \"objectId\" is not a JSON Pointer (RFC "
            "6901): "
            "it must start with '/', and '~' may only be followed by 0 or 1");
    }

    void parseErrors() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        try {
            mapping::parseRuleset(text.toStdString(), "x.json");
            QFAIL("parsed");
        } catch (const std::invalid_argument& e) {
            if (message.isEmpty()) // not JSON: nlohmann's words after ours
                QVERIFY2(std::string(e.what()).starts_with("x.json is not valid JSON: "), e.what());
            else
                QCOMPARE(std::string(e.what()), message.toStdString());
        }
    }
};

QTEST_APPLESS_MAIN(TstMapping)
#include "tst_mapping.moc"
