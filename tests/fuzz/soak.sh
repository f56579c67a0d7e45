#!/usr/bin/env bash
# Soak: runs every fuzz target (or those named) for RUNS executions each
# (default 10,000,000; libFuzzer stops by itself), one after the other, from
# the seeds plus the corpus earlier runs grew under the build tree, and prints
# executions and crashes per target. A target stops at its first crash; its
# input is left in <build>/tests/fuzz/work/<name>/artifacts/.
#
#   cmake --preset asan && cmake --build --preset asan
#   tests/fuzz/soak.sh                          # every target, 10M runs each
#   RUNS=1000000 tests/fuzz/soak.sh envelope    # one target, fewer runs
#   BUILD_DIR=build/other tests/fuzz/soak.sh
#
# Exit status: 0 when no target crashed.
set -euo pipefail
cd "$(dirname "$0")/../.."

build_dir="${BUILD_DIR:-build/asan}"
runs="${RUNS:-10000000}"
work="$build_dir/tests/fuzz/work"

if [[ ! -d "$work" ]]; then
  echo "soak: no fuzz targets under $work; build the asan preset first" >&2
  exit 2
fi
if (($# > 0)); then
  names=("$@")
else
  names=()
  for f in "$work"/*/target.cmake; do names+=("$(basename "$(dirname "$f")")"); done
fi

# Inputs libFuzzer saved for a failure (not slow-unit-*, which is no failure).
failures_in() {
  find "$1" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
    2>/dev/null | wc -l
}

summary=()
failed=0
for name in "${names[@]}"; do
  target="$work/$name/target.cmake"
  if [[ ! -f "$target" ]]; then
    echo "soak: no fuzz target '$name' (see $work)" >&2
    exit 2
  fi
  log="$work/$name/soak.log"
  artifacts="$work/$name/artifacts"
  before=$(failures_in "$artifacts")
  start=$(date +%s)
  echo "soak: $name, $runs runs (log: $log)"
  status=passed
  if ! cmake -DTARGET_FILE="$target" -DRUNS="$runs" -DSKIP_REPLAY=ON \
       -P tests/fuzz/run_fuzzer.cmake >"$log" 2>&1; then
    status=FAILED
    failed=1
  fi
  executed=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  crashes=$(($(failures_in "$artifacts") - before))
  line=$(printf '%-24s %-7s executions %-10s crashes %d  %ds' \
    "$name" "$status" "${executed:-?}" "$crashes" $(($(date +%s) - start)))
  echo "$line"
  if [[ $status == FAILED ]]; then
    grep -m2 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|fuzz check failed|what\(\)' "$log" || tail -5 "$log"
    ls -t "$artifacts" 2>/dev/null | head -1 | sed "s|^|  input: $artifacts/|"
  fi
  summary+=("$line")
done

echo
echo "soak summary ($runs runs per target):"
printf '  %s\n' "${summary[@]}"
exit $failed
