#pragma once
// --demo: a simulated martech stack feeding the mesh so a first run is never
// empty. The vendors post their own webhooks through /v1/hooks
// (demo_vendors.h), and the mesh's mapping rules make the canonical events:
//   HubSpot     contacts are created and their score and lifecycle stage
//               change (LeadCreated, LeadScored, LeadQualified); deals are
//               created and move through the pipeline (Opportunity*)
//   Salesforce  partner leads are created and worked (LeadCreated,
//               LeadStatusChanged, LeadQualified); accounts change
//               (AccountUpdated)
//   Segment     enrichment and booked demos are tracked (LeadEnriched,
//               DemoBooked); identify calls carry consent (ConsentUpdated)
// Now and then a vendor request is sent twice, as vendors retry, and the mesh
// stores it once. Two things come from no vendor and are published as
// canonical events: lead assignment (no shipped ruleset maps one) and a
// legacy import whose event its schema refuses, so the quarantine has
// something to show. Three consumers take the events (declareConsumers).

#include "demo_receiver.h"
#include "demo_vendors.h"
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
    // Canonical events the mesh stored: from the vendors' webhooks and
    // published directly.
    int published() const { return published_ + vendors_.accepted(); }
    const DemoVendors& vendors() const { return vendors_; }

private:
    // What one tick sends: one request per vendor (and object type) at most.
    struct Traffic {
        QJsonArray hubspot;
        QList<SalesforceRecord> salesforceLeads;
        QList<SalesforceRecord> salesforceAccounts;
        QList<QJsonObject> segment;
        QJsonArray canonical;
    };
    // A HubSpot contact on its way through the funnel; its id is the lead's.
    struct Journey {
        qint64 contact = 0;
        int step = 0;
        int company = 0; // index into the demo's companies
        int person = 0;  // index into the demo's names
    };
    // A lead a partner entered in Salesforce.
    struct PartnerLead {
        QString id;
        QString createdAt;
        int step = 0;
        int company = 0;
        int person = 0;
        QString owner;
    };
    struct Deal {
        qint64 id = 0;
        int stage = 0;
    };

    void declareConsumers();
    void tick();
    void advanceJourneys(Traffic& traffic);
    void advancePartnerLeads(Traffic& traffic);
    void advanceDeals(Traffic& traffic);
    void accountsAndConsent(Traffic& traffic);
    void send(const Traffic& traffic);
    void publish(const QJsonArray& events);

    // Wall-clock milliseconds, strictly increasing: the vendors' timestamps,
    // which the rules make entity versions, so each entity's versions rise.
    qint64 nextMs();
    QJsonObject hubSpotEvent(const QString& subscriptionType, qint64 objectId,
                             const QString& property = {}, const QString& value = {});
    QJsonObject segmentCall(const QString& type, const QString& userId, QJsonObject fields);
    QString salesforceId(const QString& prefix);
    SalesforceRecord partnerLeadRecord(PartnerLead& lead, const QString& status);

    views::MeshSession& session_;
    QString tenant_;
    DemoReceiver receiver_;
    DemoVendors vendors_;
    bool consumersDeclared_ = false;
    QTimer timer_;
    QRandomGenerator random_{20261127};
    int tickCount_ = 0;
    int published_ = 0;
    // Vendor ids are unique across runs (a demo restarted on the same data
    // dir must not send ids the log already holds), so they start from the
    // time the demo started.
    qint64 lastMs_ = 0;
    qint64 nextHubSpotEventId_ = 0;
    qint64 nextContact_ = 0;
    qint64 nextDeal_ = 0;
    qint64 nextSalesforceId_ = 0;
    int nextSegmentMessage_ = 0;
    QList<Journey> journeys_;
    QList<qint64> knownContacts_; // for consent calls: contacts the stack has created
    QList<PartnerLead> partnerLeads_;
    QList<Deal> deals_;
};

} // namespace meshdeck
