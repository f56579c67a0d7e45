#pragma once
// Internal to broker/delivery: DeliveryEngine's state and the functions of
// the delivery thread, one file per part (each named below beside its
// functions): the dispatcher's loop, replay, dead letters, the consumer
// registry, the stall verdict, and progress/snapshots/lag history; the
// sinks are in sink.h; engine.cpp is the public face. Everything here
// belongs to the delivery thread unless marked otherwise.

#include "broker/delivery/engine.h"
#include "broker/delivery/engine_state.h"
#include "broker/delivery/sink.h"
#include "core/failure.h"
#include "core/stall_verdict.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <future>
#include <mutex>
#include <thread>

namespace meshdeck {

namespace delivery {

inline constexpr int kLogReadChunk = 512; // events per read of the log

// The start of a text, as kept with attempts and dead letters.
inline std::string excerpt(std::string text, std::size_t max = 512) {
    if (text.size() > max)
        text.resize(max);
    return text;
}

// How sentences name where a consumer's events go.
inline std::string describeSink(const ConsumerSpec& spec) {
    switch (spec.sink.kind) {
    case SinkKind::Webhook:
        return spec.sink.url;
    case SinkKind::WebSocket:
        return "its WebSocket subscribers";
    case SinkKind::None:
        return "no sink";
    }
    return "its sink";
}

} // namespace delivery

struct DeliveryEngine::Impl {
    explicit Impl(BrokerCore& core);

    // A store write queued on the delivery thread and waited for on the
    // caller's: done() goes to the store, wait() answers its error ("" when
    // it committed, or when done() was never handed out).
    class WriteWait {
    public:
        DeliveryStore::WriteDone done() {
            queued_ = true;
            return [promise = promise_](const std::string& error) {
                promise->set_value(error);
            };
        }
        std::string wait() { return queued_ ? future_.get() : std::string(); }
        // The write's failure as the engine reports it; `lost` says what.
        EngineError failure(const std::string& lost) {
            const std::string error = wait();
            if (error.empty())
                return {};
            return {EngineError::Kind::Storage, lost + ": " + error};
        }

    private:
        std::shared_ptr<std::promise<std::string>> promise_ =
            std::make_shared<std::promise<std::string>>();
        std::future<std::string> future_ = promise_->get_future();
        bool queued_ = false;
    };

    // What a consumer is installed from (see loadStoredState).
    struct StoredState {
        ConsumerProgress progress;
        std::map<std::string, int> openDeadLetters; // entity -> count (dead_letter: block)
    };

    // Returns once every write submitted so far is committed (the writer
    // commits in submission order). Operator actions answer after it, so a
    // page that reloads on the answer reads what the action did.
    void awaitWrites() {
        core.database().writeAndWait([](sqlite3*) {});
    }

    // Runs f on the delivery thread and waits for its result (from any other thread).
    template <typename F> auto callAndWait(F f) -> decltype(f()) {
        using R = decltype(f());
        std::promise<R> promise;
        auto future = promise.get_future();
        boost::asio::post(io, [&] {
            try {
                promise.set_value(f());
            } catch (...) {
                promise.set_exception(std::current_exception());
            }
        });
        return future.get();
    }

