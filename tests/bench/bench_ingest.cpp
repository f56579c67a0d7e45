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
#include "core/time.h"
#include "core/uuid.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <latch>
#include <linux/magic.h>
#include <map>
#include <mutex>
#include <nats/nats.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kConnections = 4;
constexpr std::size_t kBatch = 100;
constexpr std::size_t kEventBytes = 512;
constexpr const char* kStream = "BENCH";

struct BenchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// Options

struct Options {
    std::size_t events = 200'000;
    std::size_t samples = 2'000;
    std::vector<std::string> modes{"full", "normal"};
    std::string meshd;
    std::string natsServer = "nats-server";
    int timeoutSeconds = 300;
    bool quick = false;
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
  --meshd PATH          meshd binary (default <bench dir>/../../app/meshd)
  --nats-server PATH    nats-server binary (default: nats-server on PATH)
  --rounds N            repeat the whole comparison N times, JetStream first in
                        every other round, and print medians (default 1)
  --timeout SECONDS     hard limit for the whole run (default 300)
  --quick               small counts (4000 events, 200 samples): a correctness smoke run
)";

std::size_t parseCount(const std::string& flag, const std::string& text) {
    std::size_t pos = 0;
    unsigned long long value = 0;
    try {
        value = std::stoull(text, &pos);
    } catch (const std::exception&) {
        pos = 0;
    }
    if (pos != text.size() || value == 0 || text.front() == '-')
        throw BenchError(flag + " needs a positive integer, got '" + text + "'");
    return static_cast<std::size_t>(value);
}

fs::path selfDir() {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : exe.parent_path();
}

Options parseOptions(int argc, char** argv) {
    Options o;
    std::optional<std::size_t> events, samples;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool hasValue = false;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            hasValue = true;
        }
        auto next = [&]() -> std::string {
            if (hasValue)
                return value;
            if (i + 1 >= argc)
                throw BenchError(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (arg == "--events") {
            events = parseCount(arg, next());
        } else if (arg == "--rounds") {
            o.rounds = parseCount(arg, next());
        } else if (arg == "--latency-samples") {
            samples = parseCount(arg, next());
        } else if (arg == "--modes") {
            const std::string list = next();
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
            o.meshd = next();
        } else if (arg == "--nats-server") {
            o.natsServer = next();
        } else if (arg == "--timeout") {
            o.timeoutSeconds =
                static_cast<int>(std::min<std::size_t>(parseCount(arg, next()), 86400));
        } else if (arg == "--quick") {
            o.quick = true;
        } else {
            throw BenchError("unknown argument '" + arg + "'\n\n" + kUsage);
        }
    }
    o.events = events.value_or(o.quick ? 4'000 : 200'000);
    o.samples = samples.value_or(o.quick ? 200 : 2'000);
    if (o.meshd.empty())
        o.meshd = (selfDir() / "../../app/meshd").lexically_normal().string();
    return o;
}

// ---------------------------------------------------------------------------
// Child processes: every live child is in this registry so the watchdog can
// kill it from its own thread. Children also get PR_SET_PDEATHSIG, so they die
// with us even after a SIGKILL.

constexpr int kMaxChildren = 8;
std::atomic<pid_t> g_children[kMaxChildren];
char g_tmpDir[4096] = {};

void registerChild(pid_t pid) {
    for (auto& slot : g_children) {
        pid_t expected = 0;
        if (slot.compare_exchange_strong(expected, pid))
            return;
    }
}

void unregisterChild(pid_t pid) {
    for (auto& slot : g_children) {
        pid_t expected = pid;
        if (slot.compare_exchange_strong(expected, 0))
            return;
    }
}

void killRegisteredChildren() {
    for (auto& slot : g_children)
        if (const pid_t pid = slot.exchange(0); pid > 0)
            ::kill(pid, SIGKILL);
}

std::string resolveOnPath(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        if (::access(name.c_str(), X_OK) != 0)
            throw BenchError("'" + name + "' is not an executable file");
        return name;
    }
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate.string();
    }
    throw BenchError("'" + name +
                     "' is not on PATH (install nats-server or pass --nats-server PATH)");
}

