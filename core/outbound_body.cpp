#include "core/outbound_body.h"

#include "core/envelope.h"

#include <nlohmann/json.hpp>

namespace meshdeck {

using ojson = nlohmann::ordered_json;

namespace {

// What goes out for this consumer. Only webhooks have a format: subscribers
// and none sinks always take the canonical event.
enum class Shape { Canonical, CloudEventStructured, CloudEventBinary };

Shape shapeFor(const ConsumerSpec& spec) {
    if (spec.sink.kind != SinkKind::Webhook || spec.sink.format != OutboundFormat::CloudEvents)
        return Shape::Canonical;
    return spec.sink.cloudEventsMode == CloudEventsMode::Binary ? Shape::CloudEventBinary
                                                                : Shape::CloudEventStructured;
}

CloudEventData cloudEventDataFor(const ConsumerSpec& spec) {
    return spec.mapping.empty() ? CloudEventData::Payload : CloudEventData::Mapped;
}

// The canonical event as JSON with the edit and the redaction applied, or,
// when the consumer has a mapping, the mapping's object read from that event.
ojson shapedEvent(const Event& event, const ConsumerSpec& spec,
                  const std::vector<std::string>& piiPaths, bool redact,
                  const std::string& payloadOverride) {
    ojson doc = ojson::parse(serializeEvent(event));
    if (!payloadOverride.empty())
        doc["payload"] = ojson::parse(payloadOverride);
    if (redact) {
        for (const auto& path : piiPaths) {
            const ojson::json_pointer pointer("/payload" + path);
            if (doc.contains(pointer))
                doc[pointer] = "[redacted]";
        }
    }
    if (spec.mapping.empty())
        return doc;
    ojson mapped = ojson::object();
    for (const auto& [field, pointer] : spec.mapping) {
        const ojson::json_pointer from(pointer);
        mapped[field] = doc.contains(from) ? doc[from] : ojson();
    }
    return mapped;
}

} // namespace

std::string outboundBody(const Event& event, const ConsumerSpec& spec,
                         const std::vector<std::string>& piiPaths,
                         const std::string& payloadOverride) {
    const Shape shape = shapeFor(spec);
    const bool redact = spec.redactPii && !piiPaths.empty();
    if (!redact && spec.mapping.empty() && payloadOverride.empty()) {
        // Nothing to reshape: the stored payload goes out as stored.
        if (shape == Shape::CloudEventStructured)
            return toCloudEventStructured(event);
        if (shape == Shape::CloudEventBinary)
            return event.payload.empty() ? std::string("{}") : event.payload;
        return serializeEvent(event);
    }

    ojson shaped = shapedEvent(event, spec, piiPaths, redact, payloadOverride);
    if (shape == Shape::Canonical)
        return shaped.dump();
    std::string data = spec.mapping.empty() ? shaped["payload"].dump() : shaped.dump();
    if (shape == Shape::CloudEventBinary)
        return data;
    Event withData = event;
    withData.payload = std::move(data);
    return toCloudEventStructured(withData, cloudEventDataFor(spec));
}

HeaderMap outboundHeaders(const Event& event, const ConsumerSpec& spec) {
    switch (shapeFor(spec)) {
    case Shape::CloudEventStructured:
        return {{"content-type", std::string(kCloudEventsJson)}};
    case Shape::CloudEventBinary:
        return toCloudEventHeaders(event, cloudEventDataFor(spec));
    case Shape::Canonical:
        break;
    }
    return {{"content-type", "application/json"}};
}

} // namespace meshdeck
