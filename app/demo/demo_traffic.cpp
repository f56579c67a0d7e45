#include "app/demo/demo_traffic.h"

#include "broker/sources/vendor.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

namespace meshdeck::demo {

using nlohmann::json;

namespace {

// The demo's shared secrets. They only ever sign requests to a mesh on the
// same machine (or one the console attached to with --demo).
constexpr std::string_view kHubSpotClientSecret = "demo-hubspot-client-secret-5c1e";
constexpr std::string_view kSegmentSharedSecret = "demo-segment-shared-secret-8a2f";
// What every Salesforce message carries.
constexpr std::string_view kOrganizationId = "00D5g000004DEMOEA2";
constexpr std::string_view kActionId = "04k5g000000DEMOAAO";

// Salesforce user ids: the owners leads are assigned to.
constexpr std::array<std::string_view, 4> kOwners = {"0055g00000B7cdeAAB", "0055g00000B7cdfAAB",
                                                     "0055g00000B7cdgAAB", "0055g00000B7cdhAAB"};

struct Company {
    std::string_view name;
    std::string_view domain;
    std::string_view industry;
    int employees;
};
// Initech is the account the demo's "CRM" refuses (demo_receiver.cpp).
constexpr std::array<Company, 6> kCompanies = {{
    {"Northwind Traders", "northwind.example", "Wholesale", 420},
    {"Contoso", "contoso.example", "Software", 5200},
    {"Fabrikam", "fabrikam.example", "Manufacturing", 1800},
    {"Tailspin Toys", "tailspin.example", "Retail", 260},
    {"Wide World Importers", "wideworldimporters.example", "Logistics", 940},
    {"Initech", "initech.example", "Software", 75},
}};
// Salesforce accounts the stack keeps changing, one per company: fixed ids,
// like a real org's.
constexpr std::array<std::string_view, 6> kAccounts = {"0015g00000Nwnd1AAA", "0015g00000Cnts1AAA",
                                                       "0015g00000Fbrk1AAA", "0015g00000Tlsp1AAA",
                                                       "0015g00000Wwim1AAA", "0015g00000Intc1AAA"};

struct Person {
    std::string_view first;
    std::string_view last;
};
constexpr std::array<Person, 8> kPeople = {{{"Dana", "Reyes"},
                                            {"Li", "Wei"},
                                            {"Amara", "Okoye"},
                                            {"Jonas", "Berg"},
                                            {"Priya", "Nair"},
                                            {"Mateo", "Silva"},
                                            {"Hana", "Sato"},
                                            {"Owen", "Walsh"}}};

// HubSpot's default sales pipeline, in order.
constexpr std::array<std::string_view, 6> kDealStages = {
    "appointmentscheduled",  "qualifiedtobuy", "presentationscheduled",
    "decisionmakerboughtin", "contractsent",   "closedwon"};

constexpr std::array<std::string_view, 3> kPartnerLeadStatuses = {
    "Open - Not Contacted", "Working - Contacted", "Qualified"};

std::string lowerCase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string emailOf(int person, int company) {
    const Person& p = kPeople[static_cast<std::size_t>(person)];
    return lowerCase(std::string(p.first) + '.' + std::string(p.last)) + '@' +
           std::string(kCompanies[static_cast<std::size_t>(company)].domain);
}

std::string isoMs(std::int64_t ms) {
    return formatRfc3339(fromUnixMillis(ms));
}

// "2026-11-30T09:14:03Z": a date-time to the second, as booking tools send it.
std::string isoSeconds(std::int64_t ms) {
    return isoMs(ms).substr(0, 19) + 'Z';
}

// `value` in `base` (lower-case digits), left-padded with '0' to `width`.
std::string digits(std::int64_t value, int base, std::size_t width) {
    std::array<char, 32> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, base);
    (void)ec; // 32 characters hold any int64 in any base from 2 up
    std::string text(buffer.data(), end);
    if (text.size() < width)
        text.insert(0, width - text.size(), '0');
    return text;
}

std::string xmlEscaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

// One record as a Salesforce Outbound Message notification carries it: the
// fields the outbound message was configured to send, in its order.
struct SalesforceRecord {
    std::string notificationId; // "04l..." (18 characters): Salesforce's id of the notification
    std::string type;           // the sObject type: "Lead", "Account"
    std::vector<std::pair<std::string, std::string>> fields; // "Id" first; empty: xsi:nil
};

// The SOAP envelope Salesforce posts for notifications of one object type.
std::string salesforceOutboundMessage(const std::vector<SalesforceRecord>& records) {
    const std::string organization(kOrganizationId);
    std::string xml =
        R"(<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
)";
    xml += "   <OrganizationId>" + organization + "</OrganizationId>\n";
    xml += "   <ActionId>" + std::string(kActionId) + "</ActionId>\n";
    xml += "   <SessionId xsi:nil=\"true\"/>\n";
    const std::string soap = "https://demo.my.salesforce.com/services/Soap/";
    xml +=
        "   <EnterpriseUrl>" + soap + "c/59.0/" + organization.substr(0, 15) + "</EnterpriseUrl>\n";
    xml += "   <PartnerUrl>" + soap + "u/59.0/" + organization.substr(0, 15) + "</PartnerUrl>\n";
    for (const auto& record : records) {
        xml += "   <Notification>\n    <Id>" + record.notificationId +
               "</Id>\n    <sObject xsi:type=\"sf:" + record.type +
               "\" xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">\n";
        for (const auto& [name, value] : record.fields)
            xml += value.empty()
                       ? "     <sf:" + name + " xsi:nil=\"true\"/>\n"
                       : "     <sf:" + name + '>' + xmlEscaped(value) + "</sf:" + name + ">\n";
        xml += "    </sObject>\n   </Notification>\n";
    }
    xml += "  </notifications>\n </soapenv:Body>\n</soapenv:Envelope>\n";
    return xml;
}

