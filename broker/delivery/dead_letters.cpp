// Dead letters: an event the consumer gave up on is kept with its reason,
// grouped by how it failed, and can be sent again (as it was, or with an
// edited payload its schema accepts) or discarded with a reason.

#include "broker/broker_core.h"
#include "broker/delivery/engine_impl.h"
#include "broker/log.h"
#include "core/envelope.h"

#include <nlohmann/json.hpp>

namespace meshdeck {

using namespace delivery;
using namespace std::chrono_literals;
using nlohmann::json;

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

// Groups dead letters that failed the same way: the class, the status and the
// error with its numbers taken out ("HTTP 400: field 12 invalid" and "... 13 ..."
// are one group).
std::string DeliveryEngine::Impl::errorSignature(const AttemptRecord& span) {
    std::string shape;
    for (char ch : span.error.substr(0, 120)) {
        if (std::isdigit(static_cast<unsigned char>(ch))) {
            if (shape.empty() || shape.back() != '#')
                shape += '#';
        } else {
            shape += ch;
        }
    }
    return std::string(toString(span.failureClass)) + ' ' + std::to_string(span.status) + ' ' +
           shape;
}

void DeliveryEngine::Impl::deadLetter(Consumer& c, const std::string& key, EntityQueue& q,
                                      Item& item, const AttemptRecord& last, Timestamp now) {
    ++c.totals.deadLettered;
    ++c.minute.dead;
    core.flows().deadLettered(c.spec.name, item.event->eventType, now);
    DeadLetter d;
    d.consumer = c.spec.name;
    d.seq = item.event->seq;
    d.eventId = item.event->eventId;
    d.eventType = item.event->eventType;
    d.tenantId = item.event->tenantId;
    d.correlationId = item.event->correlationId;
    d.entity = entityKey(*item.event);
    d.eventJson = serializeEvent(*item.event);
    d.signature = errorSignature(last);
    d.failureClass = last.failureClass;
    // What the sink said is often the whole story ("missing owner").
    d.error = last.response.empty() ? last.error : last.error + ": " + excerpt(last.response, 200);
    d.attempts = item.attempts + item.throttles;
    d.deadAt = now;
    d.payloadOverride = item.payloadOverride;
    if (item.kind == ItemKind::DeadLetter)
        d.parentId = item.deadLetterId;
    pendingWrites.deadLetters.push_back(std::move(d));
    log::warn(
        "dead-lettered",
        {{"consumer", c.spec.name}, {"event_id", item.event->eventId}, {"error", last.error}});
    if (c.spec.deadLetter == DeadLetterPolicy::BlockEntity && c.spec.orderByEntity)
        ++q.openDeadLetters;
    popHead(c, key, q, item.kind == ItemKind::Live);
    flush(); // an operator looking for it should find it at once
}

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
            auto& q = c.queues.at(d->entity);
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
            auto* q = c.queues.find(d.entity);
            if (q && q->openDeadLetters > 0) {
                --q->openDeadLetters;
                c.queues.markReady(d.entity);
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

} // namespace meshdeck
