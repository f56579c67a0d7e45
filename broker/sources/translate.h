#pragma once
// A verified vendor body into canonical events: split into items, each item
// through the source's mapping rules, each mapped event through the same
// envelope and schema checks as a publish. Shared by the hook (which stores
// the outcome) and the playground (which only shows it).

#include "broker/sources/vendor.h"
#include "core/error.h"
#include "core/event.h"
#include "core/mapping.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

class SchemaRegistry;

namespace sources {

struct TranslatedItem {
    enum class Outcome {
        Mapped,  // event is set and valid
        Ignored, // a rule ignores it on purpose
        NoMatch, // no rule matched: quarantine
        Failed,  // the rule could not map it: quarantine
        Invalid, // mapped, but the event breaks its schema or the envelope: quarantine
    };
    Outcome outcome = Outcome::NoMatch;
    std::string where;
    std::string vendorId;
    std::string rule;
    std::string reason;
    std::optional<Event> event; // Mapped, and Invalid (as mapped)
    Violations violations;      // Invalid
    nlohmann::json item;        // the vendor item, for quarantine
};

std::string_view toString(TranslatedItem::Outcome outcome); // "mapped", "no-match", ...

struct Translation {
    std::string error; // the body as a whole could not be read
    int errorStatus = 400;
    std::vector<TranslatedItem> items;
};

Translation translate(const SourceSpec& spec, const mapping::Ruleset& rules, std::string_view body,
                      const SchemaRegistry& schemas, Timestamp now);

} // namespace sources
} // namespace meshdeck
