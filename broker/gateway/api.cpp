#include "broker/gateway/api.h"

#include "broker/broker_core.h"
#include "broker/gateway/api_support.h"
#include "broker/gateway/delivery_api.h"
#include "broker/gateway/hooks.h"
#include "broker/gateway/problem.h"
#include "broker/gateway/publish.h"
#include "broker/gateway/routes.h"
#include "broker/gateway/search_api.h"
#include "broker/gateway/sources_api.h"
#include "broker/log.h"
#include "core/envelope.h"
#include "core/json_input.h"
#include "core/json_read.h"

#include <atomic>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

namespace meshdeck {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

using api::jsonResponse;
using api::parseInt;
using api::queryValue;
using api::splitPath;

namespace {

// Who sent a rejected input and what it claimed to be, read from what the
// quarantine keeps (read at answer time, so entries kept before this existed
// say it too): the envelope's producer and event_type (a CloudEvent's source
// and type; a batch's first event), else for a vendor hook the source's name,
// else the token's name, else "unknown". The type is "" when unreadable.
struct ClaimedOrigin {
    std::string producer;
    std::string eventType;
};

ClaimedOrigin claimedOrigin(const QuarantineEntry& entry,
                            const std::map<std::string, std::string, std::less<>>& tokenNames) {
    ClaimedOrigin origin;
    json body;
    if (std::string error; !json_input::parse(entry.body, body, error))
        body = nullptr;
    const json* first = body.is_array() && !body.empty() ? &body.front() : &body;
    const auto text = [first](const char* key, const char* alt) {
        for (const char* k : {key, alt}) {
            const auto it = first->find(k);
            if (it != first->end() && it->is_string() && !it->get_ref<const std::string&>().empty())
                return it->get<std::string>();
        }
        return std::string();
    };
    constexpr std::string_view kHook = "POST /v1/hooks/";
    const bool hook = std::string_view(entry.source).starts_with(kHook);
    if (first->is_object() && !hook) {
        origin.producer = text("producer", "source");
        origin.eventType = text("event_type", "type");
    }
    if (origin.producer.empty() && hook)
        origin.producer = entry.source.substr(kHook.size());
    if (origin.producer.empty()) {
        const auto it = tokenNames.find(entry.tokenId);
        origin.producer = it != tokenNames.end() ? it->second : "unknown";
    }
    return origin;
}

ojson schemaSummary(const SchemaInfo& info) {
    ojson j;
    j["event_type"] = info.eventType;
    j["version"] = info.version;
    j["owner"] = info.owner;
    j["slo_class"] = info.sloClass;
    j["pii"] = info.piiPaths;
    j["description"] = info.description;
    return j;
}

} // namespace

struct Api::Impl {
    BrokerCore& core;
    PublishHandler publisher;
    DeliveryApi delivery;
    HookHandler hooks;
    SourcesApi sources;
    SearchApi search;

    explicit Impl(BrokerCore& c)
        : core(c), publisher(c), delivery(c), hooks(c), sources(c), search(c) {}

    void route(ApiRequest& req, Respond& respond);
    void dispatchRoute(const Route& route, const std::vector<std::string>& params, ApiRequest req,
                       const Principal& p, Respond respond);
    std::optional<std::string> tenantOf(TenantScope scope, const std::string& id);

