// The dispatcher: the delivery thread's loop. It reads each consumer's events
// from the log (or the newest, kept in memory), queues them per entity, lets
// the version gate (core/ordering_gate.h) and the consumer's limits decide
// what goes next, hands it to the consumer's sink (sink.h), and applies the
// answer: settle, retry later (core/retry_policy.h) or dead-letter.

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"
#include "broker/log.h"
#include "core/envelope.h"
#include "core/ordering_gate.h"
#include "core/outbound_body.h"

#include <random>

namespace meshdeck {

using namespace delivery;
using namespace std::chrono_literals;

namespace {

constexpr auto kTick = 10ms;
constexpr auto kFlushEvery = 50ms;
constexpr auto kSnapshotEvery = 250ms;
constexpr std::size_t kRecentEvents = 20'000;
// Past this many entities a consumer forgets the versions it saw pass by for
// entities it holds nothing for: at worst an entity then waits out one
// gap_timeout for a version it filters out.
constexpr std::size_t kMaxSeenVersions = 200'000;

} // namespace

void DeliveryEngine::Impl::scheduleTick() {
    tick.expires_after(kTick);
    tick.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        onTick();
        scheduleTick();
    });
}

void DeliveryEngine::Impl::onTick() {
    const auto now = core.clock().steadyNow();
    for (auto& [name, c] : consumers) {
        while (!c->waiting.empty() && c->waiting.begin()->first <= now) {
            c->queues.markReady(c->waiting.begin()->second);
            c->waiting.erase(c->waiting.begin());
        }
        fill(*c);
        pump(*c);
    }
    subscribers.expire(now);
    // Flushing and snapshots keep real time whatever the clock: they are how
    // the outside sees progress, not part of what a test drives.
    const auto real = std::chrono::steady_clock::now();
    if (real - lastFlush >= kFlushEvery) {
        lastFlush = real;
        flush();
    }
    if (real - lastSnapshot >= kSnapshotEvery) {
        lastSnapshot = real;
        publishSnapshot();
    }
    const Timestamp wall = core.clock().now();
    const auto minute = std::chrono::floor<std::chrono::minutes>(wall);
    if (currentMinute == Timestamp{})
        currentMinute = minute;
    else if (minute > currentMinute) {
        recordMinute(currentMinute);
        currentMinute = minute;
    }
}

void DeliveryEngine::Impl::onCommitted(std::vector<EventPtr> events) {
    for (auto& e : events) {
        lastSeq = std::max(lastSeq, e->seq);
        if (!e->causationId.empty())
            recordOutcomeEvent(e);
        recent.emplace(e->seq, std::move(e));
    }
    while (recent.size() > kRecentEvents)
        recent.erase(recent.begin());
    for (auto& [name, c] : consumers) {
        fill(*c);
        pump(*c);
    }
}

void DeliveryEngine::Impl::fill(Consumer& c) {
    const auto max = static_cast<std::size_t>(c.spec.maxPending);
    while (!c.reading && c.queues.buffered() < max && c.cursor <= lastSeq) {
        if (auto it = recent.find(c.cursor); it != recent.end()) {
            ++c.cursor;
            accept(c, it->second);
            continue;
        }
        // The log announces every commit in seq order, so a seq missing
        // among the announced ones was never used.
        if (!recent.empty() && c.cursor > recent.begin()->first) {
            ++c.cursor;
            continue;
        }
        // Older than what is kept in memory (a restart, a slow consumer):
        // read that stretch of the log, off this thread.
        const std::int64_t from = c.cursor;
        const std::int64_t last = recent.empty() ? lastSeq : recent.begin()->first - 1;
        const auto span = static_cast<int>(std::min<std::int64_t>(kLogReadChunk, last - from + 1));
        readLog(c, from, span, [this, from, span](Consumer& c, std::vector<Event> events) {
            c.cursor = from + span;
            for (auto& e : events)
                accept(c, std::make_shared<const Event>(std::move(e)));
        });
    }
    fillReplays(c);
}

