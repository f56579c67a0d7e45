#pragma once
// What the delivery tests share: a broker on 127.0.0.1, a real HTTP sink,
// and short ways to declare consumers and publish LeadScored events.

#include "core/uuid.h"
#include "tests/support/http_compare.h"
#include "tests/support/sink_server.h"
#include "tests/support/test_broker.h"

#include <QtTest/QTest>
#include <nlohmann/json.hpp>

namespace meshdeck::test {

inline nlohmann::json leadEvent(const std::string& lead, std::optional<std::int64_t> version,
                                int score = 50, const std::string& correlation = {}) {
    static UuidV7Generator ids;
    nlohmann::json entity = {{"kind", "lead"}, {"id", lead}};
    if (version)
        entity["version"] = *version;
    return {{"event_id", ids.next()},
            {"event_type", "LeadScored"},
            {"schema_version", 1},
            {"occurred_at", "2026-11-27T09:14:03.120Z"},
            {"producer", "enrichment-service"},
            {"tenant_id", "acme"},
            {"correlation_id", correlation.empty() ? "journey-" + lead : correlation},
            {"entity", entity},
            {"payload", {{"lead_id", lead}, {"score", score}, {"model", "fit-v3"}}}};
}

inline nlohmann::json parse(const HttpResult& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
}

// A consumer to the sink with fast retries, so tests take milliseconds.
inline nlohmann::json webhookConsumer(const std::string& name, const std::string& url) {
    return {{"name", name},
            {"filter", {{"event_types", {"LeadScored"}}, {"tenant", "acme"}}},
            {"sink", {{"type", "webhook"}, {"url", url}, {"timeout_ms", 2000}}},
            {"retry", {{"max_attempts", 5}, {"base_ms", 20}, {"cap_ms", 200}, {"jitter", 0.0}}},
            {"circuit_breaker", {{"min_requests", 1000}}}};
}

struct DeliveryFixture {
    explicit DeliveryFixture(const Clock& clock = SystemClock::instance()) : broker({}, clock) {}

    TestBroker broker;
    SinkServer sink;
    MeshClient admin = broker.client(broker.adminToken);

    HttpResult createConsumer(const nlohmann::json& spec) {
        return admin.postJson("/v1/consumers", spec.dump());
    }
    HttpResult publish(const nlohmann::json& eventOrBatch) {
        return admin.postJson("/v1/events", eventOrBatch.dump());
    }
    nlohmann::json consumer(const std::string& name) {
        return parse(admin.get("/v1/consumers/" + name));
    }
    // Sink requests whose webhook-id is the given event id.
    std::vector<SinkRequest> received(const std::string& eventId) const {
        std::vector<SinkRequest> out;
        for (auto& r : sink.requests())
            if (auto it = r.headers.find("webhook-id");
                it != r.headers.end() && it->second == eventId)
                out.push_back(r);
        return out;
    }
};

} // namespace meshdeck::test
