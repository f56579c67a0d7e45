#pragma once
// --demo's downstream systems: a small HTTP receiver on 127.0.0.1 standing in
// for a CRM and a sales-engagement tool, so the demo's consumers have real
// webhooks to deliver to. It answers like such systems do: mostly 200, a 429
// with Retry-After now and then, and a 422 for leads the "CRM" refuses, so
// retries, throttling and dead letters show up in the console.

#include <QRandomGenerator>
#include <QTcpServer>

namespace meshdeck {

class DemoReceiver : public QObject {
    Q_OBJECT

public:
    explicit DemoReceiver(QObject* parent = nullptr);
    // "http://127.0.0.1:PORT"
    QString url() const;
    int received() const { return received_; }

private:
    void serve(QTcpSocket* socket);
    QByteArray answer(const QByteArray& target, const QByteArray& body);

    QTcpServer server_;
    QRandomGenerator random_{4242};
    int received_ = 0;
};

} // namespace meshdeck
