// The consumer registry: consumers from the config and the API, loaded at
// start, declared, changed, deleted, paused and resumed. Every change is
// stored before it takes effect, and the delivery thread never waits for it.

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"
#include "broker/log.h"

namespace meshdeck {

using namespace delivery;
using namespace std::chrono_literals;

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
        c->queues.at(entity).openDeadLetters = count;
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

} // namespace meshdeck
