#include "demo_stack.h"

namespace meshdeck {

DemoStack::DemoStack(views::MeshSession& session, QString tenant, QObject* parent)
    : QObject(parent), session_(session), tenant_(std::move(tenant)),
      traffic_(tenant_.toStdString()), vendors_(session, tenant_) {
    connect(&timer_, &QTimer::timeout, this, &DemoStack::tick);
}

void DemoStack::start(int intervalMs) {
    timer_.start(intervalMs);
    tick();
}

// Only an admin declares consumers; PUT, so a restart keeps them.
void DemoStack::declareConsumers() {
    if (consumersDeclared_ || session_.state() != views::SessionState::Online ||
        session_.role() != QLatin1String("admin"))
        return;
    consumersDeclared_ = true;
    for (const auto& request : demo::consumerDeclarations(receiver_.url(), tenant_.toStdString()))
        session_.request(meshRequest(request), this, [](const views::MeshReply&) {});
}

void DemoStack::tick() {
    declareConsumers();
    vendors_.declareSources();
    if (session_.state() != views::SessionState::Online)
        return;
    for (auto& request : traffic_.tick()) {
        if (request.hook())
            vendors_.post(std::move(request));
        else
            publish(request);
    }
}

// Canonical events, with the session's token. The legacy import is refused
// on purpose and counts for nothing.
void DemoStack::publish(const demo::DemoRequest& request) {
    session_.request(meshRequest(request), this,
                     [this, n = request.items](const views::MeshReply& reply) {
                         if (reply.ok())
                             published_ += n;
                     });
}

} // namespace meshdeck
