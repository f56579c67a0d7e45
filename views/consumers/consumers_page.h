#pragma once
// Consumers and lag: every consumer with its state, lag (count and age of the
// oldest pending event), in-flight deliveries, totals and circuit, from the
// broker's live feed (/v1/live; polled every second while the feed is down);
// the selected consumer's lag over the last hour as a chart, its details as a
// form (delivery, progress, failures, policy), the operator actions - pause,
// resume, replay (with a dry run first) - for roles allowed to take them, and
// declaring or changing a consumer (views/consumers/consumer_editor.h) for
// admins.

#include "core/consumer_spec.h"
#include "core/protocol/consumer_status.h"
#include "views/console/page.h"
#include "views/session/live_follower.h"

#include <QHash>
#include <QTimer>
#include <deque>
#include <memory>

class QChartView;
class QLabel;
class QLineSeries;
class QPushButton;
class QScrollArea;
class QTableView;
class QValueAxis;

namespace meshdeck::views {

class ConsumerEditor;
class ConsumerTableModel;

class ConsumersPage final : public Page {
    Q_OBJECT

public:
    explicit ConsumersPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Consumers"); }
    QIcon icon() const override;
    void activate() override;

    ConsumerTableModel* model() const { return model_; }
    QString selectedConsumer() const;
    // Selects it now, or as soon as it is listed (on the page's first load).
    void selectConsumer(const QString& name);
    // The lag points the chart shows (Unix ms, lag), oldest first: the
    // broker's per-minute history, then the page's own samples.
    QList<QPointF> lagSamples(const QString& name) const;
    // True while updates come from the broker's live feed (/v1/live).
    bool live() const;
    // Opens the editor on a new consumer, or on the selected one.
    ConsumerEditor* newConsumer();
    ConsumerEditor* editConsumer();

Q_SIGNALS:
    void deadLettersRequested(const QString& consumer);

protected:
    void hideEvent(QHideEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void poll();
    void onSnapshot(const protocol::LiveSnapshot& snapshot);
    void apply(const std::vector<protocol::ConsumerReport>& consumers);
    void showSelected();
    void updateChart();
    void setPaused(bool paused);
    void replay();
    void loadHistory(const QString& name);
    void loadSpec(const QString& name);
    void showDetail(const protocol::ConsumerReport& c);
    void openEditor(ConsumerEditor* editor);

    ConsumerTableModel* model_;
    QString pendingSelection_; // asked for before the table listed it
    QTableView* table_;
    QLabel* status_;
    QPushButton* new_;
    QPushButton* edit_;
    QPushButton* pause_;
    QPushButton* resume_;
    QPushButton* replay_;
    QPushButton* deadLetters_;
    QScrollArea* detail_;
    QHash<QString, QLabel*> facts_; // the detail form's values, by key ("sink", "lag", ...)
    QLabel* deadLetterLink_;
    // The selected consumer's spec, for the Policy section (GET /v1/consumers/{name}).
    QString specOf_;
    std::optional<ConsumerSpec> spec_;
    QChartView* chartView_;
    QLineSeries* lagSeries_;
    QValueAxis* axisX_;
    QValueAxis* axisY_;
    LiveFollower* follower_;
    quint64 generation_ = 0;
    // Per consumer: (Unix ms, lag) sampled at each poll for the last hour,
    // and the broker's per-minute history before that.
    QHash<QString, std::deque<QPointF>> lag_;
    QHash<QString, QList<QPointF>> history_;
};

} // namespace meshdeck::views
