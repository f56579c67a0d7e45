#include "tests/bench/bench_support.h"

#include "broker/client/mesh_client.h"
#include "core/time.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <latch>
#include <linux/magic.h>
#include <map>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <pthread.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

namespace meshdeck::bench {

using namespace std::chrono_literals;

void Failure::set(const std::string& message) {
    std::lock_guard lock(mutex);
    if (!failed.exchange(true))
        first = message;
}

std::string Failure::message() {
    std::lock_guard lock(mutex);
    return first;
}

std::string clip(const std::string& text, std::size_t n) {
    return text.size() > n ? text.substr(0, n) + "..." : text;
}

void nameThisThread(const char* name) {
    pthread_setname_np(pthread_self(), name);
}

// ---- the command line ----------------------------------------------------------------------

ArgReader::ArgReader(int argc, char** argv, const char* usage)
    : argc_(argc), argv_(argv), usage_(usage) {}

bool ArgReader::next() {
    if (++index_ >= argc_)
        return false;
    flag_ = argv_[index_];
    inlineValue_.reset();
    if (const auto eq = flag_.find('='); flag_.rfind("--", 0) == 0 && eq != std::string::npos) {
        inlineValue_ = flag_.substr(eq + 1);
        flag_.erase(eq);
    }
    if (flag_ == "--help" || flag_ == "-h") {
        std::fputs(usage_, stdout);
        std::exit(0);
    }
    return true;
}

std::string ArgReader::value() {
    if (inlineValue_)
        return *inlineValue_;
    if (index_ + 1 >= argc_)
        throw BenchError(flag_ + " needs a value");
    return argv_[++index_];
}

std::size_t ArgReader::count() {
    const std::string text = value();
    std::size_t pos = 0;
    unsigned long long n = 0;
    try {
        n = std::stoull(text, &pos);
    } catch (const std::exception&) {
        pos = 0;
    }
    if (pos != text.size() || n == 0 || text.front() == '-')
        throw BenchError(flag_ + " needs a positive integer, got '" + text + "'");
    return static_cast<std::size_t>(n);
}

void ArgReader::rejectFlag() const {
    throw BenchError("unknown argument '" + flag_ + "'\n\n" + usage_);
}

void RunOptions::takeFlag(ArgReader& args) {
    if (args.flag() == "--nats-server")
        natsServer = args.value();
    else if (args.flag() == "--timeout")
        timeoutSeconds = static_cast<int>(std::min<std::size_t>(args.count(), 86400));
    else if (args.flag() == "--quick")
        quick = true;
    else
        args.rejectFlag();
}

void RunOptions::resolveNatsServer() {
    natsServer = resolveOnPath(natsServer, "install nats-server or pass --nats-server PATH");
}

// ---- processes -----------------------------------------------------------------------------

namespace {

// Every live child is here so the watchdog can kill it from its own thread.
// Children also get PR_SET_PDEATHSIG, so they die with us even after a SIGKILL.
constexpr int kMaxChildren = 8;
std::atomic<pid_t> g_children[kMaxChildren];
std::atomic<bool> g_watchdogFired{false};

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

} // namespace

void killRegisteredChildren() {
    pid_t killed[kMaxChildren] = {};
    for (int i = 0; i < kMaxChildren; ++i)
        if (const pid_t pid = g_children[i].exchange(0); pid > 0 && ::kill(pid, SIGKILL) == 0)
            killed[i] = pid;
    // Wait until they are gone, so nothing writes into a directory about to be
    // removed. (ECHILD: another thread reaped it first.)
    for (const pid_t pid : killed)
        if (pid > 0)
            while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
            }
}

std::string resolveOnPath(const std::string& name, const std::string& hint) {
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
    throw BenchError("'" + name + "' is not on PATH (" + hint + ")");
}

std::string tailOf(const fs::path& file, std::size_t bytes) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return {};
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > bytes ? "..." + text.substr(text.size() - bytes) : text;
}

Child::Child(std::string name, const std::vector<std::string>& argv, const fs::path& logFile,
             bool pipeStdout)
    : name_(std::move(name)), log_(logFile) {
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
        commandLine_ += (commandLine_.empty() ? "" : " ") + a;
    }
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
        const char msg[] = "bench: exec failed\n";
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

