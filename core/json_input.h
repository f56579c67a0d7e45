#pragma once
// JSON from outside the process: request bodies, WebSocket frames, consumer
// specs, schemas, the config file. Every such text goes through parse() here,
// which enforces what all inputs share before nlohmann's parser sees a byte:
//
//   - nesting no deeper than maxDepth() levels (64 unless configured): checked
//     by one linear scan, so nothing recursive (the parser's callers, dump,
//     copies, schema validation) can ever meet a value deep enough to exhaust
//     the stack;
//   - no NUL byte (JSON never has a raw one, and C strings would stop there);
//   - nothing but whitespace after the value.
//
// Errors are sentences with the byte offset, for a problem+json detail.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace meshdeck::json_input {

inline constexpr int kDefaultMaxDepth = 64;

// Process-wide; meshd sets it from the config's limits.json_depth at start.
void setMaxDepth(int depth);
int maxDepth();

// "" when the text keeps the limits; otherwise what is wrong and where.
std::string checkLimits(std::string_view text, int depthLimit = maxDepth());

// False (and error set) when the text breaks a limit or is not JSON.
bool parse(std::string_view text, nlohmann::json& out, std::string& error);
bool parse(std::string_view text, nlohmann::ordered_json& out, std::string& error);

// An error from parse() about a named input: "the body is not valid JSON:
// ..." or "the body: the JSON text nests deeper than 64 levels ...".
std::string about(std::string_view subject, const std::string& error);

// The same, throwing std::invalid_argument with that sentence: for call
// sites that already turn an exception into a violation.
nlohmann::json parseOrThrow(std::string_view text);

} // namespace meshdeck::json_input
