#include "views/events/event_filter.h"

#include <QDateTime>
#include <QTimeZone>
#include <QUrlQuery>
#include <algorithm>

namespace meshdeck::views {

namespace {

// The broker wants RFC 3339; people type "2026-11-27", "2026-11-27 09:14" or a
// full timestamp. Anything without an offset is taken as UTC, like the log.
QString normaliseTime(const QString& typed, QString* error, QLatin1StringView what) {
    QString text = typed.trimmed();
    if (text.size() > 10 && text.at(10) == u' ')
        text[10] = u'T';
    QDateTime when = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!when.isValid()) {
        *error = QStringLiteral("%1: expected a time such as 2026-11-27T09:14:03Z, got '%2'")
                     .arg(what, typed.trimmed());
        return {};
    }
    if (when.timeSpec() == Qt::LocalTime)
        when.setTimeZone(QTimeZone::utc());
    when = when.toUTC();
    return when.toString(when.time().msec() ? Qt::ISODateWithMs : Qt::ISODate);
}

} // namespace

bool EventFilter::sameQuery(const EventFilter& other) const {
    return type.trimmed() == other.type.trimmed() && tenant.trimmed() == other.tenant.trimmed() &&
           entity.trimmed() == other.entity.trimmed() &&
           correlationId.trimmed() == other.correlationId.trimmed() &&
           producer.trimmed() == other.producer.trimmed() &&
           since.trimmed() == other.since.trimmed() && until.trimmed() == other.until.trimmed();
}

EventQueryPath eventQueryPath(const EventFilter& filter, qint64 afterSeq, int limit) {
    QUrlQuery query;
    QString error;
    auto add = [&query](QLatin1StringView name, const QString& value) {
        // QUrlQuery leaves '+', '&', '=' and '#' as they are unless told: a
        // type or id holding them must reach the broker unchanged.
        query.addQueryItem(name, QString::fromLatin1(QUrl::toPercentEncoding(value)));
    };

    if (const QString type = filter.type.trimmed(); !type.isEmpty())
        add(QLatin1StringView("type"), type);
    if (const QString tenant = filter.tenant.trimmed(); !tenant.isEmpty())
        add(QLatin1StringView("tenant"), tenant);
    if (const QString entity = filter.entity.trimmed(); !entity.isEmpty()) {
        const qsizetype colon = entity.indexOf(u':');
        if (colon <= 0 || colon == entity.size() - 1)
            error = QStringLiteral("Entity: expected KIND:ID such as lead:L-1042, got '%1'")
                        .arg(entity);
        else
            add(QLatin1StringView("entity"), entity);
    }
    if (const QString correlation = filter.correlationId.trimmed(); !correlation.isEmpty())
        add(QLatin1StringView("correlation_id"), correlation);
    if (const QString producer = filter.producer.trimmed(); !producer.isEmpty())
        add(QLatin1StringView("producer"), producer);

    QString sinceText, untilText;
    if (error.isEmpty() && !filter.since.trimmed().isEmpty())
        sinceText = normaliseTime(filter.since, &error, QLatin1StringView("Since"));
    if (error.isEmpty() && !filter.until.trimmed().isEmpty())
        untilText = normaliseTime(filter.until, &error, QLatin1StringView("Until"));
    if (error.isEmpty() && !sinceText.isEmpty() && !untilText.isEmpty() &&
        QDateTime::fromString(sinceText, Qt::ISODateWithMs) >
            QDateTime::fromString(untilText, Qt::ISODateWithMs))
        error = QStringLiteral("Since (%1) is after until (%2)").arg(sinceText, untilText);
    if (!error.isEmpty())
        return {{}, error};

    if (!sinceText.isEmpty())
        add(QLatin1StringView("since"), sinceText);
    if (!untilText.isEmpty())
        add(QLatin1StringView("until"), untilText);
    if (afterSeq >= 0)
        add(QLatin1StringView("cursor"), QString::number(afterSeq));
    add(QLatin1StringView("limit"), QString::number(std::clamp(limit, 1, 1000)));
    return {u"/v1/events?" + query.toString(QUrl::FullyEncoded), {}};
}

} // namespace meshdeck::views
