// Vendor items into canonical events: the engine on small rulesets written
// here, then every shipped rule (resources/mappings) on realistic items, each
// mapped event validated against the shipped catalog.

#include "core/mapping.h"
#include "core/schema_registry.h"
#include "core/time.h"
#include "core/uuid.h"
#include "tests/support/test_support.h"
#include "tests/unit/unit_support.h"

#include <QDir>
#include <QFile>
#include <QXmlStreamReader>
#include <QtTest/QTest>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>

using namespace meshdeck;
using mapping::Outcome;
using nlohmann::json;

namespace {

const Timestamp kReceivedAt = *parseRfc3339("2026-11-27T12:00:00.000Z");

std::int64_t ms(const char* rfc3339) {
    return toUnixMillis(*parseRfc3339(rfc3339));
}

// JSON text in one spelling (keys sorted, no spaces), for exact comparisons.
std::string canonical(const std::string& text) {
    return json::parse(text).dump();
}

std::string readFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return file.readAll().toStdString();
}

// resources/mappings: $MESHDECK_MAPPINGS, else beside the catalog.
QString mappingsDir() {
    const QString dir = qEnvironmentVariable("MESHDECK_MAPPINGS");
    if (!dir.isEmpty())
        return dir;
    return QDir(test::catalogDir()).absoluteFilePath(QStringLiteral("../mappings"));
}

const std::vector<std::string> kShippedFiles = {"hubspot.json", "salesforce-outbound.json",
                                                "segment.json", "generic.json"};

// Each shipped ruleset, parsed once.
const mapping::Ruleset& shipped(const std::string& file) {
    static std::map<std::string, mapping::RulesetPtr> cache;
    auto& slot = cache[file];
    if (!slot)
        slot = mapping::parseRuleset(readFile(mappingsDir() + u'/' + QString::fromStdString(file)),
                                     file);
    return *slot;
}

// The whole catalog, as the broker loads it.
const SchemaRegistry& catalog() {
    static const SchemaRegistry registry = [] {
        SchemaRegistry out;
        const QDir dir(test::catalogDir());
        for (const QString& name : dir.entryList({QStringLiteral("*.v1.json")}, QDir::Files)) {
            const std::string type = name.chopped(8).toStdString();
            const Violations violations = out.add(type, 1, readFile(dir.filePath(name)));
            if (!violations.empty())
                qFatal("%s: %s", qPrintable(name), describe(violations).c_str());
        }
        return out;
    }();
    return registry;
}

// The source name each shipped file is tried under.
std::string sourceFor(const std::string& file) {
    static const std::map<std::string, std::string> sources = {
        {"hubspot.json", "hubspot-prod"},
        {"salesforce-outbound.json", "salesforce-prod"},
        {"segment.json", "segment-web"},
        {"generic.json", "forms"}};
    return sources.at(file);
}

mapping::Context contextFor(const std::string& source, const std::string& vendorId) {
    return {source, "acme", source + "-bridge", vendorId, kReceivedAt};
}

// Salesforce items as broker/sources/vendor.h describes them, read from the
// Outbound Message fixture: one per <Notification>, sObject fields without
// their namespace prefix, values as text, xsi:nil as null.
std::vector<json> salesforceItems(const std::string& xml) {
    static const QString xsi = QStringLiteral("http://www.w3.org/2001/XMLSchema-instance");
    QXmlStreamReader reader(QByteArray::fromStdString(xml));
    std::vector<json> items;
    std::string organizationId;
    std::string actionId;
    json current;
    bool inNotification = false;
    bool inSObject = false;
    while (!reader.atEnd()) {
        reader.readNext();
        if (reader.isEndElement()) {
            if (reader.name() == u"sObject") {
                inSObject = false;
            } else if (reader.name() == u"Notification") {
                current["OrganizationId"] = organizationId;
                current["ActionId"] = actionId;
                items.push_back(current);
                inNotification = false;
            }
            continue;
        }
        if (!reader.isStartElement())
            continue;
        const std::string name = reader.name().toString().toStdString();
        if (inSObject) {
            const bool nil = reader.attributes().value(xsi, QStringLiteral("nil")) == u"true";
            const std::string text = reader.readElementText().toStdString();
            current["sObject"][name] = nil ? json() : json(text);
        } else if (name == "Notification") {
            current = json::object();
            inNotification = true;
        } else if (name == "sObject") {
            QString type = reader.attributes().value(xsi, QStringLiteral("type")).toString();
            type = type.mid(type.indexOf(u':') + 1);
            current["sObject"] = {{"type", type.toStdString()}};
            inSObject = true;
        } else if (name == "Id" && inNotification) {
            current["Id"] = reader.readElementText().toStdString();
        } else if (name == "OrganizationId") {
            organizationId = reader.readElementText().toStdString();
        } else if (name == "ActionId") {
            actionId = reader.readElementText().toStdString();
        }
    }
    if (reader.hasError())
        qFatal("outbound-lead.xml: %s", qPrintable(reader.errorString()));
    return items;
}

std::string kindName(Outcome::Kind kind) {
    switch (kind) {
    case Outcome::Kind::Mapped:
        return "Mapped";
    case Outcome::Kind::Ignored:
        return "Ignored";
    case Outcome::Kind::NoMatch:
        return "NoMatch";
    case Outcome::Kind::Failed:
        return "Failed";
    }
    return "?";
}

// A shipped rule mapping one realistic item: everything the event must carry.
struct MappedCase {
    const char* tag;
    std::string file;
    std::string rule;
    std::string item;
    std::string vendorId;
    std::string eventType;
    std::string entityKind;
    std::string entityId;
    std::optional<std::int64_t> version;
    std::string occurredAt;
    std::string correlationId;
    std::string payload; // exact, as JSON
};

// Realistic HubSpot v3 items, from the fixture's ids.
std::string hubspot(const std::string& type, std::int64_t objectId, const std::string& extra,
                    std::int64_t eventId = 4011932100, std::int64_t occurredAt = 1764234900000) {
    return R"({"eventId":)" + std::to_string(eventId) +
           R"(,"subscriptionId":2204520,"portalId":62515,"appId":54321,"occurredAt":)" +
           std::to_string(occurredAt) + R"(,"subscriptionType":")" + type +
           R"(","attemptNumber":0,"objectId":)" + std::to_string(objectId) + extra + "}";
}

std::string hubspotChange(const std::string& type, std::int64_t objectId, const std::string& name,
                          const std::string& valueJson, const std::string& more = {}) {
    return hubspot(type, objectId,
                   R"(,"propertyName":")" + name + R"(","propertyValue":)" + valueJson +
                       R"(,"changeSource":"CRM_UI","sourceId":"userId:45678")" + more);
}

std::string salesforce(const std::string& notificationId, const std::string& sObject) {
    return R"({"OrganizationId":"00D5g000004ABCDEA2","ActionId":"04k5g000000XYZ1AAO","Id":")" +
           notificationId + R"(","sObject":)" + sObject + "}";
}

std::string generic(const std::string& id, const std::string& type, const std::string& data,
                    const std::string& more = {}) {
    return R"({"id":")" + id + R"(","type":")" + type +
           R"(","timestamp":"2026-11-27T13:00:00.000Z","data":)" + data + more + "}";
}

const std::string kHubspotTime = "2025-11-27T09:15:00.000Z"; // 1764234900000

