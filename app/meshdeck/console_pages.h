#pragma once
// The console's pages in their order (Ctrl+1...), and the links between them:
// a tile to its page, a flow-map node to its events or consumer, an event to
// its trace, a consumer to its dead letters, the toolbar's search (Ctrl+K)
// to the Trace page's verdict, and the verdict to what it names.

namespace meshdeck::views {
class MainWindow;
class MeshSession;
} // namespace meshdeck::views

namespace meshdeck {

void addConsolePages(views::MainWindow& window, views::MeshSession& session);

} // namespace meshdeck
