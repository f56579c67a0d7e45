#include "views/dlq/dead_letters_page.h"

#include "views/console/record_list_page.h"
#include "views/dlq/dead_letter_table.h"
#include "views/dlq/edit_payload_dialog.h"
#include "views/dlq/replay_outcome.h"
#include "views/dlq/replay_preview.h"
#include "views/session/protocol_adapter.h"

#include <QAbstractProxyModel>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QUrlQuery>
#include <QVBoxLayout>
#include <type_traits>

namespace meshdeck::views {

namespace {

constexpr int kRefreshMs = 3000;
constexpr int kNarrowColumn = 220; // ids, times, names: wider is cut, the tooltip has it all
constexpr int kReasonColumn = 340; // the receiver's words
constexpr const char* kChooseGroup = "Choose a group on the left first";

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent, bool multi) {
    auto* table = new QTableView(parent);
    setUpRecordTable(table, model,
                     multi ? QAbstractItemView::ExtendedSelection
                           : QAbstractItemView::SingleSelection);
    table->setTextElideMode(Qt::ElideRight);
    return table;
}

template <class Row> RowListModel<Row>* listOf(QList<RowColumn<Row>> columns, QObject* parent) {
    return new RowListModel<Row>(std::move(columns), parent);
}

// A stored event's JSON text as the object it is ({} when it is not one).
QJsonObject eventObject(const std::string& json) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

// "  #2  2026-12-07T15:44:53.826Z  HTTP 0  transport  connection refused  ";
// an attempt made after a replay reads "  #1 replay  ...".
QString describeAttempt(const AttemptRecord& a) {
    return QStringLiteral("  #%1%2  %3  HTTP %4  %5  %6  %7")
        .arg(a.attempt)
        .arg(a.replay ? QStringLiteral(" replay") : QString())
        .arg(timeText(a.startedAt))
        .arg(a.status)
        .arg(wordOf(a.failureClass), toQString(a.error), toQString(a.response).left(120));
}

QJsonArray idArray(const std::vector<DeadLetter>& letters) {
    QJsonArray ids;
    for (const auto& d : letters)
        ids.append(static_cast<qint64>(d.id));
    return ids;
}

QString groupKey(const DeadLetterGroup& g) {
    return toQString(g.consumer) + u'\n' + toQString(g.signature);
}

template <class Row> bool sameRows(const RowListModel<Row>& model, const std::vector<Row>& rows) {
    if (model.rowCount() != static_cast<int>(rows.size()))
        return false;
    for (int i = 0; i < model.rowCount(); ++i)
        if (!(model.row(i) == rows[static_cast<std::size_t>(i)]))
            return false;
    return true;
}

// Replaces a table's rows and keeps what the person had there: the selected
// rows and the current one, found again by key, and the scroll position. A
// row that went away is simply no longer there. Returns false when the rows
// were the same and nothing was replaced.
template <class Row, class KeyOf>
bool replaceRowsKeepingChoice(QTableView* table, RowListModel<Row>* model,
                              const std::vector<Row>& rows, KeyOf keyOf) {
    if (sameRows(*model, rows))
        return false;
    auto* proxy = qobject_cast<QAbstractProxyModel*>(table->model());
    const auto toSource = [proxy](const QModelIndex& index) {
        return proxy ? proxy->mapToSource(index) : index;
    };
    const auto keyAt = [&](const QModelIndex& viewIndex) {
        return keyOf(model->row(toSource(viewIndex).row()));
    };
    using Key = std::invoke_result_t<KeyOf, const Row&>;
    QItemSelectionModel* selection = table->selectionModel();
    QList<Key> selected;
    for (const QModelIndex& index : selection->selectedRows())
        selected.append(keyAt(index));
    const QModelIndex current = selection->currentIndex();
    const bool hadCurrent = current.isValid();
    const Key currentKey = hadCurrent ? keyAt(current) : Key{};
    // Scrolled down, the row at the top stays at the top (new letters arrive
    // above it); at the top, the list stays at the top, where new ones show.
    const int scroll = table->verticalScrollBar()->value();
    const QModelIndex top = table->indexAt(QPoint(0, 0));
    const bool anchored = scroll > 0 && top.isValid();
    const Key topKey = anchored ? keyAt(top) : Key{};

    model->setRows(rows);

    QItemSelection restored;
    QModelIndex newCurrent, newTop;
    for (int row = 0; row < model->rowCount(); ++row) {
        const auto key = keyOf(model->row(row));
        const QModelIndex source = model->index(row, 0);
        const QModelIndex shown = proxy ? proxy->mapFromSource(source) : source;
        if (!shown.isValid())
            continue;
        if (selected.contains(key))
            restored.select(shown, shown.siblingAtColumn(model->columnCount() - 1));
        if (hadCurrent && key == currentKey)
            newCurrent = shown;
        if (anchored && key == topKey)
            newTop = shown;
    }
    if (newCurrent.isValid())
        selection->setCurrentIndex(newCurrent, QItemSelectionModel::NoUpdate);
    selection->select(restored, QItemSelectionModel::ClearAndSelect);
    table->doItemsLayout(); // the scroll range follows the new rows now, not later
    if (newTop.isValid())
        table->scrollTo(newTop, QAbstractItemView::PositionAtTop);
    else
        table->verticalScrollBar()->setValue(scroll);
    return true;
}

} // namespace

