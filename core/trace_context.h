#pragma once
// W3C trace context for outbound deliveries: every webhook carries a
// traceparent. An event published with one keeps it; an event published
// without one starts a trace of its own, whose trace-id is the event_id's 128
// bits (so every attempt and every consumer of that event shares one trace,
// and a person can find it from the event id alone).

#include <string>
#include <string_view>

namespace meshdeck {

struct Event;

// "00-<32 hex trace-id>-<16 hex parent-id>-01". The parent-id names this
// delivery (consumer and attempt), never zero.
std::string traceparentFor(const Event& event, std::string_view consumer, int attempt);

} // namespace meshdeck