Child::~Child() {
    stop(0ms);
}

bool Child::exited() {
    if (pid_ <= 0)
        return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped(status);
        return true;
    }
    return false;
}

std::optional<std::string> Child::readLine(Clock::time_point deadline) {
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

void Child::drainStdout() {
    if (out_ < 0 || drainer_.joinable())
        return;
    // It polls, so stop() can end it even when the pipe stays open: a wrapper
    // (strace, perf) dies and leaves the real server holding the write end.
    drainer_ = std::thread([this, fd = out_, file = log_] {
        std::ofstream log(file, std::ios::app);
        char chunk[4096];
        for (;;) {
            // Once stopping, what is already in the pipe is still copied.
            const bool stopping = stopDraining_.load(std::memory_order_relaxed);
            pollfd p{fd, POLLIN, 0};
            const int r = ::poll(&p, 1, stopping ? 0 : 100);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 || (r == 0 && stopping))
                break;
            if (r == 0)
                continue;
            const ssize_t n = ::read(fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            log.write(chunk, n);
        }
    });
}

int Child::stop(std::chrono::milliseconds grace) {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        const auto deadline = Clock::now() + grace;
        while (!exited() && Clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            killed_ = true;
            reaped(status);
        }
    }
    // The child is gone, so the drainer reads EOF (or has already), unless a
    // process of its own still holds the pipe: then it stops within 100 ms.
    stopDraining_ = true;
    if (drainer_.joinable())
        drainer_.join();
    if (out_ >= 0) {
        ::close(out_);
        out_ = -1;
    }
    return killed_ ? -1 : status_;
}

std::string Child::describeExit() const {
    if (killed_)
        return name_ + " was killed";
    if (WIFEXITED(status_))
        return name_ + " exited with status " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_))
        return name_ + " died of signal " + std::to_string(WTERMSIG(status_));
    return name_ + " ended";
}

void Child::reaped(int status) {
    unregisterChild(pid_);
    pid_ = -1;
    status_ = status;
}

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

void removeTree(const fs::path& dir) {
    for (int attempt = 0; attempt < 50; ++attempt) {
        std::error_code ec;
        fs::remove_all(dir, ec);
        if (!fs::exists(dir, ec))
            return;
        std::this_thread::sleep_for(10ms);
    }
}

void startWatchdog(const char* program, std::chrono::seconds limit, const fs::path& tmpDir) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::thread([program, limit, signals, tmpDir] {
        auto leave = [&](int code) {
            g_watchdogFired = true;
            killRegisteredChildren();
            std::fflush(stdout);
            removeTree(tmpDir);
            std::_Exit(code);
        };
        const auto deadline = Clock::now() + limit;
        for (;;) {
            const auto left = deadline - Clock::now();
            if (left <= 0s)
                break;
            const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
            const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(left - secs);
            timespec wait{static_cast<time_t>(secs.count()), static_cast<long>(nanos.count())};
            if (const int sig = ::sigtimedwait(&signals, nullptr, &wait); sig > 0) {
                std::fprintf(stderr, "\n%s: caught signal %d: killing children, exiting\n", program,
                             sig);
                leave(128 + sig);
            }
        }
        std::fprintf(stderr,
                     "\n%s: FAIL: hard timeout of %lld s reached: killing children, exiting\n",
                     program, static_cast<long long>(limit.count()));
        leave(124);
    }).detach();
}

void yieldToWatchdog() {
    while (g_watchdogFired)
        std::this_thread::sleep_for(1s);
}

int runBenchmark(const char* program, std::chrono::seconds limit,
                 const std::function<void(const fs::path& dir)>& body) {
    std::signal(SIGPIPE, SIG_IGN);
    std::string path = (fs::temp_directory_path() / (std::string(program) + ".XXXXXX")).string();
    if (!::mkdtemp(path.data())) {
        std::fprintf(stderr, "%s: mkdtemp: %s\n", program, std::strerror(errno));
        return 2;
    }
    const fs::path dir = path;
    startWatchdog(program, limit, dir);
    if (nats_Open(-1) != NATS_OK) {
        std::fprintf(stderr, "%s: nats_Open failed\n", program);
        removeTree(dir);
        return 2;
    }
    int rc = 0;
    try {
        body(dir);
    } catch (const std::exception& e) {
        yieldToWatchdog(); // a timeout: its message and exit code tell, not this one
        std::fflush(stdout);
        std::fprintf(stderr, "\n%s: FAIL: %s\n", program, e.what());
        rc = 1;
    }
    std::fflush(stdout);
    killRegisteredChildren(); // normally none are left
    nats_Close();
    removeTree(dir);
    return rc;
}

