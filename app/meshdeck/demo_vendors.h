#pragma once
// --demo's vendors: HubSpot, Salesforce and Segment posting their own
// webhooks to the mesh, the way a real stack feeds it. Each has a source of
// its kind (created through /v1/sources when the token is an admin's), and
// each request goes to POST /v1/hooks/<source> in the vendor's own format,
// signed as the vendor signs it (tests/fixtures/README.md has the formats):
//
//   HubSpot     a JSON array of subscription events; X-HubSpot-Signature-v3 =
//               base64(HMAC-SHA256(client secret, "POST" + public URL + body +
//               timestamp ms)), X-HubSpot-Request-Timestamp
//   Salesforce  an Outbound Message: SOAP 1.1 XML with the organization id,
//               one <Notification> per Lead; not signed
//   Segment     one call per request (track, identify); X-Signature =
//               hex(HMAC-SHA1(shared secret, body))
//
// Like the vendors, a request the mesh does not acknowledge (no answer, 429,
// 5xx) is sent again with the same body, so the items' vendor ids, which the
// mesh derives event ids from, deduplicate the retry.

#include "views/session/mesh_session.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPair>
#include <QSet>
#include <QString>

class QNetworkReply;

namespace meshdeck {

// The signatures, as the vendors compute them.
QByteArray hubSpotSignatureV3(const QByteArray& clientSecret, const QByteArray& method,
                              const QByteArray& url, const QByteArray& body, qint64 timestampMs);
QByteArray segmentSignature(const QByteArray& sharedSecret, const QByteArray& body);

// One record as a Salesforce Outbound Message notification carries it: the
// fields the outbound message was configured to send, in its order.
struct SalesforceRecord {
    QString notificationId; // "04l..." (18 characters): Salesforce's id of the notification
    QString type;           // the sObject type: "Lead", "Account"
    QList<QPair<QString, QString>> fields; // "Id" first; an empty value is sent as xsi:nil
};

// The SOAP envelope Salesforce posts for notifications of one object type.
QByteArray salesforceOutboundMessage(const QString& organizationId, const QString& actionId,
                                     const QList<SalesforceRecord>& records);

class DemoVendors : public QObject {
    Q_OBJECT

public:
    // The sources' names; the mesh's flow map shows them as producers.
    static const QString kHubSpot;    // "hubspot"
    static const QString kSalesforce; // "salesforce"
    static const QString kSegment;    // "segment"

    DemoVendors(views::MeshSession& session, QString tenant, QObject* parent = nullptr);

    // With an admin token, creates or replaces the three sources (PUT);
    // otherwise looks for them, declared by an admin before. Called on every
    // tick; does its work once the session is online.
    void declareSources();
    // Whether the source exists in the mesh: only then are hooks posted to it.
    bool ready(const QString& source) const { return ready_.contains(source); }

    // Each posts one webhook request (when its source is ready) and returns
    // whether it did.
    bool postHubSpot(const QJsonArray& events);
    bool postSalesforce(const QList<SalesforceRecord>& records);
    bool postSegment(const QJsonObject& call);
    // Sends the last request posted to `source` once more, body unchanged:
    // what a vendor does when it did not see the acknowledgement in time.
    void repeatLast(const QString& source);

    // Canonical events the mesh stored from the hooks (duplicates not
    // counted; for Salesforce, the notifications it acknowledged).
    int accepted() const { return accepted_; }
    // Requests the mesh refused outright (a 4xx other than 429), and the last
    // reason; a correct demo has none.
    int refused() const { return refused_; }
    QString lastError() const { return lastError_; }

    // The organization id every Salesforce message carries.
    static const QString kOrganizationId;

private:
    struct HookPost {
        QString source;
        QByteArray body;
        QByteArray contentType;
        int items = 0; // Salesforce: notifications, counted when acknowledged
        int attempt = 1;
        bool repeat = false; // a deliberate repeat: nothing new to count
    };
    void declareSource(const QString& name, const QJsonObject& spec);
    void send(HookPost post);
    void answered(const HookPost& post, QNetworkReply* reply);
    QString hookUrl(const QString& source) const;

    views::MeshSession& session_;
    QString tenant_;
    QNetworkAccessManager network_;
    bool declared_ = false;
    QSet<QString> ready_;
    QHash<QString, HookPost> last_;
    int accepted_ = 0;
    int refused_ = 0;
    QString lastError_;
};

} // namespace meshdeck
