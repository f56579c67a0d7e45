#include "demo_stack.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace meshdeck {

namespace {

QString now() {
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QJsonObject envelope(const QString& type, const QString& producer, const QString& tenant,
                     const QString& kind, const QString& id, int version,
                     const QString& correlation, QJsonObject payload) {
    QJsonObject entity{{QStringLiteral("kind"), kind}, {QStringLiteral("id"), id}};
    if (version > 0)
        entity.insert(QStringLiteral("version"), version);
    QJsonObject e{{QStringLiteral("event_type"), type},   {QStringLiteral("occurred_at"), now()},
                  {QStringLiteral("producer"), producer}, {QStringLiteral("tenant_id"), tenant},
                  {QStringLiteral("entity"), entity},     {QStringLiteral("payload"), payload}};
    if (!correlation.isEmpty())
        e.insert(QStringLiteral("correlation_id"), correlation);
    return e;
}

const QStringList kOwners = {QStringLiteral("005-ana.ruiz"), QStringLiteral("005-ben.okafor"),
                             QStringLiteral("005-chen.li"), QStringLiteral("005-dora.mills")};
const QStringList kCompanies = {QStringLiteral("Northwind Traders"),
                                QStringLiteral("Contoso"),
                                QStringLiteral("Fabrikam"),
                                QStringLiteral("Tailspin Toys"),
                                QStringLiteral("Wide World Importers"),
                                QStringLiteral("Initech")};

} // namespace

DemoStack::DemoStack(views::MeshSession& session, QString tenant, QObject* parent)
    : QObject(parent), session_(session), tenant_(std::move(tenant)) {
    connect(&timer_, &QTimer::timeout, this, &DemoStack::tick);
}

void DemoStack::start(int intervalMs) {
    timer_.start(intervalMs);
    tick();
}

void DemoStack::publish(const QJsonArray& events) {
    if (events.isEmpty() || session_.state() != views::SessionState::Online)
        return;
    views::MeshRequest request{QByteArrayLiteral("POST"), QStringLiteral("/v1/events"),
                               QJsonDocument(events).toJson(QJsonDocument::Compact),
                               QByteArrayLiteral("application/json")};
    session_.request(request, this, [this, n = events.size()](const views::MeshReply& reply) {
        if (reply.ok())
            published_ += static_cast<int>(n);
    });
}

// Three consumers like a real stack has: the CRM (a webhook that refuses one
// archived account), a sales-engagement tool (a webhook), and analytics
// (everything, no sink: progress and lag only). PUT, so a restart keeps them.
void DemoStack::declareConsumers() {
    if (consumersDeclared_ || session_.state() != views::SessionState::Online ||
        session_.role() != QLatin1String("admin"))
        return;
    consumersDeclared_ = true;
    const auto put = [this](const QString& name, const QJsonObject& spec) {
        QJsonObject body = spec;
        body.insert(QStringLiteral("name"), name);
        views::MeshRequest request{QByteArrayLiteral("PUT"),
                                   QStringLiteral("/v1/consumers/") + name,
                                   QJsonDocument(body).toJson(QJsonDocument::Compact),
                                   QByteArrayLiteral("application/json")};
        session_.request(request, this, [](const views::MeshReply&) {});
    };
    const QJsonObject fastRetry{{QStringLiteral("max_attempts"), 4},
                                {QStringLiteral("base_ms"), 500},
                                {QStringLiteral("cap_ms"), 4000}};
    put(QStringLiteral("crm-sync"),
        {{QStringLiteral("description"), QStringLiteral("Leads to the CRM")},
         {QStringLiteral("filter"),
          QJsonObject{{QStringLiteral("event_types"),
                       QJsonArray{QStringLiteral("LeadCreated"), QStringLiteral("LeadQualified"),
                                  QStringLiteral("LeadAssigned")}},
                      {QStringLiteral("tenant"), tenant_}}},
         {QStringLiteral("sink"),
          QJsonObject{{QStringLiteral("type"), QStringLiteral("webhook")},
                      {QStringLiteral("url"), QString(receiver_.url() + QStringLiteral("/crm"))}}},
         {QStringLiteral("retry"), fastRetry},
         {QStringLiteral("slo"), QJsonObject{{QStringLiteral("target_ms"), 60000}}}});
    put(QStringLiteral("outreach-sequences"),
        {{QStringLiteral("description"),
          QStringLiteral("Qualified leads and booked demos to sales engagement")},
         {QStringLiteral("filter"),
          QJsonObject{{QStringLiteral("event_types"),
                       QJsonArray{QStringLiteral("LeadQualified"), QStringLiteral("DemoBooked")}},
                      {QStringLiteral("tenant"), tenant_}}},
         {QStringLiteral("sink"),
          QJsonObject{
              {QStringLiteral("type"), QStringLiteral("webhook")},
              {QStringLiteral("url"), QString(receiver_.url() + QStringLiteral("/outreach"))}}},
         {QStringLiteral("retry"), fastRetry},
         {QStringLiteral("rate_limit"), QJsonObject{{QStringLiteral("per_second"), 5}}}});
    put(QStringLiteral("analytics"),
        {{QStringLiteral("description"), QStringLiteral("Every event, for the warehouse loader")},
         {QStringLiteral("sink"), QJsonObject{{QStringLiteral("type"), QStringLiteral("none")}}}});
}

void DemoStack::tick() {
    ++tickCount_;
    declareConsumers();
    QJsonArray batch;
    // A new lead enters the funnel every few ticks.
    if (journeys_.size() < 12 && random_.bounded(3) == 0) {
        const QString lead = QStringLiteral("L-%1").arg(nextLead_++);
        journeys_.append({lead, 0, 0});
    }
    for (auto it = journeys_.begin(); it != journeys_.end();) {
        if (random_.bounded(2) != 0) {
            ++it;
            continue;
        }
        Journey& j = *it;
        const QString correlation = QStringLiteral("lead-%1-journey").arg(j.lead);
        const int score = 40 + static_cast<int>(random_.bounded(60));
        QJsonObject payload{{QStringLiteral("lead_id"), j.lead}};
        QString type, producer;
        switch (j.step) {
        case 0:
            type = QStringLiteral("LeadCreated");
            producer = QStringLiteral("hubspot");
            payload.insert(QStringLiteral("company"),
                           kCompanies[random_.bounded(kCompanies.size())]);
            payload.insert(QStringLiteral("source"), QStringLiteral("web-form"));
            break;
        case 1:
            type = QStringLiteral("LeadEnriched");
            producer = QStringLiteral("clearbit-bridge");
            payload.insert(QStringLiteral("provider"), QStringLiteral("clearbit"));
            break;
        case 2:
            type = QStringLiteral("LeadScored");
            producer = QStringLiteral("scoring-service");
            payload.insert(QStringLiteral("score"), score);
            payload.insert(QStringLiteral("model"), QStringLiteral("fit-v3"));
            break;
        case 3:
            type = QStringLiteral("LeadQualified");
            producer = QStringLiteral("scoring-service");
            payload.insert(QStringLiteral("score"), score);
            payload.insert(QStringLiteral("qualified_by"), QStringLiteral("model-v3"));
            break;
        case 4:
            type = QStringLiteral("LeadAssigned");
            producer = QStringLiteral("salesforce");
            payload.insert(QStringLiteral("owner_id"), kOwners[random_.bounded(kOwners.size())]);
            break;
        default:
            type = QStringLiteral("DemoBooked");
            producer = QStringLiteral("segment");
            payload.insert(QStringLiteral("demo_at"),
                           QDateTime::currentDateTimeUtc().addDays(3).toString(Qt::ISODate));
            break;
        }
        batch.append(envelope(type, producer, tenant_, QStringLiteral("lead"), j.lead, ++j.version,
                              correlation, payload));
        if (++j.step > 5)
            it = journeys_.erase(it);
        else
            ++it;
    }
    if (tickCount_ % 5 == 0) {
        const QString account = QStringLiteral("A-%1").arg(200 + random_.bounded(8));
        const QString opportunity = QStringLiteral("O-%1").arg(7000 + random_.bounded(30));
        batch.append(envelope(QStringLiteral("OpportunityStageChanged"),
                              QStringLiteral("salesforce"), tenant_, QStringLiteral("opportunity"),
                              opportunity, 0, {},
                              {{QStringLiteral("opportunity_id"), opportunity},
                               {QStringLiteral("account_id"), account},
                               {QStringLiteral("to_stage"), QStringLiteral("Proposal")}}));
        batch.append(envelope(QStringLiteral("AccountUpdated"), QStringLiteral("salesforce"),
                              tenant_, QStringLiteral("account"), account, 0, {},
                              {{QStringLiteral("account_id"), account}}));
    }
    if (tickCount_ % 7 == 0) {
        const QString contact = QStringLiteral("C-%1").arg(9000 + random_.bounded(50));
        const QString status =
            random_.bounded(4) == 0 ? QStringLiteral("revoked") : QStringLiteral("granted");
        batch.append(envelope(QStringLiteral("ConsentUpdated"), QStringLiteral("marketo"), tenant_,
                              QStringLiteral("contact"), contact, 0, {},
                              {{QStringLiteral("contact_id"), contact},
                               {QStringLiteral("channel"), QStringLiteral("email")},
                               {QStringLiteral("status"), status}}));
    }
    publish(batch);

    // A legacy import that does not follow the contract: refused and kept in
    // quarantine with its reason.
    if (tickCount_ % 23 == 0)
        publish(
            QJsonArray{envelope(QStringLiteral("LeadScored"), QStringLiteral("legacy-import"),
                                tenant_, QStringLiteral("lead"), QStringLiteral("L-0001"), 0, {},
                                {{QStringLiteral("lead_id"), QStringLiteral("L-0001")},
                                 {QStringLiteral("score"), 140},
                                 {QStringLiteral("model"), QStringLiteral("excel")}})});
}

} // namespace meshdeck
