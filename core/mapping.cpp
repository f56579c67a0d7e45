#include "core/mapping.h"

#include "core/envelope.h"
#include "core/envelope_json.h"
#include "core/json_input.h"
#include "core/json_path.h"
#include "core/uuid.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace meshdeck::mapping {

using json = nlohmann::json;

namespace {

// ---------------------------------------------------------------------------
// Compiled pieces of a ruleset

// A JSON Pointer checked and split once, when the file is read. Resolving it
// walks the tokens without exceptions (json::at throws on every miss, and a
// rule's condition misses on most items).
struct Pointer {
    std::string text; // as written: "/propertyValue"
    std::vector<std::string> tokens;
    std::vector<std::optional<std::size_t>> indices; // a token's array index, when it reads as one

    const json* resolve(const json& doc) const {
        const json* at = &doc;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (at->is_object()) {
                const auto it = at->find(tokens[i]);
                if (it == at->end())
                    return nullptr;
                at = &*it;
            } else if (at->is_array()) {
                if (!indices[i] || *indices[i] >= at->size())
                    return nullptr;
                at = &(*at)[*indices[i]];
            } else {
                return nullptr;
            }
        }
        return at;
    }
};

enum class Transform {
    Lowercase,
    Uppercase,
    Trim,
    String,
    Number,
    Integer,
    Boolean,
    Iso8601,
    Iso8601FromEpochMs,
    EpochMsFromIso8601,
    Table,
};

constexpr std::array<std::pair<std::string_view, Transform>, 11> kTransforms = {{
    {"lowercase", Transform::Lowercase},
    {"uppercase", Transform::Uppercase},
    {"trim", Transform::Trim},
    {"string", Transform::String},
    {"number", Transform::Number},
    {"integer", Transform::Integer},
    {"boolean", Transform::Boolean},
    {"iso8601", Transform::Iso8601},
    {"iso8601_from_epoch_ms", Transform::Iso8601FromEpochMs},
    {"epoch_ms_from_iso8601", Transform::EpochMsFromIso8601},
    {"table", Transform::Table},
}};

std::string transformNames() {
    std::string out;
    for (const auto& [name, transform] : kTransforms) {
        if (!out.empty())
            out += ", ";
        out += name;
    }
    return out;
}

// One piece of a template: literal text, or a pointer whose value is written.
struct TemplatePart {
    std::string literal;
    std::optional<Pointer> pointer;
};

struct Member; // an object spec's field: a name and its value spec

struct ValueSpec {
    enum class Kind { Pointer, Const, Template, First, Object, Array };
    Kind kind = Kind::Const;
    Pointer pointer;                 // Pointer
    json constant;                   // Const
    std::vector<TemplatePart> parts; // Template
    std::vector<ValueSpec> items;    // First, Array
    std::vector<Member> members;     // Object
    std::vector<Transform> transforms;
    std::unordered_map<std::string, json> table;
    std::string tableKeys;        // "a", "b" and 3 more: for reasons
    std::optional<json> fallback; // "default"
    bool optional = false;
};

struct Member {
    std::string name;
    ValueSpec spec;
};

struct Condition {
    Pointer pointer;
    std::optional<json> eq;
    std::optional<json> ne;
    std::optional<std::vector<json>> in;
    std::optional<std::vector<json>> notIn;
    std::optional<bool> exists;
    std::optional<std::string> prefix;
    std::optional<Pointer> equalsPointer;
};

struct Rule {
    std::string name;
    std::vector<Condition> when;
    bool ignore = false;
    std::string eventType;
    int schemaVersion = 1;
    std::string entityKind;
    ValueSpec entityId;
    std::optional<ValueSpec> entityVersion;
    std::optional<ValueSpec> occurredAt;
    std::optional<ValueSpec> correlationId;
    std::optional<ValueSpec> payloadFrom;
    std::vector<Member> payload;
};

} // namespace

class Ruleset {
public:
    std::string origin;
    std::string kind;
    std::string description;
    std::vector<Rule> rules;
};

namespace {

// ---------------------------------------------------------------------------
// Reading a ruleset file

class RulesetReader {
public:
    explicit RulesetReader(std::string_view origin) : origin_(origin) {}

    // "hubspot.json: /rules/3/entity: missing \"id\" ..."; path "" is the file as a whole.
    [[noreturn]] void fail(std::string_view path, const std::string& message) const {
        throw std::invalid_argument(origin_ + ": " +
                                    (path.empty() ? message : std::string(path) + ": " + message));
    }

    void onlyKeys(const json& object, std::string_view path,
                  std::initializer_list<std::string_view> allowed) const {
        for (const auto& [key, value] : object.items()) {
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
                std::string names;
                for (std::string_view name : allowed) {
                    if (!names.empty())
                        names += ", ";
                    names += name;
                }
                fail(jsonpath::append(path, key), "unknown key; expected one of " + names);
            }
        }
    }

    const json& object(const json& value, std::string_view path) const {
        if (!value.is_object())
            fail(path, "expected an object, got " + jsonpath::describeValue(value));
        return value;
    }

