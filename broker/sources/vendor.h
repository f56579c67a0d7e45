#pragma once
// The vendor side of a hook request: is it really from the vendor (verify),
// and which items does it carry (split). One function pair per SourceKind,
// chosen by the spec. No I/O and no clock of their own: `now` is passed in.
//
// Items are JSON, whatever the wire format, so one mapping engine
// (core/mapping.h) serves every kind:
//   hubspot             each element of the body's array, as sent
//   salesforce-outbound each <Notification> as
//                       {"OrganizationId": "...", "ActionId": "...",
//                        "Id": "<Notification/Id>",
//                        "sObject": {"type": "Lead", "Id": "...", "Email": "...", ...}}
//                       field names without their namespace prefix, values as
//                       the strings the XML carries, xsi:nil="true" as null
//   segment             the body (one call)
//   generic             each element of the array at batchPointer, else the body

#include "core/source_spec.h"
#include "core/time.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace meshdeck::sources {

struct HookRequest {
    std::string method;                         // "POST"
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;
};

struct Verification {
    bool ok = false;
    bool stale = false; // the timestamp is outside the tolerance
    // When !ok: what a person at the vendor's console can act on, never
    // containing a secret or a computed signature: "X-HubSpot-Signature-v3 is
    // missing", "the signature does not match any of the source's 2 secrets",
    // "X-HubSpot-Request-Timestamp is 412 s old; at most 300 s are accepted".
    std::string reason;
};

// Checks the request against every secret of the spec, in constant time per
// comparison.
Verification verify(const SourceSpec& spec, const HookRequest& request, Timestamp now);

// The signatures as the vendors compute them, for whatever plays a vendor
// (meshd --demo, the console's demo): verify() accepts exactly these. Throw
// std::runtime_error when OpenSSL cannot compute the MAC.
//   X-HubSpot-Signature-v3: base64(HMAC-SHA256(client secret,
//                           method + URL + body + timestamp in ms))
//   X-Signature (Segment):  hex(HMAC-SHA1(shared secret, body))
std::string hubSpotSignatureV3(std::string_view clientSecret, std::string_view method,
                               std::string_view url, std::string_view body,
                               std::int64_t timestampMs);
std::string segmentSignature(std::string_view sharedSecret, std::string_view body);

struct VendorItem {
    nlohmann::json doc;   // what the mapping rules read
    std::string vendorId; // the vendor's id of this item ("4011932001")
    std::string where;    // where it sits in the body, for reasons: "/2", "Notification[1]"
};

struct Split {
    std::vector<VendorItem> items;
    // Set when the body as a whole cannot be read (not JSON, not the SOAP
    // message expected, the wrong organization id, an item without its id):
    // nothing is mapped and the request is refused with this sentence.
    std::string error;
    int status = 400; // for error: 400, or 401 for a wrong organization id
};

// Reads the items of a verified body. JSON goes through json_input (depth
// and NUL limits); XML through pugixml, with no DTD or entity expansion.
Split split(const SourceSpec& spec, std::string_view body);

// What Salesforce expects in answer: the acknowledgement once every
// notification is committed, a SOAP fault (so it retries) otherwise.
std::string salesforceAck();
std::string salesforceFault(std::string_view reason);

} // namespace meshdeck::sources
