#pragma once
// What the benchmarks that measure against nats-server share: child processes
// that die with the benchmark (even after a SIGKILL), a watchdog for the hard
// time limit and SIGINT/SIGTERM, a nats-server with JetStream on 127.0.0.1,
// a nats.c connection, percentiles and a description of the machine.
//
// Threads: the child registry and the watchdog are thread-safe; everything
// else belongs to the thread that made it. Plain C++ and nats.c, no Qt.
//
// (bench_ingest.cpp holds an earlier copy of the process and nats-server
// parts; it can move onto this file.)

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nats/nats.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
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
    bool exited(); // reaps it if so
    // One line of its stdout; nullopt at EOF or the deadline.
    std::optional<std::string> readLine(Clock::time_point deadline);
    // SIGTERM, up to `grace`, then SIGKILL. waitpid's status, or -1 when killed.
    int stop(std::chrono::milliseconds grace);
    std::string describeExit() const;

private:
    void reaped(int status);

    std::string name_;
    fs::path log_;
    pid_t pid_ = -1;
    int out_ = -1;
    int status_ = 0;
    bool killed_ = false;
    std::string buffer_;
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

// ---- network -------------------------------------------------------------------------------

std::uint16_t freeLoopbackPort();
bool loopbackAccepts(std::uint16_t port);

// ---- nats-server ---------------------------------------------------------------------------

std::string natsError(natsStatus s, const char* what, jsErrCode jerr = static_cast<jsErrCode>(0));

// nats-server -js on 127.0.0.1, a free port, its store under dir/store.
class NatsServer {
public:
    NatsServer(const std::string& binary, const fs::path& dir);
    std::string url() const;
    std::string commandLine() const;
    void checkAlive();
    void stop();

private:
    std::uint16_t port_ = 0;
    std::vector<std::string> args_;
    std::optional<Child> child_;
};

// One connection with its JetStream context; no reconnects.
class NatsConn {
public:
    NatsConn(const std::string& url, jsOptions* jsOpts);
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

// ---- figures and the machine ---------------------------------------------------------------

struct Latency {
    std::size_t n = 0;
    double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};
// Nearest-rank percentiles of `ms`.
Latency summarise(std::vector<double> ms);

double msSince(Clock::time_point start);
std::string shellQuote(const std::string& arg);
std::string commandLineOf(int argc, char** argv);
std::string fsTypeOf(const fs::path& dir);
std::string loadAverage(); // "0.52 0.58 0.59"
std::string cpuModel();

// CPU time (user + system, seconds) of this process's threads by name
// ("meshd-delivery", "bench_delivery", ...), summed over threads of a name.
std::vector<std::pair<std::string, double>> threadCpuByName();

} // namespace meshdeck::bench
