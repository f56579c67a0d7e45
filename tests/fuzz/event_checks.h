#pragma once
// Properties every parsed canonical event must have, whatever format it came
// from: it is written back by serializeEvent (the log, consumers, the API) and
// must read back as the same event, and as the same event through each
// CloudEvents mode.

#include "core/cloudevents.h"
#include "core/envelope.h"
#include "tests/fuzz/fuzz_support.h"

#include <string>

namespace meshdeck::fuzz {

inline std::string differs(const Event& expected, const ParsedEvent& got, std::string_view how) {
    std::string out = "event:    " + serializeEvent(expected) + "\nvia " + std::string(how) + ": ";
    out += got.event ? serializeEvent(*got.event) : "violations: " + describe(got.violations);
    return out;
}

// A parse result is one of: an event and no violations, or violations (each
// with a message) and no event.
inline void checkShape(const ParsedEvent& parsed) {
    FUZZ_CHECK(parsed.event.has_value() == parsed.violations.empty(),
               "violations: " + describe(parsed.violations));
    for (const Violation& v : parsed.violations)
        FUZZ_CHECK(!v.message.empty(), "a violation at '" + v.path + "' has no message");
}

inline void checkRoundTrips(const Event& event) {
    FUZZ_CHECK(event.seq == 0, "a parsed event carries seq " + std::to_string(event.seq));

    const ParsedEvent canonical = parseEvent(serializeEvent(event));
    FUZZ_CHECK(canonical.event && *canonical.event == event,
               differs(event, canonical, "serializeEvent + parseEvent"));
    FUZZ_CHECK(canonical.hasEventId == !event.eventId.empty(), serializeEvent(event));

    // CloudEvents need an id; events without one get theirs from the broker.
    if (event.eventId.empty())
        return;
    const ParsedEvent structured = parseCloudEventStructured(toCloudEventStructured(event));
    FUZZ_CHECK(structured.event && *structured.event == event,
               differs(event, structured, "toCloudEventStructured + parseCloudEventStructured") +
                   "\nstructured: " + toCloudEventStructured(event));
    const auto [headers, body] = toCloudEventBinary(event);
    FUZZ_CHECK(isCloudEventBinary(headers), serializeEvent(event));
    const ParsedEvent binary = parseCloudEventBinary(headers, body);
    FUZZ_CHECK(binary.event && *binary.event == event,
               differs(event, binary, "toCloudEventBinary + parseCloudEventBinary"));
}

// Every violation path of a parse with pathPrefix starts with that prefix.
inline void checkPrefixed(const Violations& violations, std::string_view prefix) {
    for (const Violation& v : violations)
        FUZZ_CHECK(v.path.starts_with(prefix) || v.path.starts_with("header "),
                   "violation path '" + v.path + "' lacks the prefix '" + std::string(prefix) +
                       "': " + v.message);
}

} // namespace meshdeck::fuzz
