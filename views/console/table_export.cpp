#include "views/console/table_export.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTableView>
#include <algorithm>
#include <functional>

namespace meshdeck::views {

namespace {

QString cellText(const QAbstractItemModel& model, int row, int column) {
    return model.data(model.index(row, column), Qt::DisplayRole).toString();
}

QString titleOf(const QAbstractItemModel& model, int column) {
    return model.headerData(column, Qt::Horizontal, Qt::DisplayRole).toString();
}

// RFC 4180: a field holding a comma, a quote or a line break is quoted, its
// quotes doubled.
QString csvField(const QString& text) {
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n') &&
        !text.contains(u'\r'))
        return text;
    QString quoted = text;
    quoted.replace(u'"', QStringLiteral("\"\""));
    return u'"' + quoted + u'"';
}

// A JSON string literal, escaped as QJsonDocument escapes it.
QByteArray jsonString(const QString& text) {
    const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2); // without the [ ]
}

QByteArray csv(const QAbstractItemModel& model, const QList<int>& columns) {
    auto line = [&columns](const std::function<QString(int)>& text) -> QByteArray {
        QStringList fields;
        for (int c : columns)
            fields << csvField(text(c));
        return fields.join(u',').toUtf8() + "\r\n";
    };
    QByteArray out = line([&model](int c) { return titleOf(model, c); });
    for (int r = 0; r < model.rowCount(); ++r)
        out += line([&model, r](int c) { return cellText(model, r, c); });
    return out;
}

QByteArray jsonLines(const QAbstractItemModel& model, const QList<int>& columns) {
    QList<QByteArray> keys;
    for (int c : columns)
        keys << jsonString(titleOf(model, c));
    QByteArray out;
    for (int r = 0; r < model.rowCount(); ++r) {
        QByteArray object = "{";
        for (qsizetype i = 0; i < columns.size(); ++i)
            object += (i ? "," : "") + keys[i] + ':' + jsonString(cellText(model, r, columns[i]));
        out += object + "}\n";
    }
    return out;
}

} // namespace

QByteArray tableText(const QAbstractItemModel& model, ExportFormat format,
                     const QList<int>& columns) {
    QList<int> order = columns;
    if (order.isEmpty())
        for (int c = 0; c < model.columnCount(); ++c)
            order << c;
    return format == ExportFormat::Csv ? csv(model, order) : jsonLines(model, order);
}

QString exportTable(const QAbstractItemModel& model, const QString& path, ExportFormat format,
                    const QList<int>& columns) {
    // QSaveFile: a failed export leaves any earlier file of that name whole.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(tableText(model, format, columns)) < 0 ||
        !file.commit())
        return QStringLiteral("could not write %1: %2").arg(path, file.errorString());
    return {};
}

QList<int> visibleColumns(const QTableView& view) {
    const QHeaderView* header = view.horizontalHeader();
    QList<int> columns;
    for (int visual = 0; visual < header->count(); ++visual) {
        const int logical = header->logicalIndex(visual);
        if (!header->isSectionHidden(logical))
            columns << logical;
    }
    return columns;
}

QString selectedRowsText(const QTableView& view) {
    const QAbstractItemModel* model = view.model();
    if (!model || !view.selectionModel())
        return {};
    QList<int> rows;
    for (const QModelIndex& index : view.selectionModel()->selectedRows())
        rows << index.row();
    std::sort(rows.begin(), rows.end());
    const QList<int> columns = visibleColumns(view);
    QStringList lines;
    for (int r : rows) {
        QStringList cells;
        for (int c : columns)
            cells << cellText(*model, r, c);
        lines << cells.join(u'\t');
    }
    return lines.join(u'\n');
}

QString exportFileName(const QString& name, ExportFormat format) {
    const QString stem = name.trimmed().toLower().replace(u' ', u'-');
    return QStringLiteral("%1-%2.%3")
        .arg(stem.isEmpty() ? QStringLiteral("table") : stem,
             QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")),
             format == ExportFormat::Csv ? QStringLiteral("csv") : QStringLiteral("jsonl"));
}

} // namespace meshdeck::views
