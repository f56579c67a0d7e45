#include "broker/gateway/routes.h"

#include "broker/auth.h"
#include "broker/gateway/api_support.h"

namespace meshdeck {

namespace {

using A = Access;
using S = TenantScope;

} // namespace

const std::vector<Route>& routeTable() {
    static const std::vector<Route> routes = {
        {"GET", "/healthz", A::Public, S::Shared},
        {"GET", "/metrics", A::Read, S::Filtered},
        {"GET", "/v1/whoami", A::AnyToken, S::Shared},

        {"POST", "/v1/events", A::Publish, S::InBody},
        {"GET", "/v1/events", A::Read, S::Filtered},
        {"GET", "/v1/events/{id}", A::Read, S::EventInPath},

        {"GET", "/v1/schemas", A::AnyToken, S::Shared},
        {"GET", "/v1/schemas/{type}/versions", A::AnyToken, S::Shared},
        {"POST", "/v1/schemas/{type}/versions", A::MeshAdmin, S::Shared},
        {"POST", "/v1/schemas/{type}/check", A::AnyToken, S::Shared},
        {"POST", "/v1/schemas/{type}/validate", A::AnyToken, S::Shared},

        {"GET", "/v1/quarantine", A::Admin, S::Filtered},
        {"GET", "/v1/audit", A::Read, S::Filtered},
        {"POST", "/v1/tokens", A::Admin, S::InBody},
        {"DELETE", "/v1/tokens/{id}", A::Admin, S::TokenInPath},

        {"GET", "/v1/flows", A::Read, S::Filtered},
        {"GET", "/v1/consumers", A::Read, S::Filtered},
        {"POST", "/v1/consumers", A::Admin, S::InBody},
        {"GET", "/v1/consumers/{name}", A::Read, S::ConsumerInPath},
        {"PUT", "/v1/consumers/{name}", A::Admin, S::ConsumerInPath, true},
        {"DELETE", "/v1/consumers/{name}", A::Admin, S::ConsumerInPath},
        {"POST", "/v1/consumers/{name}/pause", A::Operate, S::ConsumerInPath},
        {"POST", "/v1/consumers/{name}/resume", A::Operate, S::ConsumerInPath},
        {"POST", "/v1/consumers/{name}/replay", A::Operate, S::ConsumerInPath},
        {"GET", "/v1/consumers/{name}/history", A::Read, S::ConsumerInPath},
        {"POST", "/v1/replay", A::Operate, S::InBody},

        {"GET", "/v1/dead-letters", A::Read, S::Filtered},
        {"GET", "/v1/dead-letters/groups", A::Read, S::Filtered},
        {"GET", "/v1/dead-letters/{id}", A::Read, S::DeadLetterInPath},
        {"POST", "/v1/dead-letters/replay", A::Operate, S::InBody},
        {"POST", "/v1/dead-letters/discard", A::Operate, S::InBody},
        {"POST", "/v1/dead-letters/{id}/replay", A::Operate, S::DeadLetterInPath},

        {"GET", "/v1/sources", A::Read, S::Filtered},
        {"POST", "/v1/sources", A::Admin, S::InBody},
        {"GET", "/v1/sources/{name}", A::Read, S::SourceInPath},
        {"PUT", "/v1/sources/{name}", A::Admin, S::SourceInPath, true},
        {"DELETE", "/v1/sources/{name}", A::Admin, S::SourceInPath},
        {"POST", "/v1/sources/{name}/test", A::Operate, S::SourceInPath},
        // Vendors post here with their own signature, never a token; the
        // events go to the source's tenant.
        {"POST", "/v1/hooks/{source}", A::Vendor, S::SourceInPath},

        {"GET", "/v1/traces/{correlation_id}", A::Read, S::Filtered},
        {"GET", "/v1/stall", A::Read, S::Filtered},
        // Any id: every match is in a tenant the token may see.
        {"GET", "/v1/search", A::Read, S::Filtered},

        // WebSocket upgrades (http_server.cpp): the subscribe frame names the
        // consumer; the live feed carries the token's tenant's consumers only.
        {"GET", "/v1/subscribe", A::Subscribe, S::InBody},
        {"GET", "/v1/live", A::Read, S::Filtered},
    };
    return routes;
}

bool allows(Access access, const Principal& p) {
    switch (access) {
    case A::Public:
    case A::Vendor:
    case A::AnyToken:
        return true;
    case A::Read:
        return p.role != Role::Producer;
    case A::Publish:
        return p.role == Role::Producer || p.role == Role::Admin;
    case A::Subscribe:
        return p.role == Role::Consumer || p.role == Role::Operator || p.role == Role::Admin;
    case A::Operate:
        return p.role == Role::Operator || p.role == Role::Admin;
    case A::Admin:
        return p.role == Role::Admin;
    case A::MeshAdmin:
        return p.role == Role::Admin && p.allTenants();
    }
    return false;
}

std::string_view toString(TenantScope scope) {
    switch (scope) {
    case S::Shared:
        return "shared by all tenants";
    case S::Filtered:
        return "the token's tenant's rows only";
    case S::ConsumerInPath:
        return "the consumer's tenant";
    case S::DeadLetterInPath:
        return "the dead letter's tenant";
    case S::EventInPath:
        return "the event's tenant";
    case S::TokenInPath:
        return "the token's tenant";
    case S::SourceInPath:
        return "the source's tenant";
    case S::InBody:
        return "each target named in the body";
    }
    return "?";
}

std::string rolesAllowed(Access access) {
    switch (access) {
    case A::Public:
        return "anyone, without a token";
    case A::Vendor:
        return "the vendor, by the source's signature (no token)";
    case A::AnyToken:
        return "any token";
    case A::Read:
        return "viewer, consumer, operator or admin";
    case A::Publish:
        return "producer or admin";
    case A::Subscribe:
        return "consumer, operator or admin";
    case A::Operate:
        return "operator or admin";
    case A::Admin:
        return "admin";
    case A::MeshAdmin:
        return "admin over every tenant (\"*\")";
    }
    return "?";
}

RouteMatch matchRoute(std::string_view method, std::string_view path) {
    const auto parts = api::splitPath(path);
    RouteMatch best;
    int bestLiterals = -1;
    for (const Route& route : routeTable()) {
        const auto pattern = api::splitPath(route.pattern);
        if (pattern.size() != parts.size())
            continue;
        std::vector<std::string> params;
        int literals = 0;
        bool matches = true;
        for (std::size_t i = 0; i < parts.size() && matches; ++i) {
            if (pattern[i].starts_with('{'))
                params.emplace_back(parts[i]);
            else if (pattern[i] == parts[i])
                ++literals;
            else
                matches = false;
        }
        if (!matches)
            continue;
        if (route.method != method) {
            best.pathKnown = true;
            continue;
        }
        // "/v1/dead-letters/groups" wins over "/v1/dead-letters/{id}".
        if (literals > bestLiterals) {
            bestLiterals = literals;
            best.route = &route;
            best.params = std::move(params);
        }
    }
    return best;
}

} // namespace meshdeck
