// meshdeck: the console. By default it runs its own broker in-process (data
// under the user's data dir, 127.0.0.1 on an ephemeral port) and connects to
// it; --attach connects the same way to a remote meshd.

#include "demo_stack.h"
#include "embedded_mesh.h"
#include "views/catalog/catalog_page.h"
#include "views/console/main_window.h"
#include "views/console/record_list_page.h"
#include "views/events/events_page.h"
#include "views/overview/overview_page.h"
#include "views/session/http_transport.h"
#include "views/session/mesh_session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QStandardPaths>
#include <QStyle>
#include <cstdio>
#include <memory>

using namespace meshdeck;

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("meshdeck"));
    QApplication::setApplicationName(QStringLiteral("meshdeck"));
    QApplication::setApplicationVersion(QStringLiteral(MESHDECK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("meshdeck"));

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

    std::unique_ptr<EmbeddedMesh> embedded;
    std::unique_ptr<views::HttpTransport> transport;
    QString meshName;
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
        transport = std::make_unique<views::HttpTransport>(url, secret);
        transport->setIgnoreTlsErrors(parser.isSet(insecure));
        meshName = url.host();
    } else {
        const QString dir =
            parser.isSet(data)
                ? parser.value(data)
                : QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                      QStringLiteral("/meshdeck/embedded");
        try {
            embedded = std::make_unique<EmbeddedMesh>(dir);
        } catch (const std::exception& e) {
            const QString message = QStringLiteral("The embedded mesh could not start:\n%1")
                                        .arg(QString::fromUtf8(e.what()));
            std::fprintf(stderr, "meshdeck: %s\n", qPrintable(message));
            QMessageBox::critical(nullptr, QStringLiteral("meshdeck"), message);
            return 1;
        }
        transport =
            std::make_unique<views::HttpTransport>(QUrl(embedded->url()), embedded->adminToken());
        meshName = QStringLiteral("Embedded mesh");
    }

    views::MeshSession session(std::move(transport));
    views::MainWindow window(session, meshName);
    auto* overview = new views::OverviewPage(session, &window);
    QObject::connect(overview, &views::OverviewPage::pageRequested, &window,
                     &views::MainWindow::showPageTitled);
    window.addPage(overview);
    window.addPage(new views::EventsPage(session, &window));
    window.addPage(new views::CatalogPage(session, &window));
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
    auto* audit =
        new views::RecordListPage(session, QStringLiteral("Audit"),
                                  QStringLiteral("/v1/audit?limit=500"), QStringLiteral("entries"),
                                  {{QStringLiteral("When"), QStringLiteral("at")},
                                   {QStringLiteral("Actor"), QStringLiteral("actor")},
                                   {QStringLiteral("Action"), QStringLiteral("action")},
                                   {QStringLiteral("Target"), QStringLiteral("target")},
                                   {QStringLiteral("Detail"), QStringLiteral("detail")}},
                                  QStringLiteral("No operator or admin actions yet."), &window);
    audit->setIcon(window.style()->standardIcon(QStyle::SP_FileDialogContentsView));
    window.addPage(audit);
    session.open();

    std::unique_ptr<DemoStack> demoStack;
    if (parser.isSet(demo)) {
        demoStack = std::make_unique<DemoStack>(session, QStringLiteral("acme"));
        demoStack->start();
    }
    window.show();
    const int status = QApplication::exec();
    demoStack.reset();
    return status;
}
