// Replay: an operator sends a stretch of the log to consumers again (same
// event ids, so an idempotent sink absorbs what it already has), optionally
// filtered and rate limited, without touching their progress.

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"

#include <nlohmann/json.hpp>

namespace meshdeck {

using namespace delivery;
using namespace std::chrono_literals;
using nlohmann::json;

void DeliveryEngine::Impl::fillReplays(Consumer& c) {
    const auto max = static_cast<std::size_t>(c.spec.maxPending);
    const auto now = core.clock().steadyNow();
    while (!c.replays.empty() && c.queues.buffered() < max) {
        auto& job = c.replays.front();
        if (job.fetched.empty()) {
            if (job.next > job.to) {
                c.replays.pop_front();
                continue;
            }
            if (c.reading)
                return;
            // The job stays at the front while its read is out: only this
            // function pops jobs, and only finished ones.
            const std::int64_t start = job.next;
            const auto span =
                static_cast<int>(std::min<std::int64_t>(kLogReadChunk, job.to - start + 1));
            readLog(c, start, span, [start, span](Consumer& c, std::vector<Event> events) {
                auto& job = c.replays.front();
                job.next = start + span;
                for (auto& e : events)
                    job.fetched.push_back(std::make_shared<const Event>(std::move(e)));
            });
            return;
        }
        while (!job.fetched.empty()) {
            if (c.queues.buffered() >= max || (job.rate && !job.rate->tryTake(1, now)))
                return; // resume here on a later tick
            EventPtr e = std::move(job.fetched.front());
            job.fetched.pop_front();
            if (!replayMatches(c, job, *e))
                continue;
            ++c.totals.replayed;
            enqueue(c, Item{std::move(e), ItemKind::Replay}, false);
        }
    }
}

bool DeliveryEngine::Impl::replayMatches(const Consumer& c, const ReplayJob& job, const Event& e) {
    if (job.since && e.occurredAt < *job.since)
        return false;
    return matchesTypeAndTenant(c.spec.filter, e) && matchesConditions(c.spec.filter, e) &&
           matchesTypeAndTenant(job.filter, e) && matchesConditions(job.filter, e);
}

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

} // namespace meshdeck
