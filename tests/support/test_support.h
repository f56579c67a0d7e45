#pragma once
// Small helpers shared by the test suites: where fixtures and the catalog
// live, and reading them.

#include <QString>
#include <string>

namespace meshdeck::test {

// tests/fixtures/<relative>, from MESHDECK_FIXTURES (set by CTest).
QString fixturePath(const QString& relative);
std::string readFixture(const QString& relative);
// resources/catalog, from MESHDECK_CATALOG.
QString catalogDir();
// The build's app/ folder (meshd, meshctl), from MESHDECK_BIN_DIR.
QString binDir();

} // namespace meshdeck::test
