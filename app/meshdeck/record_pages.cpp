#include "record_pages.h"

#include "views/console/main_window.h"
#include "views/console/record_list_page.h"
#include "views/quarantine/quarantine_page.h"

#include <QStyle>

namespace meshdeck {

void addRecordPages(views::MainWindow& window, views::MeshSession& session) {
    window.addPage(new views::QuarantinePage(session, &window));
    auto* audit =
        new views::RecordListPage(session, QStringLiteral("Audit"),
                                  QStringLiteral("/v1/audit?limit=500"), QStringLiteral("entries"),
                                  {{QStringLiteral("When"), QStringLiteral("at"), /*time=*/true},
                                   {QStringLiteral("Actor"), QStringLiteral("actor_name")},
                                   {QStringLiteral("Token"), QStringLiteral("actor")},
                                   {QStringLiteral("Action"), QStringLiteral("action")},
                                   {QStringLiteral("Target"), QStringLiteral("target")},
                                   {QStringLiteral("Detail"), QStringLiteral("detail")}},
                                  QStringLiteral("No operator or admin actions yet."), &window);
    audit->setIcon(views::Page::bundledIcon(&window, QStringLiteral("audit"),
                                            QStyle::SP_FileDialogContentsView));
    window.addPage(audit);
}

} // namespace meshdeck
