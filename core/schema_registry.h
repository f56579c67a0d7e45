#pragma once
// Schema contracts: each event type has numbered JSON Schema versions. The
// registry validates payloads against the version an event names and checks
// whether a new version is compatible with the current one.
//
// Compatibility modes (as schema registries use the words):
//   backward - consumers on the new version can read data written with the old
//   forward  - consumers on the old version can read data written with the new
//   full     - both
// Not thread-safe: the broker guards a registry with a shared mutex.

#include "core/error.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

enum class Compatibility { Backward, Forward, Full, None };
std::string_view toString(Compatibility c);
std::optional<Compatibility> parseCompatibility(std::string_view text);

struct SchemaInfo {
    std::string eventType;
    int version = 0;
    std::string schema;                // JSON text
    std::string owner;                 // from "x-owner"
    std::string sloClass;              // from "x-slo-class"
    std::vector<std::string> piiPaths; // JSON Pointers of properties marked "x-pii": true
    std::string description;
};

struct BreakingChange {
    std::string path;                               // JSON Pointer into the payload, "/score"
    std::string change;                             // "property 'score' became required"
    Compatibility breaks = Compatibility::Backward; // which direction it breaks
};

struct CompatibilityReport {
    Compatibility mode = Compatibility::Backward;
    std::vector<BreakingChange> breakingChanges; // only those that break `mode`
    bool compatible() const { return breakingChanges.empty(); }
};

class SchemaRegistry {
public:
    SchemaRegistry();
    ~SchemaRegistry();
    SchemaRegistry(SchemaRegistry&&) noexcept;
    SchemaRegistry& operator=(SchemaRegistry&&) noexcept;

    // Adds a version after checking the schema is itself a usable JSON Schema
    // object. Versions are added in order: version must be latest+1 (or 1).
    // When mode is not None it must be compatible with the latest version;
    // otherwise the breaking changes come back as violations.
    Violations add(std::string_view eventType, int version, std::string_view schemaJson,
                   Compatibility mode = Compatibility::None);

    // Validates a payload (JSON text) against eventType at version. Unknown
    // type or version is a violation at "/schema_version" or "/event_type".
    // Violation paths are prefixed with payloadPath ("/payload" by default).
    Violations validate(std::string_view eventType, int version, std::string_view payloadJson,
                        std::string_view payloadPath = "/payload") const;

    // Compares a draft against the latest version of eventType (or, when the
    // type is new, reports no breaking changes).
    CompatibilityReport check(std::string_view eventType, std::string_view draftJson,
                              Compatibility mode) const;

    bool hasType(std::string_view eventType) const;
    std::optional<int> latestVersion(std::string_view eventType) const;
    const SchemaInfo* find(std::string_view eventType, int version) const;
    std::vector<std::string> types() const;
    std::vector<const SchemaInfo*> versions(std::string_view eventType) const;

private:
    friend struct RegistryAccess; // validation on parsed documents, in core only
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Compares two schema documents directly.
CompatibilityReport compareSchemas(std::string_view oldSchemaJson, std::string_view newSchemaJson,
                                   Compatibility mode);

} // namespace meshdeck