std::string tailOf(const fs::path& file, std::size_t bytes = 2000) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return {};
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > bytes ? "..." + text.substr(text.size() - bytes) : text;
}

class Child {
public:
    // Starts argv[0] (a path) with stdin from /dev/null, stderr to logFile and
    // stdout either to logFile or to a pipe read with readLine().
    Child(std::string name, const std::vector<std::string>& argv, const fs::path& logFile,
          bool pipeStdout)
        : name_(std::move(name)), log_(logFile) {
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int logFd = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const int nullFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (logFd < 0 || nullFd < 0)
            throw BenchError("cannot open " + logFile.string() + ": " + std::strerror(errno));
        int fds[2] = {-1, -1};
        if (pipeStdout && ::pipe2(fds, O_CLOEXEC) != 0)
            throw BenchError(std::string("pipe: ") + std::strerror(errno));
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid == 0) {
            // Only async-signal-safe calls from here to exec.
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            ::sigaction(SIGPIPE, &dfl, nullptr);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent)
                ::_exit(127);
            ::dup2(nullFd, 0);
            ::dup2(pipeStdout ? fds[1] : logFd, 1);
            ::dup2(logFd, 2);
            ::execv(args[0], args.data());
            const char msg[] = "bench_ingest: exec failed\n";
            [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
            ::_exit(127);
        }
        const int forkErrno = errno;
        ::close(logFd);
        ::close(nullFd);
        if (pipeStdout)
            ::close(fds[1]);
        if (pid < 0) {
            if (pipeStdout)
                ::close(fds[0]);
            throw BenchError("fork: " + std::string(std::strerror(forkErrno)));
        }
        pid_ = pid;
        registerChild(pid);
        out_ = pipeStdout ? fds[0] : -1;
    }

    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() { stop(0s); }

    pid_t pid() const { return pid_; }
    const fs::path& logFile() const { return log_; }

    // Has it exited? (Reaps it if so.)
    bool exited() {
        if (pid_ <= 0)
            return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            reaped(status);
            return true;
        }
        return false;
    }

    // One line of its stdout, without the newline; nullopt at EOF or deadline.
    std::optional<std::string> readLine(Clock::time_point deadline) {
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (out_ < 0 || left <= 0ms)
                return std::nullopt;
            pollfd p{out_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return std::nullopt;
            char chunk[4096];
            const ssize_t n = ::read(out_, chunk, sizeof chunk);
            if (n <= 0)
                return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // From now on its stdout is drained (appended to the log) so it never blocks.
    void drainStdout() {
        if (out_ < 0 || drainer_.joinable())
            return;
        drainer_ = std::thread([fd = out_, file = log_] {
            std::ofstream log(file, std::ios::app);
            char chunk[4096];
            for (;;) {
                const ssize_t n = ::read(fd, chunk, sizeof chunk);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                log.write(chunk, n);
            }
        });
    }

    // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status
    // (waitpid's), or -1 if it had to be killed.
    int stop(std::chrono::milliseconds grace) {
        if (pid_ > 0) {
            ::kill(pid_, grace > 0ms ? SIGTERM : SIGKILL);
            const auto deadline = Clock::now() + grace;
            while (!exited() && Clock::now() < deadline)
                std::this_thread::sleep_for(10ms);
            if (pid_ > 0) {
                ::kill(pid_, SIGKILL);
                int status = 0;
                ::waitpid(pid_, &status, 0);
                reaped(status);
                killed_ = true;
            }
        }
        if (drainer_.joinable())
            drainer_.join();
        if (out_ >= 0) {
            ::close(out_);
            out_ = -1;
        }
        return killed_ ? -1 : status_;
    }

    std::string describeExit() const {
        if (WIFEXITED(status_))
            return "exited with status " + std::to_string(WEXITSTATUS(status_));
        if (WIFSIGNALED(status_))
            return "killed by signal " + std::to_string(WTERMSIG(status_));
        return "ended";
    }

private:
    void reaped(int status) {
        unregisterChild(pid_);
        pid_ = -1;
        status_ = status;
    }

    std::string name_;
    fs::path log_;
    pid_t pid_ = -1;
    int out_ = -1;
    int status_ = 0;
    bool killed_ = false;
    std::string buffer_;
    std::thread drainer_;
};

// Runs a short command and returns its first stdout line (for versions).
std::string firstLineOf(const std::vector<std::string>& argv, const fs::path& scratch) {
    try {
        Child c("probe", argv, scratch, true);
        auto line = c.readLine(Clock::now() + 5s);
        c.stop(2s);
        return line.value_or("?");
    } catch (const std::exception&) {
        return "?";
    }
}

// ---------------------------------------------------------------------------
// Watchdog: the hard overall timeout and SIGINT/SIGTERM/SIGHUP, handled on one
// thread (the signals are blocked everywhere else).

void startWatchdog(std::chrono::seconds limit, sigset_t signals) {
    std::thread([limit, signals] {
        const auto deadline = Clock::now() + limit;
        for (;;) {
            const auto left = deadline - Clock::now();
            if (left <= 0s)
                break;
            const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
            const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(left - secs);
            timespec wait{static_cast<time_t>(secs.count()), static_cast<long>(nanos.count())};
            const int sig = ::sigtimedwait(&signals, nullptr, &wait);
            if (sig > 0) {
                std::fprintf(stderr,
                             "\nbench_ingest: caught signal %d: killing children, exiting\n", sig);
                killRegisteredChildren();
                std::fflush(stdout);
                std::error_code ec;
                if (g_tmpDir[0])
                    fs::remove_all(g_tmpDir, ec);
                std::_Exit(128 + sig);
            }
        }
        std::fprintf(stderr,
                     "\nbench_ingest: FAIL: hard timeout of %lld s reached: killing children, "
                     "exiting\n",
                     static_cast<long long>(limit.count()));
        killRegisteredChildren();
        std::fflush(stdout);
        std::error_code ec;
        if (g_tmpDir[0])
            fs::remove_all(g_tmpDir, ec);
        std::_Exit(124);
    }).detach();
}

// ---------------------------------------------------------------------------
// Helpers

std::uint16_t freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw BenchError(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int e = errno;
        ::close(fd);
        throw BenchError(std::string("binding 127.0.0.1:0: ") + std::strerror(e));
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

bool loopbackAccepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// The first failure any thread saw; the others stop early.
struct Failure {
    std::mutex mutex;
    std::string first;
    std::atomic<bool> failed{false};
    void set(const std::string& message) {
        std::lock_guard lock(mutex);
        if (!failed.exchange(true))
            first = message;
    }
};

std::string clip(const std::string& text, std::size_t n = 300) {
    return text.size() > n ? text.substr(0, n) + "..." : text;
}

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------
// The workload: ~512-byte LeadScored events, the same bytes for both systems.

struct Event {
    std::string id;
    std::string json;
};

class EventFactory {
public:
    EventFactory()
        : occurredAt_(
              meshdeck::formatRfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now()))) {}

    Event make(std::size_t stream, std::size_t n) {
        Event e;
        e.id = ids_.next();
        const std::string lead = "L-" + std::to_string(stream) + "-" + std::to_string(n % 5000);
        std::string& s = e.json;
        s.reserve(kEventBytes + 64);
        s += R"({"event_id":")";
        s += e.id;
        s += R"(","event_type":"LeadScored","schema_version":1,"occurred_at":")";
        s += occurredAt_;
        s += R"(","producer":"bench","tenant_id":"acme","correlation_id":"bench-)";
        s += std::to_string(stream) + "-" + std::to_string(n);
        s += R"(","entity":{"kind":"lead","id":")";
        s += lead;
        s += R"("},"payload":{"lead_id":")";
        s += lead;
        s += R"(","score":)";
        s += std::to_string(n % 101);
        s += R"(,"model":"fit-v3","notes":")";
        static constexpr std::string_view tail = "\"}}";
        static constexpr std::string_view filler =
            "scored by the nightly fit model from firmographics and recent web activity; ";
        for (std::size_t i = 0; s.size() + tail.size() < kEventBytes; ++i)
            s += filler[i % filler.size()];
        s += tail;
        return e;
    }

