#!/usr/bin/env bash
# Runs every test function of the given CTest labels on its own, one process
# per function, so a function that passes only after another one has run
# (shared state, an order it silently relies on) fails here.
#
#   tests/run_functions_alone.sh BUILD_DIR [LABEL...]     (default labels: unit integration)
#
# Each test executable is run the way CTest runs it (same environment and
# working directory), with one function name as its argument. Prints one line
# per failing function and a summary "N passed, M failed"; exits 1 if any
# function failed alone.
set -uo pipefail

build=${1:?usage: tests/run_functions_alone.sh BUILD_DIR [LABEL...]}
shift
labels=("$@")
((${#labels[@]})) || labels=(unit integration)

build=$(cd "$build" && pwd)
passed=0
failed=0
failures=()

for label in "${labels[@]}"; do
  # ctest --show-only=json-v1 gives each test's command, environment and labels.
  while IFS=$'\t' read -r name command env; do
    [[ -n "$name" ]] || continue
    functions=$(env $env "$command" -functions 2>/dev/null | sed -n 's/()$//p')
    for fn in $functions; do
      log=$(mktemp)
      if (cd "$build" && env $env timeout 300 "$command" "$fn" >"$log" 2>&1); then
        passed=$((passed + 1))
      else
        failed=$((failed + 1))
        failures+=("$name::$fn")
        echo "FAILED alone: $name::$fn"
        grep -E "^(FAIL!|   Loc:)" "$log" | head -4 | sed 's/^/    /'
      fi
      rm -f "$log"
    done
  done < <(ctest --test-dir "$build" -L "^${label}\$" --show-only=json-v1 2>/dev/null | python3 -c '
import json, sys
for t in json.load(sys.stdin).get("tests", []):
    env = ""
    for p in t.get("properties", []):
        if p["name"] == "ENVIRONMENT":
            env = " ".join(p["value"])
    print(t["name"], t["command"][0], env, sep="\t")
')
done

echo "functions run alone: $passed passed, $failed failed"
((failed == 0))
