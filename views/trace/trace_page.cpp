#include "views/trace/trace_page.h"

#include "views/console/record_list_page.h"
#include "views/trace/waterfall.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace meshdeck::views {

namespace {

void addNode(QTreeWidgetItem* parent, QTreeWidget* tree, const QJsonObject& node) {
    const QStringList columns{node.value(QLatin1String("event_type")).toString(),
                              node.value(QLatin1String("event_id")).toString(),
                              QString::number(node.value(QLatin1String("seq")).toInteger())};
    auto* item = parent ? new QTreeWidgetItem(parent, columns) : new QTreeWidgetItem(tree, columns);
    for (const auto& child : node.value(QLatin1String("caused")).toArray())
        addNode(item, tree, child.toObject());
}

} // namespace

TracePage::TracePage(MeshSession& session, QWidget* parent)
    : Page(session, parent), search_(new QLineEdit(this)), answer_(new QLabel(this)),
      outcomes_(new QLabel(this)),
      timeline_(new RecordListModel({{QStringLiteral("When"), QStringLiteral("at")},
                                     {QStringLiteral("What"), QStringLiteral("kind")},
                                     {QStringLiteral("Consumer"), QStringLiteral("consumer")},
                                     {QStringLiteral("Type"), QStringLiteral("event_type")},
                                     {QStringLiteral("Event"), QStringLiteral("event_id")},
                                     {QStringLiteral("Status"), QStringLiteral("status")},
                                     {QStringLiteral("Class"), QStringLiteral("class")},
                                     {QStringLiteral("Detail"), QStringLiteral("error")}},
                                    this)),
      table_(new QTableView(this)), waterfall_(new WaterfallWidget(this)),
      causation_(new QTreeWidget(this)) {
    setObjectName(QStringLiteral("tracePage"));
    search_->setObjectName(QStringLiteral("traceSearch"));
    answer_->setObjectName(QStringLiteral("stallAnswer"));
    outcomes_->setObjectName(QStringLiteral("traceOutcomes"));
    outcomes_->setWordWrap(true);
    outcomes_->setTextFormat(Qt::PlainText);
    outcomes_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    outcomes_->hide();
    search_->setPlaceholderText(
        QStringLiteral("Correlation id, or an entity as kind:id (lead:L-1042) — Enter"));
    search_->setClearButtonEnabled(true);
    answer_->setWordWrap(true);
    answer_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    answer_->setText(QStringLiteral("Where did it stall? Give a correlation id or an entity."));
    QFont big = answer_->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    answer_->setFont(big);

    setUpRecordTable(table_, timeline_, QAbstractItemView::ExtendedSelection);
    causation_->setHeaderLabels(
        {QStringLiteral("Causation"), QStringLiteral("Event id"), QStringLiteral("Seq")});
    causation_->setObjectName(QStringLiteral("causationTree"));

    auto* go = new QPushButton(QStringLiteral("Trace"), this);
    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Trace</b>"), this));
    header->addWidget(search_, 1);
    header->addWidget(go);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(waterfall_);
    splitter->addWidget(table_);
    splitter->addWidget(causation_);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(answer_);
    layout->addWidget(outcomes_);
    layout->addWidget(splitter, 1);

    connect(search_, &QLineEdit::returnPressed, this, [this] { trace(search_->text().trimmed()); });
    connect(go, &QPushButton::clicked, this, [this] { trace(search_->text().trimmed()); });
}

QIcon TracePage::icon() const {
    return bundledIcon(this, QStringLiteral("trace"), QStyle::SP_FileDialogDetailedView);
}

void TracePage::activate() {
    if (!search_->text().trimmed().isEmpty())
        trace(search_->text().trimmed());
}

void TracePage::focusSearch() {
    search_->setFocus();
    search_->selectAll();
}

QString TracePage::answer() const {
    return answer_->text();
}

QString TracePage::outcomes() const {
    return outcomes_->text();
}

