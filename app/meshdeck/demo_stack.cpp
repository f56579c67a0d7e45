#include "demo_stack.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>
#include <algorithm>

namespace meshdeck {

namespace {

QString now() {
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QJsonObject envelope(const QString& type, const QString& producer, const QString& tenant,
                     const QString& kind, const QString& id, qint64 version,
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

// Salesforce user ids: the owners leads are assigned to.
const QStringList kOwners = {
    QStringLiteral("0055g00000B7cdeAAB"), QStringLiteral("0055g00000B7cdfAAB"),
    QStringLiteral("0055g00000B7cdgAAB"), QStringLiteral("0055g00000B7cdhAAB")};

struct Company {
    QString name;
    QString domain;
    QString industry;
    int employees;
};
// Initech is the account the demo's "CRM" refuses (demo_receiver.cpp).
const QList<Company> kCompanies = {
    {QStringLiteral("Northwind Traders"), QStringLiteral("northwind.example"),
     QStringLiteral("Wholesale"), 420},
    {QStringLiteral("Contoso"), QStringLiteral("contoso.example"), QStringLiteral("Software"),
     5200},
    {QStringLiteral("Fabrikam"), QStringLiteral("fabrikam.example"),
     QStringLiteral("Manufacturing"), 1800},
    {QStringLiteral("Tailspin Toys"), QStringLiteral("tailspin.example"), QStringLiteral("Retail"),
     260},
    {QStringLiteral("Wide World Importers"), QStringLiteral("wideworldimporters.example"),
     QStringLiteral("Logistics"), 940},
    {QStringLiteral("Initech"), QStringLiteral("initech.example"), QStringLiteral("Software"), 75}};

const QList<QPair<QString, QString>> kPeople = {{QStringLiteral("Dana"), QStringLiteral("Reyes")},
                                                {QStringLiteral("Li"), QStringLiteral("Wei")},
                                                {QStringLiteral("Amara"), QStringLiteral("Okoye")},
                                                {QStringLiteral("Jonas"), QStringLiteral("Berg")},
                                                {QStringLiteral("Priya"), QStringLiteral("Nair")},
                                                {QStringLiteral("Mateo"), QStringLiteral("Silva")},
                                                {QStringLiteral("Hana"), QStringLiteral("Sato")},
                                                {QStringLiteral("Owen"), QStringLiteral("Walsh")}};

QString emailOf(int person, int company) {
    return (kPeople[person].first + u'.' + kPeople[person].second).toLower() + u'@' +
           kCompanies[company].domain;
}

QString isoMs(qint64 ms) {
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc()).toString(Qt::ISODateWithMs);
}

// HubSpot's default sales pipeline, in order.
const QStringList kDealStages = {
    QStringLiteral("appointmentscheduled"),  QStringLiteral("qualifiedtobuy"),
    QStringLiteral("presentationscheduled"), QStringLiteral("decisionmakerboughtin"),
    QStringLiteral("contractsent"),          QStringLiteral("closedwon")};

// Salesforce accounts the stack keeps changing: fixed ids, like a real org's.
const QStringList kAccounts = {
    QStringLiteral("0015g00000Nwnd1AAA"), QStringLiteral("0015g00000Cnts1AAA"),
    QStringLiteral("0015g00000Fbrk1AAA"), QStringLiteral("0015g00000Tlsp1AAA"),
    QStringLiteral("0015g00000Wwim1AAA"), QStringLiteral("0015g00000Intc1AAA")};

} // namespace

DemoStack::DemoStack(views::MeshSession& session, QString tenant, QObject* parent)
    : QObject(parent), session_(session), tenant_(std::move(tenant)), vendors_(session, tenant_) {
    connect(&timer_, &QTimer::timeout, this, &DemoStack::tick);
    const qint64 started = QDateTime::currentMSecsSinceEpoch();
    nextHubSpotEventId_ = started * 1000;
    nextContact_ = started / 1000 % 10'000'000 * 100;
    nextDeal_ = started / 1000 % 10'000'000 * 10 + 30'000'000'000;
    nextSalesforceId_ = started / 1000 % 100'000'000 * 100;
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

qint64 DemoStack::nextMs() {
    lastMs_ = std::max(QDateTime::currentMSecsSinceEpoch(), lastMs_ + 1);
    return lastMs_;
}

QJsonObject DemoStack::hubSpotEvent(const QString& subscriptionType, qint64 objectId,
                                    const QString& property, const QString& value) {
    static const QHash<QString, int> subscriptions = {
        {QStringLiteral("contact.creation"), 2204510},
        {QStringLiteral("contact.propertyChange"), 2204511},
        {QStringLiteral("deal.creation"), 2204520},
        {QStringLiteral("deal.propertyChange"), 2204521}};
    QJsonObject e{{QStringLiteral("eventId"), nextHubSpotEventId_++},
                  {QStringLiteral("subscriptionId"), subscriptions.value(subscriptionType)},
                  {QStringLiteral("portalId"), 62515},
                  {QStringLiteral("appId"), 54321},
                  {QStringLiteral("occurredAt"), nextMs()},
                  {QStringLiteral("subscriptionType"), subscriptionType},
                  {QStringLiteral("attemptNumber"), 0},
                  {QStringLiteral("objectId"), objectId}};
    if (property.isEmpty()) {
        e.insert(QStringLiteral("changeFlag"), QStringLiteral("NEW"));
        e.insert(QStringLiteral("changeSource"), QStringLiteral("FORM"));
    } else {
        e.insert(QStringLiteral("propertyName"), property);
        e.insert(QStringLiteral("propertyValue"), value);
        e.insert(QStringLiteral("changeSource"), QStringLiteral("CRM"));
    }
    return e;
}

// A Segment call as the Webhooks destination sends it; `fields` holds the
// call's own members (event, properties, traits).
QJsonObject DemoStack::segmentCall(const QString& type, const QString& userId, QJsonObject fields) {
    const qint64 at = nextMs();
    fields.insert(QStringLiteral("type"), type);
    fields.insert(QStringLiteral("userId"), userId);
    fields.insert(QStringLiteral("messageId"),
                  QStringLiteral("ajs-next-%1-%2")
                      .arg(at)
                      .arg(++nextSegmentMessage_, 4, 16, QLatin1Char('0')));
    fields.insert(QStringLiteral("timestamp"), isoMs(at));
    fields.insert(
        QStringLiteral("context"),
        QJsonObject{
            {QStringLiteral("ip"), QStringLiteral("203.0.113.%1").arg(1 + random_.bounded(250))},
            {QStringLiteral("library"),
             QJsonObject{{QStringLiteral("name"), QStringLiteral("analytics.js")},
                         {QStringLiteral("version"), QStringLiteral("next-1.70.0")}}}});
    return fields;
}

// An 18-character Salesforce id: the object's key prefix ("00Q" a Lead,
// "04l" a notification), the demo org's pod, a number, a checksum-like tail.
QString DemoStack::salesforceId(const QString& prefix) {
    return prefix + QStringLiteral("5g0%1AAB").arg(nextSalesforceId_++, 9, 36, QLatin1Char('0'));
}

// The Lead's notification as it is now. The first one is its creation: its
// CreatedDate equals its LastModifiedDate, which is how the rules tell.
SalesforceRecord DemoStack::partnerLeadRecord(PartnerLead& lead, const QString& status) {
    const QString modified = isoMs(nextMs());
    if (lead.createdAt.isEmpty())
        lead.createdAt = modified;
    const auto& company = kCompanies[lead.company];
    const auto& person = kPeople[lead.person];
    return {salesforceId(QStringLiteral("04l")),
            QStringLiteral("Lead"),
            {{QStringLiteral("Id"), lead.id},
             {QStringLiteral("Email"), emailOf(lead.person, lead.company)},
             {QStringLiteral("FirstName"), person.first},
             {QStringLiteral("LastName"), person.second},
             {QStringLiteral("Company"), company.name},
             {QStringLiteral("Status"), status},
             {QStringLiteral("LeadSource"), QStringLiteral("Partner Referral")},
             {QStringLiteral("OwnerId"), lead.owner},
             {QStringLiteral("CreatedDate"), lead.createdAt},
             {QStringLiteral("LastModifiedDate"), modified},
             {QStringLiteral("LastModifiedById"), lead.owner},
             {QStringLiteral("SystemModstamp"), modified}}};
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
    // The demo's events come from vendors, whose entity versions are clock
    // readings: a jump is no missing predecessor, so no consumer waits for
    // one (stale versions are still skipped).
    const auto vendorOrdered = [](QJsonObject spec) {
        spec.insert(QStringLiteral("gap_timeout_ms"), 0);
        return spec;
    };
    const QJsonObject fastRetry{{QStringLiteral("max_attempts"), 4},
                                {QStringLiteral("base_ms"), 500},
                                {QStringLiteral("cap_ms"), 4000}};
    put(QStringLiteral("crm-sync"),
        vendorOrdered(
            {{QStringLiteral("description"), QStringLiteral("Leads to the CRM")},
             {QStringLiteral("filter"), QJsonObject{{QStringLiteral("event_types"),
                                                     QJsonArray{QStringLiteral("LeadCreated"),
                                                                QStringLiteral("LeadQualified"),
                                                                QStringLiteral("LeadAssigned")}},
                                                    {QStringLiteral("tenant"), tenant_}}},
             {QStringLiteral("sink"),
              QJsonObject{
                  {QStringLiteral("type"), QStringLiteral("webhook")},
                  {QStringLiteral("url"), QString(receiver_.url() + QStringLiteral("/crm"))}}},
             {QStringLiteral("retry"), fastRetry},
             {QStringLiteral("slo"), QJsonObject{{QStringLiteral("target_ms"), 60000}}}}));
    put(QStringLiteral("outreach-sequences"),
        vendorOrdered(
            {{QStringLiteral("description"),
              QStringLiteral("Qualified leads and booked demos to sales engagement")},
             {QStringLiteral("filter"), QJsonObject{{QStringLiteral("event_types"),
                                                     QJsonArray{QStringLiteral("LeadQualified"),
                                                                QStringLiteral("DemoBooked")}},
                                                    {QStringLiteral("tenant"), tenant_}}},
             {QStringLiteral("sink"),
              QJsonObject{
                  {QStringLiteral("type"), QStringLiteral("webhook")},
                  {QStringLiteral("url"), QString(receiver_.url() + QStringLiteral("/outreach"))}}},
             {QStringLiteral("retry"), fastRetry},
             {QStringLiteral("rate_limit"), QJsonObject{{QStringLiteral("per_second"), 5}}}}));
    put(QStringLiteral("analytics"),
        vendorOrdered({{QStringLiteral("description"),
                        QStringLiteral("Every event, for the warehouse loader")},
                       {QStringLiteral("sink"),
                        QJsonObject{{QStringLiteral("type"), QStringLiteral("none")}}}}));
}

void DemoStack::tick() {
    ++tickCount_;
    declareConsumers();
    vendors_.declareSources();
    if (session_.state() != views::SessionState::Online)
        return;
    Traffic traffic;
    advanceJourneys(traffic);
    advancePartnerLeads(traffic);
    advanceDeals(traffic);
    accountsAndConsent(traffic);
    send(traffic);

    // A legacy import that does not follow the contract: refused and kept in
    // quarantine with its reason. It publishes canonical events itself, so it
    // goes to /v1/events as it always did.
    if (tickCount_ % 23 == 0)
        publish(
            QJsonArray{envelope(QStringLiteral("LeadScored"), QStringLiteral("legacy-import"),
                                tenant_, QStringLiteral("lead"), QStringLiteral("L-0001"), 0, {},
                                {{QStringLiteral("lead_id"), QStringLiteral("L-0001")},
                                 {QStringLiteral("score"), 140},
                                 {QStringLiteral("model"), QStringLiteral("excel")}})});
}

// A HubSpot contact's way through the funnel, one step per tick at most:
// created (HubSpot), enriched (a Segment track from the enrichment tool),
// scored and qualified (HubSpot properties), assigned, a demo booked
// (Segment). The lead's id is the HubSpot contact id throughout, so its
// events share the correlation id lead:<id> and the trace shows the journey.
void DemoStack::advanceJourneys(Traffic& traffic) {
    if (journeys_.size() < 12 && random_.bounded(3) == 0)
        journeys_.append({nextContact_++, 0, static_cast<int>(random_.bounded(kCompanies.size())),
                          static_cast<int>(random_.bounded(kPeople.size()))});
    for (auto it = journeys_.begin(); it != journeys_.end();) {
        if (random_.bounded(2) != 0) {
            ++it;
            continue;
        }
        Journey& j = *it;
        const QString lead = QString::number(j.contact);
        const auto& company = kCompanies[j.company];
        const int score = 40 + static_cast<int>(random_.bounded(60));
        switch (j.step) {
        case 0:
            traffic.hubspot.append(hubSpotEvent(QStringLiteral("contact.creation"), j.contact));
            knownContacts_.append(j.contact);
            if (knownContacts_.size() > 50)
                knownContacts_.removeFirst();
            break;
        case 1:
            traffic.segment.append(segmentCall(
                QStringLiteral("track"), lead,
                {{QStringLiteral("event"), QStringLiteral("Lead Enriched")},
                 {QStringLiteral("properties"),
                  QJsonObject{
                      {QStringLiteral("lead_id"), lead},
                      {QStringLiteral("provider"), QStringLiteral("clearbit")},
                      {QStringLiteral("company"),
                       QJsonObject{{QStringLiteral("name"), company.name},
                                   {QStringLiteral("domain"), company.domain},
                                   {QStringLiteral("industry"), company.industry},
                                   {QStringLiteral("employees"), company.employees}}},
                      {QStringLiteral("enriched_fields"),
                       QJsonArray{QStringLiteral("company.name"), QStringLiteral("company.domain"),
                                  QStringLiteral("company.industry")}}}}}));
            break;
        case 2:
            traffic.hubspot.append(hubSpotEvent(QStringLiteral("contact.propertyChange"), j.contact,
                                                QStringLiteral("hubspotscore"),
                                                QString::number(score)));
            // HubSpot reports every property it is subscribed to; the rules
            // ignore this one on purpose (the source's "ignored" count).
            traffic.hubspot.append(hubSpotEvent(QStringLiteral("contact.propertyChange"), j.contact,
                                                QStringLiteral("hs_analytics_source"),
                                                QStringLiteral("ORGANIC_SEARCH")));
            break;
        case 3:
            traffic.hubspot.append(hubSpotEvent(QStringLiteral("contact.propertyChange"), j.contact,
                                                QStringLiteral("lifecyclestage"),
                                                score >= 70
                                                    ? QStringLiteral("salesqualifiedlead")
                                                    : QStringLiteral("marketingqualifiedlead")));
            break;
        case 4:
            // No vendor's ruleset maps an owner change to LeadAssigned, so the
            // lead router publishes it as a canonical event, under the
            // journey's correlation id and with a version in the same
            // millisecond sequence as the vendors' items.
            traffic.canonical.append(
                envelope(QStringLiteral("LeadAssigned"), QStringLiteral("lead-router"), tenant_,
                         QStringLiteral("lead"), lead, nextMs(), QStringLiteral("lead:") + lead,
                         {{QStringLiteral("lead_id"), lead},
                          {QStringLiteral("owner_id"), kOwners[random_.bounded(kOwners.size())]},
                          {QStringLiteral("assignment_rule"), QStringLiteral("round-robin")}}));
            break;
        default:
            traffic.segment.append(segmentCall(
                QStringLiteral("track"), lead,
                {{QStringLiteral("event"), QStringLiteral("Demo Booked")},
                 {QStringLiteral("properties"),
                  QJsonObject{{QStringLiteral("lead_id"), lead},
                              {QStringLiteral("demo_at"),
                               QDateTime::currentDateTimeUtc().addDays(3).toString(Qt::ISODate)},
                              {QStringLiteral("duration_minutes"), 30},
                              {QStringLiteral("email"), emailOf(j.person, j.company)},
                              {QStringLiteral("account_domain"), company.domain},
                              {QStringLiteral("booking_tool"), QStringLiteral("chili-piper")}}}}));
            break;
        }
        if (++j.step > 5)
            it = journeys_.erase(it);
        else
            ++it;
    }
}

// Leads partners enter in Salesforce: created, worked, qualified. Their
// Company is in every notification, so the CRM's refusal of Initech shows
// as dead letters.
void DemoStack::advancePartnerLeads(Traffic& traffic) {
    static const QStringList kStatuses = {QStringLiteral("Open - Not Contacted"),
                                          QStringLiteral("Working - Contacted"),
                                          QStringLiteral("Qualified")};
    if (partnerLeads_.size() < 6 && tickCount_ % 4 == 1)
        partnerLeads_.append({salesforceId(QStringLiteral("00Q")),
                              {},
                              0,
                              static_cast<int>(random_.bounded(kCompanies.size())),
                              static_cast<int>(random_.bounded(kPeople.size())),
                              kOwners[random_.bounded(kOwners.size())]});
    for (auto it = partnerLeads_.begin(); it != partnerLeads_.end();) {
        if (it->step > 0 && random_.bounded(3) != 0) {
            ++it;
            continue;
        }
        traffic.salesforceLeads.append(partnerLeadRecord(*it, kStatuses[it->step]));
        if (++it->step >= kStatuses.size())
            it = partnerLeads_.erase(it);
        else
            ++it;
    }
}

// HubSpot deals: created, then moved a stage at a time to closed won.
void DemoStack::advanceDeals(Traffic& traffic) {
    if (tickCount_ % 5 != 0)
        return;
    if (deals_.size() < 6 && random_.bounded(2) == 0) {
        deals_.append({nextDeal_++, 0});
        traffic.hubspot.append(hubSpotEvent(QStringLiteral("deal.creation"), deals_.last().id));
    }
    if (deals_.isEmpty())
        return;
    const auto index = static_cast<qsizetype>(random_.bounded(static_cast<int>(deals_.size())));
    Deal& deal = deals_[index];
    traffic.hubspot.append(hubSpotEvent(QStringLiteral("deal.propertyChange"), deal.id,
                                        QStringLiteral("dealstage"), kDealStages[deal.stage]));
    if (++deal.stage >= kDealStages.size())
        deals_.removeAt(index);
}

// Accounts change in Salesforce now and then; contacts grant or revoke
// consent in the preference centre, which Segment passes on as identify calls.
void DemoStack::accountsAndConsent(Traffic& traffic) {
    if (tickCount_ % 5 == 0) {
        const auto index = random_.bounded(static_cast<int>(kAccounts.size()));
        const auto& company = kCompanies[index];
        const QString modified = isoMs(nextMs());
        traffic.salesforceAccounts.append(
            {salesforceId(QStringLiteral("04l")),
             QStringLiteral("Account"),
             {{QStringLiteral("Id"), kAccounts[index]},
              {QStringLiteral("Name"), company.name},
              {QStringLiteral("Industry"), company.industry},
              {QStringLiteral("NumberOfEmployees"),
               QString::number(company.employees + static_cast<int>(random_.bounded(20)))},
              {QStringLiteral("OwnerId"), kOwners[random_.bounded(kOwners.size())]},
              {QStringLiteral("LastModifiedDate"), modified},
              {QStringLiteral("SystemModstamp"), modified}}});
    }
    if (tickCount_ % 7 == 0 && !knownContacts_.isEmpty()) {
        const qint64 contact =
            knownContacts_[random_.bounded(static_cast<int>(knownContacts_.size()))];
        const bool revoked = random_.bounded(4) == 0;
        traffic.segment.append(segmentCall(
            QStringLiteral("identify"), QString::number(contact),
            {{QStringLiteral("traits"),
              QJsonObject{
                  {QStringLiteral("consent"),
                   QJsonObject{
                       {QStringLiteral("channel"), QStringLiteral("email")},
                       {QStringLiteral("status"),
                        revoked ? QStringLiteral("opted_out") : QStringLiteral("opted_in")},
                       {QStringLiteral("purpose"), QStringLiteral("marketing")},
                       {QStringLiteral("legal_basis"), QStringLiteral("consent")},
                       {QStringLiteral("source"), QStringLiteral("preference-center")}}}}}}));
    }
}

// One request per vendor and tick, as the vendors batch: HubSpot up to 100
// events, Salesforce one message per object type, Segment one call each.
// Every ninth HubSpot batch and every seventh Salesforce message is sent a
// second time, as a vendor does when it missed the acknowledgement.
void DemoStack::send(const Traffic& traffic) {
    if (vendors_.postHubSpot(traffic.hubspot) && tickCount_ % 9 == 0)
        QTimer::singleShot(250, this, [this] { vendors_.repeatLast(DemoVendors::kHubSpot); });
    const bool leads = vendors_.postSalesforce(traffic.salesforceLeads);
    vendors_.postSalesforce(traffic.salesforceAccounts);
    if (leads && tickCount_ % 7 == 0)
        QTimer::singleShot(250, this, [this] { vendors_.repeatLast(DemoVendors::kSalesforce); });
    for (const auto& call : traffic.segment)
        vendors_.postSegment(call);
    publish(traffic.canonical);
}

} // namespace meshdeck
