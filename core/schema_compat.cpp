// Structural comparison of two object JSON Schemas, direction by direction:
//   backward - a reader on the new schema must accept data written with the old
//   forward  - a reader on the old schema must accept data written with the new
// A change that narrows what is accepted breaks backward, one that widens it
// breaks forward, and one whose effect cannot be told (a changed pattern, a
// type swapped for another) breaks both and is reported as Full.

#include "core/envelope_json.h"
#include "core/json_input.h"
#include "core/json_path.h"
#include "core/schema_registry.h"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>

namespace meshdeck {

using nlohmann::json;

namespace {

using TypeSet = std::optional<std::set<std::string>>; // nullopt: any type

TypeSet typesOf(const json& schema) {
    const auto it = schema.find("type");
    if (it == schema.end())
        return std::nullopt;
    std::set<std::string> types;
    if (it->is_string())
        types.insert(it->get<std::string>());
    else if (it->is_array())
        for (const json& t : *it)
            if (t.is_string())
                types.insert(t.get<std::string>());
    return types;
}

bool accepts(const TypeSet& types, const std::string& type) {
    return !types || types->contains(type) || (type == "integer" && types->contains("number"));
}

// True when every value of type set `from` is also allowed by `to`.
bool covers(const TypeSet& to, const TypeSet& from) {
    if (!to)
        return true;
    if (!from)
        return false;
    return std::all_of(from->begin(), from->end(),
                       [&](const std::string& type) { return accepts(to, type); });
}

std::string typeText(const TypeSet& types) {
    if (!types)
        return "any type";
    std::string out;
    for (const std::string& type : *types) {
        if (!out.empty())
            out += " or ";
        out += type;
    }
    return out.empty() ? "no type" : out;
}

std::set<std::string> enumValues(const json& schema) {
    std::set<std::string> values;
    for (const json& value : schema["enum"])
        values.insert(value.dump());
    return values;
}

std::string listed(const std::vector<std::string>& values) {
    std::string out;
    for (const std::string& value : values) {
        if (!out.empty())
            out += ", ";
        out += value;
    }
    return out;
}

bool forbidsAdditional(const json& schema) {
    const auto it = schema.find("additionalProperties");
    return it != schema.end() && it->is_boolean() && !it->get<bool>();
}

bool describesObject(const json& schema) {
    return schema.contains("properties") || schema.contains("required") ||
           schema.contains("additionalProperties");
}

std::set<std::string> requiredOf(const json& schema) {
    std::set<std::string> names;
    const auto it = schema.find("required");
    if (it != schema.end() && it->is_array())
        for (const json& name : *it)
            if (name.is_string())
                names.insert(name.get<std::string>());
    return names;
}

const json& propertiesOf(const json& schema) {
    static const json empty = json::object();
    const auto it = schema.find("properties");
    return it != schema.end() && it->is_object() ? *it : empty;
}

// A numeric bound; `tighterWhenHigher` says which way narrows what is accepted.
struct Bound {
    const char* keyword;
    bool tighterWhenHigher;
};
constexpr std::array<Bound, 10> kBounds = {{
    {"minimum", true},
    {"exclusiveMinimum", true},
    {"maximum", false},
    {"exclusiveMaximum", false},
    {"minLength", true},
    {"maxLength", false},
    {"minItems", true},
    {"maxItems", false},
    {"minProperties", true},
    {"maxProperties", false},
}};

// Constraints whose old and new forms cannot be ordered: any change may
// reject data the other side accepts.
constexpr std::array<const char*, 4> kOpaqueConstraints = {"pattern", "format", "multipleOf",
                                                           "const"};

class SchemaComparer {
public:
    SchemaComparer(Compatibility mode, std::vector<BreakingChange>& out) : mode_(mode), out_(out) {}

