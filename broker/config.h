#pragma once
// meshd's configuration: a JSON file (documented example:
// resources/meshd.example.json) overlaid by the command line. Every error
// names the file, the field and what was expected.

#include "broker/store/database.h"
#include "broker/store/token_store.h"
#include "core/consumer_spec.h"
#include "core/source_spec.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

struct ListenAddress {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8787; // 0: pick a free port
    std::string toString() const;
};
// "127.0.0.1:8787", "[::1]:8787", ":8787" (all interfaces); throws ConfigError.
ListenAddress parseListenAddress(std::string_view text);

// A token declared in the config file: the plaintext never appears there,
// only its SHA-256 (`meshd token hash` prints it).
struct ConfiguredToken {
    std::string sha256;
    TokenRecord record;
};

struct BrokerConfig {
    std::filesystem::path dataDir;
    ListenAddress listen;
    std::optional<std::filesystem::path> tlsCert;
    std::optional<std::filesystem::path> tlsKey;
    Durability durability = Durability::Full;
    std::filesystem::path catalogDir; // empty: the built-in search path
    std::size_t ioThreads = 2;
    std::size_t readerThreads = 2;

    // Limits
    std::size_t maxBodyBytes = 4 << 20;
    std::size_t maxEventsPerRequest = 1000;
    double publishRatePerToken = 5000;   // events per second
    double publishBurstPerToken = 10000; // events
    std::size_t maxQueuedEvents = 100'000;
    std::chrono::seconds idleTimeout{60};
    int maxJsonDepth = 64; // nesting of every JSON input, checked before parsing

    // Retention
    std::optional<std::chrono::hours> retentionMaxAge;
    std::optional<std::int64_t> retentionMaxBytes;

    std::vector<ConfiguredToken> tokens;
    std::vector<ConsumerSpec> consumers;
    std::vector<SourceSpec> sources;
    // Mapping rulesets of one's own, looked up before the shipped ones.
    std::filesystem::path mappingsDir;
    std::optional<std::filesystem::path> configFile; // where this came from
};

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The mapping rulesets shipped with meshdeck: $MESHDECK_MAPPINGS, else
// <exe>/../share/meshdeck/mappings, else the source tree's.
std::filesystem::path findShippedMappingsDir();

// Reads a config file; throws ConfigError naming the field at fault.
BrokerConfig loadConfigFile(const std::filesystem::path& file);
// Re-reads only what SIGHUP reloads (tokens) from the same file.
std::vector<ConfiguredToken> loadConfiguredTokens(const std::filesystem::path& file);

// The catalog shipped with meshdeck: the configured dir, else
// $MESHDECK_CATALOG, else <exe>/../share/meshdeck/catalog, else the source tree's.
std::filesystem::path findCatalogDir(const BrokerConfig& config);

} // namespace meshdeck
