// bench_delivery: the delivery engine's throughput to a webhook sink and its
// publish-to-deliver latency to a WebSocket subscriber, the latter side by
// side with a nats-server JetStream push consumer, all in one run on
// 127.0.0.1.
//
//   bench_delivery [--events N] [--durability full|normal] [--rate N] [--seconds N]
//                  [--connections N] [--entities N] [--parts throughput,latency]
//                  [--rounds N] [--meshd PATH] [--samples FILE] [--nats-server PATH]
//                  [--timeout SECONDS] [--quick]
//
// 1. Webhook throughput. An in-process broker (fresh data dir per row) and a
//    tests/support SinkServer (2 io threads, bodies not recorded, answers 200),
//    both in this process: the sink is in this process anyway, and the bar is
//    far from what two cores allow either way.
//    The consumer has max_concurrency 64; rows for ordering "none" and
//    ordering "entity" (10,000 entities, versions 1, 2, ... per entity), each
//    started two ways:
//      backlog: N events are published first (4 connections x POSTs of 100),
//               then the clock runs from POST /v1/consumers until the sink
//               has received N requests;
//      live:    the consumer exists first; the clock runs from the first
//               publish until the sink has received N (bounded by ingest).
//    Bar (the issue): >= 10,000 events/s.
// 2. Latency at a fixed rate (default 2,000 events/s for 20 s per system),
//    in --rounds rounds (default 3; --quick: 1 round of 3 s). The order
//    alternates so that the machine's drift favours neither side: meshd
//    first in rounds 1, 3, ..., JetStream first in rounds 2, 4, ... (shared
//    with bench_ingest: startRound() in bench_support). Each event carries
//    the publisher's steady-clock time (payload.sent_ns; publisher and
//    receiver share this process and its clock); the receiver takes
//    now - sent_ns on arrival, then acks. Both servers run as child
//    processes (a fresh data dir / store per run), the clients in this
//    process: the same layout for both.
//      meshd:     the built meshd binary (--meshd), a fresh data dir, the
//                 consumer declared in its config file (ordering "entity"
//                 over 1,000 entities, max_concurrency 100); 16 connections
//                 (--connections), one event per POST, paced open loop; a
//                 WebSocket client on /v1/subscribe (max_in_flight 100) acks
//                 every delivery at once. HTTP and WebSocket writes go out
//                 at once.
//      JetStream: nats-server -js; one connection, js_PublishMsgAsync paced
//                 the same way, to a file-storage stream; a push consumer
//                 (js_Subscribe, AckExplicit, MaxAckPending 100) acks every
//                 message at once. Every connection of the latency run sets
//                 natsOptions_SetSendAsap(true): by default nats.c buffers a
//                 publish or an ack for up to 1 ms, which nats.h advises
//                 against for latency. (The throughput runs of bench_ingest
//                 keep the default buffering, which is right for throughput.)
//    Latency is taken two ways: from each event's send time, and from each
//    event's due time on the schedule (a publisher that was blocked and sent
//    late adds its wait, so a stall is not hidden: coordinated omission).
//    The summary prints every round's figures (p50, p90, p99, p99.9, max)
//    both ways and, with more than one round, each figure's median over
//    rounds per system.
//    Bar: meshd WebSocket p99 <= JetStream p99 at the same rate, from each
//    event's due time, medians over rounds; printed as met / NOT MET with
//    the ratio (and each round's ratio). The send-time figures are printed
//    for reference. For attribution each meshd run also prints POST -> 202
//    (ingest alone), next to meshd's own request timer and group commits
//    (/metrics before and after); per event the delivery's arrival minus
//    its 202's (what delivery adds after the commit); the consumer's
//    in_flight sampled from /v1/consumers; and, with --samples, every
//    event's figures of the last meshd run as CSV.
//    Durability: meshd "full" delivers only what is fsynced; JetStream
//    (nats-server 2.9 syncs about every two minutes) stores, acknowledges and
//    delivers before fsync. meshd "normal" is the like-for-like mode.
//
// Checks while measuring, in every run of either system: every publish
// answered 202 / PubAck (a refusal, an error or a missing PubAck fails the
// run), every event arrives (a stall of 30 s without progress fails the run;
// the JetStream stream must hold every message), no event arrives twice (a
// duplicate fails the run), no error frames or unreadable events, and at the
// end the consumer's ack floor covers the log. Any failure exits 1; the bars
// never do. meshd and nats-server are killed on every exit path.

#include "broker/broker.h"
#include "broker/client/mesh_client.h"
#include "broker/log.h"
#include "core/uuid.h"
#include "tests/bench/bench_support.h"
#include "tests/support/sink_server.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <latch>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <unistd.h>
#include <unordered_set>

using namespace meshdeck;
using namespace meshdeck::bench;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock; // not meshdeck::Clock, the injectable wall clock

constexpr const char* kProgram = "bench_delivery";
constexpr std::size_t kPublishConnections = 4;
constexpr std::size_t kBatch = 100;
constexpr int kWebhookConcurrency = 64;
constexpr int kMaxInFlight = 100; // WebSocket max_in_flight = JetStream MaxAckPending
constexpr std::size_t kLatencyEntities = 1000;
constexpr auto kStallLimit = 30s; // no progress for this long: the benchmark is broken
constexpr double kThroughputBar = 10'000;
constexpr const char* kStream = "BENCHLAT";

// ---------------------------------------------------------------------------
// Options

struct Options : RunOptions {
    Options() : RunOptions(900) {}
    std::size_t events = 100'000;
    std::string durability = "full";
    double rate = 2'000;
    int seconds = 20;
    // Publisher connections in the latency run: each waits for its 202 (in
    // durability full, for the fsync) before its next event is due.
    std::size_t connections = 16;
    std::size_t entities = 10'000;
    std::string meshd = defaultMeshdBinary();
    std::string samplesCsv; // --samples FILE: the meshd latency run's figures per event
    std::size_t rounds = 3; // --rounds N: latency rounds, the order alternated; medians
    bool throughput = true;
    bool latency = true;
};

constexpr const char* kUsage =
    R"(usage: bench_delivery [--events N] [--durability full|normal] [--rate N] [--seconds N]
                      [--connections N] [--entities N] [--parts throughput,latency]
                      [--rounds N] [--meshd PATH] [--samples FILE] [--nats-server PATH]
                      [--timeout SECONDS] [--quick]

Measures meshd's delivery engine on 127.0.0.1 in one run: webhook delivery
throughput to a local HTTP sink (ordering none and entity; backlog and live),
and publish -> deliver latency to a WebSocket subscriber at a fixed rate, side
by side with a nats-server JetStream push consumer at the same rate. The
throughput rows run meshd's broker in this process; the latency runs start
meshd and nats-server as child processes.

  --events N          events per throughput row (default 100000)
  --durability MODE   meshd durability: full (fsync before 202, default) or normal
  --rate N            latency workload, events per second (default 2000)
  --seconds N         latency workload duration per system (default 20)
  --connections N     meshd publisher connections in the latency run (default 16)
  --entities N        entities in the ordering=entity throughput rows (default 10000)
  --parts LIST        throughput and/or latency (default both)
  --rounds N          latency rounds (default 3; 1 with --quick): meshd first in odd
                      rounds, JetStream first in even ones; the bar is judged on the
                      medians over rounds
  --meshd PATH        meshd binary for the latency run (default $MESHDECK_BIN_DIR/meshd,
                      else <bench dir>/../../app/meshd)
  --samples FILE      write the last meshd latency run per event as CSV: seq_no, sent_ms
                      (since the schedule's start), post_ms (POST -> 202), deliver_ms
  --nats-server PATH  nats-server binary (default: nats-server on PATH)
  --timeout SECONDS   hard limit for the whole run (default 900)
  --quick             4000 events per row, 3 s per latency run, 1 round: a correctness
                      smoke run
)";

