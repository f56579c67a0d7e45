#pragma once
// One page of the console (Events, Catalog, ...). Pages talk to the mesh only
// through the session, never block the GUI thread, and refresh when shown.

#include "views/session/mesh_session.h"

#include <QIcon>
#include <QWidget>

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