DemoRequest hookRequest(std::string_view source, std::string body, int items,
                        std::string contentType = "application/json") {
    DemoRequest request;
    request.path = "/v1/hooks/" + std::string(source);
    request.contentType = std::move(contentType);
    request.body = std::move(body);
    request.source = source;
    request.items = items;
    return request;
}

// Canonical events, published to the mesh's API in one request.
DemoRequest publishRequest(const json& events) {
    DemoRequest request;
    request.path = "/v1/events";
    request.body = events.dump();
    request.items = static_cast<int>(events.size());
    return request;
}

DemoRequest putRequest(std::string path, const json& body) {
    DemoRequest request;
    request.method = "PUT";
    request.path = std::move(path);
    request.body = body.dump();
    request.items = 1;
    return request;
}

// The problem document's "detail", else the transport error, else "HTTP n".
std::string describe(const HookAnswer& answer) {
    if (answer.status == 0)
        return answer.error.empty() ? std::string("no answer") : answer.error;
    const json problem = json::parse(answer.body, nullptr, false);
    if (problem.is_object() && problem.contains("detail") && problem["detail"].is_string())
        return "HTTP " + std::to_string(answer.status) + ": " +
               problem["detail"].get<std::string>();
    return "HTTP " + std::to_string(answer.status);
}

} // namespace

std::string hookUrl(std::string_view meshUrl, std::string_view source) {
    while (meshUrl.ends_with('/'))
        meshUrl.remove_suffix(1);
    return std::string(meshUrl) + "/v1/hooks/" + std::string(source);
}

// The rate is above what the demo sends at its fastest (a tick every 20 ms
// in the tests), so only a real overload is refused.
std::vector<DemoRequest> sourceDeclarations(std::string_view meshUrl, std::string_view tenant) {
    const json common = {{"tenant", tenant}, {"rate_limit", {{"per_second", 200}, {"burst", 400}}}};
    json hubspot = common;
    hubspot["kind"] = "hubspot";
    hubspot["secrets"] = json::array({kHubSpotClientSecret});
    // HubSpot signs the URL it calls, so the source must know it.
    hubspot["public_url"] = hookUrl(meshUrl, kHubSpot);
    hubspot["description"] = "HubSpot contacts and deals (webhooks v3)";
    json salesforce = common;
    salesforce["kind"] = "salesforce-outbound";
    salesforce["organization_id"] = kOrganizationId;
    salesforce["description"] = "Salesforce Lead and Account outbound messages";
    json segment = common;
    segment["kind"] = "segment";
    segment["secrets"] = json::array({kSegmentSharedSecret});
    segment["description"] = "Segment track and identify calls (Webhooks destination)";
    std::vector<DemoRequest> out;
    for (const auto& [name, spec] :
         {std::pair{kHubSpot, hubspot}, std::pair{kSalesforce, salesforce},
          std::pair{kSegment, segment}})
        out.push_back(putRequest("/v1/sources/" + std::string(name), spec));
    return out;
}

