// POST /v1/hooks/{source}: a vendor's request verified (sources::verify) and
// its body split, mapped with the kind's shipped ruleset and validated against
// the shipped catalog (sources::translate), as the hook does before storing.
//
// Input: one byte choosing the source ('0' hubspot, '1' salesforce-outbound,
// '2' segment, '3' generic with a batch and HMAC over timestamp.body, '4'
// generic with Standard Webhooks; any byte picks one), then the body, then
// optionally a "---" line and the request's headers as "name: value" lines.
// The seeds are the vendors' fixtures with the headers that verify them.
//
// Properties: nothing throws; a refusal has a reason that repeats no secret;
// a body error and items are exclusive; every mapped event is valid, is the
// source's tenant's and producer's, and has the event_id derived from the
// vendor's id of its item.

#include "broker/config.h"
#include "broker/sources/translate.h"
#include "core/envelope.h"
#include "core/mapping.h"
#include "tests/fuzz/fuzz_support.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <map>

using namespace meshdeck;

namespace {

struct HookSource {
    SourceSpec spec;
    mapping::RulesetPtr rules;
};

// Secrets and ids are those of tests/fixtures, so a seed with its fixture's
// headers verifies.
constexpr std::array<std::string_view, 5> kSpecs{
    R"({"name":"hubspot-prod","kind":"hubspot","tenant":"acme","secrets":["hs-client-secret-8f2c1d"],)"
    R"("public_url":"https://mesh.example.com/v1/hooks/hubspot"})",
    R"({"name":"sf","kind":"salesforce-outbound","tenant":"acme","organization_id":"00D5g000004ABCDEA2"})",
    R"({"name":"segment","kind":"segment","tenant":"globex","producer":"segment-web",)"
    R"("secrets":["seg-shared-secret-31a9"]})",
    R"({"name":"orders","kind":"generic","tenant":"acme","mapping":"generic.json",)"
    R"("event_id_pointer":"/id","batch_pointer":"/events","secrets":["gen-ts-secret-77b0"],)"
    R"("verification":{"scheme":"hmac","header":"x-orders-signature","algorithm":"sha256",)"
    R"("encoding":"hex","signed_content":"timestamp.body","timestamp_header":"x-orders-timestamp"}})",
    R"({"name":"tool","kind":"generic","tenant":"initech","event_id_pointer":"/id",)"
    R"("secrets":["whsec_bWVzaGRlY2stb3V0Ym91bmQta2V5LTAxMjM0NTY3ODlhYg=="],)"
    R"("verification":{"scheme":"standard-webhooks"}})",
};

// 2025-11-27T09:15:00Z: within every fixture's timestamp tolerance.
const Timestamp kNow = fromUnixMillis(1764234900000);

const std::vector<HookSource>& hookSources() {
    static const std::vector<HookSource> sources = [] {
        const std::filesystem::path mappings = findShippedMappingsDir();
        std::vector<HookSource> out;
        for (std::string_view text : kSpecs) {
            ParsedSource parsed = parseSourceSpec(text);
            FUZZ_CHECK(parsed.spec, "fixed spec does not parse: " + describe(parsed.violations));
            const std::string file = parsed.spec->mapping.empty()
                                         ? std::string(toString(parsed.spec->kind)) + ".json"
                                         : parsed.spec->mapping;
            const std::string rules = fuzz::readFile(mappings / file);
            FUZZ_CHECK(!rules.empty(), "no ruleset " + (mappings / file).string());
            try {
                out.push_back({std::move(*parsed.spec), mapping::parseRuleset(rules, file)});
            } catch (const std::exception& e) {
                FUZZ_CHECK(false, std::string("shipped ruleset does not load: ") + e.what());
            }
        }
        return out;
    }();
    return sources;
}

// "Name: value" lines, names in lower case as the HTTP layer hands them over.
std::map<std::string, std::string> headersFrom(std::string_view text) {
    std::map<std::string, std::string> headers;
    while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        std::string name(line.substr(0, colon));
        for (char& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        headers[std::move(name)] = std::string(value);
    }
    return headers;
}

bool isUuid(std::string_view id) {
    if (id.size() != 36)
        return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const char c = id[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

void checkVerification(const SourceSpec& spec, const sources::HookRequest& request) {
    const sources::Verification v = sources::verify(spec, request, kNow);
    FUZZ_CHECK(v.ok == v.reason.empty(), "ok " + std::to_string(v.ok) + ", reason " + v.reason);
    FUZZ_CHECK(!v.stale || !v.ok, "stale yet verified");
    for (const std::string& secret : spec.secrets)
        FUZZ_CHECK(v.reason.find(secret) == std::string::npos,
                   "the reason repeats a secret: " + v.reason);
}

void checkTranslation(const SourceSpec& spec, const mapping::Ruleset& rules,
                      std::string_view body) {
    using O = sources::TranslatedItem::Outcome;
    const sources::Translation t =
        sources::translate(spec, rules, body, fuzz::shippedCatalog(), kNow);
    if (!t.error.empty()) {
        FUZZ_CHECK(t.items.empty(), "an error and items: " + t.error);
        FUZZ_CHECK(t.errorStatus == 400 ||
                       (t.errorStatus == 401 && spec.kind == SourceKind::SalesforceOutbound),
                   "status " + std::to_string(t.errorStatus) + ": " + t.error);
        return;
    }
    const std::string producer = spec.producer.empty() ? spec.name : spec.producer;
    EnvelopeOptions envelope;
    envelope.allowMissingEventId = false;
    envelope.registry = &fuzz::shippedCatalog();
    for (const sources::TranslatedItem& item : t.items) {
        const std::string at = item.where + " (" + std::string(toString(item.outcome)) + ")";
        FUZZ_CHECK(!item.vendorId.empty(), "an item without its vendor id at " + at);
        switch (item.outcome) {
        case O::Mapped: {
            FUZZ_CHECK(item.event && item.violations.empty() && !item.rule.empty(), at);
            const Event& event = *item.event;
            FUZZ_CHECK(event.tenantId == spec.tenant, at + ": tenant " + event.tenantId);
            FUZZ_CHECK(event.producer == producer, at + ": producer " + event.producer);
            FUZZ_CHECK(isUuid(event.eventId), at + ": event_id " + event.eventId);
            FUZZ_CHECK(event.eventId == mapping::hookEventId(spec.name, item.vendorId),
                       at + ": event_id " + event.eventId + " not derived from " + item.vendorId);
            // What is stored is what POST /v1/events would accept.
            const ParsedEvent again = parseEvent(serializeEvent(event), envelope);
            FUZZ_CHECK(again.event, at + ": " + describe(again.violations));
            break;
        }
        case O::Invalid:
            FUZZ_CHECK(item.event && !item.violations.empty() && !item.reason.empty(), at);
            FUZZ_CHECK(item.event->tenantId == spec.tenant,
                       at + ": tenant " + item.event->tenantId);
            break;
        case O::Ignored:
            FUZZ_CHECK(!item.event && !item.rule.empty(), at);
            break;
        case O::NoMatch:
        case O::Failed:
            FUZZ_CHECK(!item.event && !item.reason.empty(), at + ": " + item.reason);
            break;
        }
        FUZZ_CHECK(item.outcome == O::Mapped || item.outcome == O::Ignored || !item.item.is_null(),
                   at + ": quarantined without the vendor's item");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::vector<HookSource>& all = hookSources();
    const HookSource& source = all[static_cast<std::uint8_t>(data[0] - '0') % all.size()];
    const std::vector<std::string_view> parts = fuzz::splitParts(fuzz::asText(data + 1, size - 1));

    sources::HookRequest request;
    request.method = "POST";
    request.body = std::string(fuzz::part(parts, 0));
    request.headers = headersFrom(fuzz::part(parts, 1));
    try {
        checkVerification(source.spec, request);
        checkTranslation(source.spec, *source.rules, request.body);
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string("an exception escaped: ") + e.what());
    }
    return 0;
}
