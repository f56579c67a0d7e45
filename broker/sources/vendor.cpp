#include "broker/sources/vendor.h"

#include "broker/delivery/signing.h"
#include "core/json_input.h"
#include "core/json_path.h"
#include "core/percent_encoding.h"

#include <array>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pugixml.hpp>
#include <stdexcept>

namespace meshdeck::sources {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------- requests

const std::string* headerOf(const HookRequest& request, std::string_view displayName) {
    std::string key(displayName);
    for (char& c : key)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto it = request.headers.find(key);
    return it == request.headers.end() ? nullptr : &it->second;
}

Verification verified() {
    return {true, false, {}};
}

Verification refused(std::string reason, bool stale = false) {
    return {false, stale, std::move(reason)};
}

std::string noSecretMatches(std::string_view header, std::size_t secrets) {
    if (secrets == 1)
        return std::string(header) + " does not match the source's secret";
    return std::string(header) + " matches none of the source's " + std::to_string(secrets) +
           " secrets";
}

// Equal texts, compared in time that depends on their lengths only. The
// length of a signature is public (it is fixed by the algorithm).
bool sameText(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---------------------------------------------------------------- MACs

struct Digest {
    const EVP_MD* md;
    std::string_view name; // as reasons write it: "HMAC-SHA256"
};

Digest digestNamed(std::string_view algorithm) {
    if (algorithm == "sha1")
        return {EVP_sha1(), "HMAC-SHA1"};
    if (algorithm == "sha512")
        return {EVP_sha512(), "HMAC-SHA512"};
    return {EVP_sha256(), "HMAC-SHA256"};
}

// The raw MAC of the parts, concatenated, under `key`; nullopt when OpenSSL fails.
std::optional<std::string> hmac(const Digest& digest, std::string_view key,
                                std::initializer_list<std::string_view> parts) {
    std::string message;
    std::size_t size = 0;
    for (std::string_view part : parts)
        size += part.size();
    message.reserve(size);
    for (std::string_view part : parts)
        message += part;
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int macSize = 0;
    if (!HMAC(digest.md, key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
              &macSize))
        return std::nullopt;
    return std::string(reinterpret_cast<const char*>(mac.data()), macSize);
}

enum class Encoding { Hex, Base64 };

// Hex in lower case; base64 without its '=' padding: the forms compared.
std::string encode(std::string_view bytes, Encoding encoding) {
    if (encoding == Encoding::Hex) {
        constexpr std::string_view kDigits = "0123456789abcdef";
        std::string out;
        out.reserve(bytes.size() * 2);
        for (char byte : bytes) {
            const auto b = static_cast<unsigned char>(byte);
            out += kDigits[b >> 4];
            out += kDigits[b & 0xf];
        }
        return out;
    }
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(bytes.data()),
                                        static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(written));
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    return out;
}

// A presented signature in the form encode() writes, or nullopt when it
// cannot be an encoded MAC of `macSize` bytes at all (then the reason can say
// so instead of "does not match").
std::optional<std::string> normalized(std::string_view presented, Encoding encoding,
                                      std::size_t macSize) {
    std::string out(presented);
    if (encoding == Encoding::Hex) {
        if (out.size() != 2 * macSize)
            return std::nullopt;
        for (char& c : out) {
            if (!std::isxdigit(static_cast<unsigned char>(c)))
                return std::nullopt;
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        return out;
    }
    std::size_t padding = 0;
    while (!out.empty() && out.back() == '=' && padding < 2) {
        out.pop_back();
        ++padding;
    }
    if (out.size() != (macSize * 4 + 2) / 3)
        return std::nullopt;
    for (char c : out)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/')
            return std::nullopt;
    return out;
}

std::string expectedShape(Encoding encoding, const Digest& digest) {
    const auto macSize = static_cast<std::size_t>(EVP_MD_get_size(digest.md));
    if (encoding == Encoding::Hex)
        return "a hex " + std::string(digest.name) + " (" + std::to_string(2 * macSize) +
               " hex digits)";
    return "a base64 " + std::string(digest.name) + " (" + std::to_string(4 * ((macSize + 2) / 3)) +
           " characters)";
}

// Whether `presented` is the encoded HMAC of the parts under any one of the
// secrets. Every secret is tried, so the time taken does not tell which one
// matched. `hint` ends the reason when nothing matches.
Verification matchHmac(std::string_view header, std::string_view presented, Encoding encoding,
                       const Digest& digest, const std::vector<std::string>& secrets,
                       std::initializer_list<std::string_view> parts, std::string_view hint = {}) {
    const auto macSize = static_cast<std::size_t>(EVP_MD_get_size(digest.md));
    const std::optional<std::string> signature = normalized(presented, encoding, macSize);
    if (!signature)
        return refused(std::string(header) + " is not " + expectedShape(encoding, digest));
    bool matched = false;
    for (const std::string& secret : secrets) {
        const std::optional<std::string> mac = hmac(digest, secret, parts);
        if (!mac)
            return refused(std::string(digest.name) +
                           " failed in OpenSSL, so the request could not be verified");
        matched = sameText(*signature, encode(*mac, encoding)) || matched;
    }
    return matched ? verified()
                   : refused(noSecretMatches(header, secrets.size()) + std::string(hint));
}

// ---------------------------------------------------------------- timestamps

// Reads a header holding a Unix time in seconds or milliseconds and refuses
// it when it is further from `now` than the tolerance, in either direction
// (a timestamp far ahead is a replay prepared in advance, or a clock to fix).
// On success `unitsOut` holds the value as sent.
std::optional<Verification> timestampRefusal(std::string_view header, const HookRequest& request,
                                             std::int64_t millisPerUnit, Timestamp now,
                                             std::chrono::seconds tolerance,
                                             std::int64_t& unitsOut) {
    const std::string* value = headerOf(request, header);
    if (!value)
        return refused(std::string(header) + " is missing");
    const bool digits = !value->empty() && std::all_of(value->begin(), value->end(),
                                                       [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
        return refused(std::string(header) + " is not a number");
    std::int64_t units = 0;
    const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), units);
    if (ec != std::errc() || units > INT64_MAX / millisPerUnit)
        return refused(std::string(header) + " is out of range");
    unitsOut = units;
    // Both are at least 0 (now is a wall-clock time), so neither difference overflows.
    const std::int64_t ageMs = toUnixMillis(now) - units * millisPerUnit;
    const std::int64_t toleranceMs = tolerance.count() * 1000;
    const auto seconds = [](std::int64_t ms) {
        return std::to_string(ms / 1000 + (ms % 1000 != 0));
    };
    const std::string limit = "; at most " + std::to_string(tolerance.count()) + " s are accepted";
    if (ageMs > toleranceMs)
        return refused(std::string(header) + " is " + seconds(ageMs) + " s old" + limit, true);
    if (-ageMs > toleranceMs)
        return refused(std::string(header) + " is " + seconds(-ageMs) + " s in the future" + limit,
                       true);
    return std::nullopt;
}

// ---------------------------------------------------------------- verification per kind

// HubSpot signs the URL it called after decoding these characters, which its
// documentation lists ("Validate the v3 request signature"): a public URL
// configured with %3A in its query is signed with ':'.
std::string hubSpotSignedUri(std::string_view url) {
    constexpr std::array<std::pair<std::string_view, char>, 12> kDecoded{{
        {"3A", ':'},
        {"2F", '/'},
        {"3F", '?'},
        {"40", '@'},
        {"21", '!'},
        {"24", '$'},
        {"27", '\''},
        {"28", '('},
        {"29", ')'},
        {"2A", '*'},
        {"2C", ','},
        {"3B", ';'},
    }};
    std::string out;
    out.reserve(url.size());
    for (std::size_t i = 0; i < url.size(); ++i) {
        if (url[i] == '%' && i + 2 < url.size()) {
            std::string code{url.substr(i + 1, 2)};
            for (char& c : code)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const auto known = std::find_if(kDecoded.begin(), kDecoded.end(),
                                            [&](const auto& entry) { return entry.first == code; });
            if (known != kDecoded.end()) {
                out += known->second;
                i += 2;
                continue;
            }
        }
        out += url[i];
    }
    return out;
}

Verification verifyHubSpot(const SourceSpec& spec, const HookRequest& request, Timestamp now) {
    constexpr std::string_view kSignature = "X-HubSpot-Signature-v3";
    constexpr std::string_view kTimestamp = "X-HubSpot-Request-Timestamp";
    const std::string* signature = headerOf(request, kSignature);
    if (!signature)
        return refused(std::string(kSignature) + " is missing");
    std::int64_t millis = 0;
    if (auto refusal =
            timestampRefusal(kTimestamp, request, 1, now, spec.timestampTolerance, millis))
        return *refusal;
    const std::string hint = " for " + request.method + ' ' + spec.publicUrl +
                             "; check the app's client secret, and that public_url is the target "
                             "URL set in the HubSpot app";
    return matchHmac(kSignature, *signature, Encoding::Base64, digestNamed("sha256"), spec.secrets,
                     {request.method, hubSpotSignedUri(spec.publicUrl), request.body,
                      *headerOf(request, kTimestamp)},
                     hint);
}

Verification verifySegment(const SourceSpec& spec, const HookRequest& request) {
    constexpr std::string_view kSignature = "X-Signature";
    const std::string* signature = headerOf(request, kSignature);
    if (!signature)
        return refused(std::string(kSignature) + " is missing");
    return matchHmac(kSignature, *signature, Encoding::Hex, digestNamed("sha1"), spec.secrets,
                     {request.body});
}

// Standard Webhooks: "webhook-signature" holds space-separated "v1,<base64>"
// entries (several while the sender rotates); any one made with any one of
// the source's secrets verifies.
Verification verifyStandardWebhooks(const SourceSpec& spec, const HookRequest& request,
                                    Timestamp now) {
    const std::string* id = headerOf(request, "webhook-id");
    if (!id)
        return refused("webhook-id is missing");
    const std::string* signatures = headerOf(request, "webhook-signature");
    if (!signatures)
        return refused("webhook-signature is missing");
    std::int64_t seconds = 0;
    if (auto refusal = timestampRefusal("webhook-timestamp", request, 1000, now,
                                        spec.timestampTolerance, seconds))
        return *refusal;
    std::vector<std::string_view> candidates;
    const std::string_view all = *signatures;
    for (std::size_t start = 0; start < all.size();) {
        const std::size_t space = std::min(all.find(' ', start), all.size());
        const std::string_view entry = all.substr(start, space - start);
        if (entry.starts_with("v1,")) // other versions (v1a: asymmetric) are not ours to check
            candidates.push_back(entry);
        start = space + 1;
    }
    if (candidates.empty())
        return refused("webhook-signature holds no \"v1,\" signature");
    bool matched = false;
    for (std::size_t i = 0; i < spec.secrets.size(); ++i) {
        std::string expected;
        try {
            expected =
                delivery::standardWebhookSignature(spec.secrets[i], *id, seconds, request.body);
        } catch (const std::exception& e) {
            return refused("secret " + std::to_string(i + 1) +
                           " of the source cannot be used: " + e.what());
        }
        for (std::string_view candidate : candidates)
            matched = sameText(candidate, expected) || matched;
    }
    return matched ? verified()
                   : refused(noSecretMatches("webhook-signature", spec.secrets.size()));
}

Verification verifyGenericHmac(const SourceSpec& spec, const HookRequest& request, Timestamp now) {
    const HmacScheme& scheme = spec.hmac;
    const std::string* value = headerOf(request, scheme.header);
    if (!value)
        return refused(scheme.header + " is missing");
    if (!std::string_view(*value).starts_with(scheme.prefix))
        return refused(scheme.header + " does not start with " + jsonpath::quote(scheme.prefix));
    const std::string_view presented = std::string_view(*value).substr(scheme.prefix.size());
    const Encoding encoding = scheme.encoding == "base64" ? Encoding::Base64 : Encoding::Hex;
    const Digest digest = digestNamed(scheme.algorithm);
    if (scheme.signedContent != "timestamp.body")
        return matchHmac(scheme.header, presented, encoding, digest, spec.secrets, {request.body});
    std::int64_t seconds = 0;
    if (auto refusal = timestampRefusal(scheme.timestampHeader, request, 1000, now,
                                        spec.timestampTolerance, seconds))
        return *refusal;
    return matchHmac(scheme.header, presented, encoding, digest, spec.secrets,
                     {*headerOf(request, scheme.timestampHeader), ".", request.body});
}

// The header's value is a secret. Both sides are hashed first so the
// comparison takes the same time whatever the lengths.
Verification verifySharedHeader(const SourceSpec& spec, const HookRequest& request) {
    const std::string& header = spec.hmac.header;
    const std::string* value = headerOf(request, header);
    if (!value)
        return refused(header + " is missing");
    const auto sha256 = [](std::string_view text) {
        std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
        unsigned int size = 0;
        EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
        return std::string(reinterpret_cast<const char*>(digest.data()), size);
    };
    const std::string presented = sha256(*value);
    bool matched = false;
    for (const std::string& secret : spec.secrets)
        matched = sameText(presented, sha256(secret)) || matched;
    return matched ? verified() : refused(noSecretMatches(header, spec.secrets.size()));
}

// ---------------------------------------------------------------- JSON bodies

constexpr std::size_t kMaxVendorIdLength = 256;

Split failed(std::string error, int status = 400) {
    Split split;
    split.error = std::move(error);
    split.status = status;
    return split;
}

// "the body" for the body itself, "the item at /events/2" for an item in it.
std::string subject(const std::string& where) {
    return where.empty() ? std::string("the body") : "the item at " + where;
}

// A vendor's id as text: a non-empty string as it is, an integer in decimal.
// A fraction, a boolean or a structure is not an id.
std::optional<std::string> idText(const json& value) {
    if (value.is_number_unsigned())
        return std::to_string(value.get<std::uint64_t>());
    if (value.is_number_integer())
        return std::to_string(value.get<std::int64_t>());
    if (value.is_string() && !value.get_ref<const std::string&>().empty() &&
        value.get_ref<const std::string&>().size() <= kMaxVendorIdLength)
        return value.get<std::string>();
    return std::nullopt;
}

std::string notAnId(const json& value) {
    return jsonpath::describeValue(value) + ", which is not an integer or a string of 1 to " +
           std::to_string(kMaxVendorIdLength) + " characters";
}

// The id in the member `key` of `object` (an object), or nullopt with
// `problem` saying what is wrong: "the item at /1 has no eventId".
std::optional<std::string> memberId(const json& object, const std::string& key,
                                    const std::string& where, std::string& problem) {
    const auto id = object.find(key);
    if (id == object.end() || id->is_null()) {
        problem = subject(where) + " has no " + key;
        return std::nullopt;
    }
    std::optional<std::string> text = idText(*id);
    if (!text)
        problem = subject(where) + " has the " + key + " " + notAnId(*id);
    return text;
}

// The value at `pointer` in `doc`, or nullptr. nlohmann throws for a pointer
// that does not fit the document (a name where an array has indexes).
json* valueAt(json& doc, const std::string& pointer) {
    try {
        const json::json_pointer at(pointer);
        return doc.contains(at) ? &doc.at(at) : nullptr;
    } catch (const json::exception&) {
        return nullptr;
    }
}

bool parseBody(std::string_view body, json& doc, Split& split) {
    std::string error;
    if (json_input::parse(body, doc, error))
        return true;
    split.error = json_input::about("the body", error);
    return false;
}

Split splitHubSpot(std::string_view body) {
    Split split;
    json doc;
    if (!parseBody(body, doc, split))
        return split;
    if (!doc.is_array())
        return failed("the body is not a HubSpot webhook batch: expected an array of "
                      "subscription events, got " +
                      jsonpath::describeType(doc));
    for (std::size_t i = 0; i < doc.size(); ++i) {
        const std::string where = jsonpath::append("", i);
        json& event = doc[i];
        if (!event.is_object())
            return failed(subject(where) +
                          " is not a subscription event: expected an object, got " +
                          jsonpath::describeType(event));
        std::string problem;
        std::optional<std::string> vendorId = memberId(event, "eventId", where, problem);
        if (!vendorId)
            return failed(std::move(problem));
        split.items.push_back({std::move(event), std::move(*vendorId), where});
    }
    return split;
}

Split splitSegment(std::string_view body) {
    Split split;
    json doc;
    if (!parseBody(body, doc, split))
        return split;
    if (!doc.is_object())
        return failed("the body is not a Segment call: expected an object, got " +
                      jsonpath::describeType(doc));
    std::string problem;
    std::optional<std::string> vendorId = memberId(doc, "messageId", "", problem);
    if (!vendorId)
        return failed(std::move(problem));
    split.items.push_back({std::move(doc), std::move(*vendorId), ""});
    return split;
}

Split splitGeneric(const SourceSpec& spec, std::string_view body) {
    Split split;
    json doc;
    if (!parseBody(body, doc, split))
        return split;
    std::vector<std::pair<json*, std::string>> items; // each with where it sits
    if (spec.batchPointer.empty()) {
        items.emplace_back(&doc, "");
    } else {
        json* batch = valueAt(doc, spec.batchPointer);
        if (!batch)
            return failed("the body has nothing at " + spec.batchPointer +
                          " (the source's batch_pointer)");
        if (!batch->is_array())
            return failed("the body has " + jsonpath::describeType(*batch) + " at " +
                          spec.batchPointer +
                          " (the source's batch_pointer), where an array of items was expected");
        for (std::size_t i = 0; i < batch->size(); ++i)
            items.emplace_back(&(*batch)[i], jsonpath::append(spec.batchPointer, i));
    }
    for (auto& [item, where] : items) {
        const json* id = valueAt(*item, spec.eventIdPointer);
        if (!id || id->is_null())
            return failed(subject(where) + " has nothing at " + spec.eventIdPointer +
                          " (the source's event_id_pointer)");
        std::optional<std::string> vendorId = idText(*id);
        if (!vendorId)
            return failed(subject(where) + " has at " + spec.eventIdPointer + " " + notAnId(*id));
        split.items.push_back({std::move(*item), std::move(*vendorId), where});
    }
    return split;
}

// ---------------------------------------------------------------- Salesforce (XML)

constexpr const char* kSoapEnvelope = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kOutbound = "http://soap.sforce.com/2005/09/outbound";
constexpr std::string_view kXsi = "http://www.w3.org/2001/XMLSchema-instance";

std::string_view localName(std::string_view name) {
    const std::size_t colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view prefixOf(std::string_view name) {
    const std::size_t colon = name.find(':');
    return colon == std::string_view::npos ? std::string_view() : name.substr(0, colon);
}

// The namespace a prefix ("" for the default one) stands for at `node`, from
// the xmlns declarations on it and its ancestors: pugixml keeps names as
// written and resolves no prefixes. Only called a few levels deep.
std::string_view namespaceAt(pugi::xml_node node, std::string_view prefix) {
    const std::string declaration = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
    for (; node; node = node.parent())
        if (const pugi::xml_attribute a = node.attribute(declaration.c_str()))
            return a.value();
    return {};
}

bool isElement(pugi::xml_node node, std::string_view ns, std::string_view local) {
    return node.type() == pugi::node_element && localName(node.name()) == local &&
           namespaceAt(node, prefixOf(node.name())) == ns;
}

pugi::xml_node childElement(pugi::xml_node parent, std::string_view ns, std::string_view local) {
    for (pugi::xml_node child : parent.children())
        if (isElement(child, ns, local))
            return child;
    return {};
}

// The attribute `local` in namespace `ns` on `node`, whatever its prefix
// (an attribute without a prefix is in no namespace).
pugi::xml_attribute attributeOf(pugi::xml_node node, std::string_view ns, std::string_view local) {
    for (pugi::xml_attribute a : node.attributes()) {
        const std::string_view name = a.name();
        if (!prefixOf(name).empty() && localName(name) == local &&
            namespaceAt(node, prefixOf(name)) == ns)
            return a;
    }
    return {};
}

// An element's text and CDATA joined; nullopt when it holds elements (a
// value was expected, not a structure) or the text is not UTF-8.
std::optional<std::string> textOf(pugi::xml_node element) {
    std::string text;
    for (pugi::xml_node child : element.children()) {
        if (child.type() == pugi::node_element)
            return std::nullopt;
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)
            text += child.value();
    }
    if (!isValidUtf8(text))
        return std::nullopt;
    return text;
}

std::string describeElement(pugi::xml_node node) {
    const std::string_view ns = namespaceAt(node, prefixOf(node.name()));
    return jsonpath::quote(node.name()) +
           (ns.empty() ? std::string(" in no namespace") : " in namespace " + jsonpath::quote(ns));
}

// Salesforce sends the 18-character id; a source may be configured with the
// 15-character form, which is its first 15 characters.
bool sameOrganization(std::string_view configured, std::string_view sent) {
    if (configured.size() == 15 && sent.size() == 18)
        sent = sent.substr(0, 15);
    else if (configured.size() == 18 && sent.size() == 15)
        configured = configured.substr(0, 15);
    return configured == sent;
}

// One <sObject> as {"type": "Lead", "<field>": "<value>" or null, ...}. An
// error sentence in `error` when it cannot be read.
json readSObject(pugi::xml_node sObject, const std::string& where, std::string& error) {
    json object = json::object();
    const pugi::xml_attribute type = attributeOf(sObject, kXsi, "type");
    const std::string_view typeName = localName(type.value());
    if (typeName.empty() || !isValidUtf8(typeName)) {
        error = where + "/sObject has no xsi:type naming its object type";
        return object;
    }
    object["type"] = std::string(typeName);
    for (pugi::xml_node field : sObject.children()) {
        if (field.type() != pugi::node_element)
            continue;
        const std::string name(localName(field.name()));
        if (name.empty() || !isValidUtf8(name)) {
            error = where + "/sObject has a field whose name is not UTF-8";
            return object;
        }
        if (object.contains(name)) {
            error = where + "/sObject has the field " + name + " twice";
            return object;
        }
        const std::string_view nil = attributeOf(field, kXsi, "nil").value();
        if (nil == "true" || nil == "1") {
            object[name] = nullptr;
            continue;
        }
        std::optional<std::string> value = textOf(field);
        if (!value) {
            error = where + "/sObject field " + name +
                    " is not a value (it holds elements, or text that is not UTF-8)";
            return object;
        }
        object[name] = std::move(*value);
    }
    return object;
}

Split splitSalesforce(const SourceSpec& spec, std::string_view body) {
    // pugixml expands only XML's five predefined entities and character
    // references, never an entity a DTD declares, and loads nothing external.
    // parse_doctype keeps a DOCTYPE as a node so it can be refused: Salesforce
    // sends none, and a body with one is a probe (billion laughs, XXE).
    pugi::xml_document document;
    const pugi::xml_parse_result parsed = document.load_buffer(
        body.data(), body.size(), pugi::parse_default | pugi::parse_doctype, pugi::encoding_auto);
    if (!parsed)
        return failed("the body is not well-formed XML: " + std::string(parsed.description()) +
                      " at byte " + std::to_string(parsed.offset));
    for (pugi::xml_node node : document.children())
        if (node.type() == pugi::node_doctype)
            return failed("the body has a DOCTYPE declaration, which a Salesforce Outbound "
                          "Message never has; it was not read");
    const pugi::xml_node envelope = document.document_element();
    if (!isElement(envelope, kSoapEnvelope, "Envelope"))
        return failed("the body is not a SOAP 1.1 message: the root element is " +
                      describeElement(envelope) + ", not Envelope in " + kSoapEnvelope);
    const pugi::xml_node soapBody = childElement(envelope, kSoapEnvelope, "Body");
    if (!soapBody)
        return failed("the SOAP envelope has no Body");
    const pugi::xml_node notifications = childElement(soapBody, kOutbound, "notifications");
    if (!notifications)
        return failed("the SOAP Body has no notifications element in " + std::string(kOutbound) +
                      ": it is not a Salesforce Outbound Message");
    const std::optional<std::string> organization =
        textOf(childElement(notifications, kOutbound, "OrganizationId"));
    if (!organization || organization->empty())
        return failed("the message has no OrganizationId");
    if (!sameOrganization(spec.organizationId, *organization))
        return failed("the message is from the Salesforce organization " +
                          jsonpath::quote(*organization) +
                          ", not from the source's organization_id",
                      401);
    const pugi::xml_node actionElement = childElement(notifications, kOutbound, "ActionId");
    const std::optional<std::string> actionId = textOf(actionElement);

    Split split;
    std::size_t index = 0;
    for (pugi::xml_node notification : notifications.children()) {
        if (!isElement(notification, kOutbound, "Notification"))
            continue;
        const std::string where = "Notification[" + std::to_string(index++) + "]";
        const std::optional<std::string> id = textOf(childElement(notification, kOutbound, "Id"));
        if (!id || id->empty())
            return failed(where + " has no Id");
        const pugi::xml_node sObject = childElement(notification, kOutbound, "sObject");
        if (!sObject)
            return failed(where + " has no sObject");
        std::string error;
        json object = readSObject(sObject, where, error);
        if (!error.empty())
            return failed(std::move(error));
        json item = json::object();
        item["OrganizationId"] = *organization;
        item["ActionId"] = actionElement && actionId ? json(*actionId) : json();
        item["Id"] = *id;
        item["sObject"] = std::move(object);
        split.items.push_back({std::move(item), *id, where});
    }
    return split;
}

// Text XML 1.0 can carry: control characters other than tab and line ends
// become spaces; text that is not UTF-8 keeps its ASCII only.
std::string xmlText(std::string_view text) {
    const bool utf8 = isValidUtf8(text);
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r')
            out += ' ';
        else if (u >= 0x80 && !utf8)
            out += '?';
        else
            out += c;
    }
    return out;
}

struct StringWriter final : pugi::xml_writer {
    std::string text;
    void write(const void* data, std::size_t size) override {
        text.append(static_cast<const char*>(data), size);
    }
};

} // namespace

