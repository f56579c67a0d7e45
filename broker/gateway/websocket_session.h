#pragma once
// Internal to broker/gateway (included by http_server.cpp only): the two
// WebSocket endpoints.
//
//   /v1/subscribe  a consumer's subscriber. Protocol (README, "WebSocket
//                  subscribers"): the client sends {"type":"subscribe",
//                  "consumer":"crm-sync","max_in_flight":50}; the broker
//                  answers {"type":"subscribed",...} and then sends
//                  {"type":"deliver","delivery_id":N,"attempt":k,"event":{...}};
//                  the client answers each with {"type":"ack","delivery_id":N,
//                  "outcome":{...}} or {"type":"nack","delivery_id":N,
//                  "retry":true,"error":"..."}.
//   /v1/live       the console's feed: {"type":"snapshot",...} about once a
//                  second, and {"type":"state-changed",...} when a consumer's
//                  state moves.
//
// Threads: each session's stream lives on its connection's thread. Frames
// to send are queued there and written one at a time (Beast allows one
// outstanding write). The delivery engine talks to a subscriber through
// SubscriberLink, which posts onto that thread.

#include "broker/broker_core.h"
#include "broker/gateway/delivery_api.h"
#include "broker/log.h"
#include "core/protocol/live.h"
#include "core/subscriber_frames.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <nlohmann/json.hpp>

namespace meshdeck::websocket {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ws = beast::websocket;

enum class Endpoint { Subscribe, Live };

// Why the broker closed a session, as the close frame's code.
enum class CloseCode : std::uint16_t {
    Normal = 1000,       // the broker is stopping, or the consumer changed
    TokenRevoked = 1008, // policy violation: the session's token was revoked
    InternalError = 1011 // a bug in meshd ended this session (logged and counted)
};

// Frames queued beyond this are a client that stopped reading: cut it off
// rather than grow without bound.
constexpr std::size_t kMaxQueuedFrames = 10'000;

inline std::atomic<std::uint64_t> nextLinkId{1};

template <class Stream> class Session : public std::enable_shared_from_this<Session<Stream>> {
public:
    Session(Stream&& stream, BrokerCore& core, Principal principal, Endpoint endpoint)
        : ws_(std::move(stream)), core_(core), principal_(std::move(principal)),
          endpoint_(endpoint), timer_(ws_.get_executor()), linkId_(nextLinkId++) {}

    ~Session() {
        if (subscribed_)
            core_.delivery().unsubscribe(linkId_);
    }

    void run(http::request<http::string_body> request) {
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(ws::stream_base::timeout::suggested(beast::role_type::server));
        ws_.set_option(ws::stream_base::decorator([](ws::response_type& res) {
            res.set(http::field::server, "meshd/" MESHDECK_VERSION);
        }));
        ws_.read_message_max(1 << 20);
        ws_.async_accept(request, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec)
                return log::debug("WebSocket handshake failed", {{"error", ec.message()}});
            self->read();
            if (self->endpoint_ == Endpoint::Live)
                self->pushLive();
        });
    }

    // Thread-safe: queue a frame.
    void send(std::string text) {
        net::post(ws_.get_executor(), [self = this->shared_from_this(),
                                       text = std::move(text)]() mutable {
            if (self->closed_)
                return;
            if (self->outbox_.size() >= kMaxQueuedFrames)
                return self->close("too many unread frames; read faster or lower max_in_flight");
            self->outbox_.push_back(std::move(text));
            if (self->outbox_.size() == 1)
                self->write();
        });
    }

    const std::string& tokenId() const { return principal_.tokenId; }

    void close(std::string reason, CloseCode code = CloseCode::Normal) {
        net::post(ws_.get_executor(), [self = this->shared_from_this(), reason = std::move(reason),
                                       code] {
            if (self->closed_)
                return;
            self->closed_ = true;
            self->timer_.cancel();
            ws::close_reason why(static_cast<ws::close_code>(code), reason.substr(0, 120));
            self->ws_.async_close(why, [self](beast::error_code) {});
        });
    }

