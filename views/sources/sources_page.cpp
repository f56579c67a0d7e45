#include "views/sources/sources_page.h"

#include "views/console/record_list_page.h"
#include "views/session/protocol_adapter.h"
#include "views/sources/source_playground.h"
#include "views/sources/source_table_model.h"

#include <QAction>
#include <QClipboard>
#include <QDateTime>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

namespace meshdeck::views {

namespace {

constexpr int kPollMs = 2000;
// How long a note such as "Copied …" holds the status line against the polls.
constexpr int kNoticeSeconds = 6;
// The table is fitted to its sources, within these many rows.
constexpr int kMinRowsShown = 4;
constexpr int kMaxRowsFitted = 12;

} // namespace

SourcesPage::SourcesPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), model_(new SourceTableModel(this)), table_(new QTableView(this)),
      stack_(new QStackedWidget(this)), emptyState_(new QLabel(this)), status_(new QLabel(this)),
      copyUrl_(new QPushButton(QStringLiteral("Copy URL"), this)),
      playground_(new SourcePlayground(session, this)) {
    setObjectName(QStringLiteral("sourcesPage"));
    table_->setObjectName(QStringLiteral("sourceTable"));
    emptyState_->setObjectName(QStringLiteral("sourcesEmptyState"));
    status_->setObjectName(QStringLiteral("sourcesStatus"));
    copyUrl_->setObjectName(QStringLiteral("copyUrlButton"));

    setUpRecordTable(table_, model_);
    setUpEmptyState(emptyState_);
    emptyState_->setText(QStringLiteral("Waiting for the mesh…"));
    stack_->addWidget(table_);
    stack_->addWidget(emptyState_);
    stack_->setCurrentWidget(emptyState_);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Ctrl+C and the context menu copy the URL too.
    auto* copy = new QAction(QStringLiteral("Copy URL for the vendor"), table_);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    table_->addAction(copy);
    table_->setContextMenuPolicy(Qt::ActionsContextMenu);
    copyUrl_->setToolTip(
        QStringLiteral("Copy the selected source's URL, to give the vendor as its webhook target"));

    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Sources</b>"), this));
    header->addWidget(status_, 1);
    header->addWidget(copyUrl_);

    splitter_ = new QSplitter(Qt::Vertical, this);
    splitter_->setObjectName(QStringLiteral("sourcesSplitter"));
    splitter_->setChildrenCollapsible(false);
    splitter_->addWidget(stack_);
    splitter_->addWidget(playground_);
    splitter_->setStretchFactor(1, 1); // the playground takes what the table does not need
    stack_->setMinimumHeight(tableHeightFor(kMinRowsShown));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(splitter_, 1);

    pollTimer_.setInterval(kPollMs);
    connect(&pollTimer_, &QTimer::timeout, this, &SourcesPage::poll);
    connect(copy, &QAction::triggered, this, &SourcesPage::copyUrl);
    connect(copyUrl_, &QPushButton::clicked, this, &SourcesPage::copyUrl);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &SourcesPage::showSelected);
    connect(splitter_, &QSplitter::splitterMoved, this, [this] { userSized_ = true; });
    showSelected();
}

int SourcesPage::tableHeightFor(int rows) const {
    return table_->horizontalHeader()->sizeHint().height() +
           rows * table_->verticalHeader()->defaultSectionSize() + 2 * table_->frameWidth();
}

void SourcesPage::fitTable() {
    // As many rows as there are sources, between a handful and a dozen,
    // until the user drags the divider.
    const QList<int> sizes = splitter_->sizes();
    if (userSized_ || sizes.size() != 2)
        return;
    const int total = sizes[0] + sizes[1];
    const int rows = std::clamp(model_->rowCount(), kMinRowsShown, kMaxRowsFitted);
    const int wanted = std::min(tableHeightFor(rows), total / 2);
    splitter_->setSizes({wanted, total - wanted});
}

void SourcesPage::resizeEvent(QResizeEvent* event) {
    Page::resizeEvent(event);
    fitTable();
}

QIcon SourcesPage::icon() const {
    return bundledIcon(this, QStringLiteral("sources"), QStyle::SP_DriveNetIcon);
}

void SourcesPage::activate() {
    poll();
    pollTimer_.start();
    playground_->retryIfUnanswered(); // the broker may be back
}

void SourcesPage::hideEvent(QHideEvent* event) {
    pollTimer_.stop();
    Page::hideEvent(event);
}

