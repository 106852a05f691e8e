#!/usr/bin/env bash
# Fuzzing campaigns: builds the libFuzzer targets with clang, ASan and UBSan
# into build-fuzz/, then runs each target (or the one named) for SECONDS
# over a working copy of its checked-in corpus (tests/fuzz/corpus/TARGET).
#
# Usage: scripts/fuzz.sh [--merge] [TARGET] [SECONDS]
#   TARGET   op_decode, msg_decode, session, tls_server (a folder name
#            under tests/fuzz/corpus); all targets when omitted
#            (docs/HARDENING.md: what each one drives)
#   SECONDS  per target, default 60
#   --merge  afterwards, add the inputs that reach new coverage to the
#            checked-in corpus (libFuzzer -merge=1); review and commit them
# Extra libFuzzer flags can be passed in FUZZ_ARGS (e.g. "-jobs=2").
# Crashes are written to build-fuzz/artifacts/TARGET/; the exit code is
# non-zero when any target found one.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build-fuzz"

merge=0
args=()
for a in "$@"; do
  case "$a" in
    --merge) merge=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
target=${args[0]:-}
seconds=${args[1]:-60}
if [[ -n "$target" && "$target" =~ ^[0-9]+$ && ${#args[@]} -eq 1 ]]; then
  seconds=$target
  target=
fi

if [[ -n "$target" ]]; then
  [[ -d "$top/tests/fuzz/corpus/$target" ]] || {
    echo "fuzz: no corpus for target '$target'" >&2
    exit 2
  }
  targets=("$target")
else
  targets=()
  for d in "$top"/tests/fuzz/corpus/*/; do
    targets+=("$(basename "$d")")
  done
fi

CC=clang cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DROUNDS_FUZZ=ON -DROUNDS_SANITIZE=ON -DROUNDS_BENCH=OFF >/dev/null
# Only the fuzz targets: a half-written component elsewhere must not stop a
# campaign on the decoders.
for t in "${targets[@]}"; do
  cmake --build "$build" -j "$(nproc)" --target "fuzz_$t"
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz_$t"
  corpus="$top/tests/fuzz/corpus/$t"
  work="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  cp -n "$corpus"/* "$work"/ 2>/dev/null || true
  dict=()
  [[ -f "$top/tests/fuzz/$t.dict" ]] && dict=(-dict="$top/tests/fuzz/$t.dict")
  echo "fuzz: $t for ${seconds}s over $work" >&2
  # shellcheck disable=SC2086
  if ! "$exe" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} "$work"; then
    echo "fuzz: $t FOUND A CRASH: see $artifacts/" >&2
    status=1
  fi
  if [[ $merge -eq 1 ]]; then
    "$exe" -merge=1 "${dict[@]}" "$corpus" "$work"
  fi
done
exit $status
