#include "views/dlq/dead_letters_page.h"

#include "views/console/record_list_page.h"
#include "views/dlq/edit_payload_dialog.h"
#include "views/session/protocol_adapter.h"

#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QUrlQuery>
#include <QVBoxLayout>

namespace meshdeck::views {

namespace {

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent, bool multi) {
    auto* table = new QTableView(parent);
    setUpRecordTable(table, model,
                     multi ? QAbstractItemView::ExtendedSelection
                           : QAbstractItemView::SingleSelection);
    return table;
}

QString percentEncoded(const QString& s) {
    return QString::fromUtf8(QUrl::toPercentEncoding(s));
}

template <class Row> RowListModel<Row>* listOf(QList<RowColumn<Row>> columns, QObject* parent) {
    return new RowListModel<Row>(std::move(columns), parent);
}

// A stored event's JSON text as the object it is ({} when it is not one).
QJsonObject eventObject(const std::string& json) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

// "  #2  2026-12-07T15:44:53.826Z  HTTP 0  transport  connection refused  "
QString describeAttempt(const AttemptRecord& a) {
    return QStringLiteral("  #%1  %2  HTTP %3  %4  %5  %6")
        .arg(a.attempt)
        .arg(timeText(a.startedAt))
        .arg(a.status)
        .arg(wordOf(a.failureClass), toQString(a.error), toQString(a.response).left(120));
}

} // namespace

DeadLettersPage::DeadLettersPage(MeshSession& session, QWidget* parent)
    : Page(session, parent), groups_(listOf<DeadLetterGroup>({{QStringLiteral("Consumer"),
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
                                                              {QStringLiteral("Example"),
                                                               [](const auto& g) {
                                                                   return toQString(g.exampleError);
                                                               }}},
                                                             this)),
      letters_(listOf<DeadLetter>({{QStringLiteral("Id"),
                                    [](const auto& d) {
                                        return QString::number(d.id);
                                    }},
                                   {QStringLiteral("Dead since"),
                                    [](const auto& d) {
                                        return timeText(d.deadAt);
                                    }},
                                   {QStringLiteral("Consumer"),
                                    [](const auto& d) {
                                        return toQString(d.consumer);
                                    }},
                                   {QStringLiteral("Type"),
                                    [](const auto& d) {
                                        return toQString(d.eventType);
                                    }},
                                   {QStringLiteral("Entity"),
                                    [](const auto& d) {
                                        return toQString(d.entity);
                                    }},
                                   {QStringLiteral("Class"),
                                    [](const auto& d) {
                                        return wordOf(d.failureClass);
                                    }},
                                   {QStringLiteral("Attempts"),
                                    [](const auto& d) {
                                        return QString::number(d.attempts);
                                    }},
                                   {QStringLiteral("Error"),
                                    [](const auto& d) {
                                        return toQString(d.error);
                                    }}},
                                  this)),
      groupTable_(makeTable(groups_, this, false)), letterTable_(makeTable(letters_, this, true)),
      detail_(new QPlainTextEdit(this)), status_(new QLabel(this)),
      replay_(new QPushButton(QStringLiteral("Replay"), this)),
      replayGroup_(new QPushButton(QStringLiteral("Replay group"), this)),
      edit_(new QPushButton(QStringLiteral("Edit and replay…"), this)),
      discard_(new QPushButton(QStringLiteral("Discard…"), this)),
      export_(new QPushButton(QStringLiteral("Export…"), this)) {
    setObjectName(QStringLiteral("deadLettersPage"));
    groupTable_->setObjectName(QStringLiteral("groupTable"));
    letterTable_->setObjectName(QStringLiteral("letterTable"));
    detail_->setObjectName(QStringLiteral("letterDetail"));
    status_->setObjectName(QStringLiteral("letterStatus"));
    // A long status wraps instead of widening the window past a laptop's screen.
    status_->setWordWrap(true);
    detail_->setReadOnly(true);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_->setPlaceholderText(
        QStringLiteral("Select a dead letter to see its event and every attempt."));

    auto* all = new QPushButton(QStringLiteral("All groups"), this);
    auto* refresh = new QPushButton(QStringLiteral("Refresh"), this);
    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Dead letters</b>"), this));
    header->addWidget(status_, 1);
    export_->setObjectName(QStringLiteral("exportButton"));
    export_->setToolTip(QStringLiteral("Save the letters listed, each with its event and every "
                                       "attempt, as JSON Lines (one letter per line)"));
    for (auto* b : {all, export_, refresh})
        header->addWidget(b);
    // What acts on the letters chosen sits with them, so the header stays
    // narrow enough for half a wide screen.
    auto* actions = new QHBoxLayout;
    actions->setContentsMargins(0, 0, 0, 0);
    for (auto* b : {replay_, replayGroup_, edit_, discard_})
        actions->addWidget(b);
    actions->addStretch(1);
    auto* letters = new QWidget(this);
    auto* lettersLayout = new QVBoxLayout(letters);
    lettersLayout->setContentsMargins(0, 0, 0, 0);
    lettersLayout->addLayout(actions);
    lettersLayout->addWidget(letterTable_, 1);

    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(letters);
    right->addWidget(detail_);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(groupTable_);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 5);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(splitter, 1);

    connect(refresh, &QPushButton::clicked, this, &DeadLettersPage::activate);
    connect(all, &QPushButton::clicked, this, [this] {
        signature_.clear();
        groupTable_->clearSelection();
        loadLetters();
    });
    connect(groupTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.row() < 0 || current.row() >= groups_->rowCount())
                    return;
                const DeadLetterGroup& g = groups_->row(current.row());
                consumer_ = toQString(g.consumer);
                signature_ = toQString(g.signature);
                loadLetters();
            });
    connect(letterTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showLetter(current.row()); });
    connect(letterTable_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DeadLettersPage::updateButtons);
    connect(replay_, &QPushButton::clicked, this, [this] {
        QList<int> rows;
        for (const auto& index : letterTable_->selectionModel()->selectedRows())
            rows.append(index.row());
        if (confirm_ &&
            QMessageBox::question(this, QStringLiteral("Replay dead letters"),
                                  QStringLiteral("Send %1 event(s) again, each to its own consumer "
                                                 "only, with the original event_id?\n\n%2")
                                      .arg(rows.size())
                                      .arg(replayPreview(rows))) != QMessageBox::Yes)
            return;
        replaySelected();
    });
    connect(replayGroup_, &QPushButton::clicked, this, [this] {
        QList<int> rows;
        for (int row = 0; row < letters_->rowCount(); ++row)
            rows.append(row);
        if (confirm_ &&
            QMessageBox::question(
                this, QStringLiteral("Replay a group"),
                QStringLiteral("Send every open letter of this group (%1) again to %2?\n\n%3")
                    .arg(letters_->rowCount())
                    .arg(consumer_, replayPreview(rows))) != QMessageBox::Yes)
            return;
        replayGroup();
    });
    connect(discard_, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString reason = QInputDialog::getText(
            this, QStringLiteral("Discard dead letters"),
            QStringLiteral("Why are these %1 letter(s) discarded? (kept in the audit log)")
                .arg(selectedIds().size()),
            QLineEdit::Normal, {}, &ok);
        if (ok && !reason.trimmed().isEmpty())
            discardSelected(reason.trimmed());
        else if (ok)
            status_->setText(QStringLiteral("Nothing discarded: a reason is required."));
    });
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
}

