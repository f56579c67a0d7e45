#pragma once
// The console's window: a search field for any id in the toolbar (Ctrl+K),
// a page list on the left, the current page, and a status bar with the
// mesh, its version, the connection state and the round-trip time. Ctrl+1..9
// switch pages; View chooses the theme and the time zone, Help lists the
// shortcuts and opens the docs. The window's geometry, the last page and
// the theme are restored on the next start.

#include "views/session/mesh_session.h"

#include <QMainWindow>

class QLabel;
class QLineEdit;
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

    // The toolbar's search field, focused and selected (Ctrl+K).
    void focusSearch();
    QLineEdit* searchField() const { return search_; }

    // "system", "light" or "dark": the palette the console draws with.
    static void applyTheme(const QString& theme);
    static QString savedTheme();

    // What Help > Keyboard shortcuts lists, one "keys: what" per line.
    QString shortcutsText() const;
    // What Help > About says: the console's and the broker's versions.
    QString aboutText() const;

Q_SIGNALS:
    // Mesh > Connections... was chosen.
    void connectionsRequested();
    // Enter in the search field: any id, as typed.
    void searchRequested(const QString& query);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void updateStatus();
    void restoreState();
    void addViewMenu();
    void addHelpMenu();

    MeshSession& session_;
    QString meshName_;
    QLineEdit* search_;
    QListWidget* pageList_;
    QStackedWidget* pages_;
    QLabel* meshLabel_;
    QLabel* stateLabel_;
    QLabel* roundTripLabel_;
};

} // namespace meshdeck::views