private:
    meshdeck::UuidV7Generator ids_;
    std::string occurredAt_;
};

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
            batches.back().push_back(factory.make(c, n));
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

struct Latency {
    std::size_t n = 0;
    double p50 = 0, p99 = 0, max = 0, mean = 0;
};

Latency summarise(std::vector<double> ms) {
    Latency l;
    if (ms.empty())
        return l;
    std::sort(ms.begin(), ms.end());
    auto rank = [&](double q) {
        const auto idx = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size())));
        return ms[std::min(ms.size(), std::max<std::size_t>(idx, 1)) - 1];
    };
    l.n = ms.size();
    l.p50 = rank(0.50);
    l.p99 = rank(0.99);
    l.max = ms.back();
    double sum = 0;
    for (double v : ms)
        sum += v;
    l.mean = sum / static_cast<double>(ms.size());
    return l;
}

void printThroughput(const char* who, const Throughput& t) {
    std::printf("  %-34s %9zu events in %7.3f s = %10.0f events/s\n", who, t.events, t.seconds,
                t.rate());
}

void printLatency(const char* who, const Latency& l) {
    std::printf("  %-34s n=%zu  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (mean %.3f ms)\n", who, l.n,
                l.p50, l.p99, l.max, l.mean);
}

// ---------------------------------------------------------------------------
// Prometheus text from meshd's /metrics: only what the commit figures need.