Options parseOptions(int argc, char** argv) {
    Options o;
    std::optional<std::size_t> events, seconds, rounds;
    for (ArgReader args(argc, argv, kUsage); args.next();) {
        const std::string& arg = args.flag();
        if (arg == "--events") {
            events = args.count();
        } else if (arg == "--durability") {
            o.durability = args.value();
            if (o.durability != "full" && o.durability != "normal")
                throw BenchError("--durability takes full or normal, got '" + o.durability + "'");
        } else if (arg == "--rate") {
            o.rate = static_cast<double>(std::min<std::size_t>(args.count(), 100'000));
        } else if (arg == "--seconds") {
            seconds = std::min<std::size_t>(args.count(), 3600);
        } else if (arg == "--connections") {
            o.connections = std::min<std::size_t>(args.count(), 256);
        } else if (arg == "--rounds") {
            rounds = std::min<std::size_t>(args.count(), 99);
        } else if (arg == "--meshd") {
            o.meshd = args.value();
        } else if (arg == "--samples") {
            o.samplesCsv = args.value();
        } else if (arg == "--entities") {
            o.entities = std::max(args.count(), kPublishConnections);
        } else if (arg == "--parts") {
            const std::string list = args.value();
            o.throughput = o.latency = false;
            std::stringstream in(list);
            for (std::string part; std::getline(in, part, ',');) {
                if (part == "throughput")
                    o.throughput = true;
                else if (part == "latency")
                    o.latency = true;
                else
                    throw BenchError("--parts takes throughput and/or latency, got '" + part + "'");
            }
        } else {
            o.takeFlag(args); // --nats-server, --timeout, --quick
        }
    }
    o.events = events.value_or(o.quick ? 4'000 : 100'000);
    o.seconds = static_cast<int>(seconds.value_or(o.quick ? 3 : 20));
    o.rounds = rounds.value_or(o.quick ? 1 : 3);
    return o;
}

// ---------------------------------------------------------------------------
// Events: ~512-byte LeadScored, the same bytes for meshd and JetStream.

struct EventShape {
    std::size_t seqNo = 0;  // payload.seq_no: which event this is (0-based)
    std::size_t entity = 0; // lead L-<entity>
    std::optional<std::int64_t> version;
    std::optional<std::int64_t> sentNs; // payload.sent_ns: the publisher's steady clock
};

// The JSON of the event with this shape.
std::string makeEvent(EventFactory& factory, const EventShape& shape) {
    LeadScored fields;
    fields.correlation = std::to_string(shape.seqNo);
    fields.lead = "L-" + std::to_string(shape.entity);
    fields.version = shape.version;
    fields.score = shape.seqNo % 101;
    fields.payloadFields = ",\"seq_no\":" + std::to_string(shape.seqNo);
    if (shape.sentNs)
        fields.payloadFields += ",\"sent_ns\":" + std::to_string(*shape.sentNs);
    return factory.make(fields).json;
}

// payload.sent_ns and the receivers' clock: steady, one process.
std::int64_t nanosOf(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// The non-negative integer after "key": in text, or -1. Enough for the
// fields this benchmark writes itself; a full parse would add to the figures.
std::int64_t intField(std::string_view text, std::string_view quotedKey) {
    const auto at = text.find(quotedKey);
    if (at == std::string_view::npos)
        return -1;
    std::int64_t v = 0;
    bool any = false;
    for (std::size_t i = at + quotedKey.size(); i < text.size() && text[i] >= '0' && text[i] <= '9';
         ++i) {
        v = v * 10 + (text[i] - '0');
        any = true;
    }
    return any ? v : -1;
}

// ---------------------------------------------------------------------------
// meshd: its consumer API, and the broker in this process

// The consumer routes this benchmark uses, on meshd in this process or in a
// child. Each call opens a connection of its own.
class ConsumerApi {
public:
    ConsumerApi(std::string url, std::string token)
        : url_(std::move(url)), token_(std::move(token)) {}

    MeshClient client() const {
        MeshClient c(url_, token_);
        c.setTimeout(30s);
        return c;
    }

    void create(const json& spec) const {
        const auto r = client().postJson("/v1/consumers", spec.dump());
        if (r.status != 201)
            throw BenchError("POST /v1/consumers answered " + std::to_string(r.status) + " " +
                             r.error + ": " + clip(r.body) + "\nspec: " + spec.dump());
    }

    json status(const std::string& name) const {
        const auto r = client().get("/v1/consumers/" + name);
        if (r.status != 200)
            throw BenchError("GET /v1/consumers/" + name + " answered " + std::to_string(r.status) +
                             " " + r.error + ": " + clip(r.body));
        return json::parse(r.body);
    }

    // Waits until the consumer's ack floor reaches `lastSeq` with nothing in
    // flight (acks are folded in asynchronously); returns its status.
    json settled(const std::string& name, std::int64_t lastSeq) const {
        const auto deadline = Clock::now() + 15s;
        for (;;) {
            json s = status(name);
            if (s.value("ack_floor", std::int64_t{-1}) >= lastSeq &&
                s["lag"].value("events", std::int64_t{-1}) == 0)
                return s;
            if (Clock::now() > deadline)
                throw BenchError("consumer " + name + " did not settle: ack floor " +
                                 s["ack_floor"].dump() + ", expected " + std::to_string(lastSeq) +
                                 "; status: " + clip(s.dump(), 800));
            std::this_thread::sleep_for(50ms);
        }
    }

private:
    std::string url_, token_;
};

// The throughput rows' meshd: meshdeck::Broker in this process.
class InProcessBroker {
public:
    InProcessBroker(const fs::path& dir, const std::string& durability) {
        BrokerConfig config;
        config.dataDir = dir / "data";
        config.listen = ListenAddress{"127.0.0.1", 0};
        config.durability = durability == "full" ? Durability::Full : Durability::Normal;
        config.publishRatePerToken = 1e9;
        config.publishBurstPerToken = 1e9;
        config.maxQueuedEvents = 1'000'000;
        // Threads inherit the creator's name: the broker's io and reader
        // threads show up as meshd-net in the CPU breakdown.
        nameThisThread("meshd-net");
        broker_ = std::make_unique<Broker>(std::move(config));
        broker_->start();
        nameThisThread("bench-main");
        if (!broker_->initialAdminToken())
            throw BenchError("a fresh data dir gave no admin token");
        token_ = *broker_->initialAdminToken();
    }
    ~InProcessBroker() { broker_->stop(); }

    std::string url() const { return broker_->url(); }
    const std::string& token() const { return token_; }
    ConsumerApi api() const { return {url(), token_}; }

private:
    std::unique_ptr<Broker> broker_;
    std::string token_;
};

json consumerFilter() {
    return {{"event_types", {"LeadScored"}}, {"tenant", "acme"}};
}

// ---------------------------------------------------------------------------
// Per-thread CPU over a phase: who did the work.

// Of this process, or of child `pid`.
class CpuMeter {
public:
    explicit CpuMeter(pid_t pid = 0)
        : pid_(pid), processBefore_(processCpuSeconds(pid)), before_(threadCpuByName(pid)),
          started_(Clock::now()) {}
    // "2.50 s CPU (83 % of a core) in 3.00 s wall: meshd-delivery 2.10 s (70 %), ..."
    // The total is the process's, threads that ended included; the
    // breakdown lists threads still running that used >= 2 % of the phase.
    std::string report() const {
        const double wall = msSince(started_) / 1000.0;
        const double total = std::max(0.0, processCpuSeconds(pid_) - processBefore_);
        std::map<std::string, double> used;
        for (const auto& [name, cpu] : threadCpuByName(pid_))
            used[name] += cpu;
        for (const auto& [name, cpu] : before_)
            if (auto it = used.find(name); it != used.end())
                it->second = std::max(0.0, it->second - cpu);
        std::vector<std::pair<double, std::string>> rows;
        for (const auto& [name, cpu] : used)
            if (cpu >= 0.02 * wall)
                rows.emplace_back(cpu, name);
        std::sort(rows.rbegin(), rows.rend());
        char buf[128];
        std::snprintf(buf, sizeof buf, "%.2f s CPU (%.0f %% of a core) in %.2f s wall:", total,
                      wall > 0 ? 100 * total / wall : 0.0, wall);
        std::string out = buf;
        for (const auto& [cpu, name] : rows) {
            std::snprintf(buf, sizeof buf, " %s %.2f s (%.0f %%),", name.c_str(), cpu,
                          100 * cpu / wall);
            out += buf;
        }
        if (out.back() == ',')
            out.pop_back();
        return out;
    }

private:
    pid_t pid_;
    double processBefore_;
    std::vector<std::pair<std::string, double>> before_;
    Clock::time_point started_;
};

// ---------------------------------------------------------------------------
// 1. Webhook throughput

struct ThroughputRow {
    std::string ordering; // "none" or "entity"
    bool live = false;
    std::size_t events = 0;
    double publishSeconds = 0;
    double deliverSeconds = 0; // from consumer creation (backlog) / first publish (live)
    double tailSeconds = 0;    // live: from the last 202 to the last delivery
    std::size_t received = 0;  // by the sink (duplicates included)
    json status;               // the consumer's status once settled
    double rate() const {
        return deliverSeconds > 0 ? static_cast<double>(events) / deliverSeconds : 0;
    }
    double publishRate() const {
        return publishSeconds > 0 ? static_cast<double>(events) / publishSeconds : 0;
    }
};

// Per publisher connection, its request bodies (JSON arrays of up to kBatch
// events) and their sizes. An entity's events all go through one connection,
// in version order, so commit order keeps each entity's versions in order.
EventBodies makeBodies(std::size_t events, std::size_t entities) {
    EventFactory factory;
    EventBodies bodies(kPublishConnections);
    const std::size_t perConnection = std::max<std::size_t>(entities / kPublishConnections, 1);
    std::size_t seqNo = 0;
    for (std::size_t c = 0; c < kPublishConnections; ++c) {
        const std::size_t share =
            events / kPublishConnections + (c < events % kPublishConnections ? 1 : 0);
        std::string body;
        std::size_t inBody = 0;
        for (std::size_t n = 0; n < share; ++n) {
            EventShape shape;
            shape.seqNo = seqNo++;
            shape.entity = c + kPublishConnections * (n % perConnection);
            shape.version = static_cast<std::int64_t>(n / perConnection) + 1;
            body += inBody ? ',' : '[';
            body += makeEvent(factory, shape);
            if (++inBody == kBatch || n + 1 == share) {
                body += ']';
                bodies[c].emplace_back(std::move(body), inBody);
                body.clear();
                inBody = 0;
            }
        }
    }
    return bodies;
}

// 4 connections, each POSTing its bodies one after another. Returns seconds.
double publishBodies(const InProcessBroker& broker, const EventBodies& bodies) {
    return postEventBodies(broker.url(), broker.token(), bodies, 30s, "publishing");
}

// What the throughput sink received: distinct events (by webhook-id) apart
// from repeats, so the clock stops at the n-th distinct event and a repeat
// cannot make a run look faster.
struct SinkTally {
    std::mutex mutex;
    std::unordered_set<std::string> ids; // guarded by mutex
    std::atomic<std::size_t> distinct{0};
    std::atomic<std::size_t> repeats{0};

    test::SinkServer::Handler handler() {
        return [this](const test::SinkRequest& r) {
            const auto id = r.headers.find("webhook-id");
            if (id != r.headers.end()) {
                std::lock_guard lock(mutex);
                if (ids.insert(id->second).second)
                    ++distinct;
                else
                    ++repeats;
            }
            return test::SinkReply{};
        };
    }
};

// Waits until the sink has `n` distinct events; returns when the n-th
// arrived (to the 1 ms poll). Fails after kStallLimit without progress, or at
// once when the publisher failed.
Clock::time_point waitForSink(const SinkTally& tally, std::size_t n, const ConsumerApi& api,
                              const std::string& consumer, Failure* publisher = nullptr) {
    std::size_t last = tally.distinct;
    auto progressAt = Clock::now();
    for (;;) {
        const std::size_t now = tally.distinct;
        if (now >= n)
            return Clock::now();
        if (publisher && publisher->failed)
            throw BenchError(publisher->message());
        if (now != last) {
            last = now;
            progressAt = Clock::now();
        } else if (Clock::now() - progressAt > kStallLimit) {
            throw BenchError("the sink has received " + std::to_string(now) + " of " +
                             std::to_string(n) + " deliveries and nothing more for " +
                             std::to_string(kStallLimit.count()) +
                             " s; consumer status: " + clip(api.status(consumer).dump(), 1200));
        }
        std::this_thread::sleep_for(1ms);
    }
}

json webhookSpec(const std::string& name, const std::string& url, const std::string& ordering) {
    return {{"name", name},
            {"filter", consumerFilter()},
            {"sink", {{"type", "webhook"}, {"url", url}, {"timeout_ms", 10'000}}},
            {"ordering", ordering},
            {"max_concurrency", kWebhookConcurrency}};
}

ThroughputRow runThroughputRow(const Options& o, const std::string& ordering, bool live,
                               const fs::path& dir) {
    ThroughputRow row;
    row.ordering = ordering;
    row.live = live;
    row.events = o.events;
    const std::size_t entities = ordering == "entity" ? o.entities : o.events;
    const EventBodies bodies = makeBodies(o.events, entities);

    InProcessBroker broker(dir, o.durability);
    nameThisThread("sink-io");
    SinkTally tally;
    test::SinkServer sink(tally.handler(), 2);
    nameThisThread("bench-main");
    sink.setRecordBodies(false);
    const std::string name = "bench-" + ordering;
    const json spec = webhookSpec(name, sink.url(), ordering);

    std::printf("\n-- ordering %s, %s: %zu events%s --\n", ordering.c_str(),
                live ? "live (consumer exists while publishing)"
                     : "backlog (published first, then the consumer is created)",
                o.events,
                ordering == "entity"
                    ? (", " + std::to_string(std::min(entities, o.events)) + " entities").c_str()
                    : "");
    std::fflush(stdout);

    if (!live) {
        row.publishSeconds = publishBodies(broker, bodies);
        std::printf("  published %zu in %.3f s (%.0f events/s); consumer created now\n", o.events,
                    row.publishSeconds, row.publishRate());
        std::fflush(stdout);
        CpuMeter cpu;
        const auto t0 = Clock::now();
        broker.api().create(spec);
        const auto done = waitForSink(tally, o.events, broker.api(), name);
        row.deliverSeconds = std::chrono::duration<double>(done - t0).count();
        std::printf("  cpu: %s\n", cpu.report().c_str());
    } else {
        broker.api().create(spec);
        CpuMeter cpu;
        Failure failure;
        const auto t0 = Clock::now();
        Clock::time_point published{};
        std::thread publisher([&] {
            try {
                row.publishSeconds = publishBodies(broker, bodies);
            } catch (const std::exception& e) {
                failure.set(e.what());
            }
            published = Clock::now();
        });
        Clock::time_point done{};
        try {
            done = waitForSink(tally, o.events, broker.api(), name, &failure);
        } catch (...) {
            publisher.join();
            throw;
        }
        publisher.join();
        if (failure.failed)
            throw BenchError(failure.message());
        row.deliverSeconds = std::chrono::duration<double>(done - t0).count();
        row.tailSeconds = std::max(0.0, std::chrono::duration<double>(done - published).count());
        std::printf("  published %zu in %.3f s (%.0f events/s) while delivering\n", o.events,
                    row.publishSeconds, row.publishRate());
        std::printf("  cpu: %s\n", cpu.report().c_str());
    }
    std::printf(
        "  delivered %zu in %.3f s = %.0f events/s%s\n", o.events, row.deliverSeconds, row.rate(),
        live ? (" (last delivery " + std::to_string(static_cast<int>(row.tailSeconds * 1000)) +
                " ms after the last 202)")
                   .c_str()
             : "");

    // Checks: the consumer settled the whole log, exactly once.
    row.status = broker.api().settled(name, static_cast<std::int64_t>(o.events));
    std::this_thread::sleep_for(100ms); // a late duplicate would show here
    row.received = sink.requestCount();
    const auto delivered = row.status["totals"].value("delivered", std::int64_t{-1});
    const auto failed = row.status["totals"].value("failed_attempts", std::int64_t{-1});
    const auto& lat = row.status["delivery_latency"];
    std::printf("  check: sink requests %zu, consumer delivered %lld, failed attempts %lld, ack "
                "floor %s (expected %zu); the engine's own delivery_latency p50 %s ms, p99 %s "
                "ms, max %s ms\n",
                row.received, static_cast<long long>(delivered), static_cast<long long>(failed),
                row.status["ack_floor"].dump().c_str(), o.events,
                lat.value("p50_ms", json()).dump().c_str(),
                lat.value("p99_ms", json()).dump().c_str(),
                lat.value("max_ms", json()).dump().c_str());
    if (delivered != static_cast<std::int64_t>(o.events))
        throw BenchError("consumer " + name + " reports " + std::to_string(delivered) +
                         " delivered, expected " + std::to_string(o.events));
    // A repeat needs a reason: an attempt that failed (a timeout, a reset)
    // after the sink had the request. None is asked for here.
    if (tally.distinct != o.events)
        throw BenchError("the sink received " + std::to_string(tally.distinct.load()) +
                         " distinct events, expected " + std::to_string(o.events));
    if (tally.repeats > static_cast<std::size_t>(std::max<std::int64_t>(failed, 0)))
        throw BenchError("the sink received " + std::to_string(tally.repeats.load()) +
                         " repeated events but only " + std::to_string(failed) +
                         " attempts failed: more duplicates than redelivery explains");
    std::fflush(stdout);
    return row;
}

// ---------------------------------------------------------------------------
// 2. Latency: the paced workload and what each receiver records

struct Received {
    std::vector<double> latencyMs; // by seq_no; NaN until it arrives
    std::size_t distinct = 0;
    std::size_t duplicates = 0;
    std::size_t unreadable = 0;

    explicit Received(std::size_t n) : latencyMs(n, std::numeric_limits<double>::quiet_NaN()) {}
    // One arrival, at `now`, of an event text holding seq_no and sent_ns.
    void arrived(std::string_view text, Clock::time_point now) {
        const auto seqNo = intField(text, "\"seq_no\":");
        const auto sentNs = intField(text, "\"sent_ns\":");
        if (seqNo < 0 || sentNs < 0 || static_cast<std::size_t>(seqNo) >= latencyMs.size()) {
            ++unreadable;
            return;
        }
        double& slot = latencyMs[static_cast<std::size_t>(seqNo)];
        if (!std::isnan(slot)) {
            ++duplicates;
            return;
        }
        const auto nowNs = nanosOf(now);
        slot = static_cast<double>(nowNs - sentNs) / 1e6;
        ++distinct;
    }
    Latency summary() const {
        std::vector<double> ms;
        ms.reserve(distinct);
        for (double v : latencyMs)
            if (!std::isnan(v))
                ms.push_back(v);
        return summarise(std::move(ms));
    }
    // Measured from when each event was due instead of when it was sent: a
    // publisher that waited (a blocked connection) adds its wait, so a stall
    // is not hidden by sending late (coordinated omission). `sentMs` is each
    // event's send time since the schedule's start.
    Latency summaryFromSchedule(const std::vector<double>& sentMs, double rate) const {
        std::vector<double> ms;
        ms.reserve(distinct);
        for (std::size_t i = 0; i < latencyMs.size() && i < sentMs.size(); ++i)
            if (!std::isnan(latencyMs[i]) && !std::isnan(sentMs[i]))
                ms.push_back(latencyMs[i] + sentMs[i] - 1000.0 * static_cast<double>(i) / rate);
        return summarise(std::move(ms));
    }
};

// When event i is due: i / rate after the start.
struct Pace {
    Clock::time_point start;
    double rate;
    Clock::time_point due(std::size_t i) const {
        return start + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(static_cast<double>(i) / rate));
    }
};

// How well a publisher kept to the schedule.
struct PaceReport {
    double sendSeconds = 0;    // first due time to the last send
    double maxBehindMs = 0;    // the latest any event was sent after it was due
    std::size_t behind5ms = 0; // events sent more than 5 ms after they were due
    void merge(const PaceReport& other) {
        sendSeconds = std::max(sendSeconds, other.sendSeconds);
        maxBehindMs = std::max(maxBehindMs, other.maxBehindMs);
        behind5ms += other.behind5ms;
    }
    void sentAt(const Pace& pace, std::size_t i, Clock::time_point at) {
        const double behind = std::chrono::duration<double, std::milli>(at - pace.due(i)).count();
        maxBehindMs = std::max(maxBehindMs, behind);
        if (behind > 5)
            ++behind5ms;
        sendSeconds = std::chrono::duration<double>(at - pace.start).count();
    }
};

struct LatencyRun {
    std::string system;
    std::string layout;          // where the server ran: "meshd child process", ...
    std::size_t connections = 0; // publisher connections
    std::size_t sent = 0;
    Latency latency;
    PaceReport pace;
    std::size_t duplicates = 0;
    Latency fromSchedule;            // from each event's due time, not its send time
    std::optional<Latency> ingest;   // meshd: POST -> 202 of the same events
    std::optional<Latency> afterAck; // meshd: per event, delivery arrival minus 202 arrival
};

void printLatencyRun(const LatencyRun& r) {
    std::printf("  published %zu in %.2f s (%.0f/s); sent up to %.1f ms behind schedule, %zu "
                "events more than 5 ms behind\n",
                r.sent, r.pace.sendSeconds,
                r.pace.sendSeconds > 0 ? static_cast<double>(r.sent) / r.pace.sendSeconds : 0,
                r.pace.maxBehindMs, r.pace.behind5ms);
    std::printf("  received %zu (duplicates %zu): p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 "
                "%.3f ms  max %.3f ms  (mean %.3f ms)\n",
                r.latency.n, r.duplicates, r.latency.p50, r.latency.p90, r.latency.p99,
                r.latency.p999, r.latency.max, r.latency.mean);
    const Latency& d = r.fromSchedule;
    std::printf("    from each event's due time (a late send adds its wait): p50 %.3f ms  p90 %.3f "
                "ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms\n",
                d.p50, d.p90, d.p99, d.p999, d.max);
}

// Waits until `distinct()` reaches n; fails after kStallLimit without progress.
template <typename Count>
void waitForAll(Count distinct, std::size_t n, const std::string& who,
                const std::function<std::string()>& evidence) {
    std::size_t last = distinct();
    auto progressAt = Clock::now();
    while (last < n) {
        std::this_thread::sleep_for(5ms);
        const std::size_t now = distinct();
        if (now != last) {
            last = now;
            progressAt = Clock::now();
        } else if (Clock::now() - progressAt > kStallLimit) {
            throw BenchError(who + " received " + std::to_string(now) + " of " + std::to_string(n) +
                             " events and nothing more for " + std::to_string(kStallLimit.count()) +
                             " s" + evidence());
        }
    }
}

// ---------------------------------------------------------------------------
// 2a. meshd: a WebSocket subscriber on /v1/subscribe

// Subscribes, then on its own thread reads every frame, records the event's
// latency and acks it at once. One outstanding write at a time (Beast's rule):
// acks queue in outbox_ while one is being written.
class WsSubscriber {
public:
    WsSubscriber(std::uint16_t port, const std::string& token, const std::string& consumer,
                 std::size_t expected)
        : received_(expected) {
        auto& socket = beast::get_lowest_layer(ws_).socket();
        socket.connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port));
        socket.set_option(tcp::no_delay(true));
        ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
            req.set(http::field::authorization, "Bearer " + token);
        }));
        ws_.read_message_max(1 << 20);
        ws_.handshake("127.0.0.1:" + std::to_string(port), "/v1/subscribe");
        ws_.text(true);
        ws_.write(net::buffer(
            json{{"type", "subscribe"}, {"consumer", consumer}, {"max_in_flight", kMaxInFlight}}
                .dump()));
        ws_.read(buffer_);
        const std::string first = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        const json answer = json::parse(first, nullptr, false);
        if (answer.is_discarded() || answer.value("type", "") != "subscribed")
            throw BenchError("/v1/subscribe answered " + clip(first) +
                             ", expected {\"type\":\"subscribed\",...}");
        thread_ = std::thread([this] {
            nameThisThread("bench-ws-client");
            read();
            io_.run();
        });
    }
    ~WsSubscriber() { stop(); }

    std::size_t distinct() const { return distinct_.load(std::memory_order_acquire); }

    // Closes the connection and joins the thread; results are readable after.
    void stop() {
        if (!thread_.joinable())
            return;
        net::post(io_, [this] {
            stopping_ = true;
            timer_.expires_after(2s);
            timer_.async_wait([this](beast::error_code) { io_.stop(); });
            ws_.async_close(websocket::close_code::normal,
                            [this](beast::error_code) { io_.stop(); });
        });
        thread_.join();
    }

    // After stop().
    const Received& received() const { return received_; }
    const std::vector<std::string>& errors() const { return errors_; }
    std::size_t acks() const { return acks_; }

private:
    void read() {
        ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
            const auto now = Clock::now();
            if (ec) {
                if (!stopping_)
                    errors_.push_back("the connection ended: " + ec.message());
                return;
            }
            const auto data = buffer_.data();
            onFrame(std::string_view(static_cast<const char*>(data.data()), data.size()), now);
            buffer_.consume(buffer_.size());
            read();
        });
    }

    void onFrame(std::string_view text, Clock::time_point now) {
        static constexpr std::string_view deliver = R"({"type":"deliver",)";
        if (text.substr(0, deliver.size()) != deliver) {
            // "error" frames, or anything unexpected: keep them for the report.
            if (errors_.size() < 20)
                errors_.push_back(std::string(text.substr(0, 300)));
            return;
        }
        received_.arrived(text, now);
        distinct_.store(received_.distinct, std::memory_order_release);
        const auto id = intField(text, "\"delivery_id\":");
        if (id < 0) {
            errors_.push_back("a deliver frame without delivery_id: " +
                              std::string(text.substr(0, 200)));
            return;
        }
        outbox_.push_back("{\"type\":\"ack\",\"delivery_id\":" + std::to_string(id) + "}");
        if (outbox_.size() == 1)
            write();
    }

    void write() {
        ws_.async_write(net::buffer(outbox_.front()), [this](beast::error_code ec, std::size_t) {
            if (ec) {
                if (!stopping_)
                    errors_.push_back("writing an ack: " + ec.message());
                return;
            }
            ++acks_;
            outbox_.pop_front();
            if (!outbox_.empty())
                write();
        });
    }

    net::io_context io_;
    websocket::stream<beast::tcp_stream> ws_{io_};
    net::steady_timer timer_{io_};
    beast::flat_buffer buffer_;
    std::deque<std::string> outbox_;
    // Owned by the client thread until stop() returns.
    Received received_;
    std::vector<std::string> errors_;
    std::size_t acks_ = 0;
    bool stopping_ = false;
    std::atomic<std::size_t> distinct_{0};
    std::thread thread_;
};

