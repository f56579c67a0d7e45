#pragma once
// Internal to broker/gateway: small helpers every route file uses.

#include "broker/auth.h"
#include "broker/gateway/api.h"
#include "core/error.h"
#include "core/json_input.h"

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

// ?limit= on every listing: 1 to 1000, 100 when absent. A bad value is a
// violation (400), never silently clamped.
inline int limitParam(const ApiRequest& req, Violations& bad, int fallback = 100) {
    auto v = queryValue(req, "limit");
    if (!v)
        return fallback;
    auto n = parseInt(*v);
    if (!n || *n < 1 || *n > 1000) {
        bad.push_back({"limit", "expected an integer from 1 to 1000, got '" + *v + "'"});
        return fallback;
    }
    return static_cast<int>(*n);
}

// ?before= on listings paged by id, newest first: the next_before of the
// previous page (an id >= 1).
inline std::optional<std::int64_t> beforeParam(const ApiRequest& req, const char* what,
                                               Violations& bad) {
    auto v = queryValue(req, "before");
    if (!v)
        return std::nullopt;
    auto n = parseInt(*v);
    if (!n || *n < 1) {
        bad.push_back(
            {"before", std::string("expected ") + what + " (an integer >= 1), got '" + *v + "'"});
        return std::nullopt;
    }
    return n;
}

// ?tenant= on filtered reads: a "*" token may pick any tenant (or none: all);
// a tenant's token reads its own tenant only, and naming another sets
// `refusal` (answered 403).
inline std::optional<std::string> tenantParam(const ApiRequest& req, const Principal& p,
                                              std::string& refusal) {
    auto v = queryValue(req, "tenant");
    if (p.allTenants())
        return v;
    if (v && *v != p.tenant)
        refusal = "this token may read tenant '" + p.tenant + "' only, not '" + *v + "'";
    return p.tenant;
}

// "" when the body is JSON within the input limits, else why not.
inline std::string jsonBodyError(std::string_view body) {
    nlohmann::json ignored;
    std::string error;
    json_input::parse(body, ignored, error);
    return error;
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