void SourcesPage::poll() {
    const quint64 generation = ++generation_;
    session().get(QStringLiteral("/v1/sources"), this, [this, generation](const MeshReply& reply) {
        if (generation != generation_)
            return; // a newer poll is on its way
        const auto list = readAnswer<protocol::SourceList>(reply);
        if (list) {
            apply(list->sources);
            return;
        }
        // What the table shows stays; the status line says why it is not newer.
        QString problem = QStringLiteral("Could not load the sources: %1").arg(list.error);
        if (reply.status == 404)
            problem = QStringLiteral("This meshd has no /v1/sources: it predates vendor sources. "
                                     "Upgrade it to see and test them here.");
        else if (reply.status == 0)
            problem = QStringLiteral("The broker did not answer (%1); the console reconnects by "
                                     "itself.")
                          .arg(list.error);
        if (loaded_)
            problem += QStringLiteral(" The table shows the sources as last read.");
        status_->setText(problem);
        if (!loaded_)
            emptyState_->setText(problem);
    });
}

void SourcesPage::apply(const std::vector<protocol::SourceStatus>& sources) {
    const int rowsBefore = model_->rowCount();
    const bool first = rowsBefore == 0;
    loaded_ = true;
    model_->setBaseUrl(session().endpoint());
    model_->apply(sources);
    if (!pendingSelection_.isEmpty())
        selectSource(pendingSelection_);
    if (model_->rowCount() != rowsBefore)
        fitTable();
    if (first && model_->rowCount() > 0) {
        table_->resizeColumnsToContents();
        for (int c = 0; c + 1 < model_->columnCount(); ++c)
            table_->setColumnWidth(c, std::min(table_->columnWidth(c), 360));
        if (!table_->currentIndex().isValid())
            table_->selectRow(0);
    }
    emptyState_->setText(QStringLiteral(
        "No sources yet. A source is a vendor - HubSpot, Salesforce, Segment, or any tool that "
        "posts JSON - whose webhooks meshd turns into canonical events.\n\nDeclare one under "
        "\"sources\" in meshd's config, or with PUT /v1/sources/{name} and an admin token; it "
        "appears here with the URL to give the vendor and a playground to try its bodies."));
    stack_->setCurrentWidget(sources.empty() ? static_cast<QWidget*>(emptyState_) : table_);
    showSelected(); // the selected source may be gone, or its kind changed
    std::int64_t quarantined = 0, rejected = 0;
    for (const auto& s : sources) {
        quarantined += s.counters.quarantined;
        rejected += s.counters.rejectedSignature;
    }
    if (QDateTime::currentDateTimeUtc() < noticeUntil_)
        return; // "Copied …" stays readable for a moment
    status_->setText(
        sources.empty()
            ? QStringLiteral("No sources yet · polled every 2 s")
            : QStringLiteral("%1 source(s) · %2 request(s) refused by signature · %3 item(s) "
                             "quarantined · polled every 2 s")
                  .arg(sources.size())
                  .arg(rejected)
                  .arg(quarantined));
}

QString SourcesPage::selectedSource() const {
    const int row = table_->currentIndex().row();
    return row < 0 || row >= model_->rowCount() ? QString() : toQString(model_->source(row).name);
}

void SourcesPage::selectSource(const QString& name) {
    const int row = model_->rowOf(name);
    pendingSelection_ = row >= 0 ? QString() : name;
    if (row >= 0)
        table_->selectRow(row);
}

void SourcesPage::copyUrl() {
    const int row = table_->currentIndex().row();
    const QString url = model_->urlOf(row);
    if (url.isEmpty())
        return;
    QGuiApplication::clipboard()->setText(url);
    noticeUntil_ = QDateTime::currentDateTimeUtc().addSecs(kNoticeSeconds);
    status_->setText(
        isLoopbackUrl(url)
            ? QStringLiteral("Copied %1. Only this machine can reach it: a vendor needs the "
                             "broker's public address (a proxy in front of meshd, or the "
                             "source's public_url).")
                  .arg(url)
            : QStringLiteral("Copied %1: give it to %2 as the webhook target URL.")
                  .arg(url, toQString(model_->source(row).kind)));
}

void SourcesPage::showSelected() {
    const int row = table_->currentIndex().row();
    const bool selected = row >= 0 && row < model_->rowCount();
    copyUrl_->setEnabled(selected);
    if (!selected) {
        playground_->setSource({}, {});
        return;
    }
    const protocol::SourceStatus& s = model_->source(row);
    playground_->setSource(toQString(s.name), toQString(s.kind));
}

} // namespace meshdeck::views
