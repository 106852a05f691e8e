#!/usr/bin/env bash
# A long campaign of the merge property test (tests/merge/
# test_merge_property.c): random op sets from 4 to 6 devices with skewed
# clocks, applied to fresh replicas in random orders and batch splits, must
# give identical merged state everywhere. Builds a Release binary (no
# sanitizers) in build-soak/ and runs CASES cases split across JOBS
# processes, all under one seed.
#
# Usage: scripts/merge-soak.sh [CASES] [JOBS]
#   CASES  default 200000 (the normal suite runs 2,000)
#   JOBS   default nproc
# ROUNDS_MERGE_SEED=S repeats a campaign; the seed is printed first. A
# failing case prints the command that replays it alone:
#   ROUNDS_MERGE_SEED=S ROUNDS_MERGE_FIRST=I ROUNDS_MERGE_CASES=1 \
#     build-soak/tests/merge/test_merge_property
# The stores live under /dev/shm unless TMPDIR is set. Exit code is non-zero
# when any case failed; each job's log is kept then.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
cases=${1:-200000}
jobs=${2:-$(nproc)}
seed=${ROUNDS_MERGE_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
build="$top/build-soak"

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DROUNDS_SANITIZE=OFF \
  -DROUNDS_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target test_merge_property >&2
bin="$build/tests/merge/test_merge_property"

logs=$(mktemp -d "${TMPDIR:-/tmp}/rounds-soak-XXXXXX")
per=$(((cases + jobs - 1) / jobs))
echo "merge-soak: ROUNDS_MERGE_SEED=$seed, $cases cases in $jobs jobs"
start=$(date +%s)
pids=()
for ((k = 0; k < jobs; k++)); do
  first=$((k * per))
  n=$((cases - first < per ? cases - first : per))
  [ "$n" -gt 0 ] || break
  ROUNDS_MERGE_SEED=$seed ROUNDS_MERGE_FIRST=$first ROUNDS_MERGE_CASES=$n \
    "$bin" >"$logs/job$k.log" 2>&1 &
  pids+=($!)
done
failed=0
for k in "${!pids[@]}"; do
  if ! wait "${pids[k]}"; then
    failed=1
    echo "merge-soak: job $k FAILED:"
    tail -20 "$logs/job$k.log"
  fi
done
for k in "${!pids[@]}"; do grep -h "cases passed" "$logs/job$k.log" || true; done
echo "merge-soak: $(($(date +%s) - start)) s"
if [ "$failed" -eq 0 ]; then
  rm -rf "$logs"
  echo "merge-soak: all $cases cases converged"
else
  echo "merge-soak: logs kept in $logs"
fi
exit "$failed"
