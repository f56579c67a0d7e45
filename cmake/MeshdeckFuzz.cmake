# Fuzz targets for every parser that takes outside input (tests/fuzz).
#
# Each target is one file defining LLVMFuzzerTestOneInput. Two ways to build it:
#
#   MESHDECK_FUZZ=ON (the asan preset, clang only): linked with libFuzzer
#     (-fsanitize=fuzzer). Its CTest entry replays the crash inputs, then fuzzes
#     for MESHDECK_FUZZ_SECONDS from the seeds; tests/fuzz/soak.sh runs each
#     target for ten million executions.
#   MESHDECK_FUZZ=OFF (gcc, the dev and ci presets): linked with
#     tests/fuzz/replay_main.cpp, which runs every seed and crash input once, so
#     every build replays the corpus as a regression test.
#
# Either way the CTest entry is named fuzz_<name> and labelled "fuzz".

option(MESHDECK_FUZZ "Link the fuzz targets with libFuzzer (clang only)" OFF)
set(MESHDECK_FUZZ_SECONDS 10 CACHE STRING "How long each fuzz target runs under ctest (MESHDECK_FUZZ=ON)")

if(MESHDECK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MESHDECK_FUZZ=ON needs clang (libFuzzer); use the asan preset, "
                        "which selects clang++-14, or set MESHDECK_FUZZ=OFF")
  endif()
  # Coverage feedback for libFuzzer, on every target that links
  # meshdeck_options - the libraries the fuzz targets call into and
  # everything else of ours. Not in CMAKE_CXX_FLAGS: try_compile checks and
  # third-party code built by CMake would get it too, and the flag belongs to
  # the fuzzing set-up rather than to the preset. The instrumentation's
  # callbacks have weak no-op definitions in the ASan/UBSan runtimes, so the
  # ordinary test executables link and run unchanged (a few percent slower).
  target_compile_options(meshdeck_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

set(MESHDECK_FUZZ_DIR "${PROJECT_SOURCE_DIR}/tests/fuzz")

# The replay driver, built once.
if(NOT MESHDECK_FUZZ AND NOT TARGET meshdeck_fuzz_replay)
  add_library(meshdeck_fuzz_replay STATIC "${MESHDECK_FUZZ_DIR}/replay_main.cpp")
  target_link_libraries(meshdeck_fuzz_replay PRIVATE meshdeck_options)
endif()

# meshdeck_add_fuzz_target(NAME name SOURCES ... LIBRARIES ... [SEEDS file-or-dir ...])
# Builds fuzz_<name> and registers the CTest entry fuzz_<name>. Seeds are the
# corpus it starts from: tests/fuzz/corpus/<name> always, plus any fixture
# files or folders listed. tests/fuzz/crashes/<name> holds inputs that once
# failed; they are replayed first and must pass. tests/fuzz/dicts/<name>.dict,
# when present, is libFuzzer's dictionary.
function(meshdeck_add_fuzz_target)
  cmake_parse_arguments(F "" "NAME" "SOURCES;LIBRARIES;SEEDS" ${ARGN})
  set(target fuzz_${F_NAME})
  add_executable(${target} ${F_SOURCES})
  target_link_libraries(${target} PRIVATE meshdeck_options ${F_LIBRARIES})
  target_compile_definitions(${target} PRIVATE
    MESHDECK_FUZZ_CATALOG_DIR="${PROJECT_SOURCE_DIR}/resources/catalog")

  set(seeds "${MESHDECK_FUZZ_DIR}/corpus/${F_NAME}" ${F_SEEDS})
  foreach(seed IN LISTS seeds)
    if(NOT EXISTS "${seed}")
      message(FATAL_ERROR "meshdeck_add_fuzz_target(${F_NAME}): seed ${seed} does not exist")
    endif()
  endforeach()
  set(crashes "${MESHDECK_FUZZ_DIR}/crashes/${F_NAME}")
  set(dict "${MESHDECK_FUZZ_DIR}/dicts/${F_NAME}.dict")
  if(NOT EXISTS "${dict}")
    set(dict "")
  endif()

  if(MESHDECK_FUZZ)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    # What run_fuzzer.cmake needs to run this target: read by its CTest
    # entry and by tests/fuzz/soak.sh.
    set(work "${CMAKE_CURRENT_BINARY_DIR}/work/${F_NAME}")
    file(GENERATE OUTPUT "${work}/target.cmake" CONTENT
"set(NAME \"${F_NAME}\")
set(FUZZER \"$<TARGET_FILE:${target}>\")
set(SEEDS \"${seeds}\")
set(CRASHES \"${crashes}\")
set(DICT \"${dict}\")
set(WORK_DIR \"${work}\")
")
    math(EXPR timeout "${MESHDECK_FUZZ_SECONDS} + 120")
    add_test(NAME ${target}
             COMMAND ${CMAKE_COMMAND} "-DTARGET_FILE=${work}/target.cmake"
                     "-DSECONDS=${MESHDECK_FUZZ_SECONDS}" -P "${MESHDECK_FUZZ_DIR}/run_fuzzer.cmake")
  else()
    target_link_libraries(${target} PRIVATE meshdeck_fuzz_replay)
    set(timeout 300)
    add_test(NAME ${target} COMMAND ${target} ${seeds} ${crashes})
  endif()
  set_tests_properties(${target} PROPERTIES LABELS fuzz TIMEOUT ${timeout})
endfunction()
