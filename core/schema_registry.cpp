#include "core/schema_registry.h"

#include "core/cloudevents.h"
#include "core/envelope_json.h"
#include "core/json_input.h"
#include "core/json_path.h"
#include "core/schema_validation.h"

#include <algorithm>
#include <stdexcept>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace meshdeck {

using nlohmann::json;

namespace {

struct SchemaEntry {
    SchemaInfo info;
    json document;
    valijson::Schema compiled;
};

std::string joinedVersions(const std::vector<std::unique_ptr<SchemaEntry>>& entries) {
    std::string out;
    for (const auto& entry : entries) {
        if (!out.empty())
            out += ", ";
        out += std::to_string(entry->info.version);
    }
    return out;
}

// In the schema's own member order, so the list reads like the schema.
void collectPiiPaths(const nlohmann::ordered_json& schema, const std::string& base,
                     std::vector<std::string>& out) {
    const auto properties = schema.find("properties");
    if (properties == schema.end() || !properties->is_object())
        return;
    for (const auto& [name, property] : properties->items()) {
        if (!property.is_object())
            continue;
        const std::string path = jsonpath::append(base, name);
        if (property.value("x-pii", false) == true)
            out.push_back(path);
        collectPiiPaths(property, path, out);
    }
}

std::string stringMember(const json& object, const char* name) {
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The subschema that governs the value at `tokens`, following properties,
// items and additionalProperties; nullptr when the schema does not say.
const json* subschemaAt(const json& schema, const std::vector<std::string>& tokens) {
    const json* node = &schema;
    for (const std::string& token : tokens) {
        if (!node->is_object())
            return nullptr;
        const auto properties = node->find("properties");
        if (properties != node->end() && properties->is_object() && properties->contains(token)) {
            node = &(*properties)[token];
            continue;
        }
        const auto items = node->find("items");
        if (items != node->end() && items->is_object() && !token.empty() &&
            std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            node = &*items;
            continue;
        }
        const auto additional = node->find("additionalProperties");
        if (additional != node->end() && additional->is_object()) {
            node = &*additional;
            continue;
        }
        return nullptr;
    }
    return node;
}

const json* valueAt(const json& document, const std::vector<std::string>& tokens) {
    const json* node = &document;
    for (const std::string& token : tokens) {
        if (node->is_object()) {
            const auto it = node->find(token);
            if (it == node->end())
                return nullptr;
            node = &*it;
        } else if (node->is_array()) {
            std::size_t index = 0;
            try {
                index = std::stoul(token);
            } catch (const std::exception&) {
                return nullptr;
            }
            if (index >= node->size())
                return nullptr;
            node = &(*node)[index];
        } else {
            return nullptr;
        }
    }
    return node;
}

std::string typeWord(const std::string& type) {
    if (type == "integer" || type == "object" || type == "array")
        return "an " + type;
    if (type == "null")
        return "null";
    return "a " + type;
}

// "a string", "an integer or null", or "" when the schema names no type.
std::string expectedTypes(const json* schema) {
    if (!schema || !schema->is_object() || !schema->contains("type"))
        return {};
    const json& type = (*schema)["type"];
    if (type.is_string())
        return typeWord(type.get<std::string>());
    std::string out;
    if (type.is_array()) {
        for (std::size_t i = 0; i < type.size(); ++i) {
            if (!type[i].is_string())
                continue;
            if (!out.empty())
                out += i + 1 == type.size() ? " or " : ", ";
            out += typeWord(type[i].get<std::string>());
        }
    }
    return out;
}

std::string memberText(const json* schema, const char* name) {
    if (!schema || !schema->is_object() || !schema->contains(name))
        return "?";
    return (*schema)[name].dump();
}

std::string quotedName(std::string_view description) {
    const auto open = description.find('\'');
    const auto close = description.rfind('\'');
    if (open == std::string_view::npos || close <= open)
        return {};
    return std::string(description.substr(open + 1, close - open - 1));
}

// valijson reports a failing nested value twice: once where it fails and once
// more for every enclosing property or item. Only the first is news.
bool isSummaryError(std::string_view description) {
    return description.starts_with("Failed to validate against schema associated with") ||
           description.starts_with("Failed to validate item #") ||
           description.starts_with("Failed to validate against additional properties schema") ||
           description.starts_with("Failed to validate against child schema #");
}

// One valijson error as a violation a producer can act on.
Violation toViolation(const valijson::ValidationResults::Error& error, const json& schema,
                      const json& payload, std::string_view payloadPath) {
    std::vector<std::string> tokens;
    std::string path(payloadPath);
    // valijson's context reads ["<root>", "[lead]", "[0]"].
    for (std::size_t i = 1; i < error.context.size(); ++i) {
        std::string_view element = error.context[i];
        if (element.size() >= 2 && element.front() == '[' && element.back() == ']')
            element = element.substr(1, element.size() - 2);
        tokens.emplace_back(element);
        path = jsonpath::append(path, element);
    }
    const std::string_view description = error.description;
    const json* value = valueAt(payload, tokens);
    const json* rule = subschemaAt(schema, tokens);
    const std::string got = value ? ", got " + jsonpath::describeValue(*value) : std::string();

    if (description.starts_with("Missing required property")) {
        const std::string name = quotedName(description);
        tokens.push_back(name);
        const std::string expected = expectedTypes(subschemaAt(schema, tokens));
        return {jsonpath::append(path, name),
                "required property is missing" +
                    (expected.empty() ? std::string() : "; expected " + expected)};
    }
    if (description.starts_with("Object contains a property that could not be validated")) {
        return {jsonpath::append(path, quotedName(description)),
                "unknown property; the schema does not allow additional properties"};
    }
    if (description.starts_with("Value type not permitted")) {
        const std::string expected = expectedTypes(rule);
        return {path, "expected " + (expected.empty() ? "another type" : expected) + got};
    }
    if (description.starts_with("Failed to match against any enum values")) {
        std::string values;
        if (rule && rule->contains("enum") && (*rule)["enum"].is_array()) {
            for (const json& allowed : (*rule)["enum"]) {
                if (!values.empty())
                    values += ", ";
                values += allowed.dump();
            }
        }
        return {path, "expected one of " + values + got};
    }
    if (description.starts_with("Expected number less than or equal to"))
        return {path, "expected a number <= " + memberText(rule, "maximum") + got};
    if (description.starts_with("Expected number less than"))
        return {path, "expected a number < " + memberText(rule, "exclusiveMaximum") + got};
    if (description.starts_with("Expected number greater than or equal to"))
        return {path, "expected a number >= " + memberText(rule, "minimum") + got};
    if (description.starts_with("Expected number greater than"))
        return {path, "expected a number > " + memberText(rule, "exclusiveMinimum") + got};
    if (description.starts_with("String should be no more than"))
        return {path, "expected at most " + memberText(rule, "maxLength") + " characters" + got};
    if (description.starts_with("String should be no fewer than"))
        return {path, "expected at least " + memberText(rule, "minLength") + " characters" + got};
    if (description.starts_with("Failed to match regex"))
        return {path,
                "expected a string matching the pattern " + memberText(rule, "pattern") + got};

    std::string message(description);
    if (!message.empty() && message.back() == '.')
        message.pop_back();
    if (!message.empty())
        message.front() =
            static_cast<char>(std::tolower(static_cast<unsigned char>(message.front())));
    return {path, message + got};
}

// "/3/payload" + "/event_type" -> "/3/event_type": an envelope field of the
// same event as the payload, so batch positions carry over.
std::string envelopePath(std::string_view payloadPath, std::string_view field) {
    constexpr std::string_view kPayload = "/payload";
    const std::string_view event = payloadPath.ends_with(kPayload)
                                       ? payloadPath.substr(0, payloadPath.size() - kPayload.size())
                                       : std::string_view();
    return std::string(event) + std::string(field);
}

} // namespace

std::string_view toString(Compatibility c) {
    switch (c) {
    case Compatibility::Backward:
        return "backward";
    case Compatibility::Forward:
        return "forward";
    case Compatibility::Full:
        return "full";
    case Compatibility::None:
        return "none";
    }
    return "none";
}

std::optional<Compatibility> parseCompatibility(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (Compatibility c : {Compatibility::Backward, Compatibility::Forward, Compatibility::Full,
                            Compatibility::None}) {
        if (lower == toString(c))
            return c;
    }
    return std::nullopt;
}

struct SchemaRegistry::Impl {
    std::map<std::string, std::vector<std::unique_ptr<SchemaEntry>>, std::less<>> types;

