#include "core/schema_registry.h"
#include "tests/unit/unit_support.h"

#include <QtTest/QTest>
#include <nlohmann/json.hpp>

using namespace meshdeck;
using nlohmann::json;

namespace {

const char* const kBaseSchema = R"({
  "type": "object",
  "properties": {
    "lead_id": {"type": "string"},
    "score": {"type": "integer", "minimum": 0, "maximum": 100},
    "tier": {"type": "string", "enum": ["a", "b"]},
    "name": {"type": "string", "minLength": 1, "maxLength": 50},
    "email": {"type": "string", "pattern": "^.+@.+$"},
    "note": {"type": ["string", "null"]},
    "address": {
      "type": "object",
      "properties": {"city": {"type": "string"}},
      "required": ["city"]
    },
    "tags": {"type": "array", "items": {"type": "string"}}
  },
  "required": ["lead_id"]
})";

// "pointer=json" sets a value, "pointer" alone removes it.
std::string edited(const QStringList& edits) {
    json schema = json::parse(kBaseSchema);
    for (const QString& edit : edits) {
        const qsizetype eq = edit.indexOf(u'=');
        const json::json_pointer at((eq < 0 ? edit : edit.left(eq)).toStdString());
        if (eq < 0)
            schema[at.parent_pointer()].erase(at.back());
        else
            schema[at] = json::parse(edit.mid(eq + 1).toStdString());
    }
    return schema.dump();
}

QString render(const BreakingChange& change) {
    return QString::fromUtf8(toString(change.breaks)) + u' ' + QString::fromStdString(change.path) +
           u": " + QString::fromStdString(change.change);
}

struct ChangeKind {
    const char* name;
    QStringList oldEdits;
    QStringList newEdits;
    Compatibility breaks; // Full: breaks both directions
    QStringList changes;  // as render() writes them
};

QStringList list(std::initializer_list<const char*> values) {
    QStringList out;
    for (const char* value : values)
        out << QString::fromUtf8(value);
    return out;
}

