#include "broker/config.h"

#include "core/json_input.h"

#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace meshdeck {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ListenAddress::toString() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ':' + std::to_string(port);
}

ListenAddress parseListenAddress(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        throw ConfigError("listen address '" + std::string(text) +
                          "' must be HOST:PORT, e.g. 127.0.0.1:8787");
    std::string host(text.substr(0, colon));
    const std::string portText(text.substr(colon + 1));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty())
        host = "0.0.0.0";
    char* end = nullptr;
    const long port = std::strtol(portText.c_str(), &end, 10);
    if (portText.empty() || *end != '\0' || port < 0 || port > 65535)
        throw ConfigError("listen address '" + std::string(text) + "': port '" + portText +
                          "' is not a number from 0 to 65535");
    return ListenAddress{host, static_cast<std::uint16_t>(port)};
}

namespace {

json readJsonFile(const fs::path& file) {
    std::ifstream in(file);
    if (!in)
        throw ConfigError("cannot read config file " + file.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    json config;
    if (std::string error; !json_input::parse(buffer.str(), config, error))
        throw ConfigError(json_input::about("config file " + file.string(), error));
    return config;
}

[[noreturn]] void fieldError(const fs::path& file, const std::string& field,
                             const std::string& expected) {
    throw ConfigError("config file " + file.string() + ": '" + field + "' " + expected);
}

// A field of the expected type, or a ConfigError naming it. Numbers are
// checked, not converted: 1e300 is no int, -1 no count, 2.5 no integer.
template <typename T>
T get(const json& j, const fs::path& file, const std::string& field, const char* expected) {
    const auto wrong = [&]() -> T {
        fieldError(file, field, std::string("must be ") + expected);
    };
    if constexpr (std::is_same_v<T, bool>) {
        return j.is_boolean() ? j.get<bool>() : wrong();
    } else if constexpr (std::is_integral_v<T>) {
        if (j.is_number_unsigned()) {
            const auto v = j.get<std::uint64_t>();
            return v <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                       ? static_cast<T>(v)
                       : wrong();
        }
        if (j.is_number_integer()) {
            const auto v = j.get<std::int64_t>();
            if constexpr (std::is_unsigned_v<T>)
                return wrong(); // a negative count
            else
                return v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max()
                           ? static_cast<T>(v)
                           : wrong();
        }
        return wrong();
    } else if constexpr (std::is_floating_point_v<T>) {
        return j.is_number() ? j.get<T>() : wrong();
    } else if constexpr (std::is_same_v<T, std::string>) {
        return j.is_string() ? j.get<std::string>() : wrong();
    } else {
        // Arrays of strings.
        if (!j.is_array())
            return wrong();
        T out;
        for (const auto& item : j) {
            if (!item.is_string())
                return wrong();
            out.push_back(item.get<std::string>());
        }
        return out;
    }
}

fs::path relativeTo(const fs::path& file, const std::string& value) {
    fs::path p(value);
    return p.is_absolute() ? p : file.parent_path() / p;
}

std::vector<ConfiguredToken> parseTokens(const json& list, const fs::path& file) {
    std::vector<ConfiguredToken> tokens;
    if (!list.is_array())
        fieldError(file, "tokens", "must be an array");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const json& t = list[i];
        const std::string at = "tokens[" + std::to_string(i) + "]";
        if (!t.is_object())
            fieldError(file, at, "must be an object");
        ConfiguredToken token;
        token.sha256 = get<std::string>(t.value("sha256", json()), file, at + ".sha256",
                                        "the token's hex SHA-256 (meshd token hash prints it)");
        if (token.sha256.size() != 64)
            fieldError(file, at + ".sha256", "must be 64 hex characters");
        const auto roleText =
            get<std::string>(t.value("role", json()), file, at + ".role",
                             "one of producer, consumer, operator, viewer, admin");
        const auto role = parseRole(roleText);
        if (!role)
            fieldError(file, at + ".role",
                       "must be one of producer, consumer, operator, viewer, admin");
        token.record.role = *role;
        token.record.tenant =
            get<std::string>(t.value("tenant", json()), file, at + ".tenant", "a tenant id string");
        if (token.record.tenant == "*" && *role != Role::Admin && *role != Role::Viewer)
            fieldError(file, at + ".tenant", "may be \"*\" only for admin and viewer tokens");
        token.record.name = t.contains("name")
                                ? get<std::string>(t["name"], file, at + ".name", "a string")
                                : "config token " + std::to_string(i);
        token.record.id = "cfg_" + token.sha256.substr(0, 12);
        if (t.contains("types"))
            token.record.eventTypes = get<std::vector<std::string>>(t["types"], file, at + ".types",
                                                                    "an array of event type names");
        tokens.push_back(std::move(token));
    }
    return tokens;
}

} // namespace

