#include "broker/gateway/api.h"

#include "broker/broker_core.h"
#include "broker/gateway/api_support.h"
#include "broker/gateway/delivery_api.h"
#include "broker/gateway/problem.h"
#include "broker/gateway/publish.h"
#include "core/envelope.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace meshdeck {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

using api::jsonResponse;
using api::parseInt;
using api::queryValue;
using api::splitPath;

namespace {

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

    explicit Impl(BrokerCore& c) : core(c), publisher(c), delivery(c) {}

    void route(ApiRequest& req, Respond& respond);

    // Each handler either answers at once (returns a response) or takes the
    // respond callback and answers later.
    void listEvents(ApiRequest req, Principal p, Respond respond);
    void getEvent(std::string id, Principal p, Respond respond);
    ApiResponse listSchemas();
    ApiResponse schemaVersions(const std::string& type);
    ApiResponse registerSchema(const ApiRequest& req, const Principal& p, const std::string& type);
    ApiResponse checkSchema(const ApiRequest& req, const std::string& type);
    ApiResponse validatePayload(const ApiRequest& req, const std::string& type);
    void listQuarantine(ApiRequest req, Respond respond);
    void listAudit(ApiRequest req, Respond respond);
    ApiResponse createToken(const ApiRequest& req, const Principal& p);
    void health(Respond respond);
    void metrics(Respond respond);
};

Api::Api(BrokerCore& core) : impl_(std::make_unique<Impl>(core)) {}
Api::~Api() = default;

void Api::handle(ApiRequest request, Respond respond) {
    impl_->route(request, respond);
}

ApiResponse Api::bodyTooLarge(const ApiRequest& req, std::size_t limit) {
    return impl_->publisher.tooLarge(req, limit);
}