    // Each handler either answers at once (returns a response) or takes the
    // respond callback and answers later.
    void listEvents(ApiRequest req, Principal p, Respond respond);
    void getEvent(std::string id, Principal p, Respond respond);
    ApiResponse listSchemas();
    ApiResponse schemaVersions(const std::string& type);
    ApiResponse registerSchema(const ApiRequest& req, const Principal& p, const std::string& type);
    ApiResponse checkSchema(const ApiRequest& req, const std::string& type);
    ApiResponse validatePayload(const ApiRequest& req, const std::string& type);
    void listQuarantine(ApiRequest req, const Principal& p, Respond respond);
    void listAudit(ApiRequest req, const Principal& p, Respond respond);
    ApiResponse createToken(const ApiRequest& req, const Principal& p);
    void revokeToken(const std::string& id, const Principal& p, Respond respond);
    void health(Respond respond);
    void metrics(const Principal& p, Respond respond);
};

namespace {

// Answers once, and answers 500 when every copy of a request's callback is
// dropped unanswered (a handler threw on a reader thread): a bug costs the
// client one request, never a wait for its timeout.
class OnceResponder {
public:
    OnceResponder(Respond respond, Metrics& metrics)
        : respond_(std::move(respond)), metrics_(metrics) {}
    OnceResponder(const OnceResponder&) = delete;
    OnceResponder& operator=(const OnceResponder&) = delete;
    ~OnceResponder() {
        if (answered_.exchange(true))
            return;
        metrics_.countInternalError("request");
        auto r = problem::internalError();
        r.route = "internal-error";
        respond_(std::move(r));
    }
    void operator()(ApiResponse r) {
        if (!answered_.exchange(true))
            respond_(std::move(r));
    }

private:
    Respond respond_;
    Metrics& metrics_;
    std::atomic<bool> answered_{false};
};

} // namespace

Api::Api(BrokerCore& core) : impl_(std::make_unique<Impl>(core)) {}
Api::~Api() = default;

void Api::handle(ApiRequest request, Respond respond) {
    auto once = std::make_shared<OnceResponder>(std::move(respond), impl_->core.metrics());
    Respond guarded = [once](ApiResponse r) {
        (*once)(std::move(r));
    };
    try {
        impl_->route(request, guarded);
    } catch (const std::exception& e) {
        log::error("internal error",
                   {{"method", request.method}, {"path", request.path}, {"error", e.what()}});
        impl_->core.metrics().countInternalError("request");
        auto r = problem::internalError();
        r.route = "internal-error";
        guarded(std::move(r));
    }
}

ApiResponse Api::bodyTooLarge(const ApiRequest& req, std::size_t limit) {
    return impl_->publisher.tooLarge(req, limit);
}

// The one place where a request meets the authorization rule (routes.h): the
// route table decides who may call what, and a target named in the path is
// looked up here, before any handler runs, so another tenant's object is a
// 404 exactly like a missing one.
void Api::Impl::route(ApiRequest& req, Respond& respond) {
    const RouteMatch match = matchRoute(req.method, req.path);
    if (match.route && match.route->access == Access::Public)
        return health([respond](ApiResponse r) {
            r.route = "/healthz";
            respond(std::move(r));
        });
    // A vendor's webhook: its signature is its authentication, whatever
    // Authorization header it may carry.
    if (match.route && match.route->access == Access::Vendor)
        return hooks.handle(std::move(req), match.params.front(), [respond](ApiResponse r) {
            r.route = "/v1/hooks/{source}";
            respond(std::move(r));
        });

    std::optional<Principal> principal;
    if (auto it = req.headers.find("authorization"); it != req.headers.end())
        principal = core.auth().authenticate(it->second);
    if (!principal) {
        core.metrics().countRejection("unauthenticated");
        auto r = problem::unauthorized();
        r.route = "unauthenticated";
        return respond(std::move(r));
    }
    const Principal& p = *principal;
    if (!match.route) {
        auto r = match.pathKnown
                     ? problem::make(405, "method-not-allowed", "Method not allowed",
                                     req.method + " is not allowed on " + req.path +
                                         "; see the README's API section for the routes")
                     : problem::notFound("no route " + req.method + ' ' + req.path +
                                         "; see the README's API section for the routes");
        r.route = "unknown";
        return respond(std::move(r));
    }
    const Route& route = *match.route;
    const std::string routeName(route.pattern);
    Respond named = [respond, routeName](ApiResponse r) {
        if (r.route.empty())
            r.route = routeName;
        respond(std::move(r));
    };
    if (!allows(route.access, p)) {
        auto r = problem::forbidden("this token's role (" + std::string(toString(p.role)) +
                                    (p.allTenants() ? "" : ", tenant " + p.tenant) + ") may not " +
                                    std::string(route.method) + ' ' + std::string(route.pattern) +
                                    " (" + rolesAllowed(route.access) + " role needed)");
        r.route = "forbidden";
        return respond(std::move(r));
    }
    auto dispatch = [this, match, named](ApiRequest request, Principal who) {
        dispatchRoute(*match.route, match.params, std::move(request), who, named);
    };
    if (p.allTenants())
        return dispatch(std::move(req), p);

    const std::string target = match.params.empty() ? std::string() : match.params.front();
    switch (route.scope) {
    case TenantScope::Shared:
    case TenantScope::Filtered:
    case TenantScope::InBody:
        return dispatch(std::move(req), p);
    case TenantScope::ConsumerInPath: {
        const auto tenant = core.delivery().consumerTenant(target);
        if (tenant ? *tenant == p.tenant : route.createsTarget)
            return dispatch(std::move(req), p);
        return named(problem::notFound("no consumer named " + target + " for tenant " + p.tenant));
    }
    case TenantScope::SourceInPath: {
        const auto tenant = core.sources().tenantOf(target);
        if (tenant ? *tenant == p.tenant : route.createsTarget)
            return dispatch(std::move(req), p);
        return named(problem::notFound("no source named " + target + " for tenant " + p.tenant));
    }
    case TenantScope::DeadLetterInPath:
    case TenantScope::EventInPath:
    case TenantScope::TokenInPath:
        // The owner is on disk: look it up on a reader, then go on from there.
        core.runOnReader([this, scope = route.scope, target, req = std::move(req), p, dispatch,
                          named]() mutable {
            const auto tenant = tenantOf(scope, target);
            if (!tenant || *tenant != p.tenant)
                return named(problem::notFound(
                    std::string(scope == TenantScope::EventInPath        ? "no event with event_id "
                                : scope == TenantScope::DeadLetterInPath ? "no dead letter "
                                                                         : "no token ") +
                    target + " for tenant " + p.tenant));
            dispatch(std::move(req), p);
        });
        return;
    }
}

// The tenant that owns a path target, or nullopt when there is none.
std::optional<std::string> Api::Impl::tenantOf(TenantScope scope, const std::string& id) {
    if (scope == TenantScope::EventInPath) {
        const auto e = core.log().get(id);
        return e ? std::optional(e->tenantId) : std::nullopt;
    }
    if (scope == TenantScope::DeadLetterInPath) {
        const auto n = parseInt(id);
        const auto d = n ? core.delivery().store().deadLetter(*n) : std::nullopt;
        return d ? std::optional(d->tenantId) : std::nullopt;
    }
    const auto token = core.tokens().find(id);
    return token ? std::optional(token->tenant) : std::nullopt;
}

void Api::Impl::dispatchRoute(const Route& route, const std::vector<std::string>& params,
                              ApiRequest req, const Principal& p, Respond respond) {
    const std::string_view pattern = route.pattern;
    const std::string& m = req.method;
    const std::string first = params.empty() ? std::string() : params.front();
    if (pattern == "/metrics")
        return metrics(p, std::move(respond));
    if (pattern == "/v1/whoami") {
        ojson j{{"token_id", p.tokenId},
                {"role", std::string(toString(p.role))},
                {"tenant", p.tenant},
                {"event_types", p.eventTypes}};
        return respond(jsonResponse(200, j));
    }
    if (pattern == "/v1/events" && m == "POST")
        return publisher.publish(std::move(req), p, std::move(respond));
    if (pattern == "/v1/events")
        return listEvents(std::move(req), p, std::move(respond));
    if (pattern == "/v1/events/{id}")
        return getEvent(first, p, std::move(respond));
    if (pattern == "/v1/schemas")
        return respond(listSchemas());
    if (pattern == "/v1/schemas/{type}/versions" && m == "GET")
        return respond(schemaVersions(first));
    if (pattern == "/v1/schemas/{type}/versions")
        return respond(registerSchema(req, p, first));
    if (pattern == "/v1/schemas/{type}/check")
        return respond(checkSchema(req, first));
    if (pattern == "/v1/schemas/{type}/validate")
        return respond(validatePayload(req, first));
    if (pattern == "/v1/quarantine")
        return listQuarantine(std::move(req), p, std::move(respond));
    if (pattern == "/v1/audit")
        return listAudit(std::move(req), p, std::move(respond));
    if (pattern == "/v1/tokens")
        return respond(createToken(req, p));
    if (pattern == "/v1/tokens/{id}")
        return revokeToken(first, p, std::move(respond));
    if (pattern == "/v1/sources" && m == "GET")
        return sources.list(req, p, respond);
    if (pattern == "/v1/sources")
        return sources.put(req, p, {}, respond);
    if (pattern == "/v1/sources/{name}" && m == "GET")
        return sources.show(first, respond);
    if (pattern == "/v1/sources/{name}" && m == "PUT")
        return sources.put(req, p, first, respond);
    if (pattern == "/v1/sources/{name}")
        return sources.remove(first, p, respond);
    if (pattern == "/v1/sources/{name}/test")
        return sources.test(req, first, respond);
    if (pattern == "/v1/search")
        return search.search(req, p, respond);
    if (pattern == "/v1/subscribe" || pattern == "/v1/live") {
        auto r = problem::make(426, "upgrade-required", "Upgrade required",
                               std::string(pattern) + " is a WebSocket endpoint: open it with "
                                                      "an Upgrade: websocket request");
        r.headers["upgrade"] = "websocket";
        return respond(std::move(r));
    }
    if (delivery.handle(splitPath(req.path), req, p, respond))
        return;
    // A route in the table with no handler is a bug, not the client's fault.
    throw std::logic_error("route " + std::string(route.method) + ' ' + std::string(pattern) +
                           " has no handler");
}

void Api::Impl::listEvents(ApiRequest req, Principal p, Respond respond) {
    EventQuery q;
    Violations bad;
    if (auto v = queryValue(req, "type"))
        q.eventType = *v;
    if (auto v = queryValue(req, "correlation_id"))
        q.correlationId = *v;
    if (auto v = queryValue(req, "producer"))
        q.producer = *v;
    if (auto v = queryValue(req, "entity")) {
        const auto colon = v->find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == v->size())
            bad.push_back({"entity", "expected KIND:ID such as lead:L-1042, got '" + *v + "'"});
        else {
            q.entityKind = v->substr(0, colon);
            q.entityId = v->substr(colon + 1);
        }
    }
    for (const char* name : {"since", "until"}) {
        if (auto v = queryValue(req, name)) {
            auto t = parseRfc3339(*v);
            if (!t)
                bad.push_back(
                    {name,
                     "expected an RFC 3339 time such as 2026-11-27T09:14:03Z, got '" + *v + "'"});
            else
                (std::string_view(name) == "since" ? q.since : q.until) = *t;
        }
    }
    if (auto v = queryValue(req, "cursor")) {
        auto seq = parseInt(*v);
        if (!seq || *seq < 0)
            bad.push_back(
                {"cursor", "expected the next_cursor value of a previous page, got '" + *v + "'"});
        else
            q.afterSeq = *seq;
    }
    if (auto v = queryValue(req, "limit")) {
        auto limit = parseInt(*v);
        if (!limit || *limit < 1 || *limit > 1000)
            bad.push_back({"limit", "expected an integer from 1 to 1000, got '" + *v + "'"});
        else
            q.limit = static_cast<int>(*limit);
    }
    std::string refusal;
    q.tenantId = api::tenantParam(req, p, refusal);
    if (!refusal.empty())
        return respond(problem::forbidden(refusal));
    if (!bad.empty())
        return respond(problem::badRequest("invalid query parameters", bad));

