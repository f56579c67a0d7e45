// core/json_path.h: JSON Pointer (RFC 6901) tokens, pointers and the value
// descriptions every violation message ends with - the pointers and values
// all come from producers' bodies. Checked: escaping round-trips, split undoes
// append, a quoted text is always a valid JSON string and is the text itself
// when short and valid UTF-8.

#include "core/json_path.h"
#include "tests/fuzz/fuzz_support.h"

#include <nlohmann/json.hpp>

using namespace meshdeck;

namespace {

bool isValidUtf8(std::string_view text) {
    try {
        (void)nlohmann::json(text).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

template <typename Json> void describeAll(std::string_view text) {
    const Json value = Json::parse(text, nullptr, false);
    if (value.is_discarded())
        return;
    FUZZ_CHECK(!jsonpath::describeValue(value).empty(), std::string(text));
    FUZZ_CHECK(!jsonpath::describeType(value).empty(), std::string(text));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);

    // The input as one token.
    const std::string escaped = jsonpath::escapeToken(text);
    FUZZ_CHECK(jsonpath::unescapeToken(escaped) == text, escaped);
    FUZZ_CHECK(escaped.find('/') == std::string::npos, escaped);
    const auto single = jsonpath::split(jsonpath::append("", text));
    FUZZ_CHECK(single.size() == 1 && single[0] == text, jsonpath::append("", text));

    // The input as a pointer: rebuilt from its tokens, it splits the same.
    const auto tokens = jsonpath::split(text);
    std::string rebuilt;
    for (const std::string& token : tokens)
        rebuilt = jsonpath::append(rebuilt, token);
    FUZZ_CHECK(jsonpath::split(rebuilt) == tokens,
               "pointer " + std::string(text) + " rebuilt as " + rebuilt);
    if (!tokens.empty()) {
        FUZZ_CHECK(
            jsonpath::append(rebuilt, tokens.size()).ends_with("/" + std::to_string(tokens.size())),
            rebuilt);
    }

    // The input quoted for a message.
    const std::string quoted = jsonpath::quote(text);
    const auto parsed = nlohmann::json::parse(quoted, nullptr, false);
    FUZZ_CHECK(parsed.is_string(), "quote wrote " + quoted);
    if (text.size() <= 60 && isValidUtf8(text))
        FUZZ_CHECK(parsed.get<std::string>() == text, "quote wrote " + quoted);

    // The input as a JSON value.
    describeAll<nlohmann::json>(text);
    describeAll<nlohmann::ordered_json>(text);
    return 0;
}
