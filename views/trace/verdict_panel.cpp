#include "views/trace/verdict_panel.h"

#include "views/style/severity.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace meshdeck::views {

namespace {

Severity severityOf(VerdictTone tone) {
    switch (tone) {
    case VerdictTone::Settled:
        return Severity::Healthy;
    case VerdictTone::Attention:
        return Severity::Retrying;
    case VerdictTone::Failed:
        return Severity::DeadLetters;
    case VerdictTone::OnItsWay:
    case VerdictTone::Unknown:
        break;
    }
    return Severity::Idle;
}

// A frame with a bar of the tone's colour on its left and its tint behind.
QString toneSheet(const QString& name, VerdictTone tone, const QPalette& palette) {
    const SeverityColours colours = coloursOf(severityOf(tone), palette);
    return QStringLiteral("QFrame#%1 { border: none; border-left: 5px solid %2; background: %3; }")
        .arg(name, colours.text.name(), colours.tint.name());
}

QLabel* wrapping(QWidget* parent, const char* name) {
    auto* label = new QLabel(parent);
    label->setObjectName(QLatin1String(name));
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

VerdictPanel::VerdictPanel(QWidget* parent)
    : QFrame(parent), headline_(wrapping(this, "verdictHeadline")),
      story_(wrapping(this, "verdictStory")), advice_(wrapping(this, "verdictAdvice")),
      detailsToggle_(new QToolButton(this)), details_(wrapping(this, "verdictDetails")),
      result_(new QFrame(this)), resultText_(wrapping(result_, "verdictResult")) {
    setObjectName(QStringLiteral("verdictPanel"));
    QFont big = headline_->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    headline_->setFont(big);
    advice_->setStyleSheet(QStringLiteral("font-style: italic;"));

    detailsToggle_->setObjectName(QStringLiteral("verdictDetailsToggle"));
    detailsToggle_->setText(QStringLiteral("Details"));
    detailsToggle_->setCheckable(true);
    detailsToggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    detailsToggle_->setArrowType(Qt::RightArrow);
    detailsToggle_->setAutoRaise(true);
    details_->hide();
    connect(detailsToggle_, &QToolButton::toggled, this, [this](bool on) {
        details_->setVisible(on);
        detailsToggle_->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
    });

    auto* actions = new QHBoxLayout;
    actions->setContentsMargins(0, 4, 0, 0);
    const std::pair<VerdictAction, QString> kinds[] = {
        {VerdictAction::Replay, QStringLiteral("Replay…")},
        {VerdictAction::EditAndReplay, QStringLiteral("Edit and replay…")},
        {VerdictAction::OpenDeadLetter, QStringLiteral("Open dead letter")},
        {VerdictAction::OpenConsumer, QStringLiteral("Open consumer")},
        {VerdictAction::ShowEvents, QStringLiteral("Show events")},
        {VerdictAction::OpenQuarantine, QStringLiteral("Open quarantine")},
    };
    for (const auto& [action, text] : kinds) {
        auto* button = new QPushButton(text, this);
        button->hide();
        connect(button, &QPushButton::clicked, this,
                [this, a = action] { Q_EMIT actionTriggered(a); });
        buttons_.insert(action, button);
        actions->addWidget(button);
    }
    buttons_.value(VerdictAction::Replay)->setObjectName(QStringLiteral("verdictReplay"));
    actions->addStretch(1);
    actions->addWidget(detailsToggle_);

    result_->setObjectName(QStringLiteral("verdictResultFrame"));
    auto* dismiss = new QPushButton(QStringLiteral("Dismiss"), result_);
    dismiss->setObjectName(QStringLiteral("verdictDismiss"));
    auto* resultLayout = new QHBoxLayout(result_);
    resultLayout->setContentsMargins(8, 4, 4, 4);
    resultLayout->addWidget(resultText_, 1);
    resultLayout->addWidget(dismiss, 0, Qt::AlignTop);
    result_->hide();
    connect(dismiss, &QPushButton::clicked, this, &VerdictPanel::dismissResult);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 8, 8, 8);
    layout->setSpacing(4);
    layout->addWidget(headline_);
    layout->addWidget(story_);
    layout->addWidget(advice_);
    layout->addLayout(actions);
    layout->addWidget(details_);
    layout->addWidget(result_);
    paintTone();
}

void VerdictPanel::showVerdict(const Verdict& verdict, const QString& details) {
    tone_ = verdict.tone;
    headline_->setText(verdict.headline);
    story_->setText(verdict.story);
    story_->setVisible(!verdict.story.isEmpty());
    advice_->setText(verdict.advice);
    advice_->setVisible(!verdict.advice.isEmpty());
    details_->setText(details);
    detailsToggle_->setVisible(!details.isEmpty());
    for (auto it = buttons_.cbegin(); it != buttons_.cend(); ++it)
        it.value()->setVisible(verdict.actions.testFlag(it.key()));
    if (QPushButton* open = buttons_.value(VerdictAction::OpenDeadLetter); verdict.deadLetterId)
        open->setText(QStringLiteral("Open dead letter %1").arg(verdict.deadLetterId));
    if (QPushButton* consumer = buttons_.value(VerdictAction::OpenConsumer);
        !verdict.consumer.isEmpty())
        consumer->setText(QStringLiteral("Open %1").arg(verdict.consumer));
    if (QPushButton* events = buttons_.value(VerdictAction::ShowEvents); !verdict.entity.isEmpty())
        events->setText(QStringLiteral("Events of %1").arg(verdict.entity));
    // Replaying what the receiver refused as invalid is not the first thing to offer.
    buttons_.value(VerdictAction::EditAndReplay)->setDefault(verdict.likelyToRecur);
    paintTone();
}

void VerdictPanel::showMessage(VerdictTone tone, const QString& headline, const QString& story,
                               const QString& details) {
    Verdict verdict;
    verdict.tone = tone;
    verdict.headline = headline;
    verdict.story = story;
    showVerdict(verdict, details);
}

void VerdictPanel::showResult(VerdictTone tone, const QString& text) {
    resultTone_ = tone;
    resultText_->setText(text);
    result_->show();
    paintTone();
}

void VerdictPanel::dismissResult() {
    resultText_->clear();
    result_->hide();
}

QString VerdictPanel::headline() const {
    return headline_->text();
}
QString VerdictPanel::story() const {
    return story_->text();
}
QString VerdictPanel::advice() const {
    return advice_->text();
}
QString VerdictPanel::details() const {
    return details_->text();
}
QString VerdictPanel::result() const {
    return result_->isHidden() ? QString() : resultText_->text();
}

void VerdictPanel::changeEvent(QEvent* event) {
    QFrame::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        paintTone(); // the desktop switched light/dark
}

void VerdictPanel::paintTone() {
    // Only when it changed: a style sheet set anew repolishes, which sends
    // the palette change that calls this again.
    const auto restyle = [](QWidget* widget, const QString& sheet) {
        if (widget->styleSheet() != sheet)
            widget->setStyleSheet(sheet);
    };
    restyle(this, toneSheet(objectName(), tone_, palette()) +
                      toneSheet(result_->objectName(), resultTone_, palette()));
    restyle(headline_,
            QStringLiteral("color: %1;").arg(coloursOf(severityOf(tone_), palette()).text.name()));
}

} // namespace meshdeck::views