BrokerConfig loadConfigFile(const fs::path& file) {
    const json j = readJsonFile(file);
    if (!j.is_object())
        throw ConfigError("config file " + file.string() + " must hold a JSON object");
    static const std::vector<std::string> known = {
        "data_dir", "listen",  "tls",       "durability", "catalog",  "limits",  "retention",
        "tokens",   "threads", "consumers", "sources",    "mappings", "$comment"};
    for (const auto& [key, value] : j.items())
        if (std::find(known.begin(), known.end(), key) == known.end())
            fieldError(file, key, "is not a known setting (see resources/meshd.example.json)");

    BrokerConfig config;
    config.configFile = file;
    if (j.contains("data_dir"))
        config.dataDir =
            relativeTo(file, get<std::string>(j["data_dir"], file, "data_dir", "a path"));
    if (j.contains("listen"))
        config.listen =
            parseListenAddress(get<std::string>(j["listen"], file, "listen", "HOST:PORT"));
    if (j.contains("tls")) {
        const json& tls = j["tls"];
        if (!tls.is_object() || !tls.contains("cert") || !tls.contains("key"))
            fieldError(file, "tls", "must be an object with \"cert\" and \"key\" paths");
        config.tlsCert =
            relativeTo(file, get<std::string>(tls["cert"], file, "tls.cert", "a path"));
        config.tlsKey = relativeTo(file, get<std::string>(tls["key"], file, "tls.key", "a path"));
    }
    if (j.contains("durability")) {
        const auto d =
            get<std::string>(j["durability"], file, "durability", "\"full\" or \"normal\"");
        if (d == "full")
            config.durability = Durability::Full;
        else if (d == "normal")
            config.durability = Durability::Normal;
        else
            fieldError(file, "durability",
                       "must be \"full\" (fsync before 202) or \"normal\" (faster; a power loss "
                       "may lose the last commits)");
    }
    if (j.contains("catalog"))
        config.catalogDir =
            relativeTo(file, get<std::string>(j["catalog"], file, "catalog", "a path"));
    if (j.contains("threads")) {
        const json& t = j["threads"];
        if (!t.is_object())
            fieldError(file, "threads", "must be an object with \"io\" and \"readers\" counts");
        config.ioThreads =
            get<std::size_t>(t.value("io", json(2)), file, "threads.io", "a positive integer");
        config.readerThreads = get<std::size_t>(t.value("readers", json(2)), file,
                                                "threads.readers", "a positive integer");
        if (config.ioThreads == 0 || config.readerThreads == 0)
            fieldError(file, "threads", "counts must be at least 1");
    }
    if (j.contains("limits")) {
        const json& l = j["limits"];
        if (!l.is_object())
            fieldError(file, "limits", "must be an object");
        if (l.contains("max_body_bytes"))
            config.maxBodyBytes = get<std::size_t>(l["max_body_bytes"], file,
                                                   "limits.max_body_bytes", "a byte count");
        if (l.contains("max_events_per_request"))
            config.maxEventsPerRequest = get<std::size_t>(
                l["max_events_per_request"], file, "limits.max_events_per_request", "a count");
        if (l.contains("publish_rate_per_token"))
            config.publishRatePerToken =
                get<double>(l["publish_rate_per_token"], file, "limits.publish_rate_per_token",
                            "events per second");
        if (l.contains("publish_burst_per_token"))
            config.publishBurstPerToken =
                get<double>(l["publish_burst_per_token"], file, "limits.publish_burst_per_token",
                            "a number of events");
        if (l.contains("max_queued_events"))
            config.maxQueuedEvents = get<std::size_t>(l["max_queued_events"], file,
                                                      "limits.max_queued_events", "a count");
        if (l.contains("json_depth")) {
            config.maxJsonDepth =
                get<int>(l["json_depth"], file, "limits.json_depth", "a depth from 8 to 1000");
            if (config.maxJsonDepth < 8 || config.maxJsonDepth > 1000)
                fieldError(file, "limits.json_depth", "must be a depth from 8 to 1000");
        }
        if (l.contains("idle_timeout_seconds"))
            config.idleTimeout = std::chrono::seconds(get<int>(
                l["idle_timeout_seconds"], file, "limits.idle_timeout_seconds", "seconds"));
    }
    if (j.contains("retention")) {
        const json& r = j["retention"];
        if (r.contains("max_age_hours"))
            config.retentionMaxAge = std::chrono::hours(
                get<int>(r["max_age_hours"], file, "retention.max_age_hours", "hours"));
        if (r.contains("max_bytes"))
            config.retentionMaxBytes =
                get<std::int64_t>(r["max_bytes"], file, "retention.max_bytes", "a byte count");
    }
    if (j.contains("tokens"))
        config.tokens = parseTokens(j["tokens"], file);
    if (j.contains("consumers")) {
        const json& list = j["consumers"];
        if (!list.is_array())
            fieldError(file, "consumers",
                       "must be an array of consumer objects (README, 'Consumers')");
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto parsed = parseConsumerSpec(list[i].dump(), "/consumers/" + std::to_string(i));
            if (!parsed.spec)
                throw ConfigError("config file " + file.string() + ": " +
                                  describe(parsed.violations));
            parsed.spec->source = "config";
            config.consumers.push_back(std::move(*parsed.spec));
        }
    }
    if (j.contains("sources")) {
        const json& list = j["sources"];
        if (!list.is_array())
            fieldError(file, "sources",
                       "must be an array of source objects (README, 'Connect HubSpot / "
                       "Salesforce / Segment')");
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto parsed = parseSourceSpec(list[i].dump(), "/sources/" + std::to_string(i));
            if (!parsed.spec)
                throw ConfigError("config file " + file.string() + ": " +
                                  describe(parsed.violations));
            parsed.spec->origin = "config";
            config.sources.push_back(std::move(*parsed.spec));
        }
    }
    if (j.contains("mappings"))
        config.mappingsDir =
            relativeTo(file, get<std::string>(j["mappings"], file, "mappings", "a path"));
    return config;
}

std::vector<ConfiguredToken> loadConfiguredTokens(const fs::path& file) {
    const json j = readJsonFile(file);
    return j.contains("tokens") ? parseTokens(j["tokens"], file) : std::vector<ConfiguredToken>{};
}

namespace {

// A folder shipped beside the binaries: $<env>, else the installed share
// folder, else the build tree's or the source tree's resources.
fs::path findShippedDir(const char* envName, const std::string& name) {
    if (const char* env = std::getenv(envName); env && *env)
        return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (const fs::path& candidate : {exe.parent_path() / "../share/meshdeck" / name,
                                          exe.parent_path() / "../../resources" / name,
                                          exe.parent_path() / "../../../resources" / name}) {
            if (fs::is_directory(candidate, ec))
                return fs::weakly_canonical(candidate, ec);
        }
    }
    return fs::path(MESHDECK_SOURCE_DIR) / "resources" / name;
}

} // namespace

fs::path findCatalogDir(const BrokerConfig& config) {
    if (!config.catalogDir.empty())
        return config.catalogDir;
    return findShippedDir("MESHDECK_CATALOG", "catalog");
}

fs::path findShippedMappingsDir() {
    return findShippedDir("MESHDECK_MAPPINGS", "mappings");
}

} // namespace meshdeck