std::vector<ChangeKind> changeKinds() {
    using C = Compatibility;
    return {
        {"property became required",
         {},
         list({"/required=[\"lead_id\",\"score\"]"}),
         C::Backward,
         list({"backward /score: property 'score' became required"})},
        {"required property added",
         {},
         list({"/properties/owner={\"type\":\"string\"}", "/required=[\"lead_id\",\"owner\"]"}),
         C::Backward,
         list({"backward /owner: property 'owner' was added as required"})},
        {"property no longer required",
         {},
         list({"/required=[]"}),
         C::Forward,
         list({"forward /lead_id: property 'lead_id' is no longer required"})},
        {"required property removed",
         {},
         list({"/properties/lead_id", "/required=[]"}),
         C::Forward,
         list({"forward /lead_id: required property 'lead_id' was removed"})},
        {"property removed, new schema closed",
         {},
         list({"/properties/tier", "/additionalProperties=false"}),
         C::Backward,
         list({"backward : the payload: additionalProperties changed to false",
               "backward /tier: property 'tier' was removed while the new schema forbids "
               "additional properties"})},
        {"additionalProperties changed to false",
         {},
         list({"/additionalProperties=false"}),
         C::Backward,
         list({"backward : the payload: additionalProperties changed to false"})},
        {"additionalProperties no longer false",
         list({"/additionalProperties=false"}),
         {},
         C::Forward,
         list({"forward : the payload: additionalProperties is no longer false"})},
        {"property added, old schema closed", list({"/additionalProperties=false"}),
         list({"/additionalProperties=false", "/properties/owner={\"type\":\"string\"}"}),
         C::Forward,
         list({"forward /owner: property 'owner' was added while the old schema forbids "
               "additional properties"})},
        {"type narrowed number to integer",
         list({"/properties/score/type=\"number\""}),
         {},
         C::Backward,
         list({"backward /score: property 'score': type narrowed from number to integer"})},
        {"type widened integer to number",
         {},
         list({"/properties/score/type=\"number\""}),
         C::Forward,
         list({"forward /score: property 'score': type widened from integer to number"})},
        {"type changed string to integer",
         {},
         list({"/properties/name/type=\"integer\""}),
         C::Full,
         list({"full /name: property 'name': type changed from string to integer"})},
        {"null no longer allowed",
         {},
         list({"/properties/note/type=\"string\""}),
         C::Backward,
         list({"backward /note: property 'note': type narrowed from null or string to string"})},
        {"null now allowed",
         {},
         list({"/properties/name/type=[\"string\",\"null\"]"}),
         C::Forward,
         list({"forward /name: property 'name': type widened from string to null or string"})},
        {"enum value removed",
         {},
         list({"/properties/tier/enum=[\"a\"]"}),
         C::Backward,
         list({"backward /tier: property 'tier': enum value \"b\" was removed"})},
        {"enum values added",
         {},
         list({"/properties/tier/enum=[\"a\",\"b\",\"c\",\"d\"]"}),
         C::Forward,
         list({"forward /tier: property 'tier': enum values \"c\", \"d\" were added"})},
        {"enum introduced",
         {},
         list({"/properties/name/enum=[\"x\"]"}),
         C::Backward,
         list({"backward /name: property 'name': an enum was added (only [\"x\"] allowed)"})},
        {"minimum raised",
         {},
         list({"/properties/score/minimum=10"}),
         C::Backward,
         list({"backward /score: property 'score': minimum raised from 0 to 10"})},
        {"minimum lowered",
         {},
         list({"/properties/score/minimum=-10"}),
         C::Forward,
         list({"forward /score: property 'score': minimum lowered from 0 to -10"})},
        {"maximum lowered",
         {},
         list({"/properties/score/maximum=99"}),
         C::Backward,
         list({"backward /score: property 'score': maximum lowered from 100 to 99"})},
        {"maximum raised",
         {},
         list({"/properties/score/maximum=1000"}),
         C::Forward,
         list({"forward /score: property 'score': maximum raised from 100 to 1000"})},
        {"maxLength lowered",
         {},
         list({"/properties/name/maxLength=20"}),
         C::Backward,
         list({"backward /name: property 'name': maxLength lowered from 50 to 20"})},
        {"minLength raised",
         {},
         list({"/properties/name/minLength=2"}),
         C::Backward,
         list({"backward /name: property 'name': minLength raised from 1 to 2"})},
        {"minLength removed",
         {},
         list({"/properties/name/minLength"}),
         C::Forward,
         list({"forward /name: property 'name': minLength 1 was removed"})},
        {"maxLength added",
         {},
         list({"/properties/lead_id/maxLength=64"}),
         C::Backward,
         list({"backward /lead_id: property 'lead_id': maxLength 64 was added"})},
        {"pattern changed",
         {},
         list({"/properties/email/pattern=\"^[^@]+@[^@]+$\""}),
         C::Full,
         list({"full /email: property 'email': pattern changed from \"^.+@.+$\" to "
               "\"^[^@]+@[^@]+$\""})},
        {"pattern added",
         {},
         list({"/properties/lead_id/pattern=\"^L-\""}),
         C::Backward,
         list({"backward /lead_id: property 'lead_id': pattern \"^L-\" was added"})},
        {"pattern removed",
         {},
         list({"/properties/email/pattern"}),
         C::Forward,
         list({"forward /email: property 'email': pattern \"^.+@.+$\" was removed"})},
        {"nested property became required",
         {},
         list({"/properties/address/properties/zip={\"type\":\"string\"}",
               "/properties/address/required=[\"city\",\"zip\"]"}),
         C::Backward,
         list({"backward /address/zip: property 'zip' of property 'address' was added as "
               "required"})},
        {"nested type narrowed",
         list({"/properties/address/properties/city/type=[\"string\",\"null\"]"}),
         {},
         C::Backward,
         list({"backward /address/city: property 'city' of property 'address': type narrowed "
               "from null or string to string"})},
        {"array item type changed",
         {},
         list({"/properties/tags/items/type=\"integer\""}),
         C::Full,
         list({"full /tags/*: items of property 'tags': type changed from string to integer"})},
    };
}

} // namespace

class TstSchemaCompat : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void changeByMode_data();
    void changeByMode();
    void harmlessChanges_data();
    void harmlessChanges();
    void severalChangesAtOnce();
    void modeNoneReportsNothing();
    void invalidJson();
};

