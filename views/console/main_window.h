#pragma once
// The console's window: a page list on the left, the current page, and a
// status bar with the mesh, its version, the connection state and the
// round-trip time. Ctrl+1..9 switch pages; the window's geometry and the
// last page are restored on the next start.

#include "views/session/mesh_session.h"

#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace meshdeck::views {

class Page;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    MainWindow(MeshSession& session, QString meshName, QWidget* parent = nullptr);

    // Takes ownership; pages appear in the order added.
    void addPage(Page* page);
    void showPage(int index);
    void showPageTitled(const QString& title);
    int pageCount() const;
    Page* page(int index) const;
    Page* currentPage() const;

Q_SIGNALS:
    // Mesh > Connections... was chosen.
    void connectionsRequested();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void updateStatus();
    void restoreState();

    MeshSession& session_;
    QString meshName_;
    QListWidget* pageList_;
    QStackedWidget* pages_;
    QLabel* meshLabel_;
    QLabel* stateLabel_;
    QLabel* roundTripLabel_;
};

} // namespace meshdeck::views