using Series = std::map<std::string, double>;

Series parsePrometheus(const std::string& text) {
    Series out;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#')
            continue;
        const auto space = line.rfind(' ');
        if (space == std::string::npos)
            continue;
        try {
            out[line.substr(0, space)] = std::stod(line.substr(space + 1));
        } catch (const std::exception&) {
        }
    }
    return out;
}

struct HistogramDelta {
    std::vector<std::pair<double, double>> cumulative; // (upper bound, count), +Inf last
    double count = 0, sum = 0;
    double mean() const { return count > 0 ? sum / count : 0; }
    // Upper bound of the bucket holding the q-th value.
    double quantileBound(double q) const {
        for (const auto& [le, cum] : cumulative)
            if (cum >= q * count && cum > 0)
                return le;
        return INFINITY;
    }
};

HistogramDelta histogramDelta(const Series& before, const Series& after, const std::string& name) {
    HistogramDelta h;
    const std::string prefix = name + "_bucket{le=\"";
    for (auto it = after.lower_bound(prefix); it != after.end() && it->first.rfind(prefix, 0) == 0;
         ++it) {
        const std::string le =
            it->first.substr(prefix.size(), it->first.size() - prefix.size() - 2);
        const double bound = le == "+Inf" ? INFINITY : std::stod(le);
        const auto b = before.find(it->first);
        h.cumulative.emplace_back(bound, it->second - (b == before.end() ? 0 : b->second));
    }
    std::sort(h.cumulative.begin(), h.cumulative.end());
    auto value = [](const Series& s, const std::string& key) {
        const auto it = s.find(key);
        return it == s.end() ? 0.0 : it->second;
    };
    h.count = value(after, name + "_count") - value(before, name + "_count");
    h.sum = value(after, name + "_sum") - value(before, name + "_sum");
    return h;
}

struct CommitStats {
    double commits = 0;
    HistogramDelta jobs, latencyMs;
    std::size_t events = 0;
};

CommitStats commitStats(const Series& before, const Series& after, std::size_t events) {
    CommitStats c;
    auto value = [](const Series& s, const char* key) {
        const auto it = s.find(key);
        return it == s.end() ? 0.0 : it->second;
    };
    c.commits = value(after, "meshdeck_writer_commits_total") -
                value(before, "meshdeck_writer_commits_total");
    c.jobs = histogramDelta(before, after, "meshdeck_commit_batch_jobs");
    c.latencyMs = histogramDelta(before, after, "meshdeck_commit_latency_ms");
    c.events = events;
    return c;
}

