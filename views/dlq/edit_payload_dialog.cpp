#include "views/dlq/edit_payload_dialog.h"

#include "views/session/mesh_session.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace meshdeck::views {

namespace {

constexpr int kValidateAfterMs = 350;

// "line 3, column 7" for a character offset into text.
QString position(const QString& text, int offset) {
    const QString before = text.left(offset);
    const int line = static_cast<int>(before.count(u'\n')) + 1;
    const int column = offset - static_cast<int>(before.lastIndexOf(u'\n'));
    return QStringLiteral("line %1, column %2").arg(line).arg(column);
}

} // namespace

EditPayloadDialog::EditPayloadDialog(MeshSession& session, qint64 letterId, QString eventType,
                                     int schemaVersion, const QByteArray& payloadJson,
                                     QWidget* parent)
    : QDialog(parent), session_(session), eventType_(std::move(eventType)),
      schemaVersion_(schemaVersion), editor_(new QPlainTextEdit(this)), verdict_(new QLabel(this)),
      send_(nullptr) {
    setWindowTitle(QStringLiteral("Edit and replay dead letter %1").arg(letterId));
    editor_->setObjectName(QStringLiteral("payloadEditor"));
    verdict_->setObjectName(QStringLiteral("payloadVerdict"));
    editor_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    editor_->setPlainText(
        QString::fromUtf8(QJsonDocument::fromJson(payloadJson).toJson(QJsonDocument::Indented)));
    verdict_->setWordWrap(true);
    verdict_->setTextFormat(Qt::PlainText);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    send_ = buttons->addButton(QStringLiteral("Replay with this payload"),
                               QDialogButtonBox::AcceptRole);
    send_->setObjectName(QStringLiteral("sendEditedButton"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(
        QStringLiteral("The payload of this %1 event (schema version %2). It is checked against "
                       "that schema as you type; the letter keeps both versions.")
            .arg(eventType_)
            .arg(schemaVersion_),
        this));
    layout->addWidget(editor_, 1);
    layout->addWidget(verdict_);
    layout->addWidget(buttons);
    resize(680, 500);

    debounce_.setSingleShot(true);
    debounce_.setInterval(kValidateAfterMs);
    connect(&debounce_, &QTimer::timeout, this, &EditPayloadDialog::validateOnBroker);
    connect(editor_, &QPlainTextEdit::textChanged, this, &EditPayloadDialog::onEdited);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(send_, &QPushButton::clicked, this, [this] {
        send_->setEnabled(false);
        setVerdict(QStringLiteral("Sending…"), false);
        Q_EMIT sendRequested(editor_->toPlainText().toUtf8());
    });
    onEdited();
}

QString EditPayloadDialog::verdict() const {
    return verdict_->text();
}

void EditPayloadDialog::showSendResult(const QString& error) {
    if (error.isEmpty()) {
        accept();
        return;
    }
    setVerdict(QStringLiteral("Not sent: %1").arg(error), true);
}

void EditPayloadDialog::setVerdict(const QString& text, bool sendable) {
    verdict_->setText(text);
    send_->setEnabled(sendable);
}

void EditPayloadDialog::onEdited() {
    ++generation_;
    debounce_.stop();
    const QString text = editor_->toPlainText();
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError) {
        // The offset counts UTF-8 bytes; close enough for the ASCII JSON punctuation it points at.
        setVerdict(QStringLiteral("Not JSON (%1): %2")
                       .arg(position(text, error.offset), error.errorString()),
                   false);
        return;
    }
    if (!doc.isObject()) {
        setVerdict(QStringLiteral("The payload must be a JSON object."), false);
        return;
    }
    setVerdict(QStringLiteral("Checking against %1 v%2…").arg(eventType_).arg(schemaVersion_),
               false);
    debounce_.start();
}

void EditPayloadDialog::validateOnBroker() {
    const quint64 generation = generation_;
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/v1/schemas/%1/validate?version=%2")
                       .arg(QString::fromUtf8(QUrl::toPercentEncoding(eventType_)))
                       .arg(schemaVersion_);
    request.body = editor_->toPlainText().toUtf8();
    session_.request(request, this, [this, generation](const MeshReply& reply) {
        if (generation != generation_)
            return;
        if (!reply.ok()) {
            // The broker checks again on sending; let the user try.
            setVerdict(QStringLiteral("Could not check the schema (%1); the broker checks it "
                                      "again when you send.")
                           .arg(reply.describe()),
                       true);
            return;
        }
        const QJsonObject answer = QJsonDocument::fromJson(reply.body).object();
        if (answer.value(QLatin1String("valid")).toBool()) {
            setVerdict(QStringLiteral("Valid against %1 v%2.").arg(eventType_).arg(schemaVersion_),
                       true);
            return;
        }
        QStringList problems;
        for (const auto& v : answer.value(QLatin1String("violations")).toArray()) {
            const QJsonObject o = v.toObject();
            const QString path = o.value(QLatin1String("path")).toString();
            problems << QStringLiteral("%1: %2").arg(path.isEmpty() ? QStringLiteral("(payload)")
                                                                    : path,
                                                     o.value(QLatin1String("message")).toString());
        }
        setVerdict(QStringLiteral("The schema refuses it:\n") + problems.join(u'\n'), false);
    });
}

} // namespace meshdeck::views
