// bench_ingest: meshd's durable ingest over HTTP against nats-server
// JetStream, both measured in the same run on 127.0.0.1.
//
//   bench_ingest [--events N] [--latency-samples N] [--modes full,normal]
//                [--meshd PATH] [--nats-server PATH] [--timeout SECONDS] [--quick]
//
// Workloads (the same ~512-byte LeadScored events for both systems):
//   throughput: 4 connections (threads), each sending groups of 100 events:
//     meshd: one POST /v1/events with a JSON array of 100 (202 after commit);
//     JetStream: 100 x js_PublishMsgAsync (Nats-Msg-Id = event_id), then
//     js_PublishAsyncComplete.
//   latency: sequential one-event publishes on one connection:
//     meshd: POST /v1/events with one event; JetStream: js_PublishMsg (waits
//     for the PubAck).
// Durability: meshd "full" fsyncs before answering 202; meshd "normal" and
// JetStream (nats-server 2.9 syncs about every two minutes) answer before the
// data is on disk. Only meshd normal vs JetStream is like for like.
//
// Every answer is checked while measuring (202 / PubAck), and the stored
// counts are checked at the end (GET /healthz `events`, the stream's message
// count). Any failure exits non-zero. Children (meshd, nats-server) are killed
// on every exit path, including the hard timeout and SIGINT/SIGTERM.

#include "broker/client/mesh_client.h"
#include "tests/bench/bench_support.h"

#include <algorithm>
#include <cstdio>
#include <latch>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace meshdeck::bench;
using namespace std::chrono_literals;

namespace {

constexpr const char* kProgram = "bench_ingest";
constexpr std::size_t kConnections = 4;
constexpr std::size_t kBatch = 100;
constexpr const char* kStream = "BENCH";

// ---------------------------------------------------------------------------
// Options

struct Options : RunOptions {
    Options() : RunOptions(300) {}
    std::size_t events = 200'000;
    std::size_t samples = 2'000;
    std::vector<std::string> modes{"full", "normal"};
    std::string meshd;
    std::size_t rounds = 1;
};

constexpr const char* kUsage =
    R"(usage: bench_ingest [--events N] [--latency-samples N] [--modes full,normal]
                    [--meshd PATH] [--nats-server PATH] [--timeout SECONDS] [--quick]

Measures meshd's durable HTTP ingest (throughput: 4 connections x batches of
100 ~512-byte events; latency: sequential one-event POSTs) and nats-server
JetStream's on the same workloads, in one run, on 127.0.0.1 only.

  --events N            events per throughput run (default 200000)
  --latency-samples N   sequential single-event publishes (default 2000)
  --modes LIST          meshd durability modes to run: full, normal (default both)
  --meshd PATH          meshd binary (default $MESHDECK_BIN_DIR/meshd, else
                        <bench dir>/../../app/meshd)
  --nats-server PATH    nats-server binary (default: nats-server on PATH)
  --rounds N            repeat the whole comparison N times, JetStream first in
                        every other round, and print medians (default 1)
  --timeout SECONDS     hard limit for the whole run (default 300)
  --quick               small counts (4000 events, 200 samples): a correctness smoke run
)";

