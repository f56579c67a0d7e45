#include "core/uuid.h"

#include <array>
#include <openssl/evp.h>
#include <stdexcept>

namespace meshdeck {

namespace {

constexpr std::uint16_t kCounterMax = 0x0FFF;
// A fresh millisecond starts the counter at a random value below this, so ids
// do not reveal how many were made, while leaving most of the 12 bits for
// ids created later in the same millisecond.
constexpr std::uint16_t kCounterSeedLimit = 0x0400;

constexpr char kHex[] = "0123456789abcdef";

bool isLowerHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int hexValue(char c) {
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

std::string formatUuid(const std::array<std::uint8_t, 16>& bytes) {
    std::string text;
    text.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            text += '-';
        text += kHex[bytes[i] >> 4];
        text += kHex[bytes[i] & 0x0F];
    }
    return text;
}

std::mt19937_64 seededEngine() {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64{seed};
}

} // namespace

UuidV7Generator::UuidV7Generator(const Clock& clock) : clock_(clock), rng_(seededEngine()) {}

std::string UuidV7Generator::next() {
    const std::int64_t nowMs = toUnixMillis(clock_.now());
    if (nowMs > lastMs_) {
        lastMs_ = nowMs;
        counter_ = static_cast<std::uint16_t>(rng_() % kCounterSeedLimit);
    } else if (counter_ < kCounterMax) {
        // Same millisecond, or the clock stepped back: keep counting on the
        // last timestamp so ids stay strictly increasing.
        ++counter_;
    } else {
        // The counter is spent: borrow the next millisecond (RFC 9562 6.2).
        ++lastMs_;
        counter_ = 0;
    }

    std::array<std::uint8_t, 16> bytes{};
    const auto ms = static_cast<std::uint64_t>(lastMs_);
    for (int i = 0; i < 6; ++i)
        bytes[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    bytes[6] = static_cast<std::uint8_t>(0x70 | ((counter_ >> 8) & 0x0F));
    bytes[7] = static_cast<std::uint8_t>(counter_ & 0xFF);
    const std::uint64_t random = rng_();
    for (int i = 8; i < 16; ++i)
        bytes[i] = static_cast<std::uint8_t>(random >> (8 * (i - 8)));
    bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3F)); // variant 10
    return formatUuid(bytes);
}

bool isUuid(std::string_view text) {
    if (text.size() != 36)
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool hyphenPosition = i == 8 || i == 13 || i == 18 || i == 23;
        if (hyphenPosition ? text[i] != '-' : !isLowerHex(text[i]))
            return false;
    }
    return true;
}

bool isUuidV7(std::string_view text) {
    return isUuid(text) && text[14] == '7' &&
           (text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b');
}

std::int64_t uuidV7Millis(std::string_view uuid) {
    if (!isUuid(uuid))
        return -1;
    std::int64_t ms = 0;
    for (std::size_t i = 0; i < 13; ++i) {
        if (i == 8)
            continue;
        ms = (ms << 4) | hexValue(uuid[i]);
    }
    return ms;
}

std::string uuidV5(std::string_view namespaceUuid, std::string_view name) {
    std::string lower(namespaceUuid);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
    }
    if (!isUuid(lower))
        throw std::invalid_argument("a UUIDv5 namespace must be a UUID (8-4-4-4-12 hex), got \"" +
                                    std::string(namespaceUuid) + '"');
    std::string input;
    input.reserve(16 + name.size());
    std::string digits;
    for (char c : lower) {
        if (c != '-')
            digits += c;
    }
    for (std::size_t i = 0; i < digits.size(); i += 2)
        input += static_cast<char>(hexValue(digits[i]) << 4 | hexValue(digits[i + 1]));
    input.append(name);

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestLength = 0;
    if (EVP_Digest(input.data(), input.size(), digest, &digestLength, EVP_sha1(), nullptr) != 1 ||
        digestLength < 16)
        throw std::runtime_error("SHA-1 is not available from OpenSSL");
    std::array<std::uint8_t, 16> bytes{};
    for (int i = 0; i < 16; ++i)
        bytes[i] = digest[i];
    bytes[6] = static_cast<std::uint8_t>(0x50 | (bytes[6] & 0x0F)); // version 5
    bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3F)); // variant 10
    return formatUuid(bytes);
}

} // namespace meshdeck