    std::string text(const json& value, std::string_view path) const {
        if (!value.is_string() || value.get_ref<const std::string&>().empty())
            fail(path, "expected a non-empty string, got " + jsonpath::describeValue(value));
        return value.get<std::string>();
    }

    Pointer pointer(const json& value, std::string_view path) const {
        if (!value.is_string())
            fail(path, "expected a JSON Pointer such as \"/objectId\", got " +
                           jsonpath::describeValue(value));
        return pointerFrom(value.get<std::string>(), path);
    }

    Pointer pointerFrom(const std::string& text, std::string_view path) const {
        if (text.empty())
            fail(path, "the pointer \"\" names the whole item; a rule reads one field, such as "
                       "\"/objectId\"");
        try {
            (void)json::json_pointer(text); // nlohmann's own check of the syntax
        } catch (const json::exception&) {
            fail(path, jsonpath::quote(text) + " is not a JSON Pointer (RFC 6901): it must start "
                                               "with '/', and '~' may only be followed by 0 or 1");
        }
        Pointer out;
        out.text = text;
        out.tokens = jsonpath::split(text);
        for (const std::string& token : out.tokens) {
            std::size_t index = 0;
            const bool digits = !token.empty() && (token == "0" || token.front() != '0') &&
                                std::all_of(token.begin(), token.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
            const auto [end, error] =
                std::from_chars(token.data(), token.data() + token.size(), index);
            out.indices.push_back(digits && error == std::errc() ? std::optional(index)
                                                                 : std::nullopt);
        }
        return out;
    }

    ValueSpec valueSpec(const json& value, const std::string& path) const {
        if (!value.is_object())
            fail(path, "expected a value spec (an object with one of pointer, const, template, "
                       "first, object, array), got " +
                           jsonpath::describeValue(value));
        static constexpr std::array<std::string_view, 6> kKinds = {"pointer", "const",  "template",
                                                                   "first",   "object", "array"};
        std::vector<std::string_view> kinds;
        for (std::string_view kind : kKinds) {
            if (value.contains(kind))
                kinds.push_back(kind);
        }
        if (kinds.size() != 1) {
            fail(path, kinds.empty()
                           ? std::string("a value spec needs one of pointer, const, template, "
                                         "first, object, array")
                           : "a value spec has exactly one of pointer, const, template, first, "
                             "object, array; this one has " +
                                 std::string(kinds[0]) + " and " + std::string(kinds[1]));
        }
        const std::string_view kind = kinds.front();
        ValueSpec spec;
        if (kind == "const") {
            onlyKeys(value, path, {"const"});
            spec.kind = ValueSpec::Kind::Const;
            spec.constant = value["const"];
            return spec;
        }
        onlyKeys(value, path, {kind, "transform", "table", "default", "optional"});
        const std::string at = jsonpath::append(path, kind);
        const json& body = value[std::string(kind)];
        if (kind == "pointer") {
            spec.kind = ValueSpec::Kind::Pointer;
            spec.pointer = pointer(body, at);
        } else if (kind == "template") {
            spec.kind = ValueSpec::Kind::Template;
            spec.parts = templateParts(body, at);
        } else if (kind == "first" || kind == "array") {
            spec.kind = kind == "first" ? ValueSpec::Kind::First : ValueSpec::Kind::Array;
            if (!body.is_array() || (kind == "first" && body.empty()))
                fail(at, std::string(kind == "first" ? "expected a non-empty array"
                                                     : "expected an array") +
                             " of value specs, got " + jsonpath::describeValue(body));
            for (std::size_t i = 0; i < body.size(); ++i)
                spec.items.push_back(valueSpec(body[i], jsonpath::append(at, i)));
        } else { // object
            spec.kind = ValueSpec::Kind::Object;
            spec.members = members(body, at);
        }
        if (value.contains("transform"))
            spec.transforms = transforms(value["transform"], jsonpath::append(path, "transform"));
        const bool usesTable = std::find(spec.transforms.begin(), spec.transforms.end(),
                                         Transform::Table) != spec.transforms.end();
        if (value.contains("table")) {
            const std::string tablePath = jsonpath::append(path, "table");
            if (!usesTable)
                fail(tablePath, "a table is only read by the \"table\" transform, which this "
                                "value spec does not name");
            const json& table = value["table"];
            if (!table.is_object() || table.empty())
                fail(tablePath, "expected a non-empty object from vendor values to ours, got " +
                                    jsonpath::describeValue(table));
            std::size_t listed = 0;
            for (const auto& [from, to] : table.items()) {
                spec.table.emplace(from, to);
                if (listed < 6) {
                    if (listed > 0)
                        spec.tableKeys += ", ";
                    spec.tableKeys += jsonpath::quote(from);
                }
                ++listed;
            }
            if (listed > 6)
                spec.tableKeys += " and " + std::to_string(listed - 6) + " more";
        } else if (usesTable) {
            fail(jsonpath::append(path, "transform"),
                 "the \"table\" transform needs a \"table\" beside it: {\"vendor value\": "
                 "\"ours\", ...}");
        }
        if (value.contains("default"))
            spec.fallback = value["default"];
        if (value.contains("optional")) {
            if (!value["optional"].is_boolean())
                fail(jsonpath::append(path, "optional"),
                     "expected true or false, got " + jsonpath::describeValue(value["optional"]));
            spec.optional = value["optional"].get<bool>();
        }
        return spec;
    }

    std::vector<Transform> transforms(const json& value, const std::string& path) const {
        std::vector<Transform> out;
        const auto one = [&](const json& name, const std::string& at) {
            if (!name.is_string())
                fail(at, "expected a transform name, got " + jsonpath::describeValue(name));
            const std::string& text = name.get_ref<const std::string&>();
            for (const auto& [known, transform] : kTransforms) {
                if (known == text) {
                    out.push_back(transform);
                    return;
                }
            }
            fail(at, "unknown transform '" + text + "'; expected one of " + transformNames());
        };
        if (value.is_array()) {
            if (value.empty())
                fail(path, "expected a transform name or a non-empty array of them, got []");
            for (std::size_t i = 0; i < value.size(); ++i)
                one(value[i], jsonpath::append(path, i));
        } else {
            one(value, path);
        }
        return out;
    }

    std::vector<TemplatePart> templateParts(const json& value, const std::string& path) const {
        if (!value.is_string())
            fail(path, "expected a template string such as \"hubspot-{/objectId}\", got " +
                           jsonpath::describeValue(value));
        const std::string& text = value.get_ref<const std::string&>();
        std::vector<TemplatePart> parts;
        std::string literal;
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (c == '}') {
                if (i + 1 < text.size() && text[i + 1] == '}') {
                    literal += '}';
                    ++i;
                    continue;
                }
                fail(path, "a lone '}' at character " + std::to_string(i) +
                               "; write '}}' for the character itself");
            }
            if (c != '{') {
                literal += c;
                continue;
            }
            if (i + 1 < text.size() && text[i + 1] == '{') {
                literal += '{';
                ++i;
                continue;
            }
            const std::size_t close = text.find('}', i + 1);
            if (close == std::string::npos)
                fail(path, "the '{' at character " + std::to_string(i) + " is never closed");
            if (!literal.empty())
                parts.push_back({std::move(literal), std::nullopt});
            literal.clear();
            parts.push_back({{}, pointerFrom(text.substr(i + 1, close - i - 1), path)});
            i = close;
        }
        if (!literal.empty())
            parts.push_back({std::move(literal), std::nullopt});
        return parts;
    }