Options parseOptions(int argc, char** argv) {
    Options o;
    std::optional<std::size_t> events, samples;
    for (ArgReader args(argc, argv, kUsage); args.next();) {
        const std::string& arg = args.flag();
        if (arg == "--events") {
            events = args.count();
        } else if (arg == "--rounds") {
            o.rounds = args.count();
        } else if (arg == "--latency-samples") {
            samples = args.count();
        } else if (arg == "--modes") {
            const std::string list = args.value();
            o.modes.clear();
            std::stringstream in(list);
            for (std::string mode; std::getline(in, mode, ',');) {
                if (mode != "full" && mode != "normal")
                    throw BenchError("--modes takes full and/or normal, got '" + mode + "'");
                if (std::find(o.modes.begin(), o.modes.end(), mode) == o.modes.end())
                    o.modes.push_back(mode);
            }
            if (o.modes.empty())
                throw BenchError("--modes needs at least one of full, normal");
        } else if (arg == "--meshd") {
            o.meshd = args.value();
        } else {
            o.takeFlag(args); // --nats-server, --timeout, --quick
        }
    }
    o.events = events.value_or(o.quick ? 4'000 : 200'000);
    o.samples = samples.value_or(o.quick ? 200 : 2'000);
    if (o.meshd.empty())
        o.meshd = defaultMeshdBinary();
    return o;
}

// ---------------------------------------------------------------------------
// The workload: ~512-byte LeadScored events, the same bytes for both systems.

// Connection `stream`'s n-th event.
Event makeEvent(EventFactory& factory, std::size_t stream, std::size_t n) {
    LeadScored fields;
    fields.correlation = std::to_string(stream) + "-" + std::to_string(n);
    fields.lead = "L-" + std::to_string(stream) + "-" + std::to_string(n % 5000);
    fields.score = n % 101;
    return factory.make(fields);
}

// Splits `total` as evenly as possible over `parts`.
std::vector<std::size_t> split(std::size_t total, std::size_t parts) {
    std::vector<std::size_t> out(parts, total / parts);
    for (std::size_t i = 0; i < total % parts; ++i)
        ++out[i];
    return out;
}

// Per connection: its events, grouped in batches of kBatch.
using Batches = std::vector<std::vector<Event>>;
std::vector<Batches> makeWorkload(std::size_t events) {
    EventFactory factory;
    std::vector<Batches> perConnection;
    const auto shares = split(events, kConnections);
    for (std::size_t c = 0; c < kConnections; ++c) {
        Batches batches;
        for (std::size_t n = 0; n < shares[c]; ++n) {
            if (n % kBatch == 0)
                batches.emplace_back().reserve(kBatch);
            batches.back().push_back(makeEvent(factory, c, n));
        }
        perConnection.push_back(std::move(batches));
    }
    return perConnection;
}

// ---------------------------------------------------------------------------
// Results

struct Throughput {
    std::size_t events = 0;
    double seconds = 0;
    double rate() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

void printThroughput(const char* who, const Throughput& t) {
    std::printf("  %-34s %9zu events in %7.3f s = %10.0f events/s\n", who, t.events, t.seconds,
                t.rate());
}

void printLatency(const char* who, const Latency& l) {
    std::printf("  %-34s n=%zu  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (mean %.3f ms)\n", who, l.n,
                l.p50, l.p99, l.max, l.mean);
}

// ---------------------------------------------------------------------------
// meshd

struct MeshdRun {
    std::string mode;
    Throughput throughput;
    Latency latency;
    CommitStats throughputCommits, latencyCommits;
};

std::int64_t storedEventsOf(MeshdProcess& meshd) {
    return nlohmann::json::parse(meshd.get("/healthz")).at("events").get<std::int64_t>();
}

Throughput meshdThroughput(MeshdProcess& meshd, std::size_t events) {
    // Request bodies are built before the clock starts.
    EventBodies bodies(kConnections);
    {
        auto workload = makeWorkload(events);
        for (std::size_t c = 0; c < kConnections; ++c)
            for (const auto& batch : workload[c]) {
                std::string body = "[";
                for (const auto& e : batch) {
                    if (body.size() > 1)
                        body += ',';
                    body += e.json;
                }
                body += ']';
                bodies[c].emplace_back(std::move(body), batch.size());
            }
    }
    Throughput result;
    result.seconds = postEventBodies(meshd.url(), meshd.token(), bodies, 60s, "meshd throughput");
    result.events = events;
    return result;
}

Latency meshdLatency(MeshdProcess& meshd, std::size_t samples) {
    EventFactory factory;
    std::vector<Event> events;
    events.reserve(samples);
    for (std::size_t i = 0; i < samples; ++i)
        events.push_back(makeEvent(factory, kConnections, i));
    meshdeck::MeshClient client(meshd.url(), meshd.token());
    client.setTimeout(30s);
    // One untimed request opens the keep-alive connection.
    if (const auto r = client.get("/healthz"); r.status != 200)
        throw BenchError("meshd latency: GET /healthz answered " + std::to_string(r.status));
    std::vector<double> ms;
    ms.reserve(samples);
    for (std::size_t i = 0; i < samples; ++i) {
        const auto t0 = Clock::now();
        const auto r = client.postJson("/v1/events", events[i].json);
        ms.push_back(msSince(t0));
        if (r.status != 202)
            throw BenchError("meshd latency: single-event POST #" + std::to_string(i) +
                             " answered " + std::to_string(r.status) +
                             (r.error.empty() ? "" : " (" + r.error + ")") +
                             ", expected 202: " + clip(r.body));
    }
    return summarise(std::move(ms));
}

MeshdRun runMeshd(const Options& o, const std::string& mode, const fs::path& dir) {
    MeshdRun run;
    run.mode = mode;
    MeshdProcess meshd(o.meshd, dir, mode);
    std::printf("\n== meshd, durability %s ==\n  started: %s\n  on %s\n", mode.c_str(),
                meshd.commandLine().c_str(), meshd.url().c_str());
    std::fflush(stdout);

    const auto m0 = meshd.metrics();
    run.throughput = meshdThroughput(meshd, o.events);
    const auto m1 = meshd.metrics();
    run.throughputCommits = commitStats(m0, m1, o.events);
    printThroughput("throughput (4 conn x 100/POST):", run.throughput);
    printCommitStats("throughput", run.throughputCommits);
    std::fflush(stdout);

    run.latency = meshdLatency(meshd, o.samples);
    const auto m2 = meshd.metrics();
    run.latencyCommits = commitStats(m1, m2, o.samples);
    printLatency("latency (1 conn, 1 event/POST):", run.latency);
    printCommitStats("latency", run.latencyCommits);

    const auto expected = static_cast<std::int64_t>(o.events + o.samples);
    const auto stored = storedEventsOf(meshd);
    std::printf("  check: GET /healthz events = %lld (expected %lld)\n",
                static_cast<long long>(stored), static_cast<long long>(expected));
    if (stored != expected)
        throw BenchError("meshd " + mode + ": /healthz reports " + std::to_string(stored) +
                         " events stored, expected " + std::to_string(expected));
    meshd.checkAlive();
    meshd.stop();
    std::fflush(stdout);
    return run;
}

// ---------------------------------------------------------------------------
// nats-server JetStream

struct AckCounters {
    std::atomic<std::size_t> acked{0};
    std::atomic<std::size_t> failed{0};
    Failure* failure = nullptr;
};

void onPubAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* c = static_cast<AckCounters*>(closure);
    if (pa && !pa->Duplicate) {
        ++c->acked;
    } else {
        ++c->failed;
        std::string why = pa ? "acknowledged as a duplicate"
                             : std::string("publish failed: ") + natsStatus_GetText(pae->Err) +
                                   (pae->ErrText ? std::string(" ") + pae->ErrText : "");
        c->failure->set("JetStream async publish of " +
                        std::string(natsMsg_GetSubject(msg) ? natsMsg_GetSubject(msg) : "?") +
                        ": " + why);
    }
    natsMsg_Destroy(msg);
}

natsMsg* makeMsg(const Event& e) {
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, "bench.acme.LeadScored", nullptr, e.json.data(),
                                  static_cast<int>(e.json.size()));
    if (s == NATS_OK)
        s = natsMsgHeader_Set(msg, "Nats-Msg-Id", e.id.c_str());
    if (s != NATS_OK) {
        natsMsg_Destroy(msg);
        throw BenchError(natsError(s, "natsMsg_Create"));
    }
    return msg;
}

