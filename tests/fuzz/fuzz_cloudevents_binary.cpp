// CloudEvents in binary mode: ce-* headers plus a body that is the data.
// Input: HTTP-style header lines ("Name: value"), an empty line, the body -
// the shape of tests/fixtures/cloudevents/binary-lead-scored.http. Lines
// without a colon (a request line) are skipped; names are lower-cased as the
// HTTP server does. Every event read must round-trip.

#include "core/cloudevents.h"
#include "tests/fuzz/event_checks.h"

#include <cctype>

using namespace meshdeck;

namespace {

std::pair<HeaderMap, std::string_view> splitRequest(std::string_view text) {
    HeaderMap headers;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        if (line.empty())
            break;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        std::string name(line.substr(0, colon));
        for (char& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        headers[name] = std::string(value);
    }
    return {std::move(headers), text};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [headers, body] = splitRequest(fuzz::asText(data, size));

    EnvelopeOptions options;
    options.pathPrefix = "/0";
    const bool binary = isCloudEventBinary(headers);
    const ParsedEvent parsed = parseCloudEventBinary(headers, body, options);
    fuzz::checkShape(parsed);
    fuzz::checkPrefixed(parsed.violations, options.pathPrefix);
    if (parsed.event) {
        FUZZ_CHECK(binary, "an event read without a ce-specversion header");
        FUZZ_CHECK(parsed.hasEventId && !parsed.event->eventId.empty(), "an event without an id");
        fuzz::checkRoundTrips(*parsed.event);
    }
    return 0;
}
