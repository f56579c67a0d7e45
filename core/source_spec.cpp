#include "core/source_spec.h"

#include "core/json_input.h"
#include "core/json_path.h"
#include "core/protocol/json_codec.h"
#include "core/word_table.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <nlohmann/json.hpp>

// The JSON of one source, as the config file's "sources" array and
// /v1/sources read and write it:
//
//   {"name": "hubspot-prod", "kind": "hubspot", "tenant": "acme",
//    "secrets": ["<client secret>"], "producer": "hubspot", "mapping": "hubspot.json",
//    "description": "...", "max_body_bytes": 1048576,
//    "rate_limit": {"per_second": 50, "burst": 100}, "timestamp_tolerance_s": 300,
//    "public_url": "https://mesh.example.com/v1/hooks/hubspot-prod"}
//
// salesforce-outbound has "organization_id" and no secret; generic has
// "event_id_pointer", "batch_pointer" and
//
//   "verification": {"scheme": "standard-webhooks"}
//   "verification": {"scheme": "hmac", "header": "x-signature", "algorithm": "sha256",
//                    "encoding": "hex", "prefix": "sha256=", "signed_content": "body"}
//   "verification": {"scheme": "hmac", ..., "signed_content": "timestamp.body",
//                    "timestamp_header": "x-timestamp"}
//   "verification": {"scheme": "header", "header": "x-hook-token"}
//
// A field of another kind (public_url on a segment source) is refused rather
// than ignored, like an unknown field: a config that says more than it does
// is a config someone misread.

namespace meshdeck {

namespace {

using Json = protocol::Json;
using protocol::ObjectReader;

constexpr WordTable<SourceKind, 4> kKinds{{
    {SourceKind::HubSpot, "hubspot"},
    {SourceKind::SalesforceOutbound, "salesforce-outbound"},
    {SourceKind::Segment, "segment"},
    {SourceKind::Generic, "generic"},
}};

constexpr WordTable<GenericVerification, 3> kVerifications{{
    {GenericVerification::StandardWebhooks, "standard-webhooks"},
    {GenericVerification::Hmac, "hmac"},
    {GenericVerification::SharedHeader, "header"},
}};

constexpr std::string_view kMaskedSecret = "********";
// Two or three while rotating; more only multiplies the MACs computed per request.
constexpr std::size_t kMaxSecrets = 8;
constexpr std::int64_t kMinBodyBytes = 1024;
constexpr std::int64_t kMaxBodyBytes = 64 << 20;
constexpr std::int64_t kMaxToleranceSeconds = 3600;
constexpr double kMaxRate = 1e6;

// The fields that belong to one kind only.
struct KindField {
    std::string_view key;
    SourceKind kind;
};
constexpr std::array<KindField, 5> kKindFields{{
    {"public_url", SourceKind::HubSpot},
    {"organization_id", SourceKind::SalesforceOutbound},
    {"event_id_pointer", SourceKind::Generic},
    {"batch_pointer", SourceKind::Generic},
    {"verification", SourceKind::Generic},
}};

// Every member of `object` not named in `known` is a violation: a misspelt
// field in a config file must not pass silently.
void refuseUnknown(const Json& object, const std::string& path,
                   std::initializer_list<std::string_view> known, Violations& bad) {
    if (!object.is_object())
        return;
    std::string list;
    for (std::string_view key : known)
        list += (list.empty() ? "" : ", ") + std::string(key);
    for (const auto& [key, value] : object.items())
        if (std::find(known.begin(), known.end(), key) == known.end())
            bad.push_back({jsonpath::append(path, key), "unknown field; expected one of " + list});
}

bool validName(std::string_view name) {
    const auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    };
    return !name.empty() && name.size() <= 64 &&
           std::isalnum(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(), allowed);
}

// An absolute http or https URL with a host, and nothing a request line
// cannot carry (spaces, control characters) and no fragment (never sent).
bool validPublicUrl(std::string_view url) {
    std::string_view rest;
    if (url.starts_with("https://"))
        rest = url.substr(8);
    else if (url.starts_with("http://"))
        rest = url.substr(7);
    else
        return false;
    const std::size_t hostEnd = rest.find_first_of("/?");
    if (hostEnd == 0 || rest.empty())
        return false;
    return std::none_of(url.begin(), url.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f || c == '#';
    });
}

