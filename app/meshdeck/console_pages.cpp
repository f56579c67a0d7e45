#include "console_pages.h"

#include "record_pages.h"
#include "views/catalog/catalog_page.h"
#include "views/console/main_window.h"
#include "views/consumers/consumers_page.h"
#include "views/dlq/dead_letters_page.h"
#include "views/events/events_page.h"
#include "views/flow/flow_page.h"
#include "views/overview/overview_page.h"
#include "views/sources/sources_page.h"
#include "views/trace/trace_page.h"

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
    // The toolbar's search (Ctrl+K): any id, answered on the Trace page.
    QObject::connect(&window, &views::MainWindow::searchRequested, trace,
                     [&window, trace](const QString& query) {
                         window.showPageTitled(trace->title());
                         trace->search(query);
                     });
    // From the verdict to what it names.
    QObject::connect(trace, &views::TracePage::consumerRequested, &window,
                     [&window, consumers](const QString& consumer) {
                         window.showPageTitled(consumers->title());
                         consumers->selectConsumer(consumer);
                     });
    const auto openLetter = [&window, deadLetters](qint64 id) {
        window.showPageTitled(deadLetters->title());
        deadLetters->selectLetter(id);
    };
    QObject::connect(trace, &views::TracePage::deadLetterRequested, &window,
                     [openLetter](qint64 id, const QString&) { openLetter(id); });
    QObject::connect(trace, &views::TracePage::editRequested, &window,
                     [openLetter, deadLetters](qint64 id, const QString&) {
                         openLetter(id);
                         deadLetters->openEditorFor(id);
                     });
    QObject::connect(trace, &views::TracePage::eventsRequested, &window,
                     [&window, events](const QString& entity, const QString& tenant) {
                         window.showPageTitled(events->title());
                         views::EventFilter filter;
                         filter.entity = entity;
                         filter.tenant = tenant;
                         events->showFilter(filter);
                     });
    QObject::connect(trace, &views::TracePage::quarantineRequested, &window,
                     [&window] { window.showPageTitled(QStringLiteral("Quarantine")); });
    addRecordPages(window, session);
}

} // namespace meshdeck