// Three consumers like a real stack has: the CRM (a webhook that refuses one
// archived account), a sales-engagement tool (a webhook), and analytics
// (everything, no sink: progress and lag only). PUT, so a restart keeps them.
std::vector<DemoRequest> consumerDeclarations(std::string_view receiverUrl,
                                              std::string_view tenant) {
    const json fastRetry = {{"max_attempts", 4}, {"base_ms", 500}, {"cap_ms", 4000}};
    const auto webhook = [receiverUrl](std::string_view path) {
        return json{{"type", "webhook"}, {"url", std::string(receiverUrl) + std::string(path)}};
    };
    json crm = {{"description", "Leads to the CRM"},
                {"filter",
                 {{"event_types", json::array({"LeadCreated", "LeadQualified", "LeadAssigned"})},
                  {"tenant", tenant}}},
                {"sink", webhook("/crm")},
                {"retry", fastRetry},
                {"slo", {{"target_ms", 60000}}}};
    json outreach = {
        {"description", "Qualified leads and booked demos to sales engagement"},
        {"filter",
         {{"event_types", json::array({"LeadQualified", "DemoBooked"})}, {"tenant", tenant}}},
        {"sink", webhook("/outreach")},
        {"retry", fastRetry},
        {"rate_limit", {{"per_second", 5}}}};
    json analytics = {{"description", "Every event, for the warehouse loader"},
                      {"sink", {{"type", "none"}}}};
    std::vector<DemoRequest> out;
    for (auto& [name, spec] :
         {std::pair{"crm-sync", crm}, std::pair{"outreach-sequences", outreach},
          std::pair{"analytics", analytics}}) {
        json body = spec;
        body["name"] = name;
        // The demo's events come from vendors, whose entity versions are
        // clock readings: a jump is no missing predecessor, so no consumer
        // waits for one (stale versions are still skipped).
        body["gap_timeout_ms"] = 0;
        out.push_back(putRequest("/v1/consumers/" + std::string(name), body));
    }
    return out;
}

void signHook(DemoRequest& request, std::string_view meshUrl, std::int64_t nowMs) {
    if (request.source == kHubSpot) {
        request.headers = {
            {"X-HubSpot-Signature-Version", "v3"},
            {"X-HubSpot-Request-Timestamp", std::to_string(nowMs)},
            {"X-HubSpot-Signature-v3",
             sources::hubSpotSignatureV3(kHubSpotClientSecret, request.method,
                                         hookUrl(meshUrl, request.source), request.body, nowMs)}};
    } else if (request.source == kSegment) {
        request.headers = {
            {"X-Signature", sources::segmentSignature(kSegmentSharedSecret, request.body)}};
    } else if (request.source == kSalesforce) {
        request.headers = {{"SOAPAction", "\"\""}};
    }
}

HookOutcome hookOutcome(const DemoRequest& request, const HookAnswer& answer) {
    HookOutcome outcome;
    if (answer.status >= 200 && answer.status < 300) {
        if (request.source == kSalesforce) {
            outcome.stored = request.repeat ? 0 : request.items;
        } else {
            const json stored = json::parse(answer.body, nullptr, false);
            if (stored.is_object() && stored.contains("accepted") &&
                stored["accepted"].is_number_integer())
                outcome.stored = stored["accepted"].get<int>();
        }
        return outcome;
    }
    outcome.reason = request.source + " webhook: " + describe(answer);
    if (answer.status != 0 && answer.status != 429 && answer.status < 500) {
        outcome.kind = HookOutcome::Kind::Refused;
        return outcome;
    }
    if (request.attempt >= kMaxAttempts) {
        outcome.kind = HookOutcome::Kind::GaveUp;
        outcome.reason += " (gave up after " + std::to_string(kMaxAttempts) + " attempts)";
        return outcome;
    }
    outcome.kind = HookOutcome::Kind::Retry;
    outcome.retryIn = std::chrono::seconds(1 << (request.attempt - 1));
    int retryAfter = 0;
    const auto& text = answer.retryAfter;
    if (std::from_chars(text.data(), text.data() + text.size(), retryAfter).ec == std::errc{} &&
        retryAfter > 0)
        outcome.retryIn = std::chrono::seconds(retryAfter);
    outcome.reason +=
        " (attempt " + std::to_string(request.attempt) + '/' + std::to_string(kMaxAttempts) + ')';
    return outcome;
}

