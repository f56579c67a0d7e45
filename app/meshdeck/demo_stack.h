#pragma once
// The console's --demo: the simulated martech stack of
// app/demo/demo_traffic.h feeding the mesh the console is on, so a first run
// is never empty. The vendors' webhooks go through DemoVendors; the canonical
// events and the consumers' declarations through the session. The consumers'
// webhooks are answered by the demo's receiver (app/demo/demo_receiver.h).

#include "app/demo/demo_receiver.h"
#include "app/demo/demo_traffic.h"
#include "demo_vendors.h"
#include "views/session/mesh_session.h"

#include <QObject>
#include <QTimer>

namespace meshdeck {

class DemoStack : public QObject {
    Q_OBJECT

public:
    DemoStack(views::MeshSession& session, QString tenant, QObject* parent = nullptr);
    void start(int intervalMs = static_cast<int>(demo::kTickInterval.count()));
    // Canonical events the mesh stored: from the vendors' webhooks and
    // published directly.
    int published() const { return published_ + vendors_.accepted(); }
    const DemoVendors& vendors() const { return vendors_; }

private:
    void declareConsumers();
    void tick();
    void publish(const demo::DemoRequest& request);

    views::MeshSession& session_;
    QString tenant_;
    demo::DemoReceiver receiver_;
    demo::DemoTraffic traffic_;
    DemoVendors vendors_;
    bool consumersDeclared_ = false;
    QTimer timer_;
    int published_ = 0;
};

} // namespace meshdeck
