// meshdeck: the console. By default it runs its own broker in-process (data
// under the user's data dir, 127.0.0.1 on an ephemeral port) and connects to
// it; --attach connects the same way to a remote meshd, and Mesh >
// Connections switches between the embedded mesh and saved ones.

#include "console_links.h"
#include "console_pages.h"
#include "demo_stack.h"
#include "embedded_mesh.h"
#include "views/connections/connection_store.h"
#include "views/connections/connections_dialog.h"
#include "views/console/main_window.h"
#include "views/session/http_transport.h"
#include "views/session/mesh_session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QIcon>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTimer>
#include <cstdio>
#include <memory>

using namespace meshdeck;

namespace {

// One window on one session at a time; switching meshes builds both anew.
class Console {
public:
    explicit Console(std::unique_ptr<EmbeddedMesh> embedded)
        : embedded_(std::move(embedded)), store_(views::ConnectionStore::defaultTokenFile()) {}

    void open(const QString& name, const QUrl& url, const QByteArray& token, bool insecure) {
        demo_.reset();
        window_.reset();
        session_.reset();
        auto transport = std::make_unique<views::HttpTransport>(url, token);
        transport->setIgnoreTlsErrors(insecure);
        session_ = std::make_unique<views::MeshSession>(std::move(transport));
        window_ = std::make_unique<views::MainWindow>(*session_, name);
        addConsolePages(*window_, *session_);
        QObject::connect(window_.get(), &views::MainWindow::connectionsRequested, window_.get(),
                         [this] { showConnections(); });
        current_ = name;
        session_->open();
        window_->show();
    }

    void openEmbedded() {
        open(views::ConnectionsDialog::kEmbedded, QUrl(embedded_->url()), embedded_->adminToken(),
             false);
    }

    // Links handed over by later starts, and the one this start was given.
    void listenForLinks(const QUrl& first) {
        listenForConsoleLinks(&links_, [this](const QUrl& url) { openLink(url); });
        if (!first.isEmpty())
            openLink(first);
    }

    // A meshdeck:// link, on the current window.
    void openLink(const QUrl& url) {
        if (window_ && session_)
            openConsoleLink(*window_, *session_, url);
    }

    void startDemo() {
        demo_ = std::make_unique<DemoStack>(*session_, QStringLiteral("acme"));
        demo_->start();
    }

private:
    void showConnections() {
        auto* dialog =
            new views::ConnectionsDialog(store_, current_, embedded_ != nullptr, window_.get());
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(dialog, &views::ConnectionsDialog::connectRequested, dialog,
                         [this](const QString& name) {
                             // After the dialog and its parent window are done with this event.
                             QTimer::singleShot(0, [this, name] { switchTo(name); });
                         });
        dialog->open();
    }

    void switchTo(const QString& name) {
        if (embedded_ && name == views::ConnectionsDialog::kEmbedded)
            return openEmbedded();
        for (const auto& c : store_.connections()) {
            if (c.name != name)
                continue;
            store_.setLastUsed(name);
            return open(c.name, QUrl(c.url), store_.token(c.name), c.insecure);
        }
    }

