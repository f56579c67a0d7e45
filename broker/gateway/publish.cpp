#include "broker/gateway/publish.h"

#include "broker/broker_core.h"
#include "broker/gateway/problem.h"
#include "broker/log.h"
#include "core/cloudevents.h"
#include "core/envelope.h"
#include "core/json_input.h"
#include "core/uuid.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

namespace meshdeck {

namespace {

std::string mediaType(const ApiRequest& req) {
    auto it = req.headers.find("content-type");
    if (it == req.headers.end())
        return {};
    std::string type = it->second.substr(0, it->second.find(';'));
    while (!type.empty() && type.back() == ' ')
        type.pop_back();
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return type;
}

// Who sent a rejected input and what it claimed to be, for the flow map: the
// envelope's producer and event_type (a CloudEvent's source and type), as far
// as the body parses (a vendor webhook is its vendor's). One entry per event
// of a batch.
std::vector<std::pair<std::string, std::string>> claimedOrigins(const ApiRequest& req) {
    constexpr std::string_view kHooks = "/v1/hooks/";
    const std::string fallbackProducer =
        req.path.starts_with(kHooks) ? req.path.substr(kHooks.size()) : "unknown";
    const auto text = [&](const nlohmann::json& object, const char* key, const char* alt,
                          const std::string& fallback) {
        for (const char* k : {key, alt}) {
            const auto it = object.find(k);
            if (it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
                return it->get<std::string>();
        }
        return fallback;
    };
    const std::string unknown = "unknown";
    std::vector<std::pair<std::string, std::string>> origins;
    nlohmann::json body;
    if (std::string error; !json_input::parse(req.body, body, error))
        body = nullptr;
    const auto add = [&](const nlohmann::json& item) {
        if (item.is_object())
            origins.emplace_back(text(item, "producer", "source", fallbackProducer),
                                 text(item, "event_type", "type", unknown));
        else
            origins.emplace_back(fallbackProducer, unknown);
    };
    if (body.is_array()) {
        for (const auto& item : body)
            add(item);
    } else {
        add(body);
    }
    return origins;
}

UuidV7Generator& threadIdGenerator() {
    thread_local UuidV7Generator generator;
    return generator;
}

constexpr std::size_t kQuarantineBodyLimit = 1 << 20;

// "5000", "0.5": a rate as a person would write it.
std::string formatRate(double perSecond) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", perSecond);
    return text;
}

} // namespace

void PublishHandler::refuse(const ApiRequest& req, const Principal* principal,
                            const std::string& reason, ApiResponse response, const Respond& respond,
                            const std::string& inputTenant) {
    core_.metrics().countRejection(reason);
    const std::string tenant =
        principal
            ? (principal->allTenants() && !inputTenant.empty() ? inputTenant : principal->tenant)
            : std::string();
    for (const auto& [producer, type] : claimedOrigins(req))
        core_.flows().rejected(tenant, producer, type, 1, core_.clock().now());
    QuarantineEntry entry;
    entry.receivedAt = core_.clock().now();
    entry.tenant = tenant;
    if (principal)
        entry.tokenId = principal->tokenId;
    entry.source = req.method + ' ' + req.path;
    entry.contentType = mediaType(req);
    entry.status = response.status;
    entry.reason = reason;
    entry.detail = response.body;
    entry.body = req.body.substr(0, kQuarantineBodyLimit);
    if (!core_.quarantine().add(std::move(entry)))
        log::warn("quarantine queue full; rejected input not kept",
                  {{"reason", reason}, {"token", principal ? principal->tokenId : ""}});
    respond(std::move(response));
}

ApiResponse PublishHandler::tooLarge(const ApiRequest& req, std::size_t limit) {
    auto response =
        problem::make(413, "too-large", "Request too large",
                      "the body exceeds " + std::to_string(limit) + " bytes; send smaller batches");
    ApiResponse copy = response;
    refuse(req, nullptr, "too-large", std::move(copy), [](ApiResponse) {});
    return response;
}

void PublishHandler::publish(ApiRequest req, const Principal& p, Respond respond) {
    const auto& config = core_.config();
    const std::string type = mediaType(req);
    const bool binary = isCloudEventBinary(req.headers);
    if (!binary && !type.empty() && type != "application/json" && type != kCloudEventsJson &&
        type != kCloudEventsBatchJson)
        return refuse(req, &p, "unsupported-media-type",
                      problem::make(415, "unsupported-media-type", "Unsupported media type",
                                    "Content-Type '" + type +
                                        "' is not accepted; send application/json (canonical "
                                        "events), application/cloudevents+json, "
                                        "application/cloudevents-batch+json or binary-mode ce-* "
                                        "headers"),
                      respond);

    // Parsing also checks each payload against its schema, on the parsed
    // document: under the registry's shared lock.
    ParsedBatch batch = core_.withSchemas([&](const SchemaRegistry& registry) {
        EnvelopeOptions options;
        options.registry = &registry;
        ParsedBatch parsed;
        if (binary)
            parsed.events.push_back(parseCloudEventBinary(req.headers, req.body, options));
        else if (type == kCloudEventsJson)
            parsed.events.push_back(parseCloudEventStructured(req.body, options));
        else if (type == kCloudEventsBatchJson)
            parsed = parseCloudEventBatch(req.body, options);
        else
            parsed = parseEventBatch(req.body, options);
        return parsed;
    });
    if (!batch.bodyViolations.empty())
        return refuse(
            req, &p, "malformed",
            problem::badRequest("the body could not be read as events; nothing was stored",
                                batch.bodyViolations),
            respond);
    if (batch.events.size() > config.maxEventsPerRequest)
        return refuse(req, &p, "too-many-events",
                      problem::make(413, "too-large", "Too many events",
                                    std::to_string(batch.events.size()) +
                                        " events in one request; the limit is " +
                                        std::to_string(config.maxEventsPerRequest)),
                      respond);

    std::chrono::milliseconds retryAfter{0};
    if (!core_.auth().admitPublish(p, batch.events.size(), &retryAfter)) {
        core_.metrics().countRejection("rate-limited");
        const auto seconds = std::max<long long>(1, (retryAfter.count() + 999) / 1000);
        auto r =
            problem::make(429, "rate-limited", "Too many requests",
                          "this token may publish " + formatRate(config.publishRatePerToken) +
                              " events per second; retry after " + std::to_string(seconds) + " s");
        r.headers["retry-after"] = std::to_string(seconds);
        return respond(std::move(r));
    }

    // Every event is checked before anything is written: all or nothing per
    // request. Envelope and schema problems came with the parse; permissions
    // are the token's.
    Violations violations;
    bool forbidden = false;
    std::vector<Event> events;
    events.reserve(batch.events.size());
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
        auto& parsed = batch.events[i];
        if (!parsed.event) {
            for (auto& v : parsed.violations)
                violations.push_back(std::move(v));
            continue;
        }
        const std::string at = batch.wasArray ? "/" + std::to_string(i) : "";
        Event& e = *parsed.event;
        if (!p.canSeeTenant(e.tenantId)) {
            forbidden = true;
            violations.push_back({at + "/tenant_id", "this token publishes for tenant '" +
                                                         p.tenant + "' only, not '" + e.tenantId +
                                                         "'"});
        }
        if (!p.canPublishType(e.eventType)) {
            forbidden = true;
            violations.push_back(
                {at + "/event_type", "this token may not publish '" + e.eventType + "'"});
        }
        events.push_back(std::move(e));
    }
    if (!violations.empty()) {
        const std::string detail =
            std::to_string(violations.size()) + " problem(s) in the request; nothing was stored";
        auto response =
            forbidden ? problem::forbidden(detail, violations)
                      : problem::make(422, "invalid-event", "Invalid event", detail, violations);
        // Valid events were moved into `events`; the others keep a draft.
        std::string inputTenant = events.empty() ? std::string() : events.front().tenantId;
        for (const auto& parsed : batch.events)
            if (inputTenant.empty() && !parsed.event)
                inputTenant = parsed.draft.tenantId;
        return refuse(req, &p, forbidden ? "forbidden" : "invalid", std::move(response), respond,
                      inputTenant);
    }

