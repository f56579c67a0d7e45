#include "broker/auth.h"

#include <algorithm>

namespace meshdeck {

bool Principal::canPublishType(std::string_view type) const {
    return eventTypes.empty() ||
           std::find(eventTypes.begin(), eventTypes.end(), type) != eventTypes.end();
}

Authenticator::Authenticator(TokenStore& store, const Clock& clock)
    : store_(store), clock_(clock) {}

std::optional<Principal> Authenticator::authenticate(std::string_view header) {
    constexpr std::string_view scheme = "Bearer ";
    if (header.size() <= scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), header.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
        return std::nullopt;
    std::string_view plaintext = header.substr(scheme.size());
    while (!plaintext.empty() && plaintext.front() == ' ')
        plaintext.remove_prefix(1);
    if (plaintext.empty() || plaintext.size() > 256)
        return std::nullopt;

    const std::string hash = hashToken(plaintext);
    std::optional<TokenRecord> record;
    {
        std::lock_guard lock(mutex_);
        if (auto it = configured_.find(hash); it != configured_.end())
            record = it->second;
        else if (auto cached = cache_.find(hash); cached != cache_.end())
            record = cached->second;
    }
    if (!record) {
        record = store_.findByPlaintext(plaintext);
        if (!record)
            return std::nullopt;
        std::lock_guard lock(mutex_);
        cache_.emplace(hash, *record);
    }
    if (record->revoked)
        return std::nullopt;
    {
        std::lock_guard lock(mutex_);
        if (revoked_.contains(record->id))
            return std::nullopt;
    }
    return Principal{record->id, record->role, record->tenant, record->eventTypes};
}

bool Authenticator::admitPublish(const Principal& principal, std::size_t n,
                                 std::chrono::milliseconds* retryAfter) {
    std::lock_guard lock(mutex_);
    const auto now = clock_.steadyNow();
    auto it = buckets_.find(principal.tokenId);
    if (it == buckets_.end())
        it = buckets_.emplace(principal.tokenId, TokenBucket(rate_, burst_, now)).first;
    // A request larger than the burst could never pass; let it through when the
    // bucket is full so a legal batch size is not refused forever.
    const double take = std::min<double>(static_cast<double>(n), burst_);
    return it->second.tryTake(take, now, retryAfter);
}

void Authenticator::setConfiguredTokens(const std::vector<ConfiguredToken>& tokens) {
    std::lock_guard lock(mutex_);
    configured_.clear();
    for (const auto& t : tokens)
        configured_.emplace(t.sha256, t.record);
}

void Authenticator::setPublishRate(double perSecond, double burst) {
    std::lock_guard lock(mutex_);
    rate_ = perSecond;
    burst_ = burst;
    buckets_.clear();
}

void Authenticator::clearCache() {
    std::lock_guard lock(mutex_);
    cache_.clear();
}

void Authenticator::markRevoked(const std::vector<std::string>& tokenIds) {
    std::lock_guard lock(mutex_);
    revoked_.insert(tokenIds.begin(), tokenIds.end());
    cache_.clear();
}

} // namespace meshdeck
