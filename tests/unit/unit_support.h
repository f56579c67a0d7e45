#pragma once
// Lets QCOMPARE print std::string values and violation lists, so a failing
// comparison shows what was actually produced.

#include "core/error.h"

#include <QtTest/QTest>
#include <string>

namespace QTest {
template <> inline char* toString(const std::string& text) {
    return QTest::toString(QString::fromStdString(text));
}
} // namespace QTest

namespace meshdeck::test {

inline QString describeForTest(const Violations& violations) {
    return QString::fromStdString(describe(violations));
}

// The message of the violation at `path`, or "" when there is none.
inline std::string messageAt(const Violations& violations, const std::string& path) {
    for (const Violation& violation : violations) {
        if (violation.path == path)
            return violation.message;
    }
    return {};
}

inline bool hasPath(const Violations& violations, const std::string& path) {
    for (const Violation& violation : violations) {
        if (violation.path == path)
            return true;
    }
    return false;
}

} // namespace meshdeck::test
