#pragma once
// Everything the broker is apart from its network: the database and the
// stores on it, the schema registry, authentication, metrics and the reader
// pool. Shared by the HTTP API, meshd and the console's embedded broker.
//
// Threads: the stores are thread-safe (writes go through the database's
// writer thread). The schema registry is read by network threads under a
// shared lock and changed (register, reload) under an exclusive one.

#include "broker/auth.h"
#include "broker/config.h"
#include "broker/delivery/engine.h"
#include "broker/flow_stats.h"
#include "broker/metrics.h"
#include "broker/sources/source_registry.h"
#include "broker/store/audit_log.h"
#include "broker/store/database.h"
#include "broker/store/quarantine_store.h"
#include "broker/store/schema_store.h"
#include "broker/store/source_store.h"
#include "broker/store/sqlite_log.h"
#include "broker/store/token_store.h"
#include "core/schema_registry.h"
#include "core/time.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>

namespace meshdeck {

class BrokerCore {
public:
    // Creates the data dir (0700) and opens the database. Throws std::runtime_error
    // (SqliteError, ConfigError) with a message a person can act on.
    explicit BrokerCore(BrokerConfig config, const Clock& clock = SystemClock::instance());
    ~BrokerCore();

    const BrokerConfig& config() const { return config_; }
    const Clock& clock() const { return clock_; }
    Database& database() { return *database_; }
    EventLog& log() { return *log_; }
    TokenStore& tokens() { return *tokens_; }
    QuarantineStore& quarantine() { return *quarantine_; }
    AuditLog& audit() { return *audit_; }
    SchemaStore& schemaStore() { return *schemaStore_; }
    Authenticator& auth() { return *auth_; }
    Metrics& metrics() { return metrics_; }
    FlowStats& flows() { return flows_; }
    DeliveryEngine& delivery() { return *delivery_; }
    SourceRegistry& sources() { return *sources_; }
    // Maintained by the HTTP server; read for /metrics.
    std::atomic<std::int64_t> openConnections{0};

    // Reads the registry under the shared lock.
    template <typename F> auto withSchemas(F&& f) const {
        std::shared_lock lock(schemaMutex_);
        return f(static_cast<const SchemaRegistry&>(registry_));
    }
    // Registers the next version of a type after the compatibility check,
    // persists it and audits it. Returns the violations (breaking changes)
    // when refused; the new version number otherwise.
    struct RegisterResult {
        int version = 0;
        Violations violations;
    };
    RegisterResult registerSchema(const std::string& eventType, const std::string& schemaJson,
                                  Compatibility mode, const std::string& actor);

    // Runs a job on the reader pool (queries that touch the disk).
    void runOnReader(std::function<void()> job);

    // Where work that follows a commit runs (building and sending answers), so
    // the writer thread only writes. The broker points it at its network
    // threads; without one (tests of the core alone) it runs inline.
    void setCompletionExecutor(std::function<void(std::function<void()>)> executor);
    void postCompletion(std::function<void()> work);

    // If the token table is empty, creates an admin token and returns its
    // plaintext (shown once). Otherwise nullopt.
    std::optional<std::string> ensureAdminToken();

    // SIGHUP: reload configured tokens and schemas (catalog + stored), and
    // end the sessions of tokens revoked meanwhile (`meshd token revoke`
    // signals a running meshd this way).
    void reload();

    // Revokes a token at once: its next request is refused and its open
    // WebSocket sessions are closed. False when it was already revoked.
    bool revokeToken(const std::string& id);
    // Who closes the sessions of revoked tokens (the HTTP server); called
    // with the revoked token ids. Set before start.
    void setRevocationListener(std::function<void(const std::vector<std::string>&)> listener);

    // The configured retention, once: never drops an event a consumer has not
    // settled (meshd runs it every minute).
    RetentionResult applyRetention();

    // Stops delivery (saving its progress), stops accepting appends and
    // commits what is queued.
    void drain();

private:
    void loadSchemas(SchemaRegistry& into);

    BrokerConfig config_;
    const Clock& clock_;
    std::unique_ptr<Database> database_;
    std::unique_ptr<SqliteEventLog> log_;
    std::unique_ptr<TokenStore> tokens_;
    std::unique_ptr<QuarantineStore> quarantine_;
    std::unique_ptr<AuditLog> audit_;
    std::unique_ptr<SchemaStore> schemaStore_;
    std::unique_ptr<Authenticator> auth_;
    Metrics metrics_;
    FlowStats flows_;
    mutable std::shared_mutex schemaMutex_;
    SchemaRegistry registry_;
    struct ReaderPool;
    std::unique_ptr<ReaderPool> readers_;
    std::unique_ptr<DeliveryEngine> delivery_;
    std::unique_ptr<SourceStore> sourceStore_;
    std::unique_ptr<SourceRegistry> sources_;
    std::function<void(std::function<void()>)>
        completionExecutor_; // set before start, then read-only
    std::function<void(const std::vector<std::string>&)>
        revocationListener_; // set before start, then read-only
};

} // namespace meshdeck