bool validOrganizationId(std::string_view id) {
    return (id.size() == 15 || id.size() == 18) && id.starts_with("00D") &&
           std::all_of(id.begin(), id.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

// RFC 6901: empty (the whole document) or '/'-separated tokens in which '~'
// is followed by 0 or 1.
bool validPointer(std::string_view pointer) {
    if (pointer.empty())
        return true;
    if (pointer.front() != '/')
        return false;
    for (std::size_t i = 0; i < pointer.size(); ++i)
        if (pointer[i] == '~' &&
            (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')))
            return false;
    return true;
}

// An HTTP header name (RFC 9110 token characters), which HookRequest holds
// in lower case.
bool validHeaderName(std::string_view name) {
    constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
    return !name.empty() && name.size() <= 128 &&
           std::all_of(name.begin(), name.end(), [&](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) ||
                      kSymbols.find(c) != kSymbols.npos;
           });
}

std::string lowerCase(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// A Standard Webhooks secret is "whsec_" + base64 of the key: checked here so
// a miscopied one is reported when the source is declared rather than as a
// refused request later. The message never repeats the secret.
std::string standardWebhooksSecretProblem(std::string_view secret) {
    constexpr std::string_view kPrefix = "whsec_";
    if (!secret.starts_with(kPrefix))
        return {}; // a plain shared password, used byte for byte
    std::string_view key = secret.substr(kPrefix.size());
    const std::size_t padding = key.size() - std::min(key.size(), key.find_last_not_of('=') + 1);
    const std::string_view digits = key.substr(0, key.size() - padding);
    const bool alphabet = std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
    });
    if (digits.empty() || !alphabet || padding > 2 || digits.size() % 4 == 1 ||
        (padding > 0 && key.size() % 4 != 0))
        return "starts with \"whsec_\", but what follows is not the base64 of a key; copy the "
               "secret again exactly as the vendor shows it";
    return {};
}

void readName(ObjectReader& r, SourceSpec& spec) {
    r.required("name", spec.name);
    if (r.find("name") && r.find("name")->is_string() && !validName(spec.name))
        r.fail("name", "expected 1 to 64 lower-case letters, digits, '.', '_' or '-', starting "
                       "with a letter or digit (it is the URL segment of /v1/hooks/{name}), got " +
                           jsonpath::quote(spec.name));
}

void readSecrets(ObjectReader& r, SourceSpec& spec, Violations& bad) {
    const Json* secrets = r.find("secrets");
    if (!secrets)
        return;
    if (!secrets->is_array())
        return r.fail("secrets", "expected an array of secrets, such as [\"<client secret>\"], "
                                 "got " +
                                     jsonpath::describeType(*secrets));
    if (secrets->size() > kMaxSecrets)
        return r.fail("secrets", "expected at most " + std::to_string(kMaxSecrets) +
                                     " secrets (two while rotating), got " +
                                     std::to_string(secrets->size()));
    for (std::size_t i = 0; i < secrets->size(); ++i) {
        const Json& secret = (*secrets)[i];
        // Never describe a string here: it is a secret.
        if (!secret.is_string())
            bad.push_back({jsonpath::append(r.pathOf("secrets"), i),
                           "expected a secret as a string, got " + jsonpath::describeType(secret)});
        else if (secret.get_ref<const std::string&>().empty())
            bad.push_back(
                {jsonpath::append(r.pathOf("secrets"), i), "expected a secret, got \"\""});
        else
            spec.secrets.push_back(secret.get<std::string>());
    }
}

// What each kind needs of its secrets.
void checkSecretsForKind(ObjectReader& r, const SourceSpec& spec, Violations& bad) {
    const bool given = r.find("secrets") != nullptr;
    switch (spec.kind) {
    case SourceKind::HubSpot:
        if (!given)
            r.fail("secrets", "required: the HubSpot app's client secret, which signs every "
                              "webhook (give the old and the new one while rotating)");
        break;
    case SourceKind::Segment:
        if (!given)
            r.fail("secrets", "required: the shared secret set in the settings of Segment's "
                              "Webhooks destination");
        break;
    case SourceKind::Generic:
        if (!given)
            r.fail("secrets", "required: at least one secret to verify the vendor's requests with");
        break;
    case SourceKind::SalesforceOutbound:
        if (given && !spec.secrets.empty())
            r.fail("secrets", "Salesforce signs no Outbound Message, so a secret has nothing to "
                              "verify; remove it (messages are checked against organization_id)");
        return;
    }
    if (given && r.find("secrets")->is_array() && r.find("secrets")->empty())
        r.fail("secrets", "expected at least one secret, got an empty array");
    if (spec.kind == SourceKind::Generic &&
        spec.verification == GenericVerification::StandardWebhooks)
        for (std::size_t i = 0; i < spec.secrets.size(); ++i)
            if (std::string problem = standardWebhooksSecretProblem(spec.secrets[i]);
                !problem.empty())
                bad.push_back({jsonpath::append(r.pathOf("secrets"), i), "the secret " + problem});
}

void readRateLimit(ObjectReader& r, SourceSpec& spec, Violations& bad) {
    const Json* rate = r.find("rate_limit");
    if (!rate)
        return;
    ObjectReader rr(*rate, r.pathOf("rate_limit"), bad);
    if (!rr.ok())
        return;
    std::optional<double> perSecond, burst;
    rr.optional("per_second", perSecond);
    rr.optional("burst", burst);
    if (perSecond && (*perSecond <= 0 || *perSecond > kMaxRate))
        rr.fail("per_second", "expected requests per second above 0 and at most 1000000, got " +
                                  jsonpath::describeValue(*rr.find("per_second")));
    else if (perSecond) {
        spec.ratePerSecond = *perSecond;
        spec.burst = std::max(1.0, 2 * *perSecond); // the default's two seconds' worth
    }
    if (burst && (*burst < 1 || *burst > kMaxRate))
        rr.fail("burst", "expected a burst of 1 to 1000000 requests, got " +
                             jsonpath::describeValue(*rr.find("burst")));
    else if (burst)
        spec.burst = *burst;
    refuseUnknown(*rate, rr.path(), {"per_second", "burst"}, bad);
}

void readLimits(ObjectReader& r, SourceSpec& spec, Violations& bad) {
    std::optional<std::int64_t> maxBody, tolerance;
    r.optional("max_body_bytes", maxBody);
    if (maxBody && (*maxBody < kMinBodyBytes || *maxBody > kMaxBodyBytes))
        r.fail("max_body_bytes", "expected " + std::to_string(kMinBodyBytes) + " to " +
                                     std::to_string(kMaxBodyBytes) + " bytes, got " +
                                     std::to_string(*maxBody));
    else if (maxBody)
        spec.maxBodyBytes = static_cast<std::size_t>(*maxBody);
    readRateLimit(r, spec, bad);
    r.optional("timestamp_tolerance_s", tolerance);
    if (tolerance && (*tolerance < 1 || *tolerance > kMaxToleranceSeconds))
        r.fail("timestamp_tolerance_s", "expected 1 to " + std::to_string(kMaxToleranceSeconds) +
                                            " seconds, got " + std::to_string(*tolerance));
    else if (tolerance)
        spec.timestampTolerance = std::chrono::seconds(*tolerance);
}

void readHubSpot(ObjectReader& r, SourceSpec& spec) {
    if (!r.find("public_url"))
        return r.fail(
            "public_url",
            "required: the URL HubSpot calls, such as https://mesh.example.com/v1/hooks/" +
                (spec.name.empty() ? std::string("hubspot") : spec.name) +
                " (HubSpot signs it, and behind a proxy meshd cannot know it)");
    r.optional("public_url", spec.publicUrl);
    if (r.find("public_url")->is_string() && !validPublicUrl(spec.publicUrl))
        r.fail("public_url", "expected an absolute http:// or https:// URL with a host and no "
                             "spaces or fragment, got " +
                                 jsonpath::quote(spec.publicUrl));
}

void readSalesforce(ObjectReader& r, SourceSpec& spec) {
    r.required("organization_id", spec.organizationId);
    if (r.find("organization_id") && r.find("organization_id")->is_string() &&
        !validOrganizationId(spec.organizationId))
        r.fail("organization_id",
               "expected the Salesforce organization id (15 or 18 letters and digits starting "
               "with 00D, under Setup > Company Information), got " +
                   jsonpath::quote(spec.organizationId));
}

void readPointer(ObjectReader& r, std::string_view key, std::string& into, bool required) {
    if (required)
        r.required(key, into);
    else
        r.optional(key, into);
    const Json* v = r.find(key);
    if (!v || !v->is_string())
        return;
    if (!validPointer(into) || (required && into.empty()))
        r.fail(key,
               "expected a JSON Pointer such as /id or /data/0/id, got " + jsonpath::quote(into));
}

void readVerification(const Json& object, const std::string& path, SourceSpec& spec,
                      Violations& bad) {
    ObjectReader r(object, path, bad);
    if (!r.ok())
        return;
    std::string word;
    r.required("scheme", word);
    if (r.find("scheme") && r.find("scheme")->is_string()) {
        if (auto scheme = parseGenericVerification(word))
            spec.verification = *scheme;
        else
            return r.fail("scheme", "expected standard-webhooks, hmac or header; got " +
                                        jsonpath::quote(word));
    } else {
        return;
    }
    HmacScheme& h = spec.hmac;
    const auto fieldsOnlyFor = [&](std::initializer_list<std::string_view> keys,
                                   std::string_view schemes) {
        for (std::string_view key : keys)
            if (r.find(key))
                r.fail(key, "applies to scheme " + std::string(schemes) + " only, not to " +
                                std::string(toString(spec.verification)));
    };
    switch (spec.verification) {
    case GenericVerification::StandardWebhooks:
        fieldsOnlyFor({"header"}, "hmac or header");
        fieldsOnlyFor({"algorithm", "encoding", "prefix", "signed_content", "timestamp_header"},
                      "hmac");
        break;
    case GenericVerification::SharedHeader:
        r.required("header", h.header);
        fieldsOnlyFor({"algorithm", "encoding", "prefix", "signed_content", "timestamp_header"},
                      "hmac");
        break;
    case GenericVerification::Hmac:
        r.optional("header", h.header);
        r.optional("algorithm", h.algorithm);
        if (h.algorithm != "sha1" && h.algorithm != "sha256" && h.algorithm != "sha512")
            r.fail("algorithm",
                   "expected sha1, sha256 or sha512; got " + jsonpath::quote(h.algorithm));
        r.optional("encoding", h.encoding);
        if (h.encoding != "hex" && h.encoding != "base64")
            r.fail("encoding", "expected hex or base64; got " + jsonpath::quote(h.encoding));
        r.optional("prefix", h.prefix);
        r.optional("signed_content", h.signedContent);
        if (h.signedContent == "timestamp.body") {
            r.required("timestamp_header", h.timestampHeader);
            h.timestampHeader = lowerCase(h.timestampHeader);
            if (r.find("timestamp_header") && r.find("timestamp_header")->is_string() &&
                !validHeaderName(h.timestampHeader))
                r.fail("timestamp_header",
                       "expected an HTTP header name such as x-timestamp, got " +
                           jsonpath::quote(h.timestampHeader));
        } else if (h.signedContent == "body") {
            if (r.find("timestamp_header"))
                r.fail("timestamp_header", "applies only when signed_content is timestamp.body");
        } else {
            r.fail("signed_content",
                   "expected body or timestamp.body; got " + jsonpath::quote(h.signedContent));
        }
        break;
    }
    h.header = lowerCase(h.header);
    if (r.find("header") && r.find("header")->is_string() && !validHeaderName(h.header))
        r.fail("header", "expected an HTTP header name such as x-signature, got " +
                             jsonpath::quote(h.header));
    refuseUnknown(object, path,
                  {"scheme", "header", "algorithm", "encoding", "prefix", "signed_content",
                   "timestamp_header"},
                  bad);
}

void readGeneric(ObjectReader& r, SourceSpec& spec, Violations& bad) {
    readPointer(r, "event_id_pointer", spec.eventIdPointer, true);
    readPointer(r, "batch_pointer", spec.batchPointer, false);
    if (const Json* verification = r.find("verification"))
        readVerification(*verification, r.pathOf("verification"), spec, bad);
    else
        r.fail("verification",
               "required: how requests are verified, e.g. {\"scheme\": \"standard-webhooks\"}, "
               "{\"scheme\": \"hmac\", \"header\": \"x-signature\", \"algorithm\": \"sha256\", "
               "\"encoding\": \"hex\"} or {\"scheme\": \"header\", \"header\": \"x-hook-token\"}");
}

Json verificationJson(const SourceSpec& s) {
    Json v;
    v["scheme"] = std::string(toString(s.verification));
    if (s.verification == GenericVerification::SharedHeader)
        v["header"] = s.hmac.header;
    if (s.verification == GenericVerification::Hmac) {
        v["header"] = s.hmac.header;
        v["algorithm"] = s.hmac.algorithm;
        v["encoding"] = s.hmac.encoding;
        v["prefix"] = s.hmac.prefix;
        v["signed_content"] = s.hmac.signedContent;
        if (s.hmac.signedContent == "timestamp.body")
            v["timestamp_header"] = s.hmac.timestampHeader;
    }
    return v;
}

} // namespace

std::string_view toString(SourceKind kind) {
    return wordOf(kKinds, kind);
}

std::optional<SourceKind> parseSourceKind(std::string_view text) {
    return valueOf(kKinds, text);
}

std::string_view toString(GenericVerification verification) {
    return wordOf(kVerifications, verification);
}

std::optional<GenericVerification> parseGenericVerification(std::string_view text) {
    return valueOf(kVerifications, text);
}

ParsedSource parseSourceSpec(std::string_view text, std::string_view pathPrefix) {
    ParsedSource result;
    Violations& bad = result.violations;
    const std::string base(pathPrefix);
    Json j;
    if (std::string error; !json_input::parse(text, j, error)) {
        bad.push_back({base, json_input::about("the source", error)});
        return result;
    }
    if (!j.is_object()) {
        bad.push_back({base, "expected a source object, got " + jsonpath::describeValue(j)});
        return result;
    }
    SourceSpec spec;
    ObjectReader r(j, base, bad);
    readName(r, spec);
    std::string kindWord;
    r.required("kind", kindWord);
    std::optional<SourceKind> kind;
    if (r.find("kind") && r.find("kind")->is_string()) {
        kind = parseSourceKind(kindWord);
        if (!kind)
            r.fail("kind", "expected hubspot, salesforce-outbound, segment or generic; got " +
                               jsonpath::quote(kindWord));
    }
    r.required("tenant", spec.tenant);
    if (r.find("tenant") && r.find("tenant")->is_string() &&
        (spec.tenant.empty() || spec.tenant == "*"))
        r.fail("tenant", "expected the tenant every event from this source belongs to, such as "
                         "\"acme\", got " +
                             jsonpath::quote(spec.tenant));
    readSecrets(r, spec, bad);
    spec.producer = spec.name;
    r.optional("producer", spec.producer);
    if (spec.producer.empty() && r.find("producer"))
        r.fail("producer",
               "expected the producer name of the events, such as \"hubspot\", got \"\"");
    r.optional("mapping", spec.mapping);
    r.optional("description", spec.description);
    readLimits(r, spec, bad);

    if (kind) {
        spec.kind = *kind;
        for (const KindField& field : kKindFields)
            if (field.kind != spec.kind && r.find(field.key))
                r.fail(field.key, "applies to kind " + std::string(toString(field.kind)) +
                                      " only, not to " + std::string(toString(spec.kind)));
        if (spec.kind == SourceKind::HubSpot)
            readHubSpot(r, spec);
        else if (spec.kind == SourceKind::SalesforceOutbound)
            readSalesforce(r, spec);
        else if (spec.kind == SourceKind::Generic)
            readGeneric(r, spec, bad);
        checkSecretsForKind(r, spec, bad);
    }
    refuseUnknown(j, base,
                  {"name", "kind", "tenant", "secrets", "producer", "mapping", "description",
                   "max_body_bytes", "rate_limit", "timestamp_tolerance_s", "public_url",
                   "organization_id", "event_id_pointer", "batch_pointer", "verification"},
                  bad);
    if (bad.empty())
        result.spec = std::move(spec);
    return result;
}

std::string sourceSpecToJson(const SourceSpec& s, bool maskSecrets) {
    Json j;
    j["name"] = s.name;
    j["kind"] = std::string(toString(s.kind));
    j["tenant"] = s.tenant;
    if (s.kind != SourceKind::SalesforceOutbound) {
        Json secrets = Json::array();
        for (const std::string& secret : s.secrets)
            secrets.push_back(maskSecrets ? std::string(kMaskedSecret) : secret);
        j["secrets"] = std::move(secrets);
    }
    j["producer"] = s.producer;
    if (!s.mapping.empty())
        j["mapping"] = s.mapping;
    if (!s.description.empty())
        j["description"] = s.description;
    j["max_body_bytes"] = s.maxBodyBytes;
    j["rate_limit"] = {{"per_second", s.ratePerSecond}, {"burst", s.burst}};
    j["timestamp_tolerance_s"] = s.timestampTolerance.count();
    switch (s.kind) {
    case SourceKind::HubSpot:
        j["public_url"] = s.publicUrl;
        break;
    case SourceKind::SalesforceOutbound:
        j["organization_id"] = s.organizationId;
        break;
    case SourceKind::Segment:
        break;
    case SourceKind::Generic:
        j["event_id_pointer"] = s.eventIdPointer;
        if (!s.batchPointer.empty())
            j["batch_pointer"] = s.batchPointer;
        j["verification"] = verificationJson(s);
        break;
    }
    return protocol::dump(j);
}

} // namespace meshdeck
