// Copy and export on the console's tables (views/console/table_export.h and
// setUpRecordTable's context menu): CSV as RFC 4180 reads it, JSON Lines keyed
// by the column titles, both in the order the person sees - through a sort
// proxy, with moved and hidden columns - on the offscreen platform.

#include "views/console/record_list_page.h"
#include "views/console/table_export.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest/QTest>

using namespace meshdeck::views;

namespace {

// Consumers with awkward text: a comma, quotes, a line break.
std::unique_ptr<QStandardItemModel> consumers() {
    auto model = std::make_unique<QStandardItemModel>(0, 3);
    model->setHorizontalHeaderLabels(
        {QStringLiteral("Name"), QStringLiteral("Last error"), QStringLiteral("Lag")});
    const QList<QStringList> rows = {
        {QStringLiteral("crm-sync"), QStringLiteral("refused, attempt 3"), QStringLiteral("12")},
        {QStringLiteral("analytics"), QStringLiteral("said \"slow down\""), QStringLiteral("0")},
        {QStringLiteral("billing"), QStringLiteral("line one\nline two"), QStringLiteral("7")},
    };
    for (const auto& row : rows) {
        QList<QStandardItem*> items;
        for (const auto& text : row)
            items << new QStandardItem(text);
        model->appendRow(items);
    }
    return model;
}

QStringList actionTexts(const QWidget& widget) {
    QStringList texts;
    for (const QAction* action : widget.actions())
        texts << action->text();
    return texts;
}

} // namespace

class TableExportTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void csvQuotesWhatNeedsIt() {
        const auto model = consumers();
        QCOMPARE(QString::fromUtf8(tableText(*model, ExportFormat::Csv)),
                 QStringLiteral("Name,Last error,Lag\r\n"
                                "crm-sync,\"refused, attempt 3\",12\r\n"
                                "analytics,\"said \"\"slow down\"\"\",0\r\n"
                                "billing,\"line one\nline two\",7\r\n"));
    }

    void jsonLinesAreKeyedByColumnTitles() {
        const auto model = consumers();
        const QList<QByteArray> lines = tableText(*model, ExportFormat::JsonLines).split('\n');
        QCOMPARE(lines.size(), 4); // three rows and the empty rest after the last newline
        QVERIFY(lines.last().isEmpty());
        const QJsonObject third = QJsonDocument::fromJson(lines[2]).object();
        QCOMPARE(third.keys(), (QStringList{QStringLiteral("Lag"), QStringLiteral("Last error"),
                                            QStringLiteral("Name")}));
        QCOMPARE(third.value(QLatin1String("Last error")).toString(),
                 QStringLiteral("line one\nline two"));
        QCOMPARE(third.value(QLatin1String("Lag")).toString(), QStringLiteral("7"));
        // Keys in the column order, as the table shows them.
        QVERIFY2(lines[1].startsWith(
                     "{\"Name\":\"analytics\",\"Last error\":\"said \\\"slow down\\\"\""),
                 lines[1].constData());
    }

    void theViewsOrderIsWritten() {
        const auto model = consumers();
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(model.get());
        proxy.sort(0, Qt::AscendingOrder);
        QTableView view;
        setUpRecordTable(&view, &proxy);
        view.horizontalHeader()->moveSection(2, 0); // Lag first
        view.setColumnHidden(1, true);              // no Last error
        QCOMPARE(visibleColumns(view), (QList<int>{2, 0}));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("consumers.csv"));
        QCOMPARE(exportTable(proxy, path, ExportFormat::Csv, visibleColumns(view)), QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(),
                 QByteArray("Lag,Name\r\n0,analytics\r\n7,billing\r\n12,crm-sync\r\n"));

        QVERIFY(
            !exportTable(proxy, dir.filePath(QStringLiteral("missing/x.csv")), ExportFormat::Csv)
                 .isEmpty());
    }

    void everyRecordTableCopiesAndExports() {
        const auto model = consumers();
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(model.get());
        proxy.sort(0, Qt::DescendingOrder);
        QTableView view;
        view.setObjectName(QStringLiteral("consumerTable"));
        setUpRecordTable(&view, &proxy, QAbstractItemView::ExtendedSelection);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QCOMPARE(view.contextMenuPolicy(), Qt::ActionsContextMenu);
        QCOMPARE(actionTexts(view),
                 (QStringList{QStringLiteral("Copy"), QStringLiteral("Export as CSV…"),
                              QStringLiteral("Export as JSON Lines…")}));

        view.selectRow(0);
        view.selectionModel()->select(proxy.index(2, 0),
                                      QItemSelectionModel::Select | QItemSelectionModel::Rows);
        view.actions().at(0)->trigger();
        QCOMPARE(QApplication::clipboard()->text(),
                 QStringLiteral("crm-sync\trefused, attempt 3\t12\n"
                                "analytics\tsaid \"slow down\"\t0"));

        // Export asks for a file name, suggesting "<table>-<time>.jsonl".
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("out.jsonl"));
        QString suggested;
        QTimer::singleShot(0, &view, [&suggested, &path] {
            auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            suggested = dialog->selectedFiles().value(0);
            dialog->selectFile(path);
            QMetaObject::invokeMethod(dialog, "accept");
        });
        view.actions().at(2)->trigger();
        QVERIFY2(QFileInfo(suggested).fileName().startsWith(QStringLiteral("consumertable-")),
                 qPrintable(suggested));
        QVERIFY(suggested.endsWith(QStringLiteral(".jsonl")));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().startsWith("{\"Name\":\"crm-sync\","));
    }

    void fileNamesSayWhatAndWhen() {
        const QString name = exportFileName(QStringLiteral("Dead letters"), ExportFormat::Csv);
        QVERIFY2(QRegularExpression(QStringLiteral("^dead-letters-\\d{8}-\\d{6}\\.csv$"))
                     .match(name)
                     .hasMatch(),
                 qPrintable(name));
    }
};

QTEST_MAIN(TableExportTest)
#include "tst_table_export.moc"
