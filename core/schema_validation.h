#pragma once
// Validation of a payload that is already a parsed document, for the
// envelope parser: it holds the document anyway, and parsing the payload's
// text a second time cost more than the validation itself.

#include "core/error.h"
#include "core/schema_registry.h"

#include <nlohmann/json.hpp>
#include <string_view>

namespace meshdeck {

struct RegistryAccess {
    // As SchemaRegistry::validate, on a parsed payload.
    static Violations validateDocument(const SchemaRegistry& registry, std::string_view eventType,
                                       int version, const nlohmann::json& payload,
                                       std::string_view payloadPath);
};

} // namespace meshdeck
