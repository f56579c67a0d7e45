#include "core/search_query.h"

#include "core/envelope_json.h"
#include "core/percent_encoding.h"
#include "core/uuid.h"

#include <algorithm>
#include <charconv>

namespace meshdeck {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && isBlank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isBlank(text.back()))
        text.remove_suffix(1);
    return text;
}

std::optional<std::string> lowerCaseUuid(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'F' ? char(c - 'A' + 'a') : c; });
    return isUuid(lower) ? std::optional(std::move(lower)) : std::nullopt;
}

// "9", "#9", "dl-9", "DL9": the number, when it is one >= 1 that fits.
std::optional<std::int64_t> deadLetterNumber(std::string_view text) {
    if (text.starts_with('#')) {
        text.remove_prefix(1);
    } else if (text.size() > 2 && (text[0] == 'd' || text[0] == 'D') &&
               (text[1] == 'l' || text[1] == 'L')) {
        text.remove_prefix(text[2] == '-' ? 3 : 2);
    }
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1)
        return std::nullopt;
    return n;
}

// "lead:L-1076" -> (lead, L-1076); a kind never holds ':'.
std::optional<EntityRef> kindAndId(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon + 1 == text.size())
        return std::nullopt;
    const std::string_view kind = text.substr(0, colon);
    if (!detail::isEntityKind(kind))
        return std::nullopt;
    return EntityRef{std::string(kind), std::string(text.substr(colon + 1)), std::nullopt};
}

} // namespace

ParsedSearchQuery parseSearchQuery(std::string_view raw) {
    ParsedSearchQuery out;
    if (!isValidUtf8(raw)) {
        out.error = "not UTF-8: send the id as UTF-8, percent-encoded in the URL";
        return out;
    }
    const std::string_view text = trimmed(raw);
    if (text.empty()) {
        out.error = "empty: give the id to look for, an event id, entity id (or kind:id), "
                    "correlation id, dead letter id or a vendor's event id";
        return out;
    }
    if (text.size() > kMaxSearchQueryBytes) {
        out.error = std::to_string(text.size()) + " bytes long; an id is at most " +
                    std::to_string(kMaxSearchQueryBytes) + " bytes";
        return out;
    }
    SearchQuery q;
    q.text = std::string(text);
    q.eventId = lowerCaseUuid(text);
    q.entity = kindAndId(text);
    q.deadLetterId = deadLetterNumber(text);
    out.query = std::move(q);
    return out;
}

} // namespace meshdeck
