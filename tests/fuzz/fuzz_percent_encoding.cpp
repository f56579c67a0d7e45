// Percent-decoding of request targets (path, query keys and values - the
// HTTP server decodes them with percentDecode) and CloudEvents header values,
// and the gateway's path splitting and integer query parameters
// (broker/gateway/api_support.h). Checked: decoding never grows the text and
// is the identity without '%' and '+'; decode(encode(x)) == x in both modes;
// encoding writes only kept bytes and upper-case %XX; splitting keeps every
// non-slash byte in order.

#include "broker/gateway/api_support.h"
#include "core/percent_encoding.h"
#include "tests/fuzz/fuzz_support.h"

using namespace meshdeck;

namespace {

bool isUpperHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

void checkEncoded(std::string_view encoded, bool (*keep)(unsigned char)) {
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] == '%' && !keep('%')) {
            FUZZ_CHECK(i + 2 < encoded.size(), "a cut escape: " + std::string(encoded));
            FUZZ_CHECK(isUpperHex(encoded[i + 1]) && isUpperHex(encoded[i + 2]),
                       std::string(encoded));
            i += 2;
        } else {
            FUZZ_CHECK(keep(static_cast<unsigned char>(encoded[i])),
                       "kept a byte it should encode: " + std::string(encoded));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::asText(data, size);

    for (const bool plusIsSpace : {false, true}) {
        const std::string decoded = percentDecode(text, plusIsSpace);
        FUZZ_CHECK(decoded.size() <= text.size(), std::string(text));
        if (text.find_first_of("%+") == std::string_view::npos)
            FUZZ_CHECK(decoded == text, std::string(text));

        const std::string encoded = percentEncode(text, isUnreserved);
        FUZZ_CHECK(percentDecode(encoded, plusIsSpace) == text, encoded);
        checkEncoded(encoded, isUnreserved);
    }
    const auto keepAll = [](unsigned char) {
        return true;
    };
    const auto keepNone = [](unsigned char) {
        return false;
    };
    FUZZ_CHECK(percentEncode(text, keepAll) == text, std::string(text));
    const std::string all = percentEncode(text, keepNone);
    FUZZ_CHECK(all.size() == 3 * text.size(), all);
    checkEncoded(all, keepNone);

    // The path as the router sees it.
    const std::string path = percentDecode(text.substr(0, text.find('?')), false);
    std::string joined;
    for (const std::string_view segment : api::splitPath(path)) {
        FUZZ_CHECK(!segment.empty() && segment.find('/') == std::string_view::npos, path);
        joined += segment;
    }
    std::string withoutSlashes = path;
    std::erase(withoutSlashes, '/');
    FUZZ_CHECK(joined == withoutSlashes, path);

    // Integer query parameters (limit, after, ...).
    if (const auto value = api::parseInt(percentDecode(text, true)))
        FUZZ_CHECK(api::parseInt(std::to_string(*value)) == value, std::string(text));
    return 0;
}
