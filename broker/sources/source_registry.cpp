#include "broker/sources/source_registry.h"

#include "broker/config.h"
#include "broker/log.h"
#include "broker/store/source_store.h"
#include "core/error.h"

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace meshdeck {

namespace fs = std::filesystem;

namespace {

// A ruleset file is named, never given as a path: an API caller must not be
// able to make the broker read (and quote in an error) any file it can reach.
bool isPlainFileName(const std::string& name) {
    if (name.empty() || name.size() > 128 || name.front() == '.')
        return false;
    for (const unsigned char c : name)
        if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-'))
            return false;
    return name.ends_with(".json");
}

constexpr std::uintmax_t kMaxRulesetBytes = 1 << 20;

std::string readRulesetFile(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec)
        throw std::invalid_argument("cannot read " + path.string() + ": " + ec.message());
    if (size > kMaxRulesetBytes)
        throw std::invalid_argument(path.string() + " is larger than 1 MiB; split the rules");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof())
        throw std::invalid_argument("cannot read " + path.string());
    return text.str();
}

} // namespace

struct SourceRegistry::State {
    protocol::SourceCounters counters;
    std::optional<Timestamp> lastReceivedAt;
    std::optional<Timestamp> lastErrorAt;
    std::string lastError;
    TokenBucket bucket;

    State(const SourceSpec& spec, std::chrono::steady_clock::time_point now)
        : bucket(spec.ratePerSecond, spec.burst, now) {}
};

SourceRegistry::SourceRegistry(SourceStore& store, fs::path ownMappings, const Clock& clock)
    : store_(store), ownMappings_(std::move(ownMappings)),
      shippedMappings_(findShippedMappingsDir()), clock_(clock) {}

SourceRegistry::~SourceRegistry() = default;

std::pair<std::string, mapping::RulesetPtr>
SourceRegistry::loadRules(const SourceSpec& spec) const {
    const std::string file =
        spec.mapping.empty() ? std::string(toString(spec.kind)) + ".json" : spec.mapping;
    if (!isPlainFileName(file))
        throw std::invalid_argument("mapping '" + file +
                                    "' must be the name of a .json file in the mappings folder "
                                    "(letters, digits, '.', '_', '-'), not a path");
    fs::path path;
    std::error_code ec;
    for (const fs::path& dir : {ownMappings_, shippedMappings_}) {
        if (!dir.empty() && fs::is_regular_file(dir / file, ec)) {
            path = dir / file;
            break;
        }
    }
    if (path.empty())
        throw std::invalid_argument(
            "no mapping file '" + file + "' in " +
            (ownMappings_.empty() ? std::string() : ownMappings_.string() + " or ") +
            shippedMappings_.string());
    // Re-read on every load: a person who edited the file and puts the
    // source again gets the new rules.
    auto rules = mapping::parseRuleset(readRulesetFile(path), file);
    std::lock_guard lock(mutex_);
    rulesCache_[path.string()] = rules;
    return {file, std::move(rules)};
}

void SourceRegistry::load(const std::vector<SourceSpec>& configured) {
    const auto steadyNow = clock_.steadyNow();
    auto add = [&](const SourceSpec& spec) {
        auto [file, rules] = loadRules(spec);
        auto entry = std::make_shared<Entry>(Entry{spec, std::move(file), std::move(rules)});
        std::lock_guard lock(mutex_);
        states_[spec.name] = std::make_unique<State>(spec, steadyNow);
        entries_[spec.name] = std::move(entry);
    };
    for (const auto& spec : configured) {
        try {
            add(spec);
        } catch (const std::invalid_argument& e) {
            throw std::runtime_error("source " + spec.name + ": " + e.what());
        }
    }
    for (const auto& spec : store_.load()) {
        if (entries_.contains(spec.name)) {
            log::warn("a stored source has the name of a config file source; the config file's "
                      "is used",
                      {{"source", spec.name}});
            continue;
        }
        try {
            add(spec);
        } catch (const std::invalid_argument& e) {
            log::warn("stored source not loaded", {{"source", spec.name}, {"reason", e.what()}});
        }
    }
}

SourceRegistry::EntryPtr SourceRegistry::find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : it->second;
}

std::optional<std::string> SourceRegistry::tenantOf(const std::string& name) const {
    const auto entry = find(name);
    return entry ? std::optional(entry->spec.tenant) : std::nullopt;
}

