#pragma once
// Internal to core: JSON Pointer (RFC 6901) building and the short value
// descriptions every violation message ends with ("expected a string, got 42").

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck::jsonpath {

// "a/b" -> "a~1b", "m~n" -> "m~0n".
std::string escapeToken(std::string_view token);
std::string unescapeToken(std::string_view token);
// base + "/" + escaped token.
std::string append(std::string_view base, std::string_view token);
std::string append(std::string_view base, std::size_t index);
// Splits "/a/b~1c" into {"a", "b/c"}; "" gives no tokens.
std::vector<std::string> split(std::string_view pointer);

// The value as a person reads it in a message: 42, true, null, "text" (quoted,
// shortened past 60 characters), an empty object, an object, an array.
std::string describeValue(const nlohmann::json& value);
std::string describeValue(const nlohmann::ordered_json& value);
// The kind of value with its article: "a string", "an integer", "an object".
std::string describeType(const nlohmann::json& value);
std::string describeType(const nlohmann::ordered_json& value);

// A string as a quoted JSON string literal, shortened past 60 characters.
std::string quote(std::string_view text);

} // namespace meshdeck::jsonpath
