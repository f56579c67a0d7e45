#pragma once
// QCOMPARE for nlohmann::json values: json converts implicitly to nearly any
// type, which defeats QCOMPARE's overloads, so compare as JSON and print both.

#include <QtTest/QTest>
#include <nlohmann/json.hpp>

#define QCOMPARE_JSON(actual, expected)                                                            \
    do {                                                                                           \
        const nlohmann::json actual_ = (actual);                                                   \
        const nlohmann::json expected_ = (expected);                                               \
        QVERIFY2(                                                                                  \
            actual_ == expected_,                                                                  \
            qPrintable(QStringLiteral("%1: got %2, expected %3")                                   \
                           .arg(QStringLiteral(#actual), QString::fromStdString(actual_.dump()),   \
                                QString::fromStdString(expected_.dump()))));                       \
    } while (false)
