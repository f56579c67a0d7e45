#pragma once
// A strip that says the numbers are old: hidden while the session is Online;
// when the mesh stops answering it reads "Offline since 10:42:13 - numbers
// last updated 12 s ago (reconnecting in 4 s)", counting every second, with
// a "Reconnect now" button, and greys the page area it is given so every
// number on it looks stale while staying readable.
//
// To install it in a window: put it above the pages and hand it the pages,
//   auto* banner = new OfflineBanner(session, central);
//   layout->insertWidget(0, banner); banner->setStaleArea(pageStack);

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QLabel;
class QPushButton;

namespace meshdeck::views {

class MeshSession;

class OfflineBanner final : public QWidget {
    Q_OBJECT

public:
    explicit OfflineBanner(MeshSession& session, QWidget* parent = nullptr);

    // The widget whose contents go grey while offline (one at a time).
    void setStaleArea(QWidget* area);
    QString text() const;

private:
    void follow();
    void showAge();
    void applyColours();

    MeshSession& session_;
    QLabel* text_;
    QPushButton* reconnect_;
    QTimer tick_;
    QPointer<QWidget> staleArea_;

protected:
    void changeEvent(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
};

} // namespace meshdeck::views
