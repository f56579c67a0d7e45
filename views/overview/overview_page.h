#pragma once
// Overview: how the mesh is doing at a glance - events stored, the ingest
// rate, rejected inputs, event types, commit latency, the writer queue,
// delivery, consumers retrying, open circuits, each event type's SLO status
// and each consumer's circuit - from /healthz, /metrics and /v1/consumers,
// polled every two seconds while the page is shown. Each tile leads to its
// page; a tile or consumer row that needs a look takes its state's colours
// (views/style/severity.h). The chart is the broker's own minute history of
// the last hour (delivered, failed, dead-lettered), full as soon as the page
// opens, with a gap for every minute the broker was not running.

#include "core/protocol/consumer_status.h"
#include "views/console/page.h"
#include "views/overview/mesh_history.h"
#include "views/overview/prometheus_text.h"
#include "views/style/severity.h"

#include <QElapsedTimer>
#include <QMap>
#include <QTimer>

class QLabel;
class QPushButton;
class QTableWidget;
class QChartView;
class QValueAxis;

namespace meshdeck::views {

// An event type's end-to-end latency against its consumers' SLO targets.
struct SloVerdict {
    bool hasTarget = false; // some consumer of the type sets a target
    bool met = true;        // every consumer with a target meets it
    QString text;           // "met: p99 within 2.0 s", "missed at crm: p99 over 500 ms"
};
// By event type, from GET /v1/consumers' consumers (their end-to-end rows).
QMap<QString, SloVerdict> sloByEventType(const std::vector<protocol::ConsumerReport>& consumers);

class OverviewPage final : public Page {
    Q_OBJECT

public:
    explicit OverviewPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Overview"); }
    QIcon icon() const override;
    void activate() override;

    // The latest ingest rate in events per second (-1 before two polls).
    double ingestRate() const { return ingestRate_; }
    // The chart's lines: per metric, runs of minutes with data (x: minutes before now).
    QList<QList<QPointF>> chartLine(HistoryMetric metric) const {
        return chartSegments(totals_, metric, historyNowMs_, kChartMinutes);
    }
    static constexpr int kChartMinutes = 60;

Q_SIGNALS:
    // A tile was clicked: the page it leads to, by title.
    void pageRequested(const QString& title);

protected:
    void hideEvent(QHideEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    struct Tile {
        QPushButton* button = nullptr;
        QLabel* value = nullptr;
        QLabel* caption = nullptr;
    };
    Tile addTile(const QString& caption, const QString& leadsTo);
    // Neutral when fine; else the state's tint and text colour.
    void showSeverity(Tile& tile, Severity severity);
    void poll();
    void applyHealth(const QByteArray& body);
    void applyMetrics(const QByteArray& body);
    void applyConsumers(const protocol::ConsumerList& list);
    // Keeps (or, with an empty problem, forgets) why an answer did not read.
    void noteProblem(const QString& answer, const QString& problem);
    void showStatus();
    void applySlo();
    void updateChart();
    void loadHistory(const QStringList& consumers);

    QTimer pollTimer_;
    QElapsedTimer clock_;
    quint64 generation_ = 0;
    Tile stored_, rate_, rejected_, types_, commit_, queue_, delivered_, pending_, dead_, retrying_,
        circuitsOpen_, sloMissed_;
    double lastDelivered_ = -1;
    qint64 lastDeliveredAtMs_ = 0;
    QLabel* status_;
    // By answer ("Consumers", "Dead letters"): why what it shows is not the
    // newest, its last reply did not read. Shown in the status line.
    QMap<QString, QString> problems_;
    QTableWidget* byType_;
    QTableWidget* circuits_;
    QMap<QString, SloVerdict> slo_;
    QChartView* chartView_;
    QValueAxis* timeAxis_;
    QValueAxis* countAxis_;
    // The last health answer: the ingest rate is the sequence's growth since.
    qint64 lastSeq_ = -1;
    qint64 lastSeqAtMs_ = 0;
    double ingestRate_ = -1;
    // The summed minute history, as of historyNowMs_; reloaded every
    // kHistoryRefreshMs while shown, or when the consumers change.
    QMap<qint64, MinuteTotals> totals_;
    qint64 historyNowMs_ = 0;
    QStringList historyConsumers_;
    QElapsedTimer historyAge_;
    quint64 historyGeneration_ = 0;
};

} // namespace meshdeck::views
