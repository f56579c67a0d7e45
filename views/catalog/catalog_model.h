#pragma once
// The event types a mesh knows, one row each, from GET /v1/schemas.

#include <QAbstractTableModel>
#include <QList>
#include <QStringList>

namespace meshdeck::views {

class MeshSession;

struct EventTypeSummary {
    QString eventType;
    int latestVersion = 0;
    QList<int> versions;
    QString owner;
    QString sloClass;
    QStringList piiPaths; // JSON Pointers into the payload, "/email"
    QString description;
};

class CatalogModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { TypeColumn, LatestColumn, VersionsColumn, OwnerColumn, SloColumn, PiiColumn };
    static constexpr int ColumnCount = PiiColumn + 1;
    // Qt::UserRole on any column: the row's event type name.
    static constexpr int EventTypeRole = Qt::UserRole;

    explicit CatalogModel(MeshSession& session, QObject* parent = nullptr);

    // Fetches the list again; an answer to an earlier refresh is dropped.
    void refresh();
    bool isLoading() const { return loading_; }
    QString lastError() const { return lastError_; }

    const EventTypeSummary* summary(const QString& eventType) const;
    int rowOf(const QString& eventType) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Parses a GET /v1/schemas body, sorted by type; a malformed one yields
    // nothing and sets *error.
    static QList<EventTypeSummary> parseSchemas(const QByteArray& body, QString* error);

Q_SIGNALS:
    void typesLoaded();
    void loadFailed(const QString& why);

private:
    void apply(QList<EventTypeSummary> types);

    MeshSession& session_;
    QList<EventTypeSummary> types_;
    quint64 generation_ = 0;
    bool loading_ = false;
    QString lastError_;
};

} // namespace meshdeck::views