    void compare(const json& oldSchema, const json& newSchema, const std::string& path,
                 const std::string& subject) {
        if (!oldSchema.is_object() || !newSchema.is_object())
            return;
        compareTypes(oldSchema, newSchema, path, subject);
        compareEnums(oldSchema, newSchema, path, subject);
        compareBounds(oldSchema, newSchema, path, subject);
        compareOpaque(oldSchema, newSchema, path, subject);
        if (describesObject(oldSchema) || describesObject(newSchema))
            compareObjects(oldSchema, newSchema, path, subject);
        const auto oldItems = oldSchema.find("items");
        const auto newItems = newSchema.find("items");
        if (oldItems != oldSchema.end() && newItems != newSchema.end())
            compare(*oldItems, *newItems, path + "/*", "items of " + subject);
    }

private:
    void report(const std::string& path, std::string change, Compatibility breaks) {
        if (mode_ == Compatibility::None)
            return;
        if (mode_ == Compatibility::Full || breaks == Compatibility::Full || breaks == mode_)
            out_.push_back({path, std::move(change), breaks});
    }

    void compareTypes(const json& oldSchema, const json& newSchema, const std::string& path,
                      const std::string& subject) {
        const TypeSet oldTypes = typesOf(oldSchema);
        const TypeSet newTypes = typesOf(newSchema);
        const bool narrowed = !covers(newTypes, oldTypes);
        const bool widened = !covers(oldTypes, newTypes);
        const std::string change = " from " + typeText(oldTypes) + " to " + typeText(newTypes);
        if (narrowed && widened)
            report(path, subject + ": type changed" + change, Compatibility::Full);
        else if (narrowed)
            report(path, subject + ": type narrowed" + change, Compatibility::Backward);
        else if (widened)
            report(path, subject + ": type widened" + change, Compatibility::Forward);
    }

    void compareEnums(const json& oldSchema, const json& newSchema, const std::string& path,
                      const std::string& subject) {
        const bool oldHas = oldSchema.contains("enum") && oldSchema["enum"].is_array();
        const bool newHas = newSchema.contains("enum") && newSchema["enum"].is_array();
        if (!oldHas && newHas) {
            report(path,
                   subject + ": an enum was added (only " + newSchema["enum"].dump() + " allowed)",
                   Compatibility::Backward);
            return;
        }
        if (oldHas && !newHas) {
            report(path, subject + ": the enum " + oldSchema["enum"].dump() + " was removed",
                   Compatibility::Forward);
            return;
        }
        if (!oldHas)
            return;
        const auto oldValues = enumValues(oldSchema);
        const auto newValues = enumValues(newSchema);
        std::vector<std::string> removed, added;
        std::set_difference(oldValues.begin(), oldValues.end(), newValues.begin(), newValues.end(),
                            std::back_inserter(removed));
        std::set_difference(newValues.begin(), newValues.end(), oldValues.begin(), oldValues.end(),
                            std::back_inserter(added));
        if (!removed.empty())
            report(path,
                   subject + ": enum value" + (removed.size() > 1 ? "s " : " ") + listed(removed) +
                       (removed.size() > 1 ? " were" : " was") + " removed",
                   Compatibility::Backward);
        if (!added.empty())
            report(path,
                   subject + ": enum value" + (added.size() > 1 ? "s " : " ") + listed(added) +
                       (added.size() > 1 ? " were" : " was") + " added",
                   Compatibility::Forward);
    }

    void compareBounds(const json& oldSchema, const json& newSchema, const std::string& path,
                       const std::string& subject) {
        for (const Bound& bound : kBounds) {
            const auto oldIt = oldSchema.find(bound.keyword);
            const auto newIt = newSchema.find(bound.keyword);
            const bool oldHas = oldIt != oldSchema.end() && oldIt->is_number();
            const bool newHas = newIt != newSchema.end() && newIt->is_number();
            const std::string name = subject + ": " + bound.keyword;
            if (!oldHas && newHas) {
                report(path, name + " " + newIt->dump() + " was added", Compatibility::Backward);
            } else if (oldHas && !newHas) {
                report(path, name + " " + oldIt->dump() + " was removed", Compatibility::Forward);
            } else if (oldHas && newHas) {
                const double before = oldIt->get<double>();
                const double after = newIt->get<double>();
                if (before == after)
                    continue;
                const bool raised = after > before;
                const std::string change = name + (raised ? " raised" : " lowered") + " from " +
                                           oldIt->dump() + " to " + newIt->dump();
                report(path, change,
                       raised == bound.tighterWhenHigher ? Compatibility::Backward
                                                         : Compatibility::Forward);
            }
        }
    }

