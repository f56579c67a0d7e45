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

// Attempts the engine had started for a consumer when it took the snapshot:
// answered (delivered, or failed, throttling included) or still in flight.
inline int attemptsStarted(const nlohmann::json& consumer) {
    return consumer["totals"]["delivered"].get<int>() +
           consumer["totals"]["failed_attempts"].get<int>() + consumer["in_flight"].get<int>();
}

struct DeliveryFixture {
    explicit DeliveryFixture(const Clock& clock = SystemClock::instance()) : broker({}, clock) {}
    explicit DeliveryFixture(BrokerConfig config) : broker(std::move(config)) {}

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
    // On a fake clock: the consumer in the first snapshot taken at least
    // `elapsed` after its oldest pending event was published (its lag age
    // shows the clock's time). The tick that took it had already looked at
    // everything waiting with that time, so what it shows as not sent had not
    // come due. Null when no such snapshot comes within 5 s.
    nlohmann::json consumerSeenAt(const std::string& name, std::chrono::milliseconds elapsed) {
        nlohmann::json c;
        const bool seen = QTest::qWaitFor(
            [&] {
                c = consumer(name);
                return c.value(nlohmann::json::json_pointer("/lag/oldest_age_ms"),
                               std::int64_t{-1}) >= elapsed.count();
            },
            5000);
        return seen ? c : nlohmann::json();
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
