#include "core/subscriber_frames.h"

#include "core/json_input.h"
#include "core/json_read.h"

namespace meshdeck {

namespace {

constexpr std::string_view kHint =
    "send {\"type\":\"subscribe\",\"consumer\":\"NAME\",\"max_in_flight\":N} first, then "
    "{\"type\":\"ack\",\"delivery_id\":N} or {\"type\":\"nack\",\"delivery_id\":N,\"retry\":true}";

FrameError errorOf(const Violations& bad) {
    return {describe(bad)};
}

} // namespace

SubscriberFrame parseSubscriberFrame(std::string_view text) {
    nlohmann::json frame;
    std::string error;
    if (!json_input::parse(text, frame, error))
        return FrameError{error + "; " + std::string(kHint)};
    if (!frame.is_object())
        return FrameError{"expected a JSON object, got " + jsonpath::describeType(frame) + "; " +
                          std::string(kHint)};
    Violations bad;
    const auto type = json_read::member<std::string>(frame, "type", bad);
    if (!bad.empty())
        return errorOf(bad);
    if (type == "subscribe") {
        SubscribeFrame s;
        const auto consumer = json_read::member<std::string>(frame, "consumer", bad);
        const auto maxInFlight = json_read::member<int>(frame, "max_in_flight", bad);
        if (!bad.empty())
            return errorOf(bad);
        if (!consumer || consumer->empty())
            return FrameError{"/consumer: required, the name of a consumer with a websocket sink"};
        s.consumer = *consumer;
        if (maxInFlight)
            s.maxInFlight = *maxInFlight;
        return s;
    }
    if (type == "ack" || type == "nack") {
        const auto id = json_read::member<std::uint64_t>(frame, "delivery_id", bad);
        if (!bad.empty())
            return errorOf(bad);
        if (!id)
            return FrameError{"/delivery_id: required, the delivery_id of the deliver frame"};
        if (*type == "ack") {
            AckFrame a{*id, {}};
            if (const auto it = frame.find("outcome"); it != frame.end() && !it->is_null())
                a.outcomeJson = it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            return a;
        }
        NackFrame n;
        n.deliveryId = *id;
        const auto retry = json_read::member<bool>(frame, "retry", bad);
        if (!bad.empty())
            return errorOf(bad);
        n.retry = retry.value_or(true);
        if (const auto it = frame.find("error"); it != frame.end() && !it->is_null())
            n.error = it->is_string()
                          ? it->get<std::string>()
                          : it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return n;
    }
    return FrameError{
        (type ? "unknown type " + jsonpath::quote(*type) : std::string("/type: required")) + "; " +
        std::string(kHint)};
}

} // namespace meshdeck
