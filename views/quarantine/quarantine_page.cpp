#include "views/quarantine/quarantine_page.h"

#include "views/console/record_list_page.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace meshdeck::views {

namespace {

constexpr int kFilterDelayMs = 300;

const QString kEmptyText =
    QStringLiteral("Nothing was rejected: every input so far met its contract.");
const QString kAdminOnlyText =
    QStringLiteral("Only admins see the quarantine (it holds raw payloads).");

QList<RowColumn<RejectedInput>> entryColumns() {
    using R = RejectedInput;
    return {{QStringLiteral("Received"),
             [](const R& r) {
                 return timeText(r.receivedAt);
             }},
            {QStringLiteral("Producer"),
             [](const R& r) {
                 return r.producer;
             }},
            {QStringLiteral("Tenant"),
             [](const R& r) {
                 return r.tenant;
             }},
            {QStringLiteral("Source"),
             [](const R& r) {
                 return r.source;
             }},
            {QStringLiteral("Event type"),
             [](const R& r) {
                 return r.eventType;
             }},
            {QStringLiteral("Reason"),
             [](const R& r) {
                 return r.reason;
             }},
            {QStringLiteral("Where"),
             [](const R& r) {
                 return r.where();
             }},
            {QStringLiteral("Problem"), [](const R& r) {
                 return r.problem();
             }}};
}

QList<RowColumn<RejectionGroup>> groupColumns() {
    using G = RejectionGroup;
    return {{QStringLiteral("Count"),
             [](const G& g) {
                 return QString::number(g.count());
             }},
            {QStringLiteral("Producer"),
             [](const G& g) {
                 return g.newest().producer;
             }},
            {QStringLiteral("Tenant"),
             [](const G& g) {
                 return g.newest().tenant;
             }},
            {QStringLiteral("Source"),
             [](const G& g) {
                 return g.newest().source;
             }},
            {QStringLiteral("Reason"),
             [](const G& g) {
                 return g.newest().reason;
             }},
            {QStringLiteral("Where"),
             [](const G& g) {
                 return g.newest().where();
             }},
            {QStringLiteral("Problem"),
             [](const G& g) {
                 return g.newest().problem();
             }},
            {QStringLiteral("First seen"),
             [](const G& g) {
                 return timeText(g.firstSeen());
             }},
            {QStringLiteral("Last seen"), [](const G& g) {
                 return timeText(g.lastSeen());
             }}};
}

QTableView* recordTable(QWidget* parent, QAbstractItemModel* model, const QString& name) {
    auto* table = new QTableView(parent);
    table->setObjectName(name);
    setUpRecordTable(table, model);
    return table;
}

// Columns fit their text, none wider than 320 px (the last one stretches).
void fitColumns(QTableView* table) {
    table->resizeColumnsToContents();
    for (int c = 0; c + 1 < table->model()->columnCount(); ++c)
        table->setColumnWidth(c, std::min(table->columnWidth(c), 320));
}

QString plural(qsizetype n, const char* one, const char* many) {
    return n == 1 ? QStringLiteral("1 %1").arg(QLatin1StringView(one))
                  : QStringLiteral("%1 %2").arg(n).arg(QLatin1StringView(many));
}

} // namespace

QuarantinePage::QuarantinePage(MeshSession& session, QWidget* parent)
    : Page(session, parent), groups_(new RowListModel<RejectionGroup>(groupColumns(), this)),
      entries_(new RowListModel<RejectedInput>(entryColumns(), this)),
      groupEntries_(new RowListModel<RejectedInput>(entryColumns(), this)),
      status_(new QLabel(this)), filter_(new QLineEdit(this)),
      grouped_(new QCheckBox(QStringLiteral("Group identical"), this)),
      pages_(new QStackedWidget(this)), message_(new QLabel(this)),
      lists_(new QStackedWidget(this)),
      groupTable_(recordTable(this, groups_, QStringLiteral("groupTable"))),
      entryTable_(recordTable(this, entries_, QStringLiteral("entryTable"))),
      groupEntryTable_(recordTable(this, groupEntries_, QStringLiteral("groupEntryTable"))),
      detail_(new QPlainTextEdit(this)) {
    setObjectName(QStringLiteral("quarantinePage"));
    status_->setObjectName(QStringLiteral("quarantineStatus"));
    filter_->setObjectName(QStringLiteral("quarantineFilter"));
    grouped_->setObjectName(QStringLiteral("groupIdentical"));
    message_->setObjectName(QStringLiteral("quarantineMessage"));
    detail_->setObjectName(QStringLiteral("quarantineDetail"));

    filter_->setPlaceholderText(
        QStringLiteral("Filter by producer, event type, reason or problem"));
    filter_->setClearButtonEnabled(true);
    grouped_->setChecked(true);
    grouped_->setToolTip(QStringLiteral(
        "One row per producer, source, reason, place and problem, with how many times it came"));
    setUpEmptyState(message_);
    detail_->setReadOnly(true);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_->setPlaceholderText(QStringLiteral("Select a rejection to see its problem and body."));

    auto* refresh = new QPushButton(QStringLiteral("Refresh"), this);
    refresh->setObjectName(QStringLiteral("refreshButton"));
    connect(refresh, &QPushButton::clicked, this, &QuarantinePage::activate);

    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Quarantine</b>"), this));
    header->addWidget(status_, 1);
    header->addWidget(refresh);
    auto* tools = new QHBoxLayout;
    tools->addWidget(filter_, 1);
    tools->addWidget(grouped_);

    lists_->addWidget(groupTable_);
    lists_->addWidget(entryTable_);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(lists_);
    splitter->addWidget(groupEntryTable_);
    splitter->addWidget(detail_);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setStretchFactor(2, 3);
    pages_->addWidget(message_);
    pages_->addWidget(splitter);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(tools);
    layout->addWidget(pages_, 1);

    filterDelay_.setSingleShot(true);
    filterDelay_.setInterval(kFilterDelayMs);
    connect(&filterDelay_, &QTimer::timeout, this, &QuarantinePage::render);
    connect(filter_, &QLineEdit::textChanged, this, [this] { filterDelay_.start(); });
    connect(grouped_, &QCheckBox::toggled, this, &QuarantinePage::render);
    connect(&TimeDisplay::instance(), &TimeDisplay::changed, this, &QuarantinePage::render);
    connect(groupTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showGroup(current.row()); });
    connect(entryTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showEntry(entries_, current.row()); });
    connect(groupEntryTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showEntry(groupEntries_, current.row()); });
    showMessage(QStringLiteral("Loading…"));
}

