#pragma once
// The API's one authorization rule: every route, the roles that may call it,
// and how the tenant of what it touches is found. Api dispatches only through
// this table (a path that matches no row is a 404 before any handler runs),
// so a route cannot exist without a rule; tst_authorization walks every row
// x every role x own / other tenant. docs/security.md prints the same table.
//
// Tenants: a token is scoped to one tenant or to "*" (every tenant), and the
// scope binds every role. Another tenant's object answers 404, exactly like
// a missing one, never 403: its existence is not told.

#include "broker/store/token_store.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

struct Principal;

enum class Access {
    Public,    // no token: /healthz only
    Vendor,    // no token: the vendor's own signature, checked by the source (hooks)
    AnyToken,  // every role
    Read,      // viewer, consumer, operator, admin
    Publish,   // producer, admin
    Subscribe, // consumer, operator, admin
    Operate,   // operator, admin
    Admin,     // admin (of its tenant)
    MeshAdmin, // admin over every tenant ("*"): changes that affect all tenants
};

enum class TenantScope {
    Shared,           // the same for every tenant: the schema catalog, whoami
    Filtered,         // answers the token's tenant's rows only (lists, traces, metrics)
    ConsumerInPath,   // {name} is a consumer; its filter.tenant decides
    DeadLetterInPath, // {id} is a dead letter; its event's tenant decides
    EventInPath,      // {id} is an event; its tenant_id decides
    TokenInPath,      // {id} is a token; its tenant decides
    SourceInPath,     // {name} is a vendor source; its tenant decides
    InBody,           // the body names its targets; each is checked as it is read
};

struct Route {
    std::string_view method;  // "GET", ...
    std::string_view pattern; // "/v1/consumers/{name}/pause"
    Access access;
    TenantScope scope;
    // For ConsumerInPath: a missing consumer is not an error (PUT creates).
    bool createsTarget = false;
};

const std::vector<Route>& routeTable();

bool allows(Access access, const Principal& principal);
std::string_view toString(TenantScope scope);
// "viewer, consumer, operator or admin"
std::string rolesAllowed(Access access);

struct RouteMatch {
    const Route* route = nullptr;    // nullptr: no route for this method and path
    bool pathKnown = false;          // the path matches a route of another method
    std::vector<std::string> params; // the {…} segments, in order
};

RouteMatch matchRoute(std::string_view method, std::string_view path);

} // namespace meshdeck
