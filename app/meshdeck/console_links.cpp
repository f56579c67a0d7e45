#include "console_links.h"

#include "views/console/main_window.h"
#include "views/trace/trace_page.h"

#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QUrlQuery>

namespace meshdeck {

namespace {

// One name per user: two people on one machine each have their console.
QString socketName() {
    return QStringLiteral("meshdeck-links-%1")
        .arg(qEnvironmentVariable("USER", QStringLiteral("user")));
}

// The id in the link's path, decoded: "lead:L-1076".
QString idOf(const QUrl& url) {
    return url.path(QUrl::FullyDecoded).mid(1);
}

views::TracePage* tracePageOf(views::MainWindow& window) {
    for (int i = 0; i < window.pageCount(); ++i)
        if (auto* trace = qobject_cast<views::TracePage*>(window.page(i)))
            return trace;
    return nullptr;
}

} // namespace

bool isConsoleLink(const QUrl& url) {
    return url.scheme() == u"meshdeck" && (url.host() == u"trace" || url.host() == u"search") &&
           !idOf(url).isEmpty();
}

bool openConsoleLink(views::MainWindow& window, views::MeshSession& session, const QUrl& url) {
    views::TracePage* trace = tracePageOf(window);
    if (!isConsoleLink(url) || !trace)
        return false;
    const auto show = [window = QPointer(&window), trace = QPointer(trace), url] {
        if (!window || !trace)
            return;
        window->showPageTitled(trace->title());
        window->raise();
        window->activateWindow();
        if (url.host() == u"search")
            return trace->search(idOf(url));
        const QString id = idOf(url);
        views::TraceSubject subject;
        subject.tenant =
            QUrlQuery(url).queryItemValue(QStringLiteral("tenant"), QUrl::FullyDecoded);
        if (id.count(u':') == 1 && !id.contains(u' '))
            subject.entity = id;
        else {
            subject.correlationId = id;
            subject.journeys = {id};
        }
        trace->open(subject);
    };
    if (session.state() == views::SessionState::Online) {
        show();
        return true;
    }
    // Once, when the session is first online.
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = QObject::connect(&session, &views::MeshSession::stateChanged, &window,
                                   [show, connection](views::SessionState state) {
                                       if (state != views::SessionState::Online)
                                           return;
                                       QObject::disconnect(*connection);
                                       show();
                                   });
    return true;
}

bool forwardToRunningConsole(const QUrl& url) {
    QLocalSocket socket;
    socket.connectToServer(socketName());
    if (!socket.waitForConnected(500))
        return false;
    socket.write(url.toString(QUrl::FullyEncoded).toUtf8() + '\n');
    return socket.waitForBytesWritten(1000);
}

void listenForConsoleLinks(QObject* owner, std::function<void(const QUrl&)> open) {
    auto* server = new QLocalServer(owner);
    server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!server->listen(socketName())) {
        // Left over from a console that crashed: nobody answers on it.
        QLocalServer::removeServer(socketName());
        if (!server->listen(socketName()))
            return; // links then start a console of their own
    }
    QObject::connect(server, &QLocalServer::newConnection, server, [server, open] {
        while (QLocalSocket* client = server->nextPendingConnection()) {
            QObject::connect(client, &QLocalSocket::disconnected, client, &QObject::deleteLater);
            QObject::connect(client, &QLocalSocket::readyRead, client, [client, open] {
                while (client->canReadLine()) {
                    const QUrl url(QString::fromUtf8(client->readLine(4096).trimmed()));
                    if (isConsoleLink(url))
                        open(url);
                }
            });
        }
    });
}

} // namespace meshdeck