// "crm reported {"owner":"u-17"} 1.3 s after the journey began: within its 5 s SLO."
void TracePage::showOutcomes(const QList<QJsonObject>& rows) {
    const auto seconds = [](double ms) {
        return ms < 1000 ? QStringLiteral("%1 ms").arg(ms, 0, 'f', 0)
                         : QStringLiteral("%1 s").arg(ms / 1000, 0, 'f', 1);
    };
    QStringList lines;
    for (const auto& row : rows) {
        if (row.value(QLatin1String("kind")).toString() != QLatin1String("outcome"))
            continue;
        QString line =
            QStringLiteral("%1 reported %2 %3 after the journey began")
                .arg(row.value(QLatin1String("consumer")).toString(),
                     QString::fromUtf8(QJsonDocument(row.value(QLatin1String("outcome")).toObject())
                                           .toJson(QJsonDocument::Compact)),
                     seconds(row.value(QLatin1String("latency_ms")).toDouble()));
        if (row.contains(QLatin1String("slo_target_ms")))
            line += QStringLiteral(": %1 its %2 SLO.")
                        .arg(row.value(QLatin1String("slo_met")).toBool() ? QStringLiteral("within")
                                                                          : QStringLiteral("OVER"),
                             seconds(row.value(QLatin1String("slo_target_ms")).toDouble()));
        else
            line += QStringLiteral(" (its consumer sets no SLO target).");
        lines << line;
    }
    outcomes_->setText(lines.join(u'\n'));
    outcomes_->setVisible(!lines.isEmpty());
}

void TracePage::trace(const QString& subject) {
    if (subject.isEmpty())
        return;
    search_->setText(subject);
    const quint64 generation = ++generation_;
    // "kind:id" with no spaces reads as an entity; anything else is a correlation id.
    const bool entity = subject.count(u':') == 1 && !subject.contains(u' ') &&
                        !subject.startsWith(u':') && !subject.endsWith(u':');
    const QString encoded = QString::fromUtf8(QUrl::toPercentEncoding(subject));
    answer_->setText(QStringLiteral("Looking…"));
    session().get(
        QStringLiteral("/v1/stall?%1=%2")
            .arg(entity ? QStringLiteral("entity") : QStringLiteral("correlation_id"), encoded),
        this, [this, generation](const MeshReply& reply) {
            if (generation != generation_)
                return;
            const QJsonObject j = QJsonDocument::fromJson(reply.body).object();
            answer_->setText(reply.ok() ? j.value(QLatin1String("answer")).toString()
                                        : reply.describe());
        });
    timeline_->setRecords({});
    showOutcomes({});
    waterfall_->setLayoutData({});
    causation_->clear();
    if (entity)
        return; // a trace is by correlation id; the stall answer covers an entity
    session().get(
        QStringLiteral("/v1/traces/") + encoded, this, [this, generation](const MeshReply& reply) {
            if (generation != generation_ || !reply.ok())
                return;
            const QJsonObject j = QJsonDocument::fromJson(reply.body).object();
            QList<QJsonObject> rows;
            for (const auto& v : j.value(QLatin1String("timeline")).toArray()) {
                QJsonObject row = v.toObject();
                if (!row.contains(QLatin1String("at")))
                    row.insert(QStringLiteral("at"),
                               row.value(QLatin1String(row.contains(QLatin1String("dead_at"))
                                                           ? "dead_at"
                                                           : "ingested_at")));
                rows.append(row);
            }
            showOutcomes(rows);
            timeline_->setRecords(std::move(rows));
            waterfall_->setLayoutData(
                layoutWaterfall(j.value(QLatin1String("timeline")).toArray()));
            table_->resizeColumnsToContents();
            for (int c = 0; c + 1 < timeline_->columnCount(); ++c)
                table_->setColumnWidth(c, std::min(table_->columnWidth(c), 280));
            for (const auto& root : j.value(QLatin1String("causation")).toArray())
                addNode(nullptr, causation_, root.toObject());
            causation_->expandAll();
            causation_->resizeColumnToContents(0);
        });
}

} // namespace meshdeck::views
