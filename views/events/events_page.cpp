#include "views/events/events_page.h"

#include "views/console/record_list_page.h"
#include "views/events/event_table_model.h"
#include "views/events/json_highlighter.h"
#include "views/style/column_fit.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace meshdeck::views {

namespace {

QLineEdit* filterEdit(QWidget* parent, const char* objectName, const QString& placeholder,
                      int minimumChars) {
    auto* edit = new QLineEdit(parent);
    edit->setObjectName(QLatin1StringView(objectName));
    edit->setPlaceholderText(placeholder);
    edit->setClearButtonEnabled(true);
    edit->setMinimumWidth(edit->fontMetrics().averageCharWidth() * minimumChars);
    return edit;
}

QPushButton* actionButton(QWidget* parent, const char* objectName, const QString& text,
                          const QString& toolTip) {
    auto* button = new QPushButton(text, parent);
    button->setObjectName(QLatin1StringView(objectName));
    button->setToolTip(toolTip);
    button->setEnabled(false);
    return button;
}

// The free-text search narrows the rows already loaded. While it is on, the
// view may not page in more: a rare word would otherwise pull the whole log
// in, one page after another, looking for rows to fill the viewport.
class LoadedEventsSearch final : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    bool canFetchMore(const QModelIndex& parent) const override {
        return filterRegularExpression().pattern().isEmpty() &&
               QSortFilterProxyModel::canFetchMore(parent);
    }
};

} // namespace

