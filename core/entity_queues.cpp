#include "core/entity_queues.h"

namespace meshdeck::delivery {

void EntityQueues::push(const std::string& key, Item item, bool front) {
    auto& q = queues_[key];
    if (front)
        q.items.push_front(std::move(item));
    else
        q.items.push_back(std::move(item));
    ++buffered_;
    markReady(key);
}

void EntityQueues::markReady(const std::string& key) {
    auto it = queues_.find(key);
    if (it == queues_.end())
        return;
    auto& q = it->second;
    if (q.queued || q.inFlight || q.items.empty() || q.blocked())
        return;
    q.queued = true;
    ready_.push_back(key);
}

void EntityQueues::popHead(const std::string& key) {
    auto it = queues_.find(key);
    if (it == queues_.end() || it->second.items.empty())
        return;
    auto& q = it->second;
    q.items.pop_front();
    --buffered_;
    q.gapSince.reset();
    q.notBefore = {};
    if (q.items.empty() && !q.inFlight && !q.blocked() && !q.queued)
        queues_.erase(it);
    else
        markReady(key);
}

void EntityQueues::take() {
    if (ready_.empty())
        return;
    if (auto it = queues_.find(ready_.front()); it != queues_.end())
        it->second.queued = false;
    ready_.pop_front();
}

EntityQueue* EntityQueues::find(const std::string& key) {
    auto it = queues_.find(key);
    return it == queues_.end() ? nullptr : &it->second;
}

void EntityQueues::leaveLine(std::unordered_map<std::string, EntityQueue>::iterator it) {
    EntityQueue& q = it->second;
    q.queued = false;
    ready_.pop_front();
    if (q.items.empty() && !q.inFlight && !q.blocked())
        queues_.erase(it);
}

} // namespace meshdeck::delivery
