#include "views/quarantine/rejected_input.h"

#include "views/catalog/json_text.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace meshdeck::views {

namespace {

QString identity(const RejectedInput& input) {
    // U+001F between the parts: no part can forge another's boundary.
    return QStringList{input.tenant, input.producer, input.source,
                       input.reason, input.where(),  input.problem()}
        .join(QChar(0x1f));
}

// Reads one entry; each member of the wrong type becomes "path: what".
RejectedInput readEntry(const QJsonObject& entry, const QString& at, QStringList& bad) {
    RejectedInput input;
    const auto text = [&](const char* key) {
        const QJsonValue value = entry.value(QLatin1StringView(key));
        if (!value.isString() && !value.isUndefined() && !value.isNull())
            bad << QStringLiteral("%1/%2: expected a string").arg(at, QLatin1StringView(key));
        return value.toString();
    };
    input.id = entry.value(QLatin1StringView("id")).toInteger();
    input.status = entry.value(QLatin1StringView("status")).toInt();
    const QString received = text("received_at");
    if (const auto when = parseRfc3339(received.toStdString()))
        input.receivedAt = *when;
    else
        bad << QStringLiteral("%1/received_at: expected an RFC 3339 time, got \"%2\"")
                   .arg(at, received);
    input.tenant = text("tenant");
    input.tokenId = text("token_id");
    input.producer = text("producer");
    input.eventType = text("event_type");
    input.source = text("source");
    input.contentType = text("content_type");
    input.reason = text("reason");
    input.body = text("body");
    const QJsonObject problem = entry.value(QLatin1StringView("problem")).toObject();
    input.problemTitle = problem.value(QLatin1StringView("title")).toString();
    input.problemDetail = problem.value(QLatin1StringView("detail")).toString();
    for (const auto& v : problem.value(QLatin1StringView("violations")).toArray()) {
        const QJsonObject violation = v.toObject();
        input.violations.append({violation.value(QLatin1StringView("path")).toString(),
                                 violation.value(QLatin1StringView("message")).toString()});
    }
    return input;
}

} // namespace

QString RejectedInput::where() const {
    return violations.isEmpty() ? QString() : violations.front().path;
}

QString RejectedInput::problem() const {
    return violations.isEmpty() || violations.front().message.isEmpty()
               ? problemDetail
               : violations.front().message;
}

QString RejectionGroup::key() const {
    return identity(newest());
}

Answer<QList<RejectedInput>> readRejectedInputs(const MeshReply& reply) {
    if (!reply.ok())
        return {std::nullopt, reply.describe()};
    const QJsonValue entries = QJsonDocument::fromJson(reply.body).object().value(u"entries");
    if (!entries.isArray())
        return {std::nullopt, unreadableAnswer("/entries: expected an array"), true};
    QList<RejectedInput> inputs;
    QStringList bad;
    const QJsonArray list = entries.toArray();
    for (qsizetype i = 0; i < list.size(); ++i)
        inputs.append(readEntry(list.at(i).toObject(), QStringLiteral("/entries/%1").arg(i), bad));
    if (!bad.isEmpty())
        return {std::nullopt, unreadableAnswer(bad.join(QStringLiteral("; ")).toStdString()), true};
    return {std::move(inputs), {}};
}

QList<RejectionGroup> groupIdentical(const QList<RejectedInput>& inputs) {
    QList<RejectionGroup> groups;
    QHash<QString, qsizetype> indexOf;
    for (const auto& input : inputs) {
        const QString key = identity(input);
        const auto it = indexOf.constFind(key);
        if (it == indexOf.cend()) {
            indexOf.insert(key, groups.size());
            groups.append({{input}});
        } else {
            groups[*it].entries.append(input);
        }
    }
    return groups;
}

bool matchesFilter(const RejectedInput& input, const QString& filter) {
    const QString needle = filter.trimmed();
    if (needle.isEmpty())
        return true;
    const auto has = [&needle](const QString& text) {
        return text.contains(needle, Qt::CaseInsensitive);
    };
    if (has(input.producer) || has(input.eventType) || has(input.reason) ||
        has(input.problemTitle) || has(input.problemDetail))
        return true;
    return std::any_of(input.violations.cbegin(), input.violations.cend(),
                       [&has](const ProblemViolation& v) { return has(v.message); });
}

QString describeRejection(const RejectedInput& input) {
    QStringList lines;
    lines << QStringLiteral("%1 (HTTP %2)")
                 .arg(input.problemTitle.isEmpty() ? input.reason : input.problemTitle)
                 .arg(input.status);
    if (!input.problemDetail.isEmpty())
        lines << input.problemDetail;
    if (!input.violations.isEmpty()) {
        lines << QString();
        for (const auto& v : input.violations)
            lines << (v.path.isEmpty() ? QStringLiteral("  (the whole body): %1").arg(v.message)
                                       : QStringLiteral("  %1: %2").arg(v.path, v.message));
    }
    lines << QString();
    lines << QStringLiteral("Received %1 by %2").arg(timeText(input.receivedAt), input.source);
    lines << QStringLiteral("Producer %1%2, tenant %3")
                 .arg(input.producer,
                      input.eventType.isEmpty()
                          ? QString()
                          : QStringLiteral(", event type %1").arg(input.eventType),
                      input.tenant.isEmpty() ? QStringLiteral("(none: no token)") : input.tenant);
    lines << QStringLiteral("Quarantine entry %1, reason %2%3")
                 .arg(input.id)
                 .arg(input.reason, input.tokenId.isEmpty()
                                        ? QString()
                                        : QStringLiteral(", token %1").arg(input.tokenId));
    lines << QString();
    const QJsonDocument body = QJsonDocument::fromJson(input.body.toUtf8());
    const bool json = body.isObject() || body.isArray();
    lines << QStringLiteral("Body as received%1:")
                 .arg(input.contentType.isEmpty() ? QString()
                                                  : QStringLiteral(" (%1)").arg(input.contentType));
    // Indented in the order it was written (QJsonDocument would sort the keys).
    lines << (json                   ? jsontext::indented(input.body.toUtf8())
              : input.body.isEmpty() ? QStringLiteral("(empty)")
                                     : input.body);
    return lines.join(u'\n');
}

} // namespace meshdeck::views
