#include "broker/schema_catalog.h"

#include "broker/store/schema_store.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

namespace meshdeck {

namespace fs = std::filesystem;

Violations loadCatalog(SchemaRegistry& registry, const fs::path& dir) {
    Violations problems;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        problems.push_back({dir.string(), "catalog directory does not exist"});
        return problems;
    }
    static const std::regex name(R"(([A-Z][A-Za-z0-9]*)\.v([0-9]+)\.json)");
    std::vector<std::tuple<std::string, int, fs::path>> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string file = entry.path().filename().string();
        if (std::regex_match(file, m, name))
            files.emplace_back(m[1].str(), std::stoi(m[2].str()), entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& [type, version, path] : files) {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        if (!in) {
            problems.push_back({path.filename().string(), "cannot read file"});
            continue;
        }
        for (auto& v : registry.add(type, version, text.str()))
            problems.push_back({path.filename().string() + v.path, v.message});
    }
    return problems;
}

Violations loadStoredSchemas(SchemaRegistry& registry, const SchemaStore& store) {
    Violations problems;
    for (const auto& s : store.loadAll()) {
        if (registry.find(s.eventType, s.version))
            continue;
        for (auto& v : registry.add(s.eventType, s.version, s.schema))
            problems.push_back(
                {s.eventType + " v" + std::to_string(s.version) + v.path, v.message});
    }
    return problems;
}

} // namespace meshdeck
