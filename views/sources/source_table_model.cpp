#include "views/sources/source_table_model.h"

#include "views/session/protocol_adapter.h"

#include <QDateTime>
#include <QHostAddress>
#include <QLocale>
#include <QUrl>

namespace meshdeck::views {

QString vendorUrl(const protocol::SourceStatus& source, const QString& baseUrl) {
    if (!source.publicUrl.empty())
        return toQString(source.publicUrl);
    QString base = baseUrl;
    while (base.endsWith(u'/'))
        base.chop(1);
    return base + toQString(source.hookPath);
}

bool isLoopbackUrl(const QString& url) {
    const QString host = QUrl(url).host();
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

void SourceTableModel::setBaseUrl(const QString& baseUrl) {
    if (baseUrl == baseUrl_)
        return;
    baseUrl_ = baseUrl;
    if (!rows_.isEmpty())
        Q_EMIT dataChanged(index(0, Url), index(rowCount() - 1, Url));
}

void SourceTableModel::apply(const std::vector<protocol::SourceStatus>& sources) {
    // Times follow View > Show local time: once there are rows to show, a
    // change of zone writes every row's times again.
    if (!findChild<QObject*>(QStringLiteral("timeDisplayHook"), Qt::FindDirectChildrenOnly)) {
        auto* hook = new QObject(this);
        hook->setObjectName(QStringLiteral("timeDisplayHook"));
        connect(&TimeDisplay::instance(), &TimeDisplay::changed, hook, [this] {
            if (!rows_.isEmpty())
                Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                                   {Qt::DisplayRole, Qt::ToolTipRole});
        });
    }
    // Remove rows whose source is gone, update the others in place, append new ones.
    for (int row = static_cast<int>(rows_.size()) - 1; row >= 0; --row) {
        const std::string& name = rows_.at(row).name;
        const bool kept =
            std::any_of(sources.begin(), sources.end(),
                        [&](const protocol::SourceStatus& s) { return s.name == name; });
        if (!kept) {
            beginRemoveRows({}, row, row);
            rows_.removeAt(row);
            endRemoveRows();
        }
    }
    for (const auto& s : sources) {
        const int row = rowOf(toQString(s.name));
        if (row < 0) {
            const int at = static_cast<int>(rows_.size());
            beginInsertRows({}, at, at);
            rows_.append(s);
            endInsertRows();
        } else if (!(rows_.at(row) == s)) {
            rows_[row] = s;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
}

int SourceTableModel::rowOf(const QString& name) const {
    const std::string wanted = name.toStdString();
    for (int row = 0; row < rows_.size(); ++row)
        if (rows_.at(row).name == wanted)
            return row;
    return -1;
}

QString SourceTableModel::urlOf(int row) const {
    return row >= 0 && row < rows_.size() ? vendorUrl(rows_.at(row), baseUrl_) : QString();
}

int SourceTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int SourceTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SourceTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const protocol::SourceStatus& s = rows_.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return display(s, index.column());
    case Qt::ToolTipRole:
        return toolTip(s, index.column());
    case Qt::TextAlignmentRole:
        if (index.column() >= Requests && index.column() <= Quarantined)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant SourceTableModel::display(const protocol::SourceStatus& s, int column) const {
    const auto count = [](std::int64_t n) {
        return QLocale().toString(static_cast<qint64>(n));
    };
    switch (column) {
    case Name:
        return toQString(s.name);
    case Kind:
        return toQString(s.kind);
    case Tenant:
        return toQString(s.tenant);
    case Url:
        return vendorUrl(s, baseUrl_);
    case Requests:
        return count(s.counters.requests);
    case Received:
        return count(s.counters.received);
    case Mapped:
        return count(s.counters.mapped);
    case Ignored:
        return count(s.counters.ignored);
    case RejectedSignature:
        return count(s.counters.rejectedSignature);
    case Quarantined:
        return count(s.counters.quarantined);
    case LastError:
        if (s.lastError.empty())
            return QString();
        return s.lastErrorAt ? timeText(*s.lastErrorAt) + u" — " + toQString(s.lastError)
                             : toQString(s.lastError);
    default:
        return {};
    }
}

QVariant SourceTableModel::toolTip(const protocol::SourceStatus& s, int column) const {
    switch (column) {
    case Name: {
        QStringList lines;
        lines << QStringLiteral("%1: %2 source of tenant %3, declared %4")
                     .arg(toQString(s.name), toQString(s.kind), toQString(s.tenant),
                          s.origin == "config" ? QStringLiteral("in meshd's config")
                                               : QStringLiteral("through the API"));
        lines << QStringLiteral("Events are published as producer %1 with the rules of %2.")
                     .arg(toQString(s.producer), toQString(s.mapping));
        lines << (s.lastReceivedAt
                      ? QStringLiteral("Last request: %1").arg(timeText(*s.lastReceivedAt))
                      : QStringLiteral("No request received yet."));
        return lines.join(u'\n');
    }
    case Url: {
        const QString url = vendorUrl(s, baseUrl_);
        if (isLoopbackUrl(url))
            return QStringLiteral(
                       "%1\nOnly this machine can reach this address: give the vendor the "
                       "broker's public address (a proxy in front of meshd, or the source's "
                       "public_url).")
                .arg(url);
        return QStringLiteral("%1\nGive this URL to the vendor as the webhook target (Copy URL).")
            .arg(url);
    }
    case Mapped:
        return QStringLiteral("Items that became canonical events; %1 of them were vendor retries "
                              "already in the log.")
            .arg(s.counters.duplicates);
    case LastError:
        return s.lastError.empty() ? QVariant() : QVariant(display(s, column));
    default:
        return headerData(column, Qt::Horizontal, Qt::ToolTipRole);
    }
}

QVariant SourceTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    struct Title {
        const char* title;
        const char* explanation;
    };
    static const Title titles[] = {
        {"Source", "The source's name: the last segment of its hook URL"},
        {"Kind", "Which vendor's requests it reads: hubspot, salesforce-outbound, segment or "
                 "generic"},
        {"Tenant", "Every event from this source belongs to this tenant"},
        {"URL for the vendor", "Where the vendor posts its webhooks"},
        {"Requests", "Hook requests that named this source"},
        {"Received", "Vendor items in requests whose signature verified"},
        {"Mapped", "Items that became canonical events"},
        {"Ignored", "Items a rule ignores on purpose: counted, not stored"},
        {"Rejected (signature)", "Requests refused because their signature did not verify"},
        {"Quarantined", "Items (or whole requests) no rule could map, kept on the Quarantine page"},
        {"Last error", "The latest request or item this source could not take, and when"},
    };
    if (role == Qt::DisplayRole)
        return QString::fromUtf8(titles[section].title);
    if (role == Qt::ToolTipRole)
        return QString::fromUtf8(titles[section].explanation);
    return {};
}

} // namespace meshdeck::views
