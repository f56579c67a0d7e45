#include "views/console/record_list_page.h"

#include "views/console/table_export.h"
#include "views/session/protocol_adapter.h"

#include <QAction>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>
#include <cmath>

namespace meshdeck::views {

void setUpEmptyState(QLabel* label) {
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setMargin(24);
    label->setForegroundRole(QPalette::PlaceholderText);
    label->setBackgroundRole(QPalette::Base);
    label->setAutoFillBackground(true);
}

namespace {

// What the table is called in a file name: its page's title ("Dead letters"),
// else the table's object name.
QString tableName(const QTableView* table) {
    for (const QObject* o = table->parent(); o; o = o->parent())
        if (const auto* page = qobject_cast<const Page*>(o))
            return page->title();
    return table->objectName();
}

void exportAs(QTableView* table, ExportFormat format) {
    const bool csv = format == ExportFormat::Csv;
    const QString suggested =
        QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
            .filePath(exportFileName(tableName(table), format));
    const QString path = QFileDialog::getSaveFileName(
        table, csv ? QStringLiteral("Export as CSV") : QStringLiteral("Export as JSON Lines"),
        suggested,
        csv ? QStringLiteral("CSV (*.csv);;All files (*)")
            : QStringLiteral("JSON Lines (*.jsonl);;All files (*)"));
    if (path.isEmpty() || !table->model())
        return;
    const QString error = exportTable(*table->model(), path, format, visibleColumns(*table));
    if (!error.isEmpty())
        QMessageBox::warning(table, QStringLiteral("Export failed"), error);
}

} // namespace

// Copy and export, on every table: the rows as the person sees them.
void addTableActions(QTableView* table) {
    auto* copy = new QAction(QStringLiteral("Copy"), table);
    copy->setObjectName(QStringLiteral("copyRowsAction"));
    copy->setToolTip(QStringLiteral("Copy the selected rows as tab-separated text"));
    QObject::connect(copy, &QAction::triggered, table,
                     [table] { QGuiApplication::clipboard()->setText(selectedRowsText(*table)); });
    auto* csv = new QAction(QStringLiteral("Export as CSV…"), table);
    csv->setObjectName(QStringLiteral("exportCsvAction"));
    QObject::connect(csv, &QAction::triggered, table,
                     [table] { exportAs(table, ExportFormat::Csv); });
    auto* jsonLines = new QAction(QStringLiteral("Export as JSON Lines…"), table);
    jsonLines->setObjectName(QStringLiteral("exportJsonLinesAction"));
    QObject::connect(jsonLines, &QAction::triggered, table,
                     [table] { exportAs(table, ExportFormat::JsonLines); });
    table->addActions({copy, csv, jsonLines});
    // Pages add their own actions after these (Sources: copy the URL).
    table->setContextMenuPolicy(Qt::ActionsContextMenu);
}

void setUpRecordTable(QTableView* table, QAbstractItemModel* model,
                      QAbstractItemView::SelectionMode mode) {
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(mode);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setAlternatingRowColors(true);
    addTableActions(table);
}

QString jsonNumberText(double number) {
    // Past 2^53 (or for inf and NaN) the cast to an integer would not be exact.
    constexpr double kExact = 9007199254740992.0;
    return std::trunc(number) == number && std::abs(number) <= kExact
               ? QString::number(static_cast<qint64>(number))
               : QString::number(number);
}

QString recordText(const QJsonObject& record, const QString& path) {
    QJsonValue value = record;
    for (const auto& key : path.split(u'/')) {
        bool isIndex = false;
        const int index = key.toInt(&isIndex);
        value =
            isIndex && value.isArray() ? value.toArray().at(index) : value.toObject().value(key);
    }
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return jsonNumberText(value.toDouble());
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    return {};
}

namespace {

QList<RowColumn<QJsonObject>> columnsAtPaths(const QList<RecordColumn>& columns) {
    QList<RowColumn<QJsonObject>> read;
    for (const auto& column : columns)
        read.append({column.title, [path = column.path, time = column.time](const QJsonObject& r) {
                         const QString text = recordText(r, path);
                         return time ? timeText(text) : text;
                     }});
    return read;
}

} // namespace

RecordListModel::RecordListModel(const QList<RecordColumn>& columns, QObject* parent)
    : RowListModel(columnsAtPaths(columns), parent) {
    // Times follow View > Show local time: every cell again, from the records held.
    connect(&TimeDisplay::instance(), &TimeDisplay::changed, this, [this] {
        if (rowCount() > 0)
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1),
                               {Qt::DisplayRole, Qt::ToolTipRole});
    });
}

