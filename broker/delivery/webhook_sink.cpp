// Webhook and none sinks: an HTTP request per event, or an immediate yes.
// The body (core/outbound_body.h) is signed exactly as sent, whatever its
// format.

#include "broker/delivery/signing.h"
#include "broker/delivery/sink.h"
#include "core/outbound_body.h"
#include "core/trace_context.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace meshdeck::delivery {

void NoneSink::send(const Consumer&, const Item&, const Flight& flight) {
    boost::asio::post(io_, [this, flight] {
        SinkAnswer answer;
        answer.status = 200;
        done_(flight, answer);
    });
}

WebhookSink::WebhookSink(boost::asio::io_context& io, Completion done)
    : io_(io), client_(io), done_(std::move(done)) {}

void WebhookSink::send(const Consumer& c, const Item& item, const Flight& flight) {
    const Event& e = *item.event;
    const int attempt = item.attempts + item.throttles + 1;
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(flight.startedAt.time_since_epoch())
            .count();
    WebhookRequest request;
    request.url = c.spec.sink.url;
    request.method = c.spec.sink.method;
    request.timeout = c.spec.sink.timeout;
    request.body = item.body;
    request.headers = c.spec.sink.headers;
    // The content-type, and the ce-* attributes of a CloudEvent in binary mode.
    for (auto& [name, value] : outboundHeaders(e, c.spec))
        request.headers.emplace_back(name, std::move(value));
    request.headers.emplace_back("user-agent", "meshd/" MESHDECK_VERSION);
    request.headers.emplace_back("webhook-id", e.eventId);
    request.headers.emplace_back("webhook-timestamp", std::to_string(seconds));
    if (!c.spec.sink.secret.empty())
        request.headers.emplace_back(
            "webhook-signature",
            standardWebhookSignature(c.spec.sink.secret, e.eventId, seconds, item.body));
    request.headers.emplace_back("idempotency-key", e.eventId);
    request.headers.emplace_back("traceparent", traceparentFor(e, c.spec.name, attempt));
    if (!e.correlationId.empty())
        request.headers.emplace_back("x-correlation-id", e.correlationId);
    request.headers.emplace_back("x-meshdeck-consumer", c.spec.name);
    request.headers.emplace_back("x-meshdeck-attempt", std::to_string(attempt));
    client_.send(std::move(request), [this, flight](WebhookResult result) {
        SinkAnswer answer;
        answer.status = result.status;
        answer.failure = result.failure;
        answer.error = std::move(result.error);
        answer.retryAfter = result.retryAfter;
        answer.response = std::move(result.responseExcerpt);
        boost::asio::post(io_,
                          [this, flight, answer = std::move(answer)] { done_(flight, answer); });
    });
}

} // namespace meshdeck::delivery
