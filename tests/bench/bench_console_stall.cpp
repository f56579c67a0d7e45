// bench_console_stall: the longest GUI event-loop stall while 5,000 events/s
// flow into the console's Events page.
//
// An in-process broker on 127.0.0.1, the console's MainWindow with an Events
// page following it (shown; on the offscreen platform unless a display is
// set), and a publisher thread posting 50 events every 10 ms through its own
// MeshClient. On the GUI thread a 5 ms precise timer measures how late each
// tick comes (the stall: gap between ticks minus the interval), while a
// 100 ms timer scrolls the table to the bottom so the view paints new rows.
// After the publisher stops, the table has up to 10 s to show every event.
//
// It prints figures and a verdict against the bar (longest stall < 50 ms);
// the exit code says only whether every acknowledged event reached the table
// (0), not (1), or the run hung (2) - a timed bar does not fail CI.
//
// With --stored N it measures browsing instead of the live run: it fills the
// log with N events (four connections, batches of 500), opens the page on
// them and scrolls the table to its bottom every 50 ms (each time fetching the
// next page) for --browse-seconds; it prints the stalls, how many rows the
// table holds and how fast paging went.
//
//   bench_console_stall [--seconds N] [--no-scroll] [--stored N] [--browse-seconds N]

#include "core/uuid.h"
#include "tests/support/test_broker.h"
#include "views/console/main_window.h"
#include "views/events/event_table_model.h"
#include "views/events/events_page.h"
#include "views/session/http_transport.h"
#include "views/session/mesh_session.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QMetaEnum>
#include <QSettings>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <time.h>
#include <utility>
#include <vector>

using namespace meshdeck;
using namespace meshdeck::views;
using namespace std::chrono_literals;

namespace {

constexpr int kEventsPerBatch = 50;
constexpr auto kBatchInterval = 10ms; // 50 events / 10 ms = 5,000 events/s
constexpr auto kTickInterval = 5ms;
constexpr auto kScrollInterval = 100ms;
constexpr auto kCatchUpLimit = 10s;
constexpr double kStallBarMs = 50.0;

constexpr int kPreloadBatch = 500;
constexpr int kPreloadConnections = 4;
constexpr auto kBrowseScrollInterval = 50ms;

struct Options {
    int seconds = 20;
    bool scroll = true;
    long long stored = 0;
    int browseSeconds = 10;
};

Options parseOptions(const QStringList& args) {
    Options options;
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == u"--seconds" && i + 1 < args.size()) {
            bool ok = false;
            options.seconds = args[++i].toInt(&ok);
            if (!ok || options.seconds < 1 || options.seconds > 3600) {
                std::fprintf(stderr, "--seconds takes a whole number from 1 to 3600\n");
                std::exit(64);
            }
        } else if (args[i] == u"--no-scroll") {
            options.scroll = false;
        } else if (args[i] == u"--stored" && i + 1 < args.size()) {
            bool ok = false;
            options.stored = args[++i].toLongLong(&ok);
            if (!ok || options.stored < 0 || options.stored > 10'000'000) {
                std::fprintf(stderr, "--stored takes a whole number from 0 to 10000000\n");
                std::exit(64);
            }
        } else if (args[i] == u"--browse-seconds" && i + 1 < args.size()) {
            bool ok = false;
            options.browseSeconds = args[++i].toInt(&ok);
            if (!ok || options.browseSeconds < 1 || options.browseSeconds > 600) {
                std::fprintf(stderr, "--browse-seconds takes a whole number from 1 to 600\n");
                std::exit(64);
            }
        } else {
            std::fprintf(stderr, "usage: bench_console_stall [--seconds N] [--no-scroll] "
                                 "[--stored N] [--browse-seconds N]\n");
            std::exit(64);
        }
    }
    return options;
}

