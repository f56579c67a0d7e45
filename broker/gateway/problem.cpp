#include "broker/gateway/problem.h"

#include <nlohmann/json.hpp>

namespace meshdeck::problem {

ApiResponse make(int status, std::string_view type, std::string_view title, std::string detail,
                 const Violations& violations) {
    nlohmann::ordered_json j;
    j["type"] = "urn:meshdeck:problem:" + std::string(type);
    j["title"] = title;
    j["status"] = status;
    j["detail"] = detail;
    if (!violations.empty()) {
        auto& list = j["violations"] = nlohmann::ordered_json::array();
        for (const auto& v : violations)
            list.push_back({{"path", v.path}, {"message", v.message}});
    }
    ApiResponse r;
    r.status = status;
    r.contentType = "application/problem+json";
    r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

} // namespace meshdeck::problem
