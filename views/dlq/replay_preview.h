#pragma once
// Before dead letters are sent again: the receiver's own words for each, and
// whether the same error is likely to come back. The Dead letters page and
// the Trace page show the same words and ask the same way.
//
// Use:
//   auto* dialog = new ReplayPreviewDialog(letters, this); // std::vector<DeadLetter>
//   dialog->checkCircuits(session);           // optional: warns of an open circuit
//   connect(dialog, &ReplayPreviewDialog::replayRequested, this, [..] { POST the replay });
//   connect(dialog, &ReplayPreviewDialog::editRequested, this, [..](qint64 id) { edit it });
//   dialog->setAttribute(Qt::WA_DeleteOnClose);
//   dialog->open();

#include "core/protocol/dead_letter.h"

#include <QDialog>
#include <vector>

class QLabel;
class QPushButton;

namespace meshdeck::views {

class MeshSession;

// What the receiver said, in one line of its own words: a JSON body's
// "message" / "error" / "detail" / "title" / "reason" (or Salesforce's
// [{"message": ...}]), else the first line of what it answered; for a
// letter that never got an answer, why ("connection refused by ...").
QString receiverReason(const DeadLetter& letter);
QString receiverReason(const AttemptRecord& attempt);
// The same for a dead letter's error text (a group's example_error).
QString receiverReasonIn(const QString& error);
// "HTTP 422" for a letter the receiver answered, "" when it never did.
QString answerStatus(const DeadLetter& letter);

enum class ReplayOutlook {
    LikelyToPass,      // a passing fault: down, failing, throttled
    FixFirst,          // the consumer's credentials were refused
    LikelyToFailAgain, // the receiver refused the events themselves
    Unclear,           // anything else: look before sending
};

struct ReplayRisk {
    ReplayOutlook outlook = ReplayOutlook::Unclear;
    QString sentence; // what to tell the person, naming the receiver's reason
};

// The most pressing outlook among the letters, said for the letters it concerns.
ReplayRisk assessReplay(const std::vector<DeadLetter>& letters);

// "• LeadScored acme/lead:L-1 (event id) → crm: owner unknown" for the first
// `shown` letters, and "… and N more".
QString letterList(const std::vector<DeadLetter>& letters, int shown = 12);
// "crm: 2 · analytics: 1".
QString countsByConsumer(const std::vector<DeadLetter>& letters);

class ReplayPreviewDialog final : public QDialog {
    Q_OBJECT

public:
    explicit ReplayPreviewDialog(std::vector<DeadLetter> letters, QWidget* parent = nullptr);

    // Asks the broker for each consumer's circuit and says so when one is open.
    void checkCircuits(MeshSession& session);

    const ReplayRisk& risk() const { return risk_; }
    QString assessmentText() const; // the risk, and any open circuit
    QPushButton* replayButton() const { return replay_; }
    QPushButton* editButton() const { return edit_; } // null unless exactly one letter

Q_SIGNALS:
    void replayRequested();
    void editRequested(qint64 id);

private:
    std::vector<DeadLetter> letters_;
    ReplayRisk risk_;
    QLabel* assessment_;
    QLabel* circuits_;
    QPushButton* replay_;
    QPushButton* edit_ = nullptr;
};

} // namespace meshdeck::views
