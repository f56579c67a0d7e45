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

#include <QShortcut>

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
    addRecordPages(window, session);
}

} // namespace meshdeck
