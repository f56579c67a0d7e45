// The Flow map: the pure layout (columns, order, overlaps, widths, colour
// classes), the page fed through a scripted transport and feed (updates in
// place, rebuilds on new topology, polls only while the feed is down, the
// detail pane and its buttons), and end to end against a real in-process
// broker and a webhook sink that fails the first attempt of every event.

#include "tests/delivery/delivery_fixture.h"
#include "tests/views/scripted_transport.h"
#include "views/console/main_window.h"
#include "views/consumers/consumers_page.h"
#include "views/events/event_table_model.h"
#include "views/events/events_page.h"
#include "views/flow/flow_layout.h"
#include "views/flow/flow_page.h"
#include "views/flow/flow_view.h"
#include "views/session/http_transport.h"

#include <QAbstractItemModelTester>
#include <QGraphicsPathItem>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QStackedWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <cmath>
#include <mutex>
#include <set>

using namespace meshdeck;
using namespace meshdeck::test;
using namespace meshdeck::views;
using nlohmann::json;

Q_DECLARE_METATYPE(meshdeck::views::FlowHealth)

namespace {

QString s(const char* text) {
    return QString::fromUtf8(text);
}

ProducerFlow produced(const char* producer, const char* type, double perSecond,
                      double rejectedPerSecond = 0) {
    ProducerFlow p;
    p.tenant = s("acme");
    p.producer = s(producer);
    p.type = s(type);
    p.publishedPerSecond = perSecond;
    p.rejectedPerSecond = rejectedPerSecond;
    p.published = std::llround(perSecond * 60);
    return p;
}

ConsumerFlow consumed(const char* consumer, const char* type, double perSecond,
                      double errorRatio = 0) {
    ConsumerFlow c;
    c.consumer = s(consumer);
    c.type = s(type);
    c.deliveredPerSecond = perSecond;
    c.errorRatio = errorRatio;
    c.failedPerSecond = errorRatio < 1 ? perSecond * errorRatio / (1 - errorRatio) : 1;
    c.delivered = std::llround(perSecond * 60);
    return c;
}

const FlowNode& nodeOf(const FlowLayout& layout, const QString& key) {
    const int i = layout.nodeIndex(key);
    if (i < 0)
        qFatal("no node %s", qPrintable(key));
    return layout.nodes.at(i);
}

const FlowEdge& edgeOf(const FlowLayout& layout, const QString& key) {
    const int i = layout.edgeIndex(key);
    if (i < 0)
        qFatal("no edge %s", qPrintable(key));
    return layout.edges.at(i);
}

// Names of one column's nodes, top to bottom.
QStringList column(const FlowLayout& layout, FlowNode::Kind kind) {
    QList<FlowNode> nodes;
    for (const auto& n : layout.nodes)
        if (n.kind == kind)
            nodes.append(n);
    std::sort(nodes.begin(), nodes.end(),
              [](const FlowNode& a, const FlowNode& b) { return a.rect.top() < b.rect.top(); });
    QStringList names;
    for (const auto& n : nodes)
        names << n.name;
    return names;
}

// WCAG contrast ratio between two colours.
double contrast(const QColor& a, const QColor& b) {
    auto luminance = [](const QColor& c) {
        auto channel = [](double v) {
            return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
        };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) +
               0.0722 * channel(c.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QPalette paletteOf(const char* base, const char* text) {
    QPalette p;
    p.setColor(QPalette::Base, QColor::fromString(QLatin1StringView(base)));
    p.setColor(QPalette::Text, QColor::fromString(QLatin1StringView(text)));
    return p;
}

// JSON as the broker sends it.
QJsonObject producerRow(const char* producer, const char* type, qint64 published, double perSecond,
                        qint64 rejected = 0, double rejectedPerSecond = 0) {
    return {{s("tenant"), s("acme")},
            {s("producer"), s(producer)},
            {s("type"), s(type)},
            {s("published"), published},
            {s("rejected"), rejected},
            {s("published_per_s"), perSecond},
            {s("rejected_per_s"), rejectedPerSecond},
            {s("last_at"), s("2026-11-27T17:59:59.000Z")}};
}

QJsonObject consumerRow(const char* consumer, const char* type, qint64 delivered, double perSecond,
                        qint64 failed = 0, double failedPerSecond = 0, const char* lastError = "") {
    const double attempts = perSecond + failedPerSecond;
    return {{s("consumer"), s(consumer)},
            {s("type"), s(type)},
            {s("delivered"), delivered},
            {s("failed"), failed},
            {s("dead_lettered"), 0},
            {s("delivered_per_s"), perSecond},
            {s("failed_per_s"), failedPerSecond},
            {s("dead_lettered_per_s"), 0},
            {s("error_ratio"), attempts > 0 ? failedPerSecond / attempts : 0},
            {s("last_error"), s(lastError)},
            {s("last_at"), s("2026-11-27T17:59:58.000Z")}};
}

QJsonObject flowsOf(const QJsonArray& producers, const QJsonArray& consumers) {
    return {{s("at"), s("2026-11-27T18:00:00.000Z")},
            {s("since"), s("2026-11-27T17:00:00.000Z")},
            {s("window_seconds"), 60},
            {s("producers"), producers},
            {s("consumers"), consumers}};
}

// A consumer's report as the broker writes it, all its fields there.
QJsonObject consumerState(const char* name, const char* state, bool paused = false,
                          const char* circuit = "closed") {
    protocol::ConsumerReport report;
    report.name = name;
    report.state = *protocol::parseConsumerState(state);
    report.paused = paused;
    report.circuit = *parseCircuitState(circuit);
    return QJsonDocument::fromJson(QByteArray::fromStdString(protocol::toJson(report))).object();
}

QByteArray live(const QJsonObject& flows, const QJsonArray& consumers = {}) {
    return QJsonDocument(QJsonObject{{s("type"), s("snapshot")},
                                     {s("at"), s("2026-11-27T18:00:00.000Z")},
                                     {s("last_seq"), 1},
                                     {s("consumers"), consumers},
                                     {s("flows"), flows}})
        .toJson(QJsonDocument::Compact);
}

// The map every seam test starts from: hubspot and marketo publish two types,
// crm and warehouse consume them.
QJsonObject baseFlows(double hubspotRate = 2, double crmFailedRate = 0) {
    return flowsOf(
        {producerRow("hubspot", "LeadCreated", 40, hubspotRate),
         producerRow("marketo", "LeadCreated", 12, 0.2),
         producerRow("marketo", "LeadScored", 30, 0.5, 3, 0.1)},
        {consumerRow("crm", "LeadCreated", 50, 2, 5, crmFailedRate, "HTTP 503 Service Unavailable"),
         consumerRow("warehouse", "LeadCreated", 52, 2.2),
         consumerRow("warehouse", "LeadScored", 30, 0.5)});
}

const QString kHubspotEdge = s("producer:acme/hubspot > type:LeadCreated");
const QString kCrmEdge = s("type:LeadCreated > consumer:crm");

QString labelText(const QWidget& page, const char* name) {
    return page.findChild<QLabel*>(QLatin1StringView(name))->text();
}

// A point of the item where a click lands on it and nothing else.
QPoint clickablePoint(QGraphicsView* view, QGraphicsItem* item) {
    QList<QPointF> candidates;
    if (auto* edge = dynamic_cast<QGraphicsPathItem*>(item))
        for (double t : {0.5, 0.35, 0.65, 0.2, 0.8})
            candidates << edge->mapToScene(edge->path().pointAtPercent(t));
    else
        candidates << item->sceneBoundingRect().center();
    for (const QPointF& at : candidates) {
        const QPoint p = view->mapFromScene(at);
        if (view->itemAt(p) == item)
            return p;
    }
    return {-1, -1};
}

} // namespace

class FlowPageTest : public QObject {
    Q_OBJECT

    QTemporaryDir config;

private Q_SLOTS:
    void initTestCase() {
        // MainWindow keeps its geometry and last page in QSettings: not the user's.
        qputenv("XDG_CONFIG_HOME", config.path().toUtf8());
        QCoreApplication::setOrganizationName(s("meshdeck-tests"));
        QCoreApplication::setApplicationName(s("flow-page"));
        QLocale::setDefault(QLocale::c());
    }

    void layoutPutsProducersTypesAndConsumersInColumns() {
        FlowSnapshot flows;
        flows.producers = {produced("hubspot", "LeadCreated", 2),
                           produced("hubspot", "LeadScored", 1),
                           produced("marketo", "LeadCreated", 1)};
        flows.consumers = {consumed("crm", "LeadCreated", 2),
                           consumed("warehouse", "LeadScored", 1),
                           consumed("warehouse", "LeadCreated", 1)};
        flows.conditions.insert(s("archive"), {}); // declared; nothing reached it yet
        const FlowLayout layout = layoutFlows(flows);

        QCOMPARE(layout.columns.size(), 3);
        QCOMPARE(layout.columns.at(0).title, s("Producers"));
        QCOMPARE(layout.columns.at(1).title, s("Event types"));
        QCOMPARE(layout.columns.at(2).title, s("Consumers"));
        QCOMPARE(column(layout, FlowNode::Kind::Producer).size(), 2);
        QCOMPARE(column(layout, FlowNode::Kind::EventType).size(), 2);
        QCOMPARE(column(layout, FlowNode::Kind::Consumer).size(), 3);
        QCOMPARE(layout.edges.size(), 6);

        // Each column is one x; the columns go left to right without touching.
        QHash<int, QSet<double>> lefts;
        double rightOf[3] = {-1e9, -1e9, -1e9}, leftOf[3] = {1e9, 1e9, 1e9};
        for (const auto& n : layout.nodes) {
            const int c = static_cast<int>(n.kind);
            lefts[c].insert(n.rect.left());
            rightOf[c] = std::max(rightOf[c], n.rect.right());
            leftOf[c] = std::min(leftOf[c], n.rect.left());
            QVERIFY(layout.bounds.contains(n.rect));
            QVERIFY2(n.rect.left() >= layout.columns.at(c).rect.left() &&
                         n.rect.top() > layout.columns.at(c).rect.bottom(),
                     qPrintable(n.key)); // under its heading
        }
        for (int c = 0; c < 3; ++c)
            QCOMPARE(lefts.value(c).size(), 1);
        QVERIFY(rightOf[0] < leftOf[1]);
        QVERIFY(rightOf[1] < leftOf[2]);

        // Edges leave from the right side of their source and arrive on the
        // left side of their target, inside its height.
        for (const auto& e : layout.edges) {
            const FlowNode& from = layout.nodes.at(e.from);
            const FlowNode& to = layout.nodes.at(e.to);
            QCOMPARE(from.kind, e.kind == FlowEdge::Kind::Published ? FlowNode::Kind::Producer
                                                                    : FlowNode::Kind::EventType);
            QCOMPARE(to.kind, e.kind == FlowEdge::Kind::Published ? FlowNode::Kind::EventType
                                                                  : FlowNode::Kind::Consumer);
            QCOMPARE(e.start.x(), from.rect.right());
            QCOMPARE(e.end.x(), to.rect.left());
            QVERIFY(e.start.y() > from.rect.top() && e.start.y() < from.rect.bottom());
            QVERIFY(e.end.y() > to.rect.top() && e.end.y() < to.rect.bottom());
            QCOMPARE(e.path().pointAtPercent(0), e.start);
            QCOMPARE(e.path().pointAtPercent(1), e.end);
        }
        QCOMPARE(nodeOf(layout, s("type:LeadCreated")).perSecond, 3.0); // published into it
        QCOMPARE(nodeOf(layout, s("consumer:warehouse")).perSecond, 2.0);
        QCOMPARE(nodeOf(layout, s("producer:acme/hubspot")).perSecond, 3.0);
    }

    void layoutOrdersColumnsToAvoidCrossings() {
        // By name alone, alpha -> Zeta and beta -> Alpha would cross.
        FlowSnapshot flows;
        flows.producers = {produced("alpha", "Zeta", 1), produced("beta", "Alpha", 1),
                           produced("delta", "Mid", 1), produced("charlie", "Mid", 1)};
        flows.consumers = {consumed("one", "Zeta", 1), consumed("two", "Alpha", 1),
                           consumed("three", "Mid", 1)};
        flows.conditions.insert(s("aardvark"), {}); // no edges: last, whatever its name
        const FlowLayout layout = layoutFlows(flows);
        QCOMPARE(column(layout, FlowNode::Kind::EventType),
                 (QStringList{s("Alpha"), s("Mid"), s("Zeta")}));
        // Same neighbour: by name.
        QCOMPARE(column(layout, FlowNode::Kind::Producer),
                 (QStringList{s("beta"), s("charlie"), s("delta"), s("alpha")}));
        QCOMPARE(column(layout, FlowNode::Kind::Consumer),
                 (QStringList{s("two"), s("three"), s("one"), s("aardvark")}));
        for (const auto& a : layout.edges)
            for (const auto& b : layout.edges)
                if (a.kind == b.kind && a.key != b.key)
                    QVERIFY2((a.start.y() - b.start.y()) * (a.end.y() - b.end.y()) >= 0,
                             qPrintable(a.key + u" crosses " + b.key));
    }

    void layoutNeverOverlapsNodes_data() {
        QTest::addColumn<int>("producers");
        QTest::addColumn<int>("types");
        QTest::addColumn<int>("consumers");
        QTest::addColumn<int>("nameLength");
        QTest::addRow("one flow") << 1 << 1 << 1 << 8;
        QTest::addRow("fan out: 1 type to 14 consumers") << 1 << 1 << 14 << 8;
        QTest::addRow("fan in: 12 producers to 1 type") << 12 << 1 << 1 << 8;
        QTest::addRow("mesh 5 x 7 x 6") << 5 << 7 << 6 << 12;
        QTest::addRow("long names") << 3 << 4 << 3 << 80;
    }

    void layoutNeverOverlapsNodes() {
        QFETCH(int, producers);
        QFETCH(int, types);
        QFETCH(int, consumers);
        QFETCH(int, nameLength);
        auto name = [nameLength](const char* prefix, int i) {
            return QString(QString::fromLatin1(prefix) + QString::number(i))
                .leftJustified(nameLength, u'x');
        };
        FlowSnapshot flows;
        for (int p = 0; p < producers; ++p)
            for (int t = p % types; t < types; t += 2) {
                ProducerFlow f = produced("", "", 1.0 + p);
                f.producer = name("producer-", p);
                f.type = name("Type", t);
                flows.producers.append(f);
            }
        for (int c = 0; c < consumers; ++c)
            for (int t = c % types; t < types; t += 3) {
                ConsumerFlow f = consumed("", "", 0.5 * c);
                f.consumer = name("consumer-", c);
                f.type = name("Type", t);
                flows.consumers.append(f);
            }
        const FlowLayout layout = layoutFlows(flows);
        QCOMPARE(layout.nodes.size(), producers + types + consumers);
        for (int i = 0; i < layout.nodes.size(); ++i) {
            const QRectF a = layout.nodes.at(i).rect;
            QVERIFY(a.width() > 0 && a.height() > 0);
            QVERIFY(layout.bounds.contains(a));
            for (int j = i + 1; j < layout.nodes.size(); ++j) {
                const QRectF b = layout.nodes.at(j).rect;
                QVERIFY2(!a.intersects(b), qPrintable(layout.nodes.at(i).key + u" overlaps " +
                                                      layout.nodes.at(j).key));
                // Room for a badge on the lower one's top edge.
                if (a.left() == b.left())
                    QVERIFY(std::abs(a.top() - b.top()) >= std::min(a.height(), b.height()) + 16);
            }
        }
        // Every edge has its own port on each side.
        QHash<QString, QSet<double>> ports;
        for (const auto& e : layout.edges) {
            QVERIFY(!ports[u"out " + layout.nodes.at(e.from).key].contains(e.start.y()));
            ports[u"out " + layout.nodes.at(e.from).key].insert(e.start.y());
            QVERIFY(!ports[u"in " + layout.nodes.at(e.to).key].contains(e.end.y()));
            ports[u"in " + layout.nodes.at(e.to).key].insert(e.end.y());
        }
    }

    void edgeWidthGrowsWithTheRate() {
        const QList<double> rates = {0, 0.01, 0.1, 0.5, 1, 2, 5, 12.5, 50, 100};
        double previous = 0;
        for (double rate : rates) {
            const double w = edgeWidth(rate);
            QVERIFY2(w > previous, qPrintable(QString::number(rate)));
            QVERIFY(w >= 1 && w <= 14);
            previous = w;
        }
        QCOMPARE(edgeWidth(0), 1.0);
        QVERIFY(edgeWidth(1) < 2 * edgeWidth(0.1) + 2); // logarithmic, not linear
        QCOMPARE(edgeWidth(1e6), 14.0);

        // In a layout: the busier edge is the wider; a still one is thin and idle (dashed).
        FlowSnapshot flows;
        flows.producers = {produced("hubspot", "LeadCreated", 12.5),
                           produced("marketo", "LeadCreated", 0.3),
                           produced("typeform", "LeadCreated", 0)};
        const FlowLayout layout = layoutFlows(flows);
        const FlowEdge& busy = edgeOf(layout, s("producer:acme/hubspot > type:LeadCreated"));
        const FlowEdge& quiet = edgeOf(layout, s("producer:acme/marketo > type:LeadCreated"));
        const FlowEdge& still = edgeOf(layout, s("producer:acme/typeform > type:LeadCreated"));
        QVERIFY(busy.width > quiet.width);
        QVERIFY(quiet.width > still.width);
        QCOMPARE(still.width, 1.0);
        QCOMPARE(still.health, FlowHealth::Idle);
        QCOMPARE(formatRate(12.5), s("12.5/s"));
        QCOMPARE(formatRate(0), s("0/s"));
        QCOMPARE(formatRate(0.01), s("<0.1/s"));
    }

    void healthClassesAtTheThresholds_data() {
        QTest::addColumn<double>("ratio");
        QTest::addColumn<double>("rate");
        QTest::addColumn<FlowHealth>("health");
        QTest::addRow("nothing flowing") << 0.0 << 0.0 << FlowHealth::Idle;
        QTest::addRow("no errors") << 0.0 << 5.0 << FlowHealth::Healthy;
        QTest::addRow("0.99 %%: green") << 0.0099 << 5.0 << FlowHealth::Healthy;
        QTest::addRow("1 %%: amber") << 0.01 << 5.0 << FlowHealth::Degraded;
        QTest::addRow("5 %%: amber") << 0.05 << 5.0 << FlowHealth::Degraded;
        QTest::addRow("10 %%: amber") << 0.10 << 5.0 << FlowHealth::Degraded;
        QTest::addRow("10.01 %%: red") << 0.1001 << 5.0 << FlowHealth::Failing;
        QTest::addRow("all failing") << 1.0 << 0.1 << FlowHealth::Failing;
    }

    void healthClassesAtTheThresholds() {
        QFETCH(double, ratio);
        QFETCH(double, rate);
        QFETCH(FlowHealth, health);
        QCOMPARE(healthOf(ratio, rate), health);
    }

    void edgesTakeTheirErrorRatios() {
        FlowSnapshot flows;
        flows.producers = {produced("hubspot", "LeadCreated", 9, 1),    // 10 % of inputs rejected
                           produced("marketo", "LeadCreated", 0, 0.5)}; // everything rejected
        flows.consumers = {consumed("crm", "LeadCreated", 3, 0.25),
                           consumed("warehouse", "LeadCreated", 3, 0.005)};
        const FlowLayout layout = layoutFlows(flows);
        const FlowEdge& hubspot = edgeOf(layout, s("producer:acme/hubspot > type:LeadCreated"));
        QCOMPARE(hubspot.errorRatio, 0.1);
        QCOMPARE(hubspot.health, FlowHealth::Degraded);
        QCOMPARE(hubspot.perSecond, 10.0); // inputs, rejected ones included
        const FlowEdge& marketo = edgeOf(layout, s("producer:acme/marketo > type:LeadCreated"));
        QCOMPARE(marketo.health, FlowHealth::Failing);
        QVERIFY(marketo.width > 1); // a refused stream is drawn, in red
        QCOMPARE(edgeOf(layout, s("type:LeadCreated > consumer:crm")).health, FlowHealth::Failing);
        QCOMPARE(edgeOf(layout, s("type:LeadCreated > consumer:warehouse")).health,
                 FlowHealth::Healthy);
    }

    void healthColoursReadOnLightAndDarkPalettes() {
        for (const QPalette& palette :
             {paletteOf("#ffffff", "#000000"), paletteOf("#1e1e1e", "#e6e6e6")}) {
            const QColor base = palette.color(QPalette::Base);
            QSet<QRgb> seen;
            for (FlowHealth h : {FlowHealth::Idle, FlowHealth::Healthy, FlowHealth::Degraded,
                                 FlowHealth::Failing}) {
                const QColor c = healthColour(h, palette);
                QVERIFY2(contrast(c, base) >= 3.0, qPrintable(QStringLiteral("%1 on %2: %3")
                                                                  .arg(c.name(), base.name())
                                                                  .arg(contrast(c, base))));
                seen.insert(c.rgb());
            }
            QCOMPARE(seen.size(), 4);
        }
        // The idle grey comes from the palette, not a constant.
        QVERIFY(healthColour(FlowHealth::Idle, paletteOf("#ffffff", "#000000")) !=
                healthColour(FlowHealth::Idle, paletteOf("#1e1e1e", "#e6e6e6")));
    }

    void pageUpdatesInPlaceAndRebuildsOnNewTopology() {
        auto transport = std::make_unique<ScriptedTransport>();
        ScriptedTransport* t = transport.get();
        MeshSession session(std::move(transport));
        FlowPage page(session);
        page.resize(1100, 700);
        page.show();
        page.activate();
        QVERIFY(t->feed);
        t->feed->setConnected(true);
        t->feed->push(live(baseFlows(2), {consumerState("crm", "running")}));
        FlowView* view = page.view();
        QTRY_VERIFY(view->itemFor(kCrmEdge));
        QVERIFY(page.live());
        QVERIFY(labelText(page, "flowStatus").contains(s("live")));

        QStringList keys;
        for (const auto& n : view->layoutData().nodes)
            keys << n.key;
        for (const auto& e : view->layoutData().edges)
            keys << e.key;
        QHash<QString, QGraphicsItem*> items;
        for (const QString& key : keys) {
            items.insert(key, view->itemFor(key));
            view->itemFor(key)->setData(1, s("first drawing"));
        }
        const qsizetype sceneItems = view->scene()->items().size();
        page.select(kCrmEdge);
        QCOMPARE(labelText(page, "flowDetailTitle"), s("LeadCreated → crm"));
        // The user zooms in and scrolls: updates must leave that alone.
        view->scale(2, 2);
        view->horizontalScrollBar()->setValue(view->horizontalScrollBar()->maximum() / 2);
        view->verticalScrollBar()->setValue(view->verticalScrollBar()->maximum() / 3);
        const QTransform transform = view->transform();
        const int h = view->horizontalScrollBar()->value();
        const int v = view->verticalScrollBar()->value();

        // Same topology, new rates, crm failing and paused: restyled in place.
        t->feed->push(live(baseFlows(12.5, 1), {consumerState("crm", "paused", true)}));
        QTRY_COMPARE(edgeOf(view->layoutData(), kHubspotEdge).perSecond, 12.5);
        for (const QString& key : keys) {
            QCOMPARE(view->itemFor(key), items.value(key));
            QCOMPARE(view->itemFor(key)->data(1).toString(), s("first drawing"));
        }
        QCOMPARE(view->scene()->items().size(), sceneItems);
        auto* hubspot = static_cast<QGraphicsPathItem*>(view->itemFor(kHubspotEdge));
        QCOMPARE(hubspot->pen().widthF(), edgeWidth(12.5));
        auto* crm = static_cast<QGraphicsPathItem*>(view->itemFor(kCrmEdge));
        QCOMPARE(crm->pen().color(), healthColour(FlowHealth::Failing, view->palette()));
        QCOMPARE(nodeOf(view->layoutData(), s("consumer:crm")).badge, s("paused"));
        QVERIFY(view->itemFor(s("consumer:crm"))->toolTip().contains(s("paused")));
        QCOMPARE(view->transform(), transform);
        QCOMPARE(view->horizontalScrollBar()->value(), h);
        QCOMPARE(view->verticalScrollBar()->value(), v);
        // The selection stays, and its details follow the new numbers.
        QCOMPARE(view->selectedKey(), kCrmEdge);
        QVERIFY(labelText(page, "flowDetail").contains(s("Failed attempts: 5 in total · 1.0/s")));
        QVERIFY(labelText(page, "flowDetail").contains(s("Consumer state: paused")));

        // A new consumer: a new scene, the selection kept by key.
        QJsonObject more = baseFlows(12.5, 1);
        QJsonArray consumers = more.value(s("consumers")).toArray();
        consumers.append(consumerRow("slack", "LeadScored", 3, 0.1));
        more.insert(s("consumers"), consumers);
        t->feed->push(live(more));
        QTRY_VERIFY(view->itemFor(s("type:LeadScored > consumer:slack")));
        QVERIFY(!view->itemFor(kHubspotEdge)->data(1).isValid()); // drawn anew
        QCOMPARE(view->selectedKey(), kCrmEdge);

        // The selected edge goes away: so does the selection.
        t->feed->push(live(flowsOf({producerRow("hubspot", "LeadCreated", 40, 2)}, {})));
        QTRY_VERIFY(!view->itemFor(kCrmEdge));
        QVERIFY(view->selectedKey().isEmpty());
        QCOMPARE(labelText(page, "flowDetailTitle"), s("Nothing selected"));
    }

    void pagePollsOnlyWhileTheFeedIsDown() {
        auto transport = std::make_unique<ScriptedTransport>();
        ScriptedTransport* t = transport.get();
        t->answers.insert(s("/v1/flows"), QJsonDocument(baseFlows()).toJson());
        t->answers.insert(
            s("/v1/consumers"),
            QJsonDocument(QJsonObject{{s("last_seq"), 1},
                                      {s("consumers"), QJsonArray{consumerState(
                                                           "crm", "circuit-open", false, "open")}}})
                .toJson());
        MeshSession session(std::move(transport));
        FlowPage page(session);
        page.show();
        page.activate(); // the feed is not up
        QTRY_VERIFY(page.view()->itemFor(kCrmEdge));
        QTRY_COMPARE(nodeOf(page.view()->layoutData(), s("consumer:crm")).badge, s("circuit open"));
        QVERIFY(labelText(page, "flowStatus").contains(s("polled every 2 s")));
        QTRY_VERIFY_WITH_TIMEOUT(t->count("/v1/flows") >= 2, 5000);

        t->feed->setConnected(true);
        const qsizetype polls = t->count("/v1/flows");
        QTest::qWait(2600); // longer than the poll interval
        QCOMPARE(t->count("/v1/flows"), polls);

        t->feed->setConnected(false);
        QTRY_VERIFY_WITH_TIMEOUT(t->count("/v1/flows") > polls, 5000);
        page.hide();
        const qsizetype hidden = t->count("/v1/flows");
        QTest::qWait(2600);
        QCOMPARE(t->count("/v1/flows"), hidden);
    }

    void emptyMeshExplainsItself() {
        auto transport = std::make_unique<ScriptedTransport>();
        ScriptedTransport* t = transport.get();
        MeshSession session(std::move(transport));
        FlowPage page(session);
        page.show();
        page.activate();
        t->feed->setConnected(true);
        t->feed->push(live(flowsOf({}, {}), {consumerState("crm", "running")}));
        auto* stack = page.findChild<QStackedWidget*>(s("flowStack"));
        auto* empty = page.findChild<QLabel*>(s("flowEmptyState"));
        QTRY_VERIFY(empty->text().startsWith(
            s("No events have flowed since the broker started (2026-11-27 17:00:00.000 UTC).")));
        QCOMPARE(stack->currentWidget(), empty);
        QVERIFY(page.view()->layoutData().nodes.isEmpty());

        t->feed->push(live(baseFlows()));
        QTRY_COMPARE(stack->currentWidget(), page.view());
    }

    void detailPaneLeadsToEventsAndConsumers() {
        auto transport = std::make_unique<ScriptedTransport>();
        ScriptedTransport* t = transport.get();
        MeshSession session(std::move(transport));
        FlowPage page(session);
        page.resize(1100, 700);
        page.show();
        page.activate();
        t->feed->setConnected(true);
        t->feed->push(live(baseFlows(2, 0.5), {consumerState("crm", "running")}));
        QTRY_VERIFY(page.view()->itemFor(kHubspotEdge));
        QList<EventFilter> asked;
        QStringList consumers;
        connect(&page, &FlowPage::eventsRequested, this,
                [&asked](const EventFilter& filter) { asked << filter; });
        connect(&page, &FlowPage::consumerRequested, this,
                [&consumers](const QString& name) { consumers << name; });
        auto* showEvents = page.findChild<QPushButton*>(s("showEventsButton"));
        auto* consumerDetails = page.findChild<QPushButton*>(s("consumerDetailsButton"));
        QVERIFY(!showEvents->isVisible()); // nothing selected yet
        QVERIFY(labelText(page, "flowDetail").startsWith(s("Click a producer")));

        // A producer edge: its type and producer.
        const QPoint at = clickablePoint(page.view(), page.view()->itemFor(kHubspotEdge));
        QVERIFY(at.x() >= 0);
        QTest::mouseClick(page.view()->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(page.view()->selectedKey(), kHubspotEdge);
        QCOMPARE(labelText(page, "flowDetailTitle"), s("hubspot → LeadCreated"));
        const QString detail = labelText(page, "flowDetail");
        QVERIFY2(detail.contains(s("Published: 40 in total · 2.0/s")), qPrintable(detail));
        QVERIFY(detail.contains(s("Rejected: 0 in total · 0/s")));
        QVERIFY(detail.contains(
            s("Totals count since the broker started (2026-11-27 17:00:00.000 UTC)")));
        QVERIFY(!consumerDetails->isVisible());
        QTest::mouseClick(showEvents, Qt::LeftButton);
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.last().type, s("LeadCreated"));
        QCOMPARE(asked.last().tenant, s("acme"));
        QCOMPARE(asked.last().producer, s("hubspot"));
        QVERIFY(asked.last().text.isEmpty());

        // A producer that had inputs rejected points to where they are.
        page.select(s("producer:acme/marketo > type:LeadScored"));
        QVERIFY(labelText(page, "flowDetail").contains(s("Rejected: 3 in total · 0.1/s")));
        QVERIFY(labelText(page, "flowDetail").contains(s("Quarantine page")));

        // An event type: just the type.
        page.select(s("type:LeadScored"));
        QCOMPARE(labelText(page, "flowDetailTitle"), s("Event type LeadScored"));
        QTest::mouseClick(showEvents, Qt::LeftButton);
        QCOMPARE(asked.last().type, s("LeadScored"));
        QVERIFY(asked.last().text.isEmpty());

        // A consumer edge: its numbers and last error, and the way to the consumer.
        page.select(kCrmEdge);
        QVERIFY(
            labelText(page, "flowDetail").contains(s("Last error: HTTP 503 Service Unavailable")));
        QVERIFY(labelText(page, "flowDetail").contains(s("Failed share of its attempts: 20 %")));

        // A consumer node of one type: both buttons.
        page.select(s("consumer:crm"));
        QCOMPARE(labelText(page, "flowDetailTitle"), s("Consumer crm"));
        QVERIFY(labelText(page, "flowDetail").contains(s("State: running")));
        QVERIFY(consumerDetails->isVisible());
        QTest::mouseClick(consumerDetails, Qt::LeftButton);
        QCOMPARE(consumers, QStringList{s("crm")});
        QTest::mouseClick(showEvents, Qt::LeftButton);
        QCOMPARE(asked.last().type, s("LeadCreated"));
        // Of two types: no single type to show.
        page.select(s("consumer:warehouse"));
        QVERIFY(!showEvents->isEnabled());
    }

    void zoomIsKeptUntilFitAgain() {
        auto transport = std::make_unique<ScriptedTransport>();
        ScriptedTransport* t = transport.get();
        MeshSession session(std::move(transport));
        FlowPage page(session);
        page.resize(900, 600);
        page.show();
        page.activate();
        t->feed->setConnected(true);
        t->feed->push(live(baseFlows()));
        FlowView* view = page.view();
        QTRY_VERIFY(view->itemFor(kCrmEdge));
        // Fitted: the whole map is in sight.
        QTRY_VERIFY(view->mapToScene(view->viewport()->rect())
                        .boundingRect()
                        .contains(view->layoutData().bounds.adjusted(4, 4, -4, -4)));
        const double fitted = view->transform().m11();
        QWheelEvent wheel(QPointF(100, 100), view->viewport()->mapToGlobal(QPointF(100, 100)),
                          QPoint(), QPoint(0, 240), Qt::NoButton, Qt::ControlModifier,
                          Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(view->viewport(), &wheel);
        QVERIFY(view->isZoomed());
        QVERIFY(view->transform().m11() > fitted);
        const QSize before = view->viewport()->size();
        page.resize(1000, 650);
        QTRY_VERIFY(view->viewport()->size() != before);
        QVERIFY(view->transform().m11() > fitted); // a resize keeps the user's zoom
        view->fitToView();
        QVERIFY(!view->isZoomed());
        QVERIFY(view->transform().m11() <= 1);
    }

    void endToEndAgainstABrokerAndAFailingSink() {
        DeliveryFixture f;
        // crm's sink refuses the first attempt of every event; the retry gets through.
        std::mutex seenMutex;
        std::set<std::string> seen;
        f.sink.setHandler([&](const SinkRequest& r) {
            SinkReply reply;
            if (r.target == "/crm") {
                const std::lock_guard lock(seenMutex);
                const auto id = r.headers.find("webhook-id");
                if (id != r.headers.end() && seen.insert(id->second).second)
                    reply.status = 503;
            }
            return reply;
        });
        QCOMPARE_HTTP(f.createConsumer(webhookConsumer("crm", f.sink.url("/crm"))), 201);
        auto warehouse = webhookConsumer("warehouse", f.sink.url("/warehouse"));
        warehouse["filter"]["event_types"] = {"LeadScored", "LeadCreated"};
        QCOMPARE_HTTP(f.createConsumer(warehouse), 201);
        // enrichment-service: 4 LeadScored and 2 LeadCreated; hubspot: 3 LeadCreated.
        json batch = json::array();
        for (int i = 0; i < 4; ++i)
            batch.push_back(leadEvent("S-" + std::to_string(i), 1));
        for (int i = 0; i < 5; ++i) {
            json created = leadEvent("C-" + std::to_string(i), 1);
            created["event_type"] = "LeadCreated";
            created["payload"] = {{"lead_id", "C-" + std::to_string(i)}};
            if (i < 3)
                created["producer"] = "hubspot";
            batch.push_back(created);
        }
        QCOMPARE_HTTP(f.publish(batch), 202);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("crm")["totals"]["delivered"].get<int>(), 4, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(f.consumer("warehouse")["totals"]["delivered"].get<int>(), 9,
                                  10000);

        MeshSession session(
            std::make_unique<HttpTransport>(QUrl(QString::fromStdString(f.broker.url())),
                                            QByteArray::fromStdString(f.broker.adminToken)));
        MainWindow window(session, s("test mesh"));
        auto* flow = new FlowPage(session);
        auto* events = new EventsPage(session);
        auto* consumersPage = new ConsumersPage(session);
        window.addPage(flow);
        window.addPage(events);
        window.addPage(consumersPage);
        QAbstractItemModelTester tester(events->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        // As app/meshdeck/main.cpp wires them.
        connect(flow, &FlowPage::eventsRequested, &window,
                [&window, events](const EventFilter& filter) {
                    window.showPageTitled(events->title());
                    events->showFilter(filter);
                });
        connect(flow, &FlowPage::consumerRequested, &window,
                [&window, consumersPage](const QString& consumer) {
                    window.showPageTitled(consumersPage->title());
                    consumersPage->selectConsumer(consumer);
                });
        window.show();
        QCoreApplication::processEvents(); // the window restores its last page
        window.showPage(0);
        session.open(); // online, the window activates the page it shows
        QTRY_VERIFY_WITH_TIMEOUT(flow->live(), 5000);

        FlowView* view = flow->view();
        const QString crmEdge = s("type:LeadScored > consumer:crm");
        QTRY_VERIFY_WITH_TIMEOUT(view->itemFor(crmEdge), 5000);
        const FlowLayout& layout = view->layoutData();
        auto sorted = [](QStringList names) {
            names.sort();
            return names;
        };
        QCOMPARE(sorted(column(layout, FlowNode::Kind::Producer)),
                 (QStringList{s("enrichment-service"), s("hubspot")}));
        QCOMPARE(sorted(column(layout, FlowNode::Kind::EventType)),
                 (QStringList{s("LeadCreated"), s("LeadScored")}));
        QCOMPARE(sorted(column(layout, FlowNode::Kind::Consumer)),
                 (QStringList{s("crm"), s("warehouse")}));
        QCOMPARE(layout.edges.size(), 6);
        // Half of crm's attempts failed: not green. warehouse never failed.
        const FlowEdge& crm = edgeOf(layout, crmEdge);
        QCOMPARE(crm.health, FlowHealth::Failing);
        QVERIFY(static_cast<QGraphicsPathItem*>(view->itemFor(crmEdge))->pen().color() !=
                healthColour(FlowHealth::Healthy, view->palette()));
        QCOMPARE(edgeOf(layout, s("type:LeadScored > consumer:warehouse")).health,
                 FlowHealth::Healthy);

        // Click crm's edge: the pane says what it is.
        QPoint at = clickablePoint(view, view->itemFor(crmEdge));
        QVERIFY(at.x() >= 0);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(view->selectedKey(), crmEdge);
        QCOMPARE(labelText(*flow, "flowDetailTitle"), s("LeadScored → crm"));
        QVERIFY(labelText(*flow, "flowDetail").contains(s("Delivered: 4 in total")));
        QVERIFY(labelText(*flow, "flowDetail").contains(s("Failed attempts: 4 in total")));
        QVERIFY(labelText(*flow, "flowDetail").contains(s("Last error: HTTP 503")));

        // Show events: the Events page with LeadScored's four.
        auto* showEvents = flow->findChild<QPushButton*>(s("showEventsButton"));
        QTest::mouseClick(showEvents, Qt::LeftButton);
        QCOMPARE(window.currentPage(), events);
        QCOMPARE(events->filterFromBar().type, s("LeadScored"));
        auto* table = events->findChild<QTableView*>(s("eventsTable"));
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 4, 5000);

        // A producer edge narrows to that producer: hubspot's three LeadCreated.
        window.showPage(0);
        const QString hubspotEdge = s("producer:acme/hubspot > type:LeadCreated");
        at = clickablePoint(view, view->itemFor(hubspotEdge));
        QVERIFY(at.x() >= 0);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(view->selectedKey(), hubspotEdge);
        QTest::mouseClick(showEvents, Qt::LeftButton);
        QCOMPARE(window.currentPage(), events);
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 3, 5000);
        // The broker filtered by producer: only hubspot's events were loaded.
        QCOMPARE(events->model()->rowCount(), 3);
        QCOMPARE(events->filterFromBar().producer, s("hubspot"));
        for (int row = 0; row < 3; ++row)
            QCOMPARE(table->model()->index(row, EventTableModel::ProducerColumn).data().toString(),
                     s("hubspot"));

        // A consumer node leads to the Consumers page.
        window.showPage(0);
        at = clickablePoint(view, view->itemFor(s("consumer:crm")));
        QVERIFY(at.x() >= 0);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
        auto* consumerDetails = flow->findChild<QPushButton*>(s("consumerDetailsButton"));
        QVERIFY(consumerDetails->isVisible());
        QTest::mouseClick(consumerDetails, Qt::LeftButton);
        QCOMPARE(window.currentPage(), consumersPage);
    }
};

QTEST_MAIN(FlowPageTest)
#include "tst_flow_page.moc"
