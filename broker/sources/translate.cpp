#include "broker/sources/translate.h"

#include "core/envelope.h"
#include "core/schema_registry.h"

namespace meshdeck::sources {

std::string_view toString(TranslatedItem::Outcome outcome) {
    using O = TranslatedItem::Outcome;
    switch (outcome) {
    case O::Mapped:
        return "mapped";
    case O::Ignored:
        return "ignored";
    case O::NoMatch:
        return "no-match";
    case O::Failed:
        return "failed";
    case O::Invalid:
        return "invalid";
    }
    return "?";
}

Translation translate(const SourceSpec& spec, const mapping::Ruleset& rules, std::string_view body,
                      const SchemaRegistry& schemas, Timestamp now) {
    Translation out;
    Split split = sources::split(spec, body);
    if (!split.error.empty()) {
        out.error = std::move(split.error);
        out.errorStatus = split.status;
        return out;
    }
    out.items.reserve(split.items.size());
    EnvelopeOptions envelope;
    envelope.allowMissingEventId = false;
    envelope.registry = &schemas;
    for (auto& vendorItem : split.items) {
        TranslatedItem t;
        t.where = std::move(vendorItem.where);
        t.vendorId = std::move(vendorItem.vendorId);
        const mapping::Context context{spec.name, spec.tenant, spec.producer, t.vendorId, now};
        nlohmann::json payload;
        mapping::Outcome mapped = mapping::apply(rules, vendorItem.doc, context, &payload);
        t.rule = std::move(mapped.rule);
        t.reason = std::move(mapped.reason);
        using K = mapping::Outcome::Kind;
        switch (mapped.kind) {
        case K::Ignored:
            t.outcome = TranslatedItem::Outcome::Ignored;
            break;
        case K::NoMatch:
            t.outcome = TranslatedItem::Outcome::NoMatch;
            break;
        case K::Failed:
            t.outcome = TranslatedItem::Outcome::Failed;
            break;
        case K::Mapped: {
            // The same checks as POST /v1/events, on the event in hand:
            // envelope rules and limits, then the payload's schema.
            ParsedEvent parsed = checkEvent(*mapped.event, payload, envelope);
            if (parsed.event) {
                t.outcome = TranslatedItem::Outcome::Mapped;
                t.event = std::move(parsed.event);
            } else {
                t.outcome = TranslatedItem::Outcome::Invalid;
                t.event = std::move(mapped.event);
                t.violations = std::move(parsed.violations);
                t.reason = "rule '" + t.rule + "' made a " + t.event->eventType +
                           " that breaks its contract: " + describe(t.violations);
            }
            break;
        }
        }
        if (t.outcome != TranslatedItem::Outcome::Mapped &&
            t.outcome != TranslatedItem::Outcome::Ignored)
            t.item = std::move(vendorItem.doc);
        out.items.push_back(std::move(t));
    }
    return out;
}

} // namespace meshdeck::sources
