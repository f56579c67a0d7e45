#pragma once
// The event log: an append-only, durable sequence of canonical events with a
// position (seq) per event, unique event ids and the reads the gateway,
// delivery engine and console need. SqliteEventLog is the embedded
// implementation; a NATS JetStream one is the scale-out path. Both must pass
// tests/store/event_log_suite.

#include "core/event.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

enum class AppendStatus {
    Appended,  // committed with a new seq
    Duplicate, // event_id already in the log for this tenant: seq is the original
    Conflict,  // event_id already used by another tenant: refused, nothing written
};

struct AppendOutcome {
    AppendStatus status = AppendStatus::Appended;
    std::int64_t seq = 0;
    Timestamp ingestedAt{};
};

struct AppendResult {
    bool ok = false;   // false: nothing of the request was committed
    std::string error; // why, when !ok ("queue full", "disk I/O error ...")
    bool queueFull = false;
    std::vector<AppendOutcome> outcomes; // one per input event, in order
    // The batch, handed back so the caller can answer from it and free it off
    // the log's thread. Appended events carry their seq and ingestedAt; they
    // are the same objects the commit listener was given.
    std::vector<EventPtr> events;
};

using AppendCallback = std::function<void(AppendResult)>;

// What one commit appended: new events only (no duplicates, nothing refused),
// ascending seq, each with its seq and ingestedAt set.
using CommitListener = std::function<void(std::vector<EventPtr> committed)>;

struct EventQuery {
    std::optional<std::string> eventType;
    std::optional<std::string> tenantId; // unset: every tenant (admin only)
    std::optional<std::string> entityKind;
    std::optional<std::string> entityId;
    std::optional<std::string> correlationId;
    std::optional<std::string> producer;
    std::optional<Timestamp> since; // occurred_at >= since
    std::optional<Timestamp> until; // occurred_at <  until
    std::int64_t afterSeq = 0;      // cursor: only seq > afterSeq
    int limit = 100;                // 1..1000
};

struct EventPage {
    std::vector<Event> events;                // ascending seq
    std::optional<std::int64_t> nextAfterSeq; // set when more may follow
};

struct RetentionPolicy {
    std::optional<std::chrono::hours> maxAge;
    std::optional<std::int64_t> maxBytes; // approximate size of stored events
    // Events at or above this seq are kept whatever their age: consumers have
    // not acknowledged them yet. 0 means no consumer holds anything back.
    std::int64_t protectFromSeq = 0;
};

struct RetentionResult {
    std::int64_t deleted = 0;
    std::int64_t firstSeq = 0; // lowest seq still stored (0 when empty)
};

struct LogStats {
    std::int64_t firstSeq = 0; // lowest seq stored, 0 when empty
    std::int64_t lastSeq = 0;  // highest seq ever assigned, kept when retention empties the log
    std::int64_t count = 0;
    std::int64_t bytes = 0; // payload bytes stored
};

class EventLog {
public:
    virtual ~EventLog() = default;

    // Appends a batch atomically (all or nothing). Events must have event_id
    // set. `done` runs once, on a log thread, after the batch is durable (per
    // the log's durability setting) or has failed; it must not block.
    // Returns false at once, without calling done, when the log's queue is full.
    virtual bool append(std::vector<Event> events, AppendCallback done) = 0;

    // The one way to hear of new events, whoever appended them. The listener
    // is called once per commit that appended anything, in seq order, from
    // one thread at a time, never before the events are durable in the log's
    // configured mode, and never twice for one event. Set it before the first
    // append; it must not block (hand the events over and return).
    virtual void setCommitListener(CommitListener listener) = 0;

    virtual std::optional<Event> get(const std::string& eventId) const = 0;
    // Events with seq in [fromSeq, fromSeq + max), ascending.
    virtual std::vector<Event> readFrom(std::int64_t fromSeq, int max) const = 0;
    virtual EventPage query(const EventQuery& query) const = 0;
    virtual LogStats stats() const = 0;

    // Deletes the oldest events: those ingested more than maxAge ago, then more
    // while the stored payload bytes exceed maxBytes; always a prefix of the
    // log, never at or above protectFromSeq. Seqs are never reused.
    virtual RetentionResult applyRetention(const RetentionPolicy& policy) = 0;

    // Stops accepting appends, commits everything queued, then returns.
    virtual void drain() = 0;
};

} // namespace meshdeck