void DeadLettersPage::showConsumer(const QString& consumer) {
    consumer_ = consumer;
    signature_.clear();
    activate();
}

void DeadLettersPage::loadGroups() {
    QString path = QStringLiteral("/v1/dead-letters/groups");
    if (!consumer_.isEmpty())
        path += QStringLiteral("?consumer=") + percentEncoded(consumer_);
    getAnswer<protocol::DeadLetterGroups>(
        session(), path, this, [this](const Answer<protocol::DeadLetterGroups>& answer) {
            groups_->setRows(answer ? answer->groups : std::vector<DeadLetterGroup>());
            groupTable_->resizeColumnsToContents();
            groupsError_ = answer ? QString() : QStringLiteral("Groups: %1").arg(answer.error);
            showStatus();
        });
}

void DeadLettersPage::showStatus() {
    QStringList parts;
    for (const QString& part : {lettersStatus_, groupsError_})
        if (!part.isEmpty())
            parts << part;
    status_->setText(parts.join(QStringLiteral(" · ")));
}

void DeadLettersPage::loadLetters() {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("limit"), QStringLiteral("500"));
    if (!consumer_.isEmpty())
        query.addQueryItem(QStringLiteral("consumer"), consumer_);
    if (!signature_.isEmpty())
        query.addQueryItem(QStringLiteral("signature"), signature_);
    const quint64 generation = ++generation_;
    lettersStatus_ = QStringLiteral("Loading…");
    showStatus();
    getAnswer<protocol::DeadLetterPage>(
        session(), QStringLiteral("/v1/dead-letters?") + query.toString(QUrl::FullyEncoded), this,
        [this, generation](const Answer<protocol::DeadLetterPage>& page) {
            if (generation != generation_)
                return;
            if (!page) {
                letters_->setRows(std::vector<DeadLetter>());
                lettersStatus_ = page.error;
                showStatus();
                return;
            }
            letters_->setRows(page->letters);
            letterTable_->resizeColumnsToContents();
            for (int c = 0; c + 1 < letters_->columnCount(); ++c)
                letterTable_->setColumnWidth(c, std::min(letterTable_->columnWidth(c), 260));
            const int n = letters_->rowCount();
            lettersStatus_ =
                n == 0
                    ? QStringLiteral("No open dead letters: every event reached "
                                     "its consumers or is still on its way.")
                    : QStringLiteral("%1 open letter(s)%2")
                          .arg(n)
                          .arg(signature_.isEmpty() ? QString() : QStringLiteral(" in this group"));
            showStatus();
            detail_->clear();
            updateButtons();
        });
}