    std::vector<Member> members(const json& value, const std::string& path) const {
        if (!value.is_object())
            fail(path, "expected an object of field names to value specs, got " +
                           jsonpath::describeValue(value));
        std::vector<Member> out;
        for (const auto& [name, spec] : value.items())
            out.push_back({name, valueSpec(spec, jsonpath::append(path, name))});
        return out;
    }

    std::vector<json> list(const json& value, const std::string& path) const {
        if (!value.is_array() || value.empty())
            fail(path,
                 "expected a non-empty array of values, got " + jsonpath::describeValue(value));
        return value.get<std::vector<json>>();
    }

    Condition condition(const std::string& key, const json& value, const std::string& path) const {
        Condition out;
        out.pointer = pointerFrom(key, path);
        if (!value.is_object()) {
            out.eq = value;
            return out;
        }
        onlyKeys(value, path, {"eq", "ne", "in", "not_in", "exists", "prefix", "equals_pointer"});
        if (value.empty())
            fail(path, "expected a value to equal, or an object of tests (eq, ne, in, not_in, "
                       "exists, prefix, equals_pointer), got an empty object");
        if (value.contains("eq"))
            out.eq = value["eq"];
        if (value.contains("ne"))
            out.ne = value["ne"];
        if (value.contains("in"))
            out.in = list(value["in"], jsonpath::append(path, "in"));
        if (value.contains("not_in"))
            out.notIn = list(value["not_in"], jsonpath::append(path, "not_in"));
        if (value.contains("exists")) {
            if (!value["exists"].is_boolean())
                fail(jsonpath::append(path, "exists"),
                     "expected true or false, got " + jsonpath::describeValue(value["exists"]));
            out.exists = value["exists"].get<bool>();
        }
        if (value.contains("prefix")) {
            if (!value["prefix"].is_string())
                fail(jsonpath::append(path, "prefix"),
                     "expected a string, got " + jsonpath::describeValue(value["prefix"]));
            out.prefix = value["prefix"].get<std::string>();
        }
        if (value.contains("equals_pointer"))
            out.equalsPointer =
                pointer(value["equals_pointer"], jsonpath::append(path, "equals_pointer"));
        return out;
    }

