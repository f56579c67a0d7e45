#include "demo_receiver.h"

#include <QTcpSocket>

namespace meshdeck {

DemoReceiver::DemoReceiver(QObject* parent) : QObject(parent) {
    server_.listen(QHostAddress::LocalHost, 0);
    connect(&server_, &QTcpServer::newConnection, this, [this] {
        while (auto* socket = server_.nextPendingConnection()) {
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
        }
    });
}

QString DemoReceiver::url() const {
    return QStringLiteral("http://127.0.0.1:%1").arg(server_.serverPort());
}

// Reads whole requests (head + Content-Length body) off a keep-alive
// connection and answers each.
void DemoReceiver::serve(QTcpSocket* socket) {
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    for (;;) {
        const auto headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            break;
        const QByteArray head = buffer.left(headEnd);
        qsizetype length = 0;
        for (const auto& line : head.split('\n'))
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        if (buffer.size() < headEnd + 4 + length)
            break;
        const QByteArray target = head.split(' ').value(1);
        const QByteArray body = buffer.mid(headEnd + 4, length);
        buffer.remove(0, headEnd + 4 + length);
        ++received_;
        socket->write(answer(target, body));
    }
    socket->setProperty("buffer", buffer);
}

QByteArray DemoReceiver::answer(const QByteArray& target, const QByteArray& body) {
    QByteArray status = "200 OK";
    QByteArray extra;
    QByteArray reply = R"({"ok":true})";
    // The "CRM" refuses leads from one company: a steady source of dead letters.
    if (target.startsWith("/crm") && body.contains("\"Initech\"")) {
        status = "422 Unprocessable Entity";
        reply = R"({"error":"account Initech is archived; owner unknown"})";
    } else if (random_.bounded(40) == 0) {
        status = "429 Too Many Requests";
        extra = "Retry-After: 2\r\n";
        reply = R"({"error":"rate limit"})";
    }
    return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" + extra +
           "Content-Length: " + QByteArray::number(reply.size()) + "\r\n\r\n" + reply;
}

} // namespace meshdeck