// ---------------------------------------------------------------- the stack

struct DemoTraffic::State {
    // A HubSpot contact on its way through the funnel; its id is the lead's.
    struct Journey {
        std::int64_t contact = 0;
        int step = 0;
        int company = 0; // index into kCompanies
        int person = 0;  // index into kPeople
    };
    // A lead a partner entered in Salesforce.
    struct PartnerLead {
        std::string id;
        std::string createdAt;
        int step = 0;
        int company = 0;
        int person = 0;
        std::string owner;
    };
    struct Deal {
        std::int64_t id = 0;
        int stage = 0;
    };
    // What one tick sends: one request per vendor (and object type) at most.
    struct Batch {
        json hubspot = json::array();
        std::vector<SalesforceRecord> salesforceLeads;
        std::vector<SalesforceRecord> salesforceAccounts;
        std::vector<json> segment;
        json canonical = json::array();
    };

    State(std::string tenant, const Clock& clock, std::uint32_t seed)
        : tenant(std::move(tenant)), clock(clock), random(seed) {
        const std::int64_t started = toUnixMillis(clock.now());
        nextHubSpotEventId = started * 1000;
        nextContact = started / 1000 % 10'000'000 * 100;
        nextDeal = started / 1000 % 10'000'000 * 10 + 30'000'000'000;
        nextSalesforceId = started / 1000 % 100'000'000 * 100;
    }

    int pick(std::size_t n) {
        return std::uniform_int_distribution<int>(0, static_cast<int>(n) - 1)(random);
    }

    // Wall-clock milliseconds, strictly increasing: the vendors' timestamps.
    std::int64_t nextMs() {
        lastMs = std::max(toUnixMillis(clock.now()), lastMs + 1);
        return lastMs;
    }

    json envelope(std::string_view type, std::string_view producer, std::string_view kind,
                  const std::string& id, std::int64_t version, const std::string& correlation,
                  json payload) const {
        json entity = {{"kind", kind}, {"id", id}};
        if (version > 0)
            entity["version"] = version;
        json e = {{"event_type", type},   {"occurred_at", formatRfc3339(clock.now())},
                  {"producer", producer}, {"tenant_id", tenant},
                  {"entity", entity},     {"payload", std::move(payload)}};
        if (!correlation.empty())
            e["correlation_id"] = correlation;
        return e;
    }

    json hubSpotEvent(std::string_view subscriptionType, std::int64_t objectId,
                      std::string_view property = {}, std::string_view value = {}) {
        static const std::map<std::string_view, int> subscriptions = {
            {"contact.creation", 2204510},
            {"contact.propertyChange", 2204511},
            {"deal.creation", 2204520},
            {"deal.propertyChange", 2204521}};
        json e = {{"eventId", nextHubSpotEventId++},
                  {"subscriptionId", subscriptions.at(subscriptionType)},
                  {"portalId", 62515},
                  {"appId", 54321},
                  {"occurredAt", nextMs()},
                  {"subscriptionType", subscriptionType},
                  {"attemptNumber", 0},
                  {"objectId", objectId}};
        if (property.empty()) {
            e["changeFlag"] = "NEW";
            e["changeSource"] = "FORM";
        } else {
            e["propertyName"] = property;
            e["propertyValue"] = value;
            e["changeSource"] = "CRM";
        }
        return e;
    }

