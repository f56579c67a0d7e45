// The delivery engine's control plane: consumers coming and going, pauses,
// replays, dead-letter actions, WebSocket subscribers and the stall finder.
// Every function here runs on the delivery thread, reached through
// Impl::callAndWait from the public methods at the bottom.

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"
#include "broker/log.h"
#include "core/envelope.h"
#include "core/subscriber_frames.h"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

namespace meshdeck {

using namespace delivery;
using nlohmann::json;

namespace {

std::string when(Timestamp t) {
    return formatRfc3339(t);
}

// "LeadScored <event id> (seq 42)", how stall sentences name an event.
std::string describeEvent(const Event& e) {
    return e.eventType + ' ' + e.eventId + " (seq " + std::to_string(e.seq) + ")";
}

std::string describeSink(const ConsumerSpec& spec) {
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

} // namespace

// ---- consumers ---------------------------------------------------------------------------

void DeliveryEngine::Impl::load() {
    // Config consumers win over stored ones of the same name: the file is the
    // source of truth for what it declares. They are stored too, so their
    // progress and the console see them the same way. This runs before the
    // delivery thread starts, so it may wait for its writes.
    std::map<std::string, ConsumerSpec> specs;
    for (auto& stored : store.loadConsumers())
        specs[stored.spec.name] = stored.spec;
    for (const auto& configured : core.config().consumers) {
        ConsumerSpec spec = configured;
        spec.source = "config";
        if (auto it = specs.find(spec.name); it != specs.end())
            spec.paused = it->second.paused; // a pause survives restarts
        WriteWait saved;
        store.saveConsumer(spec, core.clock().now(), saved.done());
        if (const std::string error = saved.wait(); !error.empty())
            throw SqliteError("saving consumer " + spec.name + " from the config file: " + error);
        specs[spec.name] = spec;
    }
    lastSeq = core.log().stats().lastSeq;
    for (auto& [name, spec] : specs) {
        StoredState stored = loadStoredState(spec);
        install(std::move(spec), std::move(stored));
    }
    publishSnapshot();
}

// What install() starts a consumer from: the ack floor, the acks above it,
// the versions it received and the entities blocked behind an open dead
// letter. Reads the store, so it runs on the caller's thread.
DeliveryEngine::Impl::StoredState
DeliveryEngine::Impl::loadStoredState(const ConsumerSpec& spec) const {
    StoredState state;
    state.progress = store.loadProgress(spec.name);
    if (spec.deadLetter == DeadLetterPolicy::BlockEntity && spec.orderByEntity) {
        DeadLetterQuery q;
        q.consumer = spec.name;
        q.limit = 1000;
        for (const auto& d : store.deadLetters(q))
            ++state.openDeadLetters[d.entity];
    }
    return state;
}

void DeliveryEngine::Impl::install(ConsumerSpec spec, StoredState stored) {
    auto c = std::make_unique<Consumer>(std::move(spec));
    c->generation = nextGeneration++;
    c->cursor = stored.progress.ackFloor + 1;
    c->savedFloor = stored.progress.ackFloor;
    c->settledBeforeStart = std::move(stored.progress.settledAbove);
    for (const auto& [entity, version] : stored.progress.entityVersions)
        c->lastVersion[entity] = version;
    if (c->spec.rate.perSecond > 0)
        c->bucket.emplace(c->spec.rate.perSecond, c->spec.rate.burst, core.clock().steadyNow());
    for (const auto& [entity, count] : stored.openDeadLetters)
        c->entities[entity].openDeadLetters = count;
    const std::string name = c->spec.name;
    consumers[name] = std::move(c);
}

// Consumer changes take three steps so the delivery thread never waits for
// the writer: on the delivery thread the change is checked, the old state
// let go of and its write queued; the caller waits for the commit and reads
// what the new state starts from; back on the delivery thread it is
// installed. controlMutex keeps two changes from interleaving.
DeliveryEngine::Answer DeliveryEngine::putConsumer(ConsumerSpec spec, const std::string& actor,
                                                   bool mustBeNew) {
    std::lock_guard control(impl_->controlMutex);
    Impl::WriteWait saved;
    bool created = false;
    const Answer checked = impl_->callAndWait([&]() -> Answer {
        auto& consumers = impl_->consumers;
        auto existing = consumers.find(spec.name);
        if (mustBeNew && existing != consumers.end())
            return {{EngineError::Kind::Conflict, "a consumer named " + spec.name +
                                                      " already exists; PUT /v1/consumers/" +
                                                      spec.name + " changes it"}};
        if (existing != consumers.end() && existing->second->spec.source == "config" &&
            spec.source != "config")
            return {{EngineError::Kind::Conflict, "consumer " + spec.name +
                                                      " is declared in the config file; change it "
                                                      "there and reload"}};
        created = existing == consumers.end();
        if (!created) {
            // Its progress so far is queued before the new spec, so the
            // state read back below includes it; answers still in flight
            // for it are dropped and those events delivered again.
            impl_->flush();
            impl_->subscribers.close(spec.name,
                                     "consumer " + spec.name + " was changed; subscribe again");
            consumers.erase(existing);
        }
        impl_->store.saveConsumer(spec, impl_->core.clock().now(), saved.done());
        return {};
    });
    if (checked.error)
        return checked;
    if (auto failed = saved.failure("consumer " + spec.name + " could not be saved"))
        return {failed};
    Impl::StoredState stored = impl_->loadStoredState(spec);
    impl_->core.audit().record({0,
                                {},
                                actor,
                                created ? "consumer.create" : "consumer.update",
                                spec.name,
                                consumerSpecToJson(spec, true),
                                spec.filter.tenant.value_or("*")});
    return impl_->callAndWait([&]() -> Answer {
        const std::string name = spec.name;
        impl_->install(std::move(spec), std::move(stored));
        auto& c = *impl_->consumers[name];
        impl_->fill(c);
        impl_->pump(c);
        impl_->publishSnapshot();
        return {{}, created};
    });
}

DeliveryEngine::Answer DeliveryEngine::deleteConsumer(const std::string& name,
                                                      const std::string& actor) {
    std::lock_guard control(impl_->controlMutex);
    Impl::WriteWait deleted;
    std::string tenant;
    const Answer checked = impl_->callAndWait([&]() -> Answer {
        auto it = impl_->consumers.find(name);
        if (it == impl_->consumers.end())
            return {{EngineError::Kind::NotFound, "no consumer named " + name}};
        if (it->second->spec.source == "config")
            return {{EngineError::Kind::Conflict, "consumer " + name +
                                                      " is declared in the config file; remove it "
                                                      "there and restart"}};
        impl_->flush();
        tenant = it->second->spec.filter.tenant.value_or("*");
        impl_->subscribers.close(name, "consumer " + name + " was deleted");
        impl_->consumers.erase(it);
        impl_->store.deleteConsumer(name, deleted.done());
        impl_->publishSnapshot();
        return {};
    });
    if (checked.error)
        return checked;
    if (auto failed = deleted.failure("consumer " + name + " stopped but could not be deleted"))
        return {failed};
    impl_->core.audit().record({0, {}, actor, "consumer.delete", name, "{}", tenant});
    return checked;
}

DeliveryEngine::Answer DeliveryEngine::setPaused(const std::string& name, bool paused,
                                                 const std::string& actor) {
    std::lock_guard control(impl_->controlMutex);
    Impl::WriteWait saved;
    std::string tenant;
    const Answer checked = impl_->callAndWait([&]() -> Answer {
        auto it = impl_->consumers.find(name);
        if (it == impl_->consumers.end())
            return {{EngineError::Kind::NotFound, "no consumer named " + name}};
        auto& c = *it->second;
        c.spec.paused = paused;
        tenant = c.spec.filter.tenant.value_or("*");
        impl_->store.saveConsumer(c.spec, impl_->core.clock().now(), saved.done());
        if (!paused) {
            impl_->fill(c);
            impl_->pump(c);
        }
        impl_->publishSnapshot();
        return {};
    });
    if (checked.error)
        return checked;
    if (auto failed = saved.failure("consumer " + name + (paused ? " paused" : " resumed") +
                                    " but the change could not be saved (it is lost on restart)"))
        return {failed};
    impl_->core.audit().record(
        {0, {}, actor, paused ? "consumer.pause" : "consumer.resume", name, "{}", tenant});
    return checked;
}

// ---- replay ------------------------------------------------------------------------------

ReplayResult DeliveryEngine::replay(const ReplayRequest& request) {
    ReplayResult result;
    const EngineSnapshot snap = impl_->callAndWait([this] {
        impl_->publishSnapshot();
        return *impl_->latest;
    });
    std::vector<const ConsumerStatus*> targets;
    const auto visible = [&](const ConsumerStatus& s) {
        return request.tenantScope == "*" ||
               (s.spec.filter.tenant && *s.spec.filter.tenant == request.tenantScope);
    };
    for (const auto& name : request.consumers) {
        auto it = std::find_if(snap.consumers.begin(), snap.consumers.end(),
                               [&](const ConsumerStatus& s) { return s.spec.name == name; });
        if (it == snap.consumers.end() || !visible(*it)) {
            result.error = {EngineError::Kind::NotFound, "no consumer named " + name};
            return result;
        }
        targets.push_back(&*it);
    }
    if (request.consumers.empty())
        for (const auto& s : snap.consumers)
            if (visible(s))
                targets.push_back(&s);

    // Where to start: a seq, or the first event that occurred at or after `since`.
    std::int64_t from = request.fromSeq.value_or(1);
    if (request.since && !request.fromSeq) {
        EventQuery q;
        q.since = request.since;
        q.limit = 1;
        auto page = impl_->core.log().query(q);
        from = page.events.empty() ? snap.lastSeq + 1 : page.events.front().seq;
    }
    const std::int64_t to = snap.lastSeq;

    // Counting reads the log on the caller's thread, not the delivery thread.
    for (const auto* s : targets) {
        ReplayCount count{s->spec.name, 0, 0, from, to};
        ReplayJob job;
        job.filter = request.filter;
        job.since = request.since;
        Consumer probe(s->spec);
        for (std::int64_t at = from; at <= to; at += 1000) {
            for (const auto& e : impl_->core.log().readFrom(at, 1000)) {
                if (!Impl::replayMatches(probe, job, e))
                    continue;
                ++count.events;
                if (e.seq <= s->ackFloor)
                    ++count.alreadyDelivered;
            }
        }
        result.counts.push_back(count);
    }
    if (request.dryRun)
        return result;

    impl_->callAndWait([&] {
        for (const auto& count : result.counts) {
            auto it = impl_->consumers.find(count.consumer);
            if (it == impl_->consumers.end())
                continue;
            ReplayJob job;
            job.next = from;
            job.to = to;
            job.filter = request.filter;
            job.since = request.since;
            if (request.ratePerSecond > 0)
                job.rate.emplace(request.ratePerSecond, std::max(1.0, request.ratePerSecond),
                                 impl_->core.clock().steadyNow());
            it->second->replays.push_back(std::move(job));
            impl_->fill(*it->second);
            impl_->pump(*it->second);
        }
        return 0;
    });
    json detail = {{"from_seq", from}, {"to_seq", to}, {"rate_per_second", request.ratePerSecond}};
    for (const auto& count : result.counts)
        detail["events"][count.consumer] = count.events;
    impl_->core.audit().record(
        {0,
         {},
         request.actor,
         "consumer.replay",
         request.consumers.empty() ? std::string("*") : request.consumers.front(),
         detail.dump(),
         request.tenantScope});
    return result;
}

// ---- dead letters ------------------------------------------------------------------------

namespace {

std::vector<DeadLetter> selectOpen(DeliveryStore& store, const DeadLetterSelection& selection,
                                   std::string& error) {
    std::vector<DeadLetter> letters;
    const auto visible = [&](const DeadLetter& d) {
        return selection.tenantScope == "*" || d.tenantId == selection.tenantScope;
    };
    for (auto id : selection.ids) {
        auto d = store.deadLetter(id);
        if (!d || !visible(*d)) {
            error = "no dead letter " + std::to_string(id);
            return {};
        }
        if (d->state != DeadLetterState::Open) {
            error = "dead letter " + std::to_string(id) + " was already " +
                    std::string(toString(d->state)) + " by " + d->resolvedBy;
            return {};
        }
        letters.push_back(std::move(*d));
    }
    if (selection.signature || (selection.consumer && selection.ids.empty())) {
        DeadLetterQuery q;
        q.consumer = selection.consumer;
        q.signature = selection.signature;
        q.limit = 1000;
        if (selection.tenantScope != "*")
            q.tenant = selection.tenantScope;
        auto group = store.deadLetters(q);
        letters.insert(letters.end(), group.begin(), group.end());
    }
    if (letters.empty() && error.empty())
        error = "no open dead letters match";
    return letters;
}

} // namespace

DeadLetterActionResult DeliveryEngine::Impl::resend(const std::vector<DeadLetter>& letters,
                                                    const std::string& actor,
                                                    const std::string& payloadOverride) {
    DeadLetterActionResult result;
    const Timestamp now = core.clock().now();
    // Oldest first, so an entity's letters go out in their original order.
    std::vector<const DeadLetter*> ordered;
    for (const auto& d : letters)
        ordered.push_back(&d);
    std::sort(ordered.begin(), ordered.end(),
              [](const DeadLetter* a, const DeadLetter* b) { return a->seq > b->seq; });
    for (const DeadLetter* d : ordered) {
        auto it = consumers.find(d->consumer);
        if (it == consumers.end()) {
            result.error.kind = EngineError::Kind::Conflict;
            result.error.message = "dead letter " + std::to_string(d->id) +
                                   " belongs to consumer " + d->consumer +
                                   ", which no longer exists";
            return result;
        }
        Consumer& c = *it->second;
        ParsedEvent parsed = parseEvent(d->eventJson);
        if (!parsed.event) {
            result.error.kind = EngineError::Kind::Internal;
            result.error.message = "dead letter " + std::to_string(d->id) +
                                   " holds an unreadable event: " + describe(parsed.violations);
            return result;
        }
        Event e = std::move(*parsed.event);
        e.seq = d->seq;
        Item item{std::make_shared<const Event>(std::move(e)), ItemKind::DeadLetter};
        item.deadLetterId = d->id;
        item.payloadOverride = payloadOverride.empty() ? d->payloadOverride : payloadOverride;
        // Pushed to the front in reverse order: the oldest ends up first.
        if (c.spec.orderByEntity) {
            auto& q = c.entities[d->entity];
            if (q.openDeadLetters > 0)
                --q.openDeadLetters;
        }
        enqueue(c, std::move(item), true);
        ++c.totals.replayed;
        DeadLetterResolution r;
        r.id = d->id;
        r.state = DeadLetterState::Replayed;
        r.at = now;
        r.actor = actor;
        r.reason = payloadOverride.empty() ? "replayed" : "edited and replayed";
        r.payloadOverride = payloadOverride;
        pendingWrites.resolutions.push_back(std::move(r));
        result.affected.push_back(d->id);
    }
    flush();
    for (auto& [name, c] : consumers)
        pump(*c);
    return result;
}

DeadLetterActionResult DeliveryEngine::replayDeadLetters(const DeadLetterSelection& selection,
                                                         const std::string& actor) {
    std::string error;
    auto letters = selectOpen(impl_->store, selection, error);
    if (!error.empty())
        return {{EngineError::Kind::NotFound, error}, {}, {}};
    auto result = impl_->callAndWait([&] { return impl_->resend(letters, actor, {}); });
    impl_->awaitWrites();
    if (!result.error) {
        json detail = {{"ids", result.affected}};
        if (selection.signature)
            detail["signature"] = *selection.signature;
        impl_->core.audit().record({0,
                                    {},
                                    actor,
                                    "dlq.replay",
                                    selection.consumer.value_or(letters.front().consumer),
                                    detail.dump(),
                                    letters.front().tenantId});
    }
    return result;
}

DeadLetterActionResult DeliveryEngine::editAndReplay(std::int64_t id,
                                                     const std::string& payloadJson,
                                                     const std::string& actor,
                                                     const std::string& tenantScope) {
    DeadLetterSelection selection;
    selection.ids = {id};
    selection.tenantScope = tenantScope;
    std::string error;
    auto letters = selectOpen(impl_->store, selection, error);
    if (!error.empty())
        return {{EngineError::Kind::NotFound, error}, {}, {}};
    const DeadLetter& d = letters.front();
    ParsedEvent original = parseEvent(d.eventJson);
    if (!original.event)
        return {{EngineError::Kind::Internal,
                 "dead letter " + std::to_string(id) + " holds an unreadable event"},
                {},
                {}};
    json payload;
    try {
        payload = json::parse(payloadJson);
    } catch (const json::exception& ex) {
        return {{EngineError::Kind::BadInput,
                 std::string("the edited payload is not JSON: ") + ex.what()},
                {},
                {}};
    }
    if (!payload.is_object())
        return {{EngineError::Kind::BadInput, "the edited payload must be a JSON object"}, {}, {}};
    const Violations violations = impl_->core.withSchemas([&](const SchemaRegistry& registry) {
        if (!registry.hasType(d.eventType))
            return Violations{};
        return registry.validate(d.eventType, original.event->schemaVersion, payload.dump());
    });
    if (!violations.empty())
        return {{EngineError::Kind::Unprocessable,
                 "the edited payload does not match " + d.eventType + " v" +
                     std::to_string(original.event->schemaVersion) + ": " + describe(violations)},
                {},
                {}};
    auto result = impl_->callAndWait([&] { return impl_->resend(letters, actor, payload.dump()); });
    impl_->awaitWrites();
    if (!result.error)
        impl_->core.audit().record({0,
                                    {},
                                    actor,
                                    "dlq.edit-replay",
                                    "dead letter " + std::to_string(id),
                                    json{{"id", id},
                                         {"consumer", d.consumer},
                                         {"event_id", d.eventId},
                                         {"original_payload", json::parse(original.event->payload)},
                                         {"edited_payload", payload}}
                                        .dump(),
                                    d.tenantId});
    return result;
}

DeadLetterActionResult DeliveryEngine::discardDeadLetters(const DeadLetterSelection& selection,
                                                          const std::string& reason,
                                                          const std::string& actor) {
    if (reason.find_first_not_of(" \t\n") == std::string::npos)
        return {{EngineError::Kind::BadInput,
                 "a reason is required to discard dead letters (say why, for the audit log)"},
                {},
                {}};
    std::string error;
    auto letters = selectOpen(impl_->store, selection, error);
    if (!error.empty())
        return {{EngineError::Kind::NotFound, error}, {}, {}};
    auto result = impl_->callAndWait([&] {
        DeadLetterActionResult r;
        const Timestamp now = impl_->core.clock().now();
        for (const auto& d : letters) {
            impl_->pendingWrites.resolutions.push_back(
                {d.id, DeadLetterState::Discarded, now, actor, reason, {}});
            r.affected.push_back(d.id);
            auto it = impl_->consumers.find(d.consumer);
            if (it == impl_->consumers.end() || !it->second->spec.orderByEntity)
                continue;
            auto& c = *it->second;
            auto qit = c.entities.find(d.entity);
            if (qit != c.entities.end() && qit->second.openDeadLetters > 0) {
                --qit->second.openDeadLetters;
                impl_->makeReady(c, d.entity);
                impl_->pump(c);
            }
        }
        impl_->flush();
        return r;
    });
    impl_->awaitWrites();
    impl_->core.audit().record({0,
                                {},
                                actor,
                                "dlq.discard",
                                selection.consumer.value_or(letters.front().consumer),
                                json{{"ids", result.affected}, {"reason", reason}}.dump(),
                                letters.front().tenantId});
    return result;
}

// ---- WebSocket subscribers ---------------------------------------------------------------

std::string DeliveryEngine::subscribe(std::uint64_t linkId, std::shared_ptr<SubscriberLink> link,
                                      const std::string& consumer, int maxInFlight,
                                      const std::string& tenantScope) {
    return impl_->callAndWait([&]() -> std::string {
        auto it = impl_->consumers.find(consumer);
        // Another tenant's consumer is answered like a missing one.
        if (it == impl_->consumers.end() ||
            (tenantScope != "*" &&
             (!it->second->spec.filter.tenant || *it->second->spec.filter.tenant != tenantScope)))
            return "no consumer named " + consumer + " for tenant " + tenantScope;
        auto& c = *it->second;
        if (c.spec.sink.kind != SinkKind::WebSocket)
            return "consumer " + consumer + " delivers to " + describeSink(c.spec) +
                   ", not to WebSocket subscribers";
        impl_->subscribers.add(linkId, std::move(link), c, maxInFlight);
        impl_->fill(c);
        impl_->pump(c);
        return {};
    });
}

void DeliveryEngine::subscriberFrame(std::uint64_t linkId, std::string text) {
    boost::asio::post(impl_->io, [impl = impl_.get(), linkId, text = std::move(text)] {
        impl->subscribers.frame(linkId, text);
        for (auto& [name, c] : impl->consumers)
            impl->pump(*c);
    });
}

void DeliveryEngine::unsubscribe(std::uint64_t linkId) {
    boost::asio::post(impl_->io, [impl = impl_.get(), linkId] { impl->subscribers.drop(linkId); });
}

// ---- where did it stall? -----------------------------------------------------------------

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
