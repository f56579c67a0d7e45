#pragma once
// Who is calling: resolves a bearer token to a principal (role, tenant,
// allowed event types) and applies the per-token publish rate.
// Thread-safe; called from the network threads.

#include "broker/config.h"
#include "broker/store/token_store.h"
#include "core/time.h"
#include "core/token_bucket.h"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace meshdeck {

struct Principal {
    std::string tokenId;
    Role role = Role::Viewer;
    std::string tenant;                  // "*" = every tenant (admin)
    std::vector<std::string> eventTypes; // empty = all

    bool allTenants() const { return tenant == "*"; }
    bool canSeeTenant(std::string_view t) const { return allTenants() || tenant == t; }
    // A consumer belongs to the tenant its filter reads; one that reads every
    // tenant (no filter.tenant) is seen by tokens over every tenant only.
    bool canSeeConsumer(const std::optional<std::string>& filterTenant) const {
        return allTenants() || (filterTenant && *filterTenant == tenant);
    }
    bool canPublishType(std::string_view type) const;
    bool canPublish() const { return role == Role::Producer || role == Role::Admin; }
    bool canRead() const { return role != Role::Producer; }
    bool isAdmin() const { return role == Role::Admin; }
};

class Authenticator {
public:
    Authenticator(TokenStore& store, const Clock& clock = SystemClock::instance());

    // From an Authorization header value ("Bearer mdk_..."). nullopt: unknown,
    // revoked or malformed.
    std::optional<Principal> authenticate(std::string_view authorizationHeader);

    // Takes n events from the token's bucket; on refusal, retryAfter is set.
    bool admitPublish(const Principal& principal, std::size_t n,
                      std::chrono::milliseconds* retryAfter);

    void setConfiguredTokens(const std::vector<ConfiguredToken>& tokens);
    void setPublishRate(double perSecond, double burst);
    // Forget cached lookups (after a revoke or a reload).
    void clearCache();
    // Refuse these tokens from now on, whatever a lookup already in flight
    // brings back into the cache.
    void markRevoked(const std::vector<std::string>& tokenIds);

private:
    TokenStore& store_;
    const Clock& clock_;
    std::mutex mutex_;
    std::map<std::string, TokenRecord> configured_; // by hash
    std::map<std::string, TokenRecord> cache_;      // by hash, store lookups
    std::map<std::string, TokenBucket> buckets_;    // by token id
    std::set<std::string, std::less<>> revoked_;    // token ids
    double rate_ = 5000;
    double burst_ = 10000;
};

} // namespace meshdeck