Throughput natsThroughput(const std::string& url, std::size_t events) {
    auto workload = makeWorkload(events);
    Failure failure;
    std::vector<AckCounters> counters(kConnections);
    std::vector<std::unique_ptr<NatsConn>> conns;
    for (std::size_t c = 0; c < kConnections; ++c) {
        counters[c].failure = &failure;
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.Wait = 30000;
        jo.PublishAsync.MaxPending = 4 * static_cast<std::int64_t>(kBatch);
        jo.PublishAsync.AckHandler = onPubAck;
        jo.PublishAsync.AckHandlerClosure = &counters[c];
        conns.push_back(std::make_unique<NatsConn>(url, &jo));
    }
    std::atomic<std::size_t> acked{0};
    std::latch start(1);
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < kConnections; ++c)
        threads.emplace_back([&, c] {
            jsCtx* js = conns[c]->js();
            AckCounters& counter = counters[c];
            std::size_t sent = 0;
            start.wait();
            for (const auto& batch : workload[c]) {
                if (failure.failed)
                    return;
                for (const auto& e : batch) {
                    natsMsg* msg = nullptr;
                    try {
                        msg = makeMsg(e);
                    } catch (const std::exception& ex) {
                        return failure.set(ex.what());
                    }
                    const natsStatus s = js_PublishMsgAsync(js, &msg, nullptr);
                    natsMsg_Destroy(msg); // no-op when the library took it
                    if (s != NATS_OK)
                        return failure.set(natsError(s, "js_PublishMsgAsync"));
                    ++sent;
                }
                jsPubOptions po;
                jsPubOptions_Init(&po);
                po.MaxWait = 30000;
                if (const natsStatus s = js_PublishAsyncComplete(js, &po); s != NATS_OK)
                    return failure.set(natsError(s, "js_PublishAsyncComplete"));
                // The ack callback may still be finishing for the last message.
                const auto deadline = Clock::now() + 10s;
                while (counter.acked + counter.failed < sent && Clock::now() < deadline)
                    std::this_thread::yield();
                if (counter.acked + counter.failed < sent)
                    return failure.set("JetStream: " + std::to_string(sent) + " published but " +
                                       std::to_string(counter.acked + counter.failed) +
                                       " answered after js_PublishAsyncComplete");
            }
            acked += counter.acked;
        });
    const auto t0 = Clock::now();
    start.count_down();
    for (auto& t : threads)
        t.join();
    Throughput result;
    result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    result.events = acked;
    conns.clear();
    if (failure.failed)
        throw BenchError("JetStream throughput: " + failure.message());
    if (acked != events)
        throw BenchError("JetStream throughput: " + std::to_string(acked.load()) + " of " +
                         std::to_string(events) + " publishes acknowledged");
    return result;
}

