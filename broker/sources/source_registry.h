#pragma once
// Every vendor source the broker knows: declared in the config file or put
// through /v1/sources (stored, so they survive a restart), each with its
// loaded mapping ruleset, a request rate limit and what it has received.
//
// Threads: thread-safe. Hook requests read an Entry (an immutable snapshot,
// shared) and count under a short lock; changes swap the entry whole, so a
// request in flight finishes with the spec and rules it started with.

#include "core/mapping.h"
#include "core/protocol/source.h"
#include "core/source_spec.h"
#include "core/time.h"
#include "core/token_bucket.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

class SourceStore;

class SourceRegistry {
public:
    struct Entry {
        SourceSpec spec;
        std::string mappingFile; // the file the rules came from: "hubspot.json"
        mapping::RulesetPtr rules;
    };
    using EntryPtr = std::shared_ptr<const Entry>;

    // ownMappings: the config's "mappings" folder (may be empty), searched
    // before the shipped rulesets.
    SourceRegistry(SourceStore& store, std::filesystem::path ownMappings, const Clock& clock);
    ~SourceRegistry();

    // At start: the config file's sources, then the stored ones. A config
    // source whose ruleset cannot be loaded throws std::runtime_error naming
    // it; a stored one is skipped with a warning.
    void load(const std::vector<SourceSpec>& configured);

    EntryPtr find(const std::string& name) const;
    std::optional<std::string> tenantOf(const std::string& name) const;

    // The ruleset a source would use (its own file, else the kind's shipped
    // one). Throws std::invalid_argument with a sentence a person can act on.
    std::pair<std::string, mapping::RulesetPtr> loadRules(const SourceSpec& spec) const;

    // Creates or replaces an API source, answered after the commit: error
    // empty on success, `created` when it did not exist. A config source
    // cannot be changed here (error says so; conflict set).
    struct PutResult {
        std::string error;
        bool conflict = false; // a config source of that name, or another tenant's
        bool created = false;
    };
    void put(SourceSpec spec, std::function<void(PutResult)> done);
    // Removes an API source; error when it is a config source or missing.
    void remove(const std::string& name, std::function<void(std::string error)> done);

    // Every source the tenant may see (all with nullopt), by name.
    protocol::SourceList list(const std::optional<std::string>& tenant) const;
    std::optional<protocol::SourceStatus> status(const std::string& name) const;

    // Takes one request from the source's rate; on refusal retryAfter says when.
    bool admit(const std::string& name, std::chrono::milliseconds* retryAfter);

    // What a hook request did, for the counters and the last error.
    struct Tally {
        std::int64_t received = 0;
        std::int64_t mapped = 0;
        std::int64_t duplicates = 0;
        std::int64_t ignored = 0;
        std::int64_t quarantined = 0;
        bool rejectedSignature = false;
        std::string error; // the request's or an item's reason, empty when none
    };
    void countRequest(const std::string& name);
    void record(const std::string& name, const Tally& tally);

private:
    struct State;
    protocol::SourceStatus statusOf(const Entry& entry, const State& state) const;

    SourceStore& store_;
    std::filesystem::path ownMappings_;
    std::filesystem::path shippedMappings_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, EntryPtr> entries_;
    std::map<std::string, std::unique_ptr<State>> states_;
    // Rulesets by file path, so sources sharing a file share its parse.
    mutable std::map<std::string, mapping::RulesetPtr> rulesCache_;
};

} // namespace meshdeck