    core.runOnReader([this, q, respond = std::move(respond)] {
        EventPage page;
        try {
            page = core.log().query(q);
        } catch (const std::exception& e) {
            return respond(problem::make(500, "storage", "Storage error", e.what()));
        }
        std::string body = "{\"events\":" + serializeEvents(page.events) + ",\"next_cursor\":";
        body += page.nextAfterSeq ? '"' + std::to_string(*page.nextAfterSeq) + '"' : "null";
        body += '}';
        ApiResponse r;
        r.body = std::move(body);
        respond(std::move(r));
    });
}

void Api::Impl::getEvent(std::string id, Principal p, Respond respond) {
    core.runOnReader([this, id = std::move(id), p = std::move(p), respond = std::move(respond)] {
        std::optional<Event> e;
        try {
            e = core.log().get(id);
        } catch (const std::exception& ex) {
            return respond(problem::make(500, "storage", "Storage error", ex.what()));
        }
        // Another tenant's event answers exactly like a missing one.
        if (!e || !p.canSeeTenant(e->tenantId))
            return respond(problem::notFound("no event with event_id " + id));
        ApiResponse r;
        r.body = serializeEvent(*e);
        respond(std::move(r));
    });
}

ApiResponse Api::Impl::listSchemas() {
    return core.withSchemas([](const SchemaRegistry& registry) {
        ojson list = ojson::array();
        for (const auto& type : registry.types()) {
            const int latest = registry.latestVersion(type).value_or(0);
            const SchemaInfo* info = registry.find(type, latest);
            if (!info)
                continue;
            ojson j = schemaSummary(*info);
            j.erase("version");
            j["latest_version"] = latest;
            ojson versions = ojson::array();
            for (const auto* v : registry.versions(type))
                versions.push_back(v->version);
            j["versions"] = versions;
            list.push_back(std::move(j));
        }
        return jsonResponse(200, ojson{{"schemas", list}});
    });
}