    Rule rule(const json& value, const std::string& path) const {
        object(value, path);
        Rule out;
        if (!value.contains("name"))
            fail(path, "missing \"name\"; every rule has a name, used in reasons and counts");
        out.name = text(value["name"], jsonpath::append(path, "name"));
        if (!value.contains("when"))
            fail(path,
                 "rule '" + out.name +
                     "' has no \"when\"; write \"when\": {} for a rule that matches every item");
        const std::string whenPath = jsonpath::append(path, "when");
        for (const auto& [key, test] : object(value["when"], whenPath).items())
            out.when.push_back(condition(key, test, jsonpath::append(whenPath, key)));
        if (value.contains("description") && !value["description"].is_string())
            fail(jsonpath::append(path, "description"),
                 "expected a string, got " + jsonpath::describeValue(value["description"]));

        if (value.contains("ignore")) {
            const json& ignore = value["ignore"];
            if (ignore != json(true))
                fail(jsonpath::append(path, "ignore"),
                     "expected true (leave the key out for a rule that maps), got " +
                         jsonpath::describeValue(ignore));
            onlyKeys(value, path, {"name", "description", "when", "ignore"});
            out.ignore = true;
            return out;
        }
        onlyKeys(value, path,
                 {"name", "description", "when", "ignore", "event_type", "schema_version", "entity",
                  "occurred_at", "correlation_id", "payload", "payload_from"});
        if (!value.contains("event_type"))
            fail(path, "rule '" + out.name +
                           "' has neither \"event_type\" nor \"ignore\": true; a rule maps to an "
                           "event type or ignores the item");
        const std::string typePath = jsonpath::append(path, "event_type");
        out.eventType = text(value["event_type"], typePath);
        if (!detail::isEventTypeName(out.eventType))
            fail(typePath,
                 "expected an event type name in PascalCase such as \"LeadQualified\", got " +
                     jsonpath::describeValue(value["event_type"]));
        if (value.contains("schema_version")) {
            const json& version = value["schema_version"];
            if (!version.is_number_integer() || version.get<std::int64_t>() < 1 ||
                version.get<std::int64_t>() > std::numeric_limits<int>::max())
                fail(jsonpath::append(path, "schema_version"),
                     "expected an integer >= 1, got " + jsonpath::describeValue(version));
            out.schemaVersion = version.get<int>();
        }

        const std::string entityPath = jsonpath::append(path, "entity");
        if (!value.contains("entity"))
            fail(path, "rule '" + out.name + "' has no \"entity\": {\"kind\": ..., \"id\": ...}");
        const json& entity = object(value["entity"], entityPath);
        onlyKeys(entity, entityPath, {"kind", "id", "version"});
        if (!entity.contains("kind"))
            fail(entityPath, "missing \"kind\", an entity kind such as \"lead\"");
        out.entityKind = text(entity["kind"], jsonpath::append(entityPath, "kind"));
        if (!detail::isEntityKind(out.entityKind))
            fail(jsonpath::append(entityPath, "kind"),
                 "expected an entity kind (a letter, then letters, digits, '_' or '-') such as "
                 "\"lead\", got " +
                     jsonpath::describeValue(entity["kind"]));
        if (!entity.contains("id"))
            fail(entityPath, "missing \"id\", a value spec such as {\"pointer\": \"/objectId\"}");
        out.entityId = valueSpec(entity["id"], jsonpath::append(entityPath, "id"));
        if (entity.contains("version"))
            out.entityVersion =
                valueSpec(entity["version"], jsonpath::append(entityPath, "version"));

        if (value.contains("occurred_at"))
            out.occurredAt = valueSpec(value["occurred_at"], jsonpath::append(path, "occurred_at"));
        if (value.contains("correlation_id"))
            out.correlationId =
                valueSpec(value["correlation_id"], jsonpath::append(path, "correlation_id"));
        if (value.contains("payload_from"))
            out.payloadFrom =
                valueSpec(value["payload_from"], jsonpath::append(path, "payload_from"));
        if (!value.contains("payload") && !out.payloadFrom)
            fail(path,
                 "rule '" + out.name + "' has no \"payload\": {\"field\": <value spec>, ...}");
        if (value.contains("payload"))
            out.payload = members(value["payload"], jsonpath::append(path, "payload"));
        return out;
    }

    std::shared_ptr<Ruleset> ruleset(std::string_view text) const {
        json doc;
        std::string error;
        if (!json_input::parse(text, doc, error))
            throw std::invalid_argument(json_input::about(origin_, error));
        object(doc, "");
        onlyKeys(doc, "", {"kind", "description", "rules", "$comment"});
        auto out = std::make_shared<Ruleset>();
        out->origin = origin_;
        if (doc.contains("kind"))
            out->kind = this->text(doc["kind"], "/kind");
        if (doc.contains("description")) {
            if (!doc["description"].is_string())
                fail("/description",
                     "expected a string, got " + jsonpath::describeValue(doc["description"]));
            out->description = doc["description"].get<std::string>();
        }
        if (!doc.contains("rules"))
            fail("", "missing \"rules\", the array of rules tried in order");
        const json& rules = doc["rules"];
        if (!rules.is_array() || rules.empty())
            fail("/rules",
                 "expected a non-empty array of rules, got " + jsonpath::describeValue(rules));
        std::unordered_map<std::string, std::size_t> names;
        for (std::size_t i = 0; i < rules.size(); ++i) {
            const std::string path = jsonpath::append("/rules", i);
            Rule parsed = rule(rules[i], path);
            const auto [it, fresh] = names.emplace(parsed.name, i);
            if (!fresh)
                fail(jsonpath::append(path, "name"), "'" + parsed.name +
                                                         "' is already the name of /rules/" +
                                                         std::to_string(it->second));
            out->rules.push_back(std::move(parsed));
        }
        return out;
    }

private:
    std::string origin_;
};

