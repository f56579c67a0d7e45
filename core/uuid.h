#pragma once
// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, version 7, 12 bits of
// sub-millisecond counter and 62 random bits, so ids sort by creation time.
// UUIDv5 (RFC 9562, 5.5): a name-based id, the same for the same namespace
// and name wherever it is computed.

#include "core/time.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace meshdeck {

class UuidV7Generator {
public:
    explicit UuidV7Generator(const Clock& clock = SystemClock::instance());
    // Strictly increasing within one generator, even within one millisecond.
    // Not thread-safe: give each thread its own generator.
    std::string next();

private:
    const Clock& clock_;
    std::mt19937_64 rng_;
    std::int64_t lastMs_ = -1;
    std::uint16_t counter_ = 0;
};

// Lower-case 8-4-4-4-12 hex of any UUID version.
bool isUuid(std::string_view text);
bool isUuidV7(std::string_view text);
// Milliseconds since the epoch carried by a UUIDv7.
std::int64_t uuidV7Millis(std::string_view uuid);

// The namespaces RFC 9562 defines (Appendix A / C).
inline constexpr std::string_view kUuidNamespaceDns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
inline constexpr std::string_view kUuidNamespaceUrl = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

// UUIDv5: the first 16 bytes of SHA-1(namespace's 16 bytes + name), with the
// version (5) and variant (10) bits set; lower-case 8-4-4-4-12 hex.
// namespaceUuid is 8-4-4-4-12 hex in either case; anything else throws
// std::invalid_argument.
std::string uuidV5(std::string_view namespaceUuid, std::string_view name);

} // namespace meshdeck
