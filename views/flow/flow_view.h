#pragma once
// The flow map's canvas: draws a FlowLayout as rounded nodes and curved edges
// in a QGraphicsScene. A layout with the same topology as the one on screen
// only restyles the items already there - widths, colours, rates, badges -
// so nothing moves and the view does not scroll; new or vanished nodes or
// edges rebuild the scene. The map fits the view on first load and on resize
// until the user zooms (Ctrl+wheel); fitToView() returns to fitting.

#include "views/flow/flow_layout.h"

#include <QGraphicsView>
#include <QHash>

class QGraphicsSimpleTextItem;

namespace meshdeck::views {

class FlowNodeItem;
class FlowEdgeItem;

class FlowView final : public QGraphicsView {
    Q_OBJECT

public:
    explicit FlowView(QWidget* parent = nullptr);
    ~FlowView() override;

    // Measures a node's name as the map draws it, for layoutFlows.
    TextWidth nameWidth() const;
    void setLayoutData(const FlowLayout& layout);
    const FlowLayout& layoutData() const { return layout_; }
    // The item drawing the node or edge with this key, or null.
    QGraphicsItem* itemFor(const QString& key) const;
    QString selectedKey() const;
    // Selects a node or edge as a click does; an unknown or empty key clears.
    void select(const QString& key);
    void fitToView();
    // The user zoomed by hand: resizes no longer refit.
    bool isZoomed() const { return zoomed_; }

Q_SIGNALS:
    void selectionChanged(const QString& key);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    void restyle();

    FlowLayout layout_;
    QHash<QString, FlowNodeItem*> nodes_;
    QHash<QString, FlowEdgeItem*> edges_;
    QList<QGraphicsSimpleTextItem*> headings_;
    bool zoomed_ = false;
};

} // namespace meshdeck::views
