#include "views/dlq/dead_letters_page.h"

#include "views/console/record_list_page.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
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

} // namespace

DeadLettersPage::DeadLettersPage(MeshSession& session, QWidget* parent)
    : Page(session, parent),
      groups_(new RecordListModel({{QStringLiteral("Consumer"), QStringLiteral("consumer")},
                                   {QStringLiteral("Letters"), QStringLiteral("count")},
                                   {QStringLiteral("Class"), QStringLiteral("class")},
                                   {QStringLiteral("Example"), QStringLiteral("example_error")}},
                                  this)),
      letters_(new RecordListModel({{QStringLiteral("Id"), QStringLiteral("id")},
                                    {QStringLiteral("Dead since"), QStringLiteral("dead_at")},
                                    {QStringLiteral("Consumer"), QStringLiteral("consumer")},
                                    {QStringLiteral("Type"), QStringLiteral("event_type")},
                                    {QStringLiteral("Entity"), QStringLiteral("entity")},
                                    {QStringLiteral("Class"), QStringLiteral("class")},
                                    {QStringLiteral("Attempts"), QStringLiteral("attempts")},
                                    {QStringLiteral("Error"), QStringLiteral("error")}},
                                   this)),
      groupTable_(makeTable(groups_, this, false)), letterTable_(makeTable(letters_, this, true)),
      detail_(new QPlainTextEdit(this)), status_(new QLabel(this)),
      replay_(new QPushButton(QStringLiteral("Replay"), this)),
      replayGroup_(new QPushButton(QStringLiteral("Replay group"), this)),
      edit_(new QPushButton(QStringLiteral("Edit and replay…"), this)),
      discard_(new QPushButton(QStringLiteral("Discard…"), this)) {
    setObjectName(QStringLiteral("deadLettersPage"));
    groupTable_->setObjectName(QStringLiteral("groupTable"));
    letterTable_->setObjectName(QStringLiteral("letterTable"));
    detail_->setObjectName(QStringLiteral("letterDetail"));
    status_->setObjectName(QStringLiteral("letterStatus"));
    detail_->setReadOnly(true);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_->setPlaceholderText(
        QStringLiteral("Select a dead letter to see its event and every attempt."));

    auto* all = new QPushButton(QStringLiteral("All groups"), this);
    auto* refresh = new QPushButton(QStringLiteral("Refresh"), this);
    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(QStringLiteral("<b>Dead letters</b>"), this));
    header->addWidget(status_, 1);
    for (auto* b : {all, replay_, replayGroup_, edit_, discard_, refresh})
        header->addWidget(b);

    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(letterTable_);
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
                const QJsonObject g = groups_->record(current.row());
                consumer_ = g.value(QLatin1String("consumer")).toString();
                signature_ = g.value(QLatin1String("signature")).toString();
                loadLetters();
            });
    connect(letterTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showLetter(current.row()); });
    connect(letterTable_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DeadLettersPage::updateButtons);
    connect(replay_, &QPushButton::clicked, this, [this] {
        const auto ids = selectedIds();
        if (confirm_ &&
            QMessageBox::question(this, QStringLiteral("Replay dead letters"),
                                  QStringLiteral("Send %1 event(s) again, each to its own consumer "
                                                 "only, with the original event_id?")
                                      .arg(ids.size())) != QMessageBox::Yes)
            return;
        replaySelected();
    });
    connect(replayGroup_, &QPushButton::clicked, this, [this] {
        if (confirm_ && QMessageBox::question(
                            this, QStringLiteral("Replay a group"),
                            QStringLiteral("Send every open letter of this group (%1) again to %2?")
                                .arg(letters_->rowCount())
                                .arg(consumer_)) != QMessageBox::Yes)
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
    connect(edit_, &QPushButton::clicked, this, [this] {
        const int row = letterTable_->currentIndex().row();
        if (row < 0)
            return;
        const QJsonObject letter = letters_->record(row);
        const qint64 id = static_cast<qint64>(letter.value(QLatin1String("id")).toDouble());
        // The payload to start from comes with the letter's detail.
        this->session().get(
            QStringLiteral("/v1/dead-letters/%1").arg(id), this,
            [this, id](const MeshReply& reply) {
                const QJsonObject full = QJsonDocument::fromJson(reply.body).object();
                auto* dialog = new QDialog(this);
                dialog->setAttribute(Qt::WA_DeleteOnClose);
                dialog->setWindowTitle(QStringLiteral("Edit and replay dead letter %1").arg(id));
                auto* editor = new QPlainTextEdit(dialog);
                editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
                editor->setPlainText(
                    QString::fromUtf8(QJsonDocument(full.value(QLatin1String("event"))
                                                        .toObject()
                                                        .value(QLatin1String("payload"))
                                                        .toObject())
                                          .toJson(QJsonDocument::Indented)));
                auto* problem = new QLabel(dialog);
                problem->setWordWrap(true);
                auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, dialog);
                auto* send = buttons->addButton(QStringLiteral("Validate and replay"),
                                                QDialogButtonBox::AcceptRole);
                auto* layout = new QVBoxLayout(dialog);
                layout->addWidget(new QLabel(QStringLiteral("The edited payload is checked against "
                                                            "the event's schema before it is sent; "
                                                            "the letter keeps both versions."),
                                             dialog));
                layout->addWidget(editor, 1);
                layout->addWidget(problem);
                layout->addWidget(buttons);
                connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
                connect(send, &QPushButton::clicked, dialog, [this, dialog, editor, problem, id] {
                    editAndReplay(id, editor->toPlainText().toUtf8(),
                                  [dialog, problem](const QString& error) {
                                      if (error.isEmpty())
                                          dialog->accept();
                                      else
                                          problem->setText(error);
                                  });
                });
                dialog->resize(640, 480);
                dialog->open();
            });
    });
    updateButtons();
}