DeadLettersPage::DeadLettersPage(MeshSession& session, QWidget* parent)
    : Page(session, parent),
      groups_(listOf<DeadLetterGroup>({{QStringLiteral("Consumer"),
                                        [](const auto& g) {
                                            return toQString(g.consumer);
                                        }},
                                       {QStringLiteral("Letters"),
                                        [](const auto& g) {
                                            return QString::number(g.count);
                                        }},
                                       {QStringLiteral("Class"),
                                        [](const auto& g) {
                                            return wordOf(g.failureClass);
                                        }},
                                       {QStringLiteral("Receiver said"),
                                        [](const auto& g) {
                                            return receiverReasonIn(toQString(g.exampleError));
                                        }}},
                                      this)),
      letters_(makeDeadLetterModel(this)), shown_(new DeadLetterFilter(letters_, this)),
      groupTable_(makeTable(groups_, this, false)), letterTable_(makeTable(shown_, this, true)),
      filterField_(new QLineEdit(this)), detail_(new QPlainTextEdit(this)),
      status_(new QLabel(this)), banner_(new QFrame(this)), bannerText_(new QLabel(banner_)),
      replay_(new QPushButton(QStringLiteral("Replay"), this)),
      replayGroup_(new QPushButton(QStringLiteral("Replay group"), this)),
      edit_(new QPushButton(QStringLiteral("Edit and replay…"), this)),
      discard_(new QPushButton(QStringLiteral("Discard…"), this)),
      export_(new QPushButton(QStringLiteral("Export…"), this)) {
    setObjectName(QStringLiteral("deadLettersPage"));
    groupTable_->setObjectName(QStringLiteral("groupTable"));
    letterTable_->setObjectName(QStringLiteral("letterTable"));
    letterTable_->setSortingEnabled(true);
    // Until a header is clicked, the broker's order: newest first.
    letterTable_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    detail_->setObjectName(QStringLiteral("letterDetail"));
    status_->setObjectName(QStringLiteral("letterStatus"));
    filterField_->setObjectName(QStringLiteral("letterFilter"));
    filterField_->setPlaceholderText(
        QStringLiteral("Filter: entity, correlation id, event id, error, consumer, type"));
    filterField_->setClearButtonEnabled(true);
    replay_->setObjectName(QStringLiteral("replayButton"));
    replayGroup_->setObjectName(QStringLiteral("replayGroupButton"));
    edit_->setObjectName(QStringLiteral("editButton"));
    discard_->setObjectName(QStringLiteral("discardButton"));
    // A long status wraps instead of widening the window past a laptop's screen.
    status_->setWordWrap(true);
    detail_->setReadOnly(true);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_->setPlaceholderText(
        QStringLiteral("Select a dead letter to see its event and every attempt."));

    // What an action came to stays here until dismissed; refreshes leave it alone.
    banner_->setObjectName(QStringLiteral("resultBanner"));
    banner_->setFrameShape(QFrame::StyledPanel);
    banner_->setBackgroundRole(QPalette::AlternateBase);
    banner_->setAutoFillBackground(true);
    bannerText_->setObjectName(QStringLiteral("resultText"));
    bannerText_->setWordWrap(true);
    bannerText_->setTextFormat(Qt::RichText);
    bannerText_->setTextInteractionFlags(Qt::TextBrowserInteraction);
    auto* dismiss = new QPushButton(QStringLiteral("Dismiss"), banner_);
    dismiss->setObjectName(QStringLiteral("dismissResult"));
    auto* bannerLayout = new QHBoxLayout(banner_);
    bannerLayout->addWidget(bannerText_, 1);
    bannerLayout->addWidget(dismiss, 0, Qt::AlignTop);
    banner_->hide();

    auto* all = new QPushButton(QStringLiteral("All groups"), this);
    auto* refreshButton = new QPushButton(QStringLiteral("Refresh"), this);
    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Dead letters</b>"), this));
    header->addWidget(status_, 1);
    export_->setObjectName(QStringLiteral("exportButton"));
    export_->setToolTip(QStringLiteral("Save the letters listed, each with its event and every "
                                       "attempt, as JSON Lines (one letter per line)"));
    for (auto* b : {all, export_, refreshButton})
        header->addWidget(b);
    // What acts on the letters chosen sits with them, so the header stays
    // narrow enough for half a wide screen.
    auto* actions = new QHBoxLayout;
    actions->setContentsMargins(0, 0, 0, 0);
    actions->addWidget(filterField_, 1);
    for (auto* b : {replay_, replayGroup_, edit_, discard_})
        actions->addWidget(b);
    auto* letters = new QWidget(this);
    auto* lettersLayout = new QVBoxLayout(letters);
    lettersLayout->setContentsMargins(0, 0, 0, 0);
    lettersLayout->addLayout(actions);
    lettersLayout->addWidget(letterTable_, 1);

    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(letters);
    right->addWidget(detail_);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(groupTable_);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 5);
    // The groups' reasons stay readable; the letters get the rest.
    splitter->setSizes({300, 900});
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(banner_);
    layout->addWidget(splitter, 1);

    refreshTimer_.setInterval(kRefreshMs);
    connect(&refreshTimer_, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
        else
            refreshTimer_.stop(); // activated but never shown (a page built for a test)
    });
    connect(refreshButton, &QPushButton::clicked, this, &DeadLettersPage::refresh);
    connect(dismiss, &QPushButton::clicked, this, &DeadLettersPage::dismissResult);
    connect(bannerText_, &QLabel::linkActivated, this, [this](const QString& link) {
        if (link.startsWith(QLatin1String("letter:")))
            selectLetter(link.mid(7).toLongLong());
    });
    connect(filterField_, &QLineEdit::textChanged, this, [this](const QString& text) {
        shown_->setText(text);
        showStatus();
        updateButtons();
    });
    connect(all, &QPushButton::clicked, this, [this] { groupTable_->clearSelection(); });
    connect(groupTable_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DeadLettersPage::chooseGroup);
    connect(letterTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (!restoring_) // showLetters follows the current letter once rows are back
                    showLetter(current.row());
            });
    connect(letterTable_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DeadLettersPage::updateButtons);
    connect(replay_, &QPushButton::clicked, this, [this] {
        const auto letters = selectedLetters();
        confirmReplay(letters, [this, letters] {
            replayLetters(letters, {{QStringLiteral("ids"), idArray(letters)}});
        });
    });
    connect(replayGroup_, &QPushButton::clicked, this,
            [this] { confirmReplay(groupLetters(), [this] { replayGroup(); }); });
    connect(discard_, &QPushButton::clicked, this, &DeadLettersPage::confirmDiscard);
    connect(edit_, &QPushButton::clicked, this, &DeadLettersPage::openEditor);
    connect(export_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, QStringLiteral("Export dead letters"),
            QStringLiteral("dead-letters-%1.jsonl")
                .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"))),
            QStringLiteral("JSON Lines (*.jsonl);;All files (*)"));
        if (!path.isEmpty())
            exportJsonLines(path, [](const QString&) {});
    });
    updateButtons();
}