// ---------------------------------------------------------------------------
// Applying rules

// Loose equality for conditions: numbers by value (1 == 1.0), and a string
// against a number or boolean by what the string says ("100" == 100,
// "true" == true), since Salesforce sends every field as text.
bool looseEqual(const json& a, const json& b);

std::optional<double> numberFromText(std::string_view text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

bool looseEqual(const json& a, const json& b) {
    if (a.is_number() && b.is_number())
        return a == b;
    if (a.is_string() && (b.is_number() || b.is_boolean()))
        return looseEqual(b, a);
    if ((a.is_number() || a.is_boolean()) && b.is_string()) {
        const std::string& text = b.get_ref<const std::string&>();
        if (a.is_boolean())
            return text == (a.get<bool>() ? "true" : "false");
        const auto number = numberFromText(text);
        return number && json(*number) == a;
    }
    return a == b;
}

std::string describeList(const std::vector<json>& values) {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            out += ", ";
        if (i == 6) {
            out += "and " + std::to_string(values.size() - 6) + " more";
            break;
        }
        out += jsonpath::describeValue(values[i]);
    }
    return out;
}

bool present(const json* value) {
    return value && !value->is_null();
}

// Whether the condition holds; when it does not and `why` is given, why not.
bool holds(const Condition& condition, const json& item, std::string* why) {
    const json* value = condition.pointer.resolve(item);
    const std::string& at = condition.pointer.text;
    const auto no = [&](std::string reason) {
        if (why)
            *why = std::move(reason);
        return false;
    };
    const auto is = [&] {
        return value ? at + " is " + jsonpath::describeValue(*value) : at + " is missing";
    };
    if (condition.exists) {
        if (*condition.exists && !present(value))
            return no(value ? at + " is null" : at + " is missing");
        if (!*condition.exists && present(value))
            return no(is() + ", expected it absent");
    }
    if (condition.eq && !(value && looseEqual(*value, *condition.eq)))
        return no(is() + ", not " + jsonpath::describeValue(*condition.eq));
    if (condition.ne && value && looseEqual(*value, *condition.ne))
        return no(is());
    if (condition.in) {
        const bool found =
            value && std::any_of(condition.in->begin(), condition.in->end(),
                                 [&](const json& v) { return looseEqual(*value, v); });
        if (!found)
            return no(is() + ", not one of " + describeList(*condition.in));
    }
    if (condition.notIn && value &&
        std::any_of(condition.notIn->begin(), condition.notIn->end(),
                    [&](const json& v) { return looseEqual(*value, v); }))
        return no(is() + ", one of the excluded " + describeList(*condition.notIn));
    if (condition.prefix && !(value && value->is_string() &&
                              value->get_ref<const std::string&>().starts_with(*condition.prefix)))
        return no(is() + ", which does not start with " + jsonpath::quote(*condition.prefix));
    if (condition.equalsPointer) {
        const json* other = condition.equalsPointer->resolve(item);
        const std::string& otherAt = condition.equalsPointer->text;
        if (!present(value))
            return no(value ? at + " is null" : at + " is missing");
        if (!present(other))
            return no(other ? otherAt + " is null" : otherAt + " is missing");
        if (!looseEqual(*value, *other))
            return no(is() + ", " + otherAt + " is " + jsonpath::describeValue(*other));
    }
    return true;
}

bool matches(const Rule& rule, const json& item) {
    return std::all_of(rule.when.begin(), rule.when.end(),
                       [&](const Condition& c) { return holds(c, item, nullptr); });
}

// A value spec's result: a value, no value (and why, for a required field),
// or an error that fails the item whatever the spec's optional flag says.
struct Value {
    enum class State { Present, Absent, Error };
    State state = State::Absent;
    json value;
    std::string why;
    std::string inside; // where in an object or array spec it went wrong: ".company.name", "[1]"

    static Value of(json v) { return {State::Present, std::move(v), {}, {}}; }
    static Value absent(std::string why) { return {State::Absent, {}, std::move(why), {}}; }
    static Value error(std::string why) { return {State::Error, {}, std::move(why), {}}; }
};

