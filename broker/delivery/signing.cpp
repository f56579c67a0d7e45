#include "broker/delivery/signing.h"

#include <array>
#include <charconv>
#include <memory>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdexcept>
#include <vector>

namespace meshdeck::delivery {

namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

int base64Value(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

// Standard base64 (RFC 4648 section 4), padding optional. Throws naming the
// position of the first problem; `offset` maps positions back into the secret.
std::vector<unsigned char> decodeBase64(std::string_view text, std::size_t offset) {
    const auto fail = [offset](std::size_t position, const std::string& what) {
        throw std::invalid_argument(
            "webhook secret is not valid: after \"whsec_\" it must be the base64 of the key, "
            "but " +
            what + " at character " + std::to_string(offset + position + 1) +
            "; copy the secret again exactly as the receiver shows it");
    };
    std::size_t end = text.size();
    while (end > 0 && text[end - 1] == '=')
        --end;
    if (text.size() - end > 2)
        fail(end, "there are more than two '=' padding characters");
    if (end % 4 == 1)
        fail(end, "the text ends one character into a group of four");
    std::vector<unsigned char> out;
    out.reserve(end / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int bitCount = 0;
    for (std::size_t i = 0; i < end; ++i) {
        const int value = base64Value(text[i]);
        if (value < 0)
            fail(i, text[i] == '=' ? std::string("'=' padding appears before the end")
                                   : std::string("'") + text[i] + "' is not a base64 character");
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        bitCount += 6;
        if (bitCount >= 8) {
            bitCount -= 8;
            out.push_back(static_cast<unsigned char>((bits >> bitCount) & 0xff));
        }
    }
    if (text.size() != end && text.size() % 4 != 0)
        fail(text.size(), "the '=' padding does not complete a group of four");
    return out;
}

std::string encodeBase64(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3), '\0');
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

// Fetched once: fetching walks OpenSSL's provider tables.
EVP_MAC* hmacAlgorithm() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    if (!mac)
        throw std::runtime_error("OpenSSL has no HMAC implementation available");
    return mac;
}

} // namespace

std::string standardWebhookSignature(std::string_view secret, std::string_view msgId,
                                     std::int64_t timestampSeconds, std::string_view body) {
    std::vector<unsigned char> decoded;
    std::string_view key = secret;
    if (secret.substr(0, kSecretPrefix.size()) == kSecretPrefix) {
        decoded = decodeBase64(secret.substr(kSecretPrefix.size()), kSecretPrefix.size());
        key = {reinterpret_cast<const char*>(decoded.data()), decoded.size()};
    }
    if (key.empty())
        throw std::invalid_argument("webhook secret is empty: set the receiver's signing secret "
                                    "(\"whsec_\" + base64 of the key) or leave signing off");

    std::array<char, 24> timestamp{};
    const auto [end, ec] =
        std::to_chars(timestamp.data(), timestamp.data() + timestamp.size(), timestampSeconds);
    (void)ec; // 24 characters hold any int64

    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(hmacAlgorithm()),
                                                                  &EVP_MAC_CTX_free);
    char digestName[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digestName, 0),
        OSSL_PARAM_construct_end()};
    const auto update = [&ctx](std::string_view part) {
        return EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                              part.size()) == 1;
    };
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    std::size_t macSize = 0;
    if (!ctx ||
        EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                     params) != 1 ||
        !update(msgId) || !update(".") || !update({timestamp.data(), end}) || !update(".") ||
        !update(body) || EVP_MAC_final(ctx.get(), mac.data(), &macSize, mac.size()) != 1)
        throw std::runtime_error("HMAC-SHA256 failed in OpenSSL while signing a webhook");
    return "v1," + encodeBase64(mac.data(), macSize);
}

} // namespace meshdeck::delivery
