#include "tests/support/test_support.h"

#include <QFile>
#include <QtTest/QTest>

namespace meshdeck::test {

static QString fromEnv(const char* name) {
    const QString value = qEnvironmentVariable(name);
    if (value.isEmpty())
        qFatal("%s is not set: run the test through ctest", name);
    return value;
}

QString fixturePath(const QString& relative) {
    return fromEnv("MESHDECK_FIXTURES") + u'/' + relative;
}

std::string readFixture(const QString& relative) {
    QFile file(fixturePath(relative));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read fixture %s: %s", qPrintable(file.fileName()),
               qPrintable(file.errorString()));
    return file.readAll().toStdString();
}

QString catalogDir() {
    return fromEnv("MESHDECK_CATALOG");
}

QString binDir() {
    return fromEnv("MESHDECK_BIN_DIR");
}

} // namespace meshdeck::test