LatencyRun runMeshdLatency(const Options& o, const fs::path& dir) {
    LatencyRun run;
    run.system = "meshd";
    run.layout = "meshd child process";
    run.connections = o.connections;
    const auto total = static_cast<std::size_t>(o.rate * o.seconds);
    run.sent = total;
    const std::string name = "bench-ws";
    const json spec = {{"name", name},
                       {"filter", consumerFilter()},
                       {"sink", {{"type", "websocket"}, {"ack_timeout_ms", 30'000}}},
                       {"ordering", "entity"},
                       {"max_concurrency", kMaxInFlight}};
    MeshdProcess meshd(o.meshd, dir, o.durability, json{{"consumers", json::array({spec})}}.dump());
    const ConsumerApi api(meshd.url(), meshd.token());
    api.status(name); // declared in the config file, so it exists once meshd listens
    std::printf("\n== meshd (child process, durability %s) -> WebSocket subscriber ==\n"
                "  started: %s (pid %d)\n  on %s; publishers and subscriber in this process\n"
                "  consumer (config file): %s\n  subscriber: /v1/subscribe, max_in_flight %d, "
                "acks each delivery at once\n  publishers: %zu connections, one event per POST, "
                "%zu events at %.0f/s (%d s)\n",
                o.durability.c_str(), meshd.commandLine().c_str(), static_cast<int>(meshd.pid()),
                meshd.url().c_str(), spec.dump().c_str(), kMaxInFlight, o.connections, total,
                o.rate, o.seconds);
    std::fflush(stdout);

    WsSubscriber subscriber(meshd.port(), meshd.token(), name, total);
    const MetricSeries metricsBefore = meshd.metrics();
    CpuMeter cpu;
    CpuMeter meshdCpu(meshd.pid());
    Failure failure;
    std::vector<PaceReport> paces(o.connections);
    // POST -> 202 by seq_no; each publisher writes only its own seq_nos.
    std::vector<double> postMs(total, std::numeric_limits<double>::quiet_NaN());
    std::vector<double> sentMs(total, std::numeric_limits<double>::quiet_NaN()); // since pace.start
    std::latch ready(static_cast<std::ptrdiff_t>(o.connections) + 1);
    Pace pace{};
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < o.connections; ++c)
        threads.emplace_back([&, c] {
            nameThisThread("bench-publish");
            EventFactory factory;
            MeshClient client = api.client();
            const auto warm = client.get("/healthz");
            ready.arrive_and_wait();
            if (warm.status != 200)
                return failure.set("GET /healthz answered " + std::to_string(warm.status));
            for (std::size_t i = c; i < total && !failure.failed; i += o.connections) {
                std::this_thread::sleep_until(pace.due(i));
                EventShape shape;
                shape.seqNo = i;
                shape.entity = i % kLatencyEntities;
                const auto sent = Clock::now();
                shape.sentNs = nanosOf(sent);
                const auto r = client.postJson("/v1/events", makeEvent(factory, shape));
                postMs[i] = msSince(sent);
                sentMs[i] = std::chrono::duration<double, std::milli>(sent - pace.start).count();
                paces[c].sentAt(pace, i, sent);
                if (r.status != 202)
                    return failure.set("POST of event " + std::to_string(i) + " answered " +
                                       std::to_string(r.status) + " " + r.error + ": " +
                                       clip(r.body));
            }
        });
    // The engine's view while it runs: deliveries it holds unacknowledged
    // (its snapshot is refreshed about every 250 ms).
    std::vector<double> inFlight;
    std::atomic<bool> publishing{true};
    std::thread sampler([&] {
        nameThisThread("bench-sampler");
        MeshClient client = api.client();
        while (publishing) {
            std::this_thread::sleep_for(250ms);
            const auto r = client.get("/v1/consumers/" + name);
            const json j = json::parse(r.body, nullptr, false);
            if (r.status == 200 && !j.is_discarded())
                inFlight.push_back(j.value("in_flight", 0.0));
        }
    });
    pace = Pace{Clock::now() + 50ms, o.rate};
    ready.arrive_and_wait();
    for (auto& t : threads)
        t.join();
    publishing = false;
    sampler.join();
    if (failure.failed)
        throw BenchError("meshd latency publishing: " + failure.message());
    waitForAll([&] { return subscriber.distinct(); }, total, "the WebSocket subscriber",
               [&] { return "; consumer status: " + clip(api.status(name).dump(), 1200); });
    const json status = api.settled(name, static_cast<std::int64_t>(total));
    std::printf("  cpu (this process: publishers, subscriber, sampler): %s\n",
                cpu.report().c_str());
    std::printf("  cpu (meshd, pid %d): %s\n", static_cast<int>(meshd.pid()),
                meshdCpu.report().c_str());
    const MetricSeries metricsAfter = meshd.metrics();
    subscriber.stop();

    for (const auto& p : paces)
        run.pace.merge(p);
    const Received& got = subscriber.received();
    run.latency = got.summary();
    run.fromSchedule = got.summaryFromSchedule(sentMs, o.rate);
    run.duplicates = got.duplicates;
    printLatencyRun(run);
    // Per event, the delivery's arrival minus the 202's: what the engine and
    // the WebSocket add after the commit (negative: delivered first).
    std::vector<double> afterAck;
    for (std::size_t i = 0; i < total; ++i)
        if (!std::isnan(postMs[i]) && !std::isnan(got.latencyMs[i]))
            afterAck.push_back(got.latencyMs[i] - postMs[i]);
    if (!o.samplesCsv.empty()) {
        std::ofstream csv(o.samplesCsv);
        csv << "seq_no,sent_ms,post_ms,deliver_ms\n";
        for (std::size_t i = 0; i < total; ++i)
            csv << i << ',' << sentMs[i] << ',' << postMs[i] << ',' << got.latencyMs[i] << '\n';
        if (!csv)
            throw BenchError("cannot write " + o.samplesCsv);
        std::printf("  per-event figures written to %s\n", o.samplesCsv.c_str());
    }
    std::erase_if(postMs, [](double v) { return std::isnan(v); });
    // Where POST -> 202 goes: meshd's own request timer (request read to
    // answer queued) against this side's, bucket by bucket; what only this
    // side sees is the network, the kernel and waiting for a thread.
    const HistogramDelta served = histogramDelta(
        metricsBefore, metricsAfter, "meshdeck_http_request_duration_ms", "route=\"/v1/events\"");
    std::string shares;
    for (const double bound : {1.0, 2.5, 5.0, 10.0, 25.0}) {
        const auto above = static_cast<double>(
            std::count_if(postMs.begin(), postMs.end(), [bound](double v) { return v > bound; }));
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s> %g ms %.2f %% / %.2f %%", shares.empty() ? "" : ", ",
                      bound, 100 * served.shareAbove(bound),
                      postMs.empty() ? 0.0 : 100 * above / static_cast<double>(postMs.size()));
        shares += buf;
    }
    const Latency ingest = summarise(std::move(postMs));
    run.ingest = ingest;
    std::printf("  for comparison, POST -> 202 (ingest%s): p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  "
                "p99.9 %.3f ms  max %.3f ms\n",
                o.durability == "full" ? ", fsync included" : "", ingest.p50, ingest.p90,
                ingest.p99, ingest.p999, ingest.max);
    std::printf("    POSTs over a bound, meshd's request timer (%.0f requests) / this side: %s\n",
                served.count, shares.c_str());
    printCommitStats("latency run", commitStats(metricsBefore, metricsAfter, total));
    const Latency added = summarise(std::move(afterAck));
    run.afterAck = added;
    std::printf("  per event, delivery arrival minus 202 arrival: p50 %+.3f ms  p90 %+.3f ms  p99 "
                "%+.3f ms  p99.9 %+.3f ms  max %+.3f ms\n",
                added.p50, added.p90, added.p99, added.p999, added.max);
    const Latency held = summarise(inFlight);
    std::printf("  engine in_flight for the consumer, sampled every 250 ms: n=%zu  p50 %.0f  max "
                "%.0f  (cap %d)\n",
                held.n, held.p50, held.max, kMaxInFlight);
    const auto& lat = status["delivery_latency"];
    std::printf("  check: %zu acks sent, ack floor %s (expected %zu), consumer delivered %s; "
                "the engine's own delivery_latency p50 %s ms, p99 %s ms\n",
                subscriber.acks(), status["ack_floor"].dump().c_str(), total,
                status["totals"]["delivered"].dump().c_str(),
                lat.value("p50_ms", json()).dump().c_str(),
                lat.value("p99_ms", json()).dump().c_str());
    if (!subscriber.errors().empty()) {
        std::string all;
        for (const auto& e : subscriber.errors())
            all += "\n    " + e;
        throw BenchError("the WebSocket subscriber saw errors:" + all);
    }
    if (got.unreadable > 0)
        throw BenchError(std::to_string(got.unreadable) +
                         " deliveries lacked payload.seq_no or payload.sent_ns");
    // Nothing here asks for a redelivery: every event acked at once, the ack
    // timeout 30 s. A second delivery is a fault.
    if (got.duplicates > 0)
        throw BenchError("the WebSocket subscriber received " + std::to_string(got.duplicates) +
                         " duplicate deliveries");
    meshd.checkAlive();
    meshd.stop();
    std::fflush(stdout);
    return run;
}

// ---------------------------------------------------------------------------
// 2b. JetStream: a push consumer

struct NatsReceiver {
    explicit NatsReceiver(std::size_t n) : received(n) {}
    Received received; // touched only on the subscription's dispatcher thread
    std::atomic<std::size_t> distinct{0};
    std::atomic<std::size_t> ackErrors{0};
};

void onNatsMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    const auto now = Clock::now();
    auto* r = static_cast<NatsReceiver*>(closure);
    r->received.arrived(std::string_view(natsMsg_GetData(msg),
                                         static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
                        now);
    r->distinct.store(r->received.distinct, std::memory_order_release);
    if (natsMsg_Ack(msg, nullptr) != NATS_OK)
        ++r->ackErrors;
    natsMsg_Destroy(msg);
}

struct PubAckCounter {
    std::atomic<std::size_t> acked{0};
    Failure* failure = nullptr;
};

void onPubAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* c = static_cast<PubAckCounter*>(closure);
    if (pa && !pa->Duplicate)
        ++c->acked;
    else
        c->failure->set(
            "JetStream async publish: " +
            (pa ? std::string("acknowledged as a duplicate")
                : std::string(natsStatus_GetText(pae->Err)) +
                      (pae->ErrText ? std::string(" ") + pae->ErrText : std::string())));
    natsMsg_Destroy(msg);
}

