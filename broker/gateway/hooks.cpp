#include "broker/gateway/hooks.h"

#include "broker/broker_core.h"
#include "broker/gateway/problem.h"
#include "broker/log.h"
#include "broker/sources/translate.h"
#include "broker/sources/vendor.h"
#include "core/envelope.h"

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

namespace meshdeck {

namespace {

using Outcome = sources::TranslatedItem::Outcome;

constexpr std::size_t kUnverifiedBodyKept = 16 << 10;

// A refusal in the vendor's language: Salesforce reads a SOAP fault, every
// other vendor problem+json.
ApiResponse problemFor(const SourceSpec& spec, int status, std::string_view type,
                       std::string_view title, const std::string& detail) {
    if (spec.kind != SourceKind::SalesforceOutbound)
        return problem::make(status, type, title, detail);
    ApiResponse r;
    r.status = status;
    r.contentType = "text/xml; charset=utf-8";
    r.body = sources::salesforceFault(detail);
    return r;
}

ApiResponse busy(const SourceSpec& spec, const std::string& detail) {
    auto r = problemFor(spec, 503, "busy", "Broker busy", detail);
    r.headers["retry-after"] = "1";
    return r;
}

// Runs an answer on the request's connection thread when it has one, else
// where the broker runs work that follows a commit.
void answerOn(BrokerCore& core, const decltype(ApiRequest::onConnection)& onConnection,
              std::function<void()> answer) {
    if (onConnection)
        onConnection(std::move(answer));
    else
        core.postCompletion(std::move(answer));
}

std::string contentTypeOf(const ApiRequest& req) {
    const auto it = req.headers.find("content-type");
    return it == req.headers.end() ? std::string() : it->second;
}

// What one request leaves to do after its commits, shared by the callbacks of
// the quarantine writes and of the append, whichever finishes last answers.
struct PendingHook {
    ApiRequest request;
    SourceRegistry::EntryPtr source;
    Respond respond;
    std::vector<sources::TranslatedItem> items;
    SourceRegistry::Tally tally;
    std::atomic<int> waiting{0};
    std::mutex mutex;
    std::string storageError;            // the first commit that failed
    std::vector<AppendOutcome> outcomes; // per appended event, in order
    // Per appended event, in order: its item's index, id and type (the event
    // itself went to the log).
    struct Appended {
        std::size_t item;
        std::string eventId;
        std::string eventType;
    };
    std::vector<Appended> appended;
};

// After every commit of the request: counts, metrics and flows, and the
// vendor's answer.
void answerCommitted(BrokerCore& core, PendingHook& p) {
    const SourceSpec& spec = p.source->spec;
    if (!p.storageError.empty()) {
        log::error("hook commit failed", {{"source", spec.name}, {"error", p.storageError}});
        p.tally.error = p.storageError;
        core.sources().record(spec.name, p.tally);
        auto r = problemFor(spec, 503, "storage", "Storage unavailable",
                            p.storageError + "; retry: the events are stored once");
        r.headers["retry-after"] = "1";
        return p.respond(std::move(r));
    }
    const Timestamp now = core.clock().now();
    // Per appended event its outcome, in item order for the answer.
    std::vector<const AppendOutcome*> outcomeOf(p.items.size(), nullptr);
    std::map<std::string_view, std::int64_t> published; // by event type
    std::int64_t conflicts = 0;
    for (std::size_t k = 0; k < p.outcomes.size() && k < p.appended.size(); ++k) {
        const auto& appended = p.appended[k];
        outcomeOf[appended.item] = &p.outcomes[k];
        switch (p.outcomes[k].status) {
        case AppendStatus::Appended:
            ++p.tally.mapped;
            ++published[appended.eventType];
            break;
        case AppendStatus::Duplicate:
            ++p.tally.mapped;
            ++p.tally.duplicates;
            break;
        case AppendStatus::Conflict:
            ++conflicts;
            break;
        }
    }
    for (const auto& [type, n] : published) {
        core.metrics().countPublished(std::string(type), spec.producer, spec.tenant, n);
        core.flows().published(spec.tenant, spec.producer, type, n, now);
    }
    // Built by hand, as the publish answer is: a hundred items per request.
    std::string results;
    std::size_t k = 0;
    for (std::size_t i = 0; i < p.items.size(); ++i) {
        const auto& item = p.items[i];
        if (i > 0)
            results += ',';
        results += "{\"where\":" + jsonString(item.where) +
                   ",\"vendor_id\":" + jsonString(item.vendorId) + ",\"outcome\":";
        if (const AppendOutcome* o = outcomeOf[i]) {
            const auto& appended = p.appended[k++];
            results += o->status == AppendStatus::Appended    ? "\"accepted\""
                       : o->status == AppendStatus::Duplicate ? "\"duplicate\""
                                                              : "\"conflict\"";
            results += ",\"event_id\":" + jsonString(appended.eventId) +
                       ",\"event_type\":" + jsonString(appended.eventType);
            if (o->status != AppendStatus::Conflict)
                results += ",\"seq\":" + std::to_string(o->seq);
            else
                results += ",\"reason\":\"the event id is another tenant's; the source was moved "
                           "between tenants. Not stored\"";
        } else {
            results += item.outcome == Outcome::Ignored ? "\"ignored\"" : "\"quarantined\"";
            if (!item.rule.empty())
                results += ",\"rule\":" + jsonString(item.rule);
            if (!item.reason.empty())
                results += ",\"reason\":" + jsonString(item.reason);
        }
        results += '}';
    }
    if (conflicts > 0 && p.tally.error.empty())
        p.tally.error = std::to_string(conflicts) + " event(s) conflict with another tenant's ids";
    core.sources().record(spec.name, p.tally);

    ApiResponse r;
    if (spec.kind == SourceKind::SalesforceOutbound) {
        r.contentType = "text/xml; charset=utf-8";
        r.body = sources::salesforceAck();
    } else {
        r.body = "{\"accepted\":" + std::to_string(p.tally.mapped - p.tally.duplicates) +
                 ",\"duplicates\":" + std::to_string(p.tally.duplicates) +
                 ",\"ignored\":" + std::to_string(p.tally.ignored) +
                 ",\"quarantined\":" + std::to_string(p.tally.quarantined);
        if (conflicts)
            r.body += ",\"conflicts\":" + std::to_string(conflicts);
        r.body += ",\"results\":[" + results + "]}";
    }
    p.respond(std::move(r));
}

} // namespace

void HookHandler::handle(ApiRequest req, const std::string& name, Respond respond) {
    auto& registry = core_.sources();
    const auto entry = registry.find(name);
    if (!entry)
        return respond(problem::notFound("no source named " + name +
                                         "; the vendor's webhook URL must end in the name of a "
                                         "source (meshctl sources lists them)"));
    const SourceSpec& spec = entry->spec;
    registry.countRequest(name);
    const Timestamp now = core_.clock().now();

    // A refused request: answered, kept in quarantine under the source's
    // tenant with the reason (never a secret), and counted.
    const auto refuse = [&](int status, std::string_view type, std::string_view title,
                            const std::string& detail, const std::string& reason, bool signature) {
        SourceRegistry::Tally tally;
        tally.rejectedSignature = signature;
        tally.quarantined = 1;
        tally.error = detail;
        registry.record(name, tally);
        core_.metrics().countRejection("hook-" + reason);
        core_.flows().rejected(spec.tenant, spec.producer, "unknown", 1, now);
        QuarantineEntry q;
        q.receivedAt = now;
        q.tenant = spec.tenant;
        q.source = req.method + ' ' + req.path;
        q.contentType = contentTypeOf(req);
        q.status = status;
        q.reason = reason;
        q.detail = problem::make(status, type, title, detail).body;
        // A request that failed verification may come from anyone who knows
        // the URL: keep enough of it to see what was sent, not a megabyte.
        q.body = signature ? req.body.substr(0, kUnverifiedBodyKept) : req.body;
        // Answered once the entry is committed: what the vendor was told
        // was refused is on record by then.
        auto answer = std::make_shared<ApiResponse>(problemFor(spec, status, type, title, detail));
        const bool queued = core_.quarantine().add(
            std::move(q),
            [this, answer, respond, onConnection = req.onConnection](const std::string& error) {
                if (!error.empty())
                    log::warn("refused hook request not kept", {{"error", error}});
                answerOn(core_, onConnection, [answer, respond] { respond(std::move(*answer)); });
            });
        if (!queued) {
            log::warn("quarantine queue full; refused hook request not kept",
                      {{"source", name}, {"reason", reason}});
            respond(std::move(*answer));
        }
    };

    if (req.body.size() > spec.maxBodyBytes)
        return refuse(413, "too-large", "Request too large",
                      "the body has " + std::to_string(req.body.size()) + " bytes; source " + name +
                          " takes at most " + std::to_string(spec.maxBodyBytes) +
                          " (its max_body_bytes)",
                      "too-large", false);

    std::chrono::milliseconds retryAfter{0};
    if (!registry.admit(name, &retryAfter)) {
        core_.metrics().countRejection("rate-limited");
        const auto seconds = std::max<long long>(1, (retryAfter.count() + 999) / 1000);
        auto r =
            problemFor(spec, 429, "rate-limited", "Too many requests",
                       "source " + name + " takes " +
                           std::to_string(static_cast<long long>(spec.ratePerSecond)) +
                           " requests per second; retry after " + std::to_string(seconds) + " s");
        r.headers["retry-after"] = std::to_string(seconds);
        return respond(std::move(r));
    }

    const auto verdict = sources::verify(spec, {req.method, req.headers, req.body}, now);
    if (!verdict.ok) {
        const std::string reason = verdict.stale ? "stale-timestamp" : "signature";
        return refuse(401, reason, verdict.stale ? "Stale timestamp" : "Signature not verified",
                      verdict.reason, reason, true);
    }

    auto translation = core_.withSchemas([&](const SchemaRegistry& schemas) {
        return sources::translate(spec, *entry->rules, req.body, schemas, now);
    });
    if (!translation.error.empty()) {
        const bool organization = translation.errorStatus == 401;
        const std::string reason = organization ? "organization" : "unreadable";
        return refuse(translation.errorStatus, reason,
                      organization ? "Wrong organization" : "Unreadable webhook",
                      translation.error + "; nothing was stored", reason, false);
    }

    if (translation.items.size() > core_.config().maxEventsPerRequest)
        return refuse(413, "too-large", "Too many events",
                      std::to_string(translation.items.size()) +
                          " items in one request; the limit is " +
                          std::to_string(core_.config().maxEventsPerRequest) +
                          " (limits.max_events_per_request); nothing was stored",
                      "too-many-events", false);

    auto pending = std::make_shared<PendingHook>();
    pending->source = entry;
    pending->respond = std::move(respond);
    pending->items = std::move(translation.items);
    pending->tally.received = static_cast<std::int64_t>(pending->items.size());

    std::vector<Event> events;
    events.reserve(pending->items.size());
    std::vector<QuarantineEntry> kept;
    for (std::size_t i = 0; i < pending->items.size(); ++i) {
        auto& item = pending->items[i];
        if (item.outcome == Outcome::Mapped) {
            pending->appended.push_back({i, item.event->eventId, item.event->eventType});
            events.push_back(std::move(*item.event));
            item.event.reset();
            continue;
        }
        if (item.outcome == Outcome::Ignored) {
            ++pending->tally.ignored;
            continue;
        }
        ++pending->tally.quarantined;
        core_.metrics().countRejection("hook-" + std::string(sources::toString(item.outcome)));
        core_.flows().rejected(spec.tenant, spec.producer,
                               item.event ? item.event->eventType : "unknown", 1, now);
        if (pending->tally.error.empty())
            pending->tally.error =
                item.where.empty() ? item.reason : item.where + ": " + item.reason;
        nlohmann::ordered_json detail = {{"source", name},
                                         {"where", item.where},
                                         {"vendor_id", item.vendorId},
                                         {"outcome", std::string(sources::toString(item.outcome))},
                                         {"rule", item.rule},
                                         {"reason", item.reason}};
        if (!item.violations.empty()) {
            auto& list = detail["violations"] = nlohmann::ordered_json::array();
            for (const auto& v : item.violations)
                list.push_back({{"path", v.path}, {"message", v.message}});
        }
        QuarantineEntry q;
        q.receivedAt = now;
        q.tenant = spec.tenant;
        q.source = req.method + ' ' + req.path;
        q.contentType = "application/json";
        q.status = 200;
        q.reason = std::string(sources::toString(item.outcome));
        q.detail = detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        q.body = item.item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        kept.push_back(std::move(q));
    }
    pending->request = std::move(req);
    pending->waiting = (kept.empty() ? 0 : 1) + (events.empty() ? 0 : 1);

    const auto finish = [this](const std::shared_ptr<PendingHook>& p) {
        if (--p->waiting == 0)
            answerOn(core_, p->request.onConnection, [this, p] { answerCommitted(core_, *p); });
    };

    if (pending->waiting == 0)
        return answerCommitted(core_, *pending);

    // Quarantine first: the writer commits in order, so by the time the
    // events are durable, so is every item that did not become one.
    for (std::size_t i = 0; i < kept.size(); ++i) {
        const bool last = i + 1 == kept.size();
        std::function<void(const std::string&)> done;
        if (last)
            done = [pending, finish](const std::string& error) {
                if (!error.empty()) {
                    std::lock_guard lock(pending->mutex);
                    pending->storageError = "the quarantine could not commit: " + error;
                }
                finish(pending);
            };
        if (!core_.quarantine().add(std::move(kept[i]), done)) {
            core_.metrics().countRejection("queue-full");
            return pending->respond(busy(spec, "the write queue is full; nothing of this request "
                                               "is acknowledged - retry after 1 s"));
        }
    }
    if (events.empty())
        return;
    const bool queued = core_.log().append(std::move(events), [pending, finish](AppendResult r) {
        {
            std::lock_guard lock(pending->mutex);
            if (!r.ok)
                pending->storageError = "the event log could not commit: " + r.error;
            else
                pending->outcomes = std::move(r.outcomes);
        }
        finish(pending);
    });
    if (!queued) {
        // The quarantine entries already queued stay; the vendor's retry
        // maps the same items again.
        core_.metrics().countRejection("queue-full");
        pending->respond(busy(spec, "the write queue is full; no event of this request was "
                                    "stored - retry after 1 s"));
    }
}

} // namespace meshdeck
