#include "views/flow/flow_view.h"

#include "views/style/severity.h"

#include <QEvent>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>
#include <cmath>

namespace meshdeck::views {

namespace {

constexpr int kKeyData = 0;
constexpr double kRadius = 6;
constexpr double kPadding = 12;
constexpr double kBadgeHeight = 16;
constexpr double kClickWidth = 12; // thin edges stay easy to hit
constexpr double kMinScale = 0.1;
constexpr double kMaxScale = 4;

// Neutral tones from the palette: `amount` of the way from Base to Text.
QColor tone(const QPalette& palette, double amount) {
    const QColor a = palette.color(QPalette::Base);
    const QColor b = palette.color(QPalette::Text);
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * amount),
                            static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * amount),
                            static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * amount));
}

QFont nameFont(QFont font) {
    font.setBold(true);
    return font;
}

QFont smallFont(QFont font) {
    font.setPointSizeF(font.pointSizeF() * 0.85);
    return font;
}

QString nodeToolTip(const FlowNode& node) {
    switch (node.kind) {
    case FlowNode::Kind::Producer:
        return QStringLiteral("Producer %1%2: %3 published")
            .arg(node.name,
                 node.tenant.isEmpty() ? QString()
                                       : QStringLiteral(" (tenant %1)").arg(node.tenant),
                 formatRate(node.perSecond));
    case FlowNode::Kind::EventType:
        return QStringLiteral("Event type %1: %2 published")
            .arg(node.name, formatRate(node.perSecond));
    case FlowNode::Kind::Consumer:
        return QStringLiteral("Consumer %1: %2 delivered%3")
            .arg(node.name, formatRate(node.perSecond),
                 node.badge.isEmpty() ? QString() : u" (" + node.badge + u')');
    }
    return node.name;
}

} // namespace

class FlowNodeItem final : public QGraphicsItem {
public:
    explicit FlowNodeItem(const FlowNode& node) : node_(node) {
        setFlag(ItemIsSelectable);
        setData(kKeyData, node.key);
        setPos(node.rect.topLeft());
        setZValue(2);
        setCursor(Qt::PointingHandCursor);
        set(node);
    }

    void set(const FlowNode& node) {
        node_ = node;
        setToolTip(nodeToolTip(node_));
        update();
    }

    // Room above the node for a badge, whether or not it has one, so a badge
    // coming or going never changes the geometry.
    QRectF boundingRect() const override {
        return body().adjusted(-2, -kBadgeHeight / 2 - 2, 2, 2);
    }

    QPainterPath shape() const override {
        QPainterPath path;
        path.addRoundedRect(body(), kRadius, kRadius);
        return path;
    }

    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
        const QPalette palette = scene()->palette();
        const QFont font = scene()->font();
        p->setRenderHint(QPainter::Antialiasing);
        p->setPen(isSelected() ? QPen(palette.color(QPalette::Highlight), 2.5)
                               : QPen(tone(palette, 0.35), 1));
        p->setBrush(tone(palette, 0.06));
        p->drawRoundedRect(body().adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);

        const QRectF text = body().adjusted(kPadding, 4, -kPadding, -4);
        const double half = text.height() / 2;
        const QFont bold = nameFont(font);
        p->setFont(bold);
        p->setPen(palette.color(QPalette::Text));
        p->drawText(QRectF(text.left(), text.center().y() - half, text.width(), half),
                    Qt::AlignLeft | Qt::AlignBottom,
                    QFontMetricsF(bold).elidedText(node_.name, Qt::ElideMiddle, text.width()));
        p->setFont(smallFont(font));
        p->setPen(tone(palette, 0.6));
        p->drawText(QRectF(text.left(), text.center().y() + 1, text.width(), half),
                    Qt::AlignLeft | Qt::AlignTop, formatRate(node_.perSecond));
        if (!node_.badge.isEmpty())
            paintBadge(p, palette, font);
    }

