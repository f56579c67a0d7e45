#include "views/flow/flow_layout.h"

#include "views/session/protocol_adapter.h"
#include "views/style/severity.h"

#include <QLocale>
#include <QSet>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace meshdeck::views {

namespace {

constexpr double kMargin = 24;
constexpr double kHeadingHeight = 28;
constexpr double kColumnGap = 150; // room for the curves between columns
constexpr double kNodeGap = 18;
constexpr double kNodeHeight = 46;
constexpr double kPortSpacing = 9; // vertical room per edge on a node's side
constexpr double kNodePadding = 30;
constexpr double kMinNodeWidth = 120;
constexpr double kMaxNodeWidth = 260; // longer names are elided
constexpr double kMaxEdgeWidth = 14;

// Orders one column by the mean position of each node's neighbours in the
// column next to it (the barycentre heuristic); nodes without neighbours go
// last. Ties keep the order they came in, so sort by name first.
void orderByNeighbours(QList<int>& column, const QList<QList<int>>& neighbours,
                       const QHash<int, double>& position) {
    QHash<int, double> centre;
    for (int node : column) {
        double sum = 0;
        int n = 0;
        for (int other : neighbours.at(node))
            if (auto it = position.find(other); it != position.end()) {
                sum += *it;
                ++n;
            }
        centre.insert(node, n ? sum / n : std::numeric_limits<double>::infinity());
    }
    std::stable_sort(column.begin(), column.end(),
                     [&centre](int a, int b) { return centre.value(a) < centre.value(b); });
}

// Each node's place in its column, from 0 to 1, so columns of different
// lengths weigh alike.
void placeInColumn(const QList<int>& column, QHash<int, double>& position) {
    for (int i = 0; i < column.size(); ++i)
        position.insert(column.at(i), (i + 0.5) / static_cast<double>(column.size()));
}

} // namespace

FlowSnapshot flowMapOf(const protocol::FlowSnapshot& flows) {
    FlowSnapshot out;
    out.at = toDateTime(flows.at);
    out.since = toDateTime(flows.since);
    out.windowSeconds = flows.windowSeconds;
    for (const auto& p : flows.producers) {
        ProducerFlow flow;
        flow.tenant = toQString(p.tenant);
        flow.producer = toQString(p.producer);
        flow.type = toQString(p.eventType);
        flow.published = p.published;
        flow.rejected = p.rejected;
        flow.publishedPerSecond = p.publishedPerSecond;
        flow.rejectedPerSecond = p.rejectedPerSecond;
        if (p.lastAt)
            flow.lastAt = toDateTime(*p.lastAt);
        out.producers.append(flow);
    }
    for (const auto& c : flows.consumers) {
        ConsumerFlow flow;
        flow.consumer = toQString(c.consumer);
        flow.type = toQString(c.eventType);
        flow.delivered = c.delivered;
        flow.failed = c.failed;
        flow.deadLettered = c.deadLettered;
        flow.deliveredPerSecond = c.deliveredPerSecond;
        flow.failedPerSecond = c.failedPerSecond;
        flow.deadLetteredPerSecond = c.deadLetteredPerSecond;
        flow.errorRatio = c.errorRatio;
        flow.lastError = toQString(c.lastError);
        if (c.lastAt)
            flow.lastAt = toDateTime(*c.lastAt);
        out.consumers.append(flow);
    }
    return out;
}

QHash<QString, ConsumerCondition>
conditionsOf(const std::vector<protocol::ConsumerReport>& consumers) {
    QHash<QString, ConsumerCondition> out;
    for (const auto& c : consumers)
        out.insert(toQString(c.name), {c.state, c.paused, c.circuit});
    return out;
}

FlowHealth healthOf(double errorRatio, double perSecond) {
    if (perSecond <= 0)
        return FlowHealth::Idle;
    if (errorRatio < 0.01)
        return FlowHealth::Healthy;
    if (errorRatio <= 0.10)
        return FlowHealth::Degraded;
    return FlowHealth::Failing;
}

