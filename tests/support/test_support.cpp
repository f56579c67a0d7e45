#include "tests/support/test_support.h"

#include <QFile>
#include <QMetaMethod>
#include <QSet>
#include <QtTest/QTest>
#include <vector>

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

int runTestClasses(int argc, char** argv, std::initializer_list<QObject*> classes) {
    // Qt Test's options that take a value; every other bare word is a function
    // name, possibly with ":data tag".
    static const QSet<QString> withValue = {
        QStringLiteral("-o"),        QStringLiteral("-maxwarnings"), QStringLiteral("-eventdelay"),
        QStringLiteral("-keydelay"), QStringLiteral("-mousedelay"),  QStringLiteral("-maxdelay"),
        QStringLiteral("-platform"), QStringLiteral("-repeat"),      QStringLiteral("-seed")};
    std::vector<char*> options{argv[0]};
    std::vector<char*> names;
    for (int i = 1; i < argc; ++i) {
        const QString arg = QString::fromLocal8Bit(argv[i]);
        if (arg.startsWith(u'-')) {
            options.push_back(argv[i]);
            if (withValue.contains(arg) && i + 1 < argc)
                options.push_back(argv[++i]);
        } else {
            names.push_back(argv[i]);
        }
    }
    int status = 0;
    for (QObject* object : classes) {
        std::vector<char*> args = options;
        for (char* name : names) {
            const QByteArray function = QByteArray(name).split(':').front() + "()";
            if (object->metaObject()->indexOfMethod(function.constData()) >= 0)
                args.push_back(name);
        }
        if (!names.empty() && args.size() == options.size())
            continue; // none of the named functions is this class's
        status |= QTest::qExec(object, static_cast<int>(args.size()), args.data());
    }
    return status;
}

} // namespace meshdeck::test