private:
    class Link : public SubscriberLink {
    public:
        explicit Link(std::weak_ptr<Session> session) : session_(std::move(session)) {}
        void send(std::string text) override {
            if (auto s = session_.lock())
                s->send(std::move(text));
        }
        void close(std::string reason) override {
            if (auto s = session_.lock())
                s->close(std::move(reason));
        }

    private:
        std::weak_ptr<Session> session_;
    };

    void read() {
        ws_.async_read(
            inbox_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) {
                    self->closed_ = true;
                    self->timer_.cancel();
                    return;
                }
                std::string text = beast::buffers_to_string(self->inbox_.data());
                self->inbox_.consume(self->inbox_.size());
                // Last resort: a bug costs this session, never the process.
                try {
                    self->onFrame(std::move(text));
                } catch (const std::exception& e) {
                    log::error("internal error", {{"session", "websocket"}, {"error", e.what()}});
                    self->core_.metrics().countInternalError("websocket");
                    return self->close("internal error in meshd; it was logged",
                                       CloseCode::InternalError);
                }
                self->read();
            });
    }

    void write() {
        ws_.text(true);
        ws_.async_write(net::buffer(outbox_.front()),
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) {
                                self->closed_ = true;
                                return;
                            }
                            self->outbox_.pop_front();
                            if (!self->outbox_.empty())
                                self->write();
                        });
    }

    void error(const std::string& message) {
        send(nlohmann::json{{"type", "error"}, {"message", message}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace));
    }

    void onFrame(std::string text) {
        if (endpoint_ == Endpoint::Live)
            return; // the live feed only talks
        if (subscribed_)
            return core_.delivery().subscriberFrame(linkId_, std::move(text));
        const SubscriberFrame frame = parseSubscriberFrame(text);
        if (const auto* bad = std::get_if<FrameError>(&frame))
            return error(bad->message);
        const auto* subscribe = std::get_if<SubscribeFrame>(&frame);
        if (!subscribe)
            return error("first send {\"type\":\"subscribe\",\"consumer\":\"NAME\","
                         "\"max_in_flight\":N}");
        auto link = std::make_shared<Link>(this->weak_from_this());
        const std::string problem = core_.delivery().subscribe(
            linkId_, link, subscribe->consumer, subscribe->maxInFlight, principal_.tenant);
        if (!problem.empty())
            return error(problem);
        subscribed_ = true;
    }

    // The live feed: a snapshot about once a second, and a line for every
    // consumer whose state changed since the last one.
    void pushLive() {
        if (closed_)
            return;
        const EngineSnapshot snap = core_.delivery().snapshot();
        const auto stats = core_.log().stats();
        protocol::LiveSnapshot live{
            snap.at, stats.lastSeq, stats.count, {}, liveFlows(core_, principal_)};
        for (const auto& s : snap.consumers) {
            if (!principal_.canSeeConsumer(s.spec.filter.tenant))
                continue;
            live.consumers.push_back(protocol::report(s, false));
            const protocol::ConsumerState state = live.consumers.back().state;
            const auto before = states_.find(s.spec.name);
            if (before != states_.end() && before->second != state)
                send(protocol::toJson(
                    protocol::LiveStateChange{s.spec.name, before->second, state, snap.at}));
            states_[s.spec.name] = state;
        }
        send(protocol::toJson(live));
        timer_.expires_after(std::chrono::seconds(1));
        timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (!ec)
                self->pushLive();
        });
    }

    ws::stream<Stream> ws_;
    BrokerCore& core_;
    Principal principal_;
    Endpoint endpoint_;
    net::steady_timer timer_;
    std::uint64_t linkId_;
    beast::flat_buffer inbox_;
    std::deque<std::string> outbox_;
    bool subscribed_ = false;
    bool closed_ = false;
    std::map<std::string, protocol::ConsumerState> states_;
};

} // namespace meshdeck::websocket
