#pragma once
// GET /v1/search?q=TEXT[&limit=N]: one search for any id (the wire format is
// in core/protocol/search.h, what q can be in core/search_query.h). Every
// reading of q is looked up, and every hit the token's tenant may see is a
// match: an event by its id, a vendor's id through each source's event id
// (mapping::hookEventId, so no payload is read), a dead letter by its
// number, entities and a correlation id through broker/store/search_store.h.
//
// Another tenant's ids give exactly the answer an unknown id gives: the same
// empty list and the same hint, which names only what the token may see.
// q is checked on the network thread; the look-ups run on the reader pool.

#include "broker/auth.h"
#include "broker/gateway/api.h"
#include "broker/store/search_store.h"
#include "core/protocol/search.h"

namespace meshdeck {

class BrokerCore;

class SearchApi {
public:
    explicit SearchApi(BrokerCore& core);

    void search(const ApiRequest& req, const Principal& p, const Respond& respond);

private:
    protocol::SearchAnswer answer(const SearchQuery& query, std::size_t limit,
                                  const Principal& p) const;

    BrokerCore& core_;
    SearchStore store_;
};

} // namespace meshdeck