// "2026-11-27T09:14:03.120Z" for now.
std::string rfc3339Now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::string time(text, length);
    time += '.';
    time += static_cast<char>('0' + millis / 100);
    time += static_cast<char>('0' + millis / 10 % 10);
    time += static_cast<char>('0' + millis % 10);
    time += 'Z';
    return time;
}

// A JSON array of `count` LeadScored events (about 300 bytes each).
std::string leadScoredBatch(UuidV7Generator& ids, long long first, int count = kEventsPerBatch) {
    const std::string occurredAt = rfc3339Now();
    std::string body = "[";
    for (int i = 0; i < count; ++i) {
        const long long n = first + i;
        const std::string lead = "L-" + std::to_string(n % 5000);
        if (i > 0)
            body += ',';
        body += R"({"event_id":")" + ids.next() + R"(","event_type":"LeadScored","occurred_at":")" +
                occurredAt +
                R"(","producer":"bench-console-stall","tenant_id":"acme",)"
                R"("correlation_id":"stall-)" +
                std::to_string(n) + R"(","entity":{"kind":"lead","id":")" + lead +
                R"("},"payload":{"lead_id":")" + lead + R"(","score":)" + std::to_string(n % 101) +
                R"(,"model":"fit-v3"}})";
    }
    body += ']';
    return body;
}

// Publishes on its own thread (never the GUI's) at a steady-clock pace: batch
// k leaves at start + k * 10 ms; a late batch goes at once, so the average
// rate holds unless the broker cannot keep up.
class Publisher {
public:
    Publisher(const test::TestBroker& mesh, std::string token, std::chrono::seconds duration)
        : mesh_(mesh), token_(std::move(token)), duration_(duration) {}
    ~Publisher() { stop(); }

    template <typename Done> void start(Done done) {
        thread_ = std::thread([this, done] {
            run();
            done();
        });
    }
    void stop() {
        stopping_ = true;
        if (thread_.joinable())
            thread_.join();
    }

