// Schemas from outside (POST /v1/schemas, the catalog folder) and the
// compatibility checker (core/schema_registry.h, schema_compat.cpp).
// Input: an old schema, then optionally "---" lines with a new schema and a
// payload. The old schema is registered (under the type its "$id" names, so
// catalog files load as they are); the payload is validated against it; the
// new one is compared in every mode and registered as version 2. Checked: a
// schema is compatible with itself; full compatibility is backward and
// forward together; registering a version respects the checker's verdict.

#include "core/json_input.h"
#include "core/schema_registry.h"
#include "tests/fuzz/fuzz_support.h"

#include <nlohmann/json.hpp>

using namespace meshdeck;

namespace {

// "urn:meshdeck:schema:LeadScored:1" anywhere in the text -> "LeadScored";
// otherwise "Fuzzed".
std::string typeNamedIn(std::string_view schema) {
    constexpr std::string_view prefix = "urn:meshdeck:schema:";
    const auto at = schema.find(prefix);
    if (at == std::string_view::npos)
        return "Fuzzed";
    std::string_view rest = schema.substr(at + prefix.size());
    return std::string(rest.substr(0, rest.find(':')));
}

std::string describe(const CompatibilityReport& report) {
    std::string out = std::string(toString(report.mode)) + ":";
    for (const BreakingChange& change : report.breakingChanges)
        out += " [" + change.path + "] " + change.change + ";";
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = fuzz::splitParts(fuzz::asText(data, size));
    const std::string_view oldSchema = fuzz::part(parts, 0);
    const std::string_view newSchema = parts.size() > 1 ? parts[1] : oldSchema;
    const std::string_view payload = parts.size() > 2 ? parts[2] : std::string_view("{}");

    const std::string type = typeNamedIn(oldSchema);
    SchemaRegistry registry;
    const bool added = registry.add(type, 1, oldSchema).empty();
    if (added) {
        for (const Violation& v : registry.validate(type, 1, payload))
            FUZZ_CHECK(v.path.starts_with("/payload") && !v.message.empty(),
                       "violation '" + v.path + "': " + v.message);
        const SchemaInfo* info = registry.find(type, 1);
        FUZZ_CHECK(info && info->schema == oldSchema, "schema not kept as sent");
        for (const std::string& pii : info->piiPaths)
            FUZZ_CHECK(pii.starts_with('/'), "PII path " + pii);
    }

    for (const std::string_view schema : {oldSchema, newSchema}) {
        for (Compatibility mode :
             {Compatibility::Backward, Compatibility::Forward, Compatibility::Full}) {
            const CompatibilityReport self = compareSchemas(schema, schema, mode);
            // Text that is not a JSON object (as every input is read, by
            // json_input) is reported, even against itself.
            nlohmann::json document;
            if (std::string error;
                json_input::parse(schema, document, error) && document.is_object())
                FUZZ_CHECK(self.compatible(), "a schema breaks itself: " + describe(self));
        }
    }

    const CompatibilityReport backward =
        compareSchemas(oldSchema, newSchema, Compatibility::Backward);
    const CompatibilityReport forward =
        compareSchemas(oldSchema, newSchema, Compatibility::Forward);
    const CompatibilityReport full = compareSchemas(oldSchema, newSchema, Compatibility::Full);
    FUZZ_CHECK(full.compatible() == (backward.compatible() && forward.compatible()),
               describe(backward) + "\n" + describe(forward) + "\n" + describe(full));
    for (const auto* report : {&backward, &forward, &full})
        for (const BreakingChange& change : report->breakingChanges)
            FUZZ_CHECK(!change.change.empty(), describe(*report));

    if (added) {
        const Compatibility mode = size % 2 ? Compatibility::Backward : Compatibility::Full;
        const CompatibilityReport verdict = registry.check(type, newSchema, mode);
        const Violations second = registry.add(type, 2, newSchema, mode);
        if (!verdict.compatible())
            FUZZ_CHECK(!second.empty(), "version 2 registered despite: " + describe(verdict));
    }
    return 0;
}
