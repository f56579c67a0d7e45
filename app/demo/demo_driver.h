#pragma once
// meshd --demo: the demo's traffic (demo_traffic.h) sent to a mesh over HTTP
// from a thread of its own, with the demo's receiver (demo_receiver.h)
// playing the consumers' downstream systems. It declares the sources and
// consumers with an admin token, then every tick posts the vendors' webhooks
// to /v1/hooks/<source> (no token: each signed as its vendor signs) and
// publishes the canonical events to /v1/events with the token. A webhook the
// mesh did not acknowledge is sent again as a vendor does (hookOutcome).
//
// Threads: start() and stop() are called from one thread; the requests go
// out from the driver's own, one at a time. stored() may be read from any
// thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace meshdeck::demo {

class DemoReceiver;

class DemoDriver {
public:
    // meshUrl: the mesh's own listener ("http://127.0.0.1:8787"); an https
    // one is the mesh's own too, so its certificate is not checked.
    DemoDriver(std::string meshUrl, std::string adminToken, std::string tenant = "acme");
    ~DemoDriver(); // stop()
    DemoDriver(const DemoDriver&) = delete;
    DemoDriver& operator=(const DemoDriver&) = delete;

    // Starts the receiver and the thread. Throws std::runtime_error when the
    // receiver cannot listen.
    void start();
    // Lets the request in flight finish, drops what waits for a retry, and
    // joins the thread; then stops the receiver.
    void stop();

    // Canonical events the mesh stored from the demo's requests.
    int stored() const { return stored_.load(); }

private:
    struct Run;
    void run();
    // Waits until `due` or stop(); true when stopping.
    bool sleepUntil(std::chrono::steady_clock::time_point due);

    const std::string meshUrl_;
    const std::string token_;
    const std::string tenant_;
    std::unique_ptr<DemoReceiver> receiver_;
    std::atomic<int> stored_{0};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false; // guarded by mutex_
    std::thread thread_;
};

} // namespace meshdeck::demo
