#!/usr/bin/env bash
# Installs the Debian 12 packages meshdeck needs to build, run and test.
# Idempotent: packages already present are left alone. Run as root or with sudo.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang-format
  # the asan preset and the fuzz targets: clang with its sanitizer and libFuzzer runtimes
  clang-14 libclang-rt-14-dev
  # libraries
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-websockets-dev qt6-svg-dev
  libqt6svg6 libqt6opengl6-dev qt6-qpa-plugins libgl-dev
  libboost-dev libssl-dev openssl libsqlite3-dev sqlite3
  nlohmann-json3-dev libvalijson-dev libpugixml-dev
  # NATS JetStream: peer for benchmarks and the scale-out log
  nats-server libnats-dev
  # running the console without a display, and screenshots
  xvfb xauth x11-utils imagemagick fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