    const std::vector<std::unique_ptr<SchemaEntry>>* entries(std::string_view eventType) const {
        const auto it = types.find(eventType);
        return it == types.end() ? nullptr : &it->second;
    }

    const SchemaEntry* entry(std::string_view eventType, int version) const {
        if (const auto* list = entries(eventType)) {
            for (const auto& candidate : *list) {
                if (candidate->info.version == version)
                    return candidate.get();
            }
        }
        return nullptr;
    }
};

SchemaRegistry::SchemaRegistry() : impl_(std::make_unique<Impl>()) {}
SchemaRegistry::~SchemaRegistry() = default;
SchemaRegistry::SchemaRegistry(SchemaRegistry&&) noexcept = default;
SchemaRegistry& SchemaRegistry::operator=(SchemaRegistry&&) noexcept = default;

Violations SchemaRegistry::add(std::string_view eventType, int version, std::string_view schemaJson,
                               Compatibility mode) {
    const std::string type(eventType);
    if (!detail::isEventTypeName(eventType))
        return {{"", "expected an event type name in PascalCase (letters and digits, at most " +
                         std::to_string(kMaxEventTypeLength) +
                         " characters) such as \"LeadQualified\", got " + jsonpath::quote(type)}};

    const auto* existing = impl_->entries(eventType);
    const int expectedVersion =
        existing && !existing->empty() ? existing->back()->info.version + 1 : 1;
    if (version != expectedVersion)
        return {{"", "cannot add version " + std::to_string(version) + " of " + type +
                         "; versions are added in order and the next one is " +
                         std::to_string(expectedVersion)}};

    auto entry = std::make_unique<SchemaEntry>();
    if (std::string error; !json_input::parse(schemaJson, entry->document, error))
        return {{"", json_input::about("the schema", error)}};
    const json& document = entry->document;
    if (!document.is_object())
        return {{"", "expected a JSON Schema object, got " + jsonpath::describeValue(document)}};
    if (document.value("type", json()) != "object")
        return {{"/type", "expected \"object\" (event payloads are JSON objects), got " +
                              (document.contains("type") ? jsonpath::describeValue(document["type"])
                                                         : std::string("nothing"))}};
    if (document.contains("$id")) {
        const std::string uri = schemaUri(eventType, version);
        if (document["$id"] != uri)
            return {{"/$id", "expected " + jsonpath::quote(uri) + ", got " +
                                 jsonpath::describeValue(document["$id"])}};
    }
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::NlohmannJsonAdapter adapter(document);
        parser.populateSchema(adapter, entry->compiled);
    } catch (const std::exception& error) {
        return {{"", std::string("not a usable JSON Schema (draft 7): ") + error.what()}};
    }

