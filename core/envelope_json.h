#pragma once
// Internal to core: the envelope checks shared by the canonical parser and the
// CloudEvents mapping, which builds a canonical object from CloudEvents
// attributes and reports each violation where the producer wrote the field.

#include "core/envelope.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck::detail {

inline constexpr std::string_view kUuidExpectation =
    "a UUID such as \"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f\"";

// Maps a canonical field path ("/entity/version", "/payload/score") to where
// the producer wrote it ("/sequence", "header ce-sequence", "/data/score").
using FieldLocator = std::function<std::string(std::string_view canonicalPath)>;

// Validates a canonical envelope object. Without a locator, paths are
// options.pathPrefix + the canonical path.
ParsedEvent eventFromJson(const nlohmann::ordered_json& value, const EnvelopeOptions& options,
                          const FieldLocator& locate = {});

// PascalCase letters and digits, at most kMaxEventTypeLength: "LeadQualified".
bool isEventTypeName(std::string_view text);
// A letter, then letters, digits, '_' or '-': "lead". Never ':' or '/', which
// separate kind and id in CloudEvents' partitionkey and subject.
bool isEntityKind(std::string_view text);
// W3C trace context version 00: "00-<32 hex>-<16 hex>-<2 hex>", ids not all zero.
bool isTraceparent(std::string_view text);

// nlohmann's parse error without its "[json.exception.parse_error.101] " tag.
std::string parseErrorMessage(const nlohmann::json::exception& error);
using meshdeck::jsonString;

// "[a,b,c]" from each event written by `write`.
template <typename Write> std::string jsonArrayOf(const std::vector<Event>& events, Write write) {
    std::string out = "[";
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (i > 0)
            out += ',';
        out += write(events[i]);
    }
    out += ']';
    return out;
}

} // namespace meshdeck::detail