    void compareOpaque(const json& oldSchema, const json& newSchema, const std::string& path,
                       const std::string& subject) {
        for (const char* keyword : kOpaqueConstraints) {
            const auto oldIt = oldSchema.find(keyword);
            const auto newIt = newSchema.find(keyword);
            const bool oldHas = oldIt != oldSchema.end();
            const bool newHas = newIt != newSchema.end();
            const std::string name = subject + ": " + keyword;
            if (!oldHas && newHas)
                report(path, name + " " + newIt->dump() + " was added", Compatibility::Backward);
            else if (oldHas && !newHas)
                report(path, name + " " + oldIt->dump() + " was removed", Compatibility::Forward);
            else if (oldHas && newHas && *oldIt != *newIt)
                report(path, name + " changed from " + oldIt->dump() + " to " + newIt->dump(),
                       Compatibility::Full);
        }
    }

    void compareObjects(const json& oldSchema, const json& newSchema, const std::string& path,
                        const std::string& subject) {
        const json& oldProperties = propertiesOf(oldSchema);
        const json& newProperties = propertiesOf(newSchema);
        const bool oldClosed = forbidsAdditional(oldSchema);
        const bool newClosed = forbidsAdditional(newSchema);
        const auto propertyPath = [&](const std::string& name) {
            return jsonpath::append(path, name);
        };
        const auto propertySubject = [&](const std::string& name) {
            return "property '" + name + "'" + (path.empty() ? std::string() : " of " + subject);
        };

        if (!oldClosed && newClosed)
            report(path, subject + ": additionalProperties changed to false",
                   Compatibility::Backward);
        else if (oldClosed && !newClosed)
            report(path, subject + ": additionalProperties is no longer false",
                   Compatibility::Forward);

        for (const auto& [name, unused] : oldProperties.items()) {
            if (!newProperties.contains(name) && newClosed)
                report(propertyPath(name),
                       propertySubject(name) +
                           " was removed while the new schema forbids additional properties",
                       Compatibility::Backward);
        }
        for (const auto& [name, unused] : newProperties.items()) {
            if (!oldProperties.contains(name) && oldClosed)
                report(propertyPath(name),
                       propertySubject(name) +
                           " was added while the old schema forbids additional properties",
                       Compatibility::Forward);
        }

        const auto oldRequired = requiredOf(oldSchema);
        const auto newRequired = requiredOf(newSchema);
        for (const std::string& name : newRequired) {
            if (oldRequired.contains(name))
                continue;
            const bool isNew = !oldProperties.contains(name) && newProperties.contains(name);
            report(propertyPath(name),
                   propertySubject(name) + (isNew ? " was added as required" : " became required"),
                   Compatibility::Backward);
        }
        for (const std::string& name : oldRequired) {
            if (newRequired.contains(name))
                continue;
            const bool isGone = oldProperties.contains(name) && !newProperties.contains(name);
            report(propertyPath(name),
                   isGone ? "required " + propertySubject(name) + " was removed"
                          : propertySubject(name) + " is no longer required",
                   Compatibility::Forward);
        }

        for (const auto& [name, oldProperty] : oldProperties.items()) {
            const auto newProperty = newProperties.find(name);
            if (newProperty != newProperties.end())
                compare(oldProperty, *newProperty, propertyPath(name), propertySubject(name));
        }
    }

    Compatibility mode_;
    std::vector<BreakingChange>& out_;
};

} // namespace

CompatibilityReport compareSchemas(std::string_view oldSchemaJson, std::string_view newSchemaJson,
                                   Compatibility mode) {
    CompatibilityReport report;
    report.mode = mode;
    if (mode == Compatibility::None)
        return report;
    json oldSchema, newSchema;
    for (auto [text, schema, subject] : {std::tuple{oldSchemaJson, &oldSchema, "the old schema"},
                                         std::tuple{newSchemaJson, &newSchema, "the new schema"}}) {
        if (std::string error; !json_input::parse(text, *schema, error)) {
            report.breakingChanges.push_back(
                {"", json_input::about(subject, error), Compatibility::Full});
            return report;
        }
    }
    SchemaComparer(mode, report.breakingChanges).compare(oldSchema, newSchema, "", "the payload");
    return report;
}

} // namespace meshdeck
