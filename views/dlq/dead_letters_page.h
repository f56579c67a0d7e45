#pragma once
// Dead letters: open letters grouped by error signature (left), the letters
// of the chosen group or of every group (right) - filtered as typed, sorted
// by any column, with the receiver's own words - the selected letter's event
// and every attempt below. The lists follow the broker while the page is
// shown and keep what the person had chosen. Operators replay (one, the
// selection, a whole group - to that consumer only) after a preview that
// says whether the same error is likely to come back, edit the payload and
// replay it (checked against the schema as it is typed), or discard with a
// reason. What became of a replay stays on screen until dismissed: delivered,
// or failed again as a new dead letter (a link that selects it). The letters
// listed export as JSON Lines, each with its event and attempts.

#include "core/protocol/dead_letter.h"
#include "views/console/page.h"
#include "views/console/row_list_model.h"

#include <QJsonObject>
#include <QPointer>
#include <QTimer>
#include <functional>
#include <optional>
#include <vector>

class QFrame;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace meshdeck::views {

class DeadLetterFilter;
class EditPayloadDialog;
class ReplayOutcomeWatcher;
struct ReplayOutcome;

class DeadLettersPage final : public Page {
    Q_OBJECT

public:
    explicit DeadLettersPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Dead letters"); }
    QIcon icon() const override;
    void activate() override;
    QLineEdit* searchField() const override { return filterField_; }

    // Shows only this consumer's letters ("" for all).
    void showConsumer(const QString& consumer);

    RowListModel<DeadLetterGroup>* groups() const { return groups_; }
    RowListModel<DeadLetter>* letters() const { return letters_; }
    // The letters as the table shows them: filtered and sorted.
    DeadLetterFilter* shownLetters() const { return shown_; }
    // Selects the letter in the list (showing every group, unfiltered, if
    // that is what it takes); a letter not listed yet is selected once it is.
    void selectLetter(qint64 id);

    // The actions, callable from tests without the confirmation dialogs.
    void replaySelected();
    void replayGroup();
    void discardSelected(const QString& reason);
    void editAndReplay(qint64 id, const QByteArray& payloadJson,
                       std::function<void(const QString& error)> done);

    // Opens the edit-and-replay dialog for the current letter once its detail arrives.
    void openEditor();
    // The same for letter `id`, listed or not (from the Trace page's verdict).
    void openEditorFor(qint64 id);
    EditPayloadDialog* editor() const; // the last one opened, while it is open
    // Writes the listed letters to path, one JSON object per line; done gets
    // an empty string, or what went wrong.
    void exportJsonLines(const QString& path, std::function<void(const QString& error)> done);

    // What the last action came to, as the banner shows it ("" once dismissed).
    QString result() const { return result_; }
    void dismissResult();

    // Ask before acting (off in tests).
    void setConfirmations(bool on) { confirm_ = on; }
    void setRefreshInterval(std::chrono::milliseconds interval);

protected:
    void hideEvent(QHideEvent* event) override;

private:
    void refresh();
    void loadGroups();
    void loadLetters(bool quietly = false);
    void showLetters(const std::vector<DeadLetter>& letters);
    void showLetter(int row);
    void chooseGroup();
    void post(const QString& path, const QJsonObject& body,
              std::function<void(const QList<qint64>& affected)> done);
    void replayLetters(const std::vector<DeadLetter>& letters, const QJsonObject& selection);
    void watchReplay(const QList<qint64>& ids, const std::vector<DeadLetter>& known);
    void showOutcomes(const QString& summary, const QList<ReplayOutcome>& outcomes);
    void showResult(const QString& plain, const QString& html = {});
    void confirmReplay(const std::vector<DeadLetter>& letters, std::function<void()> replay);
    void confirmDiscard();
    std::vector<DeadLetter> selectedLetters() const;
    std::vector<DeadLetter> listedLetters() const; // as shown: filtered, sorted
    std::vector<DeadLetter> groupLetters() const;  // every letter loaded (the group's)
    std::optional<DeadLetterGroup> chosenGroup() const;
    void updateButtons();
    // The letters' status, and why the groups could not be listed (if so).
    void showStatus();

    RowListModel<DeadLetterGroup>* groups_;
    RowListModel<DeadLetter>* letters_;
    DeadLetterFilter* shown_;
    QTableView* groupTable_;
    QTableView* letterTable_;
    QLineEdit* filterField_;
    QPlainTextEdit* detail_;
    QLabel* status_;
    QFrame* banner_;
    QLabel* bannerText_;
    QPushButton* replay_;
    QPushButton* replayGroup_;
    QPushButton* edit_;
    QPushButton* discard_;
    QPushButton* export_;
    QPointer<EditPayloadDialog> editor_;
    QPointer<ReplayOutcomeWatcher> watcher_;
    QTimer refreshTimer_;
    QString consumer_; // showConsumer's scope, "" for every consumer
    QString lettersStatus_, groupsError_, result_;
    std::optional<DeadLetter> detailShown_; // the letter the detail pane was filled for
    std::optional<qint64> selectWhenListed_;
    quint64 generation_ = 0;
    quint64 groupsGeneration_ = 0;
    bool confirm_ = true;
    bool restoring_ = false; // rows are being replaced: not the person choosing
    bool columnsSized_ = false;
};

} // namespace meshdeck::views
