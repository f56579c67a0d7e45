#include "demo_vendors.h"

#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QNetworkReply>
#include <QTimer>

namespace meshdeck {

namespace {

// The demo's shared secrets. They only ever sign requests to a mesh on the
// same machine (or one the user attached to with --demo).
const QByteArray kHubSpotClientSecret = QByteArrayLiteral("demo-hubspot-client-secret-5c1e");
const QByteArray kSegmentSharedSecret = QByteArrayLiteral("demo-segment-shared-secret-8a2f");
const QString kActionId = QStringLiteral("04k5g000000DEMOAAO");

// A vendor retries a request the mesh did not acknowledge: after the
// Retry-After it was given, else 1 s, 2 s, 4 s; then it gives up.
constexpr int kMaxAttempts = 4;

} // namespace

const QString DemoVendors::kHubSpot = QStringLiteral("hubspot");
const QString DemoVendors::kSalesforce = QStringLiteral("salesforce");
const QString DemoVendors::kSegment = QStringLiteral("segment");
const QString DemoVendors::kOrganizationId = QStringLiteral("00D5g000004DEMOEA2");

QByteArray hubSpotSignatureV3(const QByteArray& clientSecret, const QByteArray& method,
                              const QByteArray& url, const QByteArray& body, qint64 timestampMs) {
    return QMessageAuthenticationCode::hash(method + url + body + QByteArray::number(timestampMs),
                                            clientSecret, QCryptographicHash::Sha256)
        .toBase64();
}

QByteArray segmentSignature(const QByteArray& sharedSecret, const QByteArray& body) {
    return QMessageAuthenticationCode::hash(body, sharedSecret, QCryptographicHash::Sha1).toHex();
}

QByteArray salesforceOutboundMessage(const QString& organizationId, const QString& actionId,
                                     const QList<SalesforceRecord>& records) {
    QString xml = QStringLiteral(
        R"(<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
)");
    xml += QStringLiteral("   <OrganizationId>%1</OrganizationId>\n"
                          "   <ActionId>%2</ActionId>\n"
                          "   <SessionId xsi:nil=\"true\"/>\n"
                          "   <EnterpriseUrl>https://demo.my.salesforce.com/services/Soap/c/59.0/"
                          "%3</EnterpriseUrl>\n"
                          "   <PartnerUrl>https://demo.my.salesforce.com/services/Soap/u/59.0/"
                          "%3</PartnerUrl>\n")
               .arg(organizationId, actionId, organizationId.left(15));
    for (const auto& record : records) {
        xml += QStringLiteral("   <Notification>\n    <Id>%1</Id>\n"
                              "    <sObject xsi:type=\"sf:%2\" "
                              "xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">\n")
                   .arg(record.notificationId, record.type);
        for (const auto& [name, value] : record.fields)
            xml +=
                value.isEmpty()
                    ? QStringLiteral("     <sf:%1 xsi:nil=\"true\"/>\n").arg(name)
                    : QStringLiteral("     <sf:%1>%2</sf:%1>\n").arg(name, value.toHtmlEscaped());
        xml += QStringLiteral("    </sObject>\n   </Notification>\n");
    }
    xml += QStringLiteral("  </notifications>\n </soapenv:Body>\n</soapenv:Envelope>\n");
    return xml.toUtf8();
}

DemoVendors::DemoVendors(views::MeshSession& session, QString tenant, QObject* parent)
    : QObject(parent), session_(session), tenant_(std::move(tenant)) {}

QString DemoVendors::hookUrl(const QString& source) const {
    QString base = session_.endpoint();
    while (base.endsWith(u'/'))
        base.chop(1);
    return base + QStringLiteral("/v1/hooks/") + source;
}

// The three sources, each verified as its vendor signs. The rate is above
// what the demo sends at its fastest (a tick every 20 ms in the tests), so
// only a real overload is refused.
void DemoVendors::declareSources() {
    if (declared_ || session_.state() != views::SessionState::Online)
        return;
    declared_ = true;
    const QJsonObject common{
        {QStringLiteral("tenant"), tenant_},
        {QStringLiteral("rate_limit"),
         QJsonObject{{QStringLiteral("per_second"), 200}, {QStringLiteral("burst"), 400}}}};
    QJsonObject hubspot = common;
    hubspot.insert(QStringLiteral("kind"), QStringLiteral("hubspot"));
    hubspot.insert(QStringLiteral("secrets"),
                   QJsonArray{QString::fromLatin1(kHubSpotClientSecret)});
    // HubSpot signs the URL it calls, so the source must know it.
    hubspot.insert(QStringLiteral("public_url"), hookUrl(kHubSpot));
    hubspot.insert(QStringLiteral("description"),
                   QStringLiteral("HubSpot contacts and deals (webhooks v3)"));
    QJsonObject salesforce = common;
    salesforce.insert(QStringLiteral("kind"), QStringLiteral("salesforce-outbound"));
    salesforce.insert(QStringLiteral("organization_id"), kOrganizationId);
    salesforce.insert(QStringLiteral("description"),
                      QStringLiteral("Salesforce Lead and Account outbound messages"));
    QJsonObject segment = common;
    segment.insert(QStringLiteral("kind"), QStringLiteral("segment"));
    segment.insert(QStringLiteral("secrets"),
                   QJsonArray{QString::fromLatin1(kSegmentSharedSecret)});
    segment.insert(QStringLiteral("description"),
                   QStringLiteral("Segment track and identify calls (Webhooks destination)"));
    declareSource(kHubSpot, hubspot);
    declareSource(kSalesforce, salesforce);
    declareSource(kSegment, segment);
}

// An admin creates or replaces the source; another token can only use one an
// admin declared before (PUT is admin only).
void DemoVendors::declareSource(const QString& name, const QJsonObject& spec) {
    const auto done = [this, name](const views::MeshReply& reply) {
        if (reply.ok()) {
            ready_.insert(name);
            return;
        }
        lastError_ = QStringLiteral("source %1: %2").arg(name, reply.describe());
        qWarning("--demo: %s; its webhooks are not sent", qPrintable(lastError_));
    };
    const QString path = QStringLiteral("/v1/sources/") + name;
    if (session_.role() != QLatin1String("admin"))
        return session_.get(path, this, done);
    views::MeshRequest request{QByteArrayLiteral("PUT"), path,
                               QJsonDocument(spec).toJson(QJsonDocument::Compact),
                               QByteArrayLiteral("application/json")};
    session_.request(request, this, done);
}

bool DemoVendors::postHubSpot(const QJsonArray& events) {
    if (events.isEmpty() || !ready(kHubSpot))
        return false;
    send({kHubSpot, QJsonDocument(events).toJson(QJsonDocument::Compact),
          QByteArrayLiteral("application/json"), static_cast<int>(events.size())});
    return true;
}

bool DemoVendors::postSalesforce(const QList<SalesforceRecord>& records) {
    if (records.isEmpty() || !ready(kSalesforce))
        return false;
    send({kSalesforce, salesforceOutboundMessage(kOrganizationId, kActionId, records),
          QByteArrayLiteral("text/xml; charset=utf-8"), static_cast<int>(records.size())});
    return true;
}

bool DemoVendors::postSegment(const QJsonObject& call) {
    if (!ready(kSegment))
        return false;
    send({kSegment, QJsonDocument(call).toJson(QJsonDocument::Compact),
          QByteArrayLiteral("application/json"), 1});
    return true;
}

void DemoVendors::repeatLast(const QString& source) {
    const auto it = last_.constFind(source);
    if (it == last_.constEnd())
        return;
    HookPost post = *it;
    post.attempt = 1;
    post.repeat = true;
    send(post);
}

// Signs at send time, as the vendors do: a HubSpot retry carries a new
// timestamp over the same body.
void DemoVendors::send(HookPost post) {
    if (!post.repeat && post.attempt == 1)
        last_.insert(post.source, post);
    const QString url = hookUrl(post.source);
    QNetworkRequest request{QUrl(url)};
    request.setTransferTimeout(15000);
    request.setHeader(QNetworkRequest::ContentTypeHeader, post.contentType);
    if (post.source == kHubSpot) {
        const qint64 timestamp = QDateTime::currentMSecsSinceEpoch();
        request.setRawHeader(QByteArrayLiteral("X-HubSpot-Signature-Version"), "v3");
        request.setRawHeader(QByteArrayLiteral("X-HubSpot-Request-Timestamp"),
                             QByteArray::number(timestamp));
        request.setRawHeader(QByteArrayLiteral("X-HubSpot-Signature-v3"),
                             hubSpotSignatureV3(kHubSpotClientSecret, QByteArrayLiteral("POST"),
                                                url.toUtf8(), post.body, timestamp));
    } else if (post.source == kSegment) {
        request.setRawHeader(QByteArrayLiteral("X-Signature"),
                             segmentSignature(kSegmentSharedSecret, post.body));
    } else {
        request.setRawHeader(QByteArrayLiteral("SOAPAction"), QByteArrayLiteral("\"\""));
    }
    QNetworkReply* reply = network_.post(request, post.body);
    connect(reply, &QNetworkReply::finished, this, [this, post, reply] {
        reply->deleteLater();
        answered(post, reply);
    });
}

void DemoVendors::answered(const HookPost& post, QNetworkReply* reply) {
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    if (status >= 200 && status < 300) {
        // Salesforce is answered with its acknowledgement only; the others
        // with what was stored.
        if (post.source == kSalesforce)
            accepted_ += post.repeat ? 0 : post.items;
        else
            accepted_ += QJsonDocument::fromJson(body).object().value(u"accepted").toInt();
        return;
    }
    views::MeshReply problem;
    problem.status = status;
    problem.body = body;
    problem.error = reply->errorString();
    const QString why = QStringLiteral("%1 webhook: %2").arg(post.source, problem.describe());
    if (status != 0 && status != 429 && status < 500) {
        ++refused_;
        // Once per reason: a source whose secret differs refuses every request.
        if (why != lastError_)
            qWarning("--demo: the mesh refused a %s", qPrintable(why));
        lastError_ = why;
        return;
    }
    if (post.attempt >= kMaxAttempts) {
        lastError_ = why + QStringLiteral(" (gave up after %1 attempts)").arg(kMaxAttempts);
        return;
    }
    int waitMs = 1000 << (post.attempt - 1);
    if (const int retryAfter = reply->rawHeader(QByteArrayLiteral("Retry-After")).toInt();
        retryAfter > 0)
        waitMs = retryAfter * 1000;
    HookPost again = post;
    ++again.attempt;
    QTimer::singleShot(waitMs, this, [this, again] { send(again); });
}

} // namespace meshdeck