// ---- network -------------------------------------------------------------------------------

std::uint16_t freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw BenchError(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

// ---- meshd ---------------------------------------------------------------------------------

MetricSeries parsePrometheus(const std::string& text) {
    MetricSeries out;
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

double HistogramDelta::quantileBound(double q) const {
    for (const auto& [le, cum] : cumulative)
        if (cum >= q * count && cum > 0)
            return le;
    return INFINITY;
}

double HistogramDelta::shareAbove(double bound) const {
    for (const auto& [le, cum] : cumulative)
        if (le == bound && count > 0)
            return 1.0 - cum / count;
    return NAN;
}

namespace {

double valueOf(const MetricSeries& s, const std::string& key) {
    const auto it = s.find(key);
    return it == s.end() ? 0.0 : it->second;
}

} // namespace

HistogramDelta histogramDelta(const MetricSeries& before, const MetricSeries& after,
                              const std::string& name, const std::string& labels) {
    HistogramDelta h;
    const std::string prefix = name + "_bucket{" + (labels.empty() ? "" : labels + ",") + "le=\"";
    for (auto it = after.lower_bound(prefix); it != after.end() && it->first.rfind(prefix, 0) == 0;
         ++it) {
        const std::string le =
            it->first.substr(prefix.size(), it->first.size() - prefix.size() - 2);
        const double bound = le == "+Inf" ? INFINITY : std::stod(le);
        const auto b = before.find(it->first);
        h.cumulative.emplace_back(bound, it->second - (b == before.end() ? 0 : b->second));
    }
    std::sort(h.cumulative.begin(), h.cumulative.end());
    const std::string suffix = labels.empty() ? "" : "{" + labels + "}";
    h.count = valueOf(after, name + "_count" + suffix) - valueOf(before, name + "_count" + suffix);
    h.sum = valueOf(after, name + "_sum" + suffix) - valueOf(before, name + "_sum" + suffix);
    return h;
}

std::string bucketBound(double v) {
    if (std::isinf(v))
        return "+Inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

CommitStats commitStats(const MetricSeries& before, const MetricSeries& after, std::size_t events) {
    CommitStats c;
    const auto delta = [&](const char* name) {
        return valueOf(after, name) - valueOf(before, name);
    };
    c.commits = delta("meshdeck_writer_commits_total");
    c.checkpointPasses = delta("meshdeck_checkpoint_passes_total");
    c.walRewinds = delta("meshdeck_wal_rewinds_total");
    c.walRestarts = delta("meshdeck_wal_restarts_total");
    c.jobs = histogramDelta(before, after, "meshdeck_commit_batch_jobs");
    c.latencyMs = histogramDelta(before, after, "meshdeck_commit_latency_ms");
    c.events = events;
    return c;
}

void printCommitStats(const char* phase, const CommitStats& c) {
    const double commits = c.commits > 0 ? c.commits : c.jobs.count;
    std::printf("    commits (%s): %.0f group commits, requests/commit mean %.1f (p50 <=%s, p99 "
                "<=%s), ~%.0f events/commit; commit time mean %.2f ms (p50 <=%s ms, p99 <=%s "
                "ms, max <=%s ms)\n",
                phase, commits, c.jobs.mean(), bucketBound(c.jobs.quantileBound(0.5)).c_str(),
                bucketBound(c.jobs.quantileBound(0.99)).c_str(),
                commits > 0 ? static_cast<double>(c.events) / commits : 0.0, c.latencyMs.mean(),
                bucketBound(c.latencyMs.quantileBound(0.5)).c_str(),
                bucketBound(c.latencyMs.quantileBound(0.99)).c_str(),
                bucketBound(c.latencyMs.quantileBound(1.0)).c_str());
    std::printf("    checkpoints (%s): %.0f passes, %.0f WAL rewinds by a commit (no wait), %.0f "
                "restarts (commits waited)\n",
                phase, c.checkpointPasses, c.walRewinds, c.walRestarts);
}

std::string defaultMeshdBinary() {
    if (const char* bin = std::getenv("MESHDECK_BIN_DIR"); bin && *bin)
        return (fs::path(bin) / "meshd").string();
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    const fs::path dir = ec ? fs::current_path() : exe.parent_path();
    return (dir / "../../app/meshd").lexically_normal().string();
}

MeshdProcess::MeshdProcess(const std::string& binary, const fs::path& dir,
                           const std::string& durability, const std::string& settings) {
    fs::create_directories(dir / "data");
    nlohmann::json config = nlohmann::json::parse(settings);
    if (!config.contains("limits"))
        config["limits"] = {{"publish_rate_per_token", 1e9},
                            {"publish_burst_per_token", 1e9},
                            {"max_queued_events", 1'000'000}};
    const fs::path configFile = dir / "meshd.json";
    {
        std::ofstream out(configFile);
        out << config.dump(2) << '\n';
        if (!out)
            throw BenchError("cannot write " + configFile.string());
    }
    const std::vector<std::string> args = {
        binary,        "--data",   (dir / "data").string(), "--listen",
        "127.0.0.1:0", "--config", configFile.string(),     "--durability",
        durability};
    child_.emplace("meshd", args, dir / "meshd.log", true);
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
    try {
        port_ = static_cast<std::uint16_t>(std::stoul(parseMeshUrl(url_).port));
    } catch (const std::exception& e) {
        throw BenchError("meshd printed the URL '" + url_ + "': " + e.what());
    }
}

std::string MeshdProcess::get(const std::string& target) {
    MeshClient client(url_, token_);
    client.setTimeout(30s);
    const auto r = client.get(target);
    if (r.status != 200)
        throw BenchError("GET " + target + " answered " + std::to_string(r.status) + " " + r.error +
                         ": " + clip(r.body));
    return r.body;
}

void MeshdProcess::checkAlive() {
    if (child_->exited())
        throw BenchError(child_->describeExit() + "; its log:\n" + tailOf(child_->logFile()));
}

void MeshdProcess::stop() {
    const int status = child_->stop(30s);
    if (status != 0)
        throw BenchError("meshd did not stop cleanly on SIGTERM (" +
                         (status < 0 ? std::string("killed after 30 s") : child_->describeExit()) +
                         "); its log:\n" + tailOf(child_->logFile()));
}

// ---- nats-server ---------------------------------------------------------------------------

std::string natsError(natsStatus s, const char* what, jsErrCode jerr) {
    std::string msg = std::string(what) + ": " + natsStatus_GetText(s);
    if (const char* last = nats_GetLastError(nullptr); last && *last)
        msg += std::string(" (") + last + ")";
    if (jerr != 0)
        msg += " [JetStream error " + std::to_string(static_cast<int>(jerr)) + "]";
    return msg;
}

NatsServer::NatsServer(const std::string& binary, const fs::path& dir) {
    fs::create_directories(dir / "store");
    port_ = freeLoopbackPort();
    const std::vector<std::string> args = {binary, "-js",
                                           "-a",   "127.0.0.1",
                                           "-p",   std::to_string(port_),
                                           "-sd",  (dir / "store").string()};
    child_.emplace("nats-server", args, dir / "nats-server.log", false);
    const auto deadline = Clock::now() + 20s;
    while (!loopbackAccepts(port_)) {
        if (child_->exited())
            throw BenchError(child_->describeExit() + "; its log:\n" + tailOf(child_->logFile()));
        if (Clock::now() > deadline)
            throw BenchError(
                "nats-server did not accept connections on 127.0.0.1:" + std::to_string(port_) +
                " within 20 s; its log:\n" + tailOf(child_->logFile()));
        std::this_thread::sleep_for(20ms);
    }
}

std::string NatsServer::url() const {
    return "nats://127.0.0.1:" + std::to_string(port_);
}

void NatsServer::checkAlive() {
    if (child_->exited())
        throw BenchError(child_->describeExit() + "; its log:\n" + tailOf(child_->logFile()));
}

void NatsServer::stop() {
    child_->stop(10s);
}

NatsConn::NatsConn(const std::string& url, jsOptions* jsOpts, bool sendAsap) {
    natsOptions* opts = nullptr;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url.c_str());
    if (s == NATS_OK && sendAsap)
        s = natsOptions_SetSendAsap(opts, true);
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

NatsConn::~NatsConn() {
    close();
}

void NatsConn::close() {
    if (js_)
        jsCtx_Destroy(js_);
    if (nc_)
        natsConnection_Destroy(nc_);
    js_ = nullptr;
    nc_ = nullptr;
}

void addFileStream(jsCtx* js, const char* name, const char* subject) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char* subjects[] = {subject};
    cfg.Name = name;
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
            throw BenchError(natsError(
                s, ("js_AddStream(" + std::string(name) + ", file storage)").c_str(), jerr));
        std::this_thread::sleep_for(100ms);
    }
}

std::uint64_t streamMessages(jsCtx* js, const char* name) {
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetStreamInfo(&si, js, name, nullptr, &jerr);
    if (s != NATS_OK)
        throw BenchError(
            natsError(s, ("js_GetStreamInfo(" + std::string(name) + ")").c_str(), jerr));
    const std::uint64_t msgs = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return msgs;
}

// ---- the workload ----------------------------------------------------------------------------

EventFactory::EventFactory()
    : occurredAt_(formatRfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now()))) {}

