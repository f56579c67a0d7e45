#pragma once
// Loading the shipped catalog (resources/catalog/<Type>.v<N>.json) and the
// versions registered since (the schemas table) into a SchemaRegistry.

#include "core/error.h"
#include "core/schema_registry.h"

#include <filesystem>

namespace meshdeck {

class SchemaStore;

// Every "<Type>.v<N>.json" under dir, in version order. A violation per file
// that could not be read or added; path is the file name.
Violations loadCatalog(SchemaRegistry& registry, const std::filesystem::path& dir);
// Stored versions above what the registry already has.
Violations loadStoredSchemas(SchemaRegistry& registry, const SchemaStore& store);

} // namespace meshdeck
