#pragma once
// A real meshd child process for tests: started on 127.0.0.1 with an
// ephemeral port, its URL and admin token read from what it prints.

#include <QProcess>
#include <QString>
#include <QStringList>
#include <string>

namespace meshdeck::test {

class MeshdProcess {
public:
    // Starts `meshd --data dataDir --listen 127.0.0.1:0 extraArgs...` and
    // waits until it prints its URL. Fails the calling test (via qFatal) if it
    // does not come up within 15 s.
    explicit MeshdProcess(const QString& dataDir, const QStringList& extraArgs = {});
    ~MeshdProcess();

    std::string url() const { return url_; }
    std::string adminToken() const { return adminToken_; } // empty unless first start
    qint64 pid() const { return process_.processId(); }
    QProcess& process() { return process_; }
    QString output() const { return output_; }

    void kill9();
    // SIGTERM, then waits for exit; returns the exit code (-1 on timeout/crash).
    int terminate(int timeoutMs = 15000);
    void signal(int sig);

    static QString meshdPath();

private:
    QProcess process_;
    QString output_;
    std::string url_;
    std::string adminToken_;
};

} // namespace meshdeck::test