QIcon DeadLettersPage::icon() const {
    return bundledIcon(this, QStringLiteral("dead-letters"), QStyle::SP_TrashIcon);
}

void DeadLettersPage::activate() {
    loadGroups();
    loadLetters();
    // The broker has no feed of dead letters being replayed or discarded
    // (its live feed counts new ones only), so the lists poll while shown.
    refreshTimer_.start();
}

void DeadLettersPage::hideEvent(QHideEvent* event) {
    refreshTimer_.stop();
    Page::hideEvent(event);
}

void DeadLettersPage::setRefreshInterval(std::chrono::milliseconds interval) {
    refreshTimer_.setInterval(static_cast<int>(interval.count()));
}

void DeadLettersPage::refresh() {
    loadGroups();
    loadLetters(true);
}

void DeadLettersPage::showConsumer(const QString& consumer) {
    consumer_ = consumer;
    groupTable_->clearSelection();
    activate();
}

void DeadLettersPage::loadGroups() {
    QString path = QStringLiteral("/v1/dead-letters/groups");
    if (!consumer_.isEmpty())
        path +=
            QStringLiteral("?consumer=") + QString::fromUtf8(QUrl::toPercentEncoding(consumer_));
    const quint64 generation = ++groupsGeneration_;
    getAnswer<protocol::DeadLetterGroups>(
        session(), path, this,
        [this, generation](const Answer<protocol::DeadLetterGroups>& answer) {
            if (generation != groupsGeneration_)
                return;
            const bool wasEmpty = groups_->rowCount() == 0;
            const bool hadChoice = groupTable_->selectionModel()->hasSelection();
            restoring_ = true;
            replaceRowsKeepingChoice(groupTable_, groups_,
                                     answer ? answer->groups : std::vector<DeadLetterGroup>(),
                                     groupKey);
            restoring_ = false;
            if (wasEmpty)
                groupTable_->resizeColumnsToContents();
            groupsError_ = answer ? QString() : QStringLiteral("Groups: %1").arg(answer.error);
            showStatus();
            // The chosen group was emptied (replayed, discarded): back to every letter.
            if (hadChoice && !groupTable_->selectionModel()->hasSelection())
                chooseGroup();
        });
}