    long long published() const { return published_; }
    long long acknowledged() const { return acknowledged_; }
    long long refusedRequests() const { return refused_; }
    std::string lastError() const { return lastError_; }
    double elapsedSeconds() const { return elapsedSeconds_; }

private:
    void run() {
        MeshClient client = mesh_.client(token_);
        UuidV7Generator ids;
        const auto start = std::chrono::steady_clock::now();
        const auto end = start + duration_;
        auto next = start;
        while (!stopping_ && next < end) {
            std::this_thread::sleep_until(next);
            const std::string body = leadScoredBatch(ids, published_);
            published_ += kEventsPerBatch;
            const HttpResult result = client.postJson("/v1/events", body);
            if (result.ok()) {
                acknowledged_ += kEventsPerBatch;
            } else {
                ++refused_;
                lastError_ = result.status != 0 ? std::to_string(result.status) + " " + result.body
                                                : result.error;
            }
            next += kBatchInterval;
        }
        elapsedSeconds_ =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    const test::TestBroker& mesh_;
    std::string token_;
    std::chrono::seconds duration_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    // Written by the publisher thread; read after it is joined.
    long long published_ = 0;
    long long acknowledged_ = 0;
    long long refused_ = 0;
    std::string lastError_;
    double elapsedSeconds_ = 0;
};

// Fills the log with `count` events as fast as the broker takes them, from
// kPreloadConnections threads; returns the events acknowledged.
long long preload(const test::TestBroker& mesh, const std::string& token, long long count) {
    std::atomic<long long> next{0};
    std::atomic<long long> acknowledged{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kPreloadConnections; ++t) {
        threads.emplace_back([&] {
            MeshClient client = mesh.client(token);
            UuidV7Generator ids;
            for (long long first = next.fetch_add(kPreloadBatch); first < count;
                 first = next.fetch_add(kPreloadBatch)) {
                const int n = static_cast<int>(std::min<long long>(kPreloadBatch, count - first));
                if (client.postJson("/v1/events", leadScoredBatch(ids, first, n)).ok())
                    acknowledged += n;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    return acknowledged;
}

// CPU time the calling thread has used, in nanoseconds.
qint64 threadCpuNs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<qint64>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// One late tick: how late, and how much of the gap the GUI thread spent on
// the CPU (the rest it waited: descheduled by other processes, or blocked).
struct Stall {
    double lateMs = 0;
    double cpuMs = 0;
};

// How late the GUI thread serves a 5 ms timer: every tick records the gap
// since the previous one minus the interval.
class StallMeter {
public:
    explicit StallMeter(QObject* context) : timer_(context) {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(kTickInterval);
        QObject::connect(&timer_, &QTimer::timeout, context, [this] {
            const qint64 now = clock_.nsecsElapsed();
            const qint64 cpu = threadCpuNs();
            const double gapMs = static_cast<double>(now - lastTickNs_) / 1e6;
            stalls_.push_back(
                {std::max(0.0, gapMs - kIntervalMs), static_cast<double>(cpu - lastCpuNs_) / 1e6});
            lastTickNs_ = now;
            lastCpuNs_ = cpu;
        });
    }

    void start() {
        stalls_.reserve(1 << 16);
        clock_.start();
        lastTickNs_ = 0;
        lastCpuNs_ = threadCpuNs();
        timer_.start();
    }
    void stop() { timer_.stop(); }
    // Closes the current phase; the next one starts from here.
    std::vector<Stall> takeSamples() { return std::exchange(stalls_, {}); }

private:
    static constexpr double kIntervalMs =
        std::chrono::duration<double, std::milli>(kTickInterval).count();
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 lastTickNs_ = 0;
    qint64 lastCpuNs_ = 0;
    std::vector<Stall> stalls_;
};

struct StallFigures {
    std::size_t ticks = 0;
    Stall longest;
    double p99Ms = 0, p50Ms = 0;
    int over16Ms = 0; // a frame at 60 Hz
};

StallFigures summarize(std::vector<Stall> samples) {
    StallFigures f;
    f.ticks = samples.size();
    if (samples.empty())
        return f;
    std::sort(samples.begin(), samples.end(),
              [](const Stall& a, const Stall& b) { return a.lateMs < b.lateMs; });
    auto at = [&samples](double q) {
        return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))]
            .lateMs;
    };
    f.longest = samples.back();
    f.p99Ms = at(0.99);
    f.p50Ms = at(0.50);
    f.over16Ms = static_cast<int>(std::count_if(samples.begin(), samples.end(),
                                                [](const Stall& s) { return s.lateMs > 16; }));
    return f;
}

void printStalls(const char* phase, const StallFigures& f) {
    std::printf("  %-24s %7.1f ms longest (GUI thread on CPU %.1f ms of it)  %6.2f ms p99  "
                "%6.2f ms p50  %d over 16 ms  (%zu ticks)\n",
                phase, f.longest.lateMs, f.longest.cpuMs, f.p99Ms, f.p50Ms, f.over16Ms, f.ticks);
}

// Where a stall's time went: every event the GUI thread dispatches from its
// event loop is timed (wall and thread CPU), with the slowest event handled
// inside it (a paint inside an UpdateRequest, a slot inside a MetaCall).
class DispatchProfiler : public QApplication {
public:
    using QApplication::QApplication;

    struct Dispatch {
        double wallMs = 0;
        double cpuMs = 0;
        QString what;
        double innerMs = 0;
        QString inner;
    };

    bool notify(QObject* receiver, QEvent* event) override {
        if (!recording_ || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        const int depth = depth_++;
        const qint64 wall0 = clock_.nsecsElapsed();
        const qint64 cpu0 = depth == 0 ? threadCpuNs() : 0;
        const QEvent::Type type = event->type(); // the receiver may delete the event
        const QString what = depth > 0 ? QString() : describe(receiver, type);
        if (depth == 0) {
            innerMs_ = 0;
            inner_.clear();
        }
        const bool result = QApplication::notify(receiver, event);
        --depth_;
        const double wallMs = static_cast<double>(clock_.nsecsElapsed() - wall0) / 1e6;
        if (depth == 1 && wallMs > innerMs_) {
            innerMs_ = wallMs;
            inner_ = describe(receiver, type); // the receiver outlived its handler
        }
        if (depth == 0 && (slowest_.size() < kKept || wallMs > slowest_.back().wallMs)) {
            slowest_.push_back(
                {wallMs, static_cast<double>(threadCpuNs() - cpu0) / 1e6, what, innerMs_, inner_});
            std::sort(slowest_.begin(), slowest_.end(),
                      [](const Dispatch& a, const Dispatch& b) { return a.wallMs > b.wallMs; });
            if (slowest_.size() > kKept)
                slowest_.pop_back();
        }
        return result;
    }

    void startRecording() {
        clock_.start();
        recording_ = true;
    }
    void stopRecording() { recording_ = false; }
    const std::vector<Dispatch>& slowest() const { return slowest_; }

private:
    static constexpr std::size_t kKept = 5;

    static QString describe(QObject* receiver, QEvent::Type type) {
        const char* name = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
        QString text = QLatin1StringView(receiver->metaObject()->className());
        if (!receiver->objectName().isEmpty())
            text += u" \"" + receiver->objectName() + u'"';
        text += u' ' + (name ? QString::fromLatin1(name) : QString::number(type));
        return text;
    }

    bool recording_ = false;
    int depth_ = 0;
    QElapsedTimer clock_;
    double innerMs_ = 0;
    QString inner_;
    std::vector<Dispatch> slowest_;
};

// Runs the GUI event loop (a real one: the stall meter must see what the
// console would) until `done` holds or `limit` passes; true if it held.
template <typename Condition> bool waitFor(Condition done, std::chrono::milliseconds limit) {
    if (done())
        return true;
    QEventLoop loop;
    QTimer check;
    check.setInterval(20);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    check.start();
    deadline.start(limit);
    loop.exec();
    return done();
}

} // namespace

int main(int argc, char* argv[]) {
    // Offscreen unless the caller chose a platform or has a display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // The test helpers read the catalog from the environment; default it to
    // this source tree so the benchmark runs by hand too.
    if (qEnvironmentVariableIsEmpty("MESHDECK_CATALOG"))
        qputenv("MESHDECK_CATALOG", MESHDECK_SOURCE_DIR "/resources/catalog");

    DispatchProfiler app(argc, argv);
    const Options options = parseOptions(QCoreApplication::arguments());
    std::setvbuf(stdout, nullptr, _IOLBF, 0);

    // 5,000 events/s is the default per-token rate limit: lift it, the
    // benchmark measures the console, not admission.
    BrokerConfig config;
    config.publishRatePerToken = 1e9;
    config.publishBurstPerToken = 1e9;
    test::TestBroker mesh(std::move(config));

    // The window saves its geometry on close: keep that out of the user's settings.
    QCoreApplication::setOrganizationName(QStringLiteral("meshdeck-bench"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, mesh.dir.path());

    // The run is bounded: loopback only, a finite publish and catch-up, and
    // this for anything that hangs.
    const auto hardLimit = std::chrono::seconds(options.seconds) + 60s;
    QTimer::singleShot(hardLimit, &app, [&hardLimit] {
        std::fprintf(stderr, "bench_console_stall: no result after %lld s; giving up\n",
                     static_cast<long long>(hardLimit.count()));
        std::_Exit(2);
    });

    MeshSession session(std::make_unique<HttpTransport>(
        QUrl(QString::fromStdString(mesh.url())), QByteArray::fromStdString(mesh.adminToken)));
    MainWindow window(session, QStringLiteral("bench"));
    auto* page = new EventsPage(session);
    window.addPage(page);
    window.show();
    session.open();
    if (!waitFor([&session] { return session.state() == SessionState::Online; }, 10s)) {
        std::fprintf(stderr, "bench_console_stall: the session did not come online (%s: %s)\n",
                     qPrintable(toDisplayString(session.state())), qPrintable(session.lastError()));
        return 1;
    }
    long long stored = 0;
    if (options.stored > 0) {
        QElapsedTimer filling;
        filling.start();
        stored = preload(mesh, mesh.adminToken, options.stored);
        std::printf("bench_console_stall: %lld events stored in %.1f s\n", stored,
                    static_cast<double>(filling.elapsed()) / 1000.0);
        if (stored != options.stored) {
            std::fprintf(stderr, "bench_console_stall: the broker refused %lld of %lld events\n",
                         options.stored - stored, options.stored);
            return 1;
        }
    }
    QElapsedTimer opening;
    opening.start();
    page->activate();
    EventTableModel* model = page->model();
    if (!waitFor([model] { return model->hasLoaded() && model->isFollowing(); }, 10s)) {
        std::fprintf(stderr, "bench_console_stall: the Events page did not load and follow\n");
        return 1;
    }
    auto* table = page->findChild<QTableView*>(QStringLiteral("eventsTable"));
    if (!table) {
        std::fprintf(stderr, "bench_console_stall: the Events page has no eventsTable\n");
        return 1;
    }

    if (stored > 0) {
        std::printf("bench_console_stall: browsing %lld stored events for %d s, scrolling to the "
                    "bottom every %lld ms\n",
                    stored, options.browseSeconds,
                    static_cast<long long>(kBrowseScrollInterval.count()));
        // The page may have loaded the empty log before the preload: open it again.
        opening.restart();
        model->reload();
        if (!waitFor([model] { return model->rowCount() > 0; }, 10s)) {
            std::fprintf(stderr, "bench_console_stall: the stored events never showed\n");
            return 1;
        }
        std::printf("  first page shown         %.0f ms after the page opened (%d rows)\n",
                    static_cast<double>(opening.elapsed()), model->rowCount());
        StallMeter browseMeter(&app);
        QTimer browser;
        browser.setInterval(kBrowseScrollInterval);
        QObject::connect(&browser, &QTimer::timeout, table, &QTableView::scrollToBottom);
        const int before = model->rowCount();
        browseMeter.start();
        app.startRecording();
        browser.start();
        waitFor([] { return false; }, std::chrono::seconds(options.browseSeconds));
        browser.stop();
        browseMeter.stop();
        app.stopRecording();
        const int after = model->rowCount();
        // The last row on screen: the table fetched no more than one page past it.
        int lastVisible = table->rowAt(table->viewport()->height() - 1);
        if (lastVisible < 0)
            lastVisible = after - 1;
        std::printf("  rows in the table        %d of %lld stored (%d fetched while browsing, "
                    "%.0f rows/s; page size %d; last row on screen %d)\n",
                    after, stored, after - before,
                    static_cast<double>(after - before) / options.browseSeconds, model->pageSize(),
                    lastVisible + 1);
        const StallFigures browsing = summarize(browseMeter.takeSamples());
        printStalls("browsing", browsing);
        std::printf("  verdict                  longest stall %.1f ms: %s the %.0f ms bar\n",
                    browsing.longest.lateMs,
                    browsing.longest.lateMs < kStallBarMs ? "within" : "ABOVE", kStallBarMs);
        if (after <= before) {
            std::printf("bench_console_stall: scrolling fetched no rows\n");
            return 1;
        }
        if (after > lastVisible + 1 + model->pageSize()) {
            std::printf("bench_console_stall: the table holds %d rows but only %d were scrolled "
                        "to: it fetched more than it was asked for\n",
                        after, lastVisible + 1);
            return 1;
        }
        return 0;
    }

    std::printf("bench_console_stall: %d s at %d events/s (%d every %lld ms), %s, platform %s\n",
                options.seconds,
                static_cast<int>(kEventsPerBatch * (1000 / kBatchInterval.count())),
                kEventsPerBatch, static_cast<long long>(kBatchInterval.count()),
                options.scroll ? "scrolling to the bottom every 100 ms" : "no scrolling",
                qPrintable(QGuiApplication::platformName()));

    QTimer scroller;
    scroller.setInterval(kScrollInterval);
    QObject::connect(&scroller, &QTimer::timeout, table, &QTableView::scrollToBottom);

    StallMeter meter(&app);
    std::atomic<bool> publisherDone{false};
    Publisher publisher(mesh, mesh.adminToken, std::chrono::seconds(options.seconds));
    meter.start();
    app.startRecording();
    if (options.scroll)
        scroller.start();
    publisher.start([&publisherDone] { publisherDone = true; });

    waitFor([&publisherDone] { return publisherDone.load(); }, hardLimit);
    publisher.stop();
    const StallFigures publishing = summarize(meter.takeSamples());

    // Follow polls once a second and pages on from there: give it time.
    QElapsedTimer catchUp;
    catchUp.start();
    const long long acknowledged = publisher.acknowledged();
    const long long expected = stored + acknowledged;
    const bool complete =
        waitFor([model, expected] { return model->rowCount() >= expected; }, kCatchUpLimit);
    const double catchUpSeconds = static_cast<double>(catchUp.elapsed()) / 1000.0;
    meter.stop();
    app.stopRecording();
    scroller.stop();
    const StallFigures catchingUp = summarize(meter.takeSamples());
    const int shown = model->rowCount();

    std::printf("  events published         %lld (%lld acknowledged, %lld requests refused)\n",
                publisher.published(), acknowledged, publisher.refusedRequests());
    if (publisher.refusedRequests() > 0)
        std::printf("  last refusal             %s\n", publisher.lastError().c_str());
    std::printf("  publish rate             %.0f events/s acknowledged over %.2f s\n",
                static_cast<double>(acknowledged) / publisher.elapsedSeconds(),
                publisher.elapsedSeconds());
    std::printf("  events in the table      %d of %lld, %s %.1f s after the publisher stopped\n",
                shown, expected, complete ? "all" : "NOT all", catchUpSeconds);
    std::printf("  GUI stalls (lateness of a 5 ms timer):\n");
    printStalls("while publishing", publishing);
    printStalls("catching up", catchingUp);
    std::printf("  slowest GUI dispatches   (wall, thread CPU, event; slowest event inside it)\n");
    for (const DispatchProfiler::Dispatch& d : app.slowest())
        std::printf("    %7.1f ms %7.1f ms CPU  %s%s%s\n", d.wallMs, d.cpuMs, qPrintable(d.what),
                    d.inner.isEmpty() ? "" : "; inside: ",
                    d.inner.isEmpty()
                        ? ""
                        : qPrintable(QString::number(d.innerMs, 'f', 1) + u" ms " + d.inner));
    const double longest = std::max(publishing.longest.lateMs, catchingUp.longest.lateMs);
    std::printf("  verdict                  longest stall %.1f ms: %s the %.0f ms bar\n", longest,
                longest < kStallBarMs ? "within" : "ABOVE", kStallBarMs);

    if (!complete) {
        std::printf("bench_console_stall: %lld events never reached the table\n", expected - shown);
        return 1;
    }
    if (acknowledged == 0) {
        std::printf("bench_console_stall: the broker acknowledged no events\n");
        return 1;
    }
    if (publisher.refusedRequests() > 0) {
        std::printf("bench_console_stall: %lld publish requests were refused (last: %s); the "
                    "figures above are of a lighter load than asked\n",
                    publisher.refusedRequests(), publisher.lastError().c_str());
        return 1;
    }
    return 0;
}
