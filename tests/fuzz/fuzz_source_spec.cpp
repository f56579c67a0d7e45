// parseSourceSpec: a vendor source as POST /v1/sources and the config file's
// "sources" entries declare it. Every violation names a pointer under the
// prefix given; a spec read survives sourceSpecToJson -> parseSourceSpec
// unchanged (as the source store writes and reads it), and its masked form,
// shown by GET /v1/sources, still names every other field.

#include "core/source_spec.h"
#include "tests/fuzz/fuzz_support.h"

#include <exception>
#include <nlohmann/json.hpp>

using namespace meshdeck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);
    try {
        const ParsedSource parsed = parseSourceSpec(text, "/sources/1");
        FUZZ_CHECK(parsed.spec.has_value() == parsed.violations.empty(),
                   "violations: " + describe(parsed.violations));
        for (const Violation& v : parsed.violations)
            FUZZ_CHECK(v.path.starts_with("/sources/1") && !v.message.empty(),
                       "violation '" + v.path + "': " + v.message);
        if (!parsed.spec)
            return 0;
        const SourceSpec& spec = *parsed.spec;
        FUZZ_CHECK(spec.origin == "api", "origin " + spec.origin);

        const std::string written = sourceSpecToJson(spec, false);
        const ParsedSource again = parseSourceSpec(written);
        FUZZ_CHECK(again.spec, "sourceSpecToJson wrote a spec that does not parse: " + written +
                                   "\n" + describe(again.violations));
        FUZZ_CHECK(*again.spec == spec, "read back differently: " + written + "\nas " +
                                            sourceSpecToJson(*again.spec, false));

        // The masked form never shows a secret; with the secrets put back
        // (the count is kept) it is the same spec.
        const std::string masked = sourceSpecToJson(spec, true);
        const nlohmann::json maskedJson = nlohmann::json::parse(masked);
        if (maskedJson.contains("secrets"))
            for (const nlohmann::json& secret : maskedJson["secrets"])
                FUZZ_CHECK(secret == "********", "a secret in the masked form: " + masked);
        const ParsedSource shown = parseSourceSpec(masked);
        FUZZ_CHECK(shown.spec,
                   "the masked form does not parse: " + masked + "\n" + describe(shown.violations));
        SourceSpec unmasked = *shown.spec;
        FUZZ_CHECK(unmasked.secrets.size() == spec.secrets.size(), masked);
        unmasked.secrets = spec.secrets;
        FUZZ_CHECK(unmasked == spec, "the masked form differs beyond its secrets: " + masked);
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string("an exception escaped: ") + e.what());
    }
    return 0;
}
