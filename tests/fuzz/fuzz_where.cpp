// A consumer's "where" conditions evaluated on an event: JSON Pointers into
// the canonical event, operators and operands all from the input.
// Input: the "where" array, then optionally a "---" line and the event's
// payload object. Checked: the filter holds exactly when each condition holds
// alone; on a field that exists, == and != disagree; on a field that does
// not, no condition holds.

#include "core/consumer_spec.h"
#include "core/envelope.h"
#include "tests/fuzz/fuzz_support.h"

using namespace meshdeck;

namespace {

bool holds(FieldCondition condition, FieldCondition::Op op, const Event& event) {
    condition.op = op;
    ConsumerFilter filter;
    filter.where.push_back(std::move(condition));
    return matchesConditions(filter, event);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = fuzz::splitParts(fuzz::asText(data, size));

    const std::string specText = R"({"name":"fuzz","sink":{"type":"none"},"filter":{"where":)" +
                                 std::string(fuzz::part(parts, 0)) + "}}";
    const ParsedConsumer parsed = parseConsumerSpec(specText);
    if (!parsed.spec)
        return 0;
    const ConsumerFilter& filter = parsed.spec->filter;

    std::string payload(fuzz::part(parts, 1));
    if (payload.empty())
        payload = R"({"score":87,"status":"won","tags":["a","b"],"n":null,"o":{"a/b":{"~":1.5}}})";
    const ParsedEvent parsedEvent = parseEvent(
        R"({"event_type":"LeadScored","occurred_at":"2026-11-27T09:14:03.120Z","producer":"p",)"
        R"("tenant_id":"acme","entity":{"kind":"lead","id":"L-1","version":3},"payload":)" +
        payload + "}");
    if (!parsedEvent.event)
        return 0;
    const Event& event = *parsedEvent.event;

    const bool all = matchesConditions(filter, event);
    bool each = true;
    for (const FieldCondition& condition : filter.where) {
        const bool alone = holds(condition, condition.op, event);
        each = each && alone;
        const bool exists = holds(condition, FieldCondition::Op::Exists, event);
        if (!exists) {
            FUZZ_CHECK(!alone, "condition on absent field " + condition.field + " holds");
        } else if (condition.op == FieldCondition::Op::Equal ||
                   condition.op == FieldCondition::Op::NotEqual) {
            FUZZ_CHECK(holds(condition, FieldCondition::Op::Equal, event) !=
                           holds(condition, FieldCondition::Op::NotEqual, event),
                       "== and != agree on " + condition.field + " " + condition.valueJson);
        }
    }
    FUZZ_CHECK(all == each, "the filter and its conditions one by one disagree");
    return 0;
}