Latency natsLatency(const std::string& url, std::size_t samples) {
    EventFactory factory;
    std::vector<Event> events;
    events.reserve(samples);
    for (std::size_t i = 0; i < samples; ++i)
        events.push_back(makeEvent(factory, kConnections, i));
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 30000;
    NatsConn conn(url, &jo);
    std::vector<double> ms;
    ms.reserve(samples);
    for (std::size_t i = 0; i < samples; ++i) {
        natsMsg* msg = makeMsg(events[i]);
        jsPubAck* pa = nullptr;
        jsErrCode jerr = static_cast<jsErrCode>(0);
        const auto t0 = Clock::now();
        const natsStatus s = js_PublishMsg(&pa, conn.js(), msg, nullptr, &jerr);
        ms.push_back(msSince(t0));
        natsMsg_Destroy(msg);
        const bool duplicate = pa && pa->Duplicate;
        jsPubAck_Destroy(pa);
        if (s != NATS_OK)
            throw BenchError("JetStream latency: " + natsError(s, "js_PublishMsg", jerr));
        if (duplicate)
            throw BenchError("JetStream latency: publish #" + std::to_string(i) +
                             " acknowledged as a duplicate");
    }
    return summarise(std::move(ms));
}

struct NatsRun {
    Throughput throughput;
    Latency latency;
};