    // dispatcher.cpp - the loop: log -> per-entity queues -> gate -> sink -> answer
    void scheduleTick();
    void onTick();
    void onCommitted(std::vector<EventPtr> events);
    void fill(delivery::Consumer& c);
    void readLog(delivery::Consumer& c, std::int64_t from, int count,
                 std::function<void(delivery::Consumer&, std::vector<Event>)> then);
    void accept(delivery::Consumer& c, const EventPtr& e);
    void enqueue(delivery::Consumer& c, delivery::Item item, bool front);
    bool passGate(delivery::Consumer& c, const std::string& key, delivery::EntityQueue& q,
                  delivery::SteadyTime now);
    void pump(delivery::Consumer& c);
    void send(delivery::Consumer& c, const std::string& key, delivery::EntityQueue& q);
    std::string bodyFor(const delivery::Consumer& c, const delivery::Item& item);
    void complete(const delivery::Flight& flight, const delivery::SinkAnswer& answer);
    // What the sinks call with each answer: complete(), on this thread.
    delivery::Sink::Completion completion() {
        return [this](const delivery::Flight& f, const delivery::SinkAnswer& a) {
            complete(f, a);
        };
    }
    void onDelivered(delivery::Consumer& c, const std::string& key, delivery::EntityQueue& q,
                     const delivery::Item& item, Timestamp now, const std::string& outcomeJson);
    void popHead(delivery::Consumer& c, const std::string& key, delivery::EntityQueue& q,
                 bool settles);
    void settle(delivery::Consumer& c, std::int64_t seq);
    static AttemptRecord spanFor(const delivery::Consumer& c, const delivery::Item& item);
    void recordStale(delivery::Consumer& c, const delivery::Item& item, std::int64_t lastSent);
    Timestamp rootOccurredAt(const Event& e) const;           // reads the log: not on this thread
    std::optional<Timestamp> knownRoot(const Event& e) const; // without reading the log
    void withRoot(const EventPtr& e, std::function<void(Timestamp root)> use);
    void recordEndToEnd(const std::string& consumer, const Event& e, Timestamp now,
                        const std::string& outcomeJson, Timestamp root);
    void recordOutcomeEvent(const EventPtr& e);
    static std::vector<double> sloBounds();
    static double unitRandom();

    // replay.cpp
    void fillReplays(delivery::Consumer& c);
    static bool replayMatches(const delivery::Consumer& c, const delivery::ReplayJob& job,
                              const Event& e);

    // dead_letters.cpp
    static std::string errorSignature(const AttemptRecord& span);
    void deadLetter(delivery::Consumer& c, const std::string& key, delivery::EntityQueue& q,
                    delivery::Item& item, const AttemptRecord& last, Timestamp now);
    DeadLetterActionResult resend(const std::vector<DeadLetter>& letters, const std::string& actor,
                                  const std::string& payloadOverride);

    // consumer_registry.cpp
    void load();
    StoredState loadStoredState(const ConsumerSpec& spec) const; // any thread
    void install(ConsumerSpec spec, StoredState stored);

    // stall.cpp - where e stands for c, from the delivery thread's state;
    // nothing when c has settled it, and settledFinding (any other thread)
    // reads the stored record of how.
    std::optional<StallFinding> find(delivery::Consumer& c, const Event& e);
    std::optional<StallFacts::Queued> queuedPlace(const delivery::Consumer& c,
                                                  const Event& e) const;
    void settledFinding(StallFinding& f, const Event& e) const;

    // lag_history.cpp - progress writes, snapshots, the minute history
    void flush();
    void publishSnapshot();
    ConsumerStatus status(delivery::Consumer& c, Timestamp now);
    void recordMinute(Timestamp minute);

    BrokerCore& core;
    DeliveryStore store; // thread-safe
    boost::asio::io_context io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::thread thread;
    boost::asio::steady_timer tick;
    // The sinks, one of each kind; sinkFor picks a consumer's.
    delivery::NoneSink noSink;
    delivery::WebhookSink webhooks;
    delivery::SubscriberSink subscribers;
    delivery::Sink& sinkFor(const delivery::Consumer& c);
    bool stopping = false;
    std::mutex controlMutex; // callers' side: one consumer change at a time

    std::map<std::string, std::unique_ptr<delivery::Consumer>> consumers;
    std::map<std::int64_t, EventPtr> recent; // the newest committed events
    std::int64_t lastSeq = 0;
    std::uint64_t unorderedSerial = 0;
    std::uint64_t nextGeneration = 1;
    DeliveryWrites pendingWrites;
    delivery::SteadyTime lastFlush{};
    delivery::SteadyTime lastSnapshot{};
    Timestamp currentMinute{};
    std::map<std::string, Histogram> outcomeEvents;   // outcome event type -> latency from root
    std::unordered_map<std::string, Timestamp> roots; // event_id -> its journey's occurred_at

    // The log is read here, not on the delivery thread, so a slow read (a
    // consumer catching up after a restart) holds up no other consumer.
    // Declared after io: it is stopped and joined first.
    boost::asio::thread_pool logReader{1};

    mutable std::mutex snapshotMutex; // guards latest; taken by any thread
    std::shared_ptr<const EngineSnapshot> latest;
};

} // namespace meshdeck