// Each kind of change in each mode: reported only where it breaks that mode.
void TstSchemaCompat::changeByMode_data() {
    QTest::addColumn<QString>("oldSchema");
    QTest::addColumn<QString>("newSchema");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QStringList>("expected");
    for (const ChangeKind& kind : changeKinds()) {
        for (Compatibility mode :
             {Compatibility::Backward, Compatibility::Forward, Compatibility::Full}) {
            const bool breaks = mode == Compatibility::Full || kind.breaks == Compatibility::Full ||
                                kind.breaks == mode;
            QTest::addRow("%s, %s mode", kind.name, toString(mode).data())
                << QString::fromStdString(edited(kind.oldEdits))
                << QString::fromStdString(edited(kind.newEdits)) << int(mode)
                << (breaks ? kind.changes : QStringList());
        }
    }
}

void TstSchemaCompat::changeByMode() {
    QFETCH(QString, oldSchema);
    QFETCH(QString, newSchema);
    QFETCH(int, mode);
    QFETCH(QStringList, expected);
    const CompatibilityReport report = compareSchemas(
        oldSchema.toStdString(), newSchema.toStdString(), static_cast<Compatibility>(mode));
    QVERIFY(report.mode == static_cast<Compatibility>(mode));
    QStringList actual;
    for (const BreakingChange& change : report.breakingChanges)
        actual << render(change);
    QCOMPARE(actual, expected);
    QCOMPARE(report.compatible(), expected.isEmpty());
}

void TstSchemaCompat::harmlessChanges_data() {
    QTest::addColumn<QString>("newSchema");
    QTest::addRow("identical") << QString::fromStdString(edited({}));
    QTest::addRow("optional property added")
        << QString::fromStdString(edited(list({"/properties/owner={\"type\":\"string\"}"})));
    QTest::addRow("optional property removed, schema open")
        << QString::fromStdString(edited(list({"/properties/tier"})));
    QTest::addRow("description and annotations") << QString::fromStdString(edited(list(
        {"/description=\"Lead\"", "/x-owner=\"sales-ops\"", "/properties/score/x-pii=false"})));
    QTest::addRow("same enum, other order")
        << QString::fromStdString(edited(list({"/properties/tier/enum=[\"b\",\"a\"]"})));
    QTest::addRow("same types, other order")
        << QString::fromStdString(edited(list({"/properties/note/type=[\"null\",\"string\"]"})));
}

void TstSchemaCompat::harmlessChanges() {
    QFETCH(QString, newSchema);
    const CompatibilityReport report =
        compareSchemas(kBaseSchema, newSchema.toStdString(), Compatibility::Full);
    QStringList actual;
    for (const BreakingChange& change : report.breakingChanges)
        actual << render(change);
    QCOMPARE(actual, QStringList());
    QVERIFY(report.compatible());
}

void TstSchemaCompat::severalChangesAtOnce() {
    const std::string newSchema =
        edited(list({"/required=[\"lead_id\",\"score\"]", "/properties/score/type=\"number\"",
                     "/properties/tier/enum=[\"a\"]"}));
    const CompatibilityReport full = compareSchemas(kBaseSchema, newSchema, Compatibility::Full);
    QCOMPARE(full.breakingChanges.size(), std::size_t(3));
    const CompatibilityReport backward =
        compareSchemas(kBaseSchema, newSchema, Compatibility::Backward);
    QCOMPARE(backward.breakingChanges.size(), std::size_t(2));
    for (const BreakingChange& change : backward.breakingChanges)
        QVERIFY(change.breaks == Compatibility::Backward);
    const CompatibilityReport forward =
        compareSchemas(kBaseSchema, newSchema, Compatibility::Forward);
    QCOMPARE(forward.breakingChanges.size(), std::size_t(1));
    QCOMPARE(forward.breakingChanges[0].path, std::string("/score"));
}

void TstSchemaCompat::modeNoneReportsNothing() {
    const CompatibilityReport report =
        compareSchemas(kBaseSchema, edited(list({"/required=[\"score\"]"})), Compatibility::None);
    QVERIFY(report.compatible());
    QVERIFY(report.mode == Compatibility::None);
}

void TstSchemaCompat::invalidJson() {
    const CompatibilityReport report = compareSchemas(kBaseSchema, "{", Compatibility::Backward);
    QCOMPARE(report.breakingChanges.size(), std::size_t(1));
    QCOMPARE(report.breakingChanges[0].path, std::string());
    QVERIFY(report.breakingChanges[0].change.starts_with("the new schema is not valid JSON"));
}

QTEST_APPLESS_MAIN(TstSchemaCompat)
#include "tst_schema_compat.moc"
