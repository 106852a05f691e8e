#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#  1. installs missing packages (scripts/deps.sh);
#  2. builds Release with tests into build-release/ and ASan+UBSan into
#     build-asan/, both with warnings as errors and the test clock
#     (proto/clock.h);
#  3. runs every CTest entry on the ASan build;
#  4. runs the whole suite again on the Release build under faketime,
#     400 days ahead of today, so no test depends on the date it runs;
#  5. runs the threaded tests under ThreadSanitizer (scripts/test-tsan.sh).
# Extra arguments go to both ctest runs (for example -R test_cli).
# ROUNDS_SKIP_FAKETIME=1 / ROUNDS_SKIP_TSAN=1 leave out steps 4 / 5.
# Exit code: 0 when every step passed, else the first failure's.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
common=(-DROUNDS_WERROR=ON -DROUNDS_TEST_CLOCK=ON)
jobs=$(nproc)

build_tree() { # build_tree DIR CMAKE_ARGS...: configure and build, quietly
  local dir=$1
  shift
  mkdir -p "$dir"
  cmake -S "$top" -B "$dir" "${common[@]}" "$@" >/dev/null
  if ! cmake --build "$dir" -j "$jobs" >"$dir/build.log" 2>&1; then
    grep -E -A5 "error|warning" "$dir/build.log" | head -40
    echo "test.sh: the build in $dir failed ($dir/build.log)"
    exit 1
  fi
}

# The optimiser finds other warnings than a Debug build does, and the demo
# and the valgrind test use this build.
build_tree "$top/build-release" -DCMAKE_BUILD_TYPE=Release \
  -DROUNDS_SANITIZE=OFF -DBUILD_TESTING=ON
build_tree "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug -DROUNDS_SANITIZE=ON \
  -DROUNDS_BENCH=OFF

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "== ctest (ASan+UBSan build)"
(cd "$top/build-asan" && ctest --output-on-failure -j "$jobs" --timeout 300 \
  "$@")

if [ "${ROUNDS_SKIP_FAKETIME:-0}" != 1 ]; then
  # libfaketime moves the clocks of every process the tests start
  # (roundsd, rounds, date, python3) by the same 400 days, so durations and
  # timeouts keep their length. (FAKETIME_DONT_FAKE_MONOTONIC=1 would make
  # Python's time.sleep fail with EINVAL under libfaketime 0.9.10.)
  echo "== ctest (Release build) under faketime, 400 days ahead"
  (cd "$top/build-release" &&
    faketime -f "+400d" \
      ctest --output-on-failure -j "$jobs" --timeout 300 "$@")
fi

if [ "${ROUNDS_SKIP_TSAN:-0}" != 1 ] && [ -x "$top/scripts/test-tsan.sh" ]; then
  echo "== ThreadSanitizer"
  "$top/scripts/test-tsan.sh"
fi
