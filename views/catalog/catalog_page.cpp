#include "views/catalog/catalog_page.h"

#include "views/catalog/catalog_model.h"
#include "views/catalog/json_text.h"
#include "views/console/record_list_page.h"
#include "views/style/column_fit.h"

#include <QComboBox>
#include <QDateTime>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMap>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>

namespace meshdeck::views {
namespace {

constexpr int kDebounceMs = 300;
// How far back "producers seen" looks, and the one page it reads.
constexpr int kProducerWindowDays = 7;
constexpr int kProducerPageSize = 1000;

QString typePath(const QString& eventType, const QString& rest) {
    return QStringLiteral("/v1/schemas/") +
           QString::fromLatin1(QUrl::toPercentEncoding(eventType)) + rest;
}

QString directionText(const QString& breaks) {
    if (breaks == QLatin1String("full"))
        return QStringLiteral("breaks backward and forward");
    return QStringLiteral("breaks ") + breaks;
}

// The reply's description with each violation the mesh listed.
QString problemText(const MeshReply& reply) {
    QString text = reply.describe();
    const QJsonObject problem = QJsonDocument::fromJson(reply.body).object();
    for (const QJsonValue& value : problem.value(QLatin1String("violations")).toArray()) {
        const QJsonObject violation = value.toObject();
        text += QStringLiteral("; ") + violation.value(QLatin1String("path")).toString() +
                QStringLiteral(": ") + violation.value(QLatin1String("message")).toString();
    }
    return text;
}

bool askWithMessageBox(QWidget* parent, const QString& title, const QString& text,
                       const QString& details) {
    QMessageBox box(QMessageBox::Question, title, text, QMessageBox::Yes | QMessageBox::Cancel,
                    parent);
    box.setObjectName(QStringLiteral("registerConfirmation"));
    box.setDetailedText(details);
    box.setDefaultButton(QMessageBox::Cancel);
    box.button(QMessageBox::Yes)->setText(QStringLiteral("Register"));
    return box.exec() == QMessageBox::Yes;
}

QLabel* valueLabel(const QString& objectName) {
    auto* label = new QLabel;
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

CatalogPage::CatalogPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), model_(new CatalogModel(session, this)),
      proxy_(new QSortFilterProxyModel(this)), confirm_(askWithMessageBox) {
    setObjectName(QStringLiteral("catalogPage"));
    proxy_->setSourceModel(model_);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy_->setSortCaseSensitivity(Qt::CaseInsensitive);
    buildUi();

    filterDebounce_.setSingleShot(true);
    filterDebounce_.setInterval(kDebounceMs);
    connect(filter_, &QLineEdit::textChanged, &filterDebounce_, qOverload<>(&QTimer::start));
    connect(&filterDebounce_, &QTimer::timeout, this,
            [this] { proxy_->setFilterFixedString(filter_->text()); });

    draftDebounce_.setSingleShot(true);
    draftDebounce_.setInterval(kDebounceMs);
    connect(draft_, &QPlainTextEdit::textChanged, this, [this] {
        draftValidity_->setText(QStringLiteral("Editing…"));
        draftDebounce_.start();
    });
    connect(&draftDebounce_, &QTimer::timeout, this, &CatalogPage::validateDraft);

    connect(typeList_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &CatalogPage::showSelection);
    connect(model_, &CatalogModel::typesLoaded, this, [this] {
        listStatus_->setText(tr("%n event type(s)", nullptr, model_->rowCount()));
        // As wide as the values, within limits: the SLO class stays in sight
        // next to a long type name; PII takes the rest.
        fitColumns(typeList_, {{CatalogModel::TypeColumn, 220},
                               {CatalogModel::LatestColumn, 70},
                               {CatalogModel::VersionsColumn, 90},
                               {CatalogModel::OwnerColumn, 150},
                               {CatalogModel::SloColumn, 150}});
        if (!selectedType_.isEmpty() && model_->rowOf(selectedType_) >= 0) {
            const QString type = selectedType_;
            const QModelIndex current = typeList_->currentIndex();
            if (current.data(CatalogModel::EventTypeRole).toString() != type)
                selectType(type); // the model was reset
            showSummary();
        } else if (proxy_->rowCount() > 0) {
            typeList_->setCurrentIndex(proxy_->index(0, 0));
        }
    });
    connect(model_, &CatalogModel::loadFailed, listStatus_, &QLabel::setText);
    connect(versionSelector_, &QComboBox::currentIndexChanged, this,
            [this] { showVersion(versionSelector_->currentData().toInt()); });
    connect(checkButton_, &QPushButton::clicked, this, &CatalogPage::checkDraft);
    connect(registerButton_, &QPushButton::clicked, this, &CatalogPage::registerDraft);
    connect(mode_, &QComboBox::currentIndexChanged, this, &CatalogPage::updateRegisterButton);
    connect(&session, &MeshSession::stateChanged, this, &CatalogPage::updateRegisterButton);

    updateRegisterButton();
}

void CatalogPage::buildUi() {
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    // Left: the filterable list of types.
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    filter_ = new QLineEdit;
    filter_->setObjectName(QStringLiteral("catalogFilter"));
    filter_->setPlaceholderText(QStringLiteral("Filter by type, owner, SLO class, PII field…"));
    filter_->setClearButtonEnabled(true);
    typeList_ = new QTableView;
    typeList_->setObjectName(QStringLiteral("catalogTypes"));
    typeList_->setModel(proxy_);
    typeList_->setSelectionBehavior(QAbstractItemView::SelectRows);
    typeList_->setSelectionMode(QAbstractItemView::SingleSelection);
    typeList_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    typeList_->setSortingEnabled(true);
    typeList_->sortByColumn(CatalogModel::TypeColumn, Qt::AscendingOrder);
    typeList_->verticalHeader()->hide();
    typeList_->setAlternatingRowColors(true);
    typeList_->setWordWrap(false);
    typeList_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    typeList_->setTextElideMode(Qt::ElideMiddle);
    addTableActions(typeList_); // Copy / Export, as on the console's other tables
    // PII lists can be long: that column takes what is left (tooltip: all of it).
    typeList_->horizontalHeader()->setSectionResizeMode(CatalogModel::PiiColumn,
                                                        QHeaderView::Stretch);
    listStatus_ = new QLabel(QStringLiteral("Loading…"));
    listStatus_->setObjectName(QStringLiteral("catalogStatus"));
    leftLayout->addWidget(filter_);
    leftLayout->addWidget(typeList_, 1);
    leftLayout->addWidget(listStatus_);

    // Right, top: what the selected type is.
    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    typeTitle_ = valueLabel(QStringLiteral("typeTitle"));
    QFont titleFont = typeTitle_->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    typeTitle_->setFont(titleFont);
    typeTitle_->setText(QStringLiteral("No event type selected"));
    description_ = valueLabel(QStringLiteral("typeDescription"));
    owner_ = valueLabel(QStringLiteral("typeOwner"));
    sloClass_ = valueLabel(QStringLiteral("typeSloClass"));
    pii_ = valueLabel(QStringLiteral("typePii"));
    producers_ = valueLabel(QStringLiteral("typeProducers"));
    consumers_ = valueLabel(QStringLiteral("typeConsumers"));
    auto* facts = new QFormLayout;
    facts->addRow(QStringLiteral("Owner:"), owner_);
    facts->addRow(QStringLiteral("SLO class:"), sloClass_);
    facts->addRow(QStringLiteral("PII fields:"), pii_);
    facts->addRow(QStringLiteral("Producers seen:"), producers_);
    facts->addRow(QStringLiteral("Consumers:"), consumers_);
    rightLayout->addWidget(typeTitle_);
    rightLayout->addWidget(description_);
    rightLayout->addLayout(facts);

    // Right, bottom left: the schema of one version.
    auto* schemaBox = new QGroupBox(QStringLiteral("Schema"));
    auto* schemaLayout = new QVBoxLayout(schemaBox);
    auto* versionRow = new QHBoxLayout;
    versionSelector_ = new QComboBox;
    versionSelector_->setObjectName(QStringLiteral("versionSelector"));
    versionSelector_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    versionRow->addWidget(new QLabel(QStringLiteral("Version:")));
    versionRow->addWidget(versionSelector_);
    versionRow->addStretch(1);
    schemaView_ = new QPlainTextEdit;
    schemaView_->setObjectName(QStringLiteral("schemaView"));
    schemaView_->setReadOnly(true);
    schemaView_->setFont(mono);
    schemaView_->setLineWrapMode(QPlainTextEdit::NoWrap);
    schemaLayout->addLayout(versionRow);
    schemaLayout->addWidget(schemaView_, 1);

    // Right, bottom right: a draft, checked and perhaps registered.
    auto* checkBox = new QGroupBox(QStringLiteral("Check compatibility"));
    checkBox->setObjectName(QStringLiteral("compatibilityPanel"));
    auto* checkLayout = new QVBoxLayout(checkBox);
    draft_ = new QPlainTextEdit;
    draft_->setObjectName(QStringLiteral("draftEditor"));
    draft_->setFont(mono);
    draft_->setLineWrapMode(QPlainTextEdit::NoWrap);
    draft_->setTabChangesFocus(true);
    draftValidity_ = new QLabel;
    draftValidity_->setObjectName(QStringLiteral("draftValidity"));
    auto* actions = new QHBoxLayout;
    mode_ = new QComboBox;
    mode_->setObjectName(QStringLiteral("compatibilityMode"));
    mode_->addItem(QStringLiteral("backward"), QStringLiteral("backward"));
    mode_->addItem(QStringLiteral("forward"), QStringLiteral("forward"));
    mode_->addItem(QStringLiteral("full"), QStringLiteral("full"));
    mode_->setItemData(0, QStringLiteral("New readers can read every old event"), Qt::ToolTipRole);
    mode_->setItemData(1, QStringLiteral("Old readers can read every new event"), Qt::ToolTipRole);
    mode_->setItemData(2, QStringLiteral("Both backward and forward"), Qt::ToolTipRole);
    checkButton_ = new QPushButton(QStringLiteral("Check"));
    checkButton_->setObjectName(QStringLiteral("checkButton"));
    registerButton_ = new QPushButton(QStringLiteral("Register"));
    registerButton_->setObjectName(QStringLiteral("registerButton"));
    actions->addWidget(new QLabel(QStringLiteral("Mode:")));
    actions->addWidget(mode_);
    actions->addWidget(checkButton_);
    actions->addStretch(1);
    actions->addWidget(registerButton_);
    result_ = new QLabel;
    result_->setObjectName(QStringLiteral("checkResult"));
    result_->setWordWrap(true);
    result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    breakingChanges_ = new QListWidget;
    breakingChanges_->setObjectName(QStringLiteral("breakingChanges"));
    breakingChanges_->setWordWrap(true);
    breakingChanges_->setMaximumHeight(120);
    breakingChanges_->hide();
    checkLayout->addWidget(draft_, 1);
    checkLayout->addWidget(draftValidity_);
    checkLayout->addLayout(actions);
    checkLayout->addWidget(result_);
    checkLayout->addWidget(breakingChanges_);

    auto* schemas = new QSplitter(Qt::Horizontal);
    schemas->addWidget(schemaBox);
    schemas->addWidget(checkBox);
    rightLayout->addWidget(schemas, 1);

    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({600, 800}); // wide enough for every column of the list
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(split);
}

void CatalogPage::activate() {
    model_->refresh();
    updateRegisterButton();
}

bool CatalogPage::selectType(const QString& eventType) {
    const int row = model_->rowOf(eventType);
    if (row < 0)
        return false;
    QModelIndex index = proxy_->mapFromSource(model_->index(row, 0));
    if (!index.isValid()) { // hidden by the filter
        filterDebounce_.stop();
        filter_->clear();
        proxy_->setFilterFixedString({});
        filterDebounce_.stop();
        index = proxy_->mapFromSource(model_->index(row, 0));
    }
    typeList_->setCurrentIndex(index);
    typeList_->scrollTo(index);
    return true;
}

void CatalogPage::showSelection() {
    const QString type = typeList_->currentIndex().data(CatalogModel::EventTypeRole).toString();
    // Filtered out of sight: keep showing it.
    if (type.isEmpty() || type == selectedType_)
        return;
    showType(type);
}

void CatalogPage::showSummary() {
    const EventTypeSummary* type = model_->summary(selectedType_);
    if (!type)
        return;
    const QString none = QStringLiteral("—");
    typeTitle_->setText(type->eventType);
    description_->setText(type->description.isEmpty() ? QStringLiteral("(no description)")
                                                      : type->description);
    owner_->setText(type->owner.isEmpty() ? none : type->owner);
    sloClass_->setText(type->sloClass.isEmpty() ? none : type->sloClass);
    pii_->setText(type->piiPaths.isEmpty() ? QStringLiteral("none marked")
                                           : type->piiPaths.join(QStringLiteral(", ")));
}

void CatalogPage::showType(const QString& eventType) {
    selectedType_ = eventType;
    ++typeGeneration_;
    ++checkGeneration_;
    versions_.clear();
    versionSelector_->clear();
    schemaView_->setPlainText(QStringLiteral("Loading…"));
    draft_->clear();
    result_->clear();
    showBreakingChanges({});
    producers_->setText(QStringLiteral("Loading…"));
    consumers_->setText(QStringLiteral("Loading…"));
    showSummary();
    updateRegisterButton();
    fetchVersions(eventType);
    fetchProducers(eventType);
    fetchConsumers(eventType);
}

// Consumers seen: the flow map's edges from this type since the broker started.
void CatalogPage::fetchConsumers(const QString& eventType) {
    const quint64 generation = typeGeneration_;
    session().get(
        QStringLiteral("/v1/flows"), this, [this, generation, eventType](const MeshReply& reply) {
            if (generation != typeGeneration_)
                return;
            if (!reply.ok()) {
                consumers_->setText(QStringLiteral("not available: ") + problemText(reply));
                return;
            }
            QStringList seen;
            for (const QJsonValue& v : QJsonDocument::fromJson(reply.body)
                                           .object()
                                           .value(QLatin1String("consumers"))
                                           .toArray()) {
                const QJsonObject edge = v.toObject();
                if (edge.value(QLatin1String("type")).toString() != eventType)
                    continue;
                QString text = QStringLiteral("%1 (%2 delivered")
                                   .arg(edge.value(QLatin1String("consumer")).toString())
                                   .arg(edge.value(QLatin1String("delivered")).toInteger());
                if (const qint64 dead = edge.value(QLatin1String("dead_lettered")).toInteger())
                    text += QStringLiteral(", %1 dead-lettered").arg(dead);
                seen << text + u')';
            }
            consumers_->setText(seen.isEmpty() ? QStringLiteral("none since the broker started")
                                               : seen.join(QStringLiteral(", ")) +
                                                     QStringLiteral(" since the broker started"));
        });
}

void CatalogPage::fetchVersions(const QString& eventType) {
    const quint64 generation = typeGeneration_;
    session().get(
        typePath(eventType, QStringLiteral("/versions")), this,
        [this, generation, eventType](const MeshReply& reply) {
            if (generation != typeGeneration_)
                return; // another type was selected since
            if (!reply.ok()) {
                schemaView_->setPlainText(QStringLiteral("Could not load the versions of ") +
                                          eventType + QStringLiteral(": ") + reply.describe());
                return;
            }
            versions_.clear();
            const QByteArrayView list = jsontext::member(reply.body, "versions");
            for (const QByteArrayView element : jsontext::arrayElements(list)) {
                const QJsonObject summary = QJsonDocument::fromJson(element.toByteArray()).object();
                const int version = summary.value(QLatin1String("version")).toInt();
                const QByteArrayView schema = jsontext::member(element, "schema");
                if (version <= 0 || schema.isEmpty())
                    continue;
                SchemaVersion entry;
                entry.text = jsontext::indented(schema);
                entry.idBefore = QJsonDocument::fromJson(schema.toByteArray())
                                     .object()
                                     .value(QLatin1String("$id"))
                                     .toString()
                                     .toUtf8();
                versions_.insert(version, entry);
            }
            if (versions_.isEmpty()) {
                schemaView_->setPlainText(eventType + QStringLiteral(" has no schema versions"));
                return;
            }
            QList<int> numbers = versions_.keys();
            std::sort(numbers.begin(), numbers.end());
            {
                const QSignalBlocker blocker(versionSelector_);
                versionSelector_->clear();
                for (int v : numbers)
                    versionSelector_->addItem(QStringLiteral("v%1").arg(v), v);
                versionSelector_->setCurrentIndex(versionSelector_->count() - 1);
            }
            showVersion(numbers.last());
            resetDraft();
            updateRegisterButton();
        });
}

void CatalogPage::fetchProducers(const QString& eventType) {
    const quint64 generation = typeGeneration_;
    const QString since = QDateTime::currentDateTimeUtc()
                              .addDays(-kProducerWindowDays)
                              .toString(Qt::ISODate); // "2026-11-20T09:14:03Z"
    // Concatenated, not arg()ed: the encoded time holds "%3A".
    const QString path = QStringLiteral("/v1/events?type=") +
                         QString::fromLatin1(QUrl::toPercentEncoding(eventType)) +
                         QStringLiteral("&since=") +
                         QString::fromLatin1(QUrl::toPercentEncoding(since)) +
                         QStringLiteral("&limit=") + QString::number(kProducerPageSize);
    session().get(path, this, [this, generation](const MeshReply& reply) {
        if (generation != typeGeneration_)
            return;
        if (!reply.ok()) {
            producers_->setText(QStringLiteral("not available: ") + problemText(reply));
            return;
        }
        const QJsonObject page = QJsonDocument::fromJson(reply.body).object();
        QMap<QString, int> counts;
        for (const QJsonValue& event : page.value(QLatin1String("events")).toArray())
            ++counts[event.toObject().value(QLatin1String("producer")).toString()];
        const QString window = QStringLiteral("in the last %1 days").arg(kProducerWindowDays);
        if (counts.isEmpty()) {
            producers_->setText(QStringLiteral("none ") + window);
            return;
        }
        QStringList seen;
        for (auto it = counts.cbegin(); it != counts.cend(); ++it)
            seen << QStringLiteral("%1 (%2)").arg(it.key(), QString::number(it.value()));
        QString text = seen.join(QStringLiteral(", ")) + u' ' + window;
        if (!page.value(QLatin1String("next_cursor")).isNull())
            text += QStringLiteral(" (counted in the first %1 events only)").arg(kProducerPageSize);
        producers_->setText(text);
    });
}

void CatalogPage::showVersion(int version) {
    const auto it = versions_.constFind(version);
    if (it == versions_.cend())
        return;
    schemaView_->setPlainText(it->text);
    Q_EMIT schemaShown(selectedType_, version);
}

int CatalogPage::latestVersion() const {
    int latest = 0;
    for (auto it = versions_.cbegin(); it != versions_.cend(); ++it)
        latest = std::max(latest, it.key());
    return latest;
}

void CatalogPage::resetDraft() {
    const int latest = latestVersion();
    if (latest == 0)
        return;
    const SchemaVersion& base = versions_[latest];
    QString text = base.text;
    // The mesh requires a draft's "$id" to name the version it would become.
    const QString oldId = QString::fromUtf8(base.idBefore);
    const QString suffix = u':' + QString::number(latest);
    if (oldId.endsWith(suffix)) {
        const QString newId = oldId.chopped(suffix.size()) + u':' + QString::number(latest + 1);
        const QString needle = QStringLiteral("\"$id\": \"") + oldId + u'"';
        const qsizetype at = text.indexOf(needle);
        if (at >= 0)
            text.replace(at, needle.size(), QStringLiteral("\"$id\": \"") + newId + u'"');
    }
    draft_->setPlainText(text);
    validateDraft();
}

bool CatalogPage::validateDraft() {
    draftDebounce_.stop();
    const QString text = draft_->toPlainText();
    if (text.trimmed().isEmpty()) {
        draftValid_ = false;
        draftValidity_->setText(selectedType_.isEmpty() ? QString()
                                                        : QStringLiteral("The draft is empty."));
    } else {
        const QByteArray utf8 = text.toUtf8();
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(utf8, &error);
        if (error.error != QJsonParseError::NoError) {
            const QByteArray before = utf8.left(error.offset);
            const qsizetype line = before.count('\n') + 1;
            const qsizetype column = error.offset - (before.lastIndexOf('\n') + 1) + 1;
            draftValid_ = false;
            draftValidity_->setText(QStringLiteral("✗ Not valid JSON: %1 at line %2, column %3")
                                        .arg(error.errorString())
                                        .arg(line)
                                        .arg(column));
        } else if (!document.isObject()) {
            draftValid_ = false;
            draftValidity_->setText(
                QStringLiteral("✗ Valid JSON, but a schema must be a JSON object"));
        } else {
            draftValid_ = true;
            draftValidity_->setText(QStringLiteral("✓ Valid JSON"));
        }
    }
    checkButton_->setEnabled(draftValid_ && !selectedType_.isEmpty());
    updateRegisterButton();
    return draftValid_;
}

QString CatalogPage::selectedMode() const {
    return mode_->currentData().toString();
}

void CatalogPage::showBreakingChanges(const QStringList& lines) {
    breakingChanges_->clear();
    breakingChanges_->addItems(lines);
    breakingChanges_->setVisible(!lines.isEmpty());
}

void CatalogPage::checkDraft() {
    if (selectedType_.isEmpty() || !validateDraft())
        return;
    const quint64 generation = ++checkGeneration_;
    const QString mode = selectedMode();
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = typePath(selectedType_, QStringLiteral("/check?mode=")) + mode;
    request.body = draft_->toPlainText().toUtf8();
    result_->setText(QStringLiteral("Checking…"));
    showBreakingChanges({});
    session().request(request, this, [this, generation](const MeshReply& reply) {
        if (generation != checkGeneration_)
            return; // the draft, type or mode moved on
        if (!reply.ok()) {
            result_->setText(QStringLiteral("The check failed: ") + problemText(reply));
            return;
        }
        const QJsonObject report = QJsonDocument::fromJson(reply.body).object();
        const QJsonValue against = report.value(QLatin1String("against_version"));
        const QString mode = report.value(QLatin1String("mode")).toString();
        const QString versionText = against.isDouble()
                                        ? QStringLiteral("v%1").arg(against.toInt())
                                        : QStringLiteral("no version (the type is new)");
        if (report.value(QLatin1String("compatible")).toBool()) {
            result_->setText(QStringLiteral("✓ Compatible with %1 (%2).").arg(versionText, mode));
            Q_EMIT checkFinished(true);
            return;
        }
        QStringList lines;
        const QJsonArray changes = report.value(QLatin1String("breaking_changes")).toArray();
        for (const QJsonValue& value : changes) {
            const QJsonObject change = value.toObject();
            const QString path = change.value(QLatin1String("path")).toString();
            lines << (path.isEmpty() ? QStringLiteral("(whole payload)") : path) +
                         QStringLiteral(": ") + change.value(QLatin1String("change")).toString() +
                         QStringLiteral(" (") +
                         directionText(change.value(QLatin1String("breaks")).toString()) + u')';
        }
        result_->setText(QStringLiteral("✗ %1 breaking change(s) against %2 (%3):")
                             .arg(changes.size())
                             .arg(versionText, mode));
        showBreakingChanges(lines);
        Q_EMIT checkFinished(false);
    });
}

void CatalogPage::updateRegisterButton() {
    const int latest = latestVersion();
    registerButton_->setText(latest > 0 ? QStringLiteral("Register as v%1").arg(latest + 1)
                                        : QStringLiteral("Register"));
    const QString role = session().role();
    QString why;
    if (session().state() != SessionState::Online && role.isEmpty())
        why = QStringLiteral("Not connected to the mesh.");
    else if (!session().mayChange())
        why = QStringLiteral("Read-only: this token's role is %1; registering a schema "
                             "version needs role admin.")
                  .arg(role.isEmpty() ? QStringLiteral("unknown") : role);
    else if (role != QLatin1String("admin"))
        why = QStringLiteral("Registering a schema version needs role admin; this token's "
                             "role is %1.")
                  .arg(role);
    else if (registerInFlight_)
        why = QStringLiteral("A registration is in progress.");
    else if (latest == 0)
        why = QStringLiteral("Select an event type first.");
    else if (!draftValid_)
        why = QStringLiteral("The draft is not a valid JSON object.");
    registerButton_->setEnabled(why.isEmpty());
    registerButton_->setToolTip(why.isEmpty()
                                    ? QStringLiteral("Register the draft as %1 v%2, checked for %3 "
                                                     "compatibility with v%4.")
                                          .arg(selectedType_)
                                          .arg(latest + 1)
                                          .arg(selectedMode())
                                          .arg(latest)
                                    : why);
}

void CatalogPage::registerDraft() {
    if (!validateDraft() || !registerButton_->isEnabled())
        return;
    const QString type = selectedType_;
    const int latest = latestVersion();
    const int next = latest + 1;
    const QString mode = selectedMode();
    const QString draft = draft_->toPlainText();
    const QString text =
        QStringLiteral("Register this draft as %1 v%2?\n\nThe mesh checks it for %3 "
                       "compatibility with v%4 and refuses it if anything breaks. Once "
                       "registered, producers may publish schema_version %2; a version "
                       "cannot be removed.")
            .arg(type)
            .arg(next)
            .arg(mode)
            .arg(latest);
    if (!confirm_(this, QStringLiteral("Register %1 v%2").arg(type).arg(next), text, draft)) {
        result_->setText(QStringLiteral("Not registered."));
        return;
    }

    registerInFlight_ = true;
    updateRegisterButton();
    ++checkGeneration_; // a check still on its way would describe the old latest
    result_->setText(QStringLiteral("Registering %1 v%2…").arg(type).arg(next));
    showBreakingChanges({});
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = typePath(type, QStringLiteral("/versions?compatibility=")) + mode;
    request.body = draft.toUtf8();
    const quint64 generation = typeGeneration_;
    session().request(request, this, [this, type, generation](const MeshReply& reply) {
        registerInFlight_ = false;
        if (reply.ok()) {
            const int version = QJsonDocument::fromJson(reply.body)
                                    .object()
                                    .value(QLatin1String("version"))
                                    .toInt();
            model_->refresh();
            if (generation == typeGeneration_) {
                result_->setText(QStringLiteral("✓ Registered %1 v%2.").arg(type).arg(version));
                ++typeGeneration_;
                fetchVersions(type);
            }
            updateRegisterButton();
            Q_EMIT registrationFinished(true);
            return;
        }
        if (generation == typeGeneration_) {
            QStringList lines;
            const QJsonObject problem = QJsonDocument::fromJson(reply.body).object();
            for (const QJsonValue& value : problem.value(QLatin1String("violations")).toArray()) {
                const QJsonObject violation = value.toObject();
                const QString path = violation.value(QLatin1String("path")).toString();
                lines << (path.isEmpty() ? QStringLiteral("(whole schema)") : path) +
                             QStringLiteral(": ") +
                             violation.value(QLatin1String("message")).toString();
            }
            result_->setText(QStringLiteral("✗ Not registered: ") + reply.describe());
            showBreakingChanges(lines);
        }
        updateRegisterButton();
        Q_EMIT registrationFinished(false);
    });
}

} // namespace meshdeck::views
