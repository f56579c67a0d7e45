// The stall verdict: where one event stands for each consumer, in a sentence
// with its evidence - waiting behind what, retrying with which error, held by
// an open circuit, dead-lettered, delivered when (core/stall_verdict.h).

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"

namespace meshdeck {

using namespace delivery;
using namespace std::chrono_literals;

namespace {

// "LeadScored <event id> (seq 42)", how stall sentences name an event.
std::string describeEvent(const Event& e) {
    return e.eventType + ' ' + e.eventId + " (seq " + std::to_string(e.seq) + ")";
}

} // namespace

// The facts for core's judgeStall, from the delivery thread's state.
std::optional<StallFinding> DeliveryEngine::Impl::find(Consumer& c, const Event& e) {
    if (e.seq < c.cursor && !c.unsettled.count(e.seq))
        return std::nullopt; // settled: the stored record says how (settledFinding)
    const auto now = core.clock().steadyNow();
    StallFacts facts;
    facts.event = describeEvent(e);
    facts.entity = e.entity.key();
    facts.consumer = c.spec.name;
    facts.sink = describeSink(c.spec);
    facts.paused = c.spec.paused;
    facts.circuit = c.breaker.state(now);
    facts.probeAt = core.clock().now() + std::chrono::duration_cast<std::chrono::milliseconds>(
                                             c.breaker.reopensAt() - now);
    facts.maxAttempts = c.spec.retry.maxAttempts;
    facts.gapTimeout = c.spec.gapTimeout;
    facts.noSubscriber =
        c.spec.sink.kind == SinkKind::WebSocket && subscribers.count(c.spec.name) == 0;
    if (e.seq >= c.cursor)
        facts.eventsBehind = lastSeq - c.cursor + 1;
    else if (auto place = queuedPlace(c, e))
        facts.queued = place;
    const StallVerdict verdict = judgeStall(facts);
    return StallFinding{c.spec.name, e.seq, e.eventId, verdict.state, verdict.sentence};
}

// Where a live event waits in its entity's queue, if it is queued.
std::optional<StallFacts::Queued> DeliveryEngine::Impl::queuedPlace(const Consumer& c,
                                                                    const Event& e) const {
    const std::string key = c.spec.orderByEntity ? entityKey(e) : std::string();
    for (const auto& [k, q] : c.queues.all()) {
        if (c.spec.orderByEntity && k != key)
            continue;
        for (std::size_t i = 0; i < q.items.size(); ++i) {
            if (q.items[i].event->seq != e.seq || q.items[i].kind != ItemKind::Live)
                continue;
            const Item& head = q.items.front();
            StallFacts::Queued place;
            place.position = i;
            place.blocked = q.blocked();
            place.inFlight = q.inFlight;
            place.inFlightSince = q.inFlightSince;
            place.attemptsFailed = head.attempts;
            place.throttles = head.throttles;
            place.retryScheduled = q.notBefore > core.clock().steadyNow();
            place.nextAttemptAt = q.nextAttemptAt;
            place.waitingForPredecessor = q.gapSince.has_value();
            place.lastError = q.lastError;
            return place;
        }
    }
    return std::nullopt;
}

void DeliveryEngine::Impl::settledFinding(StallFinding& f, const Event& e) const {
    std::optional<DeadLetter> open;
    for (auto& d : store.deadLettersByCorrelation(e.correlationId))
        if (d.consumer == f.consumer && d.seq == e.seq && d.state == DeadLetterState::Open) {
            open = std::move(d);
            break;
        }
    const StallVerdict verdict = judgeSettled(describeEvent(e), f.consumer, open ? &*open : nullptr,
                                              store.attemptsFor(f.consumer, e.seq));
    f.state = verdict.state;
    f.sentence = verdict.sentence;
    if (open)
        f.deadLetterId = open->id;
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