Event EventFactory::make(const LeadScored& fields) {
    Event e;
    e.id = ids_.next();
    std::string& s = e.json;
    s.reserve(kEventBytes + 64);
    s += R"({"event_id":")";
    s += e.id;
    s += R"(","event_type":"LeadScored","schema_version":1,"occurred_at":")";
    s += occurredAt_;
    s += R"(","producer":"bench","tenant_id":"acme","correlation_id":"bench-)";
    s += fields.correlation;
    s += R"(","entity":{"kind":"lead","id":")";
    s += fields.lead;
    s += '"';
    if (fields.version)
        s += ",\"version\":" + std::to_string(*fields.version);
    s += R"(},"payload":{"lead_id":")";
    s += fields.lead;
    s += R"(","score":)";
    s += std::to_string(fields.score);
    s += R"(,"model":"fit-v3")";
    s += fields.payloadFields;
    s += R"(,"notes":")";
    static constexpr std::string_view tail = "\"}}";
    static constexpr std::string_view filler =
        "scored by the nightly fit model from firmographics and recent web activity; ";
    for (std::size_t i = 0; s.size() + tail.size() < kEventBytes; ++i)
        s += filler[i % filler.size()];
    s += tail;
    return e;
}

// ---- meshd over HTTP ---------------------------------------------------------------------------

