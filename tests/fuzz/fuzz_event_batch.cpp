// parseEventBatch: a publish body, one event or an array of them. Each event
// read must round-trip; a batch read in full must round-trip through
// serializeEvents; violations of element i are under "/i".

#include "core/envelope.h"
#include "tests/fuzz/event_checks.h"

using namespace meshdeck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);
    const ParsedBatch batch = parseEventBatch(text);

    FUZZ_CHECK(batch.bodyViolations.empty() || batch.events.empty(),
               "body violations and events: " + describe(batch.bodyViolations));
    FUZZ_CHECK(!batch.bodyViolations.empty() || !batch.events.empty(),
               "neither an event nor a body violation");

    std::vector<Event> events;
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
        const ParsedEvent& parsed = batch.events[i];
        fuzz::checkShape(parsed);
        if (batch.wasArray)
            fuzz::checkPrefixed(parsed.violations, "/" + std::to_string(i));
        if (parsed.event) {
            fuzz::checkRoundTrips(*parsed.event);
            events.push_back(*parsed.event);
        }
    }

    // One object: the same as parseEvent.
    if (!batch.wasArray && batch.events.size() == 1) {
        const ParsedEvent single = parseEvent(text);
        FUZZ_CHECK(single.event == batch.events[0].event &&
                       single.violations.size() == batch.events[0].violations.size(),
                   "parseEvent and parseEventBatch disagree on one object");
    }

    if (batch.wasArray && !events.empty() && events.size() == batch.events.size()) {
        const std::string written = serializeEvents(events);
        const ParsedBatch again = parseEventBatch(written);
        FUZZ_CHECK(again.wasArray && again.events.size() == events.size(), written);
        for (std::size_t i = 0; i < events.size(); ++i)
            FUZZ_CHECK(again.events[i].event == events[i],
                       fuzz::differs(events[i], again.events[i], "serializeEvents"));
    }
    return 0;
}
