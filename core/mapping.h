#pragma once
// Vendor payloads into canonical events, by rules kept as data
// (resources/mappings/<kind>.json, or a file a source names). A ruleset is an
// ordered list of rules; the first rule whose conditions all hold decides:
// it either maps the vendor item to one canonical event or ignores it on
// purpose. An item no rule matches, or one a rule cannot map (a field it
// needs is missing, a transform fails), is not an event: the caller keeps it
// in quarantine with the reason given here.
//
// Pure: no I/O beyond parsing the text it is given, no clock (the caller
// passes "now" in the context), no schema validation (the broker validates
// every mapped event against the catalog like any publish).
//
// The file format is documented in resources/mappings/README.md.

#include "core/event.h"
#include "core/time.h"

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck::mapping {

class Ruleset;
using RulesetPtr = std::shared_ptr<const Ruleset>;

// Parses a ruleset file's text. Throws std::invalid_argument with a sentence
// naming `origin` (a file name) and the JSON Pointer of the fault, e.g.
// "hubspot.json: /rules/3/payload/score/transform: unknown transform 'tonumber';
// expected one of lowercase, uppercase, trim, string, number, integer, boolean,
// iso8601, iso8601_from_epoch_ms, epoch_ms_from_iso8601, table".
// Every JSON Pointer of the file is compiled here, once.
RulesetPtr parseRuleset(std::string_view text, std::string_view origin);

// What the broker knows about the item being mapped.
struct Context {
    std::string source;        // the source's name: "hubspot-prod"
    std::string tenant;        // every produced event's tenant_id
    std::string producer;      // every produced event's producer
    std::string vendorEventId; // the vendor's own id of this item (HubSpot eventId, ...)
    Timestamp receivedAt{};    // occurred_at when a rule names none
};

struct Outcome {
    enum class Kind {
        Mapped,  // event is set
        Ignored, // a rule ignores this item on purpose: counted, not stored
        NoMatch, // no rule matched: quarantine
        Failed,  // the matching rule could not map it: quarantine
    };
    Kind kind = Kind::NoMatch;
    std::optional<Event> event; // Mapped only: event_id, type, schema version,
                                // occurred_at, producer, tenant, entity,
                                // correlation id and payload JSON set
    std::string rule;           // the rule that matched (empty for NoMatch)
    std::string reason;         // NoMatch/Failed: a sentence for a person,
                                // naming the rule, the field it was filling
                                // and the pointer, e.g. "rule 'deal-stage':
                                // payload.to_stage: /propertyValue is missing"
};

// Maps one vendor item (a HubSpot subscription event, a Salesforce
// notification as JSON, a Segment call, a generic webhook's item).
// When the item is mapped and `payload` is given, it receives the event's
// payload as the document event->payload was written from.
Outcome apply(const Ruleset& rules, const nlohmann::json& item, const Context& context,
              nlohmann::json* payload = nullptr);

// The rule names of a ruleset, in order (for the console and tests).
std::vector<std::string> ruleNames(const Ruleset& rules);

// meshdeck's namespace for hook event ids: itself the UUIDv5 of the URL
// namespace and "urn:meshdeck:hooks". Never change it: every event id derived
// from a vendor item would change with it.
inline constexpr std::string_view kHookNamespace = "1a67182c-db2d-5e21-85bb-60d4a61854e9";

// The canonical event_id of a vendor item: a UUIDv5 (RFC 9562) of
// source + "\n" + vendorEventId in meshdeck's hook namespace, so a vendor's
// retry of the same item maps to the same event and deduplicates in the log.
std::string hookEventId(std::string_view source, std::string_view vendorEventId);

} // namespace meshdeck::mapping
