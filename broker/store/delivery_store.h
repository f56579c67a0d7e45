#pragma once
// Delivery state on disk (format version 2, described in database.cpp):
// consumers, progress, version gate, attempts, dead letters, outcomes and the
// per-minute history.
//
// Threads: writes are batched by the delivery engine into one DeliveryWrites
// and queued on the database's writer thread as one job, so progress rides
// along with the next group commit instead of fighting it for the lock.
// Reads borrow a read connection and may run on any thread.

#include "broker/store/database.h"
#include "core/consumer_spec.h"
#include "core/failure.h"
#include "core/protocol/dead_letter.h"
#include "core/time.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace meshdeck {

struct StoredConsumer {
    ConsumerSpec spec;
    Timestamp createdAt{};
    Timestamp updatedAt{};
};

struct ConsumerProgress {
    std::int64_t ackFloor = 0;
    std::set<std::int64_t> settledAbove; // settled seqs > ackFloor
    std::map<std::string, std::int64_t> entityVersions;
};

// AttemptRecord, DeadLetter and DeadLetterState (with its words) are in
// core/protocol/dead_letter.h: the API shows them as they are stored.

struct OutcomeRecord {
    std::string consumer;
    std::int64_t seq = 0;
    std::string eventId;
    std::string correlationId;
    std::string eventType;
    std::string outcomeJson;
    Timestamp at{};
    std::int64_t latencyMs = 0;
};

struct MinuteRecord {
    std::string consumer;
    Timestamp minute{};
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
    std::int64_t retried = 0;
    std::int64_t dead = 0;
    std::int64_t lagCount = 0;
    std::int64_t lagAgeMs = 0;
    double p50Ms = 0;
    double p99Ms = 0;
};

struct DeadLetterResolution {
    std::int64_t id = 0;
    DeadLetterState state = DeadLetterState::Replayed;
    Timestamp at{};
    std::string actor;
    std::string reason;
    std::string payloadOverride; // edit-and-replay: the edited payload, kept as lineage
};

// Everything the engine wants written in one job.
struct DeliveryWrites {
    std::map<std::string, std::int64_t> ackFloors;
    std::vector<std::pair<std::string, std::int64_t>> settledAbove;
    std::vector<std::tuple<std::string, std::string, std::int64_t>> entityVersions;
    std::vector<AttemptRecord> attempts;
    std::vector<DeadLetter> deadLetters;
    std::vector<DeadLetterResolution> resolutions;
    std::vector<OutcomeRecord> outcomes;
    std::vector<MinuteRecord> minutes;
    std::optional<Timestamp> pruneHistoryBefore;

    bool empty() const {
        return ackFloors.empty() && settledAbove.empty() && entityVersions.empty() &&
               attempts.empty() && deadLetters.empty() && resolutions.empty() && outcomes.empty() &&
               minutes.empty() && !pruneHistoryBefore;
    }
    std::size_t weight() const {
        return 1 + attempts.size() + deadLetters.size() + settledAbove.size();
    }
};

struct DeadLetterQuery {
    std::optional<std::string> consumer;
    std::optional<std::string> signature;
    std::optional<std::string> tenant;
    std::optional<DeadLetterState> state = DeadLetterState::Open;
    std::int64_t beforeId = 0;
    int limit = 100;
};

class DeliveryStore {
public:
    explicit DeliveryStore(Database& db);

    // Consumers declared through the API (and the config's, as last seen).
    std::vector<StoredConsumer> loadConsumers() const;
    // Control-plane writes (rare), queued on the writer and never refused for
    // backpressure: done(error) runs on the writer thread after the commit,
    // error empty on success. They never block the caller.
    using WriteDone = std::function<void(const std::string& error)>;
    void saveConsumer(const ConsumerSpec& spec, Timestamp now, WriteDone done);
    // Removes the consumer and its progress; its history and dead letters stay.
    void deleteConsumer(const std::string& name, WriteDone done);

    ConsumerProgress loadProgress(const std::string& consumer) const;

    // Queued on the writer (never refused for backpressure). done(error) runs
    // after the commit, on the writer thread.
    void write(DeliveryWrites writes, std::function<void(const std::string&)> done = {});

    std::vector<AttemptRecord> attemptsFor(const std::string& consumer, std::int64_t seq) const;
    std::vector<AttemptRecord> attemptsByCorrelation(const std::string& correlationId) const;
    std::vector<DeadLetter> deadLetters(const DeadLetterQuery& query) const;
    std::optional<DeadLetter> deadLetter(std::int64_t id) const;
    std::vector<DeadLetter> deadLettersByCorrelation(const std::string& correlationId) const;
    // With a tenant, only that tenant's letters are grouped.
    std::vector<DeadLetterGroup>
    deadLetterGroups(const std::optional<std::string>& consumer,
                     const std::optional<std::string>& tenant = std::nullopt) const;
    std::vector<OutcomeRecord> outcomesByCorrelation(const std::string& correlationId) const;
    std::vector<MinuteRecord> history(const std::string& consumer, Timestamp since) const;

private:
    Database& db_;
};

} // namespace meshdeck
