# Project-wide build settings: one INTERFACE target carries the flags every
# meshdeck target links, and one function registers a test.

set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

# Disk: a build links about a hundred test executables, each with its own
# static copy of the project's libraries and their debug information. Thin
# archives keep one copy of each object file, and compressed debug sections
# (-gz, read by gdb and the sanitizers' symbolizer alike) shrink every object
# and executable several times over.
set(CMAKE_CXX_ARCHIVE_CREATE "<CMAKE_AR> qcT <TARGET> <LINK_FLAGS> <OBJECTS>")
set(CMAKE_CXX_ARCHIVE_APPEND "<CMAKE_AR> qT <TARGET> <LINK_FLAGS> <OBJECTS>")

add_library(meshdeck_options INTERFACE)
target_compile_features(meshdeck_options INTERFACE cxx_std_20)
target_compile_options(meshdeck_options INTERFACE
  -Wall -Wextra -Wpedantic -Wno-missing-field-initializers -gz
  $<$<BOOL:${MESHDECK_WERROR}>:-Werror>)
target_link_options(meshdeck_options INTERFACE -gz)
target_compile_definitions(meshdeck_options INTERFACE
  QT_NO_CAST_FROM_ASCII
  QT_NO_CONTEXTLESS_CONNECT
  QT_USE_QSTRINGBUILDER
  QT_NO_KEYWORDS
  BOOST_ASIO_NO_DEPRECATED
  MESHDECK_VERSION="${PROJECT_VERSION}")

set(MESHDECK_SOURCE_ROOT "${PROJECT_SOURCE_DIR}")

# meshdeck_add_test(NAME name LABEL unit|integration|gui|nats|soak
#                   SOURCES ... LIBRARIES ... [TIMEOUT seconds])
# Builds a Qt Test executable against the project's libraries (never their
# sources), registers it with CTest under its label and, for GUI tests, runs
# it on the offscreen platform.
function(meshdeck_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT T_LABEL MATCHES "^(unit|integration|gui|nats|soak)$")
    message(FATAL_ERROR "meshdeck_add_test(${T_NAME}): unknown label '${T_LABEL}'")
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  set_target_properties(${T_NAME} PROPERTIES AUTOMOC ON)
  target_link_libraries(${T_NAME} PRIVATE meshdeck_options meshdeck_testsupport Qt6::Test ${T_LIBRARIES})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set(env "MESHDECK_FIXTURES=${MESHDECK_SOURCE_ROOT}/tests/fixtures"
          "MESHDECK_CATALOG=${MESHDECK_SOURCE_ROOT}/resources/catalog"
          "MESHDECK_MAPPINGS=${MESHDECK_SOURCE_ROOT}/resources/mappings"
          "MESHDECK_BIN_DIR=${CMAKE_BINARY_DIR}/app")
  if(T_LABEL STREQUAL "gui")
    list(APPEND env "QT_QPA_PLATFORM=offscreen")
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT} ENVIRONMENT "${env}")
endfunction()
