#pragma once
// What a consumer's sink receives for one event: the canonical event as JSON,
// with an edited payload when a dead letter is replayed after an edit, PII
// fields (the schema's "x-pii" marks) replaced by "[redacted]" when the
// consumer asks for it, and reshaped by the consumer's mapping when it has one.
//
// A webhook whose format is cloudevents receives the same event as a
// CloudEvent (core/cloudevents.h): the edit, the redaction and the mapping
// shape its data, which is the payload, or the mapped object when there is a
// mapping. In structured mode the body is the whole CloudEvent; in binary mode
// the body is the data and the attributes travel as ce-* headers.

#include "core/cloudevents.h"
#include "core/consumer_spec.h"

#include <string>
#include <vector>

namespace meshdeck {

// piiPaths are JSON Pointers into the payload ("/email").
std::string outboundBody(const Event& event, const ConsumerSpec& spec,
                         const std::vector<std::string>& piiPaths,
                         const std::string& payloadOverride = {});

// The headers that describe outboundBody's body: its content-type and, in
// CloudEvents binary mode, the ce-* attributes. Lower-case names.
HeaderMap outboundHeaders(const Event& event, const ConsumerSpec& spec);

} // namespace meshdeck
