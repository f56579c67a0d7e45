#include "views/console/main_window.h"

#include "views/console/page.h"

#include <QAction>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>

namespace meshdeck::views {

MainWindow::MainWindow(MeshSession& session, QString meshName, QWidget* parent)
    : QMainWindow(parent), session_(session), meshName_(std::move(meshName)),
      pageList_(new QListWidget(this)), pages_(new QStackedWidget(this)),
      meshLabel_(new QLabel(this)), stateLabel_(new QLabel(this)),
      roundTripLabel_(new QLabel(this)) {
    setWindowTitle(QStringLiteral("meshdeck — %1").arg(meshName_));
    pageList_->setObjectName(QStringLiteral("pageList"));
    pageList_->setFixedWidth(170);
    pageList_->setIconSize(QSize(20, 20));
    pageList_->setSpacing(2);
    pageList_->setFrameShape(QFrame::NoFrame);

    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(pageList_);
    layout->addWidget(pages_, 1);
    setCentralWidget(central);

    meshLabel_->setObjectName(QStringLiteral("meshLabel"));
    stateLabel_->setObjectName(QStringLiteral("stateLabel"));
    roundTripLabel_->setObjectName(QStringLiteral("roundTripLabel"));
    statusBar()->addWidget(meshLabel_, 1);
    statusBar()->addPermanentWidget(stateLabel_);
    statusBar()->addPermanentWidget(roundTripLabel_);

    auto* meshMenu = menuBar()->addMenu(QStringLiteral("&Mesh"));
    auto* connections = meshMenu->addAction(QStringLiteral("&Connections…"));
    connections->setObjectName(QStringLiteral("connectionsAction"));
    connections->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    connect(connections, &QAction::triggered, this, &MainWindow::connectionsRequested);
    meshMenu->addSeparator();
    auto* quit = meshMenu->addAction(QStringLiteral("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    connect(pageList_, &QListWidget::currentRowChanged, this, &MainWindow::showPage);
    connect(&session_, &MeshSession::stateChanged, this, [this](SessionState state) {
        updateStatus();
        if (state == SessionState::Online)
            if (Page* page = currentPage())
                page->activate();
    });
    connect(&session_, &MeshSession::roundTripMeasured, this, &MainWindow::updateStatus);
    updateStatus();
    resize(1280, 800);
}

void MainWindow::addPage(Page* page) {
    page->setParent(pages_);
    pages_->addWidget(page);
    auto* item = new QListWidgetItem(page->icon(), page->title(), pageList_);
    const int index = pages_->count() - 1;
    if (index < 9) {
        auto* action = new QAction(this);
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
        connect(action, &QAction::triggered, this, [this, index] {
            showPage(index);
            if (QLineEdit* field = this->page(index)->searchField()) {
                field->setFocus(Qt::ShortcutFocusReason);
                field->selectAll();
            }
        });
        addAction(action);
        item->setToolTip(QStringLiteral("%1 (Ctrl+%2)").arg(page->title()).arg(index + 1));
    }
    if (index == 0)
        restoreState();
}

void MainWindow::showPage(int index) {
    if (index < 0 || index >= pages_->count())
        return;
    if (pageList_->currentRow() != index)
        pageList_->setCurrentRow(index); // re-enters through currentRowChanged
    if (pages_->currentIndex() != index || !pages_->currentWidget()->isVisible()) {
        pages_->setCurrentIndex(index);
        if (session_.state() == SessionState::Online)
            page(index)->activate();
    }
}

void MainWindow::showPageTitled(const QString& title) {
    for (int i = 0; i < pages_->count(); ++i)
        if (page(i)->title() == title)
            return showPage(i);
}

int MainWindow::pageCount() const {
    return pages_->count();
}

Page* MainWindow::page(int index) const {
    return static_cast<Page*>(pages_->widget(index));
}

Page* MainWindow::currentPage() const {
    return static_cast<Page*>(pages_->currentWidget());
}

void MainWindow::updateStatus() {
    const QString version = session_.brokerVersion().isEmpty()
                                ? QString()
                                : QStringLiteral(" · meshd %1").arg(session_.brokerVersion());
    const QString who = session_.role().isEmpty()
                            ? QString()
                            : QStringLiteral(" · %1 of %2")
                                  .arg(session_.role(), session_.tenant() == QLatin1String("*")
                                                            ? QStringLiteral("every tenant")
                                                            : session_.tenant());
    meshLabel_->setText(meshName_ + u" (" + session_.endpoint() + u')' + version + who);
    QString state = toDisplayString(session_.state());
    if (session_.state() == SessionState::Offline || session_.state() == SessionState::Unauthorized)
        state += u": " + session_.lastError();
    stateLabel_->setText(state);
    const bool online = session_.state() == SessionState::Online;
    stateLabel_->setStyleSheet(online ? QString()
                                      : QStringLiteral("color: palette(bright-text); "
                                                       "background: #b3261e; padding: 0 6px;"));
    roundTripLabel_->setText(online && session_.roundTripMs() >= 0
                                 ? QStringLiteral("RTT %1 ms").arg(session_.roundTripMs())
                                 : QString());
}

void MainWindow::restoreState() {
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    // By title: pages added in a later version do not shift it.
    const QString last = settings.value(QStringLiteral("window/page")).toString();
    QMetaObject::invokeMethod(
        this,
        [this, last] {
            showPage(0);
            showPageTitled(last);
        },
        Qt::QueuedConnection);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    if (pages_->count() > 0)
        settings.setValue(QStringLiteral("window/page"), page(pages_->currentIndex())->title());
    event->accept();
}

} // namespace meshdeck::views