ApiResponse Api::Impl::schemaVersions(const std::string& type) {
    return core.withSchemas([&type](const SchemaRegistry& registry) {
        if (!registry.hasType(type))
            return problem::notFound("no schema registered for event type '" + type + "'");
        ojson versions = ojson::array();
        for (const auto* v : registry.versions(type)) {
            ojson j = schemaSummary(*v);
            j["schema"] = ojson::parse(v->schema, nullptr, false);
            versions.push_back(std::move(j));
        }
        return jsonResponse(200, ojson{{"event_type", type}, {"versions", versions}});
    });
}

static std::optional<Compatibility> modeFrom(const ApiRequest& req, const char* name,
                                             ApiResponse& error) {
    auto text = queryValue(req, name);
    if (!text)
        return Compatibility::Backward;
    auto mode = parseCompatibility(*text);
    if (!mode)
        error = problem::badRequest(
            std::string(name) + " must be backward, forward, full or none, not '" + *text + "'");
    return mode;
}

ApiResponse Api::Impl::registerSchema(const ApiRequest& req, const Principal& p,
                                      const std::string& type) {
    ApiResponse error;
    auto mode = modeFrom(req, "compatibility", error);
    if (!mode)
        return error;
    if (auto why = api::jsonBodyError(req.body); !why.empty())
        return problem::badRequest("the body must be a JSON Schema document: " + why);
    const auto report =
        core.withSchemas([&](const SchemaRegistry& r) { return r.check(type, req.body, *mode); });
    if (!report.compatible()) {
        Violations v;
        for (const auto& c : report.breakingChanges)
            v.push_back({c.path, c.change + " (breaks " + std::string(toString(c.breaks)) + ")"});
        return problem::make(409, "incompatible-schema", "Incompatible schema",
                             std::to_string(v.size()) + " breaking change(s) for " +
                                 std::string(toString(*mode)) +
                                 " compatibility; nothing was registered",
                             v);
    }
    auto result = core.registerSchema(type, req.body, *mode, p.tokenId);
    if (!result.violations.empty())
        return problem::make(422, "invalid-schema", "Invalid schema",
                             "the schema was not registered", result.violations);
    return jsonResponse(201, ojson{{"event_type", type}, {"version", result.version}});
}