    if (mode != Compatibility::None && existing && !existing->empty()) {
        const CompatibilityReport report =
            compareSchemas(existing->back()->info.schema, schemaJson, mode);
        Violations violations;
        for (const BreakingChange& change : report.breakingChanges) {
            const std::string direction = change.breaks == Compatibility::Full
                                              ? std::string("backward and forward")
                                              : std::string(toString(change.breaks));
            violations.push_back({change.path, change.change + " (breaks " + direction +
                                                   " compatibility with version " +
                                                   std::to_string(version - 1) + ")"});
        }
        if (!violations.empty())
            return violations;
    }

    SchemaInfo& info = entry->info;
    info.eventType = type;
    info.version = version;
    info.schema = std::string(schemaJson);
    info.owner = stringMember(document, "x-owner");
    info.sloClass = stringMember(document, "x-slo-class");
    info.description = stringMember(document, "description");
    collectPiiPaths(nlohmann::ordered_json::parse(schemaJson), "", info.piiPaths);
    impl_->types[type].push_back(std::move(entry));
    return {};
}

Violations SchemaRegistry::validate(std::string_view eventType, int version,
                                    std::string_view payloadJson,
                                    std::string_view payloadPath) const {
    json payload;
    if (std::string error; !json_input::parse(payloadJson, payload, error))
        return {{std::string(payloadPath), std::move(error)}};
    return RegistryAccess::validateDocument(*this, eventType, version, payload, payloadPath);
}

