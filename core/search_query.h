#pragma once
// What a person typed into the search box, read once: the ids it can be.
// Support staff paste whatever they were given ("L-1076", a UUID in capitals,
// "lead:L-1076", "dl-9", a HubSpot event id), so nothing here is syntax they
// must know. Every reading is tried; each is an exact match later, never a
// pattern (no wildcards: '%', '_' and '\' are characters like any other).
//
//   "  L-1076 "        text "L-1076": entity id of any kind, correlation id,
//                      vendor event id
//   "lead:L-1076"      also entity (lead, L-1076), as the kind is a kind
//   "0193...0E1F"      also event id 0193...0e1f (event ids are lower case)
//   "9", "#9", "DL-9"  also dead letter 9

#include "core/event.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshdeck {

// The longest query text, in bytes, after trimming.
inline constexpr std::size_t kMaxSearchQueryBytes = 256;

struct SearchQuery {
    std::string text;                         // trimmed of ASCII blanks; matched as it is
    std::optional<std::string> eventId;       // text is a UUID: in lower case
    std::optional<EntityRef> entity;          // text is "kind:id" with a valid kind
    std::optional<std::int64_t> deadLetterId; // text is N, #N or dl-N (any case), N >= 1
};

struct ParsedSearchQuery {
    std::optional<SearchQuery> query;
    std::string error; // when there is no query: why, said of q ("empty: give the id ...")
};

// Reads the q of GET /v1/search. Refuses text that is empty once trimmed,
// longer than kMaxSearchQueryBytes, or not UTF-8.
ParsedSearchQuery parseSearchQuery(std::string_view raw);

} // namespace meshdeck
