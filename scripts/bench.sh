#!/usr/bin/env bash
# Benchmarks: installs missing packages, makes a Release build (no
# sanitizers) in build-release/, and runs one benchmark with the remaining
# arguments passed through. Usage: scripts/bench.sh [BENCH] [ARGS...]
#   record  durable single and batched records/s vs SQLite (the default)
#   sync    push, pull, no-op/incremental sync at 10k..1M ops and shift
#           change, against roundsd on loopback TLS, beside the PouchDB peer
#   limit   LMDB put rate of the same ops in one txn, mbedTLS AEAD MB/s
#   conns   roundsd's RSS with 1,000 TLS sessions open at once
#   all     sync + limit + conns in one run and one table (docs/PERFORMANCE.md)
#   report  every `roundsd report` kind on a site store of 1,000,000 ops,
#           built once into build-release/bench-report-v2-N (docs/REPORTS.md)
#   ingest  the storage cost of a pull and of a push: store_ingest_op in
#           batches of 4,096 per durable commit (bench_ingest --help)
#   app     the handheld app on a 1,000,000-op handheld store: Now, a scan
#           and the first screen, beside PouchDB (bench/bench_app.sh)
#   board   the office board's data (GET /api/board) on report's site store
#           of 1,000,000 ops, beside PouchDB's board queries (bench_board)
#   boards  100 open boards (event streams) beside a shift change of 100
#           handhelds: the change in its figures (bench/bench_boards.sh)
#   blob    durable 300 kB attachments through the blob store (blob_put,
#           chunked uploads) beside one file appended with one fdatasync
#           per attachment (bench_blob --help)
#   attach  a shift change's photos (100 x 20 x 300 KB): Rounds' upload
#           beside the machine's limits and the PouchDB peer's
#           attachments, and ops syncs behind the photos
#           (bench/bench_attach.sh)
#   pgship  the PostgreSQL shipper: its ship rate beside PostgreSQL's own
#           COPY of the same rows, its effect on a 100-handheld shift
#           change's push, the lag at its end (bench/bench_pgship.sh)
# `scripts/bench.sh record --help` and `scripts/bench.sh sync --help` show
# the flags (sync, limit, conns and all share bench/bench_sync.sh's flags).
# Benchmarks exit 0 whether or not their targets are met, non-zero on errors.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

which=record
case "${1:-}" in
  record|sync|limit|conns|all|report|ingest|app|board|boards|blob|attach|pgship)
    which=$1; shift ;;
  -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  ""|-*) ;; # no benchmark named: the default, the flags are its own
  *) echo "bench.sh: unknown benchmark '$1' (known: record, sync, limit," \
          "conns, all, report, ingest, app, board, boards, blob, attach," \
          "pgship)" >&2
     exit 2 ;;
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
  app)
    cmake --build "$build" -j "$(nproc)" --target bench_now rounds >&2
    exec "$top/bench/bench_app.sh" --bin "$build" "$@"
    ;;
  blob)
    cmake --build "$build" -j "$(nproc)" --target bench_blob >&2
    exec "$build/bench/bench_blob" "$@"
    ;;
  ingest)
    cmake --build "$build" -j "$(nproc)" --target bench_ingest >&2
    exec "$build/bench/bench_ingest" "$@"
    ;;
  board)
    cmake --build "$build" -j "$(nproc)" --target bench_board >&2
    # The peer: pouchdb-node from npm, installed once into a cache (as
    # bench_app.sh does).
    cache=${POUCHDB_PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pouchdb-peer}
    if [ ! -d "$cache/node_modules/pouchdb-node" ]; then
      peer=${POUCHDB_PEER:-/work/shared/bench/pouchdb-peer}
      mkdir -p "$cache"
      cp "$peer/package.json" "$cache/"
      (cd "$cache" && npm install --no-audit --no-fund --loglevel=error) >&2
    fi
    NODE_PATH="$cache/node_modules" exec "$build/bench/bench_board" \
      --dir "$build/bench-report-v2" --peer-js "$top/bench/bench_board_peer.js" \
      --peer-dir "$build/bench-board-peer" "$@"
    ;;
  boards)
    cmake --build "$build" -j "$(nproc)" --target roundsd bench_hh >&2
    exec "$top/bench/bench_boards.sh" --bin "$build" "$@"
    ;;
  pgship)
    cmake --build "$build" -j "$(nproc)" --target roundsd bench_hh >&2
    exec "$top/bench/bench_pgship.sh" --bin "$build" "$@"
    ;;
  attach)
    cmake --build "$build" -j "$(nproc)" --target bench_attach_limit roundsd \
      bench_hh bench_attach_hh >&2
    exec "$top/bench/bench_attach.sh" --bin "$build" "$@"
    ;;
  report)
    cmake --build "$build" -j "$(nproc)" --target bench_report >&2
    exec "$build/bench/bench_report" --dir "$build/bench-report-v2" "$@"
    ;;
  *)
    cmake --build "$build" -j "$(nproc)" --target roundsd rounds bench_hh \
      bench_limit bench_conns >&2
    case "$which" in
      sync) parts=sites,shift ;;
      all) parts=sites,shift,limit,conns ;;
      *) parts=$which ;;
    esac
    exec "$top/bench/bench_sync.sh" --bin "$build" --only "$parts" "$@"
    ;;
esac
