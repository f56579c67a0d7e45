#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running mesh: installs what
# is missing, builds, and opens the meshdeck console with its embedded broker.
# Without a display it starts the headless broker, meshd, on 127.0.0.1:8787
# instead (data under the XDG data dir; a one-time admin token is printed on
# its first start; with --demo, meshd --demo: the same simulated stack).
#   packaging/run.sh [--demo]            console (--demo: simulated stack)
#   MESHDECK_HEADLESS=1 packaging/run.sh  meshd even when there is a display
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/build.sh release

if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -z "${MESHDECK_HEADLESS:-}" ]]; then
  exec build/release/app/meshdeck "$@"
fi

if [[ -z "${MESHDECK_HEADLESS:-}" ]]; then
  echo "run.sh: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the console cannot open;" \
       "starting the headless broker meshd instead." >&2
fi
data="${MESHDECK_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/meshdeck/mesh}"
mkdir -p "$data"
# Of the console's options, meshd takes --demo only.
demo=()
for arg in "$@"; do
  [[ "$arg" == "--demo" ]] && demo=(--demo)
done
exec build/release/app/meshd --data "$data" --listen "${MESHDECK_LISTEN:-127.0.0.1:8787}" \
  --log-format text "${demo[@]}"
