// The stall verdict: where one event stands for each consumer, in a sentence
// with its evidence - waiting behind what, retrying with which error, held by
// an open circuit, dead-lettered, delivered when (core/stall_verdict.h).

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"

namespace meshdeck {

using namespace delivery;
using namespace std::chrono_literals;

namespace {

std::string when(Timestamp t) {
    return formatRfc3339(t);
}

// "LeadScored <event id> (seq 42)", how stall sentences name an event.
std::string describeEvent(const Event& e) {
    return e.eventType + ' ' + e.eventId + " (seq " + std::to_string(e.seq) + ")";
}

} // namespace

std::optional<StallFinding> DeliveryEngine::Impl::find(Consumer& c, const Event& e) {
    StallFinding f;
    f.consumer = c.spec.name;
    f.seq = e.seq;
    f.eventId = e.eventId;
    const std::string what = describeEvent(e);
    const std::string to = " to " + c.spec.name;
    const auto now = core.clock().steadyNow();
    const Timestamp wallNow = core.clock().now();
    // While the circuit is open nothing of this consumer goes out: that is
    // what every event waiting for it waits on, whatever its place in line.
    const CircuitState circuit = c.breaker.state(now);
    const bool circuitOpen = !c.spec.paused && circuit != CircuitState::Closed;
    auto waitsOnCircuit = [&](const std::string& lastError) {
        f.state = StallState::CircuitOpen;
        const auto reopen = wallNow + std::chrono::duration_cast<std::chrono::milliseconds>(
                                          c.breaker.reopensAt() - now);
        f.sentence =
            what + " waits: the circuit to " + describeSink(c.spec) +
            " is open after repeated failures" +
            (lastError.empty() ? std::string() : " (last: " + lastError + ")") +
            (circuit == CircuitState::HalfOpen ? std::string("; a probe is testing it now")
                                               : "; it is probed again at " + when(reopen)) +
            ". Nothing is dead-lettered meanwhile.";
        return f;
    };

    if (e.seq >= c.cursor) {
        if (circuitOpen)
            return waitsOnCircuit({});
        f.state = c.spec.paused ? StallState::Paused : StallState::Pending;
        f.sentence = what + " is pending" + to + ": the consumer is " +
                     std::to_string(lastSeq - c.cursor + 1) + " events behind the log" +
                     (c.spec.paused ? " and is paused" : "") + '.';
        return f;
    }
    if (c.unsettled.count(e.seq)) {
        const std::string key = c.spec.orderByEntity ? entityKey(e) : std::string();
        const EntityQueue* q = nullptr;
        std::size_t position = 0;
        for (const auto& [k, queue] : c.entities) {
            if (c.spec.orderByEntity && k != key)
                continue;
            for (std::size_t i = 0; i < queue.items.size(); ++i)
                if (queue.items[i].event->seq == e.seq && queue.items[i].kind == ItemKind::Live) {
                    q = &queue;
                    position = i;
                }
            if (q)
                break;
        }
        if (!q) {
            if (circuitOpen)
                return waitsOnCircuit({});
            f.state = StallState::Pending;
            f.sentence = what + " is pending" + to + '.';
            return f;
        }
        const Item& head = q->items.front();
        if (q->blocked()) {
            f.state = StallState::Blocked;
            f.sentence = what + " is blocked" + to + ": entity " + e.entity.key() +
                         " waits behind a dead letter (dead_letter: block); replay or discard it.";
        } else if (c.spec.paused) {
            f.state = StallState::Paused;
            f.sentence = what + " waits: consumer " + c.spec.name + " is paused.";
        } else if (position > 0 && circuitOpen) {
            return waitsOnCircuit(q->lastError);
        } else if (position > 0) {
            f.state = StallState::Pending;
            f.sentence =
                what + " is pending" + to + " behind " + std::to_string(position) +
                " earlier event(s) of " + e.entity.key() +
                (q->lastError.empty() ? std::string()
                                      : "; the first is retrying with error: " + q->lastError) +
                '.';
        } else if (q->inFlight) {
            f.state = StallState::InFlight;
            f.sentence = what + " is being delivered" + to + " (" + describeSink(c.spec) +
                         ") since " + when(q->inFlightSince) + ", attempt " +
                         std::to_string(head.attempts + head.throttles + 1) + '.';
        } else if (circuitOpen) {
            return waitsOnCircuit(q->lastError);
        } else if (q->notBefore > now) {
            f.state = StallState::Retrying;
            f.sentence =
                what + " waits to be retried for " + c.spec.name + ": " + q->lastError + " (" +
                std::to_string(head.attempts) + " of " + std::to_string(c.spec.retry.maxAttempts) +
                " attempts failed" +
                (head.throttles ? ", throttled " + std::to_string(head.throttles) + " times"
                                : std::string()) +
                "); next attempt at " + when(q->nextAttemptAt) + '.';
        } else if (q->gapSince) {
            f.state = StallState::WaitingForPredecessor;
            f.sentence = what + " waits for an earlier version of " + e.entity.key() + " (up to " +
                         std::to_string(c.spec.gapTimeout.count()) + " ms).";
        } else if (c.spec.sink.kind == SinkKind::WebSocket && subscribers.count(c.spec.name) == 0) {
            f.state = StallState::NoSubscriber;
            f.sentence =
                what + " waits: no WebSocket subscriber is connected for " + c.spec.name + '.';
        } else if (circuitOpen) {
            return waitsOnCircuit(q->lastError);
        } else {
            f.state = StallState::Pending;
            f.sentence = what + " is queued for delivery" + to + '.';
        }
        return f;
    }
    // Settled: the stored record says how (read by settledFinding, off the
    // delivery thread).
    return std::nullopt;
}

void DeliveryEngine::Impl::settledFinding(StallFinding& f, const Event& e) const {
    const std::string what = describeEvent(e);
    const std::string to = " to " + f.consumer;
    for (const auto& d : store.deadLettersByCorrelation(e.correlationId))
        if (d.consumer == f.consumer && d.seq == e.seq && d.state == DeadLetterState::Open) {
            f.state = StallState::DeadLettered;
            f.sentence = what + " was dead-lettered" + to + " at " + when(d.deadAt) + " after " +
                         std::to_string(d.attempts) + " attempt(s): " + d.error + " (dead letter " +
                         std::to_string(d.id) + ").";
            return;
        }
    const auto attempts = store.attemptsFor(f.consumer, e.seq);
    for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
        if (it->failureClass == FailureClass::None) {
            f.state = StallState::Delivered;
            f.sentence =
                what + " was delivered" + to + " at " + when(it->startedAt) +
                (it->status ? " (HTTP " + std::to_string(it->status) + ")" : std::string()) +
                ", attempt " + std::to_string(it->attempt) + '.';
            return;
        }
        if (it->failureClass == FailureClass::Stale) {
            f.state = StallState::Stale;
            f.sentence = what + " was not sent" + to + ": " + it->error + '.';
            return;
        }
    }
    if (!attempts.empty()) {
        f.state = StallState::DeadLettered;
        f.sentence = what + " failed" + to + " (" + attempts.back().error +
                     ") and its dead letter was resolved.";
        return;
    }
    f.state = StallState::Filtered;
    f.sentence = what + " did not pass " + f.consumer + "'s filter conditions.";
}

std::vector<StallFinding> DeliveryEngine::stall(const std::vector<Event>& events) {
    struct Found {
        std::size_t event = 0; // index into events
        std::string consumer;
        std::optional<StallFinding> live; // unset: settled, see the stored record
    };
    const std::vector<Found> found = impl_->callAndWait([&] {
        std::vector<Found> out;
        impl_->flush();
        for (std::size_t i = 0; i < events.size(); ++i)
            for (auto& [name, c] : impl_->consumers)
                if (matchesTypeAndTenant(c->spec.filter, events[i]))
                    out.push_back({i, name, impl_->find(*c, events[i])});
        return out;
    });
    impl_->awaitWrites(); // the attempts flushed above are stored
    std::vector<StallFinding> out;
    out.reserve(found.size());
    for (const auto& f : found) {
        if (f.live) {
            out.push_back(*f.live);
            continue;
        }
        const Event& e = events[f.event];
        StallFinding settled{f.consumer, e.seq, e.eventId, StallState::Filtered, {}};
        impl_->settledFinding(settled, e);
        out.push_back(std::move(settled));
    }
    return out;
}

} // namespace meshdeck
