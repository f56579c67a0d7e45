#!/usr/bin/env bash
# Installs what is missing and builds meshdeck with a CMake preset.
#   packaging/build.sh [PRESET]     (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."

preset="${1:-release}"
bash packaging/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
