// Frames a WebSocket subscriber sends on /v1/subscribe
// (core/subscriber_frames.h). The contract is "nothing here throws": every
// frame decodes to a value or a FrameError with a sentence.

#include "core/subscriber_frames.h"
#include "tests/fuzz/fuzz_support.h"

#include <nlohmann/json.hpp>

using namespace meshdeck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);
    const SubscriberFrame frame = parseSubscriberFrame(text);
    if (const auto* error = std::get_if<FrameError>(&frame)) {
        FUZZ_CHECK(!error->message.empty(), "an error frame without a sentence");
    } else if (const auto* ack = std::get_if<AckFrame>(&frame)) {
        // The outcome is stored and shown as JSON.
        if (!ack->outcomeJson.empty())
            FUZZ_CHECK(nlohmann::json::accept(ack->outcomeJson), "outcome " + ack->outcomeJson);
    } else if (const auto* subscribe = std::get_if<SubscribeFrame>(&frame)) {
        FUZZ_CHECK(!subscribe->consumer.empty(), "subscribe without a consumer");
    }
    // Decoding is a function of the text.
    FUZZ_CHECK(parseSubscriberFrame(text).index() == frame.index(), std::string(text));
    return 0;
}