namespace {

// meshd's "accepted" counts the events appended, so a duplicate makes it short.
bool acceptedAll(const HttpResult& r, std::size_t n) {
    if (r.status != 202)
        return false;
    const std::string expect = "{\"accepted\":" + std::to_string(n) + ",";
    return r.body.rfind(expect, 0) == 0;
}

} // namespace

double postEventBodies(const std::string& url, const std::string& token, const EventBodies& bodies,
                       std::chrono::milliseconds timeout, const std::string& what) {
    Failure failure;
    std::latch ready(static_cast<std::ptrdiff_t>(bodies.size()) + 1);
    std::latch go(1);
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < bodies.size(); ++c)
        threads.emplace_back([&, c] {
            nameThisThread("bench-publish");
            MeshClient client(url, token);
            client.setTimeout(timeout);
            const auto warm = client.get("/healthz"); // opens the keep-alive connection
            ready.count_down();
            go.wait();
            if (warm.status != 200)
                return failure.set("GET /healthz answered " + std::to_string(warm.status) + " " +
                                   warm.error);
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
            }
        });
    ready.arrive_and_wait();
    const auto t0 = Clock::now();
    go.count_down();
    for (auto& t : threads)
        t.join();
    const double seconds = msSince(t0) / 1000.0;
    if (failure.failed)
        throw BenchError(what + ": " + failure.message());
    return seconds;
}