// One read at a time per consumer; while it is out, fill takes nothing
// newer, so the consumer still sees the log in order. A read that fails is
// logged and tried again on the next tick.
void DeliveryEngine::Impl::readLog(Consumer& c, std::int64_t from, int count,
                                   std::function<void(Consumer&, std::vector<Event>)> then) {
    if (stopping)
        return; // the log reader is finishing; a restart reads from the saved progress
    c.reading = true;
    boost::asio::post(logReader, [this, name = c.spec.name, generation = c.generation, from, count,
                                  then = std::move(then)]() mutable {
        std::optional<std::vector<Event>> events;
        try {
            events = core.log().readFrom(from, count);
        } catch (const std::exception& ex) {
            log::error("cannot read the log for delivery; trying again",
                       {{"consumer", name}, {"from_seq", from}, {"error", ex.what()}});
        }
        boost::asio::post(io, [this, name, generation, events = std::move(events),
                               then = std::move(then)]() mutable {
            auto it = consumers.find(name);
            if (it == consumers.end() || it->second->generation != generation)
                return; // changed or deleted meanwhile: its new state reads afresh
            Consumer& c = *it->second;
            c.reading = false;
            if (!events)
                return;
            then(c, std::move(*events));
            fill(c);
            pump(c);
        });
    });
}

void DeliveryEngine::Impl::accept(Consumer& c, const EventPtr& e) {
    std::int64_t seenBefore = 0;
    if (c.spec.orderByEntity && e->entity.version) {
        if (c.seenVersion.size() > kMaxSeenVersions)
            std::erase_if(c.seenVersion,
                          [&c](const auto& entry) { return !c.queues.holds(entry.first); });
        auto& seen = c.seenVersion[entityKey(*e)];
        seenBefore = seen;
        seen = std::max(seen, *e->entity.version);
    }
    if (c.settledBeforeStart.erase(e->seq))
        return; // acknowledged before the restart
    if (!matchesTypeAndTenant(c.spec.filter, *e) || !matchesConditions(c.spec.filter, *e))
        return; // not for this consumer: settled by passing the cursor over it
    c.unsettled.emplace(e->seq, e->ingestedAt);
    Item item{e, ItemKind::Live};
    item.versionSeenBefore = seenBefore;
    enqueue(c, std::move(item), false);
}

void DeliveryEngine::Impl::enqueue(Consumer& c, Item item, bool front) {
    const std::string key = c.spec.orderByEntity ? entityKey(*item.event)
                                                 : '#' + std::to_string(item.event->seq) + '/' +
                                                       std::to_string(++unorderedSerial);
    c.queues.push(key, std::move(item), front);
}

// The version gate (core/ordering_gate.h) on the head of an entity's queue:
// drops stale versions, brings a queued predecessor forward, and holds a gap
// up to gap_timeout. Returns false when the entity must wait.
bool DeliveryEngine::Impl::passGate(Consumer& c, const std::string& key, EntityQueue& q,
                                    SteadyTime now) {
    auto gatedVersion = [&c](const Item& item) -> std::optional<std::int64_t> {
        if (item.kind != ItemKind::Live || !c.spec.orderByEntity)
            return std::nullopt;
        return item.event->entity.version;
    };
    while (!q.items.empty()) {
        Item& head = q.items.front();
        const auto version = gatedVersion(head);
        const auto last = c.lastVersion.find(key);
        if (!version || last == c.lastVersion.end())
            return true;
        switch (ordering::judge(last->second, {*version, head.versionSeenBefore, head.gapWaited})) {
        case ordering::Verdict::Send:
            return true;
        case ordering::Verdict::Stale:
            recordStale(c, head, last->second);
            popHead(c, key, q, true);
            continue;
        case ordering::Verdict::Gap:
            break;
        }
        const auto filler = ordering::fillsGap(q.items.begin() + 1, q.items.end(), last->second,
                                               *version, gatedVersion);
        if (filler != q.items.end()) {
            Item moved = std::move(*filler);
            q.items.erase(filler);
            q.items.push_front(std::move(moved));
            q.gapSince.reset();
            continue;
        }
        if (const auto lookAgain = ordering::holdGap(q.gapSince, now, c.spec.gapTimeout)) {
            c.waiting.emplace(*lookAgain, key);
            return false;
        }
        head.gapWaited = true;
        ++c.totals.gaps;
        return true;
    }
    return false;
}