// Checks a payload against a version of its type's schema without publishing
// it: the console's editors validate as the user types.
ApiResponse Api::Impl::validatePayload(const ApiRequest& req, const std::string& type) {
    std::optional<std::int64_t> version;
    if (auto v = queryValue(req, "version")) {
        version = parseInt(*v);
        if (!version || *version < 1)
            return problem::badRequest("version must be a schema version (1, 2, ...)");
    } else {
        version = core.withSchemas([&](const SchemaRegistry& r) { return r.latestVersion(type); });
        if (!version)
            return problem::notFound("no schema is registered for event type " + type);
    }
    if (auto why = api::jsonBodyError(req.body); !why.empty())
        return jsonResponse(
            200, ojson{{"event_type", type},
                       {"schema_version", *version},
                       {"valid", false},
                       {"violations", ojson::array({ojson{{"path", ""}, {"message", why}}})}});
    const Violations violations = core.withSchemas([&](const SchemaRegistry& r) {
        return r.validate(type, static_cast<int>(*version), req.body, "");
    });
    ojson list = ojson::array();
    for (const auto& v : violations)
        list.push_back({{"path", v.path}, {"message", v.message}});
    return jsonResponse(200, ojson{{"event_type", type},
                                   {"schema_version", *version},
                                   {"valid", violations.empty()},
                                   {"violations", list}});
}

