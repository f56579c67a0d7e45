#pragma once
// The console's one edge to the broker's answers: a reply body is read as its
// core protocol type (core/protocol, protocol::fromJson<T>) here and nowhere
// else, so no page spells a field name of the HTTP API. An answer that does
// not read becomes an error naming the field ("/consumers/0/lag/events:
// expected an integer, got a string") that the page shows instead of an
// empty table. Also the conversions of core values to the Qt types widgets
// show.

#include "core/protocol/decoded.h"
#include "core/time.h"
#include "views/session/mesh_session.h"

#include <QDateTime>
#include <QString>
#include <functional>
#include <optional>
#include <string_view>

namespace meshdeck::views {

// One answer read as T, or what a person should read instead.
template <class T> struct Answer {
    std::optional<T> value;
    QString error; // the broker's refusal, the transport's error, or the field that did not read
    bool unreadable = false; // the answer came but did not read as T

    explicit operator bool() const { return value.has_value(); }
    const T& operator*() const { return *value; }
    const T* operator->() const { return &*value; }
};

// "The broker's answer could not be read: <violations>".
QString unreadableAnswer(const std::string& violations);

// A body (a reply's, or a feed message) read as T.
template <class T> Answer<T> decodeAnswer(const QByteArray& body) {
    auto decoded =
        protocol::fromJson<T>(std::string_view(body.constData(), static_cast<size_t>(body.size())));
    if (decoded)
        return {std::move(decoded.value), {}};
    return {std::nullopt, unreadableAnswer(decoded.error()), true};
}

// A reply read as T: a refused or failed request reads as its describe().
template <class T> Answer<T> readAnswer(const MeshReply& reply) {
    if (!reply.ok())
        return {std::nullopt, reply.describe()};
    return decodeAnswer<T>(reply.body);
}

// GET path through the session and read the answer as T; `context` guards
// `done` as in MeshSession::get.
template <class T>
void getAnswer(MeshSession& session, const QString& path, QObject* context,
               std::function<void(const Answer<T>&)> done) {
    session.get(path, context,
                [done = std::move(done)](const MeshReply& reply) { done(readAnswer<T>(reply)); });
}

inline QString toQString(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}
// An enum's wire word ("circuit-open", "half-open", "server"), for display.
template <class E> QString wordOf(E value) {
    return toQString(toString(value));
}
// Times a person reads. Every page shows a time through timeText, in one
// format and in the zone the person chose (View > Show local time):
//   UTC (the default):  "2026-11-27 09:14:03.120 UTC"
//   local time:         "2026-11-27 10:14:03.120 CET", or "+05:30" where the
//                       zone has no abbreviation of letters.
// The choice is kept in QSettings under "display/localTime".
//
// The main window's menu entry makes one call when toggled:
//     TimeDisplay::instance().setLocalTime(action->isChecked());
// (its initial checked state is TimeDisplay::instance().localTime()). Pages
// that show times connect to TimeDisplay::changed and render again.
class TimeDisplay final : public QObject {
    Q_OBJECT

public:
    // The application-wide instance (a child of the application object).
    static TimeDisplay& instance();

    bool localTime() const { return localTime_; }
    // Keeps the choice in QSettings and emits changed() when it differs.
    void setLocalTime(bool local);

Q_SIGNALS:
    void changed();

private:
    explicit TimeDisplay(QObject* parent);
    bool localTime_ = false;
};

// The same as TimeDisplay::instance().setLocalTime() / localTime().
void setLocalTime(bool local);
bool localTime();

QString timeText(Timestamp at);
QString timeText(const std::optional<Timestamp>& at); // "" when none
// A time that arrives as RFC 3339 text in raw JSON ("received_at", "at");
// text that is not such a time is returned as it is.
QString timeText(const QString& rfc3339);
// The time of day alone, for chart axes and "next probe at": "09:14:03 UTC".
QString shortTimeText(Timestamp at);
QDateTime toDateTime(Timestamp at); // in UTC

} // namespace meshdeck::views
