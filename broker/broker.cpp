#include "broker/broker.h"

#include "broker/broker_core.h"
#include "broker/gateway/api.h"
#include "broker/gateway/http_server.h"
#include "broker/log.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

namespace meshdeck {

struct Broker::Impl {
    explicit Impl(BrokerConfig config)
        : core(std::move(config)), api(core), server(io, api, core) {}

    BrokerCore core;
    boost::asio::io_context io;
    Api api;
    HttpServer server;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    bool stopped = false;
};

Broker::Broker(BrokerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
    impl_->core.setCompletionExecutor(
        [io = &impl_->io](std::function<void()> work) { boost::asio::post(*io, std::move(work)); });
    adminToken_ = impl_->core.ensureAdminToken();
}

Broker::~Broker() {
    stop();
}

void Broker::start() {
    const auto& config = impl_->core.config();
    impl_->core.delivery().start();
    impl_->server.start(config.listen);
    impl_->work.emplace(impl_->io.get_executor());
    for (std::size_t i = 0; i < config.ioThreads; ++i)
        impl_->threads.emplace_back([this] { impl_->io.run(); });
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
    impl_->work.reset();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!impl_->io.stopped() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    impl_->io.stop();
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
