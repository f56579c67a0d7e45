#include "broker/gateway/sources_api.h"

#include "broker/broker_core.h"
#include "broker/gateway/api_support.h"
#include "broker/gateway/problem.h"
#include "broker/sources/translate.h"
#include "broker/sources/vendor.h"
#include "core/envelope.h"
#include "core/protocol/decoded.h"
#include "core/protocol/source.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

namespace meshdeck {

namespace {

ApiResponse jsonText(int status, std::string body) {
    ApiResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

std::string lowerCase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

} // namespace

void SourcesApi::list(const ApiRequest& req, const Principal& p, const Respond& respond) {
    std::string refusal;
    const auto tenant = api::tenantParam(req, p, refusal);
    if (!refusal.empty())
        return respond(problem::forbidden(refusal));
    respond(jsonText(200, protocol::toJson(core_.sources().list(tenant))));
}

void SourcesApi::show(const std::string& name, const Respond& respond) {
    const auto status = core_.sources().status(name);
    if (!status)
        return respond(problem::notFound("no source named " + name));
    respond(jsonText(200, protocol::toJson(*status)));
}

void SourcesApi::put(const ApiRequest& req, const Principal& p, const std::string& pathName,
                     const Respond& respond) {
    // The path names a PUT's source; a tenant's admin declares sources of its
    // own tenant, which it may leave out of the body.
    nlohmann::json body;
    std::string error;
    if (!json_input::parse(req.body, body, error))
        return respond(problem::badRequest(json_input::about("the body", error)));
    if (!body.is_object())
        return respond(problem::badRequest("the body must be a JSON object: a source spec"));
    if (!pathName.empty()) {
        if (body.contains("name") && body["name"] != pathName)
            return respond(
                problem::make(422, "invalid-source", "Invalid source",
                              "/name must match the name in the path (" + pathName + ")",
                              {{"/name", "must match the name in the path (" + pathName + ")"}}));
        body["name"] = pathName;
    }
    if (!p.allTenants()) {
        if (!body.contains("tenant"))
            body["tenant"] = p.tenant;
        else if (body["tenant"] != p.tenant)
            return respond(problem::forbidden("this token may declare sources of tenant '" +
                                              p.tenant + "' only"));
    }
    auto parsed = parseSourceSpec(body.dump());
    if (!parsed.spec)
        return respond(problem::make(422, "invalid-source", "Invalid source",
                                     describe(parsed.violations), parsed.violations));
    SourceSpec spec = std::move(*parsed.spec);
    const auto existing = core_.sources().find(spec.name);
    if (existing && existing->spec.tenant != spec.tenant && !p.allTenants())
        return respond(problem::make(409, "source", "Source not changed",
                                     "the name " + spec.name +
                                         " is taken; source names are unique in the mesh"));
    if (existing && pathName.empty())
        return respond(problem::make(409, "source", "Source not created",
                                     "a source named " + spec.name + " exists; PUT /v1/sources/" +
                                         spec.name + " replaces it"));
    const std::string tenant = spec.tenant;
    const std::string name = spec.name;
    core_.sources().put(std::move(spec), [this, name, tenant, actor = p.tokenId,
                                          respond](SourceRegistry::PutResult result) {
        if (!result.error.empty())
            return respond(
                result.conflict
                    ? problem::make(409, "source", "Source not changed", result.error)
                    : problem::make(422, "invalid-source", "Invalid source", result.error));
        core_.audit().record(
            {0, {}, actor, result.created ? "source.create" : "source.update", name, "{}", tenant});
        const auto status = core_.sources().status(name);
        respond(jsonText(result.created ? 201 : 200, status ? protocol::toJson(*status) : "{}"));
    });
}

void SourcesApi::remove(const std::string& name, const Principal& p, const Respond& respond) {
    const auto tenant = core_.sources().tenantOf(name);
    core_.sources().remove(
        name, [this, name, tenant, actor = p.tokenId, respond](const std::string& error) {
            if (!error.empty())
                return respond(tenant ? problem::make(409, "source", "Source not deleted", error)
                                      : problem::notFound(error));
            core_.audit().record({0, {}, actor, "source.delete", name, "{}", tenant.value_or("*")});
            ApiResponse r;
            r.status = 204;
            r.body.clear();
            respond(std::move(r));
        });
}

void SourcesApi::test(const ApiRequest& req, const std::string& name, const Respond& respond) {
    const auto entry = core_.sources().find(name);
    if (!entry)
        return respond(problem::notFound("no source named " + name));
    auto decoded = protocol::fromJson<protocol::SourceTestRequest>(req.body);
    if (!decoded)
        return respond(problem::badRequest(
            "the body is not a source test request: " + decoded.error(), decoded.violations));
    // Mapping and schema checks cost CPU in proportion to the body: off the
    // network thread.
    core_.runOnReader([this, entry, test = std::move(*decoded.value), respond] {
        const SourceSpec& spec = entry->spec;
        mapping::RulesetPtr rules = entry->rules;
        if (!test.mapping.empty()) {
            try {
                rules = mapping::parseRuleset(test.mapping, "the request's mapping");
            } catch (const std::invalid_argument& e) {
                return respond(problem::make(422, "invalid-mapping", "Invalid mapping", e.what(),
                                             {{"/mapping", e.what()}}));
            }
        }
        const Timestamp now = core_.clock().now();
        protocol::SourceTestResult result;
        if (test.verify) {
            sources::HookRequest hook{"POST", {}, test.body};
            for (const auto& [key, value] : test.headers)
                hook.headers[lowerCase(key)] = value;
            const auto verdict = sources::verify(spec, hook, now);
            result.verificationChecked = true;
            result.verified = verdict.ok;
            result.verificationReason = verdict.reason;
        }
        auto translation = core_.withSchemas([&](const SchemaRegistry& schemas) {
            return sources::translate(spec, *rules, test.body, schemas, now);
        });
        result.error = std::move(translation.error);
        for (auto& t : translation.items) {
            protocol::SourceTestItem item;
            item.where = std::move(t.where);
            item.vendorId = std::move(t.vendorId);
            item.outcome = std::string(sources::toString(t.outcome));
            item.rule = std::move(t.rule);
            item.reason = std::move(t.reason);
            if (t.event)
                item.event = serializeEvent(*t.event);
            item.violations = std::move(t.violations);
            result.items.push_back(std::move(item));
        }
        respond(jsonText(200, protocol::toJson(result)));
    });
}

std::string renderSourceMetrics(BrokerCore& core, const std::optional<std::string>& tenant) {
    const auto list = core.sources().list(tenant);
    std::ostringstream out;
    const auto family = [&](const char* name, const char* help, auto value) {
        out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n";
        for (const auto& s : list.sources)
            out << name << "{source=\"" << s.name << "\",kind=\"" << s.kind << "\"} "
                << value(s.counters) << '\n';
    };
    using C = protocol::SourceCounters;
    family("meshdeck_source_requests_total", "Hook requests that named the source.",
           [](const C& c) { return c.requests; });
    family("meshdeck_source_items_total", "Vendor items in verified hook requests.",
           [](const C& c) { return c.received; });
    family("meshdeck_source_mapped_total", "Items that became canonical events (new or repeats).",
           [](const C& c) { return c.mapped; });
    family("meshdeck_source_duplicates_total", "Vendor retries already in the log.",
           [](const C& c) { return c.duplicates; });
    family("meshdeck_source_ignored_total", "Items a rule ignores on purpose.",
           [](const C& c) { return c.ignored; });
    family("meshdeck_source_rejected_signature_total", "Requests refused by verification.",
           [](const C& c) { return c.rejectedSignature; });
    family("meshdeck_source_quarantined_total", "Items or requests kept in quarantine.",
           [](const C& c) { return c.quarantined; });
    return out.str();
}

} // namespace meshdeck