QIcon QuarantinePage::icon() const {
    return bundledIcon(this, QStringLiteral("quarantine"), QStyle::SP_MessageBoxWarning);
}

void QuarantinePage::setGrouped(bool grouped) {
    grouped_->setChecked(grouped);
}

void QuarantinePage::activate() {
    const quint64 generation = ++generation_;
    status_->setText(QStringLiteral("Loading…"));
    session().get(QStringLiteral("/v1/quarantine?limit=1000"), this,
                  [this, generation](const MeshReply& reply) {
                      if (generation == generation_) // else a newer refresh is on its way
                          showAnswer(reply);
                  });
}

void QuarantinePage::showAnswer(const MeshReply& reply) {
    if (reply.status == 403) {
        // Viewers and operators: the broker refuses, and that is by design.
        inputs_.clear();
        status_->clear();
        showMessage(kAdminOnlyText);
        return;
    }
    const auto answer = readRejectedInputs(reply);
    if (!answer) {
        inputs_.clear();
        status_->setText(QStringLiteral("Could not load the quarantine."));
        showMessage(answer.error);
        return;
    }
    inputs_ = *answer;
    if (inputs_.isEmpty()) {
        status_->clear();
        showMessage(kEmptyText);
        return;
    }
    render();
}

void QuarantinePage::showMessage(const QString& text) {
    message_->setText(text);
    pages_->setCurrentWidget(message_);
    groups_->setRows(QList<RejectionGroup>());
    entries_->setRows(QList<RejectedInput>());
    groupEntries_->setRows(QList<RejectedInput>());
    detail_->clear();
}

void QuarantinePage::render() {
    if (inputs_.isEmpty())
        return; // the message says why: nothing rejected, admins only, or an error
    const int current = groupTable_->currentIndex().row();
    const QString selectedKey =
        current >= 0 && current < groups_->rowCount() ? groups_->row(current).key() : QString();

    QList<RejectedInput> shown;
    for (const auto& input : inputs_)
        if (matchesFilter(input, filter_->text()))
            shown.append(input);
    const QList<RejectionGroup> groups = groupIdentical(shown);
    const bool grouped = grouped_->isChecked();
    groups_->setRows(grouped ? groups : QList<RejectionGroup>());
    entries_->setRows(grouped ? QList<RejectedInput>() : shown);
    groupEntries_->setRows(QList<RejectedInput>());
    detail_->clear();
    pages_->setCurrentIndex(1);
    lists_->setCurrentWidget(grouped ? groupTable_ : entryTable_);
    groupEntryTable_->setVisible(grouped);
    fitColumns(grouped ? groupTable_ : entryTable_);

    const QString total = plural(inputs_.size(), "rejection", "rejections");
    QString text = shown.size() == inputs_.size()
                       ? total
                       : QStringLiteral("%1 of %2 match").arg(shown.size()).arg(total);
    if (grouped)
        text += QStringLiteral(" in %1").arg(plural(groups.size(), "group", "groups"));
    status_->setText(shown.isEmpty()
                         ? QStringLiteral("No rejection matches “%1”.").arg(filter_->text())
                         : text + QStringLiteral(", newest first"));

    // Keep the group the person looked at selected across refreshes and
    // filters; else open the newest, so its entries and problem show at once.
    int select = grouped && groups_->rowCount() > 0 ? 0 : -1;
    for (int row = 0; select >= 0 && !selectedKey.isEmpty() && row < groups_->rowCount(); ++row)
        if (groups_->row(row).key() == selectedKey)
            select = row;
    if (select >= 0)
        groupTable_->selectRow(select);
}

void QuarantinePage::showGroup(int row) {
    if (row < 0 || row >= groups_->rowCount()) {
        groupEntries_->setRows(QList<RejectedInput>());
        detail_->clear();
        return;
    }
    groupEntries_->setRows(groups_->row(row).entries);
    fitColumns(groupEntryTable_);
    groupEntryTable_->selectRow(0);
}

void QuarantinePage::showEntry(const RowListModel<RejectedInput>* model, int row) {
    if (row < 0 || row >= model->rowCount()) {
        detail_->clear();
        return;
    }
    detail_->setPlainText(describeRejection(model->row(row)));
}

} // namespace meshdeck::views
