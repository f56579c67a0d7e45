#pragma once
// QCOMPARE for an HTTP answer's status, printing the body when it differs.

#include "broker/client/mesh_client.h"

#include <QtTest/QTest>

// Evaluates `result` once: it is often the request itself.
#define QCOMPARE_HTTP(result, expected)                                                            \
    do {                                                                                           \
        const HttpResult http_ = (result);                                                         \
        QVERIFY2(http_.status == (expected),                                                       \
                 qPrintable(QStringLiteral("HTTP %1, expected %2: %3")                             \
                                .arg(http_.status)                                                 \
                                .arg(expected)                                                     \
                                .arg(QString::fromStdString(http_.body + http_.error))));          \
    } while (false)