EventsPage::EventsPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), model_(new EventTableModel(session, this)),
      proxy_(new LoadedEventsSearch(this)) {
    proxy_->setSourceModel(model_);
    // The free text searches the whole event as stored, payload included.
    proxy_->setFilterRole(RawJsonRole);
    proxy_->setFilterKeyColumn(0);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

    // Filter bar: two rows, the mesh-side query first, then the time range,
    // the client-side search and follow.
    typeFilter_ = new QComboBox(this);
    typeFilter_->setObjectName(QStringLiteral("typeFilter"));
    typeFilter_->setEditable(true);
    typeFilter_->setInsertPolicy(QComboBox::NoInsert);
    typeFilter_->addItem(QString());
    typeFilter_->lineEdit()->setPlaceholderText(QStringLiteral("Any event type"));
    typeFilter_->lineEdit()->setClearButtonEnabled(true);
    typeFilter_->setMinimumContentsLength(22);
    typeFilter_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    tenantFilter_ = filterEdit(this, "tenantFilter", QStringLiteral("Tenant"), 10);
    entityFilter_ =
        filterEdit(this, "entityFilter", QStringLiteral("Entity kind:id, e.g. lead:L-1042"), 24);
    correlationFilter_ =
        filterEdit(this, "correlationFilter", QStringLiteral("Correlation id"), 18);
    producerFilter_ = filterEdit(this, "producerFilter", QStringLiteral("Producer"), 14);
    sinceFilter_ =
        filterEdit(this, "sinceFilter", QStringLiteral("Since, e.g. 2026-11-27T09:00Z"), 22);
    untilFilter_ = filterEdit(this, "untilFilter", QStringLiteral("Until (UTC unless offset)"), 22);
    textFilter_ = filterEdit(this, "textFilter",
                             QStringLiteral("Search loaded events (client-side, any field)"), 30);
    followButton_ = new QToolButton(this);
    followButton_->setObjectName(QStringLiteral("followButton"));
    followButton_->setText(QStringLiteral("Follow"));
    followButton_->setCheckable(true);
    followButton_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    followButton_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    followButton_->setToolTip(
        QStringLiteral("Poll the mesh every second and append new events as they arrive"));

    auto* queryRow = new QHBoxLayout;
    queryRow->addWidget(typeFilter_, 3);
    queryRow->addWidget(tenantFilter_, 1);
    queryRow->addWidget(entityFilter_, 3);
    queryRow->addWidget(correlationFilter_, 3);
    queryRow->addWidget(producerFilter_, 2);
    auto* rangeRow = new QHBoxLayout;
    rangeRow->addWidget(sinceFilter_, 2);
    rangeRow->addWidget(untilFilter_, 2);
    rangeRow->addWidget(textFilter_, 4);
    rangeRow->addWidget(followButton_);

    filterMessage_ = new QLabel(this);
    filterMessage_->setObjectName(QStringLiteral("filterMessage"));
    filterMessage_->setWordWrap(true);
    filterMessage_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    filterMessage_->hide();

    // The table: fixed row heights and explicit column widths, so nothing
    // ever measures a million rows.
    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("eventsTable"));
    table_->setModel(proxy_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setWordWrap(false);
    table_->setTextElideMode(Qt::ElideMiddle); // ids differ at both ends
    table_->setAlternatingRowColors(true);
    table_->setShowGrid(false);
    table_->setSortingEnabled(false);
    table_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    addTableActions(table_); // Copy / Export: the rows loaded so far, as shown
    QHeaderView* rows = table_->verticalHeader();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(fontMetrics().height() + 6);
    rows->hide();
    QHeaderView* columns = table_->horizontalHeader();
    columns->setSectionResizeMode(QHeaderView::Interactive);
    columns->setResizeContentsPrecision(200); // a double-click on a divider reads 200 rows, not all
    columns->setStretchLastSection(true);
    columns->setHighlightSections(false);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    const QFontMetrics metrics = fontMetrics();
    auto widthOf = [&metrics](const char* sample) {
        return metrics.horizontalAdvance(QLatin1StringView(sample)) + 16;
    };
    // Wide enough for typical values; the Correlation column takes the rest.
    table_->setColumnWidth(EventTableModel::SeqColumn, widthOf("9999999"));
    table_->setColumnWidth(EventTableModel::OccurredColumn,
                           widthOf("2026-11-27 09:14:03.120 +05:30"));
    table_->setColumnWidth(EventTableModel::TypeColumn, widthOf("OpportunityStageChanged"));
    table_->setColumnWidth(EventTableModel::EntityColumn, widthOf("lead:L-10420 v12"));
    table_->setColumnWidth(EventTableModel::TenantColumn, widthOf("tenant"));
    table_->setColumnWidth(EventTableModel::ProducerColumn, widthOf("scoring-service"));
    columns->setMinimumSectionSize(widthOf("Seq"));
    // The first rows shown size the entity and producer columns to what they
    // hold, within limits (longer values elide; tooltips have them whole).
    connect(proxy_, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex&, int first, int last) {
                if (proxy_->rowCount() == last - first + 1)
                    fitColumns(table_, {{EventTableModel::TypeColumn, 220},
                                        {EventTableModel::EntityColumn, 240},
                                        {EventTableModel::ProducerColumn, 160}});
            });

    emptyState_ = new QLabel(this);
    emptyState_->setObjectName(QStringLiteral("emptyState"));
    setUpEmptyState(emptyState_);
    emptyState_->setFrameShape(QFrame::StyledPanel);

    tableStack_ = new QStackedWidget(this);
    tableStack_->addWidget(table_);
    tableStack_->addWidget(emptyState_);

    // Detail pane.
    detailTitle_ = new QLabel(this);
    detailTitle_->setObjectName(QStringLiteral("detailTitle"));
    detailTitle_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    detailTitle_->setText(QStringLiteral("No event selected"));
    QFont titleFont = detailTitle_->font();
    titleFont.setBold(true);
    detailTitle_->setFont(titleFont);
    detail_ = new QPlainTextEdit(this);
    detail_->setObjectName(QStringLiteral("eventDetail"));
    detail_->setReadOnly(true);
    detail_->setLineWrapMode(QPlainTextEdit::NoWrap);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_->setPlaceholderText(QStringLiteral("Select an event to see its JSON."));
    highlighter_ = new JsonHighlighter(detail_->document());
    highlighter_->setPalette(detail_->palette());

    copyJsonButton_ = actionButton(this, "copyJsonButton", QStringLiteral("Copy JSON"),
                                   QStringLiteral("Copy the event's JSON to the clipboard"));
    copyCurlButton_ =
        actionButton(this, "copyCurlButton", QStringLiteral("Copy as curl"),
                     QStringLiteral("A curl command that fetches this event; it reads the token "
                                    "from $MESHDECK_TOKEN"));
    copyMeshctlButton_ = actionButton(this, "copyMeshctlButton", QStringLiteral("Copy as meshctl"),
                                      QStringLiteral("A meshctl command that fetches this event"));
    openTraceButton_ =
        actionButton(this, "openTraceButton", QStringLiteral("Open trace"),
                     QStringLiteral("Show every event with this correlation id on the Trace page"));

    auto* detailButtons = new QHBoxLayout;
    detailButtons->addWidget(copyJsonButton_);
    detailButtons->addWidget(copyCurlButton_);
    detailButtons->addWidget(copyMeshctlButton_);
    detailButtons->addStretch();
    detailButtons->addWidget(openTraceButton_);

    auto* detailPane = new QWidget(this);
    auto* detailLayout = new QVBoxLayout(detailPane);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(detailTitle_);
    detailLayout->addWidget(detail_, 1);
    detailLayout->addLayout(detailButtons);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("eventsSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(tableStack_);
    splitter->addWidget(detailPane);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({720, 300}); // the table needs the width; JSON lines are short

    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("statusLine"));
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(queryRow);
    layout->addLayout(rangeRow);
    layout->addWidget(filterMessage_);
    layout->addWidget(splitter, 1);
    layout->addWidget(status_);

    // Typing settles for 300 ms before anything is asked or filtered.
    debounce_.setSingleShot(true);
    debounce_.setInterval(300);
    connect(&debounce_, &QTimer::timeout, this, &EventsPage::applyFilterBar);
    auto restart = [this] {
        debounce_.start();
    };
    connect(typeFilter_, &QComboBox::currentTextChanged, this, restart);
    for (QLineEdit* edit : {tenantFilter_, entityFilter_, correlationFilter_, producerFilter_,
                            sinceFilter_, untilFilter_, textFilter_}) {
        connect(edit, &QLineEdit::textChanged, this, restart);
        connect(edit, &QLineEdit::returnPressed, this, [this] {
            debounce_.stop();
            applyFilterBar();
        });
    }
    connect(followButton_, &QToolButton::toggled, this, [this](bool on) {
        model_->setFollowing(on);
        if (on)
            table_->scrollToBottom();
        updateStatus();
    });

    connect(model_, &EventTableModel::loadingChanged, this, &EventsPage::updateStatus);
    connect(model_, &EventTableModel::eventsArrived, this, &EventsPage::updateStatus);
    connect(model_, &EventTableModel::fetchFailed, this, &EventsPage::updateStatus);
    connect(model_, &QAbstractItemModel::modelReset, this, &EventsPage::updateStatus);
    connect(model_, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex&, int first, int) { keepFollowing(first); });
    connect(proxy_, &QAbstractItemModel::modelReset, this, &EventsPage::showSelectedEvent);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EventsPage::showSelectedEvent);

    connect(copyJsonButton_, &QPushButton::clicked, this, &EventsPage::copyJson);
    connect(copyCurlButton_, &QPushButton::clicked, this, &EventsPage::copyCurl);
    connect(copyMeshctlButton_, &QPushButton::clicked, this, &EventsPage::copyMeshctl);
    connect(openTraceButton_, &QPushButton::clicked, this, &EventsPage::openTrace);

    updateStatus();
}

