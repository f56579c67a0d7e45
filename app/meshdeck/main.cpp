// meshdeck: the console. By default it runs its own broker in-process (data
// under the user's data dir, 127.0.0.1 on an ephemeral port) and connects to
// it; --attach connects the same way to a remote meshd, and Mesh >
// Connections switches between the embedded mesh and saved ones.

#include "demo_stack.h"
#include "embedded_mesh.h"
#include "views/catalog/catalog_page.h"
#include "views/connections/connection_store.h"
#include "views/connections/connections_dialog.h"
#include "views/console/main_window.h"
#include "views/console/record_list_page.h"
#include "views/consumers/consumers_page.h"
#include "views/dlq/dead_letters_page.h"
#include "views/events/events_page.h"
#include "views/overview/overview_page.h"
#include "views/session/http_transport.h"
#include "views/session/mesh_session.h"
#include "views/trace/trace_page.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QShortcut>
#include <QStandardPaths>
#include <QStyle>
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
        addPages(*window_, *session_);
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

    void startDemo() {
        demo_ = std::make_unique<DemoStack>(*session_, QStringLiteral("acme"));
        demo_->start();
    }

private:
    static void addPages(views::MainWindow& window, views::MeshSession& session) {
        auto* overview = new views::OverviewPage(session, &window);
        QObject::connect(overview, &views::OverviewPage::pageRequested, &window,
                         &views::MainWindow::showPageTitled);
        window.addPage(overview);
        window.addPage(new views::EventsPage(session, &window));
        window.addPage(new views::CatalogPage(session, &window));
        auto* consumers = new views::ConsumersPage(session, &window);
        window.addPage(consumers);
        auto* deadLetters = new views::DeadLettersPage(session, &window);
        window.addPage(deadLetters);
        QObject::connect(consumers, &views::ConsumersPage::deadLettersRequested, &window,
                         [&window, deadLetters](const QString& consumer) {
                             window.showPageTitled(deadLetters->title());
                             deadLetters->showConsumer(consumer);
                         });
        auto* trace = new views::TracePage(session, &window);
        window.addPage(trace);
        // Ctrl+K: "where is this journey?" from anywhere.
        auto* find = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_K), &window);
        QObject::connect(find, &QShortcut::activated, &window, [&window, trace] {
            window.showPageTitled(trace->title());
            trace->focusSearch();
        });
        auto* quarantine = new views::RecordListPage(
            session, QStringLiteral("Quarantine"), QStringLiteral("/v1/quarantine?limit=500"),
            QStringLiteral("entries"),
            {{QStringLiteral("Received"), QStringLiteral("received_at")},
             {QStringLiteral("Tenant"), QStringLiteral("tenant")},
             {QStringLiteral("Source"), QStringLiteral("source")},
             {QStringLiteral("Status"), QStringLiteral("status")},
             {QStringLiteral("Reason"), QStringLiteral("reason")},
             {QStringLiteral("Where"), QStringLiteral("problem/violations/0/path")},
             {QStringLiteral("First problem"), QStringLiteral("problem/violations/0/message")},
             {QStringLiteral("Answer"), QStringLiteral("problem/detail")}},
            QStringLiteral("Nothing was rejected: every input so far met its contract."), &window);
        quarantine->setIcon(window.style()->standardIcon(QStyle::SP_MessageBoxWarning));
        window.addPage(quarantine);
        auto* audit = new views::RecordListPage(
            session, QStringLiteral("Audit"), QStringLiteral("/v1/audit?limit=500"),
            QStringLiteral("entries"),
            {{QStringLiteral("When"), QStringLiteral("at")},
             {QStringLiteral("Actor"), QStringLiteral("actor")},
             {QStringLiteral("Action"), QStringLiteral("action")},
             {QStringLiteral("Target"), QStringLiteral("target")},
             {QStringLiteral("Detail"), QStringLiteral("detail")}},
            QStringLiteral("No operator or admin actions yet."), &window);
        audit->setIcon(window.style()->standardIcon(QStyle::SP_FileDialogContentsView));
        window.addPage(audit);
    }

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
};

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("meshdeck"));
    QApplication::setApplicationName(QStringLiteral("meshdeck"));
    QApplication::setApplicationVersion(QStringLiteral(MESHDECK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("meshdeck"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/meshdeck/meshdeck.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The meshdeck console. Without --attach it runs its own mesh on 127.0.0.1."));
    parser.addHelpOption();
    parser.addVersionOption();
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
    parser.process(app);

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
    return QApplication::exec();
}
