#pragma once
// POST /v1/events: the ingest path.
//
// Rule for batches: all or nothing per request. Every event of a request is
// checked (envelope, tenant, allowed types, payload schema) before anything is
// written; one bad event refuses the whole request with every violation listed
// (paths like "/3/payload/score"), and the request is kept in quarantine. A
// valid request is appended in one transaction and answered 202 after the
// commit that holds it, with each event's seq. Events already in the log
// (same event_id, same tenant) answer with their original seq and
// "duplicate": true; a request made only of duplicates answers 200.

#include "broker/auth.h"
#include "broker/gateway/api.h"
#include "broker/store/event_log.h"

namespace meshdeck {

class BrokerCore;

class PublishHandler {
public:
    explicit PublishHandler(BrokerCore& core) : core_(core) {}
    void publish(ApiRequest request, const Principal& principal, Respond respond);
    ApiResponse tooLarge(const ApiRequest& request, std::size_t limit);

private:
    // After the commit (or its failure): the answer with each event's seq.
    void answerCommitted(const ApiRequest& request, const Principal& principal, bool wasArray,
                         AppendResult result, const Respond& respond);
    // Answers with `response` and keeps the request in quarantine, filed under
    // the token's tenant - or, for a token over every tenant, the tenant the
    // input names (inputTenant) when it names one.
    void refuse(const ApiRequest& request, const Principal* principal, const std::string& reason,
                ApiResponse response, const Respond& respond, const std::string& inputTenant = {});
    BrokerCore& core_;
};

} // namespace meshdeck