QIcon EventsPage::icon() const {
    return bundledIcon(this, QStringLiteral("events"), QStyle::SP_FileDialogDetailedView);
}

void EventsPage::activate() {
    if (!typesLoaded_)
        loadEventTypes();
    // Keep what is loaded (and where the user scrolled to) unless nothing was
    // asked yet or the last attempt failed.
    if (!model_->hasFilter()) {
        debounce_.stop();
        applyFilterBar();
        // A console shows what is happening now: follow new events from the
        // first showing on; the user may switch it off.
        followButton_->setChecked(true);
    } else if (!model_->isLoading() && !model_->lastError().isEmpty()) {
        model_->reload();
    }
}

EventFilter EventsPage::filterFromBar() const {
    EventFilter filter;
    filter.type = typeFilter_->currentText().trimmed();
    filter.tenant = tenantFilter_->text().trimmed();
    filter.entity = entityFilter_->text().trimmed();
    filter.correlationId = correlationFilter_->text().trimmed();
    filter.producer = producerFilter_->text().trimmed();
    filter.since = sinceFilter_->text().trimmed();
    filter.until = untilFilter_->text().trimmed();
    filter.text = textFilter_->text().trimmed();
    return filter;
}

void EventsPage::showFilter(const EventFilter& filter) {
    const QSignalBlocker blockType(typeFilter_);
    typeFilter_->setCurrentText(filter.type);
    for (auto [edit, text] : {std::pair{tenantFilter_, filter.tenant},
                              {entityFilter_, filter.entity},
                              {correlationFilter_, filter.correlationId},
                              {producerFilter_, filter.producer},
                              {sinceFilter_, filter.since},
                              {untilFilter_, filter.until},
                              {textFilter_, filter.text}}) {
        const QSignalBlocker block(edit);
        edit->setText(text);
    }
    debounce_.stop();
    applyFilterBar();
}

