#pragma once
// Per-entity queueing for one consumer. Each ordering key (tenant/kind:id, or
// a key of its own per event when the consumer does not order) has a queue
// with at most one delivery in flight, so one stuck entity never holds up the
// others; queues with something to send wait in one line, taken in turn.
// Pure data and rules: the dispatcher owns one EntityQueues per consumer and
// decides, through next()'s gate, what the version gate holds back.

#include "core/event.h"
#include "core/time.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace meshdeck::delivery {

using SteadyTime = std::chrono::steady_clock::time_point;

enum class ItemKind {
    Live,       // read from the log in order; settles the consumer's progress
    Replay,     // an operator replay: same event_id, no effect on progress
    DeadLetter, // a dead letter sent again (possibly with an edited payload)
};

struct Item {
    EventPtr event;
    ItemKind kind = ItemKind::Live;
    int attempts = 0;  // failed attempts that count against retry.maxAttempts
    int throttles = 0; // throttled answers (they use up no attempt)
    std::optional<Timestamp> firstAttemptAt;
    std::int64_t deadLetterId = 0;
    std::string payloadOverride;
    bool gapWaited = false; // delivered after its predecessor did not come in time
    // The highest version of this entity the log held before this event, for
    // every consumer (filtered out or not): a gap the log already passed over
    // is a version this consumer does not take, not one still on its way.
    std::int64_t versionSeenBefore = 0;
    std::string body; // built on first send, reused by retries
};

// One entity's queue for one consumer: at most one delivery in flight.
struct EntityQueue {
    std::deque<Item> items;
    bool inFlight = false;
    bool queued = false;     // in line to send (EntityQueues::next)
    int openDeadLetters = 0; // dead_letter: block - waits while > 0
    SteadyTime notBefore{};
    std::optional<SteadyTime> gapSince;
    std::string lastError;
    Timestamp nextAttemptAt{};
    Timestamp inFlightSince{};
    bool blocked() const { return openDeadLetters > 0; }
};

class EntityQueues {
public:
    // Puts the item in its entity's queue - at the front for one that must go
    // before the rest (a dead letter sent again) - and lines the queue up.
    void push(const std::string& key, Item item, bool front);
    // Lines the queue up if it has something to send and nothing holds it
    // (a delivery in flight, a dead letter in front of it).
    void markReady(const std::string& key);
    // The head leaves its queue; an idle, empty queue is forgotten, any other
    // lined up again.
    void popHead(const std::string& key);

    struct Ready {
        std::string key;
        EntityQueue* queue = nullptr;
    };
    // The first queue in line that may send at `now`. Queues that may not -
    // in flight, blocked, empty, waiting for a retry, or held by `gate(key,
    // queue)` - leave the line (and are forgotten when idle and empty). The
    // one returned stays in line until take().
    template <typename Gate> std::optional<Ready> next(SteadyTime now, Gate&& gate) {
        while (!ready_.empty()) {
            const std::string& key = ready_.front();
            auto it = queues_.find(key);
            if (it == queues_.end()) {
                ready_.pop_front();
                continue;
            }
            EntityQueue& q = it->second;
            if (q.inFlight || q.blocked() || q.items.empty() || q.notBefore > now ||
                !gate(key, q)) {
                leaveLine(it);
                continue;
            }
            return Ready{key, &q};
        }
        return std::nullopt;
    }
    // The queue next() returned leaves the line (to send its head).
    void take();

    EntityQueue* find(const std::string& key);
    // The queue of `key`, made empty if there is none (to restore its state).
    EntityQueue& at(const std::string& key) { return queues_[key]; }
    bool holds(const std::string& key) const { return queues_.count(key) != 0; }
    const std::unordered_map<std::string, EntityQueue>& all() const { return queues_; }
    // Items held, in every queue.
    std::size_t buffered() const { return buffered_; }

private:
    void leaveLine(std::unordered_map<std::string, EntityQueue>::iterator it);

    std::unordered_map<std::string, EntityQueue> queues_;
    std::deque<std::string> ready_;
    std::size_t buffered_ = 0;
};

} // namespace meshdeck::delivery
