// WebSocket subscribers as a sink: deliver frames round robin over the
// consumer's subscribers with room, each acknowledged (or nacked) by its
// delivery_id within the consumer's ack_timeout; a timeout or a dropped
// connection sends the event again, to whoever is left.

#include "broker/delivery/sink.h"
#include "core/subscriber_frames.h"
#include "core/time.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

namespace meshdeck::delivery {

namespace {

std::string jsonString(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

SinkAnswer failed(std::string error) {
    SinkAnswer answer;
    answer.failure = FailureClass::Transport;
    answer.error = std::move(error);
    return answer;
}

} // namespace

SubscriberSink::SubscriberSink(boost::asio::io_context& io, const Clock& clock, Completion done)
    : io_(io), clock_(clock), done_(std::move(done)) {}

bool SubscriberSink::hasRoom(const Consumer& c) const {
    const auto pool = pools_.find(c.spec.name);
    if (pool == pools_.end())
        return false;
    return std::any_of(pool->second.links.begin(), pool->second.links.end(), [this](auto id) {
        const auto it = links_.find(id);
        return it != links_.end() && it->second.inFlight < it->second.maxInFlight;
    });
}

void SubscriberSink::send(const Consumer& c, const Item& item, const Flight& flight) {
    // Round robin over the subscribers with room (the dispatcher asked hasRoom).
    if (auto pool = pools_.find(c.spec.name); pool != pools_.end()) {
        auto& [ids, next] = pool->second;
        for (std::size_t tried = 0; tried < ids.size(); ++tried) {
            const auto id = ids[next++ % ids.size()];
            auto it = links_.find(id);
            if (it == links_.end() || it->second.inFlight >= it->second.maxInFlight)
                continue;
            const std::uint64_t deliveryId = nextDeliveryId_++;
            ++it->second.inFlight;
            inFlight_[deliveryId] = {id, flight, clock_.steadyNow() + c.spec.sink.ackTimeout};
            std::string frame =
                "{\"type\":\"deliver\",\"delivery_id\":" + std::to_string(deliveryId) +
                ",\"consumer\":" + jsonString(c.spec.name) +
                ",\"attempt\":" + std::to_string(item.attempts + item.throttles + 1) +
                ",\"event\":" + item.body + '}';
            it->second.link->send(std::move(frame));
            return;
        }
    }
    boost::asio::post(io_, [this, flight] { done_(flight, failed("no subscriber had room")); });
}

void SubscriberSink::add(std::uint64_t linkId, std::shared_ptr<SubscriberLink> link,
                         const Consumer& c, int maxInFlight) {
    maxInFlight = std::clamp(maxInFlight, 1, 10'000);
    links_[linkId] = {link, c.spec.name, maxInFlight, 0};
    pools_[c.spec.name].links.push_back(linkId);
    // The consumer's max_concurrency caps every subscriber together.
    link->send("{\"type\":\"subscribed\",\"consumer\":" + jsonString(c.spec.name) +
               ",\"max_in_flight\":" + std::to_string(maxInFlight) +
               ",\"consumer_max_concurrency\":" + std::to_string(c.spec.maxConcurrency) + '}');
}

void SubscriberSink::frame(std::uint64_t linkId, const std::string& text) {
    auto sub = links_.find(linkId);
    if (sub == links_.end())
        return;
    auto reply = [&](const std::string& message) {
        sub->second.link->send("{\"type\":\"error\",\"message\":" + jsonString(message) + '}');
    };
    const SubscriberFrame parsed = parseSubscriberFrame(text);
    if (const auto* bad = std::get_if<FrameError>(&parsed))
        return reply(bad->message);
    if (std::holds_alternative<SubscribeFrame>(parsed))
        return reply("already subscribed to " + sub->second.consumer +
                     "; send ack or nack frames, or open another connection");
    const auto* ack = std::get_if<AckFrame>(&parsed);
    const auto* nack = std::get_if<NackFrame>(&parsed);
    const std::uint64_t deliveryId = ack ? ack->deliveryId : nack->deliveryId;
    auto it = inFlight_.find(deliveryId);
    if (it == inFlight_.end() || it->second.linkId != linkId)
        return reply("unknown delivery_id " + std::to_string(deliveryId) +
                     " (already acknowledged, or it timed out and was redelivered)");
    const Flight flight = it->second.flight;
    inFlight_.erase(it);
    --sub->second.inFlight;
    SinkAnswer answer;
    if (ack) {
        answer.status = 200;
        answer.outcomeJson = ack->outcomeJson;
    } else {
        answer.failure = nack->retry ? FailureClass::Other : FailureClass::Invalid;
        answer.error = "subscriber nacked" + std::string(nack->retry ? "" : " (no retry)") +
                       (nack->error.empty() ? std::string() : ": " + nack->error);
    }
    done_(flight, answer);
}

void SubscriberSink::drop(std::uint64_t linkId) {
    auto sub = links_.find(linkId);
    if (sub == links_.end())
        return;
    unpool(sub->second.consumer, linkId);
    links_.erase(sub);
    for (auto it = inFlight_.begin(); it != inFlight_.end();) {
        if (it->second.linkId != linkId) {
            ++it;
            continue;
        }
        const auto flight = it->second.flight;
        it = inFlight_.erase(it);
        done_(flight, failed("the subscriber disconnected before acknowledging"));
    }
}

void SubscriberSink::expire(SteadyTime now) {
    for (auto it = inFlight_.begin(); it != inFlight_.end();) {
        if (it->second.deadline > now) {
            ++it;
            continue;
        }
        const auto flight = it->second.flight;
        if (auto sub = links_.find(it->second.linkId); sub != links_.end())
            --sub->second.inFlight;
        const auto waited =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - flight.startedSteady);
        it = inFlight_.erase(it);
        done_(flight, failed("not acknowledged within " + std::to_string(waited.count()) +
                             " ms; redelivering"));
    }
}

void SubscriberSink::close(const std::optional<std::string>& consumer, const std::string& reason) {
    for (auto it = links_.begin(); it != links_.end();) {
        if (consumer && it->second.consumer != *consumer) {
            ++it;
            continue;
        }
        it->second.link->close(reason);
        const std::uint64_t linkId = it->first;
        unpool(it->second.consumer, linkId);
        std::erase_if(inFlight_, [linkId](const auto& d) { return d.second.linkId == linkId; });
        it = links_.erase(it);
    }
}

void SubscriberSink::unpool(const std::string& consumer, std::uint64_t linkId) {
    auto pool = pools_.find(consumer);
    if (pool == pools_.end())
        return;
    std::erase(pool->second.links, linkId);
    if (pool->second.links.empty())
        pools_.erase(pool);
}

std::size_t SubscriberSink::count(const std::string& consumer) const {
    const auto pool = pools_.find(consumer);
    return pool == pools_.end() ? 0 : pool->second.links.size();
}

} // namespace meshdeck::delivery
