#include "console_pages.h"

#include "views/catalog/catalog_page.h"
#include "views/console/main_window.h"
#include "views/console/record_list_page.h"
#include "views/consumers/consumers_page.h"
#include "views/dlq/dead_letters_page.h"
#include "views/events/events_page.h"
#include "views/flow/flow_page.h"
#include "views/overview/overview_page.h"
#include "views/sources/sources_page.h"
#include "views/trace/trace_page.h"

#include <QShortcut>
#include <QStyle>

namespace meshdeck {

void addConsolePages(views::MainWindow& window, views::MeshSession& session) {
    auto* overview = new views::OverviewPage(session, &window);
    QObject::connect(overview, &views::OverviewPage::pageRequested, &window,
                     &views::MainWindow::showPageTitled);
    window.addPage(overview);
    auto* flow = new views::FlowPage(session, &window);
    window.addPage(flow);
    // Where events come from, before the events themselves: the vendors'
    // webhooks, their URLs and counts, and the playground for their bodies.
    window.addPage(new views::SourcesPage(session, &window));
    auto* events = new views::EventsPage(session, &window);
    window.addPage(events);
    window.addPage(new views::CatalogPage(session, &window));
    auto* consumers = new views::ConsumersPage(session, &window);
    window.addPage(consumers);
    // From a node or an edge of the flow map to its events or its consumer.
    QObject::connect(flow, &views::FlowPage::eventsRequested, &window,
                     [&window, events](const views::EventFilter& filter) {
                         window.showPageTitled(events->title());
                         events->showFilter(filter);
                     });
    QObject::connect(flow, &views::FlowPage::consumerRequested, &window,
                     [&window, consumers](const QString& consumer) {
                         window.showPageTitled(consumers->title());
                         consumers->selectConsumer(consumer);
                     });
    auto* deadLetters = new views::DeadLettersPage(session, &window);
    window.addPage(deadLetters);
    QObject::connect(consumers, &views::ConsumersPage::deadLettersRequested, &window,
                     [&window, deadLetters](const QString& consumer) {
                         window.showPageTitled(deadLetters->title());
                         deadLetters->showConsumer(consumer);
                     });
    auto* trace = new views::TracePage(session, &window);
    window.addPage(trace);
    QObject::connect(events, &views::EventsPage::traceRequested, &window,
                     [&window, trace](const QString& correlationId) {
                         window.showPageTitled(trace->title());
                         trace->trace(correlationId);
                     });
    // Ctrl+K: "where is this journey?" from anywhere.
    auto* find = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_K), &window);
    QObject::connect(find, &QShortcut::activated, &window, [&window, trace] {
        window.showPageTitled(trace->title());
        trace->focusSearch();
    });
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
