#pragma once
// POST /v1/hooks/{source}: vendors' own webhooks. No meshdeck token: the
// request is authenticated by the vendor's mechanism for the source's kind
// (broker/sources/vendor.h), and nothing else.
//
//   unknown source            404, plain
//   over the source's size    413, kept in quarantine
//   over the source's rate    429 with Retry-After
//   bad or missing signature  401 problem+json with the reason (kept in
//   stale timestamp           401 saying so                   quarantine,
//   unreadable body           400 (a wrong Salesforce org: 401) the secret
//                                                               never shown)
//
// A verified body's items are translated (broker/sources/translate.h): each
// mapped event is appended to the log, each item no rule matches or whose
// event breaks its contract is kept in quarantine with the rule and the
// reason, ignored items are counted. The vendor is answered once all of it is
// committed: 200 with a summary (Salesforce: the acknowledgement it expects),
// or 503 when something could not be stored, so the vendor retries. Event ids
// derive from the vendor's ids, so the retry is stored once.

#include "broker/gateway/api.h"

#include <string>

namespace meshdeck {

class BrokerCore;

class HookHandler {
public:
    explicit HookHandler(BrokerCore& core) : core_(core) {}
    void handle(ApiRequest request, const std::string& source, Respond respond);

private:
    BrokerCore& core_;
};

} // namespace meshdeck
