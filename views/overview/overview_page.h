#pragma once
// Overview: how the mesh is doing at a glance - events stored, the ingest
// rate and its last five minutes, rejected inputs, event types, commit
// latency, the writer queue, delivery, each event type's SLO status and each
// consumer's circuit - from /healthz, /metrics and /v1/consumers, polled
// every two seconds while the page is shown. Each tile leads to its page.

#include "core/protocol/consumer_status.h"
#include "views/console/page.h"
#include "views/overview/prometheus_text.h"

#include <QElapsedTimer>
#include <QMap>
#include <QTimer>
#include <deque>

class QLabel;
class QPushButton;
class QTableWidget;
class QChartView;
class QLineSeries;
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
    Tile addTile(const QString& caption, const QString& leadsTo, int row, int column);
    void poll();
    void applyHealth(const QByteArray& body);
    void applyMetrics(const QByteArray& body);
    void applyConsumers(const protocol::ConsumerList& list);
    // Keeps (or, with an empty problem, forgets) why an answer did not read.
    void noteProblem(const QString& answer, const QString& problem);
    void showStatus();
    void applySlo();
    void updateChart();

    QTimer pollTimer_;
    QElapsedTimer clock_;
    quint64 generation_ = 0;
    Tile stored_, rate_, rejected_, types_, commit_, queue_, delivered_, pending_, dead_;
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
    QLineSeries* rateSeries_;
    QValueAxis* rateAxis_;
    struct Sample {
        qint64 atMs = 0;
        qint64 lastSeq = 0;
        double rate = 0;
    };
    std::deque<Sample> history_; // the last five minutes
    double ingestRate_ = -1;
};

} // namespace meshdeck::views
