#pragma once
// Registered schema versions, persisted so the registry survives restarts.
// The shipped catalog is loaded first; versions registered through the API
// are stored here and loaded on top.

#include "broker/store/database.h"

#include <string>
#include <vector>

namespace meshdeck {

struct StoredSchema {
    std::string eventType;
    int version = 0;
    std::string schema; // JSON text
};

class SchemaStore {
public:
    explicit SchemaStore(Database& db);
    void save(const StoredSchema& schema);     // waits for the commit; throws SqliteError
    std::vector<StoredSchema> loadAll() const; // by type, then version

private:
    Database& db_;
};

} // namespace meshdeck
