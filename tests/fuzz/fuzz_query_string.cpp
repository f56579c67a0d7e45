// The query strings of request targets (core/percent_encoding.h,
// parseQueryString, which the HTTP server uses for every request). Checked:
// no pair comes from nothing (at most one pair per '&'-separated part, none
// from an empty part); no key or value is longer than the query; and writing
// the pairs back, each part percent-encoded, reads back the same pairs.

#include "core/percent_encoding.h"
#include "tests/fuzz/fuzz_support.h"

#include <algorithm>

using namespace meshdeck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view query = fuzz::asText(data, size);
    const auto pairs = parseQueryString(query);

    const auto parts = static_cast<std::size_t>(std::count(query.begin(), query.end(), '&')) + 1;
    FUZZ_CHECK(pairs.size() <= parts, "more pairs than parts in " + std::string(query));
    for (const auto& [key, value] : pairs)
        FUZZ_CHECK(key.size() <= query.size() && value.size() <= query.size(),
                   "a pair longer than its query: " + std::string(query));

    std::string again;
    for (const auto& [key, value] : pairs) {
        if (!again.empty())
            again += '&';
        again += percentEncode(key, isUnreserved) + '=' + percentEncode(value, isUnreserved);
    }
    const auto reread = parseQueryString(again);
    // A pair with an empty key and value written back as "=" is still a pair.
    FUZZ_CHECK(reread == pairs, "pairs differ after writing them back: " + std::string(query));
    return 0;
}
