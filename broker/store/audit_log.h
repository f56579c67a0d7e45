#pragma once
// Who did what, when, to what. Every operator and admin action lands here.

#include "broker/store/database.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

struct AuditEntry {
    std::int64_t id = 0;
    Timestamp at{};
    std::string actor;        // public token id, or "meshd" for the broker itself
    std::string action;       // "schema.register", "token.create", ...
    std::string target;       // "LeadScored v2"
    std::string detail;       // JSON text
    std::string tenant = "*"; // whose data the action touched; "*": the whole mesh
};

class AuditLog {
public:
    explicit AuditLog(Database& db);
    // Queued on the writer, even when ingestion has filled the queue; `at`
    // defaults to now. A failure is reported on stderr.
    void record(AuditEntry entry);
    // Newest first; beforeId > 0 pages back from that entry. With a tenant,
    // only that tenant's entries.
    std::vector<AuditEntry> list(int limit, std::int64_t beforeId = 0,
                                 const std::optional<std::string>& tenant = std::nullopt) const;

private:
    Database& db_;
};

} // namespace meshdeck