void SourceRegistry::put(SourceSpec spec, std::function<void(PutResult)> done) {
    spec.origin = "api";
    if (const auto existing = find(spec.name); existing && existing->spec.origin == "config")
        return done({"source " + spec.name +
                         " is declared in the config file; change it there (and restart meshd)",
                     true});
    std::pair<std::string, mapping::RulesetPtr> rules;
    try {
        rules = loadRules(spec);
    } catch (const std::invalid_argument& e) {
        return done({e.what()});
    }
    auto entry =
        std::make_shared<const Entry>(Entry{spec, std::move(rules.first), std::move(rules.second)});
    store_.save(spec, clock_.now(), [this, entry, done](const std::string& error) {
        if (!error.empty())
            return done({"the source could not be stored: " + error});
        PutResult result;
        {
            std::lock_guard lock(mutex_);
            const std::string& name = entry->spec.name;
            result.created = !entries_.contains(name);
            auto& state = states_[name];
            if (!state)
                state = std::make_unique<State>(entry->spec, clock_.steadyNow());
            else
                state->bucket =
                    TokenBucket(entry->spec.ratePerSecond, entry->spec.burst, clock_.steadyNow());
            entries_[name] = entry;
        }
        done(result);
    });
}

void SourceRegistry::remove(const std::string& name, std::function<void(std::string)> done) {
    const auto existing = find(name);
    if (!existing)
        return done("no source named " + name);
    if (existing->spec.origin == "config")
        return done("source " + name +
                    " is declared in the config file; remove it there (and restart meshd)");
    store_.remove(name, [this, name, done](const std::string& error) {
        if (!error.empty())
            return done("the source could not be deleted: " + error);
        {
            std::lock_guard lock(mutex_);
            entries_.erase(name);
            states_.erase(name);
        }
        done({});
    });
}

protocol::SourceStatus SourceRegistry::statusOf(const Entry& entry, const State& state) const {
    protocol::SourceStatus s;
    s.name = entry.spec.name;
    s.kind = std::string(toString(entry.spec.kind));
    s.tenant = entry.spec.tenant;
    s.producer = entry.spec.producer;
    s.mapping = entry.mappingFile;
    s.hookPath = "/v1/hooks/" + entry.spec.name;
    s.publicUrl = entry.spec.publicUrl;
    s.origin = entry.spec.origin;
    s.spec = sourceSpecToJson(entry.spec, true);
    s.counters = state.counters;
    s.lastReceivedAt = state.lastReceivedAt;
    s.lastErrorAt = state.lastErrorAt;
    s.lastError = state.lastError;
    return s;
}

protocol::SourceList SourceRegistry::list(const std::optional<std::string>& tenant) const {
    protocol::SourceList out;
    std::lock_guard lock(mutex_);
    for (const auto& [name, entry] : entries_)
        if (!tenant || entry->spec.tenant == *tenant)
            out.sources.push_back(statusOf(*entry, *states_.at(name)));
    return out;
}

std::optional<protocol::SourceStatus> SourceRegistry::status(const std::string& name) const {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(name);
    if (it == entries_.end())
        return std::nullopt;
    return statusOf(*it->second, *states_.at(name));
}

bool SourceRegistry::admit(const std::string& name, std::chrono::milliseconds* retryAfter) {
    std::lock_guard lock(mutex_);
    const auto it = states_.find(name);
    return it == states_.end() || it->second->bucket.tryTake(1, clock_.steadyNow(), retryAfter);
}

void SourceRegistry::countRequest(const std::string& name) {
    std::lock_guard lock(mutex_);
    if (const auto it = states_.find(name); it != states_.end()) {
        ++it->second->counters.requests;
        it->second->lastReceivedAt = clock_.now();
    }
}

void SourceRegistry::record(const std::string& name, const Tally& tally) {
    std::lock_guard lock(mutex_);
    const auto it = states_.find(name);
    if (it == states_.end())
        return;
    auto& c = it->second->counters;
    c.received += tally.received;
    c.mapped += tally.mapped;
    c.duplicates += tally.duplicates;
    c.ignored += tally.ignored;
    c.quarantined += tally.quarantined;
    c.rejectedSignature += tally.rejectedSignature ? 1 : 0;
    if (!tally.error.empty()) {
        it->second->lastError = tally.error;
        it->second->lastErrorAt = clock_.now();
    }
}

} // namespace meshdeck
