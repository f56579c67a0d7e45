#pragma once
// The frames a WebSocket subscriber sends on /v1/subscribe (README,
// "WebSocket subscribers"), decoded into values. Every malformed frame is an
// error sentence for an {"type":"error"} reply; nothing here throws.
//
//   {"type":"subscribe","consumer":"crm-sync","max_in_flight":50}
//   {"type":"ack","delivery_id":7,"outcome":{...}}
//   {"type":"nack","delivery_id":7,"retry":false,"error":"..."}

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace meshdeck {

struct SubscribeFrame {
    std::string consumer;
    int maxInFlight = 100; // clamped to 1..10,000 by the engine
};

struct AckFrame {
    std::uint64_t deliveryId = 0;
    std::string outcomeJson; // "" without an outcome
};

struct NackFrame {
    std::uint64_t deliveryId = 0;
    bool retry = true;
    std::string error; // the subscriber's words, "" when it gave none
};

struct FrameError {
    std::string message;
};

using SubscriberFrame = std::variant<SubscribeFrame, AckFrame, NackFrame, FrameError>;

SubscriberFrame parseSubscriberFrame(std::string_view text);

} // namespace meshdeck