Violations RegistryAccess::validateDocument(const SchemaRegistry& registry,
                                            std::string_view eventType, int version,
                                            const json& payload, std::string_view payloadPath) {
    const auto& impl = *registry.impl_;
    const auto* entries = impl.entries(eventType);
    if (!entries || entries->empty()) {
        std::string known;
        for (const auto& [name, unused] : impl.types) {
            if (!known.empty())
                known += ", ";
            known += name;
        }
        return {{envelopePath(payloadPath, "/event_type"),
                 "no schema registered for event type " + jsonpath::quote(eventType) +
                     "; registered: " + (known.empty() ? std::string("none") : known)}};
    }
    const SchemaEntry* entry = impl.entry(eventType, version);
    if (!entry)
        return {{envelopePath(payloadPath, "/schema_version"),
                 "event type " + jsonpath::quote(eventType) + " has no schema version " +
                     std::to_string(version) + "; known versions: " + joinedVersions(*entries)}};

    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter adapter(payload);
    if (validator.validate(entry->compiled, adapter, &results))
        return {};
    Violations violations;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        if (!isSummaryError(error.description))
            violations.push_back(toViolation(error, entry->document, payload, payloadPath));
    }
    return violations;
}

CompatibilityReport SchemaRegistry::check(std::string_view eventType, std::string_view draftJson,
                                          Compatibility mode) const {
    const auto* entries = impl_->entries(eventType);
    if (!entries || entries->empty())
        return CompatibilityReport{mode, {}};
    return compareSchemas(entries->back()->info.schema, draftJson, mode);
}

bool SchemaRegistry::hasType(std::string_view eventType) const {
    const auto* entries = impl_->entries(eventType);
    return entries && !entries->empty();
}

std::optional<int> SchemaRegistry::latestVersion(std::string_view eventType) const {
    const auto* entries = impl_->entries(eventType);
    if (!entries || entries->empty())
        return std::nullopt;
    return entries->back()->info.version;
}

const SchemaInfo* SchemaRegistry::find(std::string_view eventType, int version) const {
    const SchemaEntry* entry = impl_->entry(eventType, version);
    return entry ? &entry->info : nullptr;
}

std::vector<std::string> SchemaRegistry::types() const {
    std::vector<std::string> names;
    for (const auto& [name, entries] : impl_->types) {
        if (!entries.empty())
            names.push_back(name);
    }
    return names;
}

std::vector<const SchemaInfo*> SchemaRegistry::versions(std::string_view eventType) const {
    std::vector<const SchemaInfo*> out;
    if (const auto* entries = impl_->entries(eventType)) {
        for (const auto& entry : *entries)
            out.push_back(&entry->info);
    }
    return out;
}

} // namespace meshdeck
