#pragma once
// Dead letters: open letters grouped by error signature (left), the letters
// of the chosen group or of every group (right), the selected letter's event
// and every attempt below. Operators replay (one, the selection, a whole
// group - to that consumer only), edit the payload and replay it (checked
// against the schema as it is typed), or discard with a reason. Every action
// asks first, lists what it will send where, and lands in the audit log. The
// letters listed export as JSON Lines, each with its event and attempts.

#include "core/protocol/dead_letter.h"
#include "views/console/page.h"
#include "views/console/row_list_model.h"

#include <QJsonObject>
#include <QPointer>
#include <functional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace meshdeck::views {

class EditPayloadDialog;

class DeadLettersPage final : public Page {
    Q_OBJECT

public:
    explicit DeadLettersPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Dead letters"); }
    QIcon icon() const override;
    void activate() override;

    // Shows only this consumer's letters ("" for all).
    void showConsumer(const QString& consumer);

    RowListModel<DeadLetterGroup>* groups() const { return groups_; }
    RowListModel<DeadLetter>* letters() const { return letters_; }
    // The actions, callable from tests without the confirmation dialogs.
    void replaySelected();
    void replayGroup();
    void discardSelected(const QString& reason);
    void editAndReplay(qint64 id, const QByteArray& payloadJson,
                       std::function<void(const QString& error)> done);

    // Opens the edit-and-replay dialog for the current letter once its detail arrives.
    void openEditor();
    EditPayloadDialog* editor() const; // the last one opened, while it is open
    // Writes the listed letters to path, one JSON object per line; done gets
    // an empty string, or what went wrong.
    void exportJsonLines(const QString& path, std::function<void(const QString& error)> done);

    // Ask before acting (off in tests).
    void setConfirmations(bool on) { confirm_ = on; }

private:
    void loadGroups();
    void loadLetters();
    void showLetter(int row);
    void act(const QString& path, const QJsonObject& body, const QString& done);
    qint64 letterIdAt(int row) const;
    QList<qint64> selectedIds() const;
    // "• LeadScored lead:L-1 (event id) → crm" per row, for the confirmations.
    QString replayPreview(const QList<int>& rows) const;
    void updateButtons();
    // The letters' status, and why the groups could not be listed (if so).
    void showStatus();

    RowListModel<DeadLetterGroup>* groups_;
    RowListModel<DeadLetter>* letters_;
    QTableView* groupTable_;
    QTableView* letterTable_;
    QPlainTextEdit* detail_;
    QLabel* status_;
    QPushButton* replay_;
    QPushButton* replayGroup_;
    QPushButton* edit_;
    QPushButton* discard_;
    QPushButton* export_;
    QPointer<EditPayloadDialog> editor_;
    QString consumer_;
    QString signature_;
    QString lettersStatus_, groupsError_;
    quint64 generation_ = 0;
    bool confirm_ = true;
};

} // namespace meshdeck::views