std::optional<DeadLetterGroup> DeadLettersPage::chosenGroup() const {
    // Chosen means selected: a row that is only current (focus moved onto
    // the table) is not a choice the person made.
    const auto rows = groupTable_->selectionModel()->selectedRows();
    if (rows.isEmpty() || rows.front().row() >= groups_->rowCount())
        return std::nullopt;
    return groups_->row(rows.front().row());
}

void DeadLettersPage::chooseGroup() {
    if (restoring_)
        return;
    loadLetters();
    updateButtons();
}

void DeadLettersPage::showStatus() {
    QStringList parts;
    QString letters = lettersStatus_;
    if (!shown_->text().isEmpty() && letters_->rowCount() > 0)
        letters =
            QStringLiteral("%1 of %2 letters").arg(shown_->rowCount()).arg(letters_->rowCount());
    for (const QString& part : {letters, groupsError_})
        if (!part.isEmpty())
            parts << part;
    status_->setText(parts.join(QStringLiteral(" · ")));
}

void DeadLettersPage::loadLetters(bool quietly) {
    const auto group = chosenGroup();
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("limit"), QStringLiteral("500"));
    const QString consumer = group ? toQString(group->consumer) : consumer_;
    if (!consumer.isEmpty())
        query.addQueryItem(QStringLiteral("consumer"), consumer);
    if (group)
        query.addQueryItem(QStringLiteral("signature"), toQString(group->signature));
    const quint64 generation = ++generation_;
    if (!quietly) {
        lettersStatus_ = QStringLiteral("Loading…");
        showStatus();
    }
    getAnswer<protocol::DeadLetterPage>(
        session(), QStringLiteral("/v1/dead-letters?") + query.toString(QUrl::FullyEncoded), this,
        [this, generation,
         inGroup = group.has_value()](const Answer<protocol::DeadLetterPage>& page) {
            if (generation != generation_)
                return;
            if (!page) {
                showLetters({});
                lettersStatus_ = page.error;
                showStatus();
                return;
            }
            showLetters(page->letters);
            const int n = letters_->rowCount();
            lettersStatus_ = n == 0
                                 ? QStringLiteral("No open dead letters: every event reached "
                                                  "its consumers or is still on its way.")
                                 : QStringLiteral("%1 open letter(s)%2")
                                       .arg(n)
                                       .arg(inGroup ? QStringLiteral(" in this group") : QString());
            showStatus();
        });
}