void DeadLettersPage::showLetter(int row) {
    if (row < 0 || row >= letters_->rowCount()) {
        detail_->clear();
        return;
    }
    const qint64 id = letterIdAt(row);
    getAnswer<protocol::DeadLetterDetail>(
        session(), QStringLiteral("/v1/dead-letters/%1").arg(id), this,
        [this, id](const Answer<protocol::DeadLetterDetail>& detail) {
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
            detail_->setPlainText(lines.join(u'\n'));
        });
}

EditPayloadDialog* DeadLettersPage::editor() const {
    return editor_;
}

QString DeadLettersPage::replayPreview(const QList<int>& rows) const {
    constexpr int kShown = 12;
    QStringList lines;
    for (int i = 0; i < rows.size() && i < kShown; ++i) {
        const DeadLetter& letter = letters_->row(rows[i]);
        lines << QStringLiteral("• %1 %2 (%3) → %4")
                     .arg(toQString(letter.eventType), toQString(letter.entity),
                          toQString(letter.eventId), toQString(letter.consumer));
    }
    if (rows.size() > kShown)
        lines << QStringLiteral("… and %1 more").arg(rows.size() - kShown);
    return lines.join(u'\n');
}

void DeadLettersPage::openEditor() {
    const int row = letterTable_->currentIndex().row();
    if (row < 0)
        return;
    const qint64 id = letterIdAt(row);
    // The payload to start from, and its type and version, come with the letter's detail.
    getAnswer<protocol::DeadLetterDetail>(
        session(), QStringLiteral("/v1/dead-letters/%1").arg(id), this,
        [this, id](const Answer<protocol::DeadLetterDetail>& detail) {
            if (!detail) {
                status_->setText(detail.error);
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
        status_->setText(error);
        done(error);
        return;
    }
    QList<qint64> ids;
    for (int row = 0; row < letters_->rowCount(); ++row)
        ids.append(letterIdAt(row));
    status_->setText(QStringLiteral("Exporting %1 letter(s)…").arg(ids.size()));
    // One letter at a time, in the listed order, each with its event and attempts.
    auto next = std::make_shared<std::function<void(int)>>();
    *next = [this, file, ids, path, done = std::move(done), next](int i) {
        if (i == ids.size()) {
            file->close();
            status_->setText(
                QStringLiteral("%1 letter(s) exported to %2").arg(ids.size()).arg(path));
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
                    status_->setText(error);
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

qint64 DeadLettersPage::letterIdAt(int row) const {
    return letters_->row(row).id;
}

QList<qint64> DeadLettersPage::selectedIds() const {
    QList<qint64> ids;
    for (const auto& index : letterTable_->selectionModel()->selectedRows())
        ids.append(letterIdAt(index.row()));
    return ids;
}

void DeadLettersPage::updateButtons() {
    const bool mayAct = session().mayChange();
    const bool any = !selectedIds().isEmpty();
    replay_->setEnabled(mayAct && any);
    discard_->setEnabled(mayAct && any);
    edit_->setEnabled(mayAct && selectedIds().size() == 1);
    replayGroup_->setEnabled(mayAct && !signature_.isEmpty() && letters_->rowCount() > 0);
    const QString why = readOnlyReason();
    for (auto* b : {replay_, discard_, edit_, replayGroup_})
        b->setToolTip(why);
}

void DeadLettersPage::act(const QString& path, const QJsonObject& body, const QString& done) {
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = path;
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    session().request(request, this, [this, done](const MeshReply& reply) {
        status_->setText(reply.ok() ? done : QStringLiteral("Refused: %1").arg(reply.describe()));
        activate();
    });
}

void DeadLettersPage::replaySelected() {
    const auto ids = selectedIds();
    if (ids.isEmpty())
        return;
    QJsonArray array;
    for (auto id : ids)
        array.append(id);
    act(QStringLiteral("/v1/dead-letters/replay"), {{QStringLiteral("ids"), array}},
        QStringLiteral("%1 letter(s) sent again.").arg(ids.size()));
}

void DeadLettersPage::replayGroup() {
    if (signature_.isEmpty())
        return;
    act(QStringLiteral("/v1/dead-letters/replay"),
        {{QStringLiteral("consumer"), consumer_}, {QStringLiteral("signature"), signature_}},
        QStringLiteral("The group was sent again to %1.").arg(consumer_));
    signature_.clear();
}

void DeadLettersPage::discardSelected(const QString& reason) {
    const auto ids = selectedIds();
    if (ids.isEmpty())
        return;
    QJsonArray array;
    for (auto id : ids)
        array.append(id);
    act(QStringLiteral("/v1/dead-letters/discard"),
        {{QStringLiteral("ids"), array}, {QStringLiteral("reason"), reason}},
        QStringLiteral("%1 letter(s) discarded.").arg(ids.size()));
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
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/v1/dead-letters/%1/replay").arg(id);
    request.body = QJsonDocument(QJsonObject{{QStringLiteral("payload"), payload.object()}})
                       .toJson(QJsonDocument::Compact);
    session().request(request, this, [this, id, done = std::move(done)](const MeshReply& reply) {
        if (!reply.ok()) {
            done(reply.describe());
            return;
        }
        status_->setText(QStringLiteral("Dead letter %1 edited and sent again.").arg(id));
        done({});
        activate();
    });
}

} // namespace meshdeck::views