void DeliveryEngine::Impl::pump(Consumer& c) {
    if (c.spec.paused)
        return;
    const auto now = core.clock().steadyNow();
    const auto gate = [&](const std::string& key, EntityQueue& q) {
        return passGate(c, key, q, now);
    };
    while (c.inFlight < c.spec.maxConcurrency) {
        if (now < c.throttledUntil)
            return; // the endpoint asked us to wait (Retry-After); the tick resumes
        const auto ready = c.queues.next(now, gate);
        if (!ready)
            return;
        if (!sinkFor(c).hasRoom(c))
            return;
        if (c.bucket && !c.bucket->tryTake(1, now))
            return;
        if (c.spec.sink.kind == SinkKind::Webhook && !c.breaker.tryAcquire(now))
            return; // circuit open: events wait, nothing is dead-lettered
        c.queues.take();
        send(c, ready->key, *ready->queue);
    }
}

void DeliveryEngine::Impl::send(Consumer& c, const std::string& key, EntityQueue& q) {
    Item& item = q.items.front();
    q.inFlight = true;
    ++c.inFlight;
    const Timestamp started = core.clock().now();
    q.inFlightSince = started;
    if (!item.firstAttemptAt)
        item.firstAttemptAt = started;
    if (item.body.empty())
        item.body = bodyFor(c, item);
    const auto steadyNow = core.clock().steadyNow();
    const Flight flight{c.spec.name,
                        c.generation,
                        key,
                        started,
                        steadyNow,
                        c.spec.sink.kind == SinkKind::Webhook &&
                            c.breaker.state(steadyNow) == CircuitState::HalfOpen};
    sinkFor(c).send(c, item, flight);
}

std::string DeliveryEngine::Impl::bodyFor(const Consumer& c, const Item& item) {
    std::vector<std::string> pii;
    if (c.spec.redactPii)
        core.withSchemas([&](const SchemaRegistry& registry) {
            if (const auto* info = registry.find(item.event->eventType, item.event->schemaVersion))
                pii = info->piiPaths;
            return 0;
        });
    try {
        return outboundBody(*item.event, c.spec, pii, item.payloadOverride);
    } catch (const std::exception& ex) {
        log::warn("cannot shape the outbound body; sending the canonical event",
                  {{"consumer", c.spec.name}, {"error", ex.what()}});
        return serializeEvent(*item.event);
    }
}

void DeliveryEngine::Impl::complete(const Flight& flight, const SinkAnswer& answer) {
    auto cit = consumers.find(flight.consumer);
    if (cit == consumers.end() || cit->second->generation != flight.generation)
        return; // the consumer changed meanwhile; its new state redelivers if needed
    Consumer& c = *cit->second;
    EntityQueue* found = c.queues.find(flight.key);
    if (!found || !found->inFlight || found->items.empty())
        return;
    EntityQueue& q = *found;
    Item& item = q.items.front();
    const auto now = core.clock().steadyNow();
    const Timestamp wallNow = core.clock().now();
    q.inFlight = false;
    --c.inFlight;

    AttemptRecord span = spanFor(c, item);
    span.attempt = item.attempts + item.throttles + 1;
    span.startedAt = flight.startedAt;
    span.durationUs =
        std::chrono::duration_cast<std::chrono::microseconds>(now - flight.startedSteady).count();
    span.status = answer.status;
    span.failureClass = answer.failure;
    span.error = answer.error;
    span.response = excerpt(answer.response);
    if (item.gapWaited && answer.failure == delivery::FailureClass::None)
        span.error = "delivered after waiting " + std::to_string(c.spec.gapTimeout.count()) +
                     " ms for the previous version";
    pendingWrites.attempts.push_back(span);

    using delivery::FailureClass;
    const bool endpointUnwell =
        answer.failure == FailureClass::Transport || answer.failure == FailureClass::Server;
    if (c.spec.sink.kind == SinkKind::Webhook) {
        if (endpointUnwell)
            c.breaker.recordFailure(now);
        else if (answer.failure != FailureClass::Throttled)
            c.breaker.recordSuccess(now);
    }

    if (answer.failure == FailureClass::None) {
        onDelivered(c, flight.key, q, item, wallNow, answer.outcomeJson);
        popHead(c, flight.key, q, item.kind == ItemKind::Live);
        fill(c); // the room just freed takes the next events from the log first
        pump(c);
        return;
    }

    q.lastError = answer.error;
    c.totals.lastError = c.spec.name + ": " + answer.error;
    c.totals.lastErrorAt = wallNow;
    ++c.totals.failedAttempts;
    ++c.minute.failed;
    core.flows().failed(c.spec.name, item.event->eventType, answer.error, wallNow);

    const RetryStep step = afterFailure(
        c.spec.retry,
        {answer.failure, flight.probe, item.attempts, item.throttles, answer.retryAfter,
         std::chrono::duration_cast<std::chrono::milliseconds>(wallNow - *item.firstAttemptAt)},
        unitRandom());
    c.totals.throttled += step.throttles - item.throttles;
    item.attempts = step.attempts;
    item.throttles = step.throttles;
    if (step.deadLetter) {
        deadLetter(c, flight.key, q, item, span, wallNow);
        pump(c);
        return;
    }
    const auto delay = step.delay;
    // A throttled endpoint is throttled for every entity, not just this one.
    if (step.holdsEndpoint)
        c.throttledUntil = std::max(c.throttledUntil, now + delay);
    ++c.minute.retried;
    q.notBefore = now + delay;
    q.nextAttemptAt = wallNow + delay;
    c.waiting.emplace(q.notBefore, flight.key);
    pump(c);
}