ApiResponse Api::Impl::checkSchema(const ApiRequest& req, const std::string& type) {
    ApiResponse error;
    auto mode = modeFrom(req, "mode", error);
    if (!mode)
        return error;
    if (auto why = api::jsonBodyError(req.body); !why.empty())
        return problem::badRequest("the body must be a JSON Schema document: " + why);
    const auto [report, latest] = core.withSchemas([&](const SchemaRegistry& r) {
        return std::pair{r.check(type, req.body, *mode), r.latestVersion(type)};
    });
    ojson changes = ojson::array();
    for (const auto& c : report.breakingChanges)
        changes.push_back(
            {{"path", c.path}, {"change", c.change}, {"breaks", std::string(toString(c.breaks))}});
    ojson j{{"event_type", type},
            {"against_version", latest ? ojson(*latest) : ojson()},
            {"mode", std::string(toString(*mode))},
            {"compatible", report.compatible()},
            {"breaking_changes", changes}};
    return jsonResponse(200, j);
}

void Api::Impl::listQuarantine(ApiRequest req, const Principal& p, Respond respond) {
    Violations bad;
    const int limit = api::limitParam(req, bad);
    const auto before = api::beforeParam(req, "a quarantine entry id", bad);
    std::string refusal;
    auto tenant = api::tenantParam(req, p, refusal);
    if (!refusal.empty())
        return respond(problem::forbidden(refusal));
    if (!bad.empty())
        return respond(problem::badRequest(describe(bad), bad));
    core.runOnReader([this, limit, before, tenant, respond = std::move(respond)] {
        std::map<std::string, std::string, std::less<>> tokenNames;
        for (auto& token : core.tokens().list())
            if (!token.name.empty())
                tokenNames.emplace(std::move(token.id), std::move(token.name));
        ojson list = ojson::array();
        for (const auto& e : core.quarantine().list(limit, before, tenant)) {
            const ClaimedOrigin origin = claimedOrigin(e, tokenNames);
            list.push_back({{"id", e.id},
                            {"received_at", formatRfc3339(e.receivedAt)},
                            {"tenant", e.tenant},
                            {"token_id", e.tokenId},
                            {"producer", origin.producer},
                            {"event_type", origin.eventType},
                            {"source", e.source},
                            {"content_type", e.contentType},
                            {"status", e.status},
                            {"reason", e.reason},
                            {"problem", ojson::parse(e.detail, nullptr, false)},
                            {"body", e.body}});
        }
        respond(jsonResponse(200, ojson{{"entries", list}}));
    });
}

void Api::Impl::listAudit(ApiRequest req, const Principal& p, Respond respond) {
    Violations bad;
    const int limit = api::limitParam(req, bad);
    const auto before = api::beforeParam(req, "an audit entry id", bad);
    std::string refusal;
    const auto tenant = api::tenantParam(req, p, refusal);
    if (!refusal.empty())
        return respond(problem::forbidden(refusal));
    if (!bad.empty())
        return respond(problem::badRequest(describe(bad), bad));
    core.runOnReader([this, limit, before, tenant, respond = std::move(respond)] {
        // Who acted, as a person reads it: the token's name where it has
        // one (revoked tokens keep theirs), else its id ("meshd": the broker).
        std::map<std::string, std::string, std::less<>> names;
        for (auto& token : core.tokens().list())
            if (!token.name.empty())
                names.emplace(std::move(token.id), std::move(token.name));
        const auto nameOf = [&names](const std::string& actor) {
            const auto it = names.find(actor);
            return it == names.end() ? actor : it->second;
        };
        ojson list = ojson::array();
        for (const auto& e : core.audit().list(limit, before.value_or(0), tenant))
            list.push_back({{"id", e.id},
                            {"at", formatRfc3339(e.at)},
                            {"actor", e.actor},
                            {"actor_name", nameOf(e.actor)},
                            {"action", e.action},
                            {"target", e.target},
                            {"tenant", e.tenant},
                            {"detail", ojson::parse(e.detail, nullptr, false)}});
        respond(jsonResponse(200, ojson{{"entries", list}}));
    });
}

