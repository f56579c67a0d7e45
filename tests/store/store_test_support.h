#pragma once
// Helpers for the store tests: parking the writer thread so that tests can
// line up a queue deterministically, and waiting for asynchronous writes.

#include "broker/store/database.h"

#include <future>
#include <memory>
#include <string>

namespace meshdeck::test {

// Parks the Database's writer thread inside a job until release() or
// destruction, so submitted jobs queue up behind it and commit together. The
// constructor returns once the writer is parked (the holding job itself has
// left the queue and no longer counts against maxQueuedWeight); parked()
// is false when the writer refused the job or did not pick it up in time.
class WriterHold {
public:
    explicit WriterHold(Database& db);
    ~WriterHold();
    WriterHold(const WriterHold&) = delete;
    WriterHold& operator=(const WriterHold&) = delete;

    bool parked() const { return parked_; }
    void release();

private:
    std::shared_ptr<std::promise<void>> release_;
    bool parked_ = false;
    bool released_ = false;
};

} // namespace meshdeck::test
