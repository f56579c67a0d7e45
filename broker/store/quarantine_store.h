#pragma once
// Rejected inputs, kept with the reason so nothing sent to the mesh is lost
// silently. Written through the writer queue; readable by admins.

#include "broker/store/database.h"
#include "core/time.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

struct QuarantineEntry {
    std::int64_t id = 0;
    Timestamp receivedAt{};
    std::string tenant;  // of the token, empty when unauthenticated
    std::string tokenId; // public token id, empty when unauthenticated
    std::string source;  // "POST /v1/events", "POST /v1/hooks/hubspot"
    std::string contentType;
    int status = 0;     // HTTP status answered
    std::string reason; // "invalid", "too large", "schema", ...
    std::string detail; // JSON problem document answered
    std::string body;   // request body, truncated to 1 MiB
};

class QuarantineStore {
public:
    explicit QuarantineStore(Database& db);
    // Queued on the writer; returns false when the queue is full. `done` runs
    // after the commit that holds the entry (error empty) or its failure.
    bool add(QuarantineEntry entry, std::function<void(const std::string& error)> done = {});
    // Newest first; beforeId pages back, tenant filters. limit is 1..1000.
    std::vector<QuarantineEntry> list(int limit, std::optional<std::int64_t> beforeId = {},
                                      std::optional<std::string> tenant = {}) const;
    std::int64_t count() const;

private:
    Database& db_;
};

} // namespace meshdeck
