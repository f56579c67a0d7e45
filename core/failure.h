#pragma once
// How a webhook delivery attempt failed, in classes the delivery engine can
// act on, and the Retry-After header that tells it when to try again.
//
// What each class means for the next attempt:
//   None       delivered (2xx).
//   Transport  no HTTP answer: refused, DNS, TLS, reset, timeout. Retried with
//              backoff; the receiver may never have seen the request.
//   Throttled  the receiver asked us to slow down (429, 503 with Retry-After,
//              Salesforce's 403 REQUEST_LIMIT_EXCEEDED). Retried after
//              Retry-After when given, else with backoff; not a sign the
//              receiver is broken.
//   Auth       401/403: our credentials or signature were refused. Retrying
//              does not help until someone fixes the configuration.
//   Invalid    400/422: the receiver refuses this payload. Retrying the same
//              bytes does not help; the event is a dead-letter candidate.
//              Also used for a request the client refuses to send (bad URL,
//              header with a line break).
//   Server     5xx: the receiver is failing. Retried with backoff.
//   Other      everything else: 3xx (redirects are not followed: the URL is
//              probably wrong), 404, 405, 409, 410, 413, 1xx... Retried with
//              backoff, because a 404 or 410 during a receiver's deploy is
//              common and usually transient; attempts run out into the DLQ.
//   Stale      not sent: the consumer had already been sent a newer version
//              of the entity (recorded as an attempt so a trace shows why).

#include <chrono>
#include <optional>
#include <string_view>

namespace meshdeck::delivery {

enum class FailureClass { None, Transport, Throttled, Auth, Invalid, Server, Other, Stale };

// "none", "transport", "throttled", "auth", "invalid", "server", "other", "stale".
std::string_view toString(FailureClass failure);
// The class a name from toString stands for; nothing for any other text.
std::optional<FailureClass> parseFailureClass(std::string_view name);

// The class of an HTTP answer. `body` is (the start of) the response body -
// WebhookClient passes its 512-byte excerpt, enough for Salesforce's error
// array; `hasRetryAfter` says whether the response carried a Retry-After
// header, which turns a 503 from a server error into a request to slow down.
FailureClass classifyStatus(int status, std::string_view body, bool hasRetryAfter);

// A Retry-After value (RFC 9110 section 10.2.3): delta-seconds ("120") or an
// IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"), read against `now`. A date
// in the past gives 0 ms. Anything else, including the obsolete RFC 850 and
// asctime date forms and a delta too large to count in milliseconds, gives
// nullopt so the caller falls back to its backoff. Leading and trailing
// spaces are ignored; a long wait is returned as is (capping it is policy).
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

} // namespace meshdeck::delivery
