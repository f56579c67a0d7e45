#pragma once
// The flow map as plain data. GET /v1/flows (and the flows of every /v1/live
// snapshot), read as protocol::FlowSnapshot, says what flowed from producers
// to event types and from event types to consumers: totals since the broker
// started, rates over its last minute. flowMapOf copies it into the Qt-side
// types below; layoutFlows turns those into three columns of nodes -
// producers, event types, consumers - and one curved edge per pair, with a
// width for its rate and a health class for its error ratio. It is pure, so
// tests check the geometry without painting (like layoutWaterfall).

#include "core/circuit_breaker.h"
#include "core/protocol/consumer_status.h"
#include "core/protocol/flow.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QPainterPath>
#include <QPalette>
#include <QRectF>
#include <QString>
#include <functional>

namespace meshdeck::views {

// One (tenant, producer, event type) row of GET /v1/flows.
struct ProducerFlow {
    QString tenant, producer, type;
    qint64 published = 0, rejected = 0; // since the broker started
    double publishedPerSecond = 0, rejectedPerSecond = 0;
    QDateTime lastAt; // invalid: nothing yet
};

// One (consumer, event type) row of GET /v1/flows.
struct ConsumerFlow {
    QString consumer, type;
    qint64 delivered = 0, failed = 0, deadLettered = 0; // failed counts attempts
    double deliveredPerSecond = 0, failedPerSecond = 0, deadLetteredPerSecond = 0;
    double errorRatio = 0; // failed / (delivered + failed) attempts in the window
    QString lastError;
    QDateTime lastAt; // invalid: nothing yet
};

// What the broker says about a declared consumer beyond its flows.
struct ConsumerCondition {
    protocol::ConsumerState state = protocol::ConsumerState::Running;
    bool paused = false;
    CircuitState circuit = CircuitState::Closed;
};

struct FlowSnapshot {
    QDateTime at, since;
    int windowSeconds = 60;
    QList<ProducerFlow> producers;
    QList<ConsumerFlow> consumers;
    // Every declared consumer by name, with or without flows.
    QHash<QString, ConsumerCondition> conditions;

    // Nothing has flowed since the broker started.
    bool isEmpty() const { return producers.isEmpty() && consumers.isEmpty(); }
};

// From GET /v1/flows or a live snapshot's flows; conditions stay empty.
FlowSnapshot flowMapOf(const protocol::FlowSnapshot& flows);
// From the consumers of a /v1/live snapshot or of GET /v1/consumers.
QHash<QString, ConsumerCondition>
conditionsOf(const std::vector<protocol::ConsumerReport>& consumers);

// The colour class of an edge. Idle: nothing in the window.
enum class FlowHealth { Idle, Healthy, Degraded, Failing };
// Healthy below 1 % errors, Degraded up to 10 %, Failing above.
FlowHealth healthOf(double errorRatio, double perSecond);
// The state colour an edge takes (views/style/severity.h): reads on the
// palette's base colour, light or dark.
QColor healthColour(FlowHealth health, const QPalette& palette);
// 1 px at rest, growing with the logarithm of the rate up to 14 px.
double edgeWidth(double perSecond);
// "12.5/s", "0.3/s", "1,250/s".
QString formatRate(double perSecond);
// "0 %", "2.5 %", "40 %".
QString formatRatio(double ratio);

struct FlowNode {
    enum class Kind { Producer, EventType, Consumer };
    Kind kind = Kind::Producer;
    QString key;    // unique on the map: "producer:acme/hubspot", "type:LeadScored", "consumer:crm"
    QString name;   // what the node says
    QString tenant; // producers only
    QRectF rect;
    double perSecond = 0; // producers and types: published; consumers: delivered
    QString badge;        // consumers: "paused", "circuit open"; empty when neither
};

struct FlowEdge {
    enum class Kind { Published, Delivered };
    Kind kind = Kind::Published;
    QString key;            // "<from key> > <to key>"
    int from = -1, to = -1; // indices into FlowLayout::nodes
    int flow = -1;          // index into FlowSnapshot::producers (Published) or ::consumers
    QPointF start, end;
    // Published: inputs (published + rejected); Delivered: attempts (delivered + failed).
    double perSecond = 0;
    double errorRatio = 0;
    double width = 1;
    FlowHealth health = FlowHealth::Idle;

    // A cubic Bézier from start to end, leaving and arriving horizontally.
    QPainterPath path() const;
};

struct FlowColumn {
    QString title;
    QRectF rect; // where the heading goes
};

struct FlowLayout {
    QList<FlowColumn> columns;
    QList<FlowNode> nodes;
    QList<FlowEdge> edges;
    QRectF bounds; // everything drawn, with a margin

    int nodeIndex(const QString& key) const;
    int edgeIndex(const QString& key) const;
    // The same nodes and edges in the same places: a scene drawn from one
    // can take the other's widths, colours and labels in place.
    bool sameTopology(const FlowLayout& other) const;
};

// How wide a label is in the font it will be drawn in; null: an estimate.
using TextWidth = std::function<double(const QString&)>;

// Producers on the left, event types in the middle, consumers on the right;
// each column ordered to keep edges from crossing, and centred on the tallest.
FlowLayout layoutFlows(const FlowSnapshot& flows, const TextWidth& textWidth = {});

} // namespace meshdeck::views
