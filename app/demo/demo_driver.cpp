#include "app/demo/demo_driver.h"

#include "app/demo/demo_receiver.h"
#include "app/demo/demo_traffic.h"
#include "broker/client/mesh_client.h"
#include "broker/log.h"
#include "core/time.h"

#include <map>
#include <set>

namespace meshdeck::demo {

using Steady = std::chrono::steady_clock;

namespace {

constexpr std::chrono::seconds kRequestTimeout{15};

std::string describe(const HttpResult& result) {
    return result.status == 0 ? result.error : "HTTP " + std::to_string(result.status);
}

HttpResult send(MeshClient& client, const DemoRequest& request) {
    std::map<std::string, std::string> headers{{"content-type", request.contentType}};
    for (const auto& [name, value] : request.headers)
        headers[name] = value;
    return client.request(request.method, request.path, request.body, headers);
}

} // namespace

// What the driver's thread owns while it runs.
struct DemoDriver::Run {
    Run(const std::string& meshUrl, const std::string& token, const std::string& tenant)
        : api(meshUrl, token), vendors(meshUrl, {}), traffic(tenant) {
        for (MeshClient* client : {&api, &vendors}) {
            client->setTimeout(kRequestTimeout);
            client->setInsecure(meshUrl.starts_with("https:"));
        }
    }

    MeshClient api;     // the mesh's API, as the demo's admin
    MeshClient vendors; // the vendors: no token, their own signatures
    DemoTraffic traffic;
    std::set<std::string> ready; // sources the mesh has: only their webhooks are sent
    // Requests by when they go: this tick's, repeats, retries. Equal times
    // keep their order.
    std::multimap<Steady::time_point, DemoRequest> queued;
    std::string lastRefusal;
};

DemoDriver::DemoDriver(std::string meshUrl, std::string adminToken, std::string tenant)
    : meshUrl_(std::move(meshUrl)), token_(std::move(adminToken)), tenant_(std::move(tenant)) {}

DemoDriver::~DemoDriver() {
    stop();
}

void DemoDriver::start() {
    receiver_ = std::make_unique<DemoReceiver>();
    thread_ = std::thread([this] { run(); });
}

void DemoDriver::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
    if (receiver_)
        receiver_->stop();
}

bool DemoDriver::sleepUntil(Steady::time_point due) {
    std::unique_lock lock(mutex_);
    return wake_.wait_until(lock, due, [this] { return stopping_; });
}

void DemoDriver::run() {
    Run run(meshUrl_, token_, tenant_);
    for (const DemoRequest& request : sourceDeclarations(meshUrl_, tenant_)) {
        const std::string name = request.path.substr(request.path.rfind('/') + 1);
        if (const HttpResult result = send(run.api, request); result.ok())
            run.ready.insert(name);
        else
            log::warn("demo: the source was not declared; its webhooks are not sent",
                      {{"source", name}, {"error", describe(result)}});
    }
    for (const DemoRequest& request : consumerDeclarations(receiver_->url(), tenant_))
        if (const HttpResult result = send(run.api, request); !result.ok())
            log::warn("demo: the consumer was not declared",
                      {{"path", request.path}, {"error", describe(result)}});
    log::info("demo: vendors post to /v1/hooks, consumers deliver to the demo receiver",
              {{"sources", static_cast<long long>(run.ready.size())},
               {"receiver", receiver_->url()},
               {"tenant", tenant_}});

    auto nextTick = Steady::now();
    for (;;) {
        const auto due =
            run.queued.empty() ? nextTick : std::min(nextTick, run.queued.begin()->first);
        if (sleepUntil(due))
            break;
        if (const auto now = Steady::now(); now >= nextTick) {
            for (DemoRequest& request : run.traffic.tick())
                if (!request.hook() || run.ready.contains(request.source))
                    run.queued.emplace(request.repeat ? now + kRepeatDelay : now,
                                       std::move(request));
            nextTick = now + kTickInterval;
        }
        while (!run.queued.empty() && run.queued.begin()->first <= Steady::now()) {
            DemoRequest request = std::move(run.queued.extract(run.queued.begin()).mapped());
            if (!request.hook()) {
                // Canonical events: the legacy import is refused on purpose.
                if (send(run.api, request).ok())
                    stored_ += request.items;
                continue;
            }
            signHook(request, meshUrl_, toUnixMillis(SystemClock::instance().now()));
            const HttpResult result = send(run.vendors, request);
            const auto retryAfter = result.headers.find("retry-after");
            const HookOutcome outcome = hookOutcome(
                request, {result.status, result.body,
                          retryAfter == result.headers.end() ? std::string() : retryAfter->second,
                          result.error});
            switch (outcome.kind) {
            case HookOutcome::Kind::Stored:
                stored_ += outcome.stored;
                break;
            case HookOutcome::Kind::Retry:
                ++request.attempt;
                run.queued.emplace(Steady::now() + outcome.retryIn, std::move(request));
                break;
            case HookOutcome::Kind::Refused:
            case HookOutcome::Kind::GaveUp:
                // Once per reason: a source whose secret differs refuses every request.
                if (outcome.reason != run.lastRefusal)
                    log::warn("demo: a vendor webhook was not stored",
                              {{"reason", outcome.reason}});
                run.lastRefusal = outcome.reason;
                break;
            }
            std::lock_guard lock(mutex_);
            if (stopping_)
                break;
        }
    }
    log::info("demo: stopped", {{"ticks", static_cast<long long>(run.traffic.ticks())},
                                {"stored", static_cast<long long>(stored_.load())}});
}

} // namespace meshdeck::demo