RecordListPage::RecordListPage(MeshSession& session, QString title, QString path, QString arrayKey,
                               QList<RecordColumn> columns, QString emptyText, QWidget* parent)
    : Page(session, parent), title_(std::move(title)), path_(std::move(path)),
      arrayKey_(std::move(arrayKey)), emptyText_(std::move(emptyText)),
      model_(new RecordListModel(columns, this)), table_(new QTableView(this)),
      detail_(new QPlainTextEdit(this)), status_(new QLabel(this)) {
    setObjectName(title_.toLower() + QStringLiteral("Page"));
    table_->setObjectName(QStringLiteral("recordTable"));
    detail_->setObjectName(QStringLiteral("recordDetail"));
    status_->setObjectName(QStringLiteral("recordStatus"));

    setUpRecordTable(table_, model_);
    detail_->setReadOnly(true);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_->setPlaceholderText(QStringLiteral("Select a row to see the whole record."));

    auto* refresh = new QPushButton(QStringLiteral("Refresh"), this);
    refresh->setObjectName(QStringLiteral("refreshButton"));
    connect(refresh, &QPushButton::clicked, this, &RecordListPage::activate);

    auto* header = new QHBoxLayout;
    auto* heading = new QLabel(QStringLiteral("<b>%1</b>").arg(title_.toHtmlEscaped()), this);
    header->addWidget(heading);
    header->addWidget(status_, 1);
    header->addWidget(refresh);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(table_);
    splitter->addWidget(detail_);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(splitter, 1);

    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showRecord(current.row()); });
}

void RecordListPage::activate() {
    const quint64 generation = ++generation_;
    status_->setText(QStringLiteral("Loading…"));
    session().get(path_, this, [this, generation](const MeshReply& reply) {
        if (generation != generation_)
            return; // a newer refresh is on its way
        if (!reply.ok()) {
            model_->setRecords({});
            status_->setText(reply.describe());
            return;
        }
        QList<QJsonObject> records;
        for (const auto& value :
             QJsonDocument::fromJson(reply.body).object().value(arrayKey_).toArray())
            records.append(value.toObject());
        model_->setRecords(std::move(records));
        table_->resizeColumnsToContents();
        for (int c = 0; c + 1 < model_->columnCount(); ++c)
            table_->setColumnWidth(c, std::min(table_->columnWidth(c), 320));
        const int n = model_->rowCount();
        status_->setText(n == 0   ? emptyText_
                         : n == 1 ? QStringLiteral("1 record")
                                  : QStringLiteral("%1 records, newest first").arg(n));
        detail_->clear();
    });
}

void RecordListPage::showRecord(int row) {
    if (row < 0 || row >= model_->rowCount()) {
        detail_->clear();
        return;
    }
    // A kept request body is JSON text more often than not: show it as JSON.
    QJsonObject record = model_->record(row);
    const QJsonDocument body =
        QJsonDocument::fromJson(record.value(QLatin1String("body")).toString().toUtf8());
    if (body.isObject())
        record.insert(QStringLiteral("body"), body.object());
    else if (body.isArray())
        record.insert(QStringLiteral("body"), body.array());
    detail_->setPlainText(QString::fromUtf8(QJsonDocument(record).toJson(QJsonDocument::Indented)));
}

} // namespace meshdeck::views
