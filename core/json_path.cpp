#include "core/json_path.h"

namespace meshdeck::jsonpath {

namespace {

constexpr std::size_t kQuotedLimit = 60;

// Shortens on a UTF-8 character boundary so the quoted text stays valid.
std::string shorten(std::string_view text) {
    if (text.size() <= kQuotedLimit)
        return std::string(text);
    std::size_t cut = kQuotedLimit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return std::string(text.substr(0, cut)) + "...";
}

template <typename Json> std::string describeValueImpl(const Json& value) {
    switch (value.type()) {
    case Json::value_t::string:
        return quote(value.template get_ref<const std::string&>());
    case Json::value_t::object:
        return value.empty() ? "an empty object" : "an object";
    case Json::value_t::array:
        return value.empty() ? "an empty array" : "an array";
    case Json::value_t::discarded:
        return "nothing";
    default:
        return value.dump();
    }
}

template <typename Json> std::string describeTypeImpl(const Json& value) {
    switch (value.type()) {
    case Json::value_t::null:
        return "null";
    case Json::value_t::boolean:
        return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
        return "an integer";
    case Json::value_t::number_float:
        return "a number";
    case Json::value_t::string:
        return "a string";
    case Json::value_t::object:
        return "an object";
    case Json::value_t::array:
        return "an array";
    default:
        return "nothing";
    }
}

} // namespace

std::string escapeToken(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (char c : token) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string unescapeToken(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() &&
            (token[i + 1] == '0' || token[i + 1] == '1')) {
            out += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += token[i];
        }
    }
    return out;
}

std::string append(std::string_view base, std::string_view token) {
    std::string out(base);
    out += '/';
    out += escapeToken(token);
    return out;
}

std::string append(std::string_view base, std::size_t index) {
    return append(base, std::to_string(index));
}

std::vector<std::string> split(std::string_view pointer) {
    std::vector<std::string> tokens;
    if (pointer.empty())
        return tokens;
    std::size_t start = pointer.front() == '/' ? 1 : 0;
    while (true) {
        const std::size_t slash = pointer.find('/', start);
        tokens.push_back(unescapeToken(pointer.substr(start, slash - start)));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return tokens;
}

std::string quote(std::string_view text) {
    return nlohmann::json(shorten(text))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string describeValue(const nlohmann::json& value) {
    return describeValueImpl(value);
}
std::string describeValue(const nlohmann::ordered_json& value) {
    return describeValueImpl(value);
}
std::string describeType(const nlohmann::json& value) {
    return describeTypeImpl(value);
}
std::string describeType(const nlohmann::ordered_json& value) {
    return describeTypeImpl(value);
}

} // namespace meshdeck::jsonpath