QIcon DeadLettersPage::icon() const {
    return style()->standardIcon(QStyle::SP_TrashIcon);
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
    session().get(path, this, [this](const MeshReply& reply) {
        QList<QJsonObject> rows;
        for (const auto& v :
             QJsonDocument::fromJson(reply.body).object().value(QLatin1String("groups")).toArray())
            rows.append(v.toObject());
        groups_->setRecords(std::move(rows));
        groupTable_->resizeColumnsToContents();
    });
}

void DeadLettersPage::loadLetters() {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("limit"), QStringLiteral("500"));
    if (!consumer_.isEmpty())
        query.addQueryItem(QStringLiteral("consumer"), consumer_);
    if (!signature_.isEmpty())
        query.addQueryItem(QStringLiteral("signature"), signature_);
    const quint64 generation = ++generation_;
    status_->setText(QStringLiteral("Loading…"));
    session().get(
        QStringLiteral("/v1/dead-letters?") + query.toString(QUrl::FullyEncoded), this,
        [this, generation](const MeshReply& reply) {
            if (generation != generation_)
                return;
            if (!reply.ok()) {
                letters_->setRecords({});
                status_->setText(reply.describe());
                return;
            }
            QList<QJsonObject> rows;
            for (const auto& v : QJsonDocument::fromJson(reply.body)
                                     .object()
                                     .value(QLatin1String("dead_letters"))
                                     .toArray())
                rows.append(v.toObject());
            letters_->setRecords(std::move(rows));
            letterTable_->resizeColumnsToContents();
            for (int c = 0; c + 1 < letters_->columnCount(); ++c)
                letterTable_->setColumnWidth(c, std::min(letterTable_->columnWidth(c), 260));
            const int n = letters_->rowCount();
            status_->setText(n == 0 ? QStringLiteral("No open dead letters: every event reached "
                                                     "its consumers or is still on its way.")
                                    : QStringLiteral("%1 open letter(s)%2")
                                          .arg(n)
                                          .arg(signature_.isEmpty()
                                                   ? QString()
                                                   : QStringLiteral(" in this group")));
            detail_->clear();
            updateButtons();
        });
}

void DeadLettersPage::showLetter(int row) {
    if (row < 0 || row >= letters_->rowCount()) {
        detail_->clear();
        return;
    }
    const qint64 id =
        static_cast<qint64>(letters_->record(row).value(QLatin1String("id")).toDouble());
    session().get(
        QStringLiteral("/v1/dead-letters/%1").arg(id), this, [this, id](const MeshReply& reply) {
            if (!reply.ok()) {
                detail_->setPlainText(reply.describe());
                return;
            }
            const QJsonObject letter = QJsonDocument::fromJson(reply.body).object();
            QStringList lines;
            lines << QStringLiteral("Dead letter %1 for %2: %3")
                         .arg(id)
                         .arg(letter.value(QLatin1String("consumer")).toString(),
                              letter.value(QLatin1String("error")).toString());
            lines << QStringLiteral("signature: %1")
                         .arg(letter.value(QLatin1String("signature")).toString());
            lines << QString() << QStringLiteral("Attempts:");
            for (const auto& v : letter.value(QLatin1String("attempt_log")).toArray()) {
                const QJsonObject a = v.toObject();
                lines << QStringLiteral("  #%1  %2  HTTP %3  %4  %5  %6")
                             .arg(static_cast<int>(a.value(QLatin1String("attempt")).toDouble()))
                             .arg(a.value(QLatin1String("at")).toString())
                             .arg(static_cast<int>(a.value(QLatin1String("status")).toDouble()))
                             .arg(a.value(QLatin1String("class")).toString(),
                                  a.value(QLatin1String("error")).toString(),
                                  a.value(QLatin1String("response")).toString().left(120));
            }
            lines << QString() << QStringLiteral("Event:")
                  << QString::fromUtf8(
                         QJsonDocument(letter.value(QLatin1String("event")).toObject())
                             .toJson(QJsonDocument::Indented));
            detail_->setPlainText(lines.join(u'\n'));
        });
}

QList<qint64> DeadLettersPage::selectedIds() const {
    QList<qint64> ids;
    for (const auto& index : letterTable_->selectionModel()->selectedRows())
        ids.append(static_cast<qint64>(
            letters_->record(index.row()).value(QLatin1String("id")).toDouble()));
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