NatsRun runNats(const Options& o, const fs::path& dir) {
    NatsRun run;
    NatsServer server(o.natsServer, dir);
    std::printf("\n== nats-server JetStream (file storage; acks before fsync) ==\n  started: "
                "%s\n  on %s\n",
                server.commandLine().c_str(), server.url().c_str());
    std::fflush(stdout);
    {
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.Wait = 30000;
        NatsConn admin(server.url(), &jo);
        addFileStream(admin.js(), kStream, "bench.>");
        std::printf("  stream %s: file storage, subjects bench.>, default duplicate window\n",
                    kStream);

        run.throughput = natsThroughput(server.url(), o.events);
        printThroughput("throughput (4 conn x 100 async):", run.throughput);
        const auto afterThroughput = streamMessages(admin.js(), kStream);
        std::printf("  check: stream messages = %llu (expected %zu)\n",
                    static_cast<unsigned long long>(afterThroughput), o.events);
        if (afterThroughput != o.events)
            throw BenchError("JetStream: stream holds " + std::to_string(afterThroughput) +
                             " messages after the throughput run, expected " +
                             std::to_string(o.events));
        std::fflush(stdout);

        run.latency = natsLatency(server.url(), o.samples);
        printLatency("latency (1 conn, sync publish):", run.latency);
        const auto total = streamMessages(admin.js(), kStream);
        std::printf("  check: stream messages = %llu (expected %zu)\n",
                    static_cast<unsigned long long>(total), o.events + o.samples);
        if (total != o.events + o.samples)
            throw BenchError("JetStream: stream holds " + std::to_string(total) +
                             " messages, expected " + std::to_string(o.events + o.samples));
    }
    server.checkAlive();
    server.stop();
    std::fflush(stdout);
    return run;
}

// ---------------------------------------------------------------------------
// Report

void printHeader(const Options& o, int argc, char** argv, const fs::path& tmp) {
    std::printf("bench_ingest: meshd durable HTTP ingest vs nats-server JetStream (same run)\n");
    printRunContext(argc, argv, tmp);
    std::printf("meshd: %s (%s)\n", o.meshd.c_str(),
                firstLineOf({o.meshd, "--version"}, tmp / "probe.log").c_str());
    printNatsVersions(o.natsServer, tmp);
    std::printf("workload: %zu events of %zu bytes JSON (LeadScored), %zu connections x batches "
                "of %zu; %zu sequential single-event publishes for latency; meshd modes: ",
                o.events, kEventBytes, kConnections, kBatch, o.samples);
    for (std::size_t i = 0; i < o.modes.size(); ++i)
        std::printf("%s%s", i ? "," : "", o.modes[i].c_str());
    std::printf("; hard timeout %d s%s\n", o.timeoutSeconds, o.quick ? "; --quick" : "");
    std::fflush(stdout);
}

const char* durabilityLabel(const std::string& mode) {
    return mode == "full" ? "full: fsync before 202" : "normal: 202 before fsync";
}