std::string bound(double v) {
    if (std::isinf(v))
        return "+Inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

void printCommitStats(const char* phase, const CommitStats& c) {
    const double commits = c.commits > 0 ? c.commits : c.jobs.count;
    std::printf("    commits (%s): %.0f group commits, requests/commit mean %.1f (p50 <=%s, p99 "
                "<=%s), ~%.0f events/commit; commit time mean %.2f ms (p50 <=%s ms, p99 <=%s "
                "ms)\n",
                phase, commits, c.jobs.mean(), bound(c.jobs.quantileBound(0.5)).c_str(),
                bound(c.jobs.quantileBound(0.99)).c_str(),
                commits > 0 ? static_cast<double>(c.events) / commits : 0.0, c.latencyMs.mean(),
                bound(c.latencyMs.quantileBound(0.5)).c_str(),
                bound(c.latencyMs.quantileBound(0.99)).c_str());
}

// ---------------------------------------------------------------------------
// meshd

struct MeshdRun {
    std::string mode;
    Throughput throughput;
    Latency latency;
    CommitStats throughputCommits, latencyCommits;
};

class Meshd {
public:
    Meshd(const std::string& binary, const fs::path& dir, const std::string& mode) : dir_(dir) {
        fs::create_directories(dir / "data");
        const fs::path config = dir / "meshd.json";
        {
            std::ofstream out(config);
            out << nlohmann::json{{"limits",
                                   {{"publish_rate_per_token", 1e9},
                                    {"publish_burst_per_token", 1e9},
                                    {"max_queued_events", 1000000}}}}
                       .dump(2)
                << '\n';
        }
        args_ = {binary,     "--data",        (dir / "data").string(), "--listen", "127.0.0.1:0",
                 "--config", config.string(), "--durability",          mode};
        child_.emplace("meshd", args_, dir / "meshd.log", true);
        const auto deadline = Clock::now() + 30s;
        while (url_.empty() || token_.empty()) {
            auto line = child_->readLine(deadline);
            if (!line)
                throw BenchError("meshd did not print its URL and admin token within 30 s (" +
                                 (child_->exited() ? child_->describeExit() : "still running") +
                                 "); its log:\n" + tailOf(child_->logFile()));
            static const std::string listening = " listening on ", admin = "admin token: ";
            if (const auto at = line->find(listening); at != std::string::npos)
                url_ = line->substr(at + listening.size());
            else if (line->rfind(admin, 0) == 0)
                token_ = line->substr(admin.size());
        }
        child_->drainStdout();
    }

    const std::string& url() const { return url_; }
    const std::string& token() const { return token_; }
    std::string commandLine() const {
        std::string s;
        for (const auto& a : args_)
            s += (s.empty() ? "" : " ") + a;
        return s;
    }

    Series metrics() {
        meshdeck::MeshClient client(url_, token_);
        client.setTimeout(30s);
        const auto r = client.get("/metrics");
        if (r.status != 200)
            throw BenchError("GET /metrics answered " + std::to_string(r.status) + " " + r.error +
                             ": " + clip(r.body));
        return parsePrometheus(r.body);
    }

    std::int64_t storedEvents() {
        meshdeck::MeshClient client(url_, token_);
        client.setTimeout(30s);
        const auto r = client.get("/healthz");
        if (r.status != 200)
            throw BenchError("GET /healthz answered " + std::to_string(r.status) + " " + r.error +
                             ": " + clip(r.body));
        return nlohmann::json::parse(r.body).at("events").get<std::int64_t>();
    }

    void stop() {
        const int status = child_->stop(30s);
        if (status != 0)
            throw BenchError(
                "meshd did not stop cleanly on SIGTERM (" +
                (status < 0 ? std::string("killed after 30 s") : child_->describeExit()) +
                "); its log:\n" + tailOf(child_->logFile()));
    }

    void checkAlive() {
        if (child_->exited())
            throw BenchError("meshd " + child_->describeExit() + "; its log:\n" +
                             tailOf(child_->logFile()));
    }

private:
    fs::path dir_;
    std::vector<std::string> args_;
    std::optional<Child> child_;
    std::string url_, token_;
};

bool acceptedAll(const meshdeck::HttpResult& r, std::size_t n) {
    if (r.status != 202)
        return false;
    const std::string expect = "{\"accepted\":" + std::to_string(n) + ",";
    if (r.body.rfind(expect, 0) == 0)
        return true;
    try {
        const auto body = nlohmann::json::parse(r.body);
        return body.at("accepted").get<std::size_t>() == n &&
               body.value("duplicates", std::size_t{0}) == 0;
    } catch (const std::exception&) {
        return false;
    }
}

Throughput meshdThroughput(Meshd& meshd, std::size_t events) {
    // Request bodies are built before the clock starts.
    std::vector<std::vector<std::pair<std::string, std::size_t>>> bodies(kConnections);
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
    Failure failure;
    std::atomic<std::size_t> accepted{0};
    std::latch start(1);
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < kConnections; ++c)
        threads.emplace_back([&, c] {
            meshdeck::MeshClient client(meshd.url(), meshd.token());
            client.setTimeout(60s);
            start.wait();
            for (const auto& [body, n] : bodies[c]) {
                if (failure.failed)
                    return;
                const auto r = client.postJson("/v1/events", body);
                if (!acceptedAll(r, n))
                    return failure.set("connection " + std::to_string(c) + ": POST of " +
                                       std::to_string(n) + " events answered " +
                                       std::to_string(r.status) +
                                       (r.error.empty() ? "" : " (" + r.error + ")") +
                                       ", expected 202 with all accepted: " + clip(r.body));
                accepted += n;
            }
        });
    const auto t0 = Clock::now();
    start.count_down();
    for (auto& t : threads)
        t.join();
    Throughput result;
    result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    result.events = accepted;
    if (failure.failed)
        throw BenchError("meshd throughput: " + failure.first);
    if (accepted != events)
        throw BenchError("meshd throughput: " + std::to_string(accepted.load()) + " of " +
                         std::to_string(events) + " events accepted");
    return result;
}

