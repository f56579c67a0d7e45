#pragma once
// Small helpers shared by the test suites: where fixtures and the catalog
// live, and reading them.

#include <QString>
#include <initializer_list>
#include <string>

class QObject;

namespace meshdeck::test {

// tests/fixtures/<relative>, from MESHDECK_FIXTURES (set by CTest).
QString fixturePath(const QString& relative);
std::string readFixture(const QString& relative);
// resources/catalog, from MESHDECK_CATALOG.
QString catalogDir();
// The build's app/ folder (meshd, meshctl), from MESHDECK_BIN_DIR.
QString binDir();

// Runs several Qt Test classes from one main. Function names on the command
// line go to the class that declares them, so any one function can run
// alone (tests/run_functions_alone.sh); with no names every class runs.
int runTestClasses(int argc, char** argv, std::initializer_list<QObject*> classes);

} // namespace meshdeck::test
