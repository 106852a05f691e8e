#!/usr/bin/env bash
# test_e2e_starve.sh BIN: strangers cannot starve the handhelds. A real
# roundsd on loopback TLS, with its limits scaled down so the test is
# short (40 session slots, a pool of 160 for connections not yet past
# HELLO, 4 of them per address, 3 s to finish TLS and HELLO), is flooded
# from 32 source addresses (127.0.1.1-32) by
#  - 150 TCP connections that never start TLS,
#  - 100 TLS connections that never send HELLO,
#  - 8 TLS connections that ask for a renegotiation every 500 ms,
# each opened again 1 s after the server closes it, for as long as the
# test runs. Meanwhile 4 handhelds on 127.0.0.1 `rounds sync` 25 times
# each (a record before every fifth): at least 99% of these 100 syncs must
# succeed. The flood's 32 addresses can hold at most 32 x 4 = 128 of the
# pool's 160 places, so the handhelds always find one. Then: the server is
# alive, its log holds at most SRV_PREHELLO_LINES lines about strangers a
# minute, and at shutdown a summary "prehello: N connections refused
# before HELLO from M addresses". Against a roundsd from before
# these limits (no --hello-pool flag) the same run must fail: the flood
# holds every connection slot (docs/HARDENING.md, section 2b).
BIN=$1
. "$(dirname "$0")/lib.sh"
HOSTILE="$BIN/tests/integration/hostile"
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 2048 ]; then
  echo "SKIP: ulimit -n is $(ulimit -n), 2048 needed"; exit 77
fi
NHH=4 NROUNDS=25 ADDRS=32
t0=$SECONDS

flags=(--max-conns 40 --idle-timeout 30 --handshake-timeout 10)
if "$ROUNDSD" serve --help 2>&1 | grep -q -- --hello-pool; then
  flags+=(--hello-pool 160 --hello-per-addr 4 --hello-timeout-ms 3000)
else
  echo "NOTE: $ROUNDSD has no strangers' limits (--hello-pool): expect FAIL"
fi
server_init
server_start "${flags[@]}"
for i in $(seq $NHH); do hh_new "h$i"; done
cert="$SRV/server.crt"

# ---- the flood ---------------------------------------------------------------
export HOSTILE_ADDRS=$ADDRS HOSTILE_RECONNECT_MS=1000 HOSTILE_RENEG_MS=500
"$HOSTILE" "$PORT" "$cert" multi 0 150 120 silent \
  >"$WORK/tcp.out" 2>"$WORK/tcp.err" &
p_tcp=$!
"$HOSTILE" "$PORT" "$cert" multi 100 0 120 silent \
  >"$WORK/tls.out" 2>"$WORK/tls.err" &
p_tls=$!
"$HOSTILE" "$PORT" "$cert" multi 8 0 120 reneg \
  >"$WORK/reneg.out" 2>"$WORK/reneg.err" &
p_reneg=$!
# Wait (bounded) until the flood is on: the TCP ones connected and the
# server refused strangers or holds its slots. The TLS floods may never
# report UP against a server that closes them; they reconnect anyway.
for _ in $(seq 400); do
  grep -q UP "$WORK/tcp.err" 2>/dev/null && break
  sleep 0.05
done
grep -q UP "$WORK/tcp.err" || fail "the TCP flood did not start"
for _ in $(seq 400); do
  grep -q UP "$WORK/tls.err" "$WORK/reneg.err" 2>/dev/null && break
  sleep 0.05
done

# ---- honest syncs during the flood -------------------------------------------
ok=0 total=0
for r in $(seq $NROUNDS); do
  pids=()
  for i in $(seq $NHH); do
    # A record every fifth round: most syncs have nothing to push, as at
    # a shift change.
    ( if [ $((r % 5)) = 1 ]; then hh "h$i" log --text "round $r" >/dev/null; fi &&
      hh "h$i" sync --timeout 10 >"$WORK/sync-h$i-$r.out" 2>&1 ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    total=$((total + 1))
    if wait "$p"; then ok=$((ok + 1)); fi
  done
done
pct=$((ok * 1000 / total))
echo "honest syncs during the flood: $ok of $total ($((pct / 10)).$((pct % 10))%)"
[ $((ok * 100)) -ge $((total * 99)) ] \
  || fail "only $ok of $total honest syncs succeeded (99% needed);" \
       "first failures: $(cat "$WORK"/sync-*.out | grep -v '^sync' | sort | uniq -c | head -5)"
kill -0 "$SRV_PID" || fail "server died"

kill "$p_tcp" "$p_tls" "$p_reneg" 2>/dev/null
wait "$p_tcp" "$p_tls" "$p_reneg" 2>/dev/null
cat "$WORK/tcp.out" "$WORK/tls.out" "$WORK/reneg.out" 2>/dev/null

# ---- afterwards: every handheld converged; the log stayed small -------------
for pass in 1 2; do
  for i in $(seq $NHH); do
    check "sync h$i after the flood ($pass)" hh_sync "h$i" >/dev/null
  done
done
want=$(srv_digest S1)
for i in $(seq $NHH); do eq "digest of h$i" "$(hh_digest "h$i")" "$want"; done
server_stop || fail "server stop"
log="$WORK/server.log"
secs=$((SECONDS - t0))
strangers=$(grep -c "peer=127\.0\.1\." "$log")
echo "server log: $(wc -l <"$log") lines, $strangers about strangers, in $secs s"
if [ "${#flags[@]}" -gt 6 ]; then
  # At most SRV_PREHELLO_LINES (30) a minute: the run spans at most
  # secs/60 + 1 minutes, each a fresh allowance.
  [ "$strangers" -le $(( (secs / 60 + 1) * 30 )) ] \
    || fail "$strangers log lines about strangers in $secs s (30 a minute)"
  summary=$(grep "prehello: [0-9]* connections refused before HELLO from" "$log" | tail -1)
  echo "$summary"
  addrs=$(sed -n 's/.* from \(at least \)\{0,1\}\([0-9]*\) addresses.*/\2/p' \
    <<<"$summary")
  [ "${addrs:-0}" -ge $ADDRS ] || fail "summary: $summary"
  grep -q "result=ETLS during=renegotiation\|lines not logged" "$log" \
    || fail "no renegotiation refused"
fi
grep -q "AddressSanitizer\|runtime error" "$log" && fail "sanitizer report"
echo "took $((SECONDS - t0)) s"
finish
