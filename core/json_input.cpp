#include "core/json_input.h"

#include <atomic>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace meshdeck::json_input {

namespace {

std::atomic<int> configuredDepth{kDefaultMaxDepth};

// nlohmann's message without its "[json.exception.parse_error.101] " tag.
std::string withoutTag(const std::string& what) {
    const auto close = what.find("] ");
    return close == std::string::npos ? what : what.substr(close + 2);
}

template <class Json> bool parseInto(std::string_view text, Json& out, std::string& error) {
    error = checkLimits(text);
    if (!error.empty())
        return false;
    try {
        out = Json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        error = "not valid JSON: " + withoutTag(e.what());
        return false;
    }
    return true;
}

} // namespace

void setMaxDepth(int depth) {
    configuredDepth = depth < 1 ? 1 : depth;
}

int maxDepth() {
    return configuredDepth;
}

std::string checkLimits(std::string_view text, int depthLimit) {
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\0')
            return "the JSON text has a NUL byte at byte " + std::to_string(i) +
                   "; JSON writes it as \\u0000 inside a string, and nothing may follow the value";
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > depthLimit)
                return "the JSON text nests deeper than " + std::to_string(depthLimit) +
                       " levels (at byte " + std::to_string(i) +
                       "); flatten it, or raise limits.json_depth in meshd's config";
        } else if (c == ']' || c == '}') {
            if (depth > 0)
                --depth;
        }
    }
    return {};
}

bool parse(std::string_view text, nlohmann::json& out, std::string& error) {
    return parseInto(text, out, error);
}

bool parse(std::string_view text, nlohmann::ordered_json& out, std::string& error) {
    return parseInto(text, out, error);
}

std::string about(std::string_view subject, const std::string& error) {
    if (error.starts_with("not valid JSON"))
        return std::string(subject) + " is " + error;
    return std::string(subject) + ": " + error;
}

nlohmann::json parseOrThrow(std::string_view text) {
    nlohmann::json out;
    std::string error;
    if (!parse(text, out, error))
        throw std::invalid_argument(error);
    return out;
}

} // namespace meshdeck::json_input
