// mapping::parseRuleset: a mapping file (resources/mappings/*.json, or one of
// a source's own). Its only failure is std::invalid_argument with a sentence
// naming the file; a ruleset that parses maps any vendor item without
// throwing, to an outcome that is consistent: a mapped event carries the
// context's tenant and producer and the event_id derived from the vendor's id.

#include "core/mapping.h"
#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <stdexcept>

using namespace meshdeck;

namespace {

// Items of every kind's shape, and a few that fit none.
const std::vector<nlohmann::json>& sampleItems() {
    static const std::vector<nlohmann::json> items = [] {
        std::vector<nlohmann::json> out;
        for (const char* text : {
                 R"({"eventId":4011932001,"subscriptionId":2264513,"portalId":62515,)"
                 R"("occurredAt":1764234841000,"subscriptionType":"contact.propertyChange",)"
                 R"("attemptNumber":0,"objectId":1246965,"propertyName":"lifecyclestage",)"
                 R"("propertyValue":"marketingqualifiedlead","changeSource":"CRM"})",
                 R"({"OrganizationId":"00D5g000004ABCDEA2","ActionId":"04k5g000000XYZAAA4",)"
                 R"("Id":"04l5g00000ABCDEAA1","sObject":{"type":"Lead","Id":"00Q5g00000Lead1AAA",)"
                 R"("Email":"sam@contoso.example","Status":"Working","LastModifiedDate":)"
                 R"("2026-11-27T09:14:00.000Z","Company":null}})",
                 R"({"type":"track","event":"Demo Booked","messageId":"ajs-next-1764234843",)"
                 R"("userId":"L-1042","timestamp":"2026-11-27T09:14:03.120Z",)"
                 R"("properties":{"demo_id":"D-77","starts_at":"2026-12-01T15:00:00Z"},)"
                 R"("context":{"traits":{"email":"sam@contoso.example"}}})",
                 R"({"id":"evt_001","type":"lead.created","timestamp":"2026-11-27T13:00:00Z",)"
                 R"("data":{"lead_id":"L-2001","email":"sam@contoso.example"},"version":3})",
                 R"({"id":"x","type":["a",{"b":null}],"timestamp":-1e308,"data":"",)"
                 R"("":{"~":{"/":1.5}},"version":18446744073709551615})",
                 R"([1,"two",null,{"three":3}])",
                 R"("a string")",
                 R"(null)",
                 R"({})",
             })
            out.push_back(nlohmann::json::parse(text));
        return out;
    }();
    return items;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);
    mapping::RulesetPtr rules;
    try {
        rules = mapping::parseRuleset(text, "fuzz.json");
    } catch (const std::invalid_argument& e) {
        FUZZ_CHECK(std::string_view(e.what()).starts_with("fuzz.json"),
                   std::string("an error that names no file: ") + e.what());
        return 0;
    } catch (const std::exception& e) {
        FUZZ_CHECK(false,
                   std::string("parseRuleset threw other than invalid_argument: ") + e.what());
    }
    FUZZ_CHECK(rules != nullptr, "parseRuleset returned no ruleset");

    const mapping::Context context{"fuzz-source", "acme", "fuzz-producer", "vendor-id-1",
                                   fromUnixMillis(1764234900000)};
    const std::vector<std::string> names = mapping::ruleNames(*rules);
    for (const nlohmann::json& item : sampleItems()) {
        mapping::Outcome outcome;
        try {
            outcome = mapping::apply(*rules, item, context);
        } catch (const std::exception& e) {
            FUZZ_CHECK(false, std::string("apply threw: ") + e.what() + "\nitem: " + item.dump());
        }
        using K = mapping::Outcome::Kind;
        FUZZ_CHECK(outcome.event.has_value() == (outcome.kind == K::Mapped), outcome.reason);
        FUZZ_CHECK(outcome.kind == K::NoMatch ||
                       std::find(names.begin(), names.end(), outcome.rule) != names.end(),
                   "outcome of an unknown rule '" + outcome.rule + "'");
        if (outcome.kind == K::NoMatch || outcome.kind == K::Failed)
            FUZZ_CHECK(!outcome.reason.empty(), "no reason for rule '" + outcome.rule + "'");
        if (!outcome.event)
            continue;
        const Event& event = *outcome.event;
        FUZZ_CHECK(event.tenantId == context.tenant, "tenant " + event.tenantId);
        FUZZ_CHECK(event.producer == context.producer, "producer " + event.producer);
        FUZZ_CHECK(event.eventId == mapping::hookEventId(context.source, context.vendorEventId),
                   "event_id " + event.eventId);
        FUZZ_CHECK(nlohmann::json::accept(event.payload), "payload is not JSON: " + event.payload);
    }
    return 0;
}
