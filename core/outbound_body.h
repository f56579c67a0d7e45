#pragma once
// What a consumer's sink receives for one event: the canonical event as JSON,
// with an edited payload when a dead letter is replayed after an edit, PII
// fields (the schema's "x-pii" marks) replaced by "[redacted]" when the
// consumer asks for it, and reshaped by the consumer's mapping when it has one.

#include "core/consumer_spec.h"

#include <string>
#include <vector>

namespace meshdeck {

// piiPaths are JSON Pointers into the payload ("/email").
std::string outboundBody(const Event& event, const ConsumerSpec& spec,
                         const std::vector<std::string>& piiPaths,
                         const std::string& payloadOverride = {});

} // namespace meshdeck
