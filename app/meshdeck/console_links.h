#pragma once
// meshdeck:// links: the Trace page's "Copy link" gives
//   meshdeck://trace/<correlation id or kind:id>[?tenant=T]
// and a search link is meshdeck://search/<any id>. The .desktop file
// registers the scheme, so a link opened from a chat or a ticket starts the
// console on it - or, when a console is already running, hands the link to
// that one (a local socket per user) instead of starting a second.

#include <QString>
#include <QUrl>
#include <functional>

class QObject;

namespace meshdeck::views {
class MainWindow;
class MeshSession;
} // namespace meshdeck::views

namespace meshdeck {

// Whether text is a meshdeck:// link this console opens.
bool isConsoleLink(const QUrl& url);

// Shows what the link names in the window's Trace page, once the session
// is online. False (and nothing shown) for a link it does not know.
bool openConsoleLink(views::MainWindow& window, views::MeshSession& session, const QUrl& url);

// Hands the link to a console already running for this user; false when
// there is none.
bool forwardToRunningConsole(const QUrl& url);

// Listens for links handed over by later starts; `open` is called with each.
void listenForConsoleLinks(QObject* owner, std::function<void(const QUrl&)> open);

} // namespace meshdeck