// ---- figures and the machine ---------------------------------------------------------------

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
    l.p90 = rank(0.90);
    l.p99 = rank(0.99);
    l.p999 = rank(0.999);
    l.max = ms.back();
    double sum = 0;
    for (double v : ms)
        sum += v;
    l.mean = sum / static_cast<double>(ms.size());
    return l;
}

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Latency medianOf(const std::vector<Latency>& rounds) {
    const auto field = [&rounds](auto member) {
        std::vector<double> v;
        for (const auto& l : rounds)
            v.push_back(static_cast<double>(l.*member));
        return median(std::move(v));
    };
    Latency m;
    m.n = static_cast<std::size_t>(field(&Latency::n));
    m.p50 = field(&Latency::p50);
    m.p90 = field(&Latency::p90);
    m.p99 = field(&Latency::p99);
    m.p999 = field(&Latency::p999);
    m.max = field(&Latency::max);
    m.mean = field(&Latency::mean);
    return m;
}

bool startRound(std::size_t round, std::size_t rounds) {
    const bool jetStreamFirst = round % 2 == 1;
    if (rounds > 1)
        std::printf("\n######## round %zu of %zu (%s first)\n", round + 1, rounds,
                    jetStreamFirst ? "JetStream" : "meshd");
    std::fflush(stdout);
    return jetStreamFirst;
}

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return in ? one + " " + five + " " + fifteen : "?";
}

namespace {

std::string shellQuote(const std::string& arg) {
    if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./=:,+@%") == std::string::npos)
        return arg;
    std::string out = "'";
    for (char c : arg)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string commandLineOf(int argc, char** argv) {
    std::string command;
    for (int i = 0; i < argc; ++i)
        command += (i ? " " : "") + shellQuote(argv[i]);
    return command;
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

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0)
            if (const auto colon = line.find(':'); colon != std::string::npos)
                return line.substr(colon + 2);
    return "?";
}

} // namespace

void printRunContext(int argc, char** argv, const fs::path& dataDir) {
    utsname u{};
    ::uname(&u);
    std::printf("command: %s\n", commandLineOf(argc, argv).c_str());
    std::printf("machine: nproc %ld, %s, %s %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
                cpuModel().c_str(), u.sysname, u.release);
    std::printf("load average at start: %s\n", loadAverage().c_str());
    std::printf("data dir: %s (%s)\n", dataDir.c_str(), fsTypeOf(dataDir).c_str());
}

void printNatsVersions(const std::string& natsServer, const fs::path& scratchDir) {
    std::printf("nats-server: %s (%s); nats.c client %s\n", natsServer.c_str(),
                firstLineOf({natsServer, "--version"}, scratchDir / "probe.log").c_str(),
                nats_GetVersion());
}

namespace {

// A /proc/.../stat file's name (comm) and its utime + stime in seconds;
// nullopt when it cannot be read (the thread or process is gone).
std::optional<std::pair<std::string, double>> readStatCpu(const fs::path& statFile) {
    std::ifstream in(statFile);
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // "tid (comm) state ppid ... utime stime": comm may hold spaces, so
    // split at the last ')'; utime and stime are fields 14 and 15.
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 2 > stat.size())
        return std::nullopt;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14)
            utime = std::stod(field);
        if (i == 15)
            stime = std::stod(field);
    }
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return std::make_pair(stat.substr(open + 1, close - open - 1), (utime + stime) / tick);
}

fs::path procDir(pid_t pid) {
    return pid > 0 ? fs::path("/proc") / std::to_string(pid) : fs::path("/proc/self");
}

} // namespace

std::vector<std::pair<std::string, double>> threadCpuByName(pid_t pid) {
    std::map<std::string, double> byName;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(procDir(pid) / "task", ec))
        if (const auto cpu = readStatCpu(entry.path() / "stat"))
            byName[cpu->first] += cpu->second;
    return {byName.begin(), byName.end()};
}

double processCpuSeconds(pid_t pid) {
    const auto cpu = readStatCpu(procDir(pid) / "stat");
    return cpu ? cpu->second : 0.0;
}

} // namespace meshdeck::bench