Verification verify(const SourceSpec& spec, const HookRequest& request, Timestamp now) {
    if (spec.kind != SourceKind::SalesforceOutbound && spec.secrets.empty())
        return refused("the source has no secret to verify requests with; add one to its secrets");
    switch (spec.kind) {
    case SourceKind::HubSpot:
        return verifyHubSpot(spec, request, now);
    case SourceKind::SalesforceOutbound:
        return verified(); // Salesforce signs nothing; split() checks the organization id
    case SourceKind::Segment:
        return verifySegment(spec, request);
    case SourceKind::Generic:
        switch (spec.verification) {
        case GenericVerification::StandardWebhooks:
            return verifyStandardWebhooks(spec, request, now);
        case GenericVerification::Hmac:
            return verifyGenericHmac(spec, request, now);
        case GenericVerification::SharedHeader:
            return verifySharedHeader(spec, request);
        }
    }
    return refused("the source's kind has no verification");
}

namespace {

std::string vendorMac(std::string_view algorithm, std::string_view secret,
                      std::initializer_list<std::string_view> parts) {
    const Digest digest = digestNamed(algorithm);
    std::optional<std::string> mac = hmac(digest, secret, parts);
    if (!mac)
        throw std::runtime_error(std::string(digest.name) + " failed in OpenSSL while signing");
    return *std::move(mac);
}

} // namespace

