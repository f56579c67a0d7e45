// The delivery engine's public face: starting and stopping its thread,
// hearing of commits, snapshots, and WebSocket subscribers coming and going.
// What each part does is in its own file (engine_impl.h lists them).

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"
#include "broker/guarded_run.h"

#include <boost/asio/post.hpp>
#include <pthread.h>

namespace meshdeck {

using namespace delivery;
using namespace std::chrono_literals;

DeliveryEngine::Impl::Impl(BrokerCore& c)
    : core(c), store(c.database()), tick(io), noSink(io, completion()), webhooks(io, completion()),
      subscribers(io, c.clock(), completion()) {}

delivery::Sink& DeliveryEngine::Impl::sinkFor(const Consumer& c) {
    switch (c.spec.sink.kind) {
    case SinkKind::Webhook:
        return webhooks;
    case SinkKind::WebSocket:
        return subscribers;
    case SinkKind::None:
        break;
    }
    return noSink;
}

DeliveryEngine::DeliveryEngine(BrokerCore& core) : impl_(std::make_unique<Impl>(core)) {}

DeliveryEngine::~DeliveryEngine() {
    stop();
}

void DeliveryEngine::start() {
    impl_->load();
    boost::asio::post(impl_->logReader,
                      [] { pthread_setname_np(pthread_self(), "meshd-logread"); });
    impl_->work.emplace(impl_->io.get_executor());
    impl_->thread = std::thread([impl = impl_.get()] {
        pthread_setname_np(pthread_self(), "meshd-delivery");
        impl->scheduleTick();
        runGuarded(impl->io, impl->core.metrics(), "delivery-thread");
    });
}

void DeliveryEngine::stop() {
    if (!impl_->thread.joinable())
        return;
    impl_->callAndWait([impl = impl_.get()] {
        impl->stopping = true;
        impl->tick.cancel();
        return 0;
    });
    // What the log reader has read reaches the delivery thread before the
    // last flush (an outcome waiting for its root is written, not lost).
    impl_->logReader.join();
    impl_->callAndWait([impl = impl_.get()] {
        impl->flush();
        impl->webhooks.shutdown();
        impl->subscribers.close(std::nullopt, "the broker is stopping");
        return 0;
    });
    impl_->work.reset();
    impl_->io.stop();
    impl_->thread.join();
}

void DeliveryEngine::eventsCommitted(std::vector<EventPtr> events) {
    boost::asio::post(impl_->io, [impl = impl_.get(), events = std::move(events)]() mutable {
        impl->onCommitted(std::move(events));
    });
}

EngineSnapshot DeliveryEngine::snapshot() const {
    std::lock_guard lock(impl_->snapshotMutex);
    return impl_->latest ? *impl_->latest : EngineSnapshot{};
}

std::optional<std::string> DeliveryEngine::consumerTenant(const std::string& name) const {
    std::shared_ptr<const EngineSnapshot> snap;
    {
        std::lock_guard lock(impl_->snapshotMutex);
        snap = impl_->latest;
    }
    if (snap)
        for (const auto& c : snap->consumers)
            if (c.spec.name == name)
                return c.spec.filter.tenant.value_or("");
    return std::nullopt;
}

std::int64_t DeliveryEngine::lowestUnsettledSeq() const {
    const EngineSnapshot snap = snapshot();
    std::int64_t lowest = 0;
    for (const auto& c : snap.consumers)
        if (lowest == 0 || c.ackFloor + 1 < lowest)
            lowest = c.ackFloor + 1;
    return lowest;
}

DeliveryStore& DeliveryEngine::store() {
    return impl_->store;
}

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

} // namespace meshdeck
