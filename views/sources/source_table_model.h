#pragma once
// The vendor sources as a table: one row per source from GET /v1/sources,
// with the URL to give the vendor and what the source has received, updated
// in place on every poll (rows keep their place and the selection survives;
// only changed rows are signalled).

#include "core/protocol/source.h"

#include <QAbstractTableModel>
#include <QList>

namespace meshdeck::views {

class SourceTableModel final : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Name,
        Kind,
        Tenant,
        Url,
        Requests,
        Received,
        Mapped,
        Ignored,
        RejectedSignature,
        Quarantined,
        LastError,
        ColumnCount
    };

    using QAbstractTableModel::QAbstractTableModel;

    // The mesh's own URL ("http://127.0.0.1:8787"), for sources without a public URL.
    void setBaseUrl(const QString& baseUrl);
    void apply(const std::vector<protocol::SourceStatus>& sources);
    const protocol::SourceStatus& source(int row) const { return rows_.at(row); }
    int rowOf(const QString& name) const;
    QString urlOf(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QVariant display(const protocol::SourceStatus& s, int column) const;
    QVariant toolTip(const protocol::SourceStatus& s, int column) const;

    QString baseUrl_;
    QList<protocol::SourceStatus> rows_;
};

// What the vendor is given: the source's public URL when it has one (HubSpot
// signs it), else the mesh's URL and the hook path.
QString vendorUrl(const protocol::SourceStatus& source, const QString& baseUrl);
// True when only this machine can reach the URL (127.0.0.1, localhost, ::1).
bool isLoopbackUrl(const QString& url);

} // namespace meshdeck::views
