#include "broker/gateway/search_api.h"

#include "broker/broker_core.h"
#include "broker/gateway/api_support.h"
#include "broker/gateway/problem.h"
#include "core/mapping.h"

#include <set>

namespace meshdeck {

namespace {

// Matches in one answer when ?limit= is not given.
constexpr int kDefaultLimit = 50;
// Names listed in a hint (entity kinds, sources) before "...".
constexpr std::size_t kHintNames = 10;

// "a", "a and b", "a, b and c".
std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
    return out;
}

std::string listed(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < kHintNames; ++i)
        out += (i == 0 ? "" : ", ") + names[i];
    return names.size() > kHintNames ? out + ", ..." : out;
}

// What a person reads when nothing matched: where it looked, as what, and
// the forms q was not in. It names only what the token may see, so another
// tenant's id reads exactly like an id nobody has.
std::string hintFor(const SearchQuery& q, const Principal& p, const std::vector<EntityKind>& pairs,
                    const protocol::SourceList& sources) {
    std::set<std::string> kindSet;
    for (const auto& pair : pairs)
        kindSet.insert(pair.kind);
    const std::vector<std::string> kinds(kindSet.begin(), kindSet.end());
    std::vector<std::string> tried;
    if (q.eventId)
        tried.push_back("an event id");
    if (q.deadLetterId)
        tried.push_back("a dead letter id");
    if (q.entity)
        tried.push_back("entity " + q.entity->key() +
                        (kindSet.contains(q.entity->kind)
                             ? std::string()
                             : " (there is no entity kind '" + q.entity->kind + "')"));
    tried.push_back("an entity id of any kind" + (kinds.empty()
                                                      ? std::string(" (there are no events yet)")
                                                      : " (" + listed(kinds) + ")"));
    tried.push_back("a correlation id");
    if (!sources.sources.empty()) {
        std::vector<std::string> names;
        for (const auto& s : sources.sources)
            names.push_back(s.name);
        tried.push_back(std::string("a vendor's event id at ") +
                        (names.size() == 1 ? "source " : "sources ") + listed(names));
    }
    std::string hint = "Nothing " +
                       (p.allTenants() ? std::string("in any tenant") : "in tenant " + p.tenant) +
                       " matches \"" + q.text + "\", looked for as " + joined(tried) +
                       ". Ids match exactly, case and all (event ids in any case).";
    if (!q.eventId)
        hint += " An event id is a UUID.";
    if (!q.deadLetterId)
        hint += " A dead letter id is a number: 9, dl-9 or #9.";
    return hint;
}

} // namespace

SearchApi::SearchApi(BrokerCore& core) : core_(core), store_(core.database()) {}

void SearchApi::search(const ApiRequest& req, const Principal& p, const Respond& respond) {
    Violations bad;
    std::optional<SearchQuery> query;
    if (const auto q = api::queryValue(req, "q")) {
        auto parsed = parseSearchQuery(*q);
        if (parsed.query)
            query = std::move(parsed.query);
        else
            bad.push_back({"q", parsed.error});
    } else {
        bad.push_back({"q", "missing; give the id to look for as ?q=, for example "
                            "/v1/search?q=L-1076"});
    }
    const int limit = api::limitParam(req, bad, kDefaultLimit);
    if (!bad.empty())
        return respond(problem::badRequest(describe(bad), bad));
    core_.runOnReader([this, q = std::move(*query), limit, p, respond] {
        ApiResponse r;
        try {
            r.body = protocol::toJson(answer(q, static_cast<std::size_t>(limit), p));
        } catch (const std::exception& e) {
            r = problem::make(500, "storage", "Storage error", e.what());
        }
        respond(std::move(r));
    });
}

// On a reader thread. The order of the matches: the kinds an id names
// exactly (event, vendor item, dead letter), then entities, then the
// correlation id.
protocol::SearchAnswer SearchApi::answer(const SearchQuery& q, std::size_t limit,
                                         const Principal& p) const {
    const auto tenant = p.allTenants() ? std::nullopt : std::optional(p.tenant);
    std::vector<protocol::SearchMatch> matches;
    if (q.eventId)
        if (const auto e = core_.log().get(*q.eventId); e && p.canSeeTenant(e->tenantId))
            matches.emplace_back(protocol::EventMatch{protocol::foundEvent(*e)});
    // A hook's event id is a function of its source and the vendor's id, so
    // a vendor's id is a look-up by key per source, not a search of payloads.
    const protocol::SourceList sources = core_.sources().list(tenant);
    for (const auto& s : sources.sources)
        if (const auto e = core_.log().get(mapping::hookEventId(s.name, q.text));
            e && p.canSeeTenant(e->tenantId))
            matches.emplace_back(protocol::VendorMatch{s.name, q.text, protocol::foundEvent(*e)});
    if (q.deadLetterId)
        if (const auto d = core_.delivery().store().deadLetter(*q.deadLetterId);
            d && p.canSeeTenant(d->tenantId))
            matches.emplace_back(protocol::deadLetterMatch(*d));
    LogFindings log = store_.find(q, tenant);
    for (auto& entity : log.entities)
        matches.emplace_back(std::move(entity));
    if (log.correlation)
        matches.emplace_back(std::move(*log.correlation));

    protocol::SearchAnswer out;
    out.query = q.text;
    out.truncated = matches.size() > limit;
    if (out.truncated)
        matches.resize(limit);
    out.matches = std::move(matches);
    if (out.matches.empty())
        out.hint = hintFor(q, p, log.kinds, sources);
    return out;
}

} // namespace meshdeck
