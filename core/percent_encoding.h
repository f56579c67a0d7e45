#pragma once
// Percent-encoding (RFC 3986) as URLs and the CloudEvents HTTP binding use it.

#include <map>
#include <string>
#include <string_view>

namespace meshdeck {

// "%41" -> "A"; a '%' not followed by two hex digits is kept as it is. With
// plusIsSpace (form-encoded query strings) '+' decodes to ' '.
std::string percentDecode(std::string_view text, bool plusIsSpace = false);

// A URL's path, decoded except for "%2F" and "%25" (kept, upper-case): an
// encoded '/' inside one segment ("/v1/traces/a%2Fb") must not split it.
// decodePathSegment then decodes those two in a segment of the result.
std::string percentDecodePath(std::string_view path);
std::string decodePathSegment(std::string_view segment);

// "a=1&b=x%20y&a=2" -> {a:1, a:2, b:"x y"} ('+' is a space); a pair without
// '=' has an empty value; empty pairs are skipped.
std::multimap<std::string, std::string> parseQueryString(std::string_view query);

// Well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): what a decoded header or query value must be before it is used
// as text.
bool isValidUtf8(std::string_view text);

// Encodes every byte for which keep(byte) is false as %XX (upper-case hex).
std::string percentEncode(std::string_view text, bool (*keep)(unsigned char));

// RFC 3986 unreserved characters: letters, digits, '-', '.', '_', '~'.
bool isUnreserved(unsigned char c);

} // namespace meshdeck
