#pragma once
// The verdict on screen: a coloured headline, what happened in the
// receiver's words, what to do, a button for each action the verdict
// allows, the broker's own sentences behind "Details", and the outcome of
// the last action - kept until the person dismisses it.

#include "views/trace/verdict.h"

#include <QFrame>
#include <QHash>

class QLabel;
class QPushButton;
class QToolButton;

namespace meshdeck::views {

class VerdictPanel final : public QFrame {
    Q_OBJECT

public:
    explicit VerdictPanel(QWidget* parent = nullptr);

    // `details`: the broker's answer and findings as it wrote them.
    void showVerdict(const Verdict& verdict, const QString& details);
    // A state with no actions: "Looking up…", nothing found, a refusal.
    void showMessage(VerdictTone tone, const QString& headline, const QString& story,
                     const QString& details = {});
    // The outcome of an action; stays until Dismiss (or the next result).
    void showResult(VerdictTone tone, const QString& text);
    void dismissResult();

    QString headline() const;
    QString story() const;
    QString advice() const;
    QString details() const;
    QString result() const; // "" when dismissed
    QPushButton* button(VerdictAction action) const { return buttons_.value(action); }

Q_SIGNALS:
    void actionTriggered(meshdeck::views::VerdictAction action);

protected:
    void changeEvent(QEvent* event) override;

private:
    void paintTone();

    VerdictTone tone_ = VerdictTone::Unknown;
    VerdictTone resultTone_ = VerdictTone::Unknown;
    QLabel* headline_;
    QLabel* story_;
    QLabel* advice_;
    QToolButton* detailsToggle_;
    QLabel* details_;
    QFrame* result_;
    QLabel* resultText_;
    QHash<VerdictAction, QPushButton*> buttons_;
};

} // namespace meshdeck::views
