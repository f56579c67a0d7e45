#include "views/console/main_window.h"

#include "views/console/page.h"
#include "views/session/protocol_adapter.h"
#include "views/style/offline_banner.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

namespace meshdeck::views {

MainWindow::MainWindow(MeshSession& session, QString meshName, QWidget* parent)
    : QMainWindow(parent), session_(session), meshName_(std::move(meshName)),
      search_(new QLineEdit(this)), pageList_(new QListWidget(this)),
      pages_(new QStackedWidget(this)), meshLabel_(new QLabel(this)), stateLabel_(new QLabel(this)),
      roundTripLabel_(new QLabel(this)) {
    setWindowTitle(QStringLiteral("meshdeck — %1").arg(meshName_));
    pageList_->setObjectName(QStringLiteral("pageList"));
    pageList_->setFixedWidth(170);
    pageList_->setIconSize(QSize(20, 20));
    pageList_->setSpacing(2);
    pageList_->setFrameShape(QFrame::NoFrame);

    // One search for every id, always in sight.
    search_->setObjectName(QStringLiteral("globalSearch"));
    search_->setPlaceholderText(QStringLiteral(
        "Search any id: L-1076, a correlation or event id, dead letter 9…  (Ctrl+K)"));
    search_->setClearButtonEnabled(true);
    search_->setMinimumWidth(260);
    search_->setMaximumWidth(560);
    auto* toolbar = addToolBar(QStringLiteral("Search"));
    toolbar->setObjectName(QStringLiteral("searchBar"));
    toolbar->setMovable(false);
    toolbar->setFloatable(false);
    toolbar->toggleViewAction()->setEnabled(false);
    toolbar->addWidget(search_);
    connect(search_, &QLineEdit::returnPressed, this, [this] {
        if (!search_->text().trimmed().isEmpty())
            Q_EMIT searchRequested(search_->text().trimmed());
    });
    auto* find = new QAction(QStringLiteral("Search"), this);
    find->setObjectName(QStringLiteral("searchAction"));
    find->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(find, &QAction::triggered, this, &MainWindow::focusSearch);
    addAction(find);

    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(pageList_);
    // Over the pages while the mesh does not answer: how old the numbers
    // are, greyed, and Reconnect now.
    auto* offline = new OfflineBanner(session_, central);
    offline->setStaleArea(pages_);
    auto* right = new QVBoxLayout;
    right->setSpacing(0);
    right->addWidget(offline);
    right->addWidget(pages_, 1);
    layout->addLayout(right, 1);
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
    addViewMenu();
    addHelpMenu();

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

void MainWindow::focusSearch() {
    search_->setFocus(Qt::ShortcutFocusReason);
    search_->selectAll();
}

namespace {

// The style the desktop gave the application, before any theme replaced it.
QString& desktopStyle() {
    static QString name;
    return name;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31), base(0x1e, 0x1f, 0x22), text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x45, 0x47, 0x4c));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3c, 0x40));
    p.setColor(QPalette::Mid, QColor(0x30, 0x32, 0x36));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xd6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x7a, 0xb4, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xb3, 0x9d, 0xf0));
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0x80, 0x80, 0x80));
    return p;
}

// The docs folder: installed beside the binary's share/, or the source tree's.
QString docsDir() {
    const QString installed = QDir(QCoreApplication::applicationDirPath())
                                  .filePath(QStringLiteral("../share/doc/meshdeck"));
    if (QFileInfo::exists(installed))
        return QDir::cleanPath(installed);
#ifdef MESHDECK_SOURCE_DOCS
    if (QFileInfo::exists(QStringLiteral(MESHDECK_SOURCE_DOCS)))
        return QStringLiteral(MESHDECK_SOURCE_DOCS);
#endif
    return {};
}

} // namespace

QString MainWindow::savedTheme() {
    return QSettings().value(QStringLiteral("display/theme"), QStringLiteral("system")).toString();
}