void DeadLettersPage::showLetters(const std::vector<DeadLetter>& letters) {
    restoring_ = true;
    const bool replaced = replaceRowsKeepingChoice(letterTable_, letters_, letters,
                                                   [](const DeadLetter& d) { return d.id; });
    restoring_ = false;
    if (replaced && !columnsSized_ && !letters.empty()) {
        columnsSized_ = true;
        letterTable_->resizeColumnsToContents();
        for (int c = 0; c + 1 < letters_->columnCount(); ++c) {
            const int cap =
                c == static_cast<int>(LetterColumn::ReceiverSaid) ? kReasonColumn : kNarrowColumn;
            letterTable_->setColumnWidth(c, std::min(letterTable_->columnWidth(c), cap));
        }
    }
    // The detail pane follows the current letter; it is refilled only when
    // that letter changed or went away.
    showLetter(letterTable_->selectionModel()->currentIndex().row());
    if (selectWhenListed_ && shown_->rowOf(*selectWhenListed_) >= 0) {
        const qint64 id = *selectWhenListed_;
        selectWhenListed_.reset();
        selectLetter(id);
    }
    updateButtons();
}

void DeadLettersPage::selectLetter(qint64 id) {
    int row = shown_->rowOf(id);
    if (row < 0 && !shown_->text().isEmpty() && letters_->rowCount() > 0) {
        filterField_->clear();
        row = shown_->rowOf(id);
    }
    if (row < 0) {
        // Not listed yet (or in another group): list every group's and pick it then.
        selectWhenListed_ = id;
        filterField_->clear();
        if (groupTable_->selectionModel()->hasSelection())
            groupTable_->clearSelection(); // lists every letter
        else
            loadLetters(true);
        return;
    }
    letterTable_->selectRow(row);
    letterTable_->scrollTo(shown_->index(row, 0));
    letterTable_->setFocus();
}

void DeadLettersPage::showLetter(int row) {
    if (row < 0 || row >= shown_->rowCount()) {
        detail_->clear();
        detailShown_.reset();
        return;
    }
    const DeadLetter& listed = shown_->letterAt(row);
    if (detailShown_ && *detailShown_ == listed)
        return;
    detailShown_ = listed;
    const qint64 id = listed.id;
    getAnswer<protocol::DeadLetterDetail>(
        session(), QStringLiteral("/v1/dead-letters/%1").arg(id), this,
        [this, id](const Answer<protocol::DeadLetterDetail>& detail) {
            if (!detailShown_ || detailShown_->id != id)
                return; // another letter was chosen meanwhile
            if (!detail) {
                detail_->setPlainText(detail.error);
                return;
            }
            const DeadLetter& letter = detail->letter;
            QStringList lines;
            lines << QStringLiteral("Dead letter %1 for %2: %3")
                         .arg(id)
                         .arg(toQString(letter.consumer), toQString(letter.error));
            lines << QStringLiteral("signature: %1").arg(toQString(letter.signature));
            lines << QString() << QStringLiteral("Attempts:");
            for (const auto& attempt : detail->attempts)
                lines << describeAttempt(attempt);
            lines << QString() << QStringLiteral("Event:")
                  << QString::fromUtf8(QJsonDocument(eventObject(letter.eventJson))
                                           .toJson(QJsonDocument::Indented));
            if (letter.parentId)
                lines << QStringLiteral("This letter failed again after dead letter %1 was "
                                        "sent again.")
                             .arg(*letter.parentId);
            detail_->setPlainText(lines.join(u'\n'));
        });
}