std::optional<std::int64_t> integerOf(const json& value) {
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (value.is_number_integer())
        return value.get<std::int64_t>();
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (d >= -9.0e15 && d <= 9.0e15 && d == std::floor(d))
            return static_cast<std::int64_t>(d);
        return std::nullopt;
    }
    if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        std::int64_t i = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), i);
        if (error == std::errc() && end == text.data() + text.size())
            return i;
        const auto number = numberFromText(text);
        if (number)
            return integerOf(json(*number));
    }
    return std::nullopt;
}

// Epoch milliseconds parseRfc3339 and formatRfc3339 agree on: years 0000-9999.
constexpr std::int64_t kFirstMillis = -62167219200000;
constexpr std::int64_t kLastMillis = 253402300799999;

Value transformed(json value, Transform transform, const ValueSpec& spec) {
    const auto cannot = [&](std::string_view as) {
        return Value::error("cannot read " + jsonpath::describeValue(value) + " as " +
                            std::string(as));
    };
    switch (transform) {
    case Transform::Lowercase:
    case Transform::Uppercase:
    case Transform::Trim: {
        if (!value.is_string())
            return Value::error("expected a string, got " + jsonpath::describeValue(value));
        std::string text = value.get<std::string>();
        if (transform == Transform::Trim) {
            const auto first = text.find_first_not_of(" \t\r\n");
            text = first == std::string::npos
                       ? std::string()
                       : text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
        } else {
            for (char& c : text) {
                if (transform == Transform::Lowercase && c >= 'A' && c <= 'Z')
                    c = static_cast<char>(c - 'A' + 'a');
                else if (transform == Transform::Uppercase && c >= 'a' && c <= 'z')
                    c = static_cast<char>(c - 'a' + 'A');
            }
        }
        return Value::of(std::move(text));
    }
    case Transform::String:
        if (value.is_string())
            return Value::of(std::move(value));
        if (value.is_number() || value.is_boolean())
            return Value::of(value.dump());
        return cannot("a string");
    case Transform::Number: {
        if (value.is_number())
            return Value::of(std::move(value));
        if (!value.is_string())
            return cannot("a number");
        const std::string& text = value.get_ref<const std::string&>();
        std::int64_t i = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), i);
        if (error == std::errc() && end == text.data() + text.size())
            return Value::of(i);
        const auto number = numberFromText(text);
        if (!number)
            return cannot("a number");
        return Value::of(*number);
    }
    case Transform::Integer: {
        if (value.is_boolean())
            return cannot("an integer");
        const auto i = integerOf(value);
        if (!i)
            return cannot("an integer");
        return Value::of(*i);
    }
    case Transform::Boolean: {
        if (value.is_boolean())
            return Value::of(std::move(value));
        if (value.is_string()) {
            std::string text = value.get<std::string>();
            for (char& c : text)
                c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            if (text == "true")
                return Value::of(true);
            if (text == "false")
                return Value::of(false);
        }
        if (value.is_number() && (value == json(0) || value == json(1)))
            return Value::of(value == json(1));
        return cannot("a boolean");
    }
    case Transform::Iso8601:
    case Transform::EpochMsFromIso8601: {
        const auto instant =
            value.is_string() ? parseRfc3339(value.get_ref<const std::string&>()) : std::nullopt;
        if (!instant)
            return Value::error(
                "expected an RFC 3339 date-time such as \"2026-11-27T09:14:03.120Z\", got " +
                jsonpath::describeValue(value));
        if (transform == Transform::Iso8601)
            return Value::of(formatRfc3339(*instant));
        return Value::of(toUnixMillis(*instant));
    }
    case Transform::Iso8601FromEpochMs: {
        const auto ms = value.is_boolean() ? std::nullopt : integerOf(value);
        if (!ms || *ms < kFirstMillis || *ms > kLastMillis)
            return Value::error("expected milliseconds since 1970 (an integer), got " +
                                jsonpath::describeValue(value));
        return Value::of(formatRfc3339(fromUnixMillis(*ms)));
    }
    case Transform::Table: {
        std::string key;
        if (value.is_string())
            key = value.get<std::string>();
        else if (value.is_number() || value.is_boolean())
            key = value.dump();
        else
            return Value::error("expected text to look up in the table, got " +
                                jsonpath::describeValue(value));
        const auto it = spec.table.find(key);
        if (it == spec.table.end())
            return Value::absent(jsonpath::describeValue(value) + " is not in the table (" +
                                 spec.tableKeys + ")");
        return Value::of(it->second);
    }
    }
    return Value::error("unknown transform");
}

Value evaluate(const ValueSpec& spec, const json& item);

