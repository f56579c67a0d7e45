#include "views/session/protocol_adapter.h"

#include <QTimeZone>

namespace meshdeck::views {

QString unreadableAnswer(const std::string& violations) {
    return QStringLiteral("The broker's answer could not be read: %1")
        .arg(QString::fromStdString(violations));
}

QString timeText(Timestamp at) {
    return QString::fromStdString(formatRfc3339(at));
}

QString timeText(const std::optional<Timestamp>& at) {
    return at ? timeText(*at) : QString();
}

QDateTime toDateTime(Timestamp at) {
    return QDateTime::fromMSecsSinceEpoch(toUnixMillis(at), QTimeZone::utc());
}

} // namespace meshdeck::views
