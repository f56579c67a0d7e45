#include "broker/broker_core.h"

#include "broker/log.h"
#include "broker/schema_catalog.h"
#include "core/json_input.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace meshdeck {

namespace fs = std::filesystem;

struct BrokerCore::ReaderPool {
    explicit ReaderPool(std::size_t n) : pool(n) {}
    boost::asio::thread_pool pool;
};

BrokerCore::BrokerCore(BrokerConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock), flows_(clock.now()) {
    if (config_.dataDir.empty())
        throw ConfigError("no data dir: pass --data DIR or set data_dir in the config file");
    std::error_code ec;
    fs::create_directories(config_.dataDir, ec);
    if (ec)
        throw ConfigError("cannot create data dir " + config_.dataDir.string() + ": " +
                          ec.message());
    ::chmod(config_.dataDir.c_str(), 0700);
    json_input::setMaxDepth(config_.maxJsonDepth);

    DatabaseOptions options;
    options.path = config_.dataDir / "mesh.db";
    options.durability = config_.durability;
    options.maxQueuedWeight = config_.maxQueuedEvents;
    // Readers, the delivery thread and one spare.
    options.readConnections = std::max<std::size_t>(3, config_.readerThreads + 2);
    database_ = Database::open(options);
    log_ = std::make_unique<SqliteEventLog>(*database_, clock_);
    tokens_ = std::make_unique<TokenStore>(*database_);
    quarantine_ = std::make_unique<QuarantineStore>(*database_);
    audit_ = std::make_unique<AuditLog>(*database_);
    schemaStore_ = std::make_unique<SchemaStore>(*database_);
    auth_ = std::make_unique<Authenticator>(*tokens_, clock_);
    auth_->setConfiguredTokens(config_.tokens);
    auth_->setPublishRate(config_.publishRatePerToken, config_.publishBurstPerToken);
    loadSchemas(registry_);
    readers_ = std::make_unique<ReaderPool>(config_.readerThreads);
    delivery_ = std::make_unique<DeliveryEngine>(*this);
    sourceStore_ = std::make_unique<SourceStore>(*database_);
    sources_ = std::make_unique<SourceRegistry>(*sourceStore_, config_.mappingsDir, clock_);
    try {
        sources_->load(config_.sources);
    } catch (const std::runtime_error& e) {
        throw ConfigError(e.what());
    }
    // Delivery hears of new events from the log itself, whatever appended them.
    log_->setCommitListener([engine = delivery_.get()](std::vector<EventPtr> committed) {
        engine->eventsCommitted(std::move(committed));
    });
}

BrokerCore::~BrokerCore() {
    if (readers_)
        readers_->pool.join();
    drain();
}

void BrokerCore::loadSchemas(SchemaRegistry& into) {
    const fs::path catalog = findCatalogDir(config_);
    for (const auto& v : loadCatalog(into, catalog))
        log::warn("catalog schema not loaded", {{"file", v.path}, {"reason", v.message}});
    for (const auto& v : loadStoredSchemas(into, *schemaStore_))
        log::warn("stored schema not loaded", {{"schema", v.path}, {"reason", v.message}});
    log::info("schemas loaded", {{"catalog", catalog.string()},
                                 {"types", static_cast<long long>(into.types().size())}});
}

BrokerCore::RegisterResult BrokerCore::registerSchema(const std::string& eventType,
                                                      const std::string& schemaJson,
                                                      Compatibility mode,
                                                      const std::string& actor) {
    std::unique_lock lock(schemaMutex_);
    const int version = registry_.latestVersion(eventType).value_or(0) + 1;
    Violations violations = registry_.add(eventType, version, schemaJson, mode);
    if (!violations.empty())
        return {0, std::move(violations)};
    try {
        schemaStore_->save({eventType, version, schemaJson});
    } catch (const std::exception& e) {
        // The registry already holds it; rebuild from disk so memory matches storage.
        SchemaRegistry fresh;
        loadSchemas(fresh);
        registry_ = std::move(fresh);
        return {0, {{"", std::string("could not store the schema: ") + e.what()}}};
    }
    nlohmann::json detail = {{"compatibility", std::string(toString(mode))}};
    audit_->record({0, clock_.now(), actor, "schema.register",
                    eventType + " v" + std::to_string(version), detail.dump()});
    return {version, {}};
}

void BrokerCore::runOnReader(std::function<void()> job) {
    // Last resort: a job that throws is logged and counted; dropping it drops
    // its answer callback, which then answers 500 (Api's OnceResponder).
    boost::asio::post(readers_->pool, [this, job = std::move(job)]() mutable {
        try {
            job();
        } catch (const std::exception& e) {
            log::error("internal error", {{"thread", "reader"}, {"error", e.what()}});
            metrics_.countInternalError("reader");
        } catch (...) {
            log::error("internal error", {{"thread", "reader"}, {"error", "unknown exception"}});
            metrics_.countInternalError("reader");
        }
        job = nullptr;
    });
}

void BrokerCore::setCompletionExecutor(std::function<void(std::function<void()>)> executor) {
    completionExecutor_ = std::move(executor);
}

void BrokerCore::postCompletion(std::function<void()> work) {
    if (completionExecutor_)
        completionExecutor_(std::move(work));
    else
        work();
}

std::optional<std::string> BrokerCore::ensureAdminToken() {
    if (!tokens_->empty())
        return std::nullopt;
    NewToken token = tokens_->create(Role::Admin, "*", {}, "initial admin");
    audit_->record({0, clock_.now(), "meshd", "token.create", token.record.id,
                    R"({"role":"admin","tenant":"*","reason":"first start"})"});
    return token.plaintext;
}

void BrokerCore::reload() {
    if (config_.configFile) {
        try {
            auto tokens = loadConfiguredTokens(*config_.configFile);
            auth_->setConfiguredTokens(tokens);
            config_.tokens = std::move(tokens);
        } catch (const std::exception& e) {
            log::error("config reload failed; keeping the previous tokens", {{"error", e.what()}});
        }
    }
    auth_->clearCache();
    std::vector<std::string> revoked;
    for (const auto& t : tokens_->list())
        if (t.revoked)
            revoked.push_back(t.id);
    auth_->markRevoked(revoked);
    if (revocationListener_ && !revoked.empty())
        revocationListener_(revoked);
    SchemaRegistry fresh;
    loadSchemas(fresh);
    std::unique_lock lock(schemaMutex_);
    registry_ = std::move(fresh);
}

RetentionResult BrokerCore::applyRetention() {
    if (!config_.retentionMaxAge && !config_.retentionMaxBytes)
        return {};
    // Never drop what a consumer has not acknowledged yet.
    const RetentionPolicy policy{config_.retentionMaxAge, config_.retentionMaxBytes,
                                 delivery_->lowestUnsettledSeq()};
    return log_->applyRetention(policy);
}

bool BrokerCore::revokeToken(const std::string& id) {
    if (!tokens_->revoke(id))
        return false;
    auth_->markRevoked({id});
    if (revocationListener_)
        revocationListener_({id});
    return true;
}

void BrokerCore::setRevocationListener(
    std::function<void(const std::vector<std::string>&)> listener) {
    revocationListener_ = std::move(listener);
}

void BrokerCore::drain() {
    if (delivery_)
        delivery_->stop();
    if (database_)
        database_->drain();
}

} // namespace meshdeck