Value raw(const ValueSpec& spec, const json& item) {
    switch (spec.kind) {
    case ValueSpec::Kind::Const:
        return Value::of(spec.constant);
    case ValueSpec::Kind::Pointer: {
        const json* value = spec.pointer.resolve(item);
        if (!value)
            return Value::absent(spec.pointer.text + " is missing");
        if (value->is_null())
            return Value::absent(spec.pointer.text + " is null");
        return Value::of(*value);
    }
    case ValueSpec::Kind::Template: {
        std::string out;
        for (const TemplatePart& part : spec.parts) {
            if (!part.pointer) {
                out += part.literal;
                continue;
            }
            const json* value = part.pointer->resolve(item);
            if (!value)
                return Value::absent(part.pointer->text + " is missing");
            if (value->is_null())
                return Value::absent(part.pointer->text + " is null");
            if (value->is_string())
                out += value->get_ref<const std::string&>();
            else if (value->is_number() || value->is_boolean())
                out += value->dump();
            else
                return Value::error(part.pointer->text + " is " + jsonpath::describeValue(*value) +
                                    ", which a template cannot write as text");
        }
        return Value::of(std::move(out));
    }
    case ValueSpec::Kind::First: {
        std::string whys;
        for (const ValueSpec& candidate : spec.items) {
            Value value = evaluate(candidate, item);
            if (value.state != Value::State::Absent)
                return value;
            if (!whys.empty())
                whys += " and ";
            whys += value.why;
        }
        return Value::absent(std::move(whys));
    }
    case ValueSpec::Kind::Object: {
        json out = json::object();
        for (const auto& [name, member] : spec.members) {
            Value value = evaluate(member, item);
            if (value.state == Value::State::Present) {
                out[name] = std::move(value.value);
            } else if (value.state == Value::State::Error || !member.optional) {
                value.state = Value::State::Error;
                value.inside = "." + name + value.inside;
                return value;
            }
        }
        if (out.empty() && spec.optional)
            return Value::absent("every field of the object is absent");
        return Value::of(std::move(out));
    }
    case ValueSpec::Kind::Array: {
        json out = json::array();
        for (std::size_t i = 0; i < spec.items.size(); ++i) {
            Value value = evaluate(spec.items[i], item);
            if (value.state == Value::State::Present) {
                out.push_back(std::move(value.value));
            } else if (value.state == Value::State::Error || !spec.items[i].optional) {
                value.state = Value::State::Error;
                value.inside = "[" + std::to_string(i) + "]" + value.inside;
                return value;
            }
        }
        if (out.empty() && spec.optional)
            return Value::absent("every element of the array is absent");
        return Value::of(std::move(out));
    }
    }
    return Value::error("unknown value spec");
}

Value evaluate(const ValueSpec& spec, const json& item) {
    Value value = raw(spec, item);
    for (Transform transform : spec.transforms) {
        if (value.state != Value::State::Present)
            break;
        value = transformed(std::move(value.value), transform, spec);
    }
    if (value.state == Value::State::Absent && spec.fallback)
        return Value::of(*spec.fallback);
    return value;
}

// The text of an id: strings as they are, numbers written out (HubSpot's
// objectId is a number; entity ids and correlation ids are strings).
std::optional<std::string> idText(const json& value) {
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_number_integer() || value.is_number_unsigned())
        return value.dump();
    return std::nullopt;
}

struct MapFailure {
    std::string reason;
};

// The value of a spec a rule needs, or a MapFailure naming the field.
json required(const ValueSpec& spec, const json& item, std::string_view field) {
    Value value = evaluate(spec, item);
    if (value.state != Value::State::Present)
        throw MapFailure{std::string(field) + value.inside + ": " + value.why};
    return std::move(value.value);
}

// The value of a spec, or nullopt when it is absent and may be (an optional
// spec, or one the rule falls back from); errors still fail.
std::optional<json> optionalValue(const ValueSpec& spec, const json& item, std::string_view field,
                                  bool fallbackAllowed) {
    Value value = evaluate(spec, item);
    if (value.state == Value::State::Present)
        return std::move(value.value);
    if (value.state == Value::State::Absent && (spec.optional || fallbackAllowed))
        return std::nullopt;
    throw MapFailure{std::string(field) + value.inside + ": " + value.why};
}

std::string idField(const json& value, std::string_view field) {
    const auto text = idText(value);
    if (!text)
        throw MapFailure{std::string(field) + ": expected a string or an integer, got " +
                         jsonpath::describeValue(value)};
    if (text->empty())
        throw MapFailure{std::string(field) + ": is empty"};
    if (text->size() > kMaxIdLength)
        throw MapFailure{std::string(field) + ": " + std::to_string(text->size()) +
                         " characters; at most " + std::to_string(kMaxIdLength) + " are allowed"};
    return *text;
}