void EventsPage::applyFilterBar() {
    const EventFilter filter = filterFromBar();
    const QString error = eventQueryPath(filter).error;
    filterMessage_->setText(error);
    filterMessage_->setVisible(!error.isEmpty());
    if (!error.isEmpty()) {
        // Say what is wrong and leave the last good result on screen.
        updateStatus();
        return;
    }
    if (!model_->hasFilter() || !model_->filter().sameQuery(filter))
        model_->setFilter(filter);
    if (proxy_->filterRegularExpression().pattern() != QRegularExpression::escape(filter.text))
        proxy_->setFilterFixedString(filter.text);
    updateStatus();
}

void EventsPage::loadEventTypes() {
    session().get(QStringLiteral("/v1/schemas"), this, [this](const MeshReply& reply) {
        if (!reply.ok())
            return; // the combo stays free text; the table reports the connection
        typesLoaded_ = true;
        const QJsonArray schemas =
            QJsonDocument::fromJson(reply.body).object().value(u"schemas").toArray();
        QStringList types;
        for (const QJsonValue& schema : schemas)
            types << schema.toObject().value(u"event_type").toString();
        types.sort();
        const QSignalBlocker block(typeFilter_);
        const QString current = typeFilter_->currentText();
        typeFilter_->clear();
        typeFilter_->addItem(QString());
        typeFilter_->addItems(types);
        typeFilter_->setCurrentText(current);
    });
}

QString EventsPage::selectedEventId() const {
    return table_->currentIndex().data(EventIdRole).toString();
}

void EventsPage::showSelectedEvent() {
    const QModelIndex current = table_->currentIndex();
    const bool selected = current.isValid();
    if (!selected) {
        detail_->clear();
        detailTitle_->setText(QStringLiteral("No event selected"));
    } else {
        const QByteArray json = current.data(RawJsonRole).toByteArray();
        detail_->setPlainText(
            QString::fromUtf8(QJsonDocument::fromJson(json).toJson(QJsonDocument::Indented)));
        const QModelIndex typeIndex = current.siblingAtColumn(EventTableModel::TypeColumn);
        detailTitle_->setText(typeIndex.data().toString() + u" · seq " +
                              current.data(SeqRole).toString());
    }
    copyJsonButton_->setEnabled(selected);
    copyCurlButton_->setEnabled(selected);
    copyMeshctlButton_->setEnabled(selected);
    const QString correlation = current.data(CorrelationIdRole).toString();
    openTraceButton_->setEnabled(selected && !correlation.isEmpty());
    openTraceButton_->setToolTip(
        correlation.isEmpty()
            ? QStringLiteral("This event has no correlation id")
            : QStringLiteral("Show every event of correlation %1 on the Trace page")
                  .arg(correlation));
}

