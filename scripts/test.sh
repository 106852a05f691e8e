#!/usr/bin/env bash
# The whole test suite: installs missing packages, builds with ASan+UBSan into
# build-asan/, and runs every CTest entry. Exit code is ctest's.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
build="$top/build-asan"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DROUNDS_SANITIZE=ON \
  -DROUNDS_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build" && ctest --output-on-failure -j "$(nproc)" --timeout 300 "$@"