Latency meshdLatency(Meshd& meshd, std::size_t samples) {
    EventFactory factory;
    std::vector<Event> events;
    events.reserve(samples);
    for (std::size_t i = 0; i < samples; ++i)
        events.push_back(factory.make(kConnections, i));
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
    Meshd meshd(o.meshd, dir, mode);
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
    const auto stored = meshd.storedEvents();
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

std::string natsError(natsStatus s, const char* what, jsErrCode jerr = static_cast<jsErrCode>(0)) {
    std::string msg = std::string(what) + ": " + natsStatus_GetText(s);
    if (const char* last = nats_GetLastError(nullptr); last && *last)
        msg += std::string(" (") + last + ")";
    if (jerr != 0)
        msg += " [JetStream error " + std::to_string(static_cast<int>(jerr)) + "]";
    return msg;
}

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

class NatsConn {
public:
    NatsConn(const std::string& url, jsOptions* jsOpts) {
        natsOptions* opts = nullptr;
        natsStatus s = natsOptions_Create(&opts);
        if (s == NATS_OK)
            s = natsOptions_SetURL(opts, url.c_str());
        if (s == NATS_OK)
            s = natsOptions_SetTimeout(opts, 5000);
        if (s == NATS_OK)
            s = natsOptions_SetAllowReconnect(opts, false);
        if (s == NATS_OK)
            s = natsConnection_Connect(&nc_, opts);
        natsOptions_Destroy(opts);
        if (s == NATS_OK)
            s = natsConnection_JetStream(&js_, nc_, jsOpts);
        if (s != NATS_OK) {
            const auto msg = natsError(s, ("connecting to " + url).c_str());
            close();
            throw BenchError(msg);
        }
    }
    ~NatsConn() { close(); }
    NatsConn(const NatsConn&) = delete;
    NatsConn& operator=(const NatsConn&) = delete;
    jsCtx* js() const { return js_; }

private:
    void close() {
        if (js_)
            jsCtx_Destroy(js_);
        if (nc_)
            natsConnection_Destroy(nc_);
        js_ = nullptr;
        nc_ = nullptr;
    }
    natsConnection* nc_ = nullptr;
    jsCtx* js_ = nullptr;
};

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

class NatsServer {
public:
    NatsServer(const std::string& binary, const fs::path& dir) {
        fs::create_directories(dir / "store");
        port_ = freeLoopbackPort();
        args_ = {binary, "-js",
                 "-a",   "127.0.0.1",
                 "-p",   std::to_string(port_),
                 "-sd",  (dir / "store").string()};
        child_.emplace("nats-server", args_, dir / "nats-server.log", false);
        const auto deadline = Clock::now() + 20s;
        while (!loopbackAccepts(port_)) {
            if (child_->exited())
                throw BenchError("nats-server " + child_->describeExit() + "; its log:\n" +
                                 tailOf(child_->logFile()));
            if (Clock::now() > deadline)
                throw BenchError(
                    "nats-server did not accept connections on 127.0.0.1:" + std::to_string(port_) +
                    " within 20 s; its log:\n" + tailOf(child_->logFile()));
            std::this_thread::sleep_for(20ms);
        }
    }
    std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
    std::string commandLine() const {
        std::string s;
        for (const auto& a : args_)
            s += (s.empty() ? "" : " ") + a;
        return s;
    }
    void checkAlive() {
        if (child_->exited())
            throw BenchError("nats-server " + child_->describeExit() + "; its log:\n" +
                             tailOf(child_->logFile()));
    }
    void stop() { child_->stop(10s); }

private:
    std::uint16_t port_ = 0;
    std::vector<std::string> args_;
    std::optional<Child> child_;
};

void addStream(jsCtx* js) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char* subjects[] = {"bench.>"};
    cfg.Name = kStream;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    // JetStream may still be starting when the port opens: retry briefly.
    const auto deadline = Clock::now() + 15s;
    for (;;) {
        jsStreamInfo* si = nullptr;
        jsErrCode jerr = static_cast<jsErrCode>(0);
        const natsStatus s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
        jsStreamInfo_Destroy(si);
        if (s == NATS_OK)
            return;
        if (Clock::now() > deadline)
            throw BenchError(natsError(s, "js_AddStream(BENCH, file storage, bench.>)", jerr));
        std::this_thread::sleep_for(100ms);
    }
}