    // A Segment call as the Webhooks destination sends it; `fields` holds the
    // call's own members (event, properties, traits).
    json segmentCall(std::string_view type, const std::string& userId, json fields) {
        const std::int64_t at = nextMs();
        fields["type"] = type;
        fields["userId"] = userId;
        fields["messageId"] =
            "ajs-next-" + std::to_string(at) + '-' + digits(++nextSegmentMessage, 16, 4);
        fields["timestamp"] = isoMs(at);
        fields["context"] = {{"ip", "203.0.113." + std::to_string(1 + pick(250))},
                             {"library", {{"name", "analytics.js"}, {"version", "next-1.70.0"}}}};
        return fields;
    }

    // An 18-character Salesforce id: the object's key prefix ("00Q" a Lead,
    // "04l" a notification), the demo org's pod, a number, a checksum-like tail.
    std::string salesforceId(std::string_view prefix) {
        return std::string(prefix) + "5g0" + digits(nextSalesforceId++, 36, 9) + "AAB";
    }

    // The Lead's notification as it is now. The first one is its creation:
    // its CreatedDate equals its LastModifiedDate, which is how the rules tell.
    SalesforceRecord partnerLeadRecord(PartnerLead& lead, std::string_view status) {
        const std::string modified = isoMs(nextMs());
        if (lead.createdAt.empty())
            lead.createdAt = modified;
        const Company& company = kCompanies[static_cast<std::size_t>(lead.company)];
        const Person& person = kPeople[static_cast<std::size_t>(lead.person)];
        return {salesforceId("04l"),
                "Lead",
                {{"Id", lead.id},
                 {"Email", emailOf(lead.person, lead.company)},
                 {"FirstName", std::string(person.first)},
                 {"LastName", std::string(person.last)},
                 {"Company", std::string(company.name)},
                 {"Status", std::string(status)},
                 {"LeadSource", "Partner Referral"},
                 {"OwnerId", lead.owner},
                 {"CreatedDate", lead.createdAt},
                 {"LastModifiedDate", modified},
                 {"LastModifiedById", lead.owner},
                 {"SystemModstamp", modified}}};
    }

    void advanceJourneys(Batch& batch);
    void journeyStep(const Journey& journey, Batch& batch);
    void advancePartnerLeads(Batch& batch);
    void advanceDeals(Batch& batch);
    void accountsAndConsent(Batch& batch);
    std::vector<DemoRequest> requests(const Batch& batch) const;

    const std::string tenant;
    const Clock& clock;
    std::mt19937 random;
    int tickCount = 0;
    std::int64_t lastMs = 0;
    std::int64_t nextHubSpotEventId = 0;
    std::int64_t nextContact = 0;
    std::int64_t nextDeal = 0;
    std::int64_t nextSalesforceId = 0;
    int nextSegmentMessage = 0;
    std::vector<Journey> journeys;
    std::deque<std::int64_t> knownContacts; // for consent calls: contacts the stack has created
    std::vector<PartnerLead> partnerLeads;
    std::vector<Deal> deals;
};

// A HubSpot contact's way through the funnel, one step per tick at most:
// created (HubSpot), enriched (a Segment track from the enrichment tool),
// scored and qualified (HubSpot properties), assigned, a demo booked
// (Segment). The lead's id is the HubSpot contact id throughout, so its
// events share the correlation id lead:<id> and the trace shows the journey.
void DemoTraffic::State::advanceJourneys(Batch& batch) {
    if (journeys.size() < 12 && pick(3) == 0) {
        const int company = pick(kCompanies.size());
        journeys.push_back({nextContact++, 0, company, pick(kPeople.size())});
    }
    for (auto it = journeys.begin(); it != journeys.end();) {
        if (pick(2) != 0) {
            ++it;
            continue;
        }
        Journey& j = *it;
        journeyStep(j, batch);
        if (++j.step > 5)
            it = journeys.erase(it);
        else
            ++it;
    }
}