namespace {
Severity severityOf(FlowHealth health) {
    switch (health) {
    case FlowHealth::Idle:
        return Severity::Idle;
    case FlowHealth::Healthy:
        return Severity::Healthy;
    case FlowHealth::Degraded:
        return Severity::Retrying;
    case FlowHealth::Failing:
        return Severity::DeadLetters;
    }
    return Severity::Healthy;
}
} // namespace

QColor healthColour(FlowHealth health, const QPalette& palette) {
    return coloursOf(severityOf(health), palette).text;
}

double edgeWidth(double perSecond) {
    if (perSecond <= 0)
        return 1;
    // 0.1/s: 2.2 px, 1/s: 5.2 px, 10/s: 9 px, 100/s: 13 px.
    return std::min(kMaxEdgeWidth, 1 + 4 * std::log10(1 + 10 * perSecond));
}

QString formatRate(double perSecond) {
    if (perSecond <= 0)
        return QStringLiteral("0/s");
    if (perSecond < 0.05)
        return QStringLiteral("<0.1/s");
    if (perSecond < 100)
        return QString::number(perSecond, 'f', 1) + u"/s";
    return QLocale().toString(std::llround(perSecond)) + u"/s";
}

QString formatRatio(double ratio) {
    const double percent = 100 * ratio;
    if (percent <= 0)
        return QStringLiteral("0 %");
    if (percent < 0.05)
        return QStringLiteral("<0.1 %");
    return QString::number(percent, 'f', percent < 10 ? 1 : 0) + u" %";
}

QPainterPath FlowEdge::path() const {
    const double bend = (end.x() - start.x()) / 2;
    QPainterPath p(start);
    p.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end);
    return p;
}

int FlowLayout::nodeIndex(const QString& key) const {
    for (int i = 0; i < nodes.size(); ++i)
        if (nodes.at(i).key == key)
            return i;
    return -1;
}

int FlowLayout::edgeIndex(const QString& key) const {
    for (int i = 0; i < edges.size(); ++i)
        if (edges.at(i).key == key)
            return i;
    return -1;
}

bool FlowLayout::sameTopology(const FlowLayout& other) const {
    if (nodes.size() != other.nodes.size() || edges.size() != other.edges.size())
        return false;
    for (int i = 0; i < nodes.size(); ++i)
        if (nodes.at(i).key != other.nodes.at(i).key || nodes.at(i).rect != other.nodes.at(i).rect)
            return false;
    for (int i = 0; i < edges.size(); ++i)
        if (edges.at(i).key != other.edges.at(i).key ||
            edges.at(i).start != other.edges.at(i).start ||
            edges.at(i).end != other.edges.at(i).end)
            return false;
    return true;
}