void DeliveryEngine::Impl::onDelivered(Consumer& c, const std::string& key, EntityQueue&,
                                       const Item& item, Timestamp now,
                                       const std::string& outcomeJson) {
    const Event& e = *item.event;
    ++c.totals.delivered;
    ++c.minute.delivered;
    core.flows().delivered(c.spec.name, e.eventType, now);
    const double latency = static_cast<double>(
        std::max<std::int64_t>(0, toUnixMillis(now) - toUnixMillis(e.ingestedAt)));
    if (item.kind == ItemKind::Live) {
        c.totals.deliveryLatencyMs.observe(latency);
        c.minute.latency.observe(latency);
    }
    if (c.spec.orderByEntity && e.entity.version && item.kind == ItemKind::Live) {
        auto& last = c.lastVersion[key];
        if (*e.entity.version > last) {
            last = *e.entity.version;
            pendingWrites.entityVersions.emplace_back(c.spec.name, key, last);
        }
    }
    // End to end: from when the journey began to this acknowledgement. Most
    // events began their own journey; only a cause not seen yet waits for
    // the log reader.
    if (const auto root = knownRoot(e))
        return recordEndToEnd(c.spec.name, e, now, outcomeJson, *root);
    withRoot(item.event,
             [this, name = c.spec.name, event = item.event, now, outcomeJson](Timestamp root) {
                 recordEndToEnd(name, *event, now, outcomeJson, root);
             });
}

void DeliveryEngine::Impl::recordEndToEnd(const std::string& consumer, const Event& e,
                                          Timestamp now, const std::string& outcomeJson,
                                          Timestamp root) {
    const std::int64_t sinceRoot = toUnixMillis(now) - toUnixMillis(root);
    if (!outcomeJson.empty()) // kept even if the consumer is gone meanwhile
        pendingWrites.outcomes.push_back({consumer, e.seq, e.eventId, e.correlationId, e.eventType,
                                          outcomeJson, now, sinceRoot});
    auto it = consumers.find(consumer);
    if (it == consumers.end())
        return;
    auto& e2e = it->second->totals.endToEndMs[e.eventType];
    if (e2e.upperBounds().empty())
        e2e = Histogram(sloBounds());
    e2e.observe(static_cast<double>(sinceRoot));
}

void DeliveryEngine::Impl::popHead(Consumer& c, const std::string& key, EntityQueue& q,
                                   bool settles) {
    if (settles)
        settle(c, q.items.front().event->seq);
    c.queues.popHead(key);
}