private:
    QRectF body() const { return {QPointF(), node_.rect.size()}; }

    // A pill on the node's top edge, right-aligned: in the circuit-open
    // state's colours when the circuit is open, the idle ones when paused.
    void paintBadge(QPainter* p, const QPalette& palette, const QFont& font) const {
        QFont small = smallFont(font);
        small.setBold(true);
        const QFontMetricsF metrics(small);
        const double width =
            std::min(metrics.horizontalAdvance(node_.badge) + 12, body().width() - 2 * kRadius);
        const QRectF pill(body().right() - kRadius - width, -kBadgeHeight / 2, width, kBadgeHeight);
        // The state's tint with its text colour: readable in light and dark alike.
        const SeverityColours colours = coloursOf(
            node_.badge.contains(QLatin1String("circuit")) ? Severity::CircuitOpen : Severity::Idle,
            palette);
        p->setPen(QPen(colours.text, 1));
        p->setBrush(colours.tint);
        p->drawRoundedRect(pill.adjusted(0.5, 0.5, -0.5, -0.5), kBadgeHeight / 2, kBadgeHeight / 2);
        p->setFont(small);
        p->drawText(pill, Qt::AlignCenter,
                    metrics.elidedText(node_.badge, Qt::ElideRight, pill.width() - 8));
    }

    FlowNode node_;
};

class FlowEdgeItem final : public QGraphicsPathItem {
public:
    explicit FlowEdgeItem(const FlowEdge& edge) : QGraphicsPathItem(edge.path()) {
        setFlag(ItemIsSelectable);
        setData(kKeyData, edge.key);
        setCursor(Qt::PointingHandCursor);
    }

    void set(const FlowEdge& edge, const QPalette& palette, const QString& toolTip) {
        QPen pen(healthColour(edge.health, palette), edge.width, Qt::SolidLine, Qt::FlatCap);
        if (edge.health == FlowHealth::Idle)
            pen.setStyle(Qt::DashLine);
        setPen(pen);
        setToolTip(toolTip);
    }

    QRectF boundingRect() const override {
        const double reach = pen().widthF() / 2 + 4; // the selection halo
        return path().controlPointRect().adjusted(-reach, -reach, reach, reach);
    }

    QPainterPath shape() const override {
        QPainterPathStroker stroker;
        stroker.setWidth(std::max(pen().widthF(), kClickWidth));
        return stroker.createStroke(path());
    }

    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
        p->setRenderHint(QPainter::Antialiasing);
        p->setBrush(Qt::NoBrush);
        if (isSelected()) {
            QColor halo = scene()->palette().color(QPalette::Highlight);
            halo.setAlphaF(0.45f);
            p->setPen(QPen(halo, pen().widthF() + 7, Qt::SolidLine, Qt::RoundCap));
            p->drawPath(path());
        }
        p->setPen(pen());
        p->drawPath(path());
    }

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override {
        if (change == ItemSelectedHasChanged)
            setZValue(value.toBool() ? 1 : 0); // above its neighbours, below the nodes
        return QGraphicsPathItem::itemChange(change, value);
    }
};

