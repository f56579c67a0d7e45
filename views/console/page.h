#pragma once
// One page of the console (Events, Catalog, ...). Pages talk to the mesh only
// through the session, never block the GUI thread, and refresh when shown.

#include "views/session/mesh_session.h"

#include <QFile>
#include <QIcon>
#include <QStyle>
#include <QWidget>

class QLineEdit;

namespace meshdeck::views {

class Page : public QWidget {
    Q_OBJECT

public:
    Page(MeshSession& session, QWidget* parent) : QWidget(parent), session_(session) {}

    virtual QString title() const = 0;
    virtual QIcon icon() const { return {}; }
    // Called when the page becomes visible, and when the session comes
    // (back) online while it is visible: fetch what it shows.
    virtual void activate() {}
    // The field a person types into first on this page (the search or
    // filter), focused when the page is opened by its Ctrl+number shortcut.
    virtual QLineEdit* searchField() const { return nullptr; }

    // The page's SVG icon from the console's resources (":/meshdeck/NAME.svg");
    // where they are not linked in (tests), a stock icon of the style.
    static QIcon bundledIcon(const QWidget* widget, const QString& name,
                             QStyle::StandardPixmap fallback) {
        const QString path = QStringLiteral(":/meshdeck/%1.svg").arg(name);
        return QFile::exists(path) ? QIcon(path) : widget->style()->standardIcon(fallback);
    }

protected:
    MeshSession& session() const { return session_; }
    // Empty when this token may act; else why not, for a disabled button's tooltip.
    QString readOnlyReason() const {
        return session_.mayChange()
                   ? QString()
                   : QStringLiteral(
                         "This token's role (%1) may only look; operators and admins act.")
                         .arg(session_.role());
    }

private:
    MeshSession& session_;
};

} // namespace meshdeck::views