    auto& ids = threadIdGenerator();
    for (auto& e : events)
        if (e.eventId.empty())
            e.eventId = ids.next();

    const bool wasArray = batch.wasArray;
    const bool queued = core_.log().append(
        std::move(events), [this, wasArray, p, req = std::make_shared<ApiRequest>(std::move(req)),
                            respond](AppendResult result) {
            // On the writer thread: hand over at once, and answer on the
            // connection's own thread when there is one.
            auto shared = std::make_shared<AppendResult>(std::move(result));
            auto answer = [this, wasArray, p, req, respond, shared] {
                answerCommitted(*req, p, wasArray, std::move(*shared), respond);
            };
            if (req->onConnection)
                req->onConnection(std::move(answer));
            else
                core_.postCompletion(std::move(answer));
        });
    if (!queued) {
        core_.metrics().countRejection("queue-full");
        auto r = problem::make(503, "busy", "Broker busy",
                               "the write queue is full; nothing was stored - retry after 1 s");
        r.headers["retry-after"] = "1";
        respond(std::move(r));
    }
}

void PublishHandler::answerCommitted(const ApiRequest& req, const Principal& p, bool wasArray,
                                     AppendResult result, const Respond& respond) {
    if (!result.ok) {
        log::error("append failed", {{"error", result.error}, {"token", p.tokenId}});
        return respond(problem::make(503, "storage", "Storage unavailable",
                                     "the event log could not commit: " + result.error));
    }
    // Built by hand: this runs for every publish, and the shape is fixed.
    std::string items;
    std::size_t appended = 0, duplicates = 0, conflicts = 0;
    std::map<std::tuple<std::string_view, std::string_view, std::string_view>, std::int64_t> counts;
    for (std::size_t i = 0; i < result.outcomes.size(); ++i) {
        const auto& o = result.outcomes[i];
        const Event& e = *result.events[i];
        if (i > 0)
            items += ',';
        items += "{\"event_id\":\"" + e.eventId + '"';
        switch (o.status) {
        case AppendStatus::Appended:
            ++appended;
            ++counts[{e.eventType, e.producer, e.tenantId}];
            items += ",\"seq\":" + std::to_string(o.seq) + ",\"duplicate\":false}";
            break;
        case AppendStatus::Duplicate:
            ++duplicates;
            items += ",\"seq\":" + std::to_string(o.seq) + ",\"duplicate\":true}";
            break;
        case AppendStatus::Conflict:
            ++conflicts;
            items += ",\"error\":\"event_id is already used by another tenant's event; this "
                     "event was not stored\"}";
            break;
        }
    }
    const Timestamp now = core_.clock().now();
    for (const auto& [key, n] : counts) {
        const auto& [type, producer, tenant] = key;
        core_.metrics().countPublished(std::string(type), std::string(producer),
                                       std::string(tenant), n);
        core_.flows().published(tenant, producer, type, n, now);
    }
    if (duplicates)
        core_.metrics().countDuplicates(p.tenant, static_cast<std::int64_t>(duplicates));

    ApiResponse r;
    r.status = appended > 0 ? 202 : 200;
    if (conflicts > 0)
        r.status = 409;
    if (wasArray) {
        r.body = "{\"accepted\":" + std::to_string(appended) +
                 ",\"duplicates\":" + std::to_string(duplicates);
        if (conflicts)
            r.body += ",\"conflicts\":" + std::to_string(conflicts);
        r.body += ",\"results\":[" + items + "]}";
    } else {
        r.body = std::move(items);
    }
    if (conflicts > 0) {
        // Conflicting events were not stored: keep the request with the reason.
        ApiResponse copy = r;
        return refuse(req, &p, "conflict", std::move(copy), respond);
    }
    respond(std::move(r));
}

} // namespace meshdeck
