#pragma once
// Internal to broker/gateway: small helpers every route file uses.

#include "broker/gateway/api.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck::api {

inline ApiResponse jsonResponse(int status, const nlohmann::ordered_json& body) {
    ApiResponse r;
    r.status = status;
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

inline std::optional<std::string> queryValue(const ApiRequest& req, const std::string& name) {
    auto it = req.query.find(name);
    if (it == req.query.end())
        return std::nullopt;
    return it->second;
}

inline std::optional<std::int64_t> parseInt(std::string_view text) {
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size())
        return std::nullopt;
    return v;
}

// "/v1/schemas/LeadScored/versions" -> {"v1","schemas","LeadScored","versions"}
inline std::vector<std::string_view> splitPath(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start < path.size()) {
        if (path[start] == '/') {
            ++start;
            continue;
        }
        const auto end = path.find('/', start);
        parts.push_back(
            path.substr(start, end == std::string_view::npos ? path.npos : end - start));
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    return parts;
}

} // namespace meshdeck::api
