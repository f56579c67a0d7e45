#pragma once
// The console's own mesh: a Broker started in-process on 127.0.0.1 with an
// ephemeral port and its data under the user's data dir. The console talks
// to it over HTTP exactly as it talks to a remote meshd.

#include "broker/broker.h"

#include <QString>
#include <memory>

namespace meshdeck {

class EmbeddedMesh {
public:
    // Throws std::runtime_error with a message for the user.
    explicit EmbeddedMesh(const QString& dataDir);
    ~EmbeddedMesh();

    QString url() const;
    QByteArray adminToken() const { return token_; }
    QString dataDir() const { return dataDir_; }
    Broker& broker() { return *broker_; }

private:
    QString dataDir_;
    std::unique_ptr<Broker> broker_;
    QByteArray token_;
};

} // namespace meshdeck
