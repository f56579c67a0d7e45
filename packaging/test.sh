#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite:
# installs what is missing, builds with warnings as errors, runs every test
# but the soak ones (ctest label "soak"); then builds again with clang 14
# under AddressSanitizer + UndefinedBehaviorSanitizer (the asan preset, which
# also links the fuzz targets with libFuzzer) and runs the suite again, but
# the soak and NATS tests. Arguments are passed to both ctest runs.
# In between, each unit, integration and GUI test function runs alone.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/build.sh ci
ctest --preset ci --timeout 600 "$@"
# Every unit, integration and GUI test function once more, each alone in its own
# process: a function that passes only after another one has run fails here.
tests/run_functions_alone.sh build/ci unit integration gui

# ASAN_OPTIONS and UBSAN_OPTIONS come from the asan test preset
# (CMakePresets.json), so a developer's `ctest --preset asan` runs exactly
# this. Leak detection stays on and nothing is suppressed: every leak seen so
# far was ours.
bash packaging/build.sh asan
ctest --preset asan --timeout 900 "$@"
