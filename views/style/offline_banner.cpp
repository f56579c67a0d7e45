#include "views/style/offline_banner.h"

#include "views/session/mesh_session.h"
#include "views/style/severity.h"

#include <QGraphicsColorizeEffect>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>

namespace meshdeck::views {

namespace {

QString secondsText(qint64 seconds) {
    if (seconds < 120)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds < 7200)
        return QStringLiteral("%1 min").arg(seconds / 60);
    return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg((seconds / 60) % 60);
}

} // namespace

OfflineBanner::OfflineBanner(MeshSession& session, QWidget* parent)
    : QWidget(parent), session_(session), text_(new QLabel(this)),
      reconnect_(new QPushButton(QStringLiteral("Reconnect now"), this)) {
    setObjectName(QStringLiteral("offlineBanner"));
    text_->setObjectName(QStringLiteral("offlineText"));
    reconnect_->setObjectName(QStringLiteral("reconnectNow"));
    reconnect_->setToolTip(
        QStringLiteral("Try the mesh now instead of waiting for the next retry"));
    text_->setWordWrap(true);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 6);
    layout->addWidget(text_, 1);
    layout->addWidget(reconnect_);
    applyColours();

    tick_.setInterval(1000);
    connect(&tick_, &QTimer::timeout, this, &OfflineBanner::showAge);
    connect(reconnect_, &QPushButton::clicked, this, [this] {
        session_.reconnectNow();
        showAge();
    });
    connect(&session_, &MeshSession::stateChanged, this, &OfflineBanner::follow);
    follow();
}

void OfflineBanner::setStaleArea(QWidget* area) {
    if (staleArea_)
        staleArea_->setGraphicsEffect(nullptr);
    staleArea_ = area;
    follow();
}

QString OfflineBanner::text() const {
    return text_->text();
}

void OfflineBanner::follow() {
    const bool offline = session_.state() == SessionState::Offline;
    setVisible(offline);
    if (offline)
        tick_.start();
    else
        tick_.stop();
    if (staleArea_) {
        // Colourless and dimmed: the numbers still read, but no longer look live.
        if (offline && !staleArea_->graphicsEffect()) {
            auto* grey = new QGraphicsColorizeEffect(staleArea_);
            grey->setColor(palette().color(QPalette::Mid));
            grey->setStrength(0.85);
            staleArea_->setGraphicsEffect(grey);
        } else if (!offline) {
            staleArea_->setGraphicsEffect(nullptr);
        }
    }
    showAge();
}

void OfflineBanner::showAge() {
    if (session_.state() != SessionState::Offline)
        return;
    const QDateTime now = QDateTime::currentDateTime();
    const QDateTime since = session_.offlineSince();
    const QDateTime contact = session_.lastContact();
    const QDateTime retry = session_.nextRetryAt();
    QString line = QStringLiteral("Offline since %1 — ")
                       .arg(since.isValid() ? since.toString(QStringLiteral("HH:mm:ss"))
                                            : QStringLiteral("now"));
    line += contact.isValid() ? QStringLiteral("numbers last updated %1 ago")
                                    .arg(secondsText(std::max<qint64>(0, contact.secsTo(now))))
                              : QStringLiteral("no numbers yet");
    if (retry.isValid() && retry > now)
        line += QStringLiteral(" (reconnecting in %1)")
                    .arg(secondsText((now.msecsTo(retry) + 999) / 1000));
    else
        line += QStringLiteral(" (reconnecting…)");
    text_->setText(line);
    text_->setToolTip(session_.lastError());
}

// Only the label's palette changes: the banner's own follows the window's,
// so a switch between light and dark reaches it and picks the other tint.
void OfflineBanner::applyColours() {
    QPalette p = text_->palette();
    p.setColor(QPalette::WindowText, coloursOf(Severity::Offline, palette()).text);
    text_->setPalette(p);
}

void OfflineBanner::paintEvent(QPaintEvent*) {
    QPainter(this).fillRect(rect(), coloursOf(Severity::Offline, palette()).tint);
}

void OfflineBanner::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColours();
}

} // namespace meshdeck::views
