#pragma once
// RFC 9457 problem documents (application/problem+json): every refusal the
// API gives says what went wrong, where, and what to do about it.
//   {"type":"urn:meshdeck:problem:invalid-event","title":"Invalid event",
//    "status":422,"detail":"2 problems in the request; nothing was stored",
//    "violations":[{"path":"/0/entity/id","message":"..."}]}

#include "broker/gateway/api.h"
#include "core/error.h"

#include <string>
#include <string_view>

namespace meshdeck::problem {

ApiResponse make(int status, std::string_view type, std::string_view title, std::string detail,
                 const Violations& violations = {});

inline ApiResponse unauthorized() {
    auto r = make(401, "unauthorized", "Unauthorized",
                  "send Authorization: Bearer <token>; the token is missing, unknown or revoked");
    r.headers["www-authenticate"] = "Bearer";
    return r;
}
inline ApiResponse forbidden(std::string detail, const Violations& v = {}) {
    return make(403, "forbidden", "Forbidden", std::move(detail), v);
}
inline ApiResponse notFound(std::string detail) {
    return make(404, "not-found", "Not found", std::move(detail));
}
// A bug caught by the last-resort boundary: this request failed, the process
// goes on, and the log has the details.
inline ApiResponse internalError() {
    return make(500, "internal-error", "Internal error",
                "meshd hit a bug while answering this request; it was logged as "
                "\"internal error\" and counted in meshdeck_internal_errors_total. The broker "
                "goes on; nothing it acknowledged before is lost");
}
inline ApiResponse badRequest(std::string detail, const Violations& v = {}) {
    return make(400, "bad-request", "Bad request", std::move(detail), v);
}

} // namespace meshdeck::problem
