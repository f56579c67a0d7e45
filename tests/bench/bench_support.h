#pragma once
// What the benchmarks that measure meshd against nats-server share: the
// command line, child processes that die with the benchmark (even after a
// SIGKILL), a watchdog for the hard time limit and SIGINT/SIGTERM, a
// nats-server with JetStream on 127.0.0.1, meshd as a child process on
// 127.0.0.1, a nats.c connection, the ~512-byte LeadScored events both systems
// get, POSTing them to meshd from several connections, percentiles and a
// description of the machine.
//
// Threads: the child registry and the watchdog are thread-safe; everything
// else belongs to the thread that made it. Plain C++, nats.c and meshdeck's
// core and HTTP client; no Qt.

#include "core/uuid.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nats/nats.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace meshdeck::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct BenchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The first failure any thread saw; the others stop early.
struct Failure {
    std::mutex mutex;
    std::string first;
    std::atomic<bool> failed{false};
    void set(const std::string& message);
    std::string message();
};

// "..." after the first n characters: answers quoted in error messages.
std::string clip(const std::string& text, std::size_t n = 400);

// Names the calling thread (15 characters at most), for threadCpuByName().
void nameThisThread(const char* name);

// ---- the command line ----------------------------------------------------------------------

// Reads "--flag value" and "--flag=value" arguments in order. --help and -h
// print `usage` and exit 0; every error is a BenchError.
class ArgReader {
public:
    ArgReader(int argc, char** argv, const char* usage);
    // Moves to the next flag; false after the last.
    bool next();
    const std::string& flag() const { return flag_; }
    // The flag's value: after its '=', or the next argument.
    std::string value();
    // The value as a positive integer.
    std::size_t count();
    // "unknown argument '--x'", then the usage.
    [[noreturn]] void rejectFlag() const;

private:
    int argc_;
    char** argv_;
    const char* usage_;
    int index_ = 0;
    std::string flag_;
    std::optional<std::string> inlineValue_;
};

// The flags every benchmark here takes, with the same meaning; each
// benchmark's Options derive from this.
struct RunOptions {
    explicit RunOptions(int defaultTimeoutSeconds) : timeoutSeconds(defaultTimeoutSeconds) {}
    std::string natsServer = "nats-server"; // --nats-server PATH
    int timeoutSeconds;                     // --timeout SECONDS: the watchdog's limit
    bool quick = false;                     // --quick: small counts, a correctness smoke run

    // Takes the reader's current flag if it is one of these; otherwise
    // rejects it as unknown.
    void takeFlag(ArgReader& args);
    // natsServer as a path: found on PATH, or checked as given.
    void resolveNatsServer();
};

// ---- processes -----------------------------------------------------------------------------

// "nats-server" -> "/usr/sbin/nats-server"; a path is checked as given.
std::string resolveOnPath(const std::string& name, const std::string& hint);
// The last `bytes` of a log file, for error messages.
std::string tailOf(const fs::path& file, std::size_t bytes = 2000);

class Child {
public:
    // Starts argv[0] (a path) with stdin from /dev/null, stdout and stderr to
    // logFile, or stdout to a pipe read with readLine().
    Child(std::string name, const std::vector<std::string>& argv, const fs::path& logFile,
          bool pipeStdout);
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();

    const fs::path& logFile() const { return log_; }
    // Its argv joined with spaces, for the report.
    const std::string& commandLine() const { return commandLine_; }
    pid_t pid() const { return pid_; } // -1 once reaped
    bool exited();                     // reaps it if so
    // One line of its stdout; nullopt at EOF or the deadline.
    std::optional<std::string> readLine(Clock::time_point deadline);
    // From now on its stdout is appended to the log file by a thread of its
    // own, so the child never blocks on a full pipe.
    void drainStdout();
    // SIGTERM, up to `grace`, then SIGKILL. waitpid's status, or -1 when killed.
    int stop(std::chrono::milliseconds grace);
    std::string describeExit() const; // "meshd exited with status 1"

private:
    void reaped(int status);

    std::string name_;
    fs::path log_;
    std::string commandLine_;
    pid_t pid_ = -1;
    int out_ = -1;
    int status_ = 0;
    bool killed_ = false;
    std::string buffer_;
    std::atomic<bool> stopDraining_{false};
    std::thread drainer_;
};

// Runs a short command and returns its first stdout line ("?" on failure).
std::string firstLineOf(const std::vector<std::string>& argv, const fs::path& scratch);

// Kills every child still running and waits until they are gone (from any
// thread, also from the watchdog).
void killRegisteredChildren();