EditPayloadDialog* DeadLettersPage::editor() const {
    return editor_;
}

void DeadLettersPage::openEditor() {
    const int row = letterTable_->currentIndex().row();
    if (row < 0 || row >= shown_->rowCount())
        return;
    openEditorFor(shown_->letterAt(row).id);
}

void DeadLettersPage::openEditorFor(qint64 id) {
    // The payload to start from, and its type and version, come with the letter's detail.
    getAnswer<protocol::DeadLetterDetail>(
        session(), QStringLiteral("/v1/dead-letters/%1").arg(id), this,
        [this, id](const Answer<protocol::DeadLetterDetail>& detail) {
            if (!detail) {
                showResult(detail.error);
                return;
            }
            const DeadLetter& letter = detail->letter;
            // The envelope's own fields: the stored event has no protocol type.
            const QJsonObject event = eventObject(letter.eventJson);
            const QJsonDocument edited =
                QJsonDocument::fromJson(QByteArray::fromStdString(letter.payloadOverride));
            const QJsonObject payload = edited.isObject()
                                            ? edited.object()
                                            : event.value(QLatin1String("payload")).toObject();
            auto* dialog =
                new EditPayloadDialog(session(), id, toQString(letter.eventType),
                                      event.value(QLatin1String("schema_version")).toInt(1),
                                      QJsonDocument(payload).toJson(QJsonDocument::Compact), this);
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            connect(dialog, &EditPayloadDialog::sendRequested, this,
                    [this, dialog, id](const QByteArray& payloadJson) {
                        editAndReplay(id, payloadJson,
                                      [dialog = QPointer(dialog)](const QString& error) {
                                          if (dialog)
                                              dialog->showSendResult(error);
                                      });
                    });
            editor_ = dialog;
            dialog->open();
        });
}

void DeadLettersPage::exportJsonLines(const QString& path,
                                      std::function<void(const QString& error)> done) {
    auto file = std::make_shared<QFile>(path);
    if (!file->open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        const QString error = QStringLiteral("Cannot write %1: %2").arg(path, file->errorString());
        showResult(error);
        done(error);
        return;
    }
    QList<qint64> ids;
    for (const DeadLetter& d : listedLetters())
        ids.append(d.id);
    showResult(QStringLiteral("Exporting %1 letter(s)…").arg(ids.size()));
    // One letter at a time, in the listed order, each with its event and attempts.
    auto next = std::make_shared<std::function<void(int)>>();
    *next = [this, file, ids, path, done = std::move(done), next](int i) {
        if (i == ids.size()) {
            file->close();
            showResult(QStringLiteral("%1 letter(s) exported to %2").arg(ids.size()).arg(path));
            done({});
            *next = nullptr; // breaks the cycle through the captured pointer
            return;
        }
        session().get(
            QStringLiteral("/v1/dead-letters/%1").arg(ids[i]), this,
            [this, file, next, i, done](const MeshReply& reply) {
                // Written as answered, once it is known to read as a letter.
                if (const auto letter = readAnswer<protocol::DeadLetterDetail>(reply); !letter) {
                    file->close();
                    const QString error = QStringLiteral("Export stopped at letter %1: %2")
                                              .arg(i + 1)
                                              .arg(letter.error);
                    showResult(error);
                    done(error);
                    *next = nullptr;
                    return;
                }
                file->write(QJsonDocument::fromJson(reply.body).toJson(QJsonDocument::Compact));
                file->write("\n");
                (*next)(i + 1);
            });
    };
    (*next)(0);
}

std::vector<DeadLetter> DeadLettersPage::selectedLetters() const {
    std::vector<DeadLetter> letters;
    auto rows = letterTable_->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    for (const auto& index : rows)
        letters.push_back(shown_->letterAt(index.row()));
    return letters;
}

