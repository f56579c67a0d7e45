# bench_console_stall: the longest GUI event-loop stall while 5,000 events/s
# flow into the console's Events page (in-process broker, offscreen window).
# Run it by hand for figures (default 20 s); CTest runs a 3 s smoke that
# fails only when events never reach the table, never on the stall figure.
add_executable(bench_console_stall bench_console_stall.cpp)
target_link_libraries(bench_console_stall PRIVATE
  meshdeck_options meshdeck_views meshdeck_testbroker Qt6::Widgets)
# Where resources/catalog is when MESHDECK_CATALOG is unset (a run by hand).
target_compile_definitions(bench_console_stall PRIVATE
  MESHDECK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

add_test(NAME bench_console_stall_smoke COMMAND bench_console_stall --seconds 3)
set_tests_properties(bench_console_stall_smoke PROPERTIES
  LABELS gui
  TIMEOUT 120
  ENVIRONMENT "QT_QPA_PLATFORM=offscreen;MESHDECK_CATALOG=${PROJECT_SOURCE_DIR}/resources/catalog;MESHDECK_FIXTURES=${PROJECT_SOURCE_DIR}/tests/fixtures;MESHDECK_BIN_DIR=${CMAKE_BINARY_DIR}/app")

add_test(NAME bench_console_browse_smoke
  COMMAND bench_console_stall --stored 20000 --browse-seconds 2)
set_tests_properties(bench_console_browse_smoke PROPERTIES
  LABELS gui
  TIMEOUT 120
  ENVIRONMENT "QT_QPA_PLATFORM=offscreen;MESHDECK_CATALOG=${PROJECT_SOURCE_DIR}/resources/catalog;MESHDECK_FIXTURES=${PROJECT_SOURCE_DIR}/tests/fixtures;MESHDECK_BIN_DIR=${CMAKE_BINARY_DIR}/app")