void printSummary(const std::vector<MeshdRun>& meshd, const NatsRun& nats) {
    std::printf("\n== summary (127.0.0.1; throughput: 4 connections x groups of 100; latency: "
                "sequential single events) ==\n");
    std::printf("%-10s %-28s %14s %10s %10s %10s\n", "system", "durability", "events/s", "p50 ms",
                "p99 ms", "max ms");
    for (const auto& r : meshd)
        std::printf("%-10s %-28s %14.0f %10.3f %10.3f %10.3f\n", "meshd", durabilityLabel(r.mode),
                    r.throughput.rate(), r.latency.p50, r.latency.p99, r.latency.max);
    std::printf("%-10s %-28s %14.0f %10.3f %10.3f %10.3f\n", "JetStream",
                "file store, ack before fsync", nats.throughput.rate(), nats.latency.p50,
                nats.latency.p99, nats.latency.max);
    std::printf("\nratios meshd / JetStream (throughput: above 1 = meshd faster; latency: below "
                "1 = meshd faster)\n");
    std::printf("%-16s %12s %12s %12s %12s   %s\n", "meshd mode", "throughput", "p50 lat",
                "p99 lat", "max lat", "comparable?");
    auto ratio = [](double a, double b) {
        return b > 0 ? a / b : 0.0;
    };
    for (const auto& r : meshd)
        std::printf("%-16s %11.2fx %11.2fx %11.2fx %11.2fx   %s\n", r.mode.c_str(),
                    ratio(r.throughput.rate(), nats.throughput.rate()),
                    ratio(r.latency.p50, nats.latency.p50), ratio(r.latency.p99, nats.latency.p99),
                    ratio(r.latency.max, nats.latency.max),
                    r.mode == "full" ? "no: meshd fsyncs before answering, JetStream does not"
                                     : "yes: both answer before fsync");
}

// Every round (meshd in each mode and JetStream), its summary, and the
// medians when there is more than one round.
void runRounds(const Options& options, int argc, char** argv, const fs::path& tmp) {
    const auto started = Clock::now();
    printHeader(options, argc, argv, tmp);
    // Per mode, each round's meshd rate and its ratio to that round's JetStream rate.
    std::map<std::string, std::vector<double>> rates, ratios;
    std::vector<double> natsRates;
    for (std::size_t round = 0; round < options.rounds; ++round) {
        const bool jetStreamFirst = startRound(round, options.rounds);
        std::optional<NatsRun> nats;
        if (jetStreamFirst)
            nats = runNats(options, tmp / "nats");
        std::vector<MeshdRun> meshdRuns;
        for (const auto& mode : options.modes) {
            meshdRuns.push_back(runMeshd(options, mode, tmp / ("meshd-" + mode)));
            removeTree(tmp / ("meshd-" + mode)); // free the disk for the next run
        }
        if (!nats)
            nats = runNats(options, tmp / "nats");
        removeTree(tmp / "nats");
        printSummary(meshdRuns, *nats);
        natsRates.push_back(nats->throughput.rate());
        for (const auto& run : meshdRuns) {
            rates[run.mode].push_back(run.throughput.rate());
            ratios[run.mode].push_back(run.throughput.rate() / nats->throughput.rate());
        }
    }
    if (options.rounds > 1) {
        std::printf("\n== medians over %zu rounds ==\n", options.rounds);
        std::printf("JetStream  %10.0f events/s\n", median(natsRates));
        for (const auto& mode : options.modes) {
            std::string each;
            for (double r : ratios[mode]) {
                char text[16];
                std::snprintf(text, sizeof text, "%.2fx", r);
                each += (each.empty() ? "" : ", ") + std::string(text);
            }
            std::printf("meshd %-6s %9.0f events/s   ratio %.2fx (rounds: %s)\n", mode.c_str(),
                        median(rates[mode]), median(ratios[mode]), each.c_str());
        }
    }
    std::printf("\nall checks passed: every meshd POST answered 202, every JetStream publish "
                "was acknowledged, stored counts match (%.1f s; load average at end: %s)\n",
                msSince(started) / 1000.0, loadAverage().c_str());
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    try {
        options = parseOptions(argc, argv);
        options.resolveNatsServer();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
        return 2;
    }
    if (!fs::exists(options.meshd)) {
        std::fprintf(stderr, "%s: meshd not found at %s (build it, or pass --meshd PATH)\n",
                     kProgram, options.meshd.c_str());
        return 2;
    }
    return runBenchmark(kProgram, std::chrono::seconds(options.timeoutSeconds),
                        [&](const fs::path& tmp) { runRounds(options, argc, argv, tmp); });
}
