#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running mesh: installs what
# is missing, builds, and starts meshd on 127.0.0.1:8787 with its data under
# the XDG data dir. On first start it prints a one-time admin token.
#   packaging/run.sh [meshd options...]
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/build.sh release

data="${MESHDECK_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/meshdeck/mesh}"
mkdir -p "$data"
exec build/release/app/meshd --data "$data" --listen "${MESHDECK_LISTEN:-127.0.0.1:8787}" \
  --log-format text "$@"
