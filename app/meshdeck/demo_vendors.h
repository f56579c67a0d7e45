#pragma once
// The console's --demo vendors: HubSpot, Salesforce and Segment posting their
// own webhooks to the mesh the console is on, as app/demo/demo_traffic.h
// makes them. Each has a source of its kind (created through /v1/sources
// when the token is an admin's), and each request goes to
// POST /v1/hooks/<source> with QNetworkAccessManager, signed when it is sent.
// Like the vendors, a request the mesh does not acknowledge (no answer, 429,
// 5xx) is sent again with the same body, so the items' vendor ids, which the
// mesh derives event ids from, deduplicate the retry.

#include "app/demo/demo_traffic.h"
#include "views/session/mesh_session.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QString>
#include <set>
#include <string>

class QNetworkReply;

namespace meshdeck {

// A request of the demo to the mesh's API, as the session sends it.
views::MeshRequest meshRequest(const demo::DemoRequest& request);

class DemoVendors : public QObject {
    Q_OBJECT

public:
    DemoVendors(views::MeshSession& session, QString tenant, QObject* parent = nullptr);

    // With an admin token, creates or replaces the three sources (PUT);
    // otherwise looks for them, declared by an admin before. Called on every
    // tick; does its work once the session is online.
    void declareSources();
    // Whether the source exists in the mesh: only then are hooks posted to it.
    bool ready(const std::string& source) const { return ready_.contains(source); }

    // Posts one webhook request (a repeat after demo::kRepeatDelay) when its
    // source is ready, and returns whether it did.
    bool post(demo::DemoRequest request);

    // Canonical events the mesh stored from the hooks (duplicates not
    // counted; for Salesforce, the notifications it acknowledged).
    int accepted() const { return accepted_; }
    // Requests the mesh refused outright (a 4xx other than 429), and the last
    // reason; a correct demo has none.
    int refused() const { return refused_; }
    QString lastError() const { return lastError_; }

private:
    void send(demo::DemoRequest request);
    void answered(demo::DemoRequest request, QNetworkReply* reply);

    views::MeshSession& session_;
    QString tenant_;
    QNetworkAccessManager network_;
    bool declared_ = false;
    std::set<std::string, std::less<>> ready_;
    int accepted_ = 0;
    int refused_ = 0;
    QString lastError_;
};

} // namespace meshdeck
