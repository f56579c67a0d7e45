#pragma once
// The console's record pages: Quarantine (what was refused at ingest, and
// why) and Audit (who did what), each a list of the broker's records.

namespace meshdeck::views {
class MainWindow;
class MeshSession;
} // namespace meshdeck::views

namespace meshdeck {

void addRecordPages(views::MainWindow& window, views::MeshSession& session);

} // namespace meshdeck