ApiResponse Api::Impl::createToken(const ApiRequest& req, const Principal& p) {
    json body;
    if (std::string why; !json_input::parse(req.body, body, why) || !body.is_object())
        return problem::badRequest(
            R"(expected {"role":..., "tenant":..., "types":[...], "name":...})" +
            (why.empty() ? std::string() : "; " + why));
    Violations bad;
    std::optional<Role> role;
    const auto roleText = json_read::member<std::string>(body, "role", bad);
    if (roleText)
        role = parseRole(*roleText);
    if (!role && bad.empty())
        bad.push_back({"/role", "expected one of producer, consumer, operator, viewer, admin"});
    const std::string tenant = json_read::member<std::string>(body, "tenant", bad).value_or("");
    if (tenant.empty())
        bad.push_back({"/tenant", "expected a tenant id"});
    else if (tenant == "*" && role != Role::Admin && role != Role::Viewer)
        bad.push_back({"/tenant", "\"*\" (every tenant) is for admin and viewer tokens only"});
    std::vector<std::string> types;
    if (const auto it = body.find("types"); it != body.end()) {
        if (!it->is_array())
            bad.push_back({"/types", "expected an array of event types"});
        else
            for (std::size_t i = 0; i < it->size(); ++i)
                if ((*it)[i].is_string())
                    types.push_back((*it)[i].get<std::string>());
                else
                    bad.push_back(
                        {"/types/" + std::to_string(i),
                         "expected an event type name, got " + jsonpath::describeValue((*it)[i])});
    }
    const std::string name = json_read::member<std::string>(body, "name", bad).value_or("");
    if (!bad.empty())
        return problem::badRequest("invalid token request", bad);
    // A tenant's admin makes tokens for its own tenant, never wider.
    if (!p.allTenants() && tenant != p.tenant)
        return problem::forbidden("this token may create tokens for tenant '" + p.tenant +
                                  "' only, not '" + tenant + "'");
    NewToken t = core.tokens().create(*role, tenant, types, name);
    core.audit().record(
        {0, core.clock().now(), p.tokenId, "token.create", t.record.id,
         ojson{{"role", std::string(toString(*role))}, {"tenant", tenant}, {"name", name}}.dump(),
         tenant});
    return jsonResponse(201, ojson{{"token", t.plaintext},
                                   {"id", t.record.id},
                                   {"role", std::string(toString(*role))},
                                   {"tenant", tenant},
                                   {"event_types", types}});
}

// Revocation takes effect at once: the token's next request is refused, and
// its open WebSocket sessions are closed with a code that says why.
void Api::Impl::revokeToken(const std::string& id, const Principal& p, Respond respond) {
    core.runOnReader([this, id, p, respond = std::move(respond)] {
        const bool revoked = core.revokeToken(id);
        if (!revoked)
            return respond(problem::make(409, "token", "Token not revoked",
                                         "token " + id + " was already revoked"));
        core.audit().record({0, core.clock().now(), p.tokenId, "token.revoke", id, "{}",
                             p.allTenants() ? "*" : p.tenant});
        respond(jsonResponse(200, ojson{{"id", id}, {"revoked", true}}));
    });
}

void Api::Impl::health(Respond respond) {
    core.runOnReader([this, respond = std::move(respond)] {
        const auto stats = core.log().stats();
        const auto writer = core.database().writerStats();
        respond(jsonResponse(200, ojson{{"status", "ok"},
                                        {"version", MESHDECK_VERSION},
                                        {"last_seq", stats.lastSeq},
                                        {"events", stats.count},
                                        {"writer_queue", writer.queuedWeight}}));
    });
}

void Api::Impl::metrics(const Principal& p, Respond respond) {
    core.runOnReader([this, p, respond = std::move(respond)] {
        Metrics::Snapshot gauges;
        const auto stats = core.log().stats();
        gauges.lastSeq = stats.lastSeq;
        gauges.storedEvents = stats.count;
        gauges.quarantined = core.quarantine().count();
        gauges.openConnections = core.openConnections.load();
        // A tenant's token gets its tenant's series: its producers' and its
        // consumers'. Only a token over every tenant sees the whole process.
        const auto tenant = p.allTenants() ? std::nullopt : std::optional(p.tenant);
        EngineSnapshot delivery = core.delivery().snapshot();
        if (tenant)
            std::erase_if(delivery.consumers, [&](const ConsumerStatus& s) {
                return !p.canSeeConsumer(s.spec.filter.tenant);
            });
        ApiResponse r;
        r.contentType = "text/plain; version=0.0.4";
        r.body = core.metrics().renderPrometheus(gauges, core.database().writerStats(), tenant) +
                 renderDeliveryMetrics(delivery) + renderSourceMetrics(core, tenant);
        respond(std::move(r));
    });
}

} // namespace meshdeck