const std::vector<MappedCase>& mappedCases() {
    static const std::vector<MappedCase> cases = {
        // hubspot.json
        {"hubspot contact-created, source from the table", "hubspot.json", "contact-created",
         hubspot("contact.creation", 9001, R"(,"changeFlag":"CREATED","changeSource":"FORM")"),
         "4011932100", "LeadCreated", "lead", "9001", 1764234900000, kHubspotTime, "lead:9001",
         R"({"lead_id":"9001","source":"web_form"})"},
        {"hubspot contact-created, source not in the table", "hubspot.json", "contact-created",
         hubspot("contact.creation", 9002,
                 R"(,"changeFlag":"CREATED","changeSource":"MOBILE_IOS")"),
         "4011932100", "LeadCreated", "lead", "9002", 1764234900000, kHubspotTime, "lead:9002",
         R"({"lead_id":"9002","source":"mobile_ios"})"},
        {"hubspot contact-qualified sql by a user", "hubspot.json", "contact-qualified",
         hubspotChange("contact.propertyChange", 9001, "lifecyclestage", R"("salesqualifiedlead")"),
         "4011932100", "LeadQualified", "lead", "9001", 1764234900000, kHubspotTime, "lead:9001",
         R"({"lead_id":"9001","score":0,"qualified_by":"userId:45678","stage":"sql",)"
         R"("reason":"HubSpot lifecyclestage became salesqualifiedlead","placeholder_fields":["score"]})"},
        {"hubspot contact-scored", "hubspot.json", "contact-scored",
         hubspotChange("contact.propertyChange", 9001, "hubspotscore", R"("72")"), "4011932100",
         "LeadScored", "lead", "9001", 1764234900000, kHubspotTime, "lead:9001",
         R"({"lead_id":"9001","score":72,"model":"hubspotscore"})"},
        {"hubspot contact-lead-status by a user", "hubspot.json", "contact-lead-status",
         hubspotChange("contact.propertyChange", 9001, "hs_lead_status", R"("IN_PROGRESS")"),
         "4011932100", "LeadStatusChanged", "lead", "9001", 1764234900000, kHubspotTime,
         "lead:9001",
         R"({"lead_id":"9001","from_status":null,"to_status":"IN_PROGRESS","changed_by":"userId:45678"})"},
        {"hubspot deal-created", "hubspot.json", "deal-created",
         hubspot("deal.creation", 7001,
                 R"(,"changeFlag":"CREATED","changeSource":"CRM_UI","sourceId":"userId:45678")"),
         "4011932100", "OpportunityCreated", "opportunity", "7001", 1764234900000, kHubspotTime,
         "opportunity:7001",
         R"({"opportunity_id":"7001","account_id":"unknown","stage":"unknown",)"
         R"("placeholder_fields":["account_id","stage"]})"},
        {"hubspot deal-closed-won", "hubspot.json", "deal-closed-won",
         hubspotChange("deal.propertyChange", 7001, "dealstage", R"("closedwon")"), "4011932100",
         "OpportunityClosedWon", "opportunity", "7001", 1764234900000, kHubspotTime,
         "opportunity:7001",
         R"({"opportunity_id":"7001","account_id":"unknown","amount":0,"currency":"XXX",)"
         R"("closed_at":"2025-11-27T09:15:00.000Z","placeholder_fields":["account_id","amount","currency"]})"},
        {"hubspot deal-stage-changed", "hubspot.json", "deal-stage-changed",
         hubspotChange("deal.propertyChange", 7001, "dealstage", R"("presentationscheduled")"),
         "4011932100", "OpportunityStageChanged", "opportunity", "7001", 1764234900000,
         kHubspotTime, "opportunity:7001",
         R"({"opportunity_id":"7001","from_stage":null,"to_stage":"presentationscheduled","changed_by":"userId:45678"})"},
        {"hubspot company-created", "hubspot.json", "company-created",
         hubspot("company.creation", 5001, R"(,"changeFlag":"CREATED","changeSource":"CRM_UI")"),
         "4011932100", "AccountUpdated", "account", "5001", 1764234900000, kHubspotTime,
         "account:5001", R"({"account_id":"5001"})"},
        {"hubspot company-name", "hubspot.json", "company-name",
         hubspotChange("company.propertyChange", 5001, "name", R"("Northwind Traders")"),
         "4011932100", "AccountUpdated", "account", "5001", 1764234900000, kHubspotTime,
         "account:5001",
         R"({"account_id":"5001","name":"Northwind Traders","changed_fields":["name"]})"},
        {"hubspot company-domain", "hubspot.json", "company-domain",
         hubspotChange("company.propertyChange", 5001, "domain", R"("Northwind.Example")"),
         "4011932100", "AccountUpdated", "account", "5001", 1764234900000, kHubspotTime,
         "account:5001",
         R"({"account_id":"5001","domain":"northwind.example","changed_fields":["domain"]})"},
        {"hubspot company-industry", "hubspot.json", "company-industry",
         hubspotChange("company.propertyChange", 5001, "industry", R"("COMPUTER_SOFTWARE")"),
         "4011932100", "AccountUpdated", "account", "5001", 1764234900000, kHubspotTime,
         "account:5001",
         R"({"account_id":"5001","industry":"COMPUTER_SOFTWARE","changed_fields":["industry"]})"},
        {"hubspot company-employees", "hubspot.json", "company-employees",
         hubspotChange("company.propertyChange", 5001, "numberofemployees", R"("250")"),
         "4011932100", "AccountUpdated", "account", "5001", 1764234900000, kHubspotTime,
         "account:5001",
         R"({"account_id":"5001","employee_count":250,"changed_fields":["employee_count"]})"},
        {"hubspot company-owner", "hubspot.json", "company-owner",
         hubspotChange("company.propertyChange", 5001, "hubspot_owner_id", R"("31337")"),
         "4011932100", "AccountUpdated", "account", "5001", 1764234900000, kHubspotTime,
         "account:5001",
         R"({"account_id":"5001","owner_id":"31337","changed_fields":["owner_id"]})"},
        {"hubspot company-property-changed", "hubspot.json", "company-property-changed",
         hubspotChange("company.propertyChange", 5001, "city", R"("Lisbon")"), "4011932100",
         "AccountUpdated", "account", "5001", 1764234900000, kHubspotTime, "account:5001",
         R"({"account_id":"5001","changed_fields":["city"]})"},
        {"hubspot company-property-changed, employees emptied", "hubspot.json",
         "company-property-changed",
         hubspotChange("company.propertyChange", 5001, "numberofemployees", R"("")"), "4011932100",
         "AccountUpdated", "account", "5001", 1764234900000, kHubspotTime, "account:5001",
         R"({"account_id":"5001","changed_fields":["numberofemployees"]})"},

        // salesforce-outbound.json
        {"salesforce lead-created", "salesforce-outbound.json", "lead-created",
         salesforce(
             "04l5g00000Q1w2gAAB",
             R"({"type":"Lead","Id":"00Q5g00000K9LmPEAV","FirstName":"Ana","LastName":"Silva",)"
             R"("Email":"ana.silva@fabrikam.example","Company":"Fabrikam","Title":"VP Marketing",)"
             R"("Phone":"+14155550123","CountryCode":"us","LeadSource":"Partner Referral",)"
             R"("Status":"Open - Not Contacted","OwnerId":"0055g00000B7cdeAAB",)"
             R"("CreatedDate":"2026-11-27T10:00:00.000Z","LastModifiedDate":"2026-11-27T10:00:00.000Z",)"
             R"("SystemModstamp":"2026-11-27T10:00:00.250Z"})"),
         "04l5g00000Q1w2gAAB", "LeadCreated", "lead", "00Q5g00000K9LmPEAV",
         ms("2026-11-27T10:00:00.250Z"), "2026-11-27T10:00:00.000Z", "lead:00Q5g00000K9LmPEAV",
         R"({"lead_id":"00Q5g00000K9LmPEAV","email":"ana.silva@fabrikam.example","first_name":"Ana",)"
         R"("last_name":"Silva","phone":"+14155550123","company":"Fabrikam","job_title":"VP Marketing",)"
         R"("country":"US","source":"partner"})"},
        {"salesforce lead-created, nil fields and an unlisted source", "salesforce-outbound.json",
         "lead-created",
         salesforce(
             "04l5g00000Q1w2hAAB",
             R"({"type":"Lead","Id":"00Q5g00000K9LmQEAV","FirstName":null,"LastName":"Okafor",)"
             R"("Company":"Tailspin","LeadSource":"Trade Show","Status":"Open - Not Contacted",)"
             R"("CreatedDate":"2026-11-27T10:05:00.000Z","LastModifiedDate":"2026-11-27T10:05:00.000Z"})"),
         "04l5g00000Q1w2hAAB", "LeadCreated", "lead", "00Q5g00000K9LmQEAV",
         ms("2026-11-27T10:05:00.000Z"), "2026-11-27T10:05:00.000Z", "lead:00Q5g00000K9LmQEAV",
         R"({"lead_id":"00Q5g00000K9LmQEAV","last_name":"Okafor","company":"Tailspin","source":"trade show"})"},
        {"salesforce lead-qualified by a user", "salesforce-outbound.json", "lead-qualified",
         salesforce(
             "04l5g00000Q1w2iAAB",
             R"({"type":"Lead","Id":"00Q5g00000K9LmOEAV","Status":"Qualified",)"
             R"("LastModifiedById":"0055g00000B7cdfAAB","CreatedDate":"2026-11-20T08:00:00.000Z",)"
             R"("LastModifiedDate":"2026-11-27T09:15:44.000Z","SystemModstamp":"2026-11-27T09:15:44.120Z"})"),
         "04l5g00000Q1w2iAAB", "LeadQualified", "lead", "00Q5g00000K9LmOEAV",
         ms("2026-11-27T09:15:44.120Z"), "2026-11-27T09:15:44.000Z", "lead:00Q5g00000K9LmOEAV",
         R"({"lead_id":"00Q5g00000K9LmOEAV","score":0,"qualified_by":"0055g00000B7cdfAAB",)"
         R"("reason":"Salesforce Lead Status became Qualified","placeholder_fields":["score"]})"},
        {"salesforce lead-status-changed by a user", "salesforce-outbound.json",
         "lead-status-changed",
         salesforce(
             "04l5g00000Q1w2jAAB",
             R"({"type":"Lead","Id":"00Q5g00000K9LmNEAV","Status":"Closed - Not Converted",)"
             R"("LastModifiedById":"0055g00000B7cdeAAB","LastModifiedDate":"2026-11-27T09:30:00.000Z"})"),
         "04l5g00000Q1w2jAAB", "LeadStatusChanged", "lead", "00Q5g00000K9LmNEAV",
         ms("2026-11-27T09:30:00.000Z"), "2026-11-27T09:30:00.000Z", "lead:00Q5g00000K9LmNEAV",
         R"({"lead_id":"00Q5g00000K9LmNEAV","from_status":null,"to_status":"Closed - Not Converted",)"
         R"("changed_by":"0055g00000B7cdeAAB"})"},
        {"salesforce opportunity-closed-won, single-currency org", "salesforce-outbound.json",
         "opportunity-closed-won",
         salesforce(
             "04l5g00000Q1w3aAAB",
             R"({"type":"Opportunity","Id":"0065g00000AbCdEAAZ","AccountId":"0015g00000XyZaBAAV",)"
             R"("Name":"Northwind - Platform","Amount":"48000.00","StageName":"Closed Won",)"
             R"("Probability":"100","CloseDate":"2026-11-30","OwnerId":"0055g00000B7cdeAAB",)"
             R"("CreatedDate":"2026-10-01T08:00:00.000Z","LastModifiedDate":"2026-11-27T11:00:00.000Z",)"
             R"("SystemModstamp":"2026-11-27T11:00:00.000Z"})"),
         "04l5g00000Q1w3aAAB", "OpportunityClosedWon", "opportunity", "0065g00000AbCdEAAZ",
         ms("2026-11-27T11:00:00.000Z"), "2026-11-27T11:00:00.000Z",
         "opportunity:0065g00000AbCdEAAZ",
         R"({"opportunity_id":"0065g00000AbCdEAAZ","account_id":"0015g00000XyZaBAAV","amount":48000.0,)"
         R"("currency":"USD","closed_at":"2026-11-27T11:00:00.000Z","owner_id":"0055g00000B7cdeAAB"})"},
        {"salesforce opportunity-closed-won, multi-currency org", "salesforce-outbound.json",
         "opportunity-closed-won",
         salesforce(
             "04l5g00000Q1w3bAAB",
             R"({"type":"Opportunity","Id":"0065g00000AbCdFAAZ","AccountId":"0015g00000XyZaBAAV",)"
             R"("Amount":"12500","CurrencyIsoCode":"eur","StageName":"Closed Won",)"
             R"("LastModifiedDate":"2026-11-27T11:05:00+01:00"})"),
         "04l5g00000Q1w3bAAB", "OpportunityClosedWon", "opportunity", "0065g00000AbCdFAAZ",
         ms("2026-11-27T10:05:00.000Z"), "2026-11-27T10:05:00.000Z",
         "opportunity:0065g00000AbCdFAAZ",
         R"({"opportunity_id":"0065g00000AbCdFAAZ","account_id":"0015g00000XyZaBAAV","amount":12500,)"
         R"("currency":"EUR","closed_at":"2026-11-27T10:05:00.000Z"})"},
        {"salesforce opportunity-created", "salesforce-outbound.json", "opportunity-created",
         salesforce(
             "04l5g00000Q1w3cAAB",
             R"({"type":"Opportunity","Id":"0065g00000AbCdGAAZ","AccountId":"0015g00000XyZaBAAV",)"
             R"("Name":"Northwind - Expansion","Amount":"12000","CurrencyIsoCode":"EUR",)"
             R"("StageName":"Prospecting","CloseDate":"2027-03-31","OwnerId":"0055g00000B7cdeAAB",)"
             R"("CreatedDate":"2026-11-27T11:10:00.000Z","LastModifiedDate":"2026-11-27T11:10:00.000Z",)"
             R"("SystemModstamp":"2026-11-27T11:10:00.000Z"})"),
         "04l5g00000Q1w3cAAB", "OpportunityCreated", "opportunity", "0065g00000AbCdGAAZ",
         ms("2026-11-27T11:10:00.000Z"), "2026-11-27T11:10:00.000Z",
         "opportunity:0065g00000AbCdGAAZ",
         R"({"opportunity_id":"0065g00000AbCdGAAZ","account_id":"0015g00000XyZaBAAV",)"
         R"("name":"Northwind - Expansion","amount":12000,"currency":"EUR","stage":"Prospecting",)"
         R"("close_date":"2027-03-31","owner_id":"0055g00000B7cdeAAB"})"},
        {"salesforce opportunity-stage-changed, nil amount", "salesforce-outbound.json",
         "opportunity-stage-changed",
         salesforce(
             "04l5g00000Q1w3dAAB",
             R"({"type":"Opportunity","Id":"0065g00000AbCdGAAZ","AccountId":"0015g00000XyZaBAAV",)"
             R"("Amount":null,"StageName":"Negotiation/Review","Probability":"90",)"
             R"("LastModifiedById":"0055g00000B7cdeAAB","CreatedDate":"2026-11-27T11:10:00.000Z",)"
             R"("LastModifiedDate":"2026-12-04T15:00:00.000Z","SystemModstamp":"2026-12-04T15:00:00.010Z"})"),
         "04l5g00000Q1w3dAAB", "OpportunityStageChanged", "opportunity", "0065g00000AbCdGAAZ",
         ms("2026-12-04T15:00:00.010Z"), "2026-12-04T15:00:00.000Z",
         "opportunity:0065g00000AbCdGAAZ",
         R"({"opportunity_id":"0065g00000AbCdGAAZ","from_stage":null,"to_stage":"Negotiation/Review",)"
         R"("probability":90,"changed_by":"0055g00000B7cdeAAB"})"},
        {"salesforce account-updated", "salesforce-outbound.json", "account-updated",
         salesforce(
             "04l5g00000Q1w4aAAB",
             R"({"type":"Account","Id":"0015g00000XyZaBAAV","Name":"Northwind Traders",)"
             R"("Industry":"Retail","NumberOfEmployees":"250","OwnerId":"0055g00000B7cdeAAB",)"
             R"("Website":"https://northwind.example","LastModifiedDate":"2026-11-27T11:20:00.000Z"})"),
         "04l5g00000Q1w4aAAB", "AccountUpdated", "account", "0015g00000XyZaBAAV",
         ms("2026-11-27T11:20:00.000Z"), "2026-11-27T11:20:00.000Z", "account:0015g00000XyZaBAAV",
         R"({"account_id":"0015g00000XyZaBAAV","name":"Northwind Traders","industry":"Retail",)"
         R"("employee_count":250,"owner_id":"0055g00000B7cdeAAB"})"},

        // segment.json
        {"segment demo-booked by userId", "segment.json", "demo-booked",
         R"({"type":"track","event":"Demo Booked","userId":"contact-9001","messageId":"ajs-next-1764234990-77aa",)"
         R"("timestamp":"2026-11-27T09:16:30.250Z","properties":{"demo_at":"2026-12-02T16:00:00+01:00",)"
         R"("duration_minutes":"30","email":"dana.reyes@northwind.example","account_domain":"Northwind.example",)"
         R"("host_id":4417,"booking_tool":"chili-piper"}})",
         "ajs-next-1764234990-77aa", "DemoBooked", "lead", "contact-9001",
         ms("2026-11-27T09:16:30.250Z"), "2026-11-27T09:16:30.250Z", "lead:contact-9001",
         R"({"lead_id":"contact-9001","demo_at":"2026-12-02T15:00:00.000Z","duration_minutes":30,)"
         R"("contact_email":"dana.reyes@northwind.example","account_domain":"northwind.example",)"
         R"("host_id":"4417","booking_tool":"chili-piper"})"},
        {"segment lead-enriched", "segment.json", "lead-enriched",
         R"({"type":"track","event":"Lead Enriched","userId":"contact-9001","messageId":"srv-enrich-5521",)"
         R"("timestamp":"2026-11-27T09:17:00.000Z","properties":{"lead_id":"L-1042","provider":"clearbit",)"
         R"("company":{"name":"Northwind Traders","domain":"northwind.example","employee_count":250,"country":"US"},)"
         R"("person":{"title":"VP Marketing","seniority":"executive"},)"
         R"("enriched_fields":["company.name","company.employee_count","person.title"]}})",
         "srv-enrich-5521", "LeadEnriched", "lead", "L-1042", ms("2026-11-27T09:17:00.000Z"),
         "2026-11-27T09:17:00.000Z", "lead:L-1042",
         R"({"lead_id":"L-1042","provider":"clearbit","company":{"name":"Northwind Traders",)"
         R"("domain":"northwind.example","employee_count":250,"country":"US"},)"
         R"("person":{"title":"VP Marketing","seniority":"executive"},)"
         R"("enriched_fields":["company.name","company.employee_count","person.title"]})"},
        {"segment consent-updated, revoked at the unsubscribe link", "segment.json",
         "consent-updated",
         R"({"type":"identify","userId":"contact-9001","messageId":"ajs-next-1764235200-0c1d",)"
         R"("timestamp":"2026-11-27T09:20:00.000Z","traits":{"email":"dana.reyes@northwind.example",)"
         R"("consent":{"channel":"Email","status":"opted_out","purpose":"Marketing","source":"unsubscribe_link"}},)"
         R"("context":{"ip":"203.0.113.7"}})",
         "ajs-next-1764235200-0c1d", "ConsentUpdated", "contact", "contact-9001",
         ms("2026-11-27T09:20:00.000Z"), "2026-11-27T09:20:00.000Z", "contact:contact-9001",
         R"({"contact_id":"contact-9001","email":"dana.reyes@northwind.example","channel":"email",)"
         R"("status":"revoked","purpose":"marketing","source":"unsubscribe_link",)"
         R"("captured_at":"2026-11-27T09:20:00.000Z","ip_address":"203.0.113.7"})"},
        {"segment consent-updated, granted as a boolean", "segment.json", "consent-updated",
         R"({"type":"identify","userId":"contact-9002","messageId":"srv-consent-77",)"
         R"("timestamp":"2026-11-27T09:21:00.000Z","traits":{"phone":"+14155550123",)"
         R"("consent":{"channel":"sms","status":true,"legal_basis":"Consent","captured_at":"2026-11-27T09:20:58.5Z"}}})",
         "srv-consent-77", "ConsentUpdated", "contact", "contact-9002",
         ms("2026-11-27T09:21:00.000Z"), "2026-11-27T09:21:00.000Z", "contact:contact-9002",
         R"({"contact_id":"contact-9002","phone":"+14155550123","channel":"sms","status":"granted",)"
         R"("legal_basis":"consent","captured_at":"2026-11-27T09:20:58.500Z"})"},

        // generic.json
        {"generic lead-created with its own correlation id and version", "generic.json",
         "lead-created",
         generic(
             "evt_001", "lead.created",
             R"({"lead_id":"L-2001","email":"sam@contoso.example","first_name":"Sam","country":"DE","source":"web_form"})",
             R"(,"correlation_id":"journey-77","version":3)"),
         "evt_001", "LeadCreated", "lead", "L-2001", 3, "2026-11-27T13:00:00.000Z", "journey-77",
         R"({"lead_id":"L-2001","email":"sam@contoso.example","first_name":"Sam","country":"DE","source":"web_form"})"},
        {"generic lead-qualified", "generic.json", "lead-qualified",
         generic("evt_002", "lead.qualified",
                 R"({"lead_id":"L-2001","score":81,"qualified_by":"model-v3","stage":"mql"})"),
         "evt_002", "LeadQualified", "lead", "L-2001", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "lead:L-2001",
         R"({"lead_id":"L-2001","score":81,"qualified_by":"model-v3","stage":"mql"})"},
        {"generic lead-scored", "generic.json", "lead-scored",
         generic("evt_003", "lead.scored",
                 R"({"lead_id":"L-2001","score":81,"model":"fit-v3","previous_score":null})"),
         "evt_003", "LeadScored", "lead", "L-2001", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "lead:L-2001",
         R"({"lead_id":"L-2001","score":81,"model":"fit-v3","previous_score":null})"},
        {"generic lead-status-changed", "generic.json", "lead-status-changed",
         generic("evt_004", "lead.status_changed",
                 R"({"lead_id":"L-2001","from_status":"Open","to_status":"Working"})"),
         "evt_004", "LeadStatusChanged", "lead", "L-2001", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "lead:L-2001",
         R"({"lead_id":"L-2001","from_status":"Open","to_status":"Working"})"},
        {"generic lead-assigned", "generic.json", "lead-assigned",
         generic("evt_005", "lead.assigned",
                 R"({"lead_id":"L-2001","owner_id":"U-7","team":"emea-mid-market"})"),
         "evt_005", "LeadAssigned", "lead", "L-2001", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "lead:L-2001",
         R"({"lead_id":"L-2001","owner_id":"U-7","team":"emea-mid-market"})"},
        {"generic lead-enriched", "generic.json", "lead-enriched",
         generic(
             "evt_006", "lead.enriched",
             R"({"lead_id":"L-2001","provider":"apollo","company":{"name":"Contoso","employee_count":1200}})"),
         "evt_006", "LeadEnriched", "lead", "L-2001", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "lead:L-2001",
         R"({"lead_id":"L-2001","provider":"apollo","company":{"name":"Contoso","employee_count":1200}})"},
        {"generic demo-booked", "generic.json", "demo-booked",
         generic("evt_007", "demo.booked",
                 R"({"lead_id":"L-2001","demo_at":"2026-12-03T10:00:00Z","duration_minutes":30})"),
         "evt_007", "DemoBooked", "lead", "L-2001", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "lead:L-2001",
         R"({"lead_id":"L-2001","demo_at":"2026-12-03T10:00:00Z","duration_minutes":30})"},
        {"generic consent-updated", "generic.json", "consent-updated",
         generic(
             "evt_008", "consent.updated",
             R"({"contact_id":"C-31","channel":"sms","status":"granted","phone":"+4915112345678"})"),
         "evt_008", "ConsentUpdated", "contact", "C-31", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "contact:C-31",
         R"({"contact_id":"C-31","channel":"sms","status":"granted","phone":"+4915112345678"})"},
        {"generic opportunity-created", "generic.json", "opportunity-created",
         generic(
             "evt_009", "opportunity.created",
             R"({"opportunity_id":"O-88","account_id":"A-5","stage":"Discovery","amount":25000,"currency":"EUR"})"),
         "evt_009", "OpportunityCreated", "opportunity", "O-88", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "opportunity:O-88",
         R"({"opportunity_id":"O-88","account_id":"A-5","stage":"Discovery","amount":25000,"currency":"EUR"})"},
        {"generic opportunity-stage-changed", "generic.json", "opportunity-stage-changed",
         generic(
             "evt_010", "opportunity.stage_changed",
             R"({"opportunity_id":"O-88","from_stage":"Discovery","to_stage":"Proposal","probability":40})"),
         "evt_010", "OpportunityStageChanged", "opportunity", "O-88",
         ms("2026-11-27T13:00:00.000Z"), "2026-11-27T13:00:00.000Z", "opportunity:O-88",
         R"({"opportunity_id":"O-88","from_stage":"Discovery","to_stage":"Proposal","probability":40})"},
        {"generic opportunity-closed-won", "generic.json", "opportunity-closed-won",
         generic(
             "evt_011", "opportunity.closed_won",
             R"({"opportunity_id":"O-88","account_id":"A-5","amount":25000,"currency":"EUR","closed_at":"2026-12-20T16:00:00Z"})"),
         "evt_011", "OpportunityClosedWon", "opportunity", "O-88", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "opportunity:O-88",
         R"({"opportunity_id":"O-88","account_id":"A-5","amount":25000,"currency":"EUR","closed_at":"2026-12-20T16:00:00Z"})"},
        {"generic account-updated", "generic.json", "account-updated",
         generic(
             "evt_012", "account.updated",
             R"({"account_id":"A-5","name":"Contoso","tier":"mid_market","changed_fields":["tier"]})"),
         "evt_012", "AccountUpdated", "account", "A-5", ms("2026-11-27T13:00:00.000Z"),
         "2026-11-27T13:00:00.000Z", "account:A-5",
         R"({"account_id":"A-5","name":"Contoso","tier":"mid_market","changed_fields":["tier"]})"},
    };
    return cases;
}

// A shipped rule set meeting an item it does not map: ignored on purpose,
// matched by no rule, or matched by a rule that cannot map it.
struct OtherCase {
    const char* tag;
    std::string file;
    std::string item;
    Outcome::Kind kind;
    std::string rule;
    std::string reason;
};

const std::vector<OtherCase>& otherCases() {
    static const std::vector<OtherCase> cases = {
        // hubspot.json
        {"hubspot lead status emptied", "hubspot.json",
         hubspotChange("contact.propertyChange", 9001, "hs_lead_status", R"("")"),
         Outcome::Kind::Ignored, "contact-property-cleared", ""},
        {"hubspot lifecyclestage lead", "hubspot.json",
         hubspotChange("contact.propertyChange", 9001, "lifecyclestage", R"("lead")"),
         Outcome::Kind::Ignored, "contact-other", ""},
        {"hubspot firstname", "hubspot.json",
         hubspotChange("contact.propertyChange", 9001, "firstname", R"("Dana")"),
         Outcome::Kind::Ignored, "contact-other", ""},
        {"hubspot contact deleted", "hubspot.json",
         hubspot("contact.deletion", 9001, R"(,"changeFlag":"DELETED","changeSource":"CRM_UI")"),
         Outcome::Kind::Ignored, "contact-other", ""},
        {"hubspot deal amount emptied", "hubspot.json",
         hubspotChange("deal.propertyChange", 7001, "amount", R"("")"), Outcome::Kind::Ignored,
         "deal-property-cleared", ""},
        {"hubspot deal amount", "hubspot.json",
         hubspotChange("deal.propertyChange", 7001, "amount", R"("5000")"), Outcome::Kind::Ignored,
         "deal-other", ""},
        {"hubspot company deleted", "hubspot.json",
         hubspot("company.deletion", 5001, R"(,"changeFlag":"DELETED","changeSource":"CRM_UI")"),
         Outcome::Kind::Ignored, "company-other", ""},
        {"hubspot ticket: no rule", "hubspot.json",
         hubspot("ticket.creation", 3001, R"(,"changeFlag":"CREATED","changeSource":"CRM_UI")"),
         Outcome::Kind::NoMatch, "",
         R"(no rule of hubspot.json matches; nearest is rule 'contact-created': /subscriptionType is "ticket.creation", not "contact.creation")"},
        {"hubspot score not a number", "hubspot.json",
         hubspotChange("contact.propertyChange", 9001, "hubspotscore", R"("lots")"),
         Outcome::Kind::Failed, "contact-scored",
         R"(rule 'contact-scored': payload.score: cannot read "lots" as an integer)"},
        {"hubspot contact without objectId", "hubspot.json",
         R"({"eventId":1,"occurredAt":1764234900000,"subscriptionType":"contact.creation","changeSource":"FORM"})",
         Outcome::Kind::Failed, "contact-created",
         "rule 'contact-created': entity.id: /objectId is missing"},
        {"hubspot contact without occurredAt", "hubspot.json",
         R"({"eventId":1,"objectId":9001,"subscriptionType":"contact.creation","changeSource":"FORM"})",
         Outcome::Kind::Failed, "contact-created",
         "rule 'contact-created': entity.version: /occurredAt is missing"},
        {"hubspot dealstage null", "hubspot.json",
         hubspotChange("deal.propertyChange", 7001, "dealstage", "null"), Outcome::Kind::Failed,
         "deal-stage-changed",
         "rule 'deal-stage-changed': payload.to_stage: /propertyValue is null"},

        // salesforce-outbound.json
        {"salesforce contact: no rule", "salesforce-outbound.json",
         salesforce(
             "04l5g00000Q1w5aAAB",
             R"({"type":"Contact","Id":"0035g00000AbCdEAAZ","LastModifiedDate":"2026-11-27T11:20:00.000Z"})"),
         Outcome::Kind::NoMatch, "",
         R"(no rule of salesforce-outbound.json matches; nearest is rule 'lead-created': /sObject/CreatedDate is missing)"},
        {"salesforce won without amount", "salesforce-outbound.json",
         salesforce(
             "04l5g00000Q1w5bAAB",
             R"({"type":"Opportunity","Id":"0065g00000AbCdEAAZ","AccountId":"0015g00000XyZaBAAV",)"
             R"("Amount":null,"StageName":"Closed Won","LastModifiedDate":"2026-11-27T11:00:00.000Z"})"),
         Outcome::Kind::Failed, "opportunity-closed-won",
         "rule 'opportunity-closed-won': payload.amount: /sObject/Amount is null"},
        {"salesforce lead without a clock", "salesforce-outbound.json",
         salesforce("04l5g00000Q1w5cAAB",
                    R"({"type":"Lead","Id":"00Q5g00000K9LmNEAV","Status":"Working - Contacted"})"),
         Outcome::Kind::Failed, "lead-status-changed",
         "rule 'lead-status-changed': entity.version: /sObject/SystemModstamp is missing and "
         "/sObject/LastModifiedDate is missing"},
        {"salesforce lead with an unreadable clock", "salesforce-outbound.json",
         salesforce("04l5g00000Q1w5dAAB",
                    R"({"type":"Lead","Id":"00Q5g00000K9LmNEAV","Status":"Working - Contacted",)"
                    R"("LastModifiedDate":"27/11/2026 09:15"})"),
         Outcome::Kind::Failed, "lead-status-changed",
         R"(rule 'lead-status-changed': entity.version: expected an RFC 3339 date-time such as "2026-11-27T09:14:03.120Z", got "27/11/2026 09:15")"},

        // segment.json
        {"segment identify without consent", "segment.json",
         R"({"type":"identify","userId":"contact-9001","messageId":"m-1","timestamp":"2026-11-27T09:20:00.000Z","traits":{"plan":"pro"}})",
         Outcome::Kind::Ignored, "identify-without-consent", ""},
        {"segment other track", "segment.json",
         R"({"type":"track","event":"Pricing Page Viewed","userId":"contact-9001","messageId":"m-2","timestamp":"2026-11-27T09:20:00.000Z"})",
         Outcome::Kind::Ignored, "other-track", ""},
        {"segment page", "segment.json",
         R"({"type":"page","name":"Pricing","anonymousId":"a1b2c3","messageId":"m-3","timestamp":"2026-11-27T09:20:00.000Z"})",
         Outcome::Kind::Ignored, "other-calls", ""},
        {"segment call without a type", "segment.json",
         R"({"event":"Demo Booked","messageId":"m-4"})", Outcome::Kind::NoMatch, "",
         R"(no rule of segment.json matches; nearest is rule 'demo-booked': /type is missing, not "track")"},
        {"segment consent status not in the table", "segment.json",
         R"({"type":"identify","userId":"contact-9001","messageId":"m-5","timestamp":"2026-11-27T09:20:00.000Z",)"
         R"("traits":{"consent":{"channel":"email","status":"maybe"}}})",
         Outcome::Kind::Failed, "consent-updated",
         R"(rule 'consent-updated': payload.status: "maybe" is not in the table ("false", "granted", "opted_in", "opted_out", "revoked", "subscribed" and 2 more))"},
        {"segment consent from an anonymous visitor", "segment.json",
         R"({"type":"identify","anonymousId":"a1b2c3","messageId":"m-6","timestamp":"2026-11-27T09:20:00.000Z",)"
         R"("traits":{"consent":{"channel":"email","status":"granted"}}})",
         Outcome::Kind::Failed, "consent-updated",
         "rule 'consent-updated': entity.id: /userId is missing"},
        {"segment demo without a time", "segment.json",
         R"({"type":"track","event":"Demo Booked","userId":"contact-9001","messageId":"m-7",)"
         R"("timestamp":"2026-11-27T09:20:00.000Z","properties":{}})",
         Outcome::Kind::Failed, "demo-booked",
         "rule 'demo-booked': payload.demo_at: /properties/demo_at is missing"},
        {"segment demo without a lead", "segment.json",
         R"({"type":"track","event":"Demo Booked","anonymousId":"a1b2c3","messageId":"m-8",)"
         R"("timestamp":"2026-11-27T09:20:00.000Z","properties":{"demo_at":"2026-12-02T15:00:00Z"}})",
         Outcome::Kind::Failed, "demo-booked",
         "rule 'demo-booked': entity.id: /properties/lead_id is missing and /userId is missing"},

        // generic.json
        {"generic ping", "generic.json", R"({"id":"evt_000","type":"webhook.test","data":{}})",
         Outcome::Kind::Ignored, "test-ping", ""},
        {"generic unknown type", "generic.json",
         generic("evt_013", "invoice.paid", R"({"invoice_id":"I-1"})"), Outcome::Kind::NoMatch, "",
         R"(no rule of generic.json matches; nearest is rule 'test-ping': /type is "invoice.paid", not one of "ping", "test", "webhook.test")"},
        {"generic without data", "generic.json",
         R"({"id":"evt_014","type":"account.updated","timestamp":"2026-11-27T13:00:00.000Z"})",
         Outcome::Kind::Failed, "account-updated",
         "rule 'account-updated': entity.id: /data/account_id is missing"},
    };
    return cases;
}

mapping::RulesetPtr rules(const std::string& text) {
    return mapping::parseRuleset(text, "test.json");
}

// One mapping rule with a payload field "v" from `spec`, for value tests.
mapping::RulesetPtr oneField(const std::string& spec) {
    return rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",)"
                 R"("entity":{"kind":"lead","id":{"const":"L-1"}},"payload":{"v":)" +
                 spec + "}}]}");
}