FlowView::FlowView(QWidget* parent) : QGraphicsView(parent) {
    setObjectName(QStringLiteral("flowView"));
    auto* scene = new QGraphicsScene(this);
    scene->setPalette(palette());
    scene->setFont(font());
    setScene(scene);
    setRenderHint(QPainter::Antialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setFrameShape(QFrame::NoFrame);
    connect(scene, &QGraphicsScene::selectionChanged, this,
            [this] { Q_EMIT selectionChanged(selectedKey()); });
}

FlowView::~FlowView() {
    // The scene goes with the widget's children, deselecting as its items go.
    disconnect(scene(), nullptr, this, nullptr);
}

TextWidth FlowView::nameWidth() const {
    const QFontMetricsF metrics(nameFont(font()));
    return [metrics](const QString& text) {
        return metrics.horizontalAdvance(text);
    };
}

void FlowView::setLayoutData(const FlowLayout& layout) {
    const bool first = layout_.nodes.isEmpty();
    if (!first && layout_.sameTopology(layout)) {
        layout_ = layout;
        restyle();
        return;
    }
    layout_ = layout;
    rebuild();
    if (first || !zoomed_)
        fitToView();
}

QGraphicsItem* FlowView::itemFor(const QString& key) const {
    if (auto* node = nodes_.value(key))
        return node;
    return edges_.value(key);
}

QString FlowView::selectedKey() const {
    const auto selected = scene()->selectedItems();
    return selected.isEmpty() ? QString() : selected.first()->data(kKeyData).toString();
}

void FlowView::select(const QString& key) {
    QGraphicsItem* item = itemFor(key);
    if (item && item->isSelected() && scene()->selectedItems().size() == 1)
        return;
    scene()->clearSelection();
    if (item)
        item->setSelected(true);
}

void FlowView::fitToView() {
    zoomed_ = false;
    if (layout_.bounds.isEmpty())
        return;
    fitInView(layout_.bounds, Qt::KeepAspectRatio);
    // A small map stays at its natural size rather than blown up.
    if (transform().m11() > 1)
        resetTransform();
}

void FlowView::wheelEvent(QWheelEvent* event) {
    if (!(event->modifiers() & Qt::ControlModifier))
        return QGraphicsView::wheelEvent(event);
    const double current = transform().m11();
    const double wanted =
        std::clamp(current * std::pow(1.0015, event->angleDelta().y()), kMinScale, kMaxScale);
    scale(wanted / current, wanted / current);
    zoomed_ = true;
    event->accept();
}

void FlowView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (!zoomed_)
        fitToView();
}

void FlowView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        scene()->setPalette(palette());
        restyle();
    } else if (event->type() == QEvent::FontChange) {
        scene()->setFont(font());
    }
    QGraphicsView::changeEvent(event);
}

void FlowView::rebuild() {
    const QString selected = selectedKey();
    {
        const QSignalBlocker block(scene());
        scene()->clear();
        nodes_.clear();
        edges_.clear();
        headings_.clear();
        for (const auto& column : layout_.columns) {
            auto* heading = scene()->addSimpleText(column.title, nameFont(font()));
            heading->setPos(column.rect.topLeft());
            headings_.append(heading);
        }
        for (const auto& edge : layout_.edges) {
            auto* item = new FlowEdgeItem(edge);
            scene()->addItem(item);
            edges_.insert(edge.key, item);
        }
        for (const auto& node : layout_.nodes) {
            auto* item = new FlowNodeItem(node);
            scene()->addItem(item);
            nodes_.insert(node.key, item);
        }
        // Fixed, so restyling or a badge never grows it and scrolls the view.
        setSceneRect(layout_.bounds);
        restyle();
        select(selected);
    }
    if (selectedKey() != selected)
        Q_EMIT selectionChanged(selectedKey());
}

void FlowView::restyle() {
    const QPalette colours = palette();
    for (auto* heading : std::as_const(headings_))
        heading->setBrush(tone(colours, 0.6));
    for (const auto& node : layout_.nodes)
        if (auto* item = nodes_.value(node.key))
            item->set(node);
    for (const auto& edge : layout_.edges) {
        auto* item = edges_.value(edge.key);
        if (!item)
            continue;
        const QString from = layout_.nodes.at(edge.from).name;
        const QString to = layout_.nodes.at(edge.to).name;
        const QString errors = edge.kind == FlowEdge::Kind::Published ? QStringLiteral("rejected")
                                                                      : QStringLiteral("failed");
        item->set(
            edge, colours,
            QStringLiteral("%1 → %2: %3, %4 %5")
                .arg(from, to, formatRate(edge.perSecond), formatRatio(edge.errorRatio), errors));
    }
}

} // namespace meshdeck::views