void MainWindow::applyTheme(const QString& theme) {
    if (desktopStyle().isEmpty())
        desktopStyle() = QApplication::style()->name();
    if (theme == QLatin1String("system")) {
        QApplication::setStyle(QStyleFactory::create(desktopStyle()));
        QApplication::setPalette(QApplication::style()->standardPalette());
    } else {
        // Fusion draws any palette faithfully, dark included.
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(theme == QLatin1String("dark")
                                     ? darkPalette()
                                     : QApplication::style()->standardPalette());
    }
}

void MainWindow::addViewMenu() {
    auto* view = menuBar()->addMenu(QStringLiteral("&View"));
    auto* themes = new QActionGroup(this);
    const QString current = savedTheme();
    for (const auto& [key, text] :
         {std::pair{QStringLiteral("system"), QStringLiteral("&System theme")},
          std::pair{QStringLiteral("light"), QStringLiteral("&Light")},
          std::pair{QStringLiteral("dark"), QStringLiteral("&Dark")}}) {
        auto* action = view->addAction(text);
        action->setObjectName(QStringLiteral("theme-") + key);
        action->setCheckable(true);
        action->setChecked(key == current);
        themes->addAction(action);
        connect(action, &QAction::triggered, this, [theme = key] {
            QSettings().setValue(QStringLiteral("display/theme"), theme);
            applyTheme(theme);
        });
    }
    view->addSeparator();
    auto* local = view->addAction(QStringLiteral("Show &local time"));
    local->setObjectName(QStringLiteral("localTimeAction"));
    local->setCheckable(true);
    local->setChecked(TimeDisplay::instance().localTime());
    local->setToolTip(QStringLiteral("Times in this computer's time zone instead of UTC"));
    connect(local, &QAction::toggled, this,
            [](bool on) { TimeDisplay::instance().setLocalTime(on); });
}

QString MainWindow::shortcutsText() const {
    QStringList lines{QStringLiteral("Ctrl+K: search any id"),
                      QStringLiteral("Ctrl+Shift+M: connections")};
    for (int i = 0; i < pageCount() && i < 9; ++i)
        lines << QStringLiteral("Ctrl+%1: %2").arg(i + 1).arg(page(i)->title());
    lines << QStringLiteral("F1: this list") << QStringLiteral("Ctrl+Q: quit");
    return lines.join(u'\n');
}

QString MainWindow::aboutText() const {
    return QStringLiteral("meshdeck console %1\nBroker: %2 at %3\nQt %4")
        .arg(QCoreApplication::applicationVersion(),
             session_.brokerVersion().isEmpty()
                 ? QStringLiteral("not connected")
                 : QStringLiteral("meshd %1").arg(session_.brokerVersion()),
             session_.endpoint(), QString::fromLatin1(qVersion()));
}

void MainWindow::addHelpMenu() {
    auto* help = menuBar()->addMenu(QStringLiteral("&Help"));
    auto* keys = help->addAction(QStringLiteral("&Keyboard shortcuts"));
    keys->setObjectName(QStringLiteral("shortcutsAction"));
    keys->setShortcut(QKeySequence::HelpContents);
    connect(keys, &QAction::triggered, this, [this] {
        QMessageBox::information(this, QStringLiteral("Keyboard shortcuts"), shortcutsText());
    });
    auto* docs = help->addAction(QStringLiteral("&Documentation"));
    docs->setObjectName(QStringLiteral("docsAction"));
    connect(docs, &QAction::triggered, this, [this] {
        const QString dir = docsDir();
        if (dir.isEmpty() || !QDesktopServices::openUrl(QUrl::fromLocalFile(dir)))
            QMessageBox::information(
                this, QStringLiteral("Documentation"),
                dir.isEmpty() ? QStringLiteral("The docs are not installed on this machine.")
                              : QStringLiteral("The docs are in %1").arg(dir));
    });
    help->addSeparator();
    auto* about = help->addAction(QStringLiteral("&About meshdeck"));
    about->setObjectName(QStringLiteral("aboutAction"));
    connect(about, &QAction::triggered, this,
            [this] { QMessageBox::about(this, QStringLiteral("About meshdeck"), aboutText()); });
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
