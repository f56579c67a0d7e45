#pragma once
// Dead letters: open letters grouped by error signature (left), the letters
// of the chosen group or of every group (right), the selected letter's event
// and every attempt below. Operators replay (one, the selection, a whole
// group - to that consumer only), edit the payload and replay it (checked
// against the schema by the broker), or discard with a reason. Every action
// asks first, says what it will do, and lands in the audit log.

#include "views/console/page.h"

#include <QJsonObject>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace meshdeck::views {

class RecordListModel;

class DeadLettersPage final : public Page {
    Q_OBJECT

public:
    explicit DeadLettersPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Dead letters"); }
    QIcon icon() const override;
    void activate() override;

    // Shows only this consumer's letters ("" for all).
    void showConsumer(const QString& consumer);

    RecordListModel* groups() const { return groups_; }
    RecordListModel* letters() const { return letters_; }
    // The actions, callable from tests without the confirmation dialogs.
    void replaySelected();
    void replayGroup();
    void discardSelected(const QString& reason);
    void editAndReplay(qint64 id, const QByteArray& payloadJson,
                       std::function<void(const QString& error)> done);

    // Ask before acting (off in tests).
    void setConfirmations(bool on) { confirm_ = on; }

private:
    void loadGroups();
    void loadLetters();
    void showLetter(int row);
    void act(const QString& path, const QJsonObject& body, const QString& done);
    QList<qint64> selectedIds() const;
    void updateButtons();

    RecordListModel* groups_;
    RecordListModel* letters_;
    QTableView* groupTable_;
    QTableView* letterTable_;
    QPlainTextEdit* detail_;
    QLabel* status_;
    QPushButton* replay_;
    QPushButton* replayGroup_;
    QPushButton* edit_;
    QPushButton* discard_;
    QString consumer_;
    QString signature_;
    quint64 generation_ = 0;
    bool confirm_ = true;
};

} // namespace meshdeck::views
