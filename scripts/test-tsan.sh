#!/usr/bin/env bash
# ThreadSanitizer over the tests that start threads: configures a TSan
# build into build-tsan/ (-DROUNDS_TSAN=ON), builds only what those tests
# need and runs them. Any TSan report, from a test or from a roundsd or
# rounds it starts (even one killed with SIGKILL: reports go to files as
# they happen), fails the script. No suppressions.
# Extra arguments go to ctest. Exit code: ctest's, or 1 on a report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build-tsan"
# The threaded tests: the store's writers and readers, the commit thread,
# the registry's and the site opens' workers (test_srv_offloop),
# a TLS sync against a server thread, and one end-to-end run (roundsd's
# loop and commit thread with several handhelds), and the blob store's
# racing writers of one attachment (test_blob), and the PostgreSQL
# shipper's thread beside the loop and the commit thread
# (test_e2e_pgship; skipped without PostgreSQL). test_srv_serve is left
# out: it bounds roundsd's memory, which TSan's shadow memory inflates.
tests=(test_store_threads test_srv_commit test_srv_offloop test_srv_push
       test_sync_tls test_e2e_converge test_blob test_e2e_pgship)
targets=(test_store_threads test_srv_commit test_srv_offloop test_srv_push
         test_sync_tls roundsd rounds test_blob)
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DROUNDS_TSAN=ON -DROUNDS_SANITIZE=OFF -DROUNDS_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
reports="$build/tsan-reports"
rm -rf "$reports"
mkdir -p "$reports"
# log_path: one file per process that reported; exitcode: a test that
# reported fails on its own too.
export TSAN_OPTIONS="log_path=$reports/tsan second_deadlock_stack=1 \
exitcode=66 ${TSAN_OPTIONS:-}"
regex="^($(IFS='|'; echo "${tests[*]}"))\$"
rc=0
(cd "$build" && ctest --output-on-failure --timeout 600 -R "$regex" "$@") \
  || rc=$?
if compgen -G "$reports/tsan*" >/dev/null; then
  echo "test-tsan.sh: ThreadSanitizer reported:"
  cat "$reports"/tsan*
  exit 1
fi
exit "$rc"
