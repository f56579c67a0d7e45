// parseConsumerSpec: a consumer as POST /v1/consumers and the config file's
// "consumers" entries declare it. A spec read must survive
// consumerSpecToJson -> parseConsumerSpec unchanged, and its filter must be
// evaluable on real events without throwing.

#include "core/consumer_spec.h"
#include "core/envelope.h"
#include "tests/fuzz/fuzz_support.h"

using namespace meshdeck;

namespace {

const std::vector<Event>& sampleEvents() {
    static const std::vector<Event> events = [] {
        std::vector<Event> out;
        for (
            const char* text : {
                R"({"event_id":"01936f4e-9d2a-7c3b-8f1e-2a4b6c8d0e1f","event_type":"LeadQualified",)"
                R"("schema_version":1,"occurred_at":"2026-11-27T09:14:03.120Z","producer":"hubspot",)"
                R"("tenant_id":"acme","entity":{"kind":"lead","id":"L-1042","version":7},)"
                R"("payload":{"lead_id":"L-1042","score":87,"tags":["a","b"],"owner":null}})",
                R"({"event_type":"LeadScored","occurred_at":"2026-11-27T09:14:03Z","producer":"p",)"
                R"("tenant_id":"globex","entity":{"kind":"lead","id":"a/b~c"},)"
                R"("payload":{"score":-1.5e3,"nested":{"a/b":{"~":"x"}},"": 0}})",
            }) {
            ParsedEvent parsed = parseEvent(text);
            FUZZ_CHECK(parsed.event, "sample event does not parse: " + describe(parsed.violations));
            out.push_back(std::move(*parsed.event));
        }
        return out;
    }();
    return events;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);
    const ParsedConsumer parsed = parseConsumerSpec(text, "/consumers/4");
    FUZZ_CHECK(parsed.spec.has_value() == parsed.violations.empty(),
               "violations: " + describe(parsed.violations));
    for (const Violation& v : parsed.violations)
        FUZZ_CHECK(v.path.starts_with("/consumers/4") && !v.message.empty(),
                   "violation '" + v.path + "': " + v.message);
    if (!parsed.spec)
        return 0;
    const ConsumerSpec& spec = *parsed.spec;

    // Written back (as GET /v1/consumers and the store do) and read again:
    // the same spec, hence the same JSON.
    const std::string written = consumerSpecToJson(spec, false);
    const ParsedConsumer again = parseConsumerSpec(written);
    FUZZ_CHECK(again.spec, "consumerSpecToJson wrote a spec that does not parse: " + written +
                               "\n" + describe(again.violations));
    const std::string rewritten = consumerSpecToJson(*again.spec, false);
    FUZZ_CHECK(rewritten == written, "first:  " + written + "\nsecond: " + rewritten);
    // The masked form is for display only, but must still be JSON.
    (void)parseConsumerSpec(consumerSpecToJson(spec, true));

    for (const Event& event : sampleEvents()) {
        (void)matchesTypeAndTenant(spec.filter, event);
        (void)matchesConditions(spec.filter, event);
    }
    for (int attempt = 1; attempt <= 50; attempt += 7) {
        const auto delay = backoffDelay(spec.retry, attempt, 0.999);
        FUZZ_CHECK(delay.count() >= 1, "backoff " + std::to_string(delay.count()) + " ms");
    }
    return 0;
}
