#include "views/session/mesh_transport.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace meshdeck::views {

QString MeshReply::describe() const {
    if (status == 0)
        return error.isEmpty() ? QStringLiteral("no answer") : error;
    const QJsonObject problem = QJsonDocument::fromJson(body).object();
    const QString detail = problem.value(QLatin1String("detail")).toString();
    if (!detail.isEmpty())
        return detail;
    return QStringLiteral("HTTP %1").arg(status);
}

} // namespace meshdeck::views