// One step of a journey: what it sends next.
void DemoTraffic::State::journeyStep(const Journey& j, Batch& batch) {
    const std::string lead = std::to_string(j.contact);
    const Company& company = kCompanies[static_cast<std::size_t>(j.company)];
    const int score = 40 + pick(60);
    switch (j.step) {
    case 0:
        batch.hubspot.push_back(hubSpotEvent("contact.creation", j.contact));
        knownContacts.push_back(j.contact);
        if (knownContacts.size() > 50)
            knownContacts.pop_front();
        break;
    case 1:
        batch.segment.push_back(segmentCall(
            "track", lead,
            {{"event", "Lead Enriched"},
             {"properties",
              {{"lead_id", lead},
               {"provider", "clearbit"},
               {"company",
                {{"name", company.name},
                 {"domain", company.domain},
                 {"industry", company.industry},
                 {"employees", company.employees}}},
               {"enriched_fields",
                json::array({"company.name", "company.domain", "company.industry"})}}}}));
        break;
    case 2:
        batch.hubspot.push_back(hubSpotEvent("contact.propertyChange", j.contact, "hubspotscore",
                                             std::to_string(score)));
        // HubSpot reports every property it is subscribed to; the rules
        // ignore this one on purpose (the source's "ignored" count).
        batch.hubspot.push_back(hubSpotEvent("contact.propertyChange", j.contact,
                                             "hs_analytics_source", "ORGANIC_SEARCH"));
        break;
    case 3:
        batch.hubspot.push_back(
            hubSpotEvent("contact.propertyChange", j.contact, "lifecyclestage",
                         score >= 70 ? "salesqualifiedlead" : "marketingqualifiedlead"));
        break;
    case 4:
        // No vendor's ruleset maps an owner change to LeadAssigned, so the
        // lead router publishes it as a canonical event, under the
        // journey's correlation id and with a version in the same
        // millisecond sequence as the vendors' items.
        batch.canonical.push_back(
            envelope("LeadAssigned", "lead-router", "lead", lead, nextMs(), "lead:" + lead,
                     {{"lead_id", lead},
                      {"owner_id", kOwners[static_cast<std::size_t>(pick(kOwners.size()))]},
                      {"assignment_rule", "round-robin"}}));
        break;
    default:
        batch.segment.push_back(segmentCall(
            "track", lead,
            {{"event", "Demo Booked"},
             {"properties",
              {{"lead_id", lead},
               {"demo_at", isoSeconds(toUnixMillis(clock.now()) + 3 * 24 * 3600 * 1000LL)},
               {"duration_minutes", 30},
               {"email", emailOf(j.person, j.company)},
               {"account_domain", company.domain},
               {"booking_tool", "chili-piper"}}}}));
        break;
    }
}

// Leads partners enter in Salesforce: created, worked, qualified. Their
// Company is in every notification, so the CRM's refusal of Initech shows
// as dead letters.
void DemoTraffic::State::advancePartnerLeads(Batch& batch) {
    if (partnerLeads.size() < 6 && tickCount % 4 == 1) {
        std::string id = salesforceId("00Q");
        const int company = pick(kCompanies.size());
        const int person = pick(kPeople.size());
        const auto owner = kOwners[static_cast<std::size_t>(pick(kOwners.size()))];
        partnerLeads.push_back({std::move(id), {}, 0, company, person, std::string(owner)});
    }
    for (auto it = partnerLeads.begin(); it != partnerLeads.end();) {
        if (it->step > 0 && pick(3) != 0) {
            ++it;
            continue;
        }
        batch.salesforceLeads.push_back(
            partnerLeadRecord(*it, kPartnerLeadStatuses[static_cast<std::size_t>(it->step)]));
        if (++it->step >= static_cast<int>(kPartnerLeadStatuses.size()))
            it = partnerLeads.erase(it);
        else
            ++it;
    }
}

// HubSpot deals: created, then moved a stage at a time to closed won.
void DemoTraffic::State::advanceDeals(Batch& batch) {
    if (tickCount % 5 != 0)
        return;
    if (deals.size() < 6 && pick(2) == 0) {
        deals.push_back({nextDeal++, 0});
        batch.hubspot.push_back(hubSpotEvent("deal.creation", deals.back().id));
    }
    if (deals.empty())
        return;
    const auto index = static_cast<std::size_t>(pick(deals.size()));
    Deal& deal = deals[index];
    batch.hubspot.push_back(hubSpotEvent("deal.propertyChange", deal.id, "dealstage",
                                         kDealStages[static_cast<std::size_t>(deal.stage)]));
    if (++deal.stage >= static_cast<int>(kDealStages.size()))
        deals.erase(deals.begin() + static_cast<std::ptrdiff_t>(index));
}

