#include "broker/broker.h"

#include "broker/broker_core.h"
#include "broker/gateway/api.h"
#include "broker/gateway/http_server.h"
#include "broker/guarded_run.h"
#include "broker/log.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <pthread.h>
#include <thread>

namespace meshdeck {

struct Broker::Impl {
    Impl(BrokerConfig config, const Clock& clock)
        : core(std::move(config), clock), contexts(makeContexts(core.config().ioThreads)),
          api(core), server(pointers(contexts), api, core) {}

    using Context = boost::asio::io_context;
    // One io_context per network thread rather than one shared by all: a
    // hand-off to a connection wakes its own thread and no other.
    static std::vector<std::unique_ptr<Context>> makeContexts(std::size_t n) {
        std::vector<std::unique_ptr<Context>> out;
        for (std::size_t i = 0; i < std::max<std::size_t>(1, n); ++i)
            out.push_back(std::make_unique<Context>(1));
        return out;
    }
    static std::vector<Context*> pointers(const std::vector<std::unique_ptr<Context>>& contexts) {
        std::vector<Context*> out;
        for (const auto& c : contexts)
            out.push_back(c.get());
        return out;
    }
    bool allStopped() const {
        return std::all_of(contexts.begin(), contexts.end(),
                           [](const auto& c) { return c->stopped(); });
    }

    BrokerCore core;
    std::vector<std::unique_ptr<Context>> contexts;
    Api api;
    HttpServer server;
    std::vector<boost::asio::executor_work_guard<Context::executor_type>> work;
    std::vector<std::thread> threads;
    bool stopped = false;
};

Broker::Broker(BrokerConfig config, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {
    // Answers that come from no connection's thread (the writer's, for a
    // request without one) are prepared on the first network thread.
    impl_->core.setCompletionExecutor(
        [io = impl_->contexts.front().get()](std::function<void()> work) {
            boost::asio::post(*io, std::move(work));
        });
    adminToken_ = impl_->core.ensureAdminToken();
}

Broker::~Broker() {
    stop();
}

void Broker::start() {
    const auto& config = impl_->core.config();
    impl_->core.delivery().start();
    impl_->server.start(config.listen);
    for (auto& context : impl_->contexts) {
        impl_->work.push_back(boost::asio::make_work_guard(*context));
        impl_->threads.emplace_back([io = context.get(), &core = impl_->core] {
            pthread_setname_np(pthread_self(), "meshd-net");
            runGuarded(*io, core.metrics(), "network-thread");
        });
    }
    log::info("listening",
              {{"url", url()},
               {"data", config.dataDir.string()},
               {"durability", config.durability == Durability::Full ? "full" : "normal"}});
}

void Broker::stop() {
    if (impl_->stopped)
        return;
    impl_->stopped = true;
    impl_->server.stopAccepting();
    // Requests already handed to the writer complete during its drain; their
    // answers are posted to the io threads, which keep running a moment to
    // write them before the connections close.
    impl_->core.drain();
    if (!impl_->threads.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    impl_->server.closeConnections();
    // Let the closes run: the io threads return from run() once the last
    // connection is gone. A connection stuck past the grace period is cut.
    impl_->work.clear();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!impl_->allStopped() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (auto& context : impl_->contexts)
        context->stop();
    for (auto& t : impl_->threads)
        t.join();
    impl_->threads.clear();
}

void Broker::reload() {
    log::info("reloading tokens and schemas");
    impl_->core.reload();
}

std::uint16_t Broker::port() const {
    return impl_->server.port();
}

std::string Broker::url() const {
    const auto& listen = impl_->core.config().listen;
    std::string host = listen.host == "0.0.0.0" ? "127.0.0.1" : listen.host;
    if (host.find(':') != std::string::npos)
        host = '[' + host + ']';
    return std::string(impl_->server.tls() ? "https://" : "http://") + host + ':' +
           std::to_string(port());
}

BrokerCore& Broker::core() {
    return impl_->core;
}

} // namespace meshdeck