std::string hubSpotSignatureV3(std::string_view clientSecret, std::string_view method,
                               std::string_view url, std::string_view body,
                               std::int64_t timestampMs) {
    const std::string timestamp = std::to_string(timestampMs);
    std::string signature =
        encode(vendorMac("sha256", clientSecret, {method, url, body, timestamp}), Encoding::Base64);
    signature.append((4 - signature.size() % 4) % 4, '='); // HubSpot sends the padding
    return signature;
}

std::string segmentSignature(std::string_view sharedSecret, std::string_view body) {
    return encode(vendorMac("sha1", sharedSecret, {body}), Encoding::Hex);
}

Split split(const SourceSpec& spec, std::string_view body) {
    switch (spec.kind) {
    case SourceKind::HubSpot:
        return splitHubSpot(body);
    case SourceKind::SalesforceOutbound:
        return splitSalesforce(spec, body);
    case SourceKind::Segment:
        return splitSegment(body);
    case SourceKind::Generic:
        return splitGeneric(spec, body);
    }
    return failed("the source's kind has no reader");
}

std::string salesforceAck() {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
 <soapenv:Body>
  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">
   <Ack>true</Ack>
  </notificationsResponse>
 </soapenv:Body>
</soapenv:Envelope>
)";
}

// Salesforce retries a message until it is acknowledged with <Ack>true</Ack>;
// any other answer counts as a failure. A SOAP Fault says so explicitly, with
// a faultstring a person reading the outbound message queue can act on.
std::string salesforceFault(std::string_view reason) {
    pugi::xml_document document;
    pugi::xml_node declaration = document.append_child(pugi::node_declaration);
    declaration.append_attribute("version") = "1.0";
    declaration.append_attribute("encoding") = "UTF-8";
    pugi::xml_node envelope = document.append_child("soapenv:Envelope");
    envelope.append_attribute("xmlns:soapenv") = kSoapEnvelope;
    pugi::xml_node fault = envelope.append_child("soapenv:Body").append_child("soapenv:Fault");
    fault.append_child("faultcode").text() = "soapenv:Server";
    fault.append_child("faultstring").text() = xmlText(reason).c_str();
    StringWriter writer;
    document.save(writer, " ", pugi::format_default, pugi::encoding_utf8);
    return writer.text;
}

} // namespace meshdeck::sources
