#pragma once
// CloudEvents 1.0 <-> canonical event. Mapping (DESIGN.md):
//   id=event_id  type=event_type  source=producer  time=occurred_at
//   subject="kind/id"  partitionkey="kind:id"  sequence=entity version
//   dataschema="urn:meshdeck:schema:<type>:<version>"  data=payload
//   extensions: tenantid, correlationid, causationid, traceparent
// Structured mode (application/cloudevents+json), batch mode
// (application/cloudevents-batch+json) and binary mode (ce-* headers, body is
// the data) are all supported in both directions.

#include "core/envelope.h"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshdeck {

inline constexpr std::string_view kCloudEventsJson = "application/cloudevents+json";
inline constexpr std::string_view kCloudEventsBatchJson = "application/cloudevents-batch+json";

// Header names are matched case-insensitively; keys here are lower-case.
using HeaderMap = std::map<std::string, std::string>;

ParsedEvent parseCloudEventStructured(std::string_view json, const EnvelopeOptions& options = {});
ParsedBatch parseCloudEventBatch(std::string_view json, const EnvelopeOptions& options = {});
// headers: every request header, lower-cased names; body: the data.
ParsedEvent parseCloudEventBinary(const HeaderMap& headers, std::string_view body,
                                  const EnvelopeOptions& options = {});
// True when the request carries binary-mode CloudEvents headers.
bool isCloudEventBinary(const HeaderMap& headers);

// What an outbound CloudEvent's data is. The event's payload follows the
// schema that dataschema names. A consumer's mapping reshapes the event into
// an object no schema describes, so a CloudEvent carrying that names none.
enum class CloudEventData { Payload, Mapped };

// The event's payload is the data, written as stored (never re-encoded).
std::string toCloudEventStructured(const Event& event,
                                   CloudEventData data = CloudEventData::Payload);
std::string toCloudEventBatch(const std::vector<Event>& events);
// Headers (lower-case ce-* names plus content-type) and the body.
std::pair<HeaderMap, std::string> toCloudEventBinary(const Event& event);
// The headers of toCloudEventBinary alone, for a sender that has the body.
HeaderMap toCloudEventHeaders(const Event& event, CloudEventData data = CloudEventData::Payload);

std::string schemaUri(std::string_view eventType, int version);

} // namespace meshdeck