AttemptRecord DeliveryEngine::Impl::spanFor(const Consumer& c, const Item& item) {
    AttemptRecord span;
    span.consumer = c.spec.name;
    span.seq = item.event->seq;
    span.eventId = item.event->eventId;
    span.correlationId = item.event->correlationId;
    span.replay = item.kind != ItemKind::Live;
    return span;
}

void DeliveryEngine::Impl::settle(Consumer& c, std::int64_t seq) {
    if (c.unsettled.erase(seq))
        c.newlySettled.push_back(seq);
}

void DeliveryEngine::Impl::recordStale(Consumer& c, const Item& item, std::int64_t lastSent) {
    ++c.totals.stale;
    AttemptRecord span = spanFor(c, item);
    span.attempt = 0;
    span.startedAt = core.clock().now();
    span.failureClass = FailureClass::Stale;
    span.error = "skipped: version " + std::to_string(*item.event->entity.version) + " of " +
                 item.event->entity.key() + " is not newer than version " +
                 std::to_string(lastSent) + ", already delivered";
    pendingWrites.attempts.push_back(std::move(span));
}

Timestamp DeliveryEngine::Impl::rootOccurredAt(const Event& e) const {
    // Follow causation_id up to the event that started the journey; a few
    // hops at most, each an indexed lookup.
    Timestamp root = e.occurredAt;
    std::string cause = e.causationId;
    for (int hops = 0; !cause.empty() && hops < 8; ++hops) {
        auto parent = core.log().get(cause);
        if (!parent)
            break;
        root = std::min(root, parent->occurredAt);
        cause = parent->causationId;
    }
    return root;
}

// An event without a cause began its own journey; for one with a cause the
// chain is read from the log on the log-reader thread (once per event: the
// answer is kept), and `use` runs back on this thread.
std::optional<Timestamp> DeliveryEngine::Impl::knownRoot(const Event& e) const {
    if (e.causationId.empty())
        return e.occurredAt;
    if (auto it = roots.find(e.eventId); it != roots.end())
        return it->second;
    return std::nullopt;
}

void DeliveryEngine::Impl::withRoot(const EventPtr& e, std::function<void(Timestamp)> use) {
    if (const auto root = knownRoot(*e))
        return use(*root);
    if (stopping) // the log reader is finishing: read here rather than lose it
        return use(rootOccurredAt(*e));
    boost::asio::post(logReader, [this, e, use = std::move(use)]() mutable {
        Timestamp root = e->occurredAt;
        try {
            root = rootOccurredAt(*e);
        } catch (const std::exception& ex) {
            log::warn("cannot follow causation_id; measuring from the event itself",
                      {{"event_id", e->eventId}, {"error", ex.what()}});
        }
        boost::asio::post(io, [this, e, root, use = std::move(use)] {
            if (roots.size() >= kRecentEvents)
                roots.clear();
            roots.emplace(e->eventId, root);
            use(root);
        });
    });
}

void DeliveryEngine::Impl::recordOutcomeEvent(const EventPtr& e) {
    withRoot(e, [this, e](Timestamp root) {
        const std::int64_t latency = toUnixMillis(e->occurredAt) - toUnixMillis(root);
        auto& h = outcomeEvents[e->eventType];
        if (h.upperBounds().empty())
            h = Histogram(sloBounds());
        h.observe(static_cast<double>(latency));
        pendingWrites.outcomes.push_back({"", e->seq, e->eventId, e->correlationId, e->eventType,
                                          "{\"event_type\":\"" + e->eventType + "\"}",
                                          e->ingestedAt, latency});
    });
}

std::vector<double> DeliveryEngine::Impl::sloBounds() {
    // 10 ms to 7 days: business outcomes are minutes and hours, not milliseconds.
    return {10,     50,     100,    250,     500,     1'000,   2'500, 5'000,
            10'000, 30'000, 60'000, 120'000, 300'000, 600'000, 1.8e6, 3.6e6,
            7.2e6,  14.4e6, 28.8e6, 86.4e6,  259.2e6, 604.8e6};
}

double DeliveryEngine::Impl::unitRandom() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

} // namespace meshdeck
