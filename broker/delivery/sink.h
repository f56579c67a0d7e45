#pragma once
// Internal to broker/delivery: where a consumer's events go. The dispatcher
// hands one event at a time to its consumer's sink and hears back through the
// completion - on the delivery thread, never from inside send(). Three kinds:
//   NoneSink        acknowledges at once (a consumer that only keeps progress)
//   WebhookSink     an HTTP request per event: signed, idempotency key, traceparent
//   SubscriberSink  deliver frames to WebSocket subscribers, round robin, each
//                   acknowledged (or nacked) by its delivery_id within ack_timeout
// Everything here belongs to the delivery thread.

#include "broker/delivery/engine.h"
#include "broker/delivery/engine_state.h"
#include "broker/delivery/webhook_client.h"
#include "core/failure.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace meshdeck {
class Clock;
}

namespace meshdeck::delivery {

// Which delivery an answer belongs to.
struct Flight {
    std::string consumer;
    std::uint64_t generation = 0;
    std::string key;
    Timestamp startedAt{};
    SteadyTime startedSteady{};
    bool probe = false; // sent through a half-open circuit to test the endpoint
};

// A sink's answer, whatever the sink.
struct SinkAnswer {
    int status = 0;
    FailureClass failure = FailureClass::None;
    std::string error;
    std::optional<std::chrono::milliseconds> retryAfter;
    std::string response;
    std::string outcomeJson; // a subscriber's business outcome
};

class Sink {
public:
    using Completion = std::function<void(const Flight&, const SinkAnswer&)>;

    virtual ~Sink() = default;
    // May the consumer start one more delivery now?
    virtual bool hasRoom(const Consumer&) const { return true; }
    // Sends the item (its body already built); the answer comes through the completion.
    virtual void send(const Consumer& c, const Item& item, const Flight& flight) = 0;
};

class NoneSink final : public Sink {
public:
    NoneSink(boost::asio::io_context& io, Completion done) : io_(io), done_(std::move(done)) {}
    void send(const Consumer& c, const Item& item, const Flight& flight) override;

private:
    boost::asio::io_context& io_;
    Completion done_;
};

class WebhookSink final : public Sink {
public:
    WebhookSink(boost::asio::io_context& io, Completion done);
    void send(const Consumer& c, const Item& item, const Flight& flight) override;
    void shutdown() { client_.shutdown(); }

private:
    boost::asio::io_context& io_;
    WebhookClient client_;
    Completion done_;
};

class SubscriberSink final : public Sink {
public:
    SubscriberSink(boost::asio::io_context& io, const Clock& clock, Completion done);

    bool hasRoom(const Consumer& c) const override;
    void send(const Consumer& c, const Item& item, const Flight& flight) override;

    // A new subscriber of `c`; it is told it is subscribed.
    void add(std::uint64_t linkId, std::shared_ptr<SubscriberLink> link, const Consumer& c,
             int maxInFlight);
    // A frame from a subscriber: an ack or nack completes its delivery;
    // anything else is answered with an error frame.
    void frame(std::uint64_t linkId, const std::string& text);
    // The link closed: what it had not acknowledged goes out again.
    void drop(std::uint64_t linkId);
    // Deliveries past their ack timeout fail, and are redelivered.
    void expire(SteadyTime now);
    // Closes the links of one consumer (every consumer: nullopt), saying why,
    // and forgets them at once, so a consumer re-created under the same name
    // never sends to a closing link. For a consumer that is going away (or a
    // broker stopping): its deliveries in flight are forgotten, not failed -
    // unacknowledged, they go out again from the stored progress.
    void close(const std::optional<std::string>& consumer, const std::string& reason);
    std::size_t count(const std::string& consumer) const;

private:
    struct Link {
        std::shared_ptr<SubscriberLink> link;
        std::string consumer;
        int maxInFlight = 1;
        int inFlight = 0;
    };
    struct Pool { // one consumer's links, taken in turn
        std::vector<std::uint64_t> links;
        std::size_t next = 0;
    };
    struct Delivery {
        std::uint64_t linkId = 0;
        Flight flight;
        SteadyTime deadline{};
    };

    void unpool(const std::string& consumer, std::uint64_t linkId);

    boost::asio::io_context& io_;
    const Clock& clock_;
    Completion done_;
    std::map<std::uint64_t, Link> links_;
    std::map<std::string, Pool> pools_;          // consumer ->
    std::map<std::uint64_t, Delivery> inFlight_; // delivery id ->
    std::uint64_t nextDeliveryId_ = 1;
};

} // namespace meshdeck::delivery
