#pragma once
// --demo: a simulated martech stack publishing into the mesh so a first run
// is never empty. Lead journeys move through the funnel (created, enriched,
// scored, qualified, assigned, demo booked), accounts and opportunities
// change, consent flips, and a legacy import now and then sends an event its
// schema refuses, so the quarantine has something to show.

#include "demo_receiver.h"
#include "views/session/mesh_session.h"

#include <QObject>
#include <QRandomGenerator>
#include <QTimer>

namespace meshdeck {

class DemoStack : public QObject {
    Q_OBJECT

public:
    DemoStack(views::MeshSession& session, QString tenant, QObject* parent = nullptr);
    void start(int intervalMs = 400);
    int published() const { return published_; }

private:
    void declareConsumers();
    void tick();
    void publish(const QJsonArray& events);

    views::MeshSession& session_;
    QString tenant_;
    DemoReceiver receiver_;
    bool consumersDeclared_ = false;
    QTimer timer_;
    QRandomGenerator random_{20261127};
    int nextLead_ = 1040;
    int tickCount_ = 0;
    int published_ = 0;
    struct Journey {
        QString lead;
        int step = 0;
        int version = 0;
    };
    QList<Journey> journeys_;
};

} // namespace meshdeck
