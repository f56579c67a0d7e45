#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite:
# installs what is missing, builds with warnings as errors, runs every test
# but the soak ones (ctest label "soak").
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/build.sh ci
ctest --preset ci --timeout 600 "$@"
