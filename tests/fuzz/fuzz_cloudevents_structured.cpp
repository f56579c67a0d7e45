// CloudEvents in structured mode (application/cloudevents+json) and batch
// mode (application/cloudevents-batch+json). Every event read must round-trip
// through the canonical envelope and both CloudEvents modes.

#include "core/cloudevents.h"
#include "tests/fuzz/event_checks.h"

using namespace meshdeck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);

    EnvelopeOptions options;
    options.pathPrefix = "/3";
    const ParsedEvent structured = parseCloudEventStructured(text, options);
    fuzz::checkShape(structured);
    fuzz::checkPrefixed(structured.violations, options.pathPrefix);
    if (structured.event) {
        FUZZ_CHECK(structured.hasEventId && !structured.event->eventId.empty(), std::string(text));
        fuzz::checkRoundTrips(*structured.event);
    }

    const ParsedBatch batch = parseCloudEventBatch(text);
    FUZZ_CHECK(batch.bodyViolations.empty() != batch.events.empty(),
               "body violations: " + describe(batch.bodyViolations));
    std::vector<Event> events;
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
        const ParsedEvent& parsed = batch.events[i];
        fuzz::checkShape(parsed);
        fuzz::checkPrefixed(parsed.violations, "/" + std::to_string(i));
        if (parsed.event) {
            fuzz::checkRoundTrips(*parsed.event);
            events.push_back(*parsed.event);
        }
    }
    if (!events.empty() && events.size() == batch.events.size()) {
        const std::string written = toCloudEventBatch(events);
        const ParsedBatch again = parseCloudEventBatch(written);
        FUZZ_CHECK(again.events.size() == events.size(), written);
        for (std::size_t i = 0; i < events.size(); ++i)
            FUZZ_CHECK(again.events[i].event == events[i],
                       fuzz::differs(events[i], again.events[i], "toCloudEventBatch"));
    }
    return 0;
}
