# One libFuzzer target (cmake -P), for its CTest entry and for soak.sh:
#   1. unless SKIP_REPLAY, every input in CRASHES (tests/fuzz/crashes/<name>)
#      runs once and must pass;
#   2. the seeds are copied into WORK_DIR/corpus (under the build tree: the
#      source tree is never written) and the target fuzzes from there, for
#      SECONDS or, when RUNS is set, for RUNS executions. A crash leaves its
#      input in WORK_DIR/artifacts and fails.
# TARGET_FILE is the target.cmake that cmake/MeshdeckFuzz.cmake wrote for the
# target: NAME, FUZZER, SEEDS (files and folders), CRASHES, DICT (may be
# empty), WORK_DIR.

if(NOT DEFINED TARGET_FILE OR NOT EXISTS "${TARGET_FILE}")
  message(FATAL_ERROR "run_fuzzer.cmake: set -DTARGET_FILE=<build>/tests/fuzz/work/<name>/target.cmake")
endif()
include("${TARGET_FILE}")
if(NOT RUNS AND NOT SECONDS)
  message(FATAL_ERROR "run_fuzzer.cmake: set -DSECONDS=<n> or -DRUNS=<n>")
endif()

set(corpus "${WORK_DIR}/corpus")
set(artifacts "${WORK_DIR}/artifacts/")
file(MAKE_DIRECTORY "${corpus}" "${artifacts}")

# 1. Regression: inputs that crashed a target once (soak.sh skips this step:
#    it reports what the fuzzer finds, known or not).
if(NOT SKIP_REPLAY AND IS_DIRECTORY "${CRASHES}")
  file(GLOB_RECURSE crash_inputs LIST_DIRECTORIES false "${CRASHES}/*")
  if(crash_inputs)
    list(SORT crash_inputs)
    list(LENGTH crash_inputs n)
    message(STATUS "replaying ${n} crash input(s) from ${CRASHES}")
    execute_process(COMMAND "${FUZZER}" -runs=1 ${crash_inputs} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "a crash input in ${CRASHES} still fails (exit ${rc}); see above")
    endif()
  endif()
endif()

# 2. Fuzzing from the seeds.
set(seed_count 0)
foreach(seed IN LISTS SEEDS)
  if(IS_DIRECTORY "${seed}")
    file(GLOB_RECURSE files LIST_DIRECTORIES false "${seed}/*")
  elseif(EXISTS "${seed}")
    set(files "${seed}")
  else()
    message(FATAL_ERROR "seed ${seed} does not exist")
  endif()
  foreach(file IN LISTS files)
    get_filename_component(folder "${file}" DIRECTORY)
    get_filename_component(folder "${folder}" NAME)
    get_filename_component(name "${file}" NAME)
    file(COPY_FILE "${file}" "${corpus}/seed-${folder}-${name}")
    math(EXPR seed_count "${seed_count} + 1")
  endforeach()
endforeach()
if(seed_count EQUAL 0)
  message(FATAL_ERROR "no seeds found in ${SEEDS}")
endif()

if(RUNS)
  set(options -runs=${RUNS})
  set(how "${RUNS} executions")
else()
  set(options -max_total_time=${SECONDS})
  set(how "${SECONDS} s")
endif()
list(APPEND options -timeout=25 -rss_limit_mb=2560 -print_final_stats=1
            "-artifact_prefix=${artifacts}")
if(DICT)
  list(APPEND options "-dict=${DICT}")
endif()
message(STATUS "fuzzing ${FUZZER} for ${how} from ${seed_count} seed(s) in ${corpus}")
execute_process(COMMAND "${FUZZER}" ${options} "${corpus}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (exit ${rc}); the input is in ${artifacts}. Copy it to "
                      "${CRASHES}/ once understood, so it stays a regression test.")
endif()
