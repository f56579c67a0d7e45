#include "views/session/protocol_adapter.h"

#include <QCoreApplication>
#include <QPointer>
#include <QSettings>
#include <QTimeZone>

namespace meshdeck::views {

namespace {

const QString kLocalTimeKey = QStringLiteral("display/localTime");

// The zone as a person reads it: "UTC", "CET", or the offset ("+05:30")
// where the zone's abbreviation is not letters (tzdata writes "+0530", "-03").
QString zoneText(const QDateTime& at, bool local) {
    if (!local)
        return QStringLiteral("UTC");
    const QString abbreviation = at.timeZoneAbbreviation();
    const bool letters = !abbreviation.isEmpty() && abbreviation.front().isLetter();
    if (letters)
        return abbreviation;
    const int offset = at.offsetFromUtc();
    const int minutes = std::abs(offset) / 60;
    return QStringLiteral("%1%2:%3")
        .arg(QChar(offset < 0 ? u'-' : u'+'))
        .arg(minutes / 60, 2, 10, QLatin1Char('0'))
        .arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

TimeDisplay::TimeDisplay(QObject* parent)
    : QObject(parent), localTime_(QSettings().value(kLocalTimeKey, false).toBool()) {}

TimeDisplay& TimeDisplay::instance() {
    // Recreated if the application object that owned it is gone (tests).
    static QPointer<TimeDisplay> display;
    if (!display)
        display = new TimeDisplay(QCoreApplication::instance());
    return *display;
}

void TimeDisplay::setLocalTime(bool local) {
    if (local == localTime_)
        return;
    localTime_ = local;
    QSettings().setValue(kLocalTimeKey, local);
    Q_EMIT changed();
}

void setLocalTime(bool local) {
    TimeDisplay::instance().setLocalTime(local);
}

bool localTime() {
    return TimeDisplay::instance().localTime();
}

QString unreadableAnswer(const std::string& violations) {
    return QStringLiteral("The broker's answer could not be read: %1")
        .arg(QString::fromStdString(violations));
}

QDateTime toDateTime(Timestamp at) {
    return QDateTime::fromMSecsSinceEpoch(toUnixMillis(at), QTimeZone::utc());
}

namespace {

// `format` of the instant in the zone the person chose, then the zone.
QString shownText(Timestamp at, const QString& format) {
    const bool local = localTime();
    const QDateTime shown = local ? toDateTime(at).toLocalTime() : toDateTime(at);
    return shown.toString(format) + u' ' + zoneText(shown, local);
}

} // namespace

QString timeText(Timestamp at) {
    return shownText(at, QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QString timeText(const std::optional<Timestamp>& at) {
    return at ? timeText(*at) : QString();
}

QString timeText(const QString& rfc3339) {
    const auto at = parseRfc3339(rfc3339.toStdString());
    return at ? timeText(*at) : rfc3339;
}

QString shortTimeText(Timestamp at) {
    return shownText(at, QStringLiteral("HH:mm:ss"));
}

} // namespace meshdeck::views
