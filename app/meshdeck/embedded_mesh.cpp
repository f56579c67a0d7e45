#include "embedded_mesh.h"

#include "broker/kept_token.h"

#include <QDir>

namespace meshdeck {

namespace {
// The console keeps the admin token of its embedded mesh next to the data,
// readable by the owner only: it is the key to the mesh.
QString tokenPath(const QString& dataDir) {
    return dataDir + QStringLiteral("/console.token");
}
} // namespace

EmbeddedMesh::EmbeddedMesh(const QString& dataDir) : dataDir_(dataDir) {
    QDir().mkpath(dataDir_);
    BrokerConfig config;
    config.dataDir = dataDir_.toStdString();
    config.listen = ListenAddress{"127.0.0.1", 0};
    broker_ = std::make_unique<Broker>(std::move(config));

    // The console owns this data: it keeps the first start's one-time admin
    // token, and makes itself a new one when the data dir was first made by
    // meshd or the token file was lost.
    token_ =
        QByteArray::fromStdString(keptAdminToken(broker_->core(), tokenPath(dataDir_).toStdString(),
                                                 "meshdeck console", broker_->initialAdminToken()));
    broker_->start();
}

EmbeddedMesh::~EmbeddedMesh() {
    broker_->stop();
}

QString EmbeddedMesh::url() const {
    return QString::fromStdString(broker_->url());
}

} // namespace meshdeck