void EventsPage::updateStatus() {
    const int loaded = model_->rowCount();
    const int shown = proxy_->rowCount();
    const QString search = proxy_->filterRegularExpression().pattern().isEmpty()
                               ? QString()
                               : textFilter_->text().trimmed();
    QString status;
    if (!model_->lastError().isEmpty()) {
        status = model_->lastError();
    } else if (model_->isLoading() && loaded == 0) {
        status = QStringLiteral("Loading events…");
    } else if (model_->hasLoaded()) {
        status = QStringLiteral("%1 events loaded").arg(loaded);
        if (!search.isEmpty())
            status += QStringLiteral(" · %1 contain “%2”").arg(shown).arg(search);
        if (model_->hasMore())
            status += QStringLiteral(" · more available");
        if (model_->isFollowing())
            status += QStringLiteral(" · following");
    }
    status_->setText(status);

    QString empty;
    if (shown == 0) {
        if (!filterMessage_->text().isEmpty() && !model_->hasFilter())
            empty = QStringLiteral("Fix the filter above to load events.");
        else if (!model_->lastError().isEmpty())
            empty = QStringLiteral("Could not load events.\n%1").arg(model_->lastError());
        else if (!model_->hasLoaded())
            empty = model_->isLoading() ? QStringLiteral("Loading events…") : QString();
        else if (loaded > 0)
            empty = QStringLiteral("None of the %1 loaded events contain “%2”.%3")
                        .arg(loaded)
                        .arg(search, model_->hasMore()
                                         ? QStringLiteral("\nThe search covers loaded events "
                                                          "only: clear it to load more, or "
                                                          "narrow the filters above.")
                                         : QString());
        else
            empty = QStringLiteral("No events match these filters.");
        if (empty.isEmpty())
            empty = QStringLiteral("Waiting for the mesh…");
    }
    emptyState_->setText(empty);
    tableStack_->setCurrentWidget(shown == 0 ? static_cast<QWidget*>(emptyState_) : table_);
}

void EventsPage::keepFollowing(int first) {
    // New rows while following: stay at the bottom if the user was there.
    if (!model_->isFollowing() || first == 0)
        return;
    QScrollBar* bar = table_->verticalScrollBar();
    if (bar->value() >= bar->maximum() - 2 * table_->verticalHeader()->defaultSectionSize())
        QTimer::singleShot(0, table_, &QTableView::scrollToBottom);
}

void EventsPage::copyJson() {
    QApplication::clipboard()->setText(detail_->toPlainText());
}

void EventsPage::copyCurl() {
    QString endpoint = session().endpoint();
    while (endpoint.endsWith(u'/'))
        endpoint.chop(1);
    const QString id = QString::fromLatin1(QUrl::toPercentEncoding(selectedEventId()));
    QApplication::clipboard()->setText(u"curl -H 'Authorization: Bearer $MESHDECK_TOKEN' '" +
                                       endpoint + u"/v1/events/" + id + u'\'');
}

void EventsPage::copyMeshctl() {
    QApplication::clipboard()->setText(u"meshctl get " + selectedEventId());
}

void EventsPage::openTrace() {
    const QString correlation = table_->currentIndex().data(CorrelationIdRole).toString();
    if (!correlation.isEmpty())
        Q_EMIT traceRequested(correlation);
}

void EventsPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange)
        highlighter_->setPalette(palette());
    Page::changeEvent(event);
}

} // namespace meshdeck::views
