#include "tests/support/meshd_process.h"

#include "tests/support/test_support.h"

#include <QDeadlineTimer>
#include <QRegularExpression>
#include <csignal>

namespace meshdeck::test {

QString MeshdProcess::meshdPath() {
    return binDir() + QStringLiteral("/meshd");
}

MeshdProcess::MeshdProcess(const QString& dataDir, const QStringList& extraArgs) {
    process_.setProcessChannelMode(QProcess::SeparateChannels);
    process_.setProgram(meshdPath());
    process_.setArguments(QStringList{QStringLiteral("--data"), dataDir, QStringLiteral("--listen"),
                                      QStringLiteral("127.0.0.1:0")} +
                          extraArgs);
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MESHDECK_CATALOG"), catalogDir());
    process_.setProcessEnvironment(env);
    process_.start();
    if (!process_.waitForStarted(5000))
        qFatal("cannot start %s: %s", qPrintable(meshdPath()), qPrintable(process_.errorString()));

    static const QRegularExpression listening(QStringLiteral("listening on (\\S+)"));
    static const QRegularExpression admin(QStringLiteral("admin token: (\\S+)"));
    QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired()) {
        process_.waitForReadyRead(100);
        output_ += QString::fromUtf8(process_.readAllStandardOutput());
        if (auto m = admin.match(output_); m.hasMatch())
            adminToken_ = m.captured(1).toStdString();
        if (auto m = listening.match(output_); m.hasMatch()) {
            url_ = m.captured(1).toStdString();
            // The admin token line follows the URL line in the same write.
            process_.waitForReadyRead(200);
            output_ += QString::fromUtf8(process_.readAllStandardOutput());
            if (auto t = admin.match(output_); t.hasMatch())
                adminToken_ = t.captured(1).toStdString();
            return;
        }
        if (process_.state() == QProcess::NotRunning)
            break;
    }
    qFatal("meshd did not come up. stdout:\n%s\nstderr:\n%s", qPrintable(output_),
           qPrintable(QString::fromUtf8(process_.readAllStandardError())));
}

MeshdProcess::~MeshdProcess() {
    if (process_.state() != QProcess::NotRunning) {
        process_.kill();
        process_.waitForFinished(5000);
    }
}

void MeshdProcess::kill9() {
    ::kill(static_cast<pid_t>(process_.processId()), SIGKILL);
    process_.waitForFinished(5000);
}

void MeshdProcess::signal(int sig) {
    ::kill(static_cast<pid_t>(process_.processId()), sig);
}

int MeshdProcess::terminate(int timeoutMs) {
    signal(SIGTERM);
    if (!process_.waitForFinished(timeoutMs))
        return -1;
    return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
}

} // namespace meshdeck::test
