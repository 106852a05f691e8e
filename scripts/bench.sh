#!/usr/bin/env bash
# Benchmarks: installs missing packages, makes a Release build (no
# sanitizers) in build-release/, and runs one benchmark with the remaining
# arguments passed through. Usage: scripts/bench.sh [BENCH] [ARGS...]
#   record  durable single and batched records/s vs SQLite (the default)
# `scripts/bench.sh record --help` shows a benchmark's own flags. Benchmarks
# exit 0 whether or not their targets are met, non-zero on errors.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

which=record
case "${1:-}" in
  record) which=$1; shift ;;
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  ""|-*) ;; # no benchmark named: the default, the flags are its own
  *) echo "bench.sh: unknown benchmark '$1' (known: record)" >&2; exit 2 ;;
esac

"$top/scripts/deps.sh"
build="$top/build-release"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DROUNDS_SANITIZE=OFF \
  -DROUNDS_BENCH=ON -DBUILD_TESTING=OFF >/dev/null

case "$which" in
  record)
    cmake --build "$build" -j "$(nproc)" --target bench_record >&2
    exec "$build/bench/bench_record" "$@"
    ;;
esac
