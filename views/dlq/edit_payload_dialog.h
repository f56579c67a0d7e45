#pragma once
// Edit and replay one dead letter: the payload in an editor, checked as the
// user types - JSON syntax at once, then the event's schema version on the
// broker (POST /v1/schemas/{type}/validate) a moment after typing stops. The
// send button is enabled only for a payload the schema accepts; the broker
// checks it once more when it is sent.

#include <QDialog>
#include <QTimer>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace meshdeck::views {

class MeshSession;

class EditPayloadDialog final : public QDialog {
    Q_OBJECT

public:
    EditPayloadDialog(MeshSession& session, qint64 letterId, QString eventType, int schemaVersion,
                      const QByteArray& payloadJson, QWidget* parent = nullptr);

    QPlainTextEdit* editor() const { return editor_; }
    QPushButton* sendButton() const { return send_; }
    QString verdict() const; // what the dialog says about the payload now
    // What the page reports after sending: empty on success, else the broker's answer.
    void showSendResult(const QString& error);

Q_SIGNALS:
    void sendRequested(const QByteArray& payloadJson);

private:
    void onEdited();
    void validateOnBroker();
    void setVerdict(const QString& text, bool sendable);

    MeshSession& session_;
    const QString eventType_;
    const int schemaVersion_;
    QPlainTextEdit* editor_;
    QLabel* verdict_;
    QPushButton* send_;
    QTimer debounce_;
    quint64 generation_ = 0; // answers to older texts are dropped
};

} // namespace meshdeck::views
