#pragma once
// /v1/sources: each vendor source with what it has received, and
// POST /v1/sources/{name}/test: a vendor body run through verification and
// mapping without storing anything (the console's playground, meshctl
// sources test).
//
// The routes: GET /v1/sources (viewer and up; the token's tenant's sources)
// answers {"sources": [SourceStatus...]}; GET /v1/sources/{name} one
// SourceStatus (another tenant's or a missing one: 404); PUT
// /v1/sources/{name} (admin) with a spec (core/source_spec.h; the name from
// the path) answers 201 created / 200 replaced with the SourceStatus; POST
// /v1/sources with "name" in the body answers 201; DELETE answers 204;
// POST /v1/sources/{name}/test (operator, admin) takes a SourceTestRequest and
// answers a SourceTestResult. POST /v1/hooks/{name} is the vendor's: no
// token, the vendor's own signature.
//
// On the wire (snake_case; "spec" and "event" are JSON objects there and JSON
// text in the structs):
//   SourceStatus  {"name", "kind", "tenant", "producer", "mapping",
//                  "hook_path", "public_url", "origin", "spec": {...},
//                  "counters": {"requests", "received", "mapped", "duplicates",
//                               "ignored", "rejected_signature", "quarantined"},
//                  "last_received_at": RFC 3339 | null,
//                  "last_error_at": RFC 3339 | null, "last_error": ""}
//   SourceList    {"sources": [SourceStatus...]}
//   SourceTestRequest {"body": "<vendor body text>",
//                      "headers": {"Name": "value", ...} (in order),
//                      "verify": false, "mapping": "<ruleset text>" (optional)}
//   SourceTestResult  {"verification": {"checked", "ok", "reason"},
//                      "error": "",
//                      "items": [{"where", "vendor_id", "outcome", "rule",
//                                 "reason", "event": {...} | null,
//                                 "violations": [{"path", "message"}]}]}

#include "core/error.h"
#include "core/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck::protocol {

struct SourceCounters {
    std::int64_t requests = 0;          // hook requests that named this source
    std::int64_t received = 0;          // vendor items in verified requests
    std::int64_t mapped = 0;            // items that became canonical events (new or duplicate)
    std::int64_t duplicates = 0;        // of those, vendor retries already in the log
    std::int64_t ignored = 0;           // items a rule ignores on purpose
    std::int64_t rejectedSignature = 0; // requests refused by verification
    std::int64_t quarantined = 0;       // items (or whole requests) kept in quarantine

    bool operator==(const SourceCounters&) const = default;
};

struct SourceStatus {
    std::string name;
    std::string kind; // "hubspot", "salesforce-outbound", "segment", "generic"
    std::string tenant;
    std::string producer;
    std::string mapping;   // the ruleset file in use: "hubspot.json"
    std::string hookPath;  // "/v1/hooks/<name>": what the vendor is given, after the public host
    std::string publicUrl; // hubspot: the configured public URL, else empty
    std::string origin;    // "config" or "api"
    std::string spec;      // the spec as JSON text, secrets masked
    SourceCounters counters;
    std::optional<Timestamp> lastReceivedAt;
    std::optional<Timestamp> lastErrorAt;
    std::string lastError; // empty when none

    bool operator==(const SourceStatus&) const = default;
};

struct SourceList {
    std::vector<SourceStatus> sources;

    bool operator==(const SourceList&) const = default;
};

// What the playground sends.
struct SourceTestRequest {
    std::string body; // the vendor body, as the vendor sends it
    std::vector<std::pair<std::string, std::string>> headers; // as the vendor sends them
    bool verify = false; // check the signature with the source's secrets too
    std::string mapping; // a ruleset text to try instead of the source's own; empty: the source's

    bool operator==(const SourceTestRequest&) const = default;
};

struct SourceTestItem {
    std::string where; // "/0", "Notification[1]"
    std::string vendorId;
    std::string outcome;   // "mapped", "ignored", "no-match", "failed", "invalid" (schema)
    std::string rule;      // the rule that matched, empty for no-match
    std::string reason;    // why not mapped, empty when mapped
    std::string event;     // the canonical event JSON text (mapped, and invalid: as mapped)
    Violations violations; // invalid: the schema's violations

    bool operator==(const SourceTestItem&) const = default;
};

struct SourceTestResult {
    bool verificationChecked = false;
    bool verified = false;
    std::string verificationReason; // when checked and not verified
    std::string error;              // the body could not be read as a whole
    std::vector<SourceTestItem> items;

    bool operator==(const SourceTestResult&) const = default;
};

std::string toJson(const SourceStatus& source);
std::string toJson(const SourceList& list);
std::string toJson(const SourceTestRequest& request);
std::string toJson(const SourceTestResult& result);

} // namespace meshdeck::protocol
