#include "tests/store/store_test_support.h"

#include <chrono>

namespace meshdeck::test {

WriterHold::WriterHold(Database& db) : release_(std::make_shared<std::promise<void>>()) {
    auto entered = std::make_shared<std::promise<void>>();
    auto enteredFuture = entered->get_future();
    std::shared_future<void> released = release_->get_future().share();
    WriteJob job;
    job.bypassBackpressure = true;
    job.apply = [entered, released](sqlite3*) {
        entered->set_value();
        released.wait();
    };
    if (!db.submit(std::move(job))) {
        released_ = true; // nothing to release
        return;
    }
    parked_ = enteredFuture.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
}

WriterHold::~WriterHold() {
    release();
}

void WriterHold::release() {
    if (released_)
        return;
    released_ = true;
    release_->set_value();
}

} // namespace meshdeck::test