// Removes a directory tree, retrying while another thread (the watchdog, the
// main thread) or a dying child removes or writes in it at the same time.
void removeTree(const fs::path& dir);

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (call it before any
// other thread starts, so they all inherit the mask) and starts the watchdog:
// at `limit`, or on one of the signals, it kills the children, removes
// `tmpDir` and exits (124 on the timeout, 128+signal).
void startWatchdog(const char* program, std::chrono::seconds limit, const fs::path& tmpDir);
// When the watchdog is ending the run, blocks for good (the watchdog exits
// the process with its own code); otherwise returns at once. For the main
// thread's failure path, which the killed children usually set off.
void yieldToWatchdog();

// Runs a benchmark's `body` in a fresh directory <temp>/<program>.XXXXXX,
// under the watchdog (`limit`; call this before any other thread starts),
// with nats.c open and SIGPIPE ignored; then kills any child left and
// removes the directory. Returns the exit code: 0; 1 when `body` threw (its
// message goes to stderr as "<program>: FAIL: ..."); 2 when the run could
// not be set up. A timeout or a signal exits from the watchdog instead.
int runBenchmark(const char* program, std::chrono::seconds limit,
                 const std::function<void(const fs::path& dir)>& body);

// The main of a benchmark that starts meshd: reads the options with
// parse(argc, argv) (a BenchError or any other exception: its message and
// exit code 2), checks that options.meshd exists (2 when not), then runs
// body(options, dir) under runBenchmark with options.timeoutSeconds.
template <class Options>
int meshdBenchmarkMain(const char* program, int argc, char** argv, Options (*parse)(int, char**),
                       const std::function<void(const Options&, const fs::path& dir)>& body) {
    Options options;
    try {
        options = parse(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return 2;
    }
    if (!fs::exists(options.meshd)) {
        std::fprintf(stderr, "%s: meshd not found at %s (build it, or pass --meshd PATH)\n",
                     program, options.meshd.c_str());
        return 2;
    }
    return runBenchmark(program, std::chrono::seconds(options.timeoutSeconds),
                        [&](const fs::path& dir) { body(options, dir); });
}

// ---- network -------------------------------------------------------------------------------

std::uint16_t freeLoopbackPort();
bool loopbackAccepts(std::uint16_t port);

// ---- meshd ---------------------------------------------------------------------------------

// Prometheus text (meshd's /metrics) as "name{labels}" -> value.
using MetricSeries = std::map<std::string, double>;
MetricSeries parsePrometheus(const std::string& text);

// How a histogram grew between two scrapes.
struct HistogramDelta {
    std::vector<std::pair<double, double>> cumulative; // (upper bound, count), +Inf last
    double count = 0, sum = 0;
    double mean() const { return count > 0 ? sum / count : 0; }
    // Upper bound of the bucket holding the q-th value.
    double quantileBound(double q) const;
    // The share of observations above `bound`, one of the bucket bounds
    // (NaN for any other value or an empty delta).
    double shareAbove(double bound) const;
};
// `labels` without braces ("route=\"/v1/events\""), empty for none.
HistogramDelta histogramDelta(const MetricSeries& before, const MetricSeries& after,
                              const std::string& name, const std::string& labels = {});
// "+Inf" or "%g": a bucket bound for the report.
std::string bucketBound(double v);

// meshd's writer between two scrapes: its group commits, the requests
// (write jobs) each carried, and their BEGIN-to-durable-COMMIT time.
struct CommitStats {
    double commits = 0;
    double checkpointPasses = 0, walRewinds = 0, walRestarts = 0;
    HistogramDelta jobs, latencyMs;
    std::size_t events = 0; // events published in between, for events/commit
};
CommitStats commitStats(const MetricSeries& before, const MetricSeries& after, std::size_t events);
// "    commits (<phase>): 812 group commits, requests/commit mean 2.5 ..."
void printCommitStats(const char* phase, const CommitStats& c);

// The meshd to start: $MESHDECK_BIN_DIR/meshd (CTest sets it), else the
// build tree's <this executable's dir>/../../app/meshd.
std::string defaultMeshdBinary();

// meshd as a child process:
//   meshd --data dir/data --listen 127.0.0.1:0 --config dir/meshd.json --durability MODE
// with stdout and stderr in dir/meshd.log. The config file holds `settings`
// (the text of a JSON object: "consumers", ...) and, unless `settings` has
// its own, limits that never throttle a benchmark (publish rate and burst
// 1e9 per token, 1,000,000 queued events). The URL and the admin token come
// from the lines meshd prints at start ("meshd 0.1.0 listening on http://...",
// "admin token: ...").
class MeshdProcess {
public:
    MeshdProcess(const std::string& binary, const fs::path& dir, const std::string& durability,
                 const std::string& settings = "{}");

    const std::string& url() const { return url_; }
    std::uint16_t port() const { return port_; }
    const std::string& token() const { return token_; }
    const std::string& commandLine() const { return child_->commandLine(); }
    pid_t pid() const { return child_->pid(); }
    const fs::path& logFile() const { return child_->logFile(); }

    // The body of a 200 answer to GET target, on a connection of its own.
    std::string get(const std::string& target);
    MetricSeries metrics() { return parsePrometheus(get("/metrics")); }
    void checkAlive();
    // SIGTERM; throws unless it exits with status 0 within 30 s.
    void stop();

private:
    std::optional<Child> child_;
    std::string url_, token_;
    std::uint16_t port_ = 0;
};

// ---- nats-server ---------------------------------------------------------------------------

std::string natsError(natsStatus s, const char* what, jsErrCode jerr = static_cast<jsErrCode>(0));

// nats-server -js on 127.0.0.1, a free port, its store under dir/store.
class NatsServer {
public:
    NatsServer(const std::string& binary, const fs::path& dir);
    std::string url() const;
    std::string commandLine() const { return child_->commandLine(); }
    pid_t pid() const { return child_->pid(); }
    void checkAlive();
    void stop();

private:
    std::uint16_t port_ = 0;
    std::optional<Child> child_;
};

// One connection with its JetStream context; no reconnects. With `sendAsap`
// every publish and ack goes out at once (natsOptions_SetSendAsap, what
// nats.h advises for latency); without it nats.c buffers them for up to a
// millisecond, which suits throughput.
class NatsConn {
public:
    NatsConn(const std::string& url, jsOptions* jsOpts, bool sendAsap = false);
    ~NatsConn();
    NatsConn(const NatsConn&) = delete;
    NatsConn& operator=(const NatsConn&) = delete;
    natsConnection* nc() const { return nc_; }
    jsCtx* js() const { return js_; }

private:
    void close();
    natsConnection* nc_ = nullptr;
    jsCtx* js_ = nullptr;
};

// Adds a file-storage stream, retrying while JetStream is still starting.
void addFileStream(jsCtx* js, const char* name, const char* subject);
std::uint64_t streamMessages(jsCtx* js, const char* name);

// ---- the workload ----------------------------------------------------------------------------

constexpr std::size_t kEventBytes = 512;

// What differs between the benchmarks' LeadScored events.
struct LeadScored {
    std::string correlation;             // correlation_id is "bench-" + this
    std::string lead;                    // entity.id and payload.lead_id
    std::optional<std::int64_t> version; // entity.version
    std::size_t score = 0;               // payload.score
    std::string payloadFields;           // more payload members: ",\"seq_no\":7"
};

struct Event {
    std::string id; // event_id, a UUIDv7
    std::string json;
};

// LeadScored events of kEventBytes (payload.notes pads them), all with the
// factory's occurred_at: the same bytes go to meshd and to JetStream.
class EventFactory {
public:
    EventFactory();
    Event make(const LeadScored& fields);

private:
    UuidV7Generator ids_;
    std::string occurredAt_;
};

// ---- meshd over HTTP ---------------------------------------------------------------------------

// Per publishing connection, its request bodies (JSON arrays of events), each
// with how many events it holds.
using EventBodies = std::vector<std::vector<std::pair<std::string, std::size_t>>>;

// POSTs each connection's bodies to url/v1/events, in order, one thread and
// keep-alive connection per entry of `bodies` (connected before the clock
// starts, requests time out after `timeout`). Every answer must be 202 with
// all events accepted; the first that is not stops them all and throws
// "<what>: connection 2: POST of 100 events answered ...". Returns the
// seconds from the first POST to the last answer.
double postEventBodies(const std::string& url, const std::string& token, const EventBodies& bodies,
                       std::chrono::milliseconds timeout, const std::string& what);

// ---- figures and the machine ---------------------------------------------------------------

struct Latency {
    std::size_t n = 0;
    double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};
// Nearest-rank percentiles of `ms`.
Latency summarise(std::vector<double> ms);

// ---- rounds ----------------------------------------------------------------------------------

// The median of `v` (the mean of the middle two for an even count; 0 when empty).
double median(std::vector<double> v);
// Each figure's median over rounds, field by field (n: the median count).
Latency medianOf(const std::vector<Latency>& rounds);
// Rounds that compare meshd with JetStream alternate their order, so that
// the machine's drift over a run favours neither: meshd first in rounds 1,
// 3, ..., JetStream first in rounds 2, 4, ... `round` counts from 0. Prints
// "######## round 2 of 3 (JetStream first)" when there is more than one
// round; true when JetStream goes first.
bool startRound(std::size_t round, std::size_t rounds);

double msSince(Clock::time_point start);
std::string loadAverage(); // "0.52 0.58 0.59"
// A report's "command:", "machine:", "load average at start:" and "data dir:"
// lines: what the figures depend on besides the code.
void printRunContext(int argc, char** argv, const fs::path& dataDir);
// "nats-server: /usr/sbin/nats-server (nats-server: v2.9.10); nats.c client 3.4.1"
void printNatsVersions(const std::string& natsServer, const fs::path& scratchDir);

// CPU time (user + system, seconds) of a process's threads by name
// ("meshd-delivery", "bench_delivery", ...), summed over threads of a name:
// this process's, or those of child `pid` (empty once it is gone).
std::vector<std::pair<std::string, double>> threadCpuByName(pid_t pid = 0);
// CPU time (user + system, seconds) of the whole process, threads that have
// ended included: this process, or child `pid` (0 once it is gone).
double processCpuSeconds(pid_t pid = 0);

} // namespace meshdeck::bench