std::uint64_t streamMessages(jsCtx* js) {
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetStreamInfo(&si, js, kStream, nullptr, &jerr);
    if (s != NATS_OK)
        throw BenchError(natsError(s, "js_GetStreamInfo(BENCH)", jerr));
    const std::uint64_t msgs = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return msgs;
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
        throw BenchError("JetStream throughput: " + failure.first);
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
        events.push_back(factory.make(kConnections, i));
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
        addStream(admin.js());
        std::printf("  stream %s: file storage, subjects bench.>, default duplicate window\n",
                    kStream);

        run.throughput = natsThroughput(server.url(), o.events);
        printThroughput("throughput (4 conn x 100 async):", run.throughput);
        const auto afterThroughput = streamMessages(admin.js());
        std::printf("  check: stream messages = %llu (expected %zu)\n",
                    static_cast<unsigned long long>(afterThroughput), o.events);
        if (afterThroughput != o.events)
            throw BenchError("JetStream: stream holds " + std::to_string(afterThroughput) +
                             " messages after the throughput run, expected " +
                             std::to_string(o.events));
        std::fflush(stdout);

        run.latency = natsLatency(server.url(), o.samples);
        printLatency("latency (1 conn, sync publish):", run.latency);
        const auto total = streamMessages(admin.js());
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

std::string shellQuote(const std::string& arg) {
    if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./=:,+@%") == std::string::npos)
        return arg;
    std::string out = "'";
    for (char c : arg)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string fsTypeOf(const fs::path& dir) {
    struct statfs st {};
    if (::statfs(dir.c_str(), &st) != 0)
        return "?";
    switch (static_cast<unsigned long>(st.f_type)) {
    case EXT4_SUPER_MAGIC:
        return "ext2/3/4";
    case TMPFS_MAGIC:
        return "tmpfs (fsync is free here: figures are not disk figures)";
    case XFS_SUPER_MAGIC:
        return "xfs";
    case BTRFS_SUPER_MAGIC:
        return "btrfs";
    case OVERLAYFS_SUPER_MAGIC:
        return "overlayfs";
    default: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(st.f_type));
        return buf;
    }
    }
}

// "0.52 0.58 0.59": other work on the machine skews every figure.
std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return in ? one + " " + five + " " + fifteen : "?";
}

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0)
            if (const auto colon = line.find(':'); colon != std::string::npos)
                return line.substr(colon + 2);
    return "?";
}

