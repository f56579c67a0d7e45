// parseEvent: one canonical event as JSON text (POST /v1/events with one
// object, the body of every stored event). Parsed twice - leniently, then with
// the id required and the payload checked against the shipped catalog - and
// every event read must round-trip through serializeEvent and both
// CloudEvents modes.

#include "core/envelope.h"
#include "tests/fuzz/event_checks.h"

using namespace meshdeck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);

    const ParsedEvent lenient = parseEvent(text);
    fuzz::checkShape(lenient);
    if (lenient.event)
        fuzz::checkRoundTrips(*lenient.event);

    EnvelopeOptions strict;
    strict.allowMissingEventId = false;
    strict.pathPrefix = "/12";
    strict.registry = &fuzz::shippedCatalog();
    const ParsedEvent checked = parseEvent(text, strict);
    fuzz::checkShape(checked);
    fuzz::checkPrefixed(checked.violations, strict.pathPrefix);
    FUZZ_CHECK(checked.hasEventId == lenient.hasEventId, std::string(text));
    if (checked.event) {
        // Stricter options accept a subset, and read the same event.
        FUZZ_CHECK(lenient.event && *lenient.event == *checked.event,
                   fuzz::differs(*checked.event, lenient, "the lenient parse"));
        // The payload was validated on the parsed document; validating its
        // text must agree.
        const Violations again = fuzz::shippedCatalog().validate(
            checked.event->eventType, checked.event->schemaVersion, checked.event->payload);
        FUZZ_CHECK(again.empty(), "accepted payload " + checked.event->payload +
                                      " fails validation of its text: " + describe(again));
    }
    return 0;
}
