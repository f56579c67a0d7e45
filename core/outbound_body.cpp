#include "core/outbound_body.h"

#include "core/envelope.h"

#include <nlohmann/json.hpp>

namespace meshdeck {

using ojson = nlohmann::ordered_json;

std::string outboundBody(const Event& event, const ConsumerSpec& spec,
                         const std::vector<std::string>& piiPaths,
                         const std::string& payloadOverride) {
    const bool redact = spec.redactPii && !piiPaths.empty();
    if (!redact && spec.mapping.empty() && payloadOverride.empty())
        return serializeEvent(event);

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
        return doc.dump();
    ojson mapped = ojson::object();
    for (const auto& [field, pointer] : spec.mapping) {
        const ojson::json_pointer from(pointer);
        mapped[field] = doc.contains(from) ? doc[from] : ojson();
    }
    return mapped.dump();
}

} // namespace meshdeck