void printHeader(const Options& o, int argc, char** argv, const fs::path& tmp) {
    std::string command;
    for (int i = 0; i < argc; ++i)
        command += (i ? " " : "") + shellQuote(argv[i]);
    utsname u{};
    ::uname(&u);
    std::printf("bench_ingest: meshd durable HTTP ingest vs nats-server JetStream (same run)\n");
    std::printf("command: %s\n", command.c_str());
    std::printf("machine: nproc %ld, %s, %s %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
                cpuModel().c_str(), u.sysname, u.release);
    std::printf("load average at start: %s\n", loadAverage().c_str());
    std::printf("data dir: %s (%s)\n", tmp.c_str(), fsTypeOf(tmp).c_str());
    std::printf("meshd: %s (%s)\n", o.meshd.c_str(),
                firstLineOf({o.meshd, "--version"}, tmp / "probe.log").c_str());
    std::printf("nats-server: %s (%s); nats.c client %s\n", o.natsServer.c_str(),
                firstLineOf({o.natsServer, "--version"}, tmp / "probe.log").c_str(),
                nats_GetVersion());
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

} // namespace

int main(int argc, char** argv) {
    Options options;
    try {
        options = parseOptions(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_ingest: %s\n", e.what());
        return 2;
    }
    try {
        options.natsServer = resolveOnPath(options.natsServer);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_ingest: %s\n", e.what());
        return 2;
    }
    if (!fs::exists(options.meshd)) {
        std::fprintf(stderr,
                     "bench_ingest: meshd not found at %s (build it, or pass --meshd PATH)\n",
                     options.meshd.c_str());
        return 2;
    }

    // Signals go to the watchdog thread only; children get a clean mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    std::string tmpTemplate = (fs::temp_directory_path() / "bench_ingest.XXXXXX").string();
    if (!::mkdtemp(tmpTemplate.data())) {
        std::fprintf(stderr, "bench_ingest: mkdtemp: %s\n", std::strerror(errno));
        return 2;
    }
    const fs::path tmp = tmpTemplate;
    std::snprintf(g_tmpDir, sizeof g_tmpDir, "%s", tmp.c_str());
    startWatchdog(std::chrono::seconds(options.timeoutSeconds), signals);
    if (nats_Open(-1) != NATS_OK) {
        std::fprintf(stderr, "bench_ingest: nats_Open failed\n");
        return 2;
    }

    int rc = 0;
    const auto started = Clock::now();
    try {
        printHeader(options, argc, argv, tmp);
        // Per mode, each round's meshd rate and its ratio to that round's JetStream rate.
        std::map<std::string, std::vector<double>> rates, ratios;
        std::vector<double> natsRates;
        for (std::size_t round = 0; round < options.rounds; ++round) {
            if (options.rounds > 1)
                std::printf("\n######## round %zu of %zu%s\n", round + 1, options.rounds,
                            round % 2 ? " (JetStream first)" : "");
            // Alternating the order cancels what the machine's drift does to either side.
            std::optional<NatsRun> nats;
            if (round % 2)
                nats = runNats(options, tmp / "nats");
            std::vector<MeshdRun> meshdRuns;
            for (const auto& mode : options.modes) {
                meshdRuns.push_back(runMeshd(options, mode, tmp / ("meshd-" + mode)));
                std::error_code ec;
                fs::remove_all(tmp / ("meshd-" + mode), ec); // free the disk for the next run
            }
            if (!nats)
                nats = runNats(options, tmp / "nats");
            std::error_code ec;
            fs::remove_all(tmp / "nats", ec);
            printSummary(meshdRuns, *nats);
            natsRates.push_back(nats->throughput.rate());
            for (const auto& run : meshdRuns) {
                rates[run.mode].push_back(run.throughput.rate());
                ratios[run.mode].push_back(run.throughput.rate() / nats->throughput.rate());
            }
        }
        if (options.rounds > 1) {
            const auto median = [](std::vector<double> v) {
                std::sort(v.begin(), v.end());
                const std::size_t n = v.size();
                return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
            };
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
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "\nbench_ingest: FAIL: %s\n", e.what());
        rc = 1;
    }
    std::fflush(stdout);
    killRegisteredChildren(); // normally none are left
    nats_Close();
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return rc;
}