FlowLayout layoutFlows(const FlowSnapshot& flows, const TextWidth& textWidth) {
    const TextWidth measure = textWidth ? textWidth : [](const QString& s) {
        return 7.5 * static_cast<double>(s.size());
    };
    FlowLayout out;
    if (flows.isEmpty())
        return out;

    QHash<QString, int> index;
    auto node = [&out, &index](FlowNode::Kind kind, const QString& key, const QString& name) {
        if (auto it = index.find(key); it != index.end())
            return *it;
        FlowNode n;
        n.kind = kind;
        n.key = key;
        n.name = name;
        out.nodes.append(n);
        index.insert(key, static_cast<int>(out.nodes.size() - 1));
        return static_cast<int>(out.nodes.size() - 1);
    };
    auto typeNode = [&node](const QString& type) {
        return node(FlowNode::Kind::EventType, u"type:" + type, type);
    };
    auto consumerNode = [&node](const QString& consumer) {
        return node(FlowNode::Kind::Consumer, u"consumer:" + consumer, consumer);
    };
    QSet<QString> tenants;
    for (const auto& p : flows.producers)
        tenants.insert(p.tenant);
    const bool manyTenants = tenants.size() > 1;

    QSet<QString> edgeKeys;
    auto edge = [&out, &edgeKeys](FlowEdge::Kind kind, int from, int to, int flow) -> FlowEdge* {
        FlowEdge e;
        e.kind = kind;
        e.from = from;
        e.to = to;
        e.flow = flow;
        e.key = out.nodes.at(from).key + u" > " + out.nodes.at(to).key;
        if (edgeKeys.contains(e.key))
            return nullptr; // the broker reports each pair once; keep the first if not
        edgeKeys.insert(e.key);
        out.edges.append(e);
        return &out.edges.last();
    };
    for (int i = 0; i < flows.producers.size(); ++i) {
        const ProducerFlow& p = flows.producers.at(i);
        const int from =
            node(FlowNode::Kind::Producer, u"producer:" + p.tenant + u'/' + p.producer,
                 manyTenants ? QStringLiteral("%1 (%2)").arg(p.producer, p.tenant) : p.producer);
        out.nodes[from].tenant = p.tenant;
        const int to = typeNode(p.type);
        if (FlowEdge* e = edge(FlowEdge::Kind::Published, from, to, i)) {
            // A stream the broker refuses entirely still flows, in red.
            e->perSecond = p.publishedPerSecond + p.rejectedPerSecond;
            e->errorRatio = e->perSecond > 0 ? p.rejectedPerSecond / e->perSecond : 0;
            out.nodes[from].perSecond += p.publishedPerSecond;
            out.nodes[to].perSecond += p.publishedPerSecond;
        }
    }
    for (int i = 0; i < flows.consumers.size(); ++i) {
        const ConsumerFlow& c = flows.consumers.at(i);
        const int from = typeNode(c.type);
        const int to = consumerNode(c.consumer);
        if (FlowEdge* e = edge(FlowEdge::Kind::Delivered, from, to, i)) {
            e->perSecond = c.deliveredPerSecond + c.failedPerSecond;
            e->errorRatio = c.errorRatio;
            out.nodes[to].perSecond += c.deliveredPerSecond;
        }
    }
    // Declared consumers that nothing reached yet still appear, so a paused
    // one shows its badge.
    QStringList declared = flows.conditions.keys();
    declared.sort();
    for (const QString& name : declared)
        consumerNode(name);
    for (auto& n : out.nodes) {
        if (n.kind != FlowNode::Kind::Consumer)
            continue;
        const ConsumerCondition condition = flows.conditions.value(n.name);
        QStringList badges;
        if (condition.paused || condition.state == protocol::ConsumerState::Paused)
            badges << QStringLiteral("paused");
        if (condition.circuit == CircuitState::Open ||
            condition.state == protocol::ConsumerState::CircuitOpen)
            badges << QStringLiteral("circuit open");
        n.badge = badges.join(QStringLiteral(" · "));
    }
    for (auto& e : out.edges) {
        e.width = edgeWidth(e.perSecond);
        e.health = healthOf(e.errorRatio, e.perSecond);
    }

    // Columns, each ordered by name and then by its neighbours: types by
    // name first, then the outer columns by the types they touch, then the
    // types by both sides, then the outer columns once more.
    std::array<QList<int>, 3> columns;
    QList<QList<int>> neighbours(out.nodes.size());
    for (const auto& e : out.edges) {
        neighbours[e.from].append(e.to);
        neighbours[e.to].append(e.from);
    }
    for (int i = 0; i < out.nodes.size(); ++i)
        columns[static_cast<int>(out.nodes.at(i).kind)].append(i);
    for (auto& column : columns)
        std::sort(column.begin(), column.end(), [&out](int a, int b) {
            return std::pair(out.nodes.at(a).name, out.nodes.at(a).key) <
                   std::pair(out.nodes.at(b).name, out.nodes.at(b).key);
        });
    QHash<int, double> position;
    for (int pass = 0; pass < 2; ++pass) {
        placeInColumn(columns[1], position);
        orderByNeighbours(columns[0], neighbours, position);
        orderByNeighbours(columns[2], neighbours, position);
        placeInColumn(columns[0], position);
        placeInColumn(columns[2], position);
        if (pass == 0)
            orderByNeighbours(columns[1], neighbours, position);
    }

    // Sizes: one width per column, from its longest name and a wide rate;
    // heights leave each edge its own port.
    QList<int> in(out.nodes.size()), outgoing(out.nodes.size());
    for (const auto& e : out.edges) {
        ++outgoing[e.from];
        ++in[e.to];
    }
    const double rateWidth = measure(QStringLiteral("9,999.9/s"));
    std::array<double, 3> widths{};
    std::array<double, 3> heights{};
    for (int c = 0; c < 3; ++c) {
        double w = rateWidth;
        double h = 0;
        for (int n : columns[c]) {
            w = std::max(w, measure(out.nodes.at(n).name));
            const int ports = std::max(in.at(n), outgoing.at(n));
            h += std::max(kNodeHeight, kPortSpacing * (ports + 1)) + kNodeGap;
        }
        widths[c] = std::clamp(w + kNodePadding, kMinNodeWidth, kMaxNodeWidth);
        heights[c] = columns[c].isEmpty() ? 0 : h - kNodeGap;
    }
    const double tallest = std::max({heights[0], heights[1], heights[2]});
    const std::array<QString, 3> titles = {
        QStringLiteral("Producers"), QStringLiteral("Event types"), QStringLiteral("Consumers")};
    double x = 0;
    for (int c = 0; c < 3; ++c) {
        out.columns.append({titles[c], QRectF(x, 0, widths[c], kHeadingHeight - 8)});
        double y = kHeadingHeight + (tallest - heights[c]) / 2;
        for (int n : columns[c]) {
            const int ports = std::max(in.at(n), outgoing.at(n));
            const double h = std::max(kNodeHeight, kPortSpacing * (ports + 1));
            out.nodes[n].rect = QRectF(x, y, widths[c], h);
            y += h + kNodeGap;
        }
        x += widths[c] + kColumnGap;
    }

    // Ports: a node's edges leave (and arrive) spread along its side in the
    // order of their other ends, so they do not cross at the node.
    QList<QList<int>> leaving(out.nodes.size()), arriving(out.nodes.size());
    for (int i = 0; i < out.edges.size(); ++i) {
        leaving[out.edges.at(i).from].append(i);
        arriving[out.edges.at(i).to].append(i);
    }
    auto centreY = [&out](int n) {
        return out.nodes.at(n).rect.center().y();
    };
    for (int n = 0; n < out.nodes.size(); ++n) {
        const QRectF& r = out.nodes.at(n).rect;
        auto spread = [&](QList<int>& edges, bool outwards) {
            std::sort(edges.begin(), edges.end(), [&](int a, int b) {
                const FlowEdge& ea = out.edges.at(a);
                const FlowEdge& eb = out.edges.at(b);
                return std::pair(centreY(outwards ? ea.to : ea.from), ea.key) <
                       std::pair(centreY(outwards ? eb.to : eb.from), eb.key);
            });
            for (int i = 0; i < edges.size(); ++i) {
                const double y = r.top() + r.height() * (i + 1) / (edges.size() + 1.0);
                if (outwards)
                    out.edges[edges.at(i)].start = QPointF(r.right(), y);
                else
                    out.edges[edges.at(i)].end = QPointF(r.left(), y);
            }
        };
        spread(leaving[n], true);
        spread(arriving[n], false);
    }

    QRectF bounds;
    for (const auto& c : out.columns)
        bounds = bounds.united(c.rect);
    for (const auto& n : out.nodes)
        bounds = bounds.united(n.rect);
    out.bounds = bounds.adjusted(-kMargin, -kMargin, kMargin, kMargin);
    return out;
}

} // namespace meshdeck::views
