#pragma once
// A source: a vendor that posts its own webhooks to POST /v1/hooks/{name}.
// Declared in the config file ("sources": [...]) or through /v1/sources.
// Vendors cannot send meshdeck tokens, so a source carries what its kind needs
// to authenticate the vendor's request by the vendor's own mechanism.

#include "core/error.h"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck {

enum class SourceKind {
    HubSpot,            // "hubspot": webhooks v3, X-HubSpot-Signature-v3
    SalesforceOutbound, // "salesforce-outbound": Outbound Messages (SOAP 1.1)
    Segment,            // "segment": Webhooks destination, X-Signature
    Generic,            // "generic": any JSON webhook
};
std::string_view toString(SourceKind kind);
std::optional<SourceKind> parseSourceKind(std::string_view text);

// How a generic source's requests are verified.
enum class GenericVerification {
    StandardWebhooks, // "standard-webhooks": webhook-id/-timestamp/-signature
    Hmac,             // "hmac": an HMAC of the body (or "timestamp.body") in a header
    SharedHeader,     // "header": a header whose value is the secret (tools that cannot sign)
};
std::string_view toString(GenericVerification verification);
std::optional<GenericVerification> parseGenericVerification(std::string_view text);

struct HmacScheme {
    std::string header = "x-signature"; // lower-case
    std::string algorithm = "sha256";   // sha1, sha256, sha512
    std::string encoding = "hex";       // hex, base64
    std::string prefix;                 // stripped before comparing: "sha256="
    // "body", or "timestamp.body": the value of timestampHeader, a dot, the body.
    std::string signedContent = "body";
    std::string timestampHeader; // lower-case; required for "timestamp.body"; Unix seconds

    bool operator==(const HmacScheme&) const = default;
};

struct SourceSpec {
    std::string name; // [a-z0-9][a-z0-9._-]{0,63}: the URL segment
    SourceKind kind = SourceKind::Generic;
    std::string tenant;               // every event from this source is this tenant's
    std::vector<std::string> secrets; // any one verifies (rotation); never answered
    std::string producer;             // the canonical events' producer; default: the name
    std::string mapping;              // ruleset file; empty: "<kind>.json" shipped
    std::size_t maxBodyBytes = 1 << 20;
    double ratePerSecond = 50; // requests per second
    double burst = 100;        // requests
    std::chrono::seconds timestampTolerance{300};
    // hubspot: the public URL HubSpot calls, which its signature covers
    // ("https://mesh.example.com/v1/hooks/hubspot"). Empty: the request's own
    // scheme-less URL cannot be known behind a proxy, so it is required.
    std::string publicUrl;
    // salesforce-outbound: the 18-character organization id every message must carry.
    std::string organizationId;
    // generic
    GenericVerification verification = GenericVerification::StandardWebhooks;
    HmacScheme hmac;            // for Hmac and SharedHeader (header only)
    std::string eventIdPointer; // JSON Pointer to the vendor's id in each item (required)
    std::string batchPointer;   // JSON Pointer to an array of items; empty: the body is one item
    std::string description;
    std::string origin = "api"; // "config" or "api"; set by the caller, not read or written as JSON

    bool operator==(const SourceSpec&) const = default;
};

struct ParsedSource {
    std::optional<SourceSpec> spec;
    Violations violations;
};

// Parses one source object; every violation names its JSON Pointer, prefixed
// with pathPrefix ("/sources/1" in a config file).
ParsedSource parseSourceSpec(std::string_view json, std::string_view pathPrefix = {});
// The spec as JSON in the shape parseSourceSpec reads. With maskSecrets each
// secret is replaced by "********" (the count shows rotation in progress).
std::string sourceSpecToJson(const SourceSpec& spec, bool maskSecrets);

} // namespace meshdeck