void Api::Impl::route(ApiRequest& req, Respond& respond) {
    const auto parts = splitPath(req.path);
    const std::string& m = req.method;
    auto answer = [&respond](ApiResponse r, const char* routeName) {
        r.route = routeName;
        respond(std::move(r));
    };
    auto later = [&respond](const char* routeName) {
        return [respond, routeName](ApiResponse r) {
            r.route = routeName;
            respond(std::move(r));
        };
    };

    if (parts.size() == 1 && parts[0] == "healthz" && m == "GET")
        return health(later("/healthz"));

    std::optional<Principal> principal;
    if (auto it = req.headers.find("authorization"); it != req.headers.end())
        principal = core.auth().authenticate(it->second);
    if (!principal) {
        core.metrics().countRejection("unauthenticated");
        return answer(problem::unauthorized(), "unauthenticated");
    }
    const Principal& p = *principal;
    auto needs = [&](bool allowed, const char* what) {
        if (allowed)
            return true;
        answer(problem::forbidden(std::string("this token's role (") +
                                  std::string(toString(p.role)) + ") may not " + what),
               "forbidden");
        return false;
    };

    if (parts.size() == 1 && parts[0] == "metrics" && m == "GET") {
        if (needs(p.canRead(), "read metrics"))
            metrics(later("/metrics"));
        return;
    }
    if (parts.empty() || parts[0] != "v1")
        return answer(problem::notFound("no route " + req.path + "; the API lives under /v1"),
                      "unknown");

    const std::size_t n = parts.size();
    if (n == 2 && parts[1] == "events") {
        if (m == "POST") {
            if (needs(p.canPublish(), "publish events (producer or admin role needed)"))
                publisher.publish(std::move(req), p, later("/v1/events"));
            return;
        }
        if (m == "GET") {
            if (needs(p.canRead(), "read events"))
                listEvents(std::move(req), p, later("/v1/events"));
            return;
        }
    } else if (n == 3 && parts[1] == "events" && m == "GET") {
        if (needs(p.canRead(), "read events"))
            getEvent(std::string(parts[2]), p, later("/v1/events/{id}"));
        return;
    } else if (n == 2 && parts[1] == "schemas" && m == "GET") {
        return answer(listSchemas(), "/v1/schemas");
    } else if (n == 4 && parts[1] == "schemas" && parts[3] == "versions") {
        const std::string type(parts[2]);
        if (m == "GET")
            return answer(schemaVersions(type), "/v1/schemas/{type}/versions");
        if (m == "POST") {
            if (needs(p.isAdmin(), "register schemas (admin role needed)"))
                answer(registerSchema(req, p, type), "/v1/schemas/{type}/versions");
            return;
        }
    } else if (n == 4 && parts[1] == "schemas" && parts[3] == "check" && m == "POST") {
        return answer(checkSchema(req, std::string(parts[2])), "/v1/schemas/{type}/check");
    } else if (n == 4 && parts[1] == "schemas" && parts[3] == "validate" && m == "POST") {
        return answer(validatePayload(req, std::string(parts[2])), "/v1/schemas/{type}/validate");
    } else if (n == 2 && parts[1] == "quarantine" && m == "GET") {
        if (needs(p.isAdmin(), "read quarantined inputs (admin role needed)"))
            listQuarantine(std::move(req), later("/v1/quarantine"));
        return;
    } else if (n == 2 && parts[1] == "audit" && m == "GET") {
        if (needs(p.canRead(), "read the audit log"))
            listAudit(std::move(req), later("/v1/audit"));
        return;
    } else if (n == 2 && parts[1] == "tokens" && m == "POST") {
        if (needs(p.isAdmin(), "create tokens (admin role needed)"))
            answer(createToken(req, p), "/v1/tokens");
        return;
    } else if (n == 2 && parts[1] == "whoami" && m == "GET") {
        ojson j{{"token_id", p.tokenId},
                {"role", std::string(toString(p.role))},
                {"tenant", p.tenant},
                {"event_types", p.eventTypes}};
        return answer(jsonResponse(200, j), "/v1/whoami");
    }
    if (delivery.handle(parts, req, p, respond))
        return;
    auto r = problem::make(404, "not-found", "Not found",
                           "no route " + m + ' ' + req.path +
                               "; see the README's API section for the routes");
    answer(std::move(r), "unknown");
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
    const auto tenant = queryValue(req, "tenant");
    if (p.allTenants()) {
        q.tenantId = tenant;
    } else {
        if (tenant && *tenant != p.tenant)
            return respond(problem::forbidden("this token may read tenant '" + p.tenant +
                                              "' only, not '" + *tenant + "'"));
        q.tenantId = p.tenant;
    }
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
    if (!json::accept(req.body))
        return problem::badRequest("the body must be a JSON Schema document");
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
    if (!json::accept(req.body))
        return jsonResponse(
            200, ojson{{"event_type", type},
                       {"schema_version", *version},
                       {"valid", false},
                       {"violations", ojson::array({{{"path", ""}, {"message", "not JSON"}}})}});
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
    if (!json::accept(req.body))
        return problem::badRequest("the body must be a JSON Schema document");
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

void Api::Impl::listQuarantine(ApiRequest req, Respond respond) {
    int limit = 100;
    std::optional<std::int64_t> before;
    if (auto v = queryValue(req, "limit")) {
        auto l = parseInt(*v);
        if (!l || *l < 1 || *l > 1000)
            return respond(problem::badRequest("limit must be an integer from 1 to 1000"));
        limit = static_cast<int>(*l);
    }
    if (auto v = queryValue(req, "before")) {
        before = parseInt(*v);
        if (!before)
            return respond(problem::badRequest("before must be a quarantine entry id"));
    }
    auto tenant = queryValue(req, "tenant");
    core.runOnReader([this, limit, before, tenant, respond = std::move(respond)] {
        ojson list = ojson::array();
        for (const auto& e : core.quarantine().list(limit, before, tenant)) {
            list.push_back({{"id", e.id},
                            {"received_at", formatRfc3339(e.receivedAt)},
                            {"tenant", e.tenant},
                            {"token_id", e.tokenId},
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

void Api::Impl::listAudit(ApiRequest req, Respond respond) {
    int limit = 100;
    std::int64_t before = 0;
    if (auto v = queryValue(req, "limit"); v && parseInt(*v))
        limit = std::clamp(static_cast<int>(*parseInt(*v)), 1, 1000);
    if (auto v = queryValue(req, "before"); v && parseInt(*v))
        before = *parseInt(*v);
    core.runOnReader([this, limit, before, respond = std::move(respond)] {
        ojson list = ojson::array();
        for (const auto& e : core.audit().list(limit, before))
            list.push_back({{"id", e.id},
                            {"at", formatRfc3339(e.at)},
                            {"actor", e.actor},
                            {"action", e.action},
                            {"target", e.target},
                            {"detail", ojson::parse(e.detail, nullptr, false)}});
        respond(jsonResponse(200, ojson{{"entries", list}}));
    });
}

ApiResponse Api::Impl::createToken(const ApiRequest& req, const Principal& p) {
    const json body = json::parse(req.body, nullptr, false);
    if (!body.is_object())
        return problem::badRequest(
            R"(expected {"role":..., "tenant":..., "types":[...], "name":...})");
    Violations bad;
    std::optional<Role> role;
    if (body.contains("role") && body["role"].is_string())
        role = parseRole(body["role"].get<std::string>());
    if (!role)
        bad.push_back({"/role", "expected one of producer, consumer, operator, viewer, admin"});
    std::string tenant;
    if (body.contains("tenant") && body["tenant"].is_string())
        tenant = body["tenant"].get<std::string>();
    if (tenant.empty())
        bad.push_back({"/tenant", "expected a tenant id"});
    else if (tenant == "*" && role != Role::Admin)
        bad.push_back({"/tenant", "\"*\" (every tenant) is for admin tokens only"});
    std::vector<std::string> types;
    if (body.contains("types")) {
        if (!body["types"].is_array())
            bad.push_back({"/types", "expected an array of event types"});
        else
            for (const auto& t : body["types"])
                if (t.is_string())
                    types.push_back(t.get<std::string>());
                else
                    bad.push_back({"/types", "expected event type names (strings)"});
    }
    if (!bad.empty())
        return problem::badRequest("invalid token request", bad);
    const std::string name = body.value("name", std::string());
    NewToken t = core.tokens().create(*role, tenant, types, name);
    core.audit().record(
        {0, core.clock().now(), p.tokenId, "token.create", t.record.id,
         ojson{{"role", std::string(toString(*role))}, {"tenant", tenant}, {"name", name}}.dump()});
    return jsonResponse(201, ojson{{"token", t.plaintext},
                                   {"id", t.record.id},
                                   {"role", std::string(toString(*role))},
                                   {"tenant", tenant},
                                   {"event_types", types}});
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

void Api::Impl::metrics(Respond respond) {
    core.runOnReader([this, respond = std::move(respond)] {
        Metrics::Snapshot gauges;
        const auto stats = core.log().stats();
        gauges.lastSeq = stats.lastSeq;
        gauges.storedEvents = stats.count;
        gauges.quarantined = core.quarantine().count();
        gauges.openConnections = core.openConnections.load();
        ApiResponse r;
        r.contentType = "text/plain; version=0.0.4";
        r.body = core.metrics().renderPrometheus(gauges, core.database().writerStats()) +
                 renderDeliveryMetrics(core.delivery().snapshot());
        respond(std::move(r));
    });
}

} // namespace meshdeck