std::vector<DeadLetter> DeadLettersPage::listedLetters() const {
    std::vector<DeadLetter> letters;
    for (int row = 0; row < shown_->rowCount(); ++row)
        letters.push_back(shown_->letterAt(row));
    return letters;
}

std::vector<DeadLetter> DeadLettersPage::groupLetters() const {
    std::vector<DeadLetter> letters;
    for (int row = 0; row < letters_->rowCount(); ++row)
        letters.push_back(letters_->row(row));
    return letters;
}

void DeadLettersPage::updateButtons() {
    const bool mayAct = session().mayChange();
    const auto selected = letterTable_->selectionModel()->selectedRows().size();
    replay_->setEnabled(mayAct && selected > 0);
    discard_->setEnabled(mayAct && selected > 0);
    edit_->setEnabled(mayAct && selected == 1);
    const bool group = chosenGroup().has_value();
    replayGroup_->setEnabled(mayAct && group && letters_->rowCount() > 0);
    const QString why = readOnlyReason();
    for (auto* b : {replay_, discard_, edit_})
        b->setToolTip(why);
    replayGroup_->setToolTip(!why.isEmpty() ? why
                             : !group       ? QString::fromLatin1(kChooseGroup)
                                            : QStringLiteral("Send every open letter of this "
                                                                   "group again, to its consumer only"));
}

