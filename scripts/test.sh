#!/usr/bin/env bash
# The whole test suite: installs missing packages, checks that the Release
# build compiles, builds with ASan+UBSan into build-asan/, and runs every
# CTest entry. Exit code is ctest's.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
# The optimiser finds other warnings (-Werror) than a Debug build does, and
# the demo builds Release: make sure it still compiles.
cmake -S "$top" -B "$top/build-release" -DCMAKE_BUILD_TYPE=Release \
  -DROUNDS_SANITIZE=OFF -DBUILD_TESTING=OFF >/dev/null
if ! cmake --build "$top/build-release" -j "$(nproc)" \
  >"$top/build-release/build.log" 2>&1; then
  grep -E -A5 "error|warning" "$top/build-release/build.log" | head -40
  echo "test.sh: the Release build failed (build-release/build.log)"
  exit 1
fi
build="$top/build-asan"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DROUNDS_SANITIZE=ON \
  -DROUNDS_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build" && ctest --output-on-failure -j "$(nproc)" --timeout 300 "$@"
