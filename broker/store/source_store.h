#pragma once
// Vendor sources created through /v1/sources, kept across restarts. Sources
// declared in the config file are not stored: the file stays their truth.

#include "broker/store/database.h"
#include "core/source_spec.h"
#include "core/time.h"

#include <functional>
#include <string>
#include <vector>

namespace meshdeck {

class SourceStore {
public:
    explicit SourceStore(Database& db) : db_(db) {}

    // Every stored source; one that no longer parses is skipped with a
    // warning naming it (it can be put again through the API).
    std::vector<SourceSpec> load() const;

    using WriteDone = std::function<void(const std::string& error)>;
    void save(const SourceSpec& spec, Timestamp now, WriteDone done);
    void remove(const std::string& name, WriteDone done);

private:
    Database& db_;
};

} // namespace meshdeck