Outcome applyText(const mapping::Ruleset& ruleset, const std::string& item,
                  const std::string& vendorId = "v-1") {
    return mapping::apply(ruleset, json::parse(item), contextFor("test-source", vendorId));
}

} // namespace

class TstMapping : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // UUIDv5 and the hook event id
    void uuidV5KnownVectors() {
        QCOMPARE(uuidV5(kUuidNamespaceDns, "python.org"),
                 std::string("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
        // Python: uuid.uuid5(uuid.NAMESPACE_URL, "")
        QCOMPARE(uuidV5(kUuidNamespaceUrl, ""),
                 std::string("1b4db7eb-4057-5ddf-91e0-36dec72071f5"));
        // A namespace in upper case is the same namespace.
        QCOMPARE(uuidV5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "python.org"),
                 std::string("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
        const std::string id = uuidV5(kUuidNamespaceDns, "meshdeck.example");
        QVERIFY(isUuid(id));
        QCOMPARE(id[14], '5');
        QVERIFY(std::string("89ab").find(id[19]) != std::string::npos);
    }

    void uuidV5RefusesABadNamespace() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, uuidV5("not-a-uuid", "x"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c", "x"));
    }

    void hookNamespaceIsDerivedAsDocumented() {
        QCOMPARE(uuidV5(kUuidNamespaceUrl, "urn:meshdeck:hooks"),
                 std::string(mapping::kHookNamespace));
    }

    void hookEventIdIsStablePerSourceAndVendorId() {
        // Python: uuid.uuid5(UUID("1a67182c-db2d-5e21-85bb-60d4a61854e9"),
        // "hubspot-prod\n4011932001")
        QCOMPARE(mapping::hookEventId("hubspot-prod", "4011932001"),
                 std::string("c64c4247-b45f-5fae-8269-1c6b1eefdf56"));
        QCOMPARE(mapping::hookEventId("hubspot-eu", "4011932001"),
                 std::string("16cdd699-c4d2-567b-a101-6c9b6eeb7c3b"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        QVERIFY(mapping::hookEventId("ab", "c") != mapping::hookEventId("a", "bc"));
    }

    // Conditions
    void conditions_data() {
        QTest::addColumn<QString>("when");
        QTest::addColumn<QString>("item");
        QTest::addColumn<bool>("matches");
        const auto row = [](const char* tag, const char* when, const char* item, bool matches) {
            QTest::newRow(tag) << QString::fromUtf8(when) << QString::fromUtf8(item) << matches;
        };
        row("string equals string", R"({"/a":"x"})", R"({"a":"x"})", true);
        row("string is case-sensitive", R"({"/a":"x"})", R"({"a":"X"})", false);
        row("number equals text of it", R"({"/a":100})", R"({"a":"100"})", true);
        row("text equals number", R"({"/a":"100"})", R"({"a":100})", true);
        row("number equals decimal text", R"({"/a":100})", R"({"a":"100.0"})", true);
        row("text is not a near number", R"({"/a":10})", R"({"a":"10.5"})", false);
        row("text against text is exact", R"({"/a":"1"})", R"({"a":"1.0"})", false);
        row("integer equals float", R"({"/a":1})", R"({"a":1.0})", true);
        row("true equals text true", R"({"/a":true})", R"({"a":"true"})", true);
        row("true is not text 1", R"({"/a":true})", R"({"a":"1"})", false);
        row("null equals null", R"({"/a":null})", R"({"a":null})", true);
        row("missing is not null", R"({"/a":null})", R"({})", false);
        row("array index", R"({"/a/1":"y"})", R"({"a":["x","y"]})", true);
        row("escaped slash", R"({"/a~1b":1})", R"({"a/b":1})", true);
        row("eq spelled out", R"({"/a":{"eq":{"k":1}}})", R"({"a":{"k":1}})", true);
        row("in", R"({"/a":{"in":["x",2]}})", R"({"a":"2"})", true);
        row("not in", R"({"/a":{"in":["x",2]}})", R"({"a":"y"})", false);
        row("not_in holds for a missing field", R"({"/a":{"not_in":["x"]}})", R"({})", true);
        row("not_in fails on a listed value", R"({"/a":{"not_in":["x"]}})", R"({"a":"x"})", false);
        row("ne holds for a missing field", R"({"/a":{"ne":""}})", R"({})", true);
        row("ne fails on the value", R"({"/a":{"ne":""}})", R"({"a":""})", false);
        row("exists", R"({"/a":{"exists":true}})", R"({"a":0})", true);
        row("null does not exist", R"({"/a":{"exists":true}})", R"({"a":null})", false);
        row("exists false on null", R"({"/a":{"exists":false}})", R"({"a":null})", true);
        row("exists false on a value", R"({"/a":{"exists":false}})", R"({"a":"x"})", false);
        row("prefix", R"({"/a":{"prefix":"contact."}})", R"({"a":"contact.deletion"})", true);
        row("prefix of a number", R"({"/a":{"prefix":"1"}})", R"({"a":12})", false);
        row("equals_pointer", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"t","b":"t"})", true);
        row("equals_pointer differs", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"t","b":"u"})",
            false);
        row("equals_pointer, other missing", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"t"})",
            false);
        row("two tests on one field", R"({"/a":{"exists":true,"ne":""}})", R"({"a":""})", false);
        row("every condition must hold", R"({"/a":"x","/b":"y"})", R"({"a":"x","b":"z"})", false);
        row("no condition matches all", R"({})", R"({"anything":1})", true);
    }

    void conditions() {
        QFETCH(QString, when);
        QFETCH(QString, item);
        QFETCH(bool, matches);
        const auto ruleset =
            rules(R"({"rules":[{"name":"r","when":)" + when.toStdString() + R"(,"ignore":true}]})");
        const Outcome outcome = applyText(*ruleset, item.toStdString());
        QCOMPARE(kindName(outcome.kind), matches ? std::string("Ignored") : std::string("NoMatch"));
    }

    void noMatchNamesTheNearestRule_data() {
        QTest::addColumn<QString>("when");
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* tag, const char* when, const char* item,
                            const char* reason) {
            QTest::newRow(tag) << QString::fromUtf8(when) << QString::fromUtf8(item)
                               << QString::fromUtf8(reason);
        };
        row("eq", R"({"/a":"x"})", R"({"a":"y"})", R"(/a is "y", not "x")");
        row("eq missing", R"({"/a":"x"})", R"({})", R"(/a is missing, not "x")");
        row("ne", R"({"/a":{"ne":"y"}})", R"({"a":"y"})", R"(/a is "y")");
        row("in", R"({"/a":{"in":["x",1]}})", R"({"a":"y"})", R"(/a is "y", not one of "x", 1)");
        row("not_in", R"({"/a":{"not_in":["y"]}})", R"({"a":"y"})",
            R"(/a is "y", one of the excluded "y")");
        row("exists", R"({"/a":{"exists":true}})", R"({"a":null})", R"(/a is null)");
        row("exists false", R"({"/a":{"exists":false}})", R"({"a":3})",
            R"(/a is 3, expected it absent)");
        row("prefix", R"({"/a":{"prefix":"deal."}})", R"({"a":"contact.creation"})",
            R"(/a is "contact.creation", which does not start with "deal.")");
        row("equals_pointer", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"1","b":"2"})",
            R"(/a is "1", /b is "2")");
        row("equals_pointer, other missing", R"({"/a":{"equals_pointer":"/b"}})", R"({"a":"1"})",
            R"(/b is missing)");
    }

    void noMatchNamesTheNearestRule() {
        QFETCH(QString, when);
        QFETCH(QString, item);
        QFETCH(QString, reason);
        const auto ruleset =
            rules(R"({"rules":[{"name":"r","when":)" + when.toStdString() + R"(,"ignore":true}]})");
        const Outcome outcome = applyText(*ruleset, item.toStdString());
        QCOMPARE(kindName(outcome.kind), std::string("NoMatch"));
        QCOMPARE(outcome.rule, std::string());
        QCOMPARE(outcome.reason,
                 "no rule of test.json matches; nearest is rule 'r': " + reason.toStdString());
    }

    void nearestRuleHoldsTheMostConditions() {
        const auto ruleset = rules(R"({"rules":[
            {"name":"one","when":{"/t":"a"},"ignore":true},
            {"name":"two","when":{"/t":"b","/p":"x","/q":"y"},"ignore":true},
            {"name":"three","when":{"/t":"c","/p":"x"},"ignore":true}]})");
        const Outcome outcome = applyText(*ruleset, R"({"t":"b","p":"x","q":"z"})");
        QCOMPARE(outcome.reason,
                 std::string(
                     R"(no rule of test.json matches; nearest is rule 'two': /q is "z", not "y")"));
    }

    void anItemThatIsNotAnObjectMatchesNothing() {
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{"/t":1},"ignore":true}]})");
        const Outcome outcome = applyText(*ruleset, "[1]");
        QCOMPARE(kindName(outcome.kind), std::string("NoMatch"));
        QCOMPARE(
            outcome.reason,
            std::string("no rule of test.json matches an item that is an array, not an object"));
    }

    void firstMatchingRuleWins() {
        const auto ruleset = rules(R"({"rules":[
            {"name":"specific","when":{"/t":"a","/p":"x"},"ignore":true},
            {"name":"general","when":{"/t":"a"},"event_type":"LeadCreated",
             "entity":{"kind":"lead","id":{"pointer":"/id"}},"payload":{}},
            {"name":"never","when":{"/t":"a"},"ignore":true}]})");
        QCOMPARE(applyText(*ruleset, R"({"t":"a","p":"x","id":"L"})").rule,
                 std::string("specific"));
        const Outcome general = applyText(*ruleset, R"({"t":"a","p":"y","id":"L"})");
        QCOMPARE(general.rule, std::string("general"));
        QCOMPARE(kindName(general.kind), std::string("Mapped"));
        QCOMPARE(mapping::ruleNames(*ruleset),
                 (std::vector<std::string>{"specific", "general", "never"}));
    }

    // Value specs and transforms
    void values_data() {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("expected"); // the payload, as JSON
        const auto row = [](const char* tag, const char* spec, const char* item,
                            const char* expected) {
            QTest::newRow(tag) << QString::fromUtf8(spec) << QString::fromUtf8(item)
                               << QString::fromUtf8(expected);
        };
        row("const", R"({"const":{"k":[1,null]}})", "{}", R"({"v":{"k":[1,null]}})");
        row("const null", R"({"const":null})", "{}", R"({"v":null})");
        row("pointer", R"({"pointer":"/a/b"})", R"({"a":{"b":[1,2]}})", R"({"v":[1,2]})");
        row("pointer into an array", R"({"pointer":"/a/1"})", R"({"a":["x","y"]})", R"({"v":"y"})");
        row("optional pointer missing", R"({"pointer":"/a","optional":true})", "{}", "{}");
        row("optional pointer null", R"({"pointer":"/a","optional":true})", R"({"a":null})", "{}");
        row("default on missing", R"({"pointer":"/a","default":"none"})", "{}", R"({"v":"none"})");
        row("default on null", R"({"pointer":"/a","default":0})", R"({"a":null})", R"({"v":0})");
        row("default is not transformed",
            R"({"pointer":"/a","transform":"uppercase","default":"x"})", "{}", R"({"v":"x"})");
        row("template", R"({"template":"hs-{/id}-{/ok}-{/s}"})", R"({"id":9001,"ok":true,"s":"x"})",
            R"({"v":"hs-9001-true-x"})");
        row("template braces", R"({"template":"{{literal}} {/a}"})", R"({"a":"x"})",
            R"({"v":"{literal} x"})");
        row("optional template missing", R"({"template":"a-{/b}","optional":true})", "{}", "{}");
        row("first", R"({"first":[{"pointer":"/a"},{"pointer":"/b"},{"const":"c"}]})",
            R"({"b":"B"})", R"({"v":"B"})");
        row("first skips null", R"({"first":[{"pointer":"/a"},{"const":"c"}]})", R"({"a":null})",
            R"({"v":"c"})");
        row("first none, optional", R"({"first":[{"pointer":"/a"}],"optional":true})", "{}", "{}");
        row("object", R"({"object":{"x":{"pointer":"/a"},"y":{"pointer":"/b","optional":true}}})",
            R"({"a":1})", R"({"v":{"x":1}})");
        row("optional object with nothing in it",
            R"({"object":{"y":{"pointer":"/b","optional":true}},"optional":true})", "{}", "{}");
        row("array", R"({"array":[{"pointer":"/a"},{"pointer":"/b","optional":true},{"const":3}]})",
            R"({"a":1})", R"({"v":[1,3]})");
        row("table", R"({"pointer":"/a","transform":"table","table":{"x":"X","2":"two"}})",
            R"({"a":"x"})", R"({"v":"X"})");
        row("table by a number's text",
            R"({"pointer":"/a","transform":"table","table":{"2":"two"}})", R"({"a":2})",
            R"({"v":"two"})");
        row("table miss takes the default",
            R"({"pointer":"/a","transform":"table","table":{"x":"X"},"default":"other"})",
            R"({"a":"y"})", R"({"v":"other"})");
        row("table miss, optional",
            R"({"pointer":"/a","transform":"table","table":{"x":"X"},"optional":true})",
            R"({"a":"y"})", "{}");
        row("transforms in order",
            R"({"pointer":"/a","transform":["trim","lowercase","table"],"table":{"won":true}})",
            R"({"a":"  WON "})", R"({"v":true})");
        row("lowercase ASCII only", R"({"pointer":"/a","transform":"lowercase"})",
            R"({"a":"ÉCOLE Zürich"})", R"({"v":"École zürich"})");
        row("uppercase", R"({"pointer":"/a","transform":"uppercase"})", R"({"a":"eur"})",
            R"({"v":"EUR"})");
        row("string of an integer", R"({"pointer":"/a","transform":"string"})", R"({"a":9001})",
            R"({"v":"9001"})");
        row("string of a big id", R"({"pointer":"/a","transform":"string"})",
            R"({"a":18446744073709551615})", R"({"v":"18446744073709551615"})");
        row("string of a boolean", R"({"pointer":"/a","transform":"string"})", R"({"a":false})",
            R"({"v":"false"})");
        row("number of integer text", R"({"pointer":"/a","transform":"number"})",
            R"({"a":"12000"})", R"({"v":12000})");
        row("number of decimal text", R"({"pointer":"/a","transform":"number"})",
            R"({"a":"48000.50"})", R"({"v":48000.5})");
        row("number of a number", R"({"pointer":"/a","transform":"number"})", R"({"a":3.5})",
            R"({"v":3.5})");
        row("integer of text", R"({"pointer":"/a","transform":"integer"})", R"({"a":"-42"})",
            R"({"v":-42})");
        row("integer of whole decimal text", R"({"pointer":"/a","transform":"integer"})",
            R"({"a":"90.0"})", R"({"v":90})");
        row("integer of a whole float", R"({"pointer":"/a","transform":"integer"})", R"({"a":7.0})",
            R"({"v":7})");
        row("boolean of text", R"({"pointer":"/a","transform":"boolean"})", R"({"a":"TRUE"})",
            R"({"v":true})");
        row("boolean of 0", R"({"pointer":"/a","transform":"boolean"})", R"({"a":0})",
            R"({"v":false})");
        row("iso8601 normalises", R"({"pointer":"/a","transform":"iso8601"})",
            R"({"a":"2026-11-27T10:14:03.5+01:00"})", R"({"v":"2026-11-27T09:14:03.500Z"})");
        row("iso8601 from epoch ms", R"({"pointer":"/a","transform":"iso8601_from_epoch_ms"})",
            R"({"a":1764234843120})", R"({"v":"2025-11-27T09:14:03.120Z"})");
        row("iso8601 from epoch ms text", R"({"pointer":"/a","transform":"iso8601_from_epoch_ms"})",
            R"({"a":"0"})", R"({"v":"1970-01-01T00:00:00.000Z"})");
        row("epoch ms from iso8601", R"({"pointer":"/a","transform":"epoch_ms_from_iso8601"})",
            R"({"a":"2025-11-27T09:14:03.120Z"})", R"({"v":1764234843120})");
    }

    void values() {
        QFETCH(QString, spec);
        QFETCH(QString, item);
        QFETCH(QString, expected);
        const Outcome outcome = applyText(*oneField(spec.toStdString()), item.toStdString());
        QVERIFY2(outcome.kind == Outcome::Kind::Mapped, outcome.reason.c_str());
        QCOMPARE(canonical(outcome.event->payload), canonical(expected.toStdString()));
    }

    void valueFailures_data() {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* tag, const char* spec, const char* item,
                            const char* reason) {
            QTest::newRow(tag) << QString::fromUtf8(spec) << QString::fromUtf8(item)
                               << QString::fromUtf8(reason);
        };
        row("missing", R"({"pointer":"/propertyValue"})", "{}",
            "payload.v: /propertyValue is missing");
        row("null", R"({"pointer":"/a"})", R"({"a":null})", "payload.v: /a is null");
        row("template part missing", R"({"template":"x-{/a}"})", "{}", "payload.v: /a is missing");
        row("template of an object", R"({"template":"x-{/a}"})", R"({"a":{"b":1}})",
            "payload.v: /a is an object, which a template cannot write as text");
        row("first, none", R"({"first":[{"pointer":"/a"},{"pointer":"/b"}]})", "{}",
            "payload.v: /a is missing and /b is missing");
        row("object member", R"({"object":{"x":{"object":{"y":{"pointer":"/b"}}}}})", "{}",
            "payload.v.x.y: /b is missing");
        row("array element", R"({"array":[{"const":1},{"pointer":"/b"}]})", "{}",
            "payload.v[1]: /b is missing");
        row("integer of a fraction", R"({"pointer":"/a","transform":"integer"})", R"({"a":"4.5"})",
            R"(payload.v: cannot read "4.5" as an integer)");
        row("integer of a boolean", R"({"pointer":"/a","transform":"integer"})", R"({"a":true})",
            "payload.v: cannot read true as an integer");
        row("integer too large", R"({"pointer":"/a","transform":"integer"})",
            R"({"a":18446744073709551615})",
            "payload.v: cannot read 18446744073709551615 as an integer");
        row("number of words", R"({"pointer":"/a","transform":"number"})", R"({"a":"12k"})",
            R"(payload.v: cannot read "12k" as a number)");
        row("number of infinity", R"({"pointer":"/a","transform":"number"})", R"({"a":"inf"})",
            R"(payload.v: cannot read "inf" as a number)");
        row("boolean of words", R"({"pointer":"/a","transform":"boolean"})", R"({"a":"yes"})",
            R"(payload.v: cannot read "yes" as a boolean)");
        row("string of an array", R"({"pointer":"/a","transform":"string"})", R"({"a":[1]})",
            "payload.v: cannot read an array as a string");
        row("lowercase of a number", R"({"pointer":"/a","transform":"lowercase"})", R"({"a":42})",
            "payload.v: expected a string, got 42");
        row("iso8601 of a date", R"({"pointer":"/a","transform":"iso8601"})",
            R"({"a":"2026-11-30"})",
            R"(payload.v: expected an RFC 3339 date-time such as "2026-11-27T09:14:03.120Z", got "2026-11-30")");
        row("epoch ms out of range", R"({"pointer":"/a","transform":"iso8601_from_epoch_ms"})",
            R"({"a":253402300800000})",
            "payload.v: expected milliseconds since 1970 (an integer), got 253402300800000");
        row("table miss", R"({"pointer":"/a","transform":"table","table":{"x":1}})", R"({"a":"y"})",
            R"(payload.v: "y" is not in the table ("x"))");
        row("table of an object", R"({"pointer":"/a","transform":"table","table":{"x":1}})",
            R"({"a":{}})", "payload.v: expected text to look up in the table, got an empty object");
        row("a transform error fails an optional field",
            R"({"pointer":"/a","transform":"integer","optional":true})", R"({"a":"many"})",
            R"(payload.v: cannot read "many" as an integer)");
    }

    void valueFailures() {
        QFETCH(QString, spec);
        QFETCH(QString, item);
        QFETCH(QString, reason);
        const Outcome outcome = applyText(*oneField(spec.toStdString()), item.toStdString());
        QCOMPARE(kindName(outcome.kind), std::string("Failed"));
        QCOMPARE(outcome.rule, std::string("r"));
        QCOMPARE(outcome.reason, "rule 'r': " + reason.toStdString());
        QVERIFY(!outcome.event);
    }

    // The envelope a rule fills
    void envelope() {
        const auto ruleset = rules(R"({"rules":[{"name":"scored","when":{"/kind":"score"},
            "event_type":"LeadScored","schema_version":2,
            "entity":{"kind":"lead","id":{"pointer":"/lead"},"version":{"pointer":"/seq"}},
            "occurred_at":{"pointer":"/at"},
            "payload":{"lead_id":{"pointer":"/lead","transform":"string"}}}]})");
        const Outcome outcome = mapping::apply(
            *ruleset,
            json::parse(R"({"kind":"score","lead":42,"seq":7,"at":"2026-11-27T10:00:00+02:00"})"),
            {"crm-hook", "acme", "crm-bridge", "crm-991", kReceivedAt});
        QVERIFY2(outcome.kind == Outcome::Kind::Mapped, outcome.reason.c_str());
        const Event& event = *outcome.event;
        QCOMPARE(event.eventId, mapping::hookEventId("crm-hook", "crm-991"));
        QCOMPARE(event.eventType, std::string("LeadScored"));
        QCOMPARE(event.schemaVersion, 2);
        QCOMPARE(formatRfc3339(event.occurredAt), std::string("2026-11-27T08:00:00.000Z"));
        QCOMPARE(event.producer, std::string("crm-bridge"));
        QCOMPARE(event.tenantId, std::string("acme"));
        QCOMPARE(event.entity.kind, std::string("lead"));
        QCOMPARE(event.entity.id, std::string("42")); // an integer id is written as text
        QCOMPARE(event.entity.version, std::optional<std::int64_t>(7));
        QCOMPARE(event.correlationId, std::string("lead:42"));
        QCOMPARE(event.causationId, std::string());
        QCOMPARE(event.traceparent, std::string());
        QCOMPARE(event.seq, std::int64_t{0});
        QCOMPARE(event.payload, std::string(R"({"lead_id":"42"})"));
    }

    void occurredAtFallsBackToReceivedAt() {
        const auto ruleset = rules(R"({"rules":[
            {"name":"none","when":{"/r":1},"event_type":"LeadCreated","entity":{"kind":"lead","id":{"const":"L"}},"payload":{}},
            {"name":"missing","when":{"/r":2},"event_type":"LeadCreated","entity":{"kind":"lead","id":{"const":"L"}},
             "occurred_at":{"pointer":"/at"},"payload":{}},
            {"name":"epoch","when":{"/r":3},"event_type":"LeadCreated","entity":{"kind":"lead","id":{"const":"L"}},
             "occurred_at":{"pointer":"/at"},"payload":{}}]})");
        QCOMPARE(applyText(*ruleset, R"({"r":1})").event->occurredAt, kReceivedAt);
        QCOMPARE(applyText(*ruleset, R"({"r":2})").event->occurredAt, kReceivedAt);
        QCOMPARE(
            toUnixMillis(applyText(*ruleset, R"({"r":3,"at":1764234843120})").event->occurredAt),
            std::int64_t{1764234843120});
        const Outcome bad = applyText(*ruleset, R"({"r":3,"at":"yesterday"})");
        QCOMPARE(kindName(bad.kind), std::string("Failed"));
        QCOMPARE(bad.reason,
                 std::string("rule 'epoch': occurred_at: expected an RFC 3339 date-time "
                             "or milliseconds since 1970, got \"yesterday\""));
    }

    void correlationIdFromTheVendorElseTheEntity() {
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"pointer":"/id"}},
            "correlation_id":{"first":[{"pointer":"/journey"},{"template":"deal-{/deal}"}]},"payload":{}}]})");
        QCOMPARE(applyText(*ruleset, R"({"id":"L-1","journey":"j-9"})").event->correlationId,
                 std::string("j-9"));
        QCOMPARE(applyText(*ruleset, R"({"id":"L-1","journey":77})").event->correlationId,
                 std::string("77"));
        QCOMPARE(applyText(*ruleset, R"({"id":"L-1","deal":5})").event->correlationId,
                 std::string("deal-5"));
        QCOMPARE(applyText(*ruleset, R"({"id":"L-1"})").event->correlationId,
                 std::string("lead:L-1"));
        const Outcome bad = applyText(*ruleset, R"({"id":"L-1","journey":{"a":1}})");
        QCOMPARE(bad.reason,
                 std::string(
                     "rule 'r': correlation_id: expected a string or an integer, got an object"));
        const Outcome tooLong =
            applyText(*ruleset, json{{"id", "L-1"}, {"journey", std::string(129, 'j')}}.dump());
        QCOMPARE(tooLong.reason,
                 std::string("rule 'r': correlation_id: 129 characters; at most 128 are allowed"));
    }

    void entityFailures_data() {
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* tag, const std::string& item, const char* reason) {
            QTest::newRow(tag) << QString::fromStdString(item) << QString::fromUtf8(reason);
        };
        row("id missing", R"({"v":1})", "entity.id: /id is missing");
        row("id empty", R"({"id":"","v":1})", "entity.id: is empty");
        row("id a float", R"({"id":1.5,"v":1})",
            "entity.id: expected a string or an integer, got 1.5");
        row("id too long", json{{"v", 1}, {"id", std::string(129, 'x')}}.dump(),
            "entity.id: 129 characters; at most 128 are allowed");
        row("version as text", R"({"id":"L","v":"12"})",
            R"(entity.version: expected an integer >= 0 (the vendor's clock or counter), got "12")");
        row("version negative", R"({"id":"L","v":-1})",
            "entity.version: expected an integer >= 0 (the vendor's clock or counter), got -1");
        row("version missing", R"({"id":"L"})", "entity.version: /v is missing");
    }

    void entityFailures() {
        QFETCH(QString, item);
        QFETCH(QString, reason);
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"pointer":"/id"},"version":{"pointer":"/v"}},"payload":{}}]})");
        const Outcome outcome = applyText(*ruleset, item.toStdString());
        QCOMPARE(kindName(outcome.kind), std::string("Failed"));
        QCOMPARE(outcome.reason, "rule 'r': " + reason.toStdString());
    }

    void anOptionalVersionMayBeAbsent() {
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"const":"L"},"version":{"pointer":"/v","optional":true}},"payload":{}}]})");
        QCOMPARE(applyText(*ruleset, "{}").event->entity.version, std::optional<std::int64_t>());
        QCOMPARE(applyText(*ruleset, R"({"v":9})").event->entity.version,
                 std::optional<std::int64_t>(9));
    }

    void payloadFromCopiesAnObject() {
        const auto ruleset = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"pointer":"/data/lead_id"}},
            "payload_from":{"pointer":"/data"},
            "payload":{"source":{"const":"partner"},"email":{"pointer":"/contact/email","optional":true}}}]})");
        QCOMPARE(applyText(*ruleset,
                           R"({"data":{"lead_id":"L-1","source":"web","email":"a@b.example"}})")
                     .event->payload,
                 std::string(R"({"email":"a@b.example","lead_id":"L-1","source":"partner"})"));
        const Outcome bad = applyText(*ruleset, R"({"data":["L-1"]})");
        QCOMPARE(bad.reason, std::string("rule 'r': entity.id: /data/lead_id is missing"));
        const auto loose = rules(R"({"rules":[{"name":"r","when":{},"event_type":"LeadCreated",
            "entity":{"kind":"lead","id":{"const":"L"}},"payload_from":{"pointer":"/data"}}]})");
        QCOMPARE(applyText(*loose, R"({"data":"L-1"})").reason,
                 std::string(R"(rule 'r': payload_from: expected an object, got "L-1")"));
    }

    void anItemWithoutAVendorIdFails() {
        const auto ruleset = oneField(R"({"const":1})");
        const Outcome outcome = applyText(*ruleset, "{}", "");
        QCOMPARE(kindName(outcome.kind), std::string("Failed"));
        QCOMPARE(outcome.reason, std::string("rule 'r': the item has no vendor event id, so no "
                                             "event_id can be derived from it"));
    }

    // Reading ruleset files
    void parseErrors_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        const auto row = [](const char* tag, const std::string& text, const std::string& message) {
            QTest::newRow(tag) << QString::fromStdString(text) << QString::fromStdString(message);
        };
        const std::string head =
            R"({"rules":[{"name":"r","when":{"/t":"a"},"event_type":"LeadScored",)"
            R"("entity":{"kind":"lead","id":{"pointer":"/id"}},"payload":{"score":)";
        const auto withScore = [&](const std::string& spec) {
            return head + spec + "}}]}";
        };
        row("not JSON", "{\"rules\": [", "");
        row("too deep", std::string(70, '[') + std::string(70, ']'),
            "x.json: the JSON text nests deeper than 64 levels (at byte 64); flatten it, or raise "
            "limits.json_depth in meshd's config");
        row("not an object", "[]", "x.json: expected an object, got an empty array");
        row("unknown top-level key", R"({"rule":[]})",
            "x.json: /rule: unknown key; expected one of kind, description, rules, $comment");
        row("no rules", R"({"kind":"hubspot"})",
            "x.json: missing \"rules\", the array of rules tried in order");
        row("empty rules", R"({"rules":[]})",
            "x.json: /rules: expected a non-empty array of rules, got an empty array");
        row("rule without a name", R"({"rules":[{"when":{}}]})",
            "x.json: /rules/0: missing \"name\"; every rule has a name, used in reasons and "
            "counts");
        row("rule without when", R"({"rules":[{"name":"r","ignore":true}]})",
            "x.json: /rules/0: rule 'r' has no \"when\"; write \"when\": {} for a rule that "
            "matches every item");
        row("missing event_type", R"({"rules":[{"name":"r","when":{},"payload":{}}]})",
            "x.json: /rules/0: rule 'r' has neither \"event_type\" nor \"ignore\": true; a rule "
            "maps "
            "to an event type or ignores the item");
        row("bad event_type", R"({"rules":[{"name":"r","when":{},"event_type":"lead_scored"}]})",
            "x.json: /rules/0/event_type: expected an event type name in PascalCase such as "
            "\"LeadQualified\", got \"lead_scored\"");
        row("bad schema_version",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","schema_version":0}]})",
            "x.json: /rules/0/schema_version: expected an integer >= 1, got 0");
        row("ignore false", R"({"rules":[{"name":"r","when":{},"ignore":false}]})",
            "x.json: /rules/0/ignore: expected true (leave the key out for a rule that maps), got "
            "false");
        row("ignore with a payload",
            R"({"rules":[{"name":"r","when":{},"ignore":true,"payload":{}}]})",
            "x.json: /rules/0/payload: unknown key; expected one of name, description, when, "
            "ignore");
        row("duplicate names",
            R"({"rules":[{"name":"r","when":{},"ignore":true},{"name":"r","when":{},"ignore":true}]})",
            "x.json: /rules/1/name: 'r' is already the name of /rules/0");
        row("no entity",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","payload":{}}]})",
            "x.json: /rules/0: rule 'r' has no \"entity\": {\"kind\": ..., \"id\": ...}");
        row("bad entity kind",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","entity":{"kind":"lead:x","id":{"const":"L"}},"payload":{}}]})",
            "x.json: /rules/0/entity/kind: expected an entity kind (a letter, then letters, "
            "digits, "
            "'_' or '-') such as \"lead\", got \"lead:x\"");
        row("entity without id",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","entity":{"kind":"lead"},"payload":{}}]})",
            "x.json: /rules/0/entity: missing \"id\", a value spec such as {\"pointer\": "
            "\"/objectId\"}");
        row("no payload",
            R"({"rules":[{"name":"r","when":{},"event_type":"LeadScored","entity":{"kind":"lead","id":{"const":"L"}}}]})",
            "x.json: /rules/0: rule 'r' has no \"payload\": {\"field\": <value spec>, ...}");
        row("unknown rule key", R"({"rules":[{"name":"r","when":{},"event_typ":"LeadScored"}]})",
            "x.json: /rules/0/event_typ: unknown key; expected one of name, description, when, "
            "ignore, "
            "event_type, schema_version, entity, occurred_at, correlation_id, payload, "
            "payload_from");
        row("unknown transform", withScore(R"({"pointer":"/s","transform":"tonumber"})"),
            "x.json: /rules/0/payload/score/transform: unknown transform 'tonumber'; expected one "
            "of "
            "lowercase, uppercase, trim, string, number, integer, boolean, iso8601, "
            "iso8601_from_epoch_ms, epoch_ms_from_iso8601, table");
        row("unknown transform in a list",
            withScore(R"({"pointer":"/s","transform":["trim","int"]})"),
            "x.json: /rules/0/payload/score/transform/1: unknown transform 'int'; expected one of "
            "lowercase, uppercase, trim, string, number, integer, boolean, iso8601, "
            "iso8601_from_epoch_ms, epoch_ms_from_iso8601, table");
        row("table transform without a table", withScore(R"({"pointer":"/s","transform":"table"})"),
            "x.json: /rules/0/payload/score/transform: the \"table\" transform needs a \"table\" "
            "beside it: {\"vendor value\": \"ours\", ...}");
        row("table without its transform", withScore(R"({"pointer":"/s","table":{"a":1}})"),
            "x.json: /rules/0/payload/score/table: a table is only read by the \"table\" "
            "transform, "
            "which this value spec does not name");
        row("bad pointer", withScore(R"({"pointer":"s"})"),
            "x.json: /rules/0/payload/score/pointer: \"s\" is not a JSON Pointer (RFC 6901): it "
            "must "
            "start with '/', and '~' may only be followed by 0 or 1");
        row("bad escape", withScore(R"({"pointer":"/a~2"})"),
            "x.json: /rules/0/payload/score/pointer: \"/a~2\" is not a JSON Pointer (RFC 6901): it "
            "must start with '/', and '~' may only be followed by 0 or 1");
        row("whole-item pointer", withScore(R"({"pointer":""})"),
            "x.json: /rules/0/payload/score/pointer: the pointer \"\" names the whole item; a rule "
            "reads one field, such as \"/objectId\"");
        row("bad condition pointer",
            R"({"rules":[{"name":"r","when":{"subscriptionType":"x"},"ignore":true}]})",
            "x.json: /rules/0/when/subscriptionType: \"subscriptionType\" is not a JSON Pointer "
            "(RFC "
            "6901): it must start with '/', and '~' may only be followed by 0 or 1");
        row("unknown condition test",
            R"({"rules":[{"name":"r","when":{"/t":{"equals":"x"}},"ignore":true}]})",
            "x.json: /rules/0/when/~1t/equals: unknown key; expected one of eq, ne, in, not_in, "
            "exists, prefix, equals_pointer");
        row("empty in", R"({"rules":[{"name":"r","when":{"/t":{"in":[]}},"ignore":true}]})",
            "x.json: /rules/0/when/~1t/in: expected a non-empty array of values, got an empty "
            "array");
        row("exists not a boolean",
            R"({"rules":[{"name":"r","when":{"/t":{"exists":"yes"}},"ignore":true}]})",
            "x.json: /rules/0/when/~1t/exists: expected true or false, got \"yes\"");
        row("equals_pointer not a pointer",
            R"({"rules":[{"name":"r","when":{"/t":{"equals_pointer":"b"}},"ignore":true}]})",
            "x.json: /rules/0/when/~1t/equals_pointer: \"b\" is not a JSON Pointer (RFC 6901): it "
            "must start with '/', and '~' may only be followed by 0 or 1");
        row("value spec of a bare string", withScore(R"("/s")"),
            "x.json: /rules/0/payload/score: expected a value spec (an object with one of pointer, "
            "const, template, first, object, array), got \"/s\"");
        row("value spec of two kinds", withScore(R"({"pointer":"/s","const":1})"),
            "x.json: /rules/0/payload/score: a value spec has exactly one of pointer, const, "
            "template, first, object, array; this one has pointer and const");
        row("value spec of no kind", withScore(R"({"optional":true})"),
            "x.json: /rules/0/payload/score: a value spec needs one of pointer, const, template, "
            "first, object, array");
        row("const with a transform", withScore(R"({"const":1,"transform":"string"})"),
            "x.json: /rules/0/payload/score/transform: unknown key; expected one of const");
        row("unknown spec key", withScore(R"({"pointer":"/s","optinal":true})"),
            "x.json: /rules/0/payload/score/optinal: unknown key; expected one of pointer, "
            "transform, "
            "table, default, optional");
        row("optional not a boolean", withScore(R"({"pointer":"/s","optional":"yes"})"),
            "x.json: /rules/0/payload/score/optional: expected true or false, got \"yes\"");
        row("empty first", withScore(R"({"first":[]})"),
            "x.json: /rules/0/payload/score/first: expected a non-empty array of value specs, got "
            "an "
            "empty array");
        row("bad spec inside first", withScore(R"({"first":[{"pointer":"/a"},{"pointr":"/b"}]})"),
            "x.json: /rules/0/payload/score/first/1: a value spec needs one of pointer, const, "
            "template, first, object, array");
        row("bad spec inside object", withScore(R"({"object":{"a":{"pointer":"x"}}})"),
            "x.json: /rules/0/payload/score/object/a/pointer: \"x\" is not a JSON Pointer (RFC "
            "6901): it must start with '/', and '~' may only be followed by 0 or 1");
        row("unclosed template", withScore(R"({"template":"hs-{/objectId"})"),
            "x.json: /rules/0/payload/score/template: the '{' at character 3 is never closed");
        row("lone brace in a template", withScore(R"({"template":"a}b"})"),
            "x.json: /rules/0/payload/score/template: a lone '}' at character 1; write '}}' for "
            "the "
            "character itself");
        row("template pointer", withScore(R"({"template":"{objectId}"})"),
            "x.json: /rules/0/payload/score/template: \"objectId\" is not a JSON Pointer (RFC "
            "6901): "
            "it must start with '/', and '~' may only be followed by 0 or 1");
    }

    void parseErrors() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        try {
            mapping::parseRuleset(text.toStdString(), "x.json");
            QFAIL("parsed");
        } catch (const std::invalid_argument& e) {
            if (message.isEmpty()) // not JSON: nlohmann's words after ours
                QVERIFY2(std::string(e.what()).starts_with("x.json is not valid JSON: "), e.what());
            else
                QCOMPARE(std::string(e.what()), message.toStdString());
        }
    }

    // The shipped rule files
    void shippedFilesParse() {
        for (const std::string& file : kShippedFiles) {
            const auto& ruleset = shipped(file);
            QVERIFY2(!mapping::ruleNames(ruleset).empty(), file.c_str());
        }
    }

    void shippedRuleMaps_data() {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < mappedCases().size(); ++i)
            QTest::newRow(mappedCases()[i].tag) << static_cast<int>(i);
    }

    void shippedRuleMaps() {
        QFETCH(int, index);
        const MappedCase& c = mappedCases()[static_cast<std::size_t>(index)];
        const std::string source = sourceFor(c.file);
        const json item = json::parse(c.item);
        const Outcome outcome =
            mapping::apply(shipped(c.file), item, contextFor(source, c.vendorId));
        QVERIFY2(outcome.kind == Outcome::Kind::Mapped, outcome.reason.c_str());
        QCOMPARE(outcome.rule, c.rule);
        QCOMPARE(outcome.reason, std::string());
        const Event& event = *outcome.event;
        QCOMPARE(event.eventType, c.eventType);
        QCOMPARE(event.schemaVersion, 1);
        QCOMPARE(event.entity.kind, c.entityKind);
        QCOMPARE(event.entity.id, c.entityId);
        QCOMPARE(event.entity.version, c.version);
        QCOMPARE(formatRfc3339(event.occurredAt), c.occurredAt);
        QCOMPARE(event.correlationId, c.correlationId);
        QCOMPARE(event.producer, source + "-bridge");
        QCOMPARE(event.tenantId, std::string("acme"));
        QCOMPARE(canonical(event.payload), canonical(c.payload));

        // Valid against the catalog, as the broker checks every publish.
        const Violations violations = catalog().validate(event.eventType, 1, event.payload);
        QVERIFY2(violations.empty(), describe(violations).c_str());

        // A vendor retry of the same item is the same event; the same vendor id
        // from another source, or another vendor id, is another event.
        QCOMPARE(event.eventId, mapping::hookEventId(source, c.vendorId));
        const Outcome retry = mapping::apply(shipped(c.file), item, contextFor(source, c.vendorId));
        QCOMPARE(retry.event->eventId, event.eventId);
        QCOMPARE(*retry.event, event);
        QVERIFY(mapping::apply(shipped(c.file), item, contextFor(source + "-eu", c.vendorId))
                    .event->eventId != event.eventId);
        QVERIFY(mapping::apply(shipped(c.file), item, contextFor(source, c.vendorId + "0"))
                    .event->eventId != event.eventId);
    }

    void shippedRuleDoesNotMap_data() {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < otherCases().size(); ++i)
            QTest::newRow(otherCases()[i].tag) << static_cast<int>(i);
    }

    void shippedRuleDoesNotMap() {
        QFETCH(int, index);
        const OtherCase& c = otherCases()[static_cast<std::size_t>(index)];
        const Outcome outcome = mapping::apply(shipped(c.file), json::parse(c.item),
                                               contextFor(sourceFor(c.file), "v-1"));
        QCOMPARE(kindName(outcome.kind), kindName(c.kind));
        QCOMPARE(outcome.rule, c.rule);
        QCOMPARE(outcome.reason, c.reason);
        QVERIFY(!outcome.event);
    }

    // Each rule of each shipped file is tried above by at least one item.
    void everyShippedRuleIsTested() {
        std::map<std::string, std::set<std::string>> tried;
        for (const MappedCase& c : mappedCases())
            tried[c.file].insert(c.rule);
        for (const OtherCase& c : otherCases()) {
            if (!c.rule.empty())
                tried[c.file].insert(c.rule);
        }
        for (const std::string& file : kShippedFiles) {
            for (const std::string& rule : mapping::ruleNames(shipped(file)))
                QVERIFY2(tried[file].count(rule),
                         (file + ": rule '" + rule + "' is not tested").c_str());
        }
    }

    // A mapped event the catalog refuses goes to quarantine: the mapping does
    // not hide it. HubSpot's legacy score has no upper bound; the schema's has.
    void aMappedEventCanStillFailItsSchema() {
        const Outcome outcome = mapping::apply(
            shipped("hubspot.json"),
            json::parse(hubspotChange("contact.propertyChange", 9001, "hubspotscore", R"("250")")),
            contextFor("hubspot-prod", "4011932100"));
        QVERIFY2(outcome.kind == Outcome::Kind::Mapped, outcome.reason.c_str());
        const Violations violations = catalog().validate("LeadScored", 1, outcome.event->payload);
        QCOMPARE(violations.size(), std::size_t{1});
        QCOMPARE(violations[0].path, std::string("/payload/score"));
    }

    // The vendors' own fixtures, item by item.
    void hubspotFixture() {
        const json batch =
            json::parse(test::readFixture(QStringLiteral("hubspot/contact-events.json")));
        QCOMPARE(batch.size(), std::size_t{3});
        const auto map = [&](std::size_t i) {
            return mapping::apply(shipped("hubspot.json"), batch[i],
                                  contextFor("hubspot-prod", batch[i]["eventId"].dump()));
        };
        const Outcome created = map(0);
        QCOMPARE(created.rule, std::string("contact-created"));
        QCOMPARE(created.event->eventType, std::string("LeadCreated"));
        QCOMPARE(created.event->eventId, std::string("c64c4247-b45f-5fae-8269-1c6b1eefdf56"));
        QCOMPARE(created.event->entity, (EntityRef{"lead", "9001", 1764234843120}));
        QCOMPARE(formatRfc3339(created.event->occurredAt), std::string("2025-11-27T09:14:03.120Z"));
        QCOMPARE(created.event->payload, std::string(R"({"lead_id":"9001","source":"web_form"})"));

        const Outcome qualified = map(1);
        QCOMPARE(qualified.rule, std::string("contact-qualified"));
        QCOMPARE(qualified.event->eventType, std::string("LeadQualified"));
        QCOMPARE(qualified.event->entity, (EntityRef{"lead", "9001", 1764234844250}));
        QCOMPARE(
            canonical(qualified.event->payload),
            canonical(R"({"lead_id":"9001","score":0,"qualified_by":"hubspot-crm","stage":"mql",)"
                      R"("reason":"HubSpot lifecyclestage became marketingqualifiedlead",)"
                      R"("placeholder_fields":["score"]})"));

        const Outcome status = map(2);
        QCOMPARE(status.rule, std::string("contact-lead-status"));
        QCOMPARE(status.event->eventType, std::string("LeadStatusChanged"));
        QCOMPARE(status.event->entity, (EntityRef{"lead", "9001", 1764234845001}));
        QCOMPARE(status.event->correlationId, std::string("lead:9001"));
        QCOMPARE(
            canonical(status.event->payload),
            canonical(
                R"({"lead_id":"9001","from_status":null,"to_status":"OPEN","changed_by":"crm"})"));

        // One lead: three versions in the vendor's order, one correlation id.
        QVERIFY(*created.event->entity.version < *qualified.event->entity.version);
        QVERIFY(*qualified.event->entity.version < *status.event->entity.version);
        QCOMPARE(created.event->correlationId, qualified.event->correlationId);
        for (const Outcome* o : {&created, &qualified, &status}) {
            const Violations violations =
                catalog().validate(o->event->eventType, 1, o->event->payload);
            QVERIFY2(violations.empty(), describe(violations).c_str());
        }
    }

    void segmentFixture() {
        const json call =
            json::parse(test::readFixture(QStringLiteral("segment/track-demo-booked.json")));
        const Outcome outcome =
            mapping::apply(shipped("segment.json"), call,
                           contextFor("segment-web", call["messageId"].get<std::string>()));
        QCOMPARE(outcome.rule, std::string("demo-booked"));
        const Event& event = *outcome.event;
        QCOMPARE(event.eventType, std::string("DemoBooked"));
        QCOMPARE(event.eventId, mapping::hookEventId("segment-web", "ajs-next-1764234850-5f1a"));
        QCOMPARE(event.entity, (EntityRef{"lead", "L-1042", ms("2026-11-27T09:14:10.000Z")}));
        QCOMPARE(formatRfc3339(event.occurredAt), std::string("2026-11-27T09:14:10.000Z"));
        QCOMPARE(event.correlationId, std::string("lead:L-1042"));
        QCOMPARE(
            canonical(event.payload),
            canonical(
                R"({"lead_id":"L-1042","demo_at":"2026-12-02T15:00:00.000Z","account_domain":"northwind.example"})"));
        const Violations violations = catalog().validate("DemoBooked", 1, event.payload);
        QVERIFY2(violations.empty(), describe(violations).c_str());
    }

    void salesforceFixture() {
        const std::vector<json> items =
            salesforceItems(test::readFixture(QStringLiteral("salesforce/outbound-lead.xml")));
        QCOMPARE(items.size(), std::size_t{2});
        QCOMPARE(items[0]["Id"].get<std::string>(), std::string("04l5g00000Q1w2eAAB"));
        QCOMPARE(items[0]["OrganizationId"].get<std::string>(), std::string("00D5g000004ABCDEA2"));
        QCOMPARE(items[0]["sObject"]["type"].get<std::string>(), std::string("Lead"));

        const auto map = [&](std::size_t i) {
            return mapping::apply(shipped("salesforce-outbound.json"), items[i],
                                  contextFor("salesforce-prod", items[i]["Id"].get<std::string>()));
        };
        const Outcome working = map(0);
        QCOMPARE(working.rule, std::string("lead-status-changed"));
        QCOMPARE(working.event->eventType, std::string("LeadStatusChanged"));
        QCOMPARE(working.event->eventId,
                 mapping::hookEventId("salesforce-prod", "04l5g00000Q1w2eAAB"));
        QCOMPARE(working.event->entity,
                 (EntityRef{"lead", "00Q5g00000K9LmNEAV", ms("2026-11-27T09:15:41.000Z")}));
        QCOMPARE(formatRfc3339(working.event->occurredAt), std::string("2026-11-27T09:15:41.000Z"));
        QCOMPARE(
            canonical(working.event->payload),
            canonical(
                R"({"lead_id":"00Q5g00000K9LmNEAV","from_status":null,"to_status":"Working - Contacted"})"));

        const Outcome qualified = map(1);
        QCOMPARE(qualified.rule, std::string("lead-qualified"));
        QCOMPARE(qualified.event->eventType, std::string("LeadQualified"));
        QCOMPARE(qualified.event->entity,
                 (EntityRef{"lead", "00Q5g00000K9LmOEAV", ms("2026-11-27T09:15:44.000Z")}));
        QCOMPARE(
            canonical(qualified.event->payload),
            canonical(
                R"({"lead_id":"00Q5g00000K9LmOEAV","score":0,"qualified_by":"salesforce",)"
                R"("reason":"Salesforce Lead Status became Qualified","placeholder_fields":["score"]})"));
        for (const Outcome* o : {&working, &qualified}) {
            const Violations violations =
                catalog().validate(o->event->eventType, 1, o->event->payload);
            QVERIFY2(violations.empty(), describe(violations).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TstMapping)
#include "tst_mapping.moc"
