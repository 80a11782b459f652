#!/usr/bin/env bash
# The full test suite on a busy machine: run the README's test command (scripts/test.sh)
# RUNS times (default 3) while one CPU hog per core competes with it at the same priority.
# The hogs are started and stopped here, and each dies by itself after HOG_LIMIT seconds
# (default 3600) even if this script is killed. Prints one pytest summary line per run;
# exits non-zero if any run failed.
#
#   ./scripts/stress-ci.sh            # 3 runs, every test
#   RUNS=1 ./scripts/stress-ci.sh -m "not slow and not browser"   # arguments go to pytest
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
HOG_LIMIT="${HOG_LIMIT:-3600}"
CORES="$(nproc)"
mkdir -p test-output
hogs=()
stop_hogs() {
  for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done
  wait "${hogs[@]}" 2>/dev/null
  hogs=()
}
trap stop_hogs EXIT INT TERM

summaries=()
failed=0
for run in $(seq 1 "$RUNS"); do
  for _ in $(seq 1 "$CORES"); do  # a busy loop per core, bounded in time
    timeout "$HOG_LIMIT" sh -c 'while :; do :; done' &
    hogs+=("$!")
  done
  log="test-output/stress-run-$run.log"
  echo "== run $run of $RUNS: scripts/test.sh $* with $CORES CPU hogs (log: $log)"
  start=$(date +%s)
  ./scripts/test.sh "$@" >"$log" 2>&1
  rc=$?
  stop_hogs
  line="$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$log" | tail -n 1)"
  [ -n "$line" ] || line="(no pytest summary: see $log)"
  summaries+=("run $run: rc=$rc, $(( $(date +%s) - start )) s: $line")
  echo "${summaries[-1]}"
  [ "$rc" -eq 0 ] || failed=1
done
echo "== summary"
printf '%s\n' "${summaries[@]}"
exit "$failed"