// Accounts change in Salesforce now and then; contacts grant or revoke
// consent in the preference centre, which Segment passes on as identify calls.
void DemoTraffic::State::accountsAndConsent(Batch& batch) {
    if (tickCount % 5 == 0) {
        const auto index = static_cast<std::size_t>(pick(kAccounts.size()));
        const Company& company = kCompanies[index];
        const std::string modified = isoMs(nextMs());
        const int employees = company.employees + pick(20);
        const auto owner = kOwners[static_cast<std::size_t>(pick(kOwners.size()))];
        batch.salesforceAccounts.push_back({salesforceId("04l"),
                                            "Account",
                                            {{"Id", std::string(kAccounts[index])},
                                             {"Name", std::string(company.name)},
                                             {"Industry", std::string(company.industry)},
                                             {"NumberOfEmployees", std::to_string(employees)},
                                             {"OwnerId", std::string(owner)},
                                             {"LastModifiedDate", modified},
                                             {"SystemModstamp", modified}}});
    }
    if (tickCount % 7 == 0 && !knownContacts.empty()) {
        const std::int64_t contact =
            knownContacts[static_cast<std::size_t>(pick(knownContacts.size()))];
        const bool revoked = pick(4) == 0;
        batch.segment.push_back(segmentCall("identify", std::to_string(contact),
                                            {{"traits",
                                              {{"consent",
                                                {{"channel", "email"},
                                                 {"status", revoked ? "opted_out" : "opted_in"},
                                                 {"purpose", "marketing"},
                                                 {"legal_basis", "consent"},
                                                 {"source", "preference-center"}}}}}}));
    }
}

// One request per vendor and tick, as the vendors batch: HubSpot up to 100
// events, Salesforce one message per object type, Segment one call each.
// Every ninth HubSpot batch and every seventh Salesforce Lead message is sent
// a second time, as a vendor does when it missed the acknowledgement.
std::vector<DemoRequest> DemoTraffic::State::requests(const Batch& batch) const {
    std::vector<DemoRequest> out;
    const auto addWithRepeat = [&out](DemoRequest request, bool repeat) {
        out.push_back(request);
        if (repeat) {
            request.repeat = true;
            out.push_back(std::move(request));
        }
    };
    if (!batch.hubspot.empty())
        addWithRepeat(
            hookRequest(kHubSpot, batch.hubspot.dump(), static_cast<int>(batch.hubspot.size())),
            tickCount % 9 == 0);
    for (const auto* records : {&batch.salesforceLeads, &batch.salesforceAccounts})
        if (!records->empty())
            addWithRepeat(hookRequest(kSalesforce, salesforceOutboundMessage(*records),
                                      static_cast<int>(records->size()), "text/xml; charset=utf-8"),
                          records == &batch.salesforceLeads && tickCount % 7 == 0);
    for (const json& call : batch.segment)
        out.push_back(hookRequest(kSegment, call.dump(), 1));
    if (!batch.canonical.empty())
        out.push_back(publishRequest(batch.canonical));
    // A legacy import that does not follow the contract: refused and kept in
    // quarantine with its reason. It publishes canonical events itself, in a
    // request of its own (one bad event refuses the whole request).
    if (tickCount % 23 == 0)
        out.push_back(publishRequest(
            json::array({envelope("LeadScored", "legacy-import", "lead", "L-0001", 0, {},
                                  {{"lead_id", "L-0001"}, {"score", 140}, {"model", "excel"}})})));
    return out;
}

DemoTraffic::DemoTraffic(std::string tenant, const Clock& clock, std::uint32_t seed)
    : state_(std::make_unique<State>(std::move(tenant), clock, seed)) {}

DemoTraffic::~DemoTraffic() = default;

std::vector<DemoRequest> DemoTraffic::tick() {
    State& s = *state_;
    ++s.tickCount;
    State::Batch batch;
    s.advanceJourneys(batch);
    s.advancePartnerLeads(batch);
    s.advanceDeals(batch);
    s.accountsAndConsent(batch);
    return s.requests(batch);
}

int DemoTraffic::ticks() const {
    return state_->tickCount;
}

} // namespace meshdeck::demo
