#pragma once
// Shared by the fuzz targets: a check that stops the process (so libFuzzer
// and the replay driver both see a failed property as a crash, with the input
// saved), the input split into parts, and the shipped catalog as a registry.

#include "core/schema_registry.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck::fuzz {

// A property of the code under test that failed: print what and abort. Never
// compiled out, never caught.
[[noreturn]] inline void fail(const char* file, int line, const char* condition,
                              const std::string& detail) {
    std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n%s\n", file, line, condition,
                 detail.c_str());
    std::fflush(stderr);
    std::abort();
}

#define FUZZ_CHECK(condition, detail)                                                              \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ::meshdeck::fuzz::fail(__FILE__, __LINE__, #condition, (detail));                      \
    } while (false)

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Multi-part inputs (two schemas and a payload, a filter and an event) are
// separated by a line holding only "---": no JSON text contains that line, so
// each seed file stays readable JSON parts.
inline constexpr std::string_view kPartSeparator = "\n---\n";

inline std::vector<std::string_view> splitParts(std::string_view text) {
    std::vector<std::string_view> parts;
    while (true) {
        const auto at = text.find(kPartSeparator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos)
            return parts;
        text.remove_prefix(at + kPartSeparator.size());
    }
}

// Part i, or "" when the input has fewer parts.
inline std::string_view part(const std::vector<std::string_view>& parts, std::size_t i) {
    return i < parts.size() ? parts[i] : std::string_view();
}

inline std::string readFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// resources/catalog/<Type>.v<N>.json, every version in order. Aborts when
// the shipped catalog does not load: the targets that validate payloads would
// otherwise test nothing.
inline const SchemaRegistry& shippedCatalog() {
    static const SchemaRegistry registry = [] {
        namespace fs = std::filesystem;
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(MESHDECK_FUZZ_CATALOG_DIR))
            if (entry.path().extension() == ".json")
                files.push_back(entry.path());
        // "LeadScored.v1.json": version order within a type is name order
        // while versions have one digit, as the shipped ones do.
        std::sort(files.begin(), files.end());
        SchemaRegistry r;
        for (const fs::path& file : files) {
            const std::string stem = file.stem().string(); // "LeadScored.v1"
            const auto dot = stem.rfind(".v");
            FUZZ_CHECK(dot != std::string::npos, "catalog file without .v<N>: " + file.string());
            const int version = std::stoi(stem.substr(dot + 2));
            const Violations violations = r.add(stem.substr(0, dot), version, readFile(file));
            FUZZ_CHECK(violations.empty(),
                       "catalog file " + file.string() + " does not load: " + describe(violations));
        }
        FUZZ_CHECK(!r.types().empty(), std::string("no schemas in ") + MESHDECK_FUZZ_CATALOG_DIR);
        return r;
    }();
    return registry;
}

} // namespace meshdeck::fuzz