    std::unique_ptr<EmbeddedMesh> embedded_;
    views::ConnectionStore store_;
    std::unique_ptr<views::MeshSession> session_;
    std::unique_ptr<views::MainWindow> window_;
    std::unique_ptr<DemoStack> demo_;
    QString current_;
    QObject links_; // owns the link listener
};

// Whether Qt can open a window here: a display, or a platform that needs
// none (QT_QPA_PLATFORM=offscreen, vnc, ...).
bool canShowWindows() {
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    if (!platform.isEmpty() && !platform.startsWith("xcb") && !platform.startsWith("wayland"))
        return true;
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

} // namespace

int main(int argc, char** argv) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The meshdeck console. Without --attach it runs its own mesh on 127.0.0.1."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption attach(
        QStringLiteral("attach"),
        QStringLiteral("Connect to the meshd at URL instead of running one."),
        QStringLiteral("URL"));
    const QCommandLineOption token(QStringLiteral("token"),
                                   QStringLiteral("Token for --attach (default: $MESHDECK_TOKEN)."),
                                   QStringLiteral("TOKEN"));
    const QCommandLineOption insecure(QStringLiteral("insecure"),
                                      QStringLiteral("Accept a self-signed TLS certificate."));
    const QCommandLineOption data(QStringLiteral("data"),
                                  QStringLiteral("Data dir of the embedded mesh."),
                                  QStringLiteral("DIR"));
    const QCommandLineOption demo(
        QStringLiteral("demo"), QStringLiteral("Publish a simulated martech stack into the mesh."));
    parser.addOptions({attach, token, insecure, data, demo});
    parser.addPositionalArgument(
        QStringLiteral("link"),
        QStringLiteral("A meshdeck:// link to open (meshdeck://trace/lead:L-1076)."),
        QStringLiteral("[link]"));

    // --help and --version answer on a terminal without a display: they are
    // read before the GUI application exists, which would need one.
    {
        QCoreApplication probe(argc, argv);
        QCoreApplication::setApplicationVersion(QStringLiteral(MESHDECK_VERSION));
        const bool parsed = parser.parse(QCoreApplication::arguments());
        if (parser.isSet(help) || parser.isSet(version))
            parser.process(probe); // prints and exits
        // With a display, QApplication takes its own options (-style, ...)
        // out first, and the parse below reports what is left.
        if (!parsed && !canShowWindows()) {
            std::fprintf(stderr, "meshdeck: %s\n\n%s", qPrintable(parser.errorText()),
                         qPrintable(parser.helpText()));
            return 2;
        }
    }
    if (!canShowWindows()) {
        std::fprintf(stderr, "%s",
                     "meshdeck: no display to open the console on (DISPLAY and WAYLAND_DISPLAY "
                     "are unset).\n"
                     "  Without a display, run the broker alone: meshd --data DIR [--demo]\n"
                     "  (packaging/run.sh does so by itself), and attach a console from a "
                     "machine with one:\n"
                     "  meshdeck --attach http://HOST:8787 --token TOKEN\n");
        return 1;
    }

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("meshdeck"));
    QApplication::setApplicationName(QStringLiteral("meshdeck"));
    QApplication::setApplicationVersion(QStringLiteral(MESHDECK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("meshdeck"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/meshdeck/meshdeck.svg")));

    parser.process(app);
    views::MainWindow::applyTheme(views::MainWindow::savedTheme());

    // A link goes to the console already running, when there is one.
    QUrl link;
    if (!parser.positionalArguments().isEmpty()) {
        link = QUrl(parser.positionalArguments().constFirst());
        if (!isConsoleLink(link)) {
            std::fprintf(stderr,
                         "meshdeck: '%s' is not a console link (meshdeck://trace/ID or "
                         "meshdeck://search/ID)\n",
                         qPrintable(parser.positionalArguments().constFirst()));
            return 2;
        }
        if (forwardToRunningConsole(link))
            return 0;
    }

    if (parser.isSet(attach)) {
        QByteArray secret = parser.value(token).toUtf8();
        if (secret.isEmpty())
            secret = qgetenv("MESHDECK_TOKEN");
        if (secret.isEmpty()) {
            std::fprintf(stderr, "meshdeck: --attach needs --token TOKEN or MESHDECK_TOKEN\n");
            return 2;
        }
        const QUrl url(parser.value(attach));
        if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")) {
            std::fprintf(stderr, "meshdeck: --attach needs an http:// or https:// URL, got '%s'\n",
                         qPrintable(parser.value(attach)));
            return 2;
        }
        Console console(nullptr);
        console.open(url.host(), url, secret, parser.isSet(insecure));
        if (parser.isSet(demo))
            console.startDemo();
        console.listenForLinks(link);
        return QApplication::exec();
    }

    const QString dir =
        parser.isSet(data) ? parser.value(data)
                           : QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                                 QStringLiteral("/meshdeck/embedded");
    std::unique_ptr<EmbeddedMesh> embedded;
    try {
        embedded = std::make_unique<EmbeddedMesh>(dir);
    } catch (const std::exception& e) {
        const QString message = QStringLiteral("The embedded mesh could not start:\n%1")
                                    .arg(QString::fromUtf8(e.what()));
        std::fprintf(stderr, "meshdeck: %s\n", qPrintable(message));
        QMessageBox::critical(nullptr, QStringLiteral("meshdeck"), message);
        return 1;
    }
    Console console(std::move(embedded));
    console.openEmbedded();
    if (parser.isSet(demo))
        console.startDemo();
    console.listenForLinks(link);
    return QApplication::exec();
}