LatencyRun runNatsLatency(const Options& o, const fs::path& dir) {
    LatencyRun run;
    run.system = "JetStream";
    run.layout = "nats-server child process";
    run.connections = 1;
    const auto total = static_cast<std::size_t>(o.rate * o.seconds);
    run.sent = total;
    NatsServer server(o.natsServer, dir);
    std::printf("\n== nats-server JetStream (child process) -> push consumer ==\n  started: %s; "
                "publisher and consumer in this process\n  stream %s: "
                "file storage, subjects lat.>; consumer: js_Subscribe push, AckExplicit, "
                "MaxAckPending %d, acks each message at once (natsMsg_Ack)\n  publisher: 1 "
                "connection, js_PublishMsgAsync (Nats-Msg-Id = event_id), %zu events at %.0f/s "
                "(%d s)\n  connections: natsOptions_SetSendAsap(true), publishes and acks sent "
                "at once\n",
                server.commandLine().c_str(), kStream, kMaxInFlight, total, o.rate, o.seconds);
    std::fflush(stdout);

    // nats.c's threads (one set per connection) show up as nats-client in the CPU breakdown.
    nameThisThread("nats-client");
    jsOptions plain;
    jsOptions_Init(&plain);
    plain.Wait = 30'000;
    // Every connection of the latency run sends each publish and ack at once
    // (natsOptions_SetSendAsap), as meshd's HTTP and WebSocket paths do;
    // nats.c's default buffers them for up to 1 ms.
    constexpr bool kSendAsap = true;
    NatsConn admin(server.url(), &plain, kSendAsap);
    addFileStream(admin.js(), kStream, "lat.>");

    NatsReceiver receiver(total);
    NatsConn subscriberConn(server.url(), &plain, kSendAsap);
    natsSubscription* sub = nullptr;
    {
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = kStream;
        so.ManualAck = true;
        so.Config.AckPolicy = js_AckExplicit;
        so.Config.MaxAckPending = kMaxInFlight;
        so.Config.DeliverPolicy = js_DeliverAll;
        jsErrCode jerr = static_cast<jsErrCode>(0);
        const natsStatus s = js_Subscribe(&sub, subscriberConn.js(), "lat.acme.LeadScored",
                                          onNatsMessage, &receiver, nullptr, &so, &jerr);
        if (s != NATS_OK)
            throw BenchError(natsError(s, "js_Subscribe(lat.acme.LeadScored, push)", jerr));
    }
    struct SubscriptionGuard {
        natsSubscription* sub;
        ~SubscriptionGuard() {
            if (!sub)
                return;
            natsSubscription_Unsubscribe(sub);
            natsSubscription_Destroy(sub);
        }
    } guard{sub};

    Failure failure;
    PubAckCounter counter;
    counter.failure = &failure;
    jsOptions async;
    jsOptions_Init(&async);
    async.Wait = 30'000;
    async.PublishAsync.MaxPending = 10'000;
    async.PublishAsync.AckHandler = onPubAck;
    async.PublishAsync.AckHandlerClosure = &counter;
    NatsConn publisher(server.url(), &async, kSendAsap);
    nameThisThread("bench-main");

    CpuMeter cpu;
    CpuMeter serverCpu(server.pid());
    EventFactory factory;
    UuidV7Generator msgIds;
    std::vector<double> sentMs(total, std::numeric_limits<double>::quiet_NaN()); // since pace.start
    const Pace pace{Clock::now() + 50ms, o.rate};
    for (std::size_t i = 0; i < total && !failure.failed; ++i) {
        std::this_thread::sleep_until(pace.due(i));
        EventShape shape;
        shape.seqNo = i;
        shape.entity = i % kLatencyEntities;
        const auto sent = Clock::now();
        shape.sentNs = nanosOf(sent);
        const std::string body = makeEvent(factory, shape);
        natsMsg* msg = nullptr;
        natsStatus s = natsMsg_Create(&msg, "lat.acme.LeadScored", nullptr, body.data(),
                                      static_cast<int>(body.size()));
        if (s == NATS_OK)
            s = natsMsgHeader_Set(msg, "Nats-Msg-Id", msgIds.next().c_str());
        if (s == NATS_OK)
            s = js_PublishMsgAsync(publisher.js(), &msg, nullptr);
        natsMsg_Destroy(msg); // no-op when the library took it
        run.pace.sentAt(pace, i, sent);
        sentMs[i] = std::chrono::duration<double, std::milli>(sent - pace.start).count();
        if (s != NATS_OK)
            failure.set(natsError(s, "js_PublishMsgAsync"));
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 30'000;
    if (!failure.failed)
        if (const natsStatus s = js_PublishAsyncComplete(publisher.js(), &po); s != NATS_OK)
            failure.set(natsError(s, "js_PublishAsyncComplete"));
    if (failure.failed)
        throw BenchError("JetStream latency publishing: " + failure.message());
    waitForAll([&] { return receiver.distinct.load(std::memory_order_acquire); }, total,
               "the JetStream push consumer", [] { return std::string(); });
    std::printf("  cpu (this process: publisher and consumer client): %s\n", cpu.report().c_str());
    std::printf("  cpu (nats-server, pid %d): %s\n", static_cast<int>(server.pid()),
                serverCpu.report().c_str());
    const auto stored = streamMessages(admin.js(), kStream);
    // Drained, no callback runs any more: the receiver's figures are ours to read.
    if (const natsStatus s = natsSubscription_Drain(sub); s != NATS_OK)
        throw BenchError(natsError(s, "natsSubscription_Drain"));
    if (const natsStatus s = natsSubscription_WaitForDrainCompletion(sub, 10'000); s != NATS_OK)
        throw BenchError(natsError(s, "natsSubscription_WaitForDrainCompletion"));
    natsSubscription_Destroy(sub);
    guard.sub = nullptr;

    const Received& got = receiver.received;
    run.latency = got.summary();
    run.fromSchedule = got.summaryFromSchedule(sentMs, o.rate);
    run.duplicates = got.duplicates;
    printLatencyRun(run);
    std::printf("  check: %zu PubAcks, stream messages %llu (expected %zu), %zu ack errors\n",
                counter.acked.load(), static_cast<unsigned long long>(stored), total,
                receiver.ackErrors.load());
    if (stored != total)
        throw BenchError("the stream holds " + std::to_string(stored) + " messages, expected " +
                         std::to_string(total));
    if (counter.acked != total)
        throw BenchError("JetStream acknowledged " + std::to_string(counter.acked.load()) +
                         " publishes, expected " + std::to_string(total));
    if (receiver.ackErrors > 0 || got.unreadable > 0)
        throw BenchError("JetStream consumer: " + std::to_string(receiver.ackErrors.load()) +
                         " ack errors, " + std::to_string(got.unreadable) + " unreadable messages");
    if (got.duplicates > 0)
        throw BenchError("the JetStream push consumer received " + std::to_string(got.duplicates) +
                         " duplicate messages");
    server.checkAlive();
    server.stop();
    std::fflush(stdout);
    return run;
}

// ---------------------------------------------------------------------------
// Report

void printHeader(const Options& o, int argc, char** argv, const fs::path& tmp) {
    std::printf("bench_delivery: meshd delivery engine (webhook throughput; WebSocket latency vs "
                "nats-server JetStream), one run on 127.0.0.1\n");
    printRunContext(argc, argv, tmp);
    std::printf("meshd: durability %s (%s)\n", o.durability.c_str(),
                o.durability == "full" ? "fsync before 202 and before delivery"
                                       : "202 and delivery before fsync");
    if (o.throughput)
        std::printf("  throughput rows: in this process (meshdeck::Broker %s)\n", MESHDECK_VERSION);
    if (o.latency)
        std::printf("  latency run: child process %s (%s)\n", o.meshd.c_str(),
                    firstLineOf({o.meshd, "--version"}, tmp / "probe.log").c_str());
    if (o.latency)
        printNatsVersions(o.natsServer, tmp);
    std::printf("hard timeout %d s%s\n", o.timeoutSeconds, o.quick ? "; --quick" : "");
    std::fflush(stdout);
}

const char* met(bool ok) {
    return ok ? "met" : "NOT MET";
}

// One latency round: both systems at the same rate, in this order.
struct LatencyRound {
    bool jetStreamFirst = false;
    LatencyRun meshd, nats;
};

// Per round and the medians over rounds, one table for a figure of LatencyRun.
void printLatencyTable(const char* title, const std::vector<LatencyRound>& rounds,
                       Latency LatencyRun::*figure) {
    std::printf("  %s\n", title);
    std::printf("    %-8s %-26s %7s %9s %9s %9s %9s %9s\n", "round", "system", "n", "p50 ms",
                "p90 ms", "p99 ms", "p99.9 ms", "max ms");
    const auto row = [](const std::string& round, const char* system, const Latency& l) {
        std::printf("    %-8s %-26s %7zu %9.3f %9.3f %9.3f %9.3f %9.3f\n", round.c_str(), system,
                    l.n, l.p50, l.p90, l.p99, l.p999, l.max);
    };
    std::vector<Latency> meshd, nats;
    for (std::size_t i = 0; i < rounds.size(); ++i) {
        const auto& r = rounds[i];
        const std::string name = std::to_string(i + 1) + (r.jetStreamFirst ? " (J)" : " (m)");
        row(name, "meshd WebSocket", r.meshd.*figure);
        row(name, "JetStream push consumer", r.nats.*figure);
        meshd.push_back(r.meshd.*figure);
        nats.push_back(r.nats.*figure);
    }
    if (rounds.size() > 1) {
        row("median", "meshd WebSocket", medianOf(meshd));
        row("median", "JetStream push consumer", medianOf(nats));
    }
}

void printSummary(const Options& o, const std::vector<ThroughputRow>& rows,
                  const std::vector<LatencyRound>& rounds) {
    std::printf("\n================ summary (meshd durability %s; 127.0.0.1; load average now %s) "
                "================\n",
                o.durability.c_str(), loadAverage().c_str());
    if (!rows.empty()) {
        std::printf("\n1. webhook delivery throughput: %zu events/row, sink = SinkServer (2 "
                    "threads, 200, bodies not recorded), max_concurrency %d\n",
                    o.events, kWebhookConcurrency);
        std::printf("%-11s %-8s %9s %14s %11s %16s   %-18s %s\n", "ordering", "start", "events",
                    "publish ev/s", "deliver s", "delivered ev/s", "layout", "bar >= 10,000/s");
        for (const auto& r : rows)
            std::printf(
                "%-11s %-8s %9zu %14.0f %11.3f %16.0f   %-18s %s%s\n",
                r.ordering == "entity"
                    ? ("entity/" + std::to_string(std::min(o.entities, o.events) / 1000) + "k")
                          .c_str()
                    : r.ordering.c_str(),
                r.live ? "live" : "backlog", r.events, r.publishRate(), r.deliverSeconds, r.rate(),
                "in-process broker", met(r.rate() >= kThroughputBar),
                r.live && r.publishRate() < kThroughputBar
                    ? " (live is bounded by ingest, below the bar here)"
                    : "");
        std::printf("  backlog: clock from POST /v1/consumers to the sink's N-th request; live: "
                    "from the first publish to the N-th request\n");
    }
    if (!rounds.empty()) {
        std::printf("\n2. publish -> deliver latency at %.0f events/s for %d s per system and "
                    "round, %zu round%s (m: meshd ran first, J: JetStream ran first); acked at "
                    "once\n",
                    o.rate, o.seconds, rounds.size(), rounds.size() == 1 ? "" : "s");
        std::printf("  meshd: %s, durability %s (%s); JetStream: file store, acknowledges and "
                    "delivers before fsync; nats.c connections with SendAsap\n",
                    rounds.front().meshd.layout.c_str(), o.durability.c_str(),
                    o.durability == "full" ? "delivers only after fsync" : "before fsync");
        printLatencyTable(
            "from each event's due time (a publisher's wait counts; the bar's basis):", rounds,
            &LatencyRun::fromSchedule);
        printLatencyTable("from each event's send time (now - payload.sent_ns; for reference):",
                          rounds, &LatencyRun::latency);
        std::vector<Latency> ingest, afterAck;
        std::vector<double> ratios;
        std::string each;
        for (const auto& r : rounds) {
            if (r.meshd.ingest)
                ingest.push_back(*r.meshd.ingest);
            if (r.meshd.afterAck)
                afterAck.push_back(*r.meshd.afterAck);
            const double ratio = r.nats.fromSchedule.p99 > 0
                                     ? r.meshd.fromSchedule.p99 / r.nats.fromSchedule.p99
                                     : 0;
            ratios.push_back(ratio);
            char text[32];
            std::snprintf(text, sizeof text, "%.2fx", ratio);
            each += (each.empty() ? "" : ", ") + std::string(text);
            std::printf("  round %zu publishers behind schedule: meshd %zu connections up to %.1f "
                        "ms, %zu events > 5 ms; JetStream %zu connection up to %.1f ms, %zu events "
                        "> 5 ms\n",
                        ratios.size(), r.meshd.connections, r.meshd.pace.maxBehindMs,
                        r.meshd.pace.behind5ms, r.nats.connections, r.nats.pace.maxBehindMs,
                        r.nats.pace.behind5ms);
        }
        if (!ingest.empty() && !afterAck.empty()) {
            const Latency in = medianOf(ingest), after = medianOf(afterAck);
            std::printf(
                "  meshd's tail, split per event (median over rounds): POST -> 202 p99 %.3f "
                "ms, delivery arrival minus 202 arrival p99 %+.3f ms (p99.9 %+.3f ms)\n",
                in.p99, after.p99, after.p999);
        }
        std::vector<Latency> meshdDue, natsDue;
        for (const auto& r : rounds) {
            meshdDue.push_back(r.meshd.fromSchedule);
            natsDue.push_back(r.nats.fromSchedule);
        }
        const double meshdP99 = medianOf(meshdDue).p99, natsP99 = medianOf(natsDue).p99;
        const std::string basis = rounds.size() > 1
                                      ? "medians over " + std::to_string(rounds.size()) + " rounds"
                                      : std::string("one round");
        std::printf("  bar: meshd WebSocket p99 %.3f ms <= JetStream p99 %.3f ms, from each "
                    "event's due time, %s: %s (ratio %.2fx; per round %s)\n",
                    meshdP99, natsP99, basis.c_str(), met(meshdP99 <= natsP99),
                    natsP99 > 0 ? meshdP99 / natsP99 : 0.0, each.c_str());
        std::printf("  meshd used durability %s%s; JetStream acknowledges (and delivers) before "
                    "fsync.\n",
                    o.durability.c_str(),
                    o.durability == "full"
                        ? " (every delivered event was fsynced first: a stronger promise than "
                          "JetStream's; --durability normal compares like for like)"
                        : " (both before fsync)");
    }
}

// Every part the options ask for, then the summary.
void runParts(const Options& options, int argc, char** argv, const fs::path& tmp) {
    const auto started = Clock::now();
    printHeader(options, argc, argv, tmp);
    std::vector<ThroughputRow> rows;
    if (options.throughput) {
        std::printf("\n== 1. webhook delivery throughput (meshd durability %s) ==\n",
                    options.durability.c_str());
        int n = 0;
        for (const std::string ordering : {"none", "entity"})
            for (const bool live : {false, true}) {
                const fs::path dir = tmp / ("throughput-" + std::to_string(n++));
                rows.push_back(runThroughputRow(options, ordering, live, dir));
                removeTree(dir); // free the disk for the next row
            }
    }
    std::vector<LatencyRound> rounds;
    if (options.latency) {
        std::printf("\n== 2. publish -> deliver latency at %.0f events/s, %zu round%s ==\n",
                    options.rate, options.rounds, options.rounds == 1 ? "" : "s");
        for (std::size_t round = 0; round < options.rounds; ++round) {
            LatencyRound r;
            r.jetStreamFirst = startRound(round, options.rounds);
            if (r.jetStreamFirst)
                r.nats = runNatsLatency(options, tmp / "latency-nats");
            r.meshd = runMeshdLatency(options, tmp / "latency-meshd");
            removeTree(tmp / "latency-meshd"); // free the disk for the next run
            if (!r.jetStreamFirst)
                r.nats = runNatsLatency(options, tmp / "latency-nats");
            removeTree(tmp / "latency-nats");
            rounds.push_back(std::move(r));
        }
    }
    printSummary(options, rows, rounds);
    std::printf("\nall checks passed: every publish was acknowledged (202 / PubAck), every event "
                "reached its receiver exactly once, ack floors cover the log (%.1f s; load "
                "average at end: %s)\n",
                msSince(started) / 1000.0, loadAverage().c_str());
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    try {
        options = parseOptions(argc, argv);
        if (options.latency)
            options.resolveNatsServer();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
        return 2;
    }
    if (options.latency && ::access(options.meshd.c_str(), X_OK) != 0) {
        std::fprintf(stderr, "%s: meshd not found at %s (build it, or pass --meshd PATH)\n",
                     kProgram, options.meshd.c_str());
        return 2;
    }
    nameThisThread("bench-main");
    log::setMinimumLevel(log::Level::Warn);
    return runBenchmark(kProgram, std::chrono::seconds(options.timeoutSeconds),
                        [&](const fs::path& tmp) { runParts(options, argc, argv, tmp); });
}