// The event, with its payload both as text (event.payload) and as the
// document it was written from (*payloadOut, when given).
Event mapItem(const Rule& rule, const json& item, const Context& context, json* payloadOut) {
    if (context.vendorEventId.empty())
        throw MapFailure{"the item has no vendor event id, so no event_id can be derived from it"};
    Event event;
    event.eventId = hookEventId(context.source, context.vendorEventId);
    event.eventType = rule.eventType;
    event.schemaVersion = rule.schemaVersion;
    event.producer = context.producer;
    event.tenantId = context.tenant;

    event.entity.kind = rule.entityKind;
    event.entity.id = idField(required(rule.entityId, item, "entity.id"), "entity.id");
    if (rule.entityVersion) {
        if (auto version = optionalValue(*rule.entityVersion, item, "entity.version", false)) {
            const auto number = version->is_boolean() ? std::nullopt : integerOf(*version);
            if (version->is_string() || !number || *number < 0)
                throw MapFailure{"entity.version: expected an integer >= 0 (the vendor's clock or "
                                 "counter), got " +
                                 jsonpath::describeValue(*version)};
            event.entity.version = *number;
        }
    }

    event.occurredAt = context.receivedAt;
    if (rule.occurredAt) {
        if (auto at = optionalValue(*rule.occurredAt, item, "occurred_at", true)) {
            std::optional<Timestamp> instant;
            if (at->is_string())
                instant = parseRfc3339(at->get_ref<const std::string&>());
            else if (const auto ms = at->is_number() ? integerOf(*at) : std::nullopt;
                     ms && *ms >= kFirstMillis && *ms <= kLastMillis)
                instant = fromUnixMillis(*ms);
            if (!instant)
                throw MapFailure{"occurred_at: expected an RFC 3339 date-time or milliseconds "
                                 "since 1970, got " +
                                 jsonpath::describeValue(*at)};
            event.occurredAt = *instant;
        }
    }

    event.correlationId = event.entity.key();
    if (rule.correlationId) {
        if (auto id = optionalValue(*rule.correlationId, item, "correlation_id", true))
            event.correlationId = idField(*id, "correlation_id");
    }
    if (event.correlationId.size() > kMaxIdLength)
        throw MapFailure{"correlation_id: " + std::to_string(event.correlationId.size()) +
                         " characters; at most " + std::to_string(kMaxIdLength) + " are allowed"};

    json payload = json::object();
    if (rule.payloadFrom) {
        if (auto base = optionalValue(*rule.payloadFrom, item, "payload_from", false)) {
            if (!base->is_object())
                throw MapFailure{"payload_from: expected an object, got " +
                                 jsonpath::describeValue(*base)};
            payload = std::move(*base);
        }
    }
    for (const auto& [name, spec] : rule.payload) {
        const std::string field = "payload." + name;
        if (auto value = optionalValue(spec, item, field, false))
            payload[name] = std::move(*value);
    }
    try {
        event.payload = payload.dump();
    } catch (const json::type_error&) {
        throw MapFailure{"the mapped payload holds text that is not UTF-8"};
    }
    if (payloadOut)
        *payloadOut = std::move(payload);
    return event;
}

std::string nearestMiss(const Ruleset& rules, const json& item) {
    const Rule* nearest = nullptr;
    std::size_t bestHeld = 0;
    std::string why;
    for (const Rule& rule : rules.rules) {
        std::size_t held = 0;
        std::string firstMiss;
        for (const Condition& condition : rule.when) {
            std::string miss;
            if (holds(condition, item, &miss)) {
                // A test that holds because the field is absent (ne, not_in,
                // exists false) says nothing about how near the item came.
                if (present(condition.pointer.resolve(item)))
                    ++held;
            } else if (firstMiss.empty()) {
                firstMiss = std::move(miss);
            }
        }
        if (!nearest || held > bestHeld) {
            nearest = &rule;
            bestHeld = held;
            why = std::move(firstMiss);
        }
    }
    if (!nearest)
        return {};
    return "; nearest is rule '" + nearest->name + "': " + why;
}

} // namespace

RulesetPtr parseRuleset(std::string_view text, std::string_view origin) {
    return RulesetReader(origin).ruleset(text);
}

Outcome apply(const Ruleset& rules, const nlohmann::json& item, const Context& context,
              nlohmann::json* payload) {
    Outcome outcome;
    for (const Rule& rule : rules.rules) {
        if (!matches(rule, item))
            continue;
        outcome.rule = rule.name;
        if (rule.ignore) {
            outcome.kind = Outcome::Kind::Ignored;
            return outcome;
        }
        try {
            outcome.event = mapItem(rule, item, context, payload);
            outcome.kind = Outcome::Kind::Mapped;
        } catch (const MapFailure& failure) {
            outcome.kind = Outcome::Kind::Failed;
            outcome.reason = "rule '" + rule.name + "': " + failure.reason;
        }
        return outcome;
    }
    outcome.kind = Outcome::Kind::NoMatch;
    outcome.reason =
        "no rule of " + rules.origin + " matches" +
        (item.is_object() ? nearestMiss(rules, item)
                          : " an item that is " + jsonpath::describeType(item) + ", not an object");
    return outcome;
}

std::vector<std::string> ruleNames(const Ruleset& rules) {
    std::vector<std::string> names;
    names.reserve(rules.rules.size());
    for (const Rule& rule : rules.rules)
        names.push_back(rule.name);
    return names;
}

std::string hookEventId(std::string_view source, std::string_view vendorEventId) {
    std::string name;
    name.reserve(source.size() + 1 + vendorEventId.size());
    name.append(source);
    name += '\n';
    name.append(vendorEventId);
    return uuidV5(kHookNamespace, name);
}

} // namespace meshdeck::mapping
