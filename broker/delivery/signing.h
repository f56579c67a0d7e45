#pragma once
// Standard Webhooks signatures (https://www.standardwebhooks.com): the
// "webhook-signature" header of an outbound delivery.
//
//   signature = "v1," base64( HMAC-SHA256( key, msgId "." timestamp "." body ) )
//
// The secret is "whsec_" followed by the base64 of the key, as receivers'
// libraries expect. A secret without that prefix is used as the key byte for
// byte (what a receiver that shares a plain password configures). The body is
// signed exactly as sent: no trailing newline is added or removed.

#include <cstdint>
#include <string>
#include <string_view>

namespace meshdeck::delivery {

// Throws std::invalid_argument, without echoing the secret, when the secret is
// empty or its base64 after "whsec_" does not decode.
std::string standardWebhookSignature(std::string_view secret, std::string_view msgId,
                                     std::int64_t timestampSeconds, std::string_view body);

} // namespace meshdeck::delivery
