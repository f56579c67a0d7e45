#include "embedded_mesh.h"

#include "broker/broker_core.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace meshdeck {

namespace {
// The console keeps the admin token of its embedded mesh next to the data,
// readable by the owner only: it is the key to the mesh.
QString tokenPath(const QString& dataDir) {
    return dataDir + QStringLiteral("/console.token");
}

void saveToken(const QString& path, const QByteArray& token) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        throw std::runtime_error("cannot write " + path.toStdString() + ": " +
                                 file.errorString().toStdString());
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(token);
    if (!file.commit())
        throw std::runtime_error("cannot write " + path.toStdString() + ": " +
                                 file.errorString().toStdString());
}
} // namespace

EmbeddedMesh::EmbeddedMesh(const QString& dataDir) : dataDir_(dataDir) {
    QDir().mkpath(dataDir_);
    BrokerConfig config;
    config.dataDir = dataDir_.toStdString();
    config.listen = ListenAddress{"127.0.0.1", 0};
    broker_ = std::make_unique<Broker>(std::move(config));

    if (const auto& created = broker_->initialAdminToken()) {
        token_ = QByteArray::fromStdString(*created);
        saveToken(tokenPath(dataDir_), token_);
    } else {
        QFile file(tokenPath(dataDir_));
        if (file.open(QIODevice::ReadOnly))
            token_ = file.readAll().trimmed();
        // A data dir first made by meshd, or a lost token file: the console
        // is the owner of this data, so it makes itself a new admin token.
        if (token_.isEmpty() ||
            !broker_->core().auth().authenticate("Bearer " + token_.toStdString())) {
            token_ = QByteArray::fromStdString(broker_->core()
                                                   .tokens()
                                                   .create(Role::Admin, "*", {}, "meshdeck console")
                                                   .plaintext);
            saveToken(tokenPath(dataDir_), token_);
        }
    }
    broker_->start();
}

EmbeddedMesh::~EmbeddedMesh() {
    broker_->stop();
}

QString EmbeddedMesh::url() const {
    return QString::fromStdString(broker_->url());
}

} // namespace meshdeck
