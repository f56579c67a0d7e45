#include "views/catalog/catalog_model.h"

#include "views/session/mesh_session.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace meshdeck::views {

CatalogModel::CatalogModel(MeshSession& session, QObject* parent)
    : QAbstractTableModel(parent), session_(session) {}

void CatalogModel::refresh() {
    const quint64 generation = ++generation_;
    loading_ = true;
    session_.get(QStringLiteral("/v1/schemas"), this, [this, generation](const MeshReply& reply) {
        if (generation != generation_)
            return; // a later refresh is on its way
        loading_ = false;
        if (!reply.ok()) {
            lastError_ = QStringLiteral("could not list the event types: ") + reply.describe();
            Q_EMIT loadFailed(lastError_);
            return;
        }
        QString error;
        QList<EventTypeSummary> types = parseSchemas(reply.body, &error);
        if (!error.isEmpty()) {
            lastError_ = error;
            Q_EMIT loadFailed(lastError_);
            return;
        }
        lastError_.clear();
        apply(std::move(types));
        Q_EMIT typesLoaded();
    });
}

QList<EventTypeSummary> CatalogModel::parseSchemas(const QByteArray& body, QString* error) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    const QJsonValue list = document.object().value(QLatin1String("schemas"));
    if (parseError.error != QJsonParseError::NoError || !list.isArray()) {
        if (error)
            *error = QStringLiteral("the mesh answered GET /v1/schemas with something other "
                                    "than {\"schemas\": [...]}");
        return {};
    }
    QList<EventTypeSummary> types;
    for (const QJsonValue& value : list.toArray()) {
        const QJsonObject object = value.toObject();
        EventTypeSummary type;
        type.eventType = object.value(QLatin1String("event_type")).toString();
        if (type.eventType.isEmpty())
            continue;
        type.latestVersion = object.value(QLatin1String("latest_version")).toInt();
        for (const QJsonValue& v : object.value(QLatin1String("versions")).toArray())
            type.versions << v.toInt();
        type.owner = object.value(QLatin1String("owner")).toString();
        type.sloClass = object.value(QLatin1String("slo_class")).toString();
        for (const QJsonValue& p : object.value(QLatin1String("pii")).toArray())
            type.piiPaths << p.toString();
        type.description = object.value(QLatin1String("description")).toString();
        types << type;
    }
    std::sort(types.begin(), types.end(),
              [](const auto& a, const auto& b) { return a.eventType < b.eventType; });
    return types;
}

void CatalogModel::apply(QList<EventTypeSummary> types) {
    // Same types in the same order (the usual refresh): update in place so
    // views keep their selection; otherwise reset.
    bool sameRows = types.size() == types_.size();
    for (qsizetype i = 0; sameRows && i < types.size(); ++i)
        sameRows = types[i].eventType == types_[i].eventType;
    if (sameRows) {
        types_ = std::move(types);
        if (!types_.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    types_ = std::move(types);
    endResetModel();
}

const EventTypeSummary* CatalogModel::summary(const QString& eventType) const {
    const int row = rowOf(eventType);
    return row < 0 ? nullptr : &types_[row];
}

int CatalogModel::rowOf(const QString& eventType) const {
    for (qsizetype i = 0; i < types_.size(); ++i) {
        if (types_[i].eventType == eventType)
            return int(i);
    }
    return -1;
}

int CatalogModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(types_.size());
}

int CatalogModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CatalogModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const EventTypeSummary& type = types_[index.row()];
    if (role == EventTypeRole)
        return type.eventType;
    if (role == Qt::TextAlignmentRole) {
        if (index.column() == LatestColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == TypeColumn)
            return type.description;
        if (index.column() == PiiColumn && !type.piiPaths.isEmpty())
            return QString(QStringLiteral("Personal data at ") +
                           type.piiPaths.join(QStringLiteral(", ")));
        // A narrow column elides: the tooltip has the whole value.
        return data(index, Qt::DisplayRole);
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TypeColumn:
        return type.eventType;
    case LatestColumn:
        return type.latestVersion;
    case VersionsColumn: {
        QStringList versions;
        for (int v : type.versions)
            versions << QString::number(v);
        return versions.join(QStringLiteral(", "));
    }
    case OwnerColumn:
        return type.owner;
    case SloColumn:
        return type.sloClass;
    case PiiColumn:
        return type.piiPaths.join(QStringLiteral(", "));
    }
    return {};
}

QVariant CatalogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TypeColumn:
        return QStringLiteral("Type");
    case LatestColumn:
        return QStringLiteral("Latest");
    case VersionsColumn:
        return QStringLiteral("Versions");
    case OwnerColumn:
        return QStringLiteral("Owner");
    case SloColumn:
        return QStringLiteral("SLO class");
    case PiiColumn:
        return QStringLiteral("PII fields");
    }
    return {};
}

} // namespace meshdeck::views
