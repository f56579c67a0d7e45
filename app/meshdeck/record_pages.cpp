#include "record_pages.h"

#include "views/console/main_window.h"
#include "views/console/record_list_page.h"

#include <QStyle>

namespace meshdeck {

void addRecordPages(views::MainWindow& window, views::MeshSession& session) {
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
    quarantine->setIcon(views::Page::bundledIcon(&window, QStringLiteral("quarantine"),
                                                 QStyle::SP_MessageBoxWarning));
    window.addPage(quarantine);
    auto* audit =
        new views::RecordListPage(session, QStringLiteral("Audit"),
                                  QStringLiteral("/v1/audit?limit=500"), QStringLiteral("entries"),
                                  {{QStringLiteral("When"), QStringLiteral("at")},
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