void DeadLettersPage::confirmReplay(const std::vector<DeadLetter>& letters,
                                    std::function<void()> replay) {
    if (letters.empty())
        return;
    if (!confirm_) {
        replay();
        return;
    }
    auto* dialog = new ReplayPreviewDialog(letters, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->checkCircuits(session());
    connect(dialog, &ReplayPreviewDialog::replayRequested, this, std::move(replay));
    connect(dialog, &ReplayPreviewDialog::editRequested, this, [this](qint64 id) {
        selectLetter(id);
        openEditor();
    });
    dialog->open();
}

void DeadLettersPage::confirmDiscard() {
    const auto letters = selectedLetters();
    bool ok = false;
    const QString reason = QInputDialog::getText(
        this, QStringLiteral("Discard dead letters"),
        QStringLiteral("Discard %1 (%2)? They are not sent again.\n\n%3\n\nWhy? (kept in the "
                       "audit log)")
            .arg(letters.size() == 1 ? QStringLiteral("1 letter")
                                     : QStringLiteral("%1 letters").arg(letters.size()),
                 countsByConsumer(letters), letterList(letters)),
        QLineEdit::Normal, {}, &ok);
    if (ok && !reason.trimmed().isEmpty())
        discardSelected(reason.trimmed());
    else if (ok)
        showResult(QStringLiteral("Nothing discarded: a reason is required."));
}

void DeadLettersPage::post(const QString& path, const QJsonObject& body,
                           std::function<void(const QList<qint64>& affected)> done) {
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = path;
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    session().request(request, this, [this, done = std::move(done)](const MeshReply& reply) {
        if (!reply.ok()) {
            showResult(QStringLiteral("Refused: %1").arg(reply.describe()));
        } else {
            // {"replayed": [ids]} or {"discarded": [ids]}
            QList<qint64> affected;
            const QJsonObject answer = QJsonDocument::fromJson(reply.body).object();
            for (const QJsonValue& list : answer)
                for (const QJsonValue& id : list.toArray())
                    affected.append(id.toInteger());
            done(affected);
        }
        refresh();
    });
}

void DeadLettersPage::replayLetters(const std::vector<DeadLetter>& letters,
                                    const QJsonObject& selection) {
    showResult(QStringLiteral("Sending %1 letter(s) again…").arg(letters.size()));
    post(QStringLiteral("/v1/dead-letters/replay"), selection,
         [this, letters](const QList<qint64>& ids) { watchReplay(ids, letters); });
}

void DeadLettersPage::replaySelected() {
    const auto letters = selectedLetters();
    if (!letters.empty())
        replayLetters(letters, {{QStringLiteral("ids"), idArray(letters)}});
}

void DeadLettersPage::replayGroup() {
    const auto group = chosenGroup();
    if (!group)
        return;
    replayLetters(groupLetters(), {{QStringLiteral("consumer"), toQString(group->consumer)},
                                   {QStringLiteral("signature"), toQString(group->signature)}});
}

void DeadLettersPage::watchReplay(const QList<qint64>& ids, const std::vector<DeadLetter>& known) {
    // The broker's list of what it sent is the truth; the letters shown
    // name them (a group may have grown since it was listed).
    std::vector<DeadLetter> replayed;
    for (qint64 id : ids) {
        const auto it = std::find_if(known.begin(), known.end(),
                                     [id](const DeadLetter& d) { return d.id == id; });
        DeadLetter letter = it != known.end() ? *it : DeadLetter{};
        letter.id = id;
        if (letter.consumer.empty() && !known.empty())
            letter.consumer = known.front().consumer; // a group: one consumer
        replayed.push_back(std::move(letter));
    }
    delete watcher_;
    watcher_ = new ReplayOutcomeWatcher(session(), std::move(replayed), this);
    connect(watcher_, &ReplayOutcomeWatcher::progressed, this, &DeadLettersPage::showOutcomes);
    connect(watcher_, &ReplayOutcomeWatcher::settled, this,
            [this](const QString& summary, const QList<ReplayOutcome>& outcomes) {
                showOutcomes(summary, outcomes);
                refresh(); // a letter that failed again is listed, for its link
            });
    watcher_->start();
}

void DeadLettersPage::showOutcomes(const QString& summary, const QList<ReplayOutcome>& outcomes) {
    QString html = summary.toHtmlEscaped().replace(u'\n', QStringLiteral("<br>"));
    for (const ReplayOutcome& o : outcomes)
        if (o.kind == ReplayOutcome::Kind::FailedAgain)
            html.replace(
                QStringLiteral("now dead letter %1").arg(o.newLetterId),
                QStringLiteral("now <a href=\"letter:%1\">dead letter %1</a>").arg(o.newLetterId));
    showResult(summary, html);
}

void DeadLettersPage::showResult(const QString& plain, const QString& html) {
    result_ = plain;
    bannerText_->setText(
        html.isEmpty() ? plain.toHtmlEscaped().replace(u'\n', QStringLiteral("<br>")) : html);
    banner_->show();
}

void DeadLettersPage::dismissResult() {
    result_.clear();
    bannerText_->clear();
    banner_->hide();
}

void DeadLettersPage::discardSelected(const QString& reason) {
    const auto letters = selectedLetters();
    if (letters.empty())
        return;
    post(QStringLiteral("/v1/dead-letters/discard"),
         {{QStringLiteral("ids"), idArray(letters)}, {QStringLiteral("reason"), reason}},
         [this](const QList<qint64>& ids) {
             QStringList names;
             for (qint64 id : ids)
                 names << QString::number(id);
             showResult(QStringLiteral("%1 letter(s) discarded (%2); the audit log keeps why.")
                            .arg(ids.size())
                            .arg(names.join(QStringLiteral(", "))));
         });
}

void DeadLettersPage::editAndReplay(qint64 id, const QByteArray& payloadJson,
                                    std::function<void(const QString&)> done) {
    QJsonParseError error{};
    const QJsonDocument payload = QJsonDocument::fromJson(payloadJson, &error);
    if (!payload.isObject()) {
        done(QStringLiteral("Not a JSON object: %1 (at character %2)")
                 .arg(error.errorString())
                 .arg(error.offset));
        return;
    }
    // Named in the outcome as listed (watchReplay picks it out by id).
    const std::vector<DeadLetter> known = groupLetters();
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/v1/dead-letters/%1/replay").arg(id);
    request.body = QJsonDocument(QJsonObject{{QStringLiteral("payload"), payload.object()}})
                       .toJson(QJsonDocument::Compact);
    session().request(request, this,
                      [this, id, known, done = std::move(done)](const MeshReply& reply) {
                          if (!reply.ok()) {
                              done(reply.describe());
                              return;
                          }
                          done({});
                          watchReplay({id}, known);
                          refresh();
                      });
}

} // namespace meshdeck::views
