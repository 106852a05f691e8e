#!/usr/bin/env bash
# test_e2e_hostile.sh BIN: misbehaving and malicious clients against a real
# roundsd on loopback TLS, while honest handhelds sync:
#  - 1,000 TLS connections that handshake and go silent, held open, and
#    100 TCP connections that never start TLS (closed at the handshake
#    timeout);
#  - 50 clients that send half a frame and stall (ERROR ETIMEOUT at the
#    idle timeout); 100 frames announcing 2 GiB (ETOOBIG on the header);
#    100 frames of malformed MessagePack; 300 that send 1 MiB less one
#    byte of a frame before any HELLO (refused on the header: at most a
#    HELLO's 4 KiB is buffered before the peer is known); an enrolled
#    device that sends
#    PULL after PULL and never reads (cut once its output is full and the
#    idle timeout passes);
#  - ops with absurd field sizes from a device of another site: a string
#    over 4,096 bytes, 49 fields, an op over 65,536 bytes (ETOOBIG), and a
#    string at the limit (accepted; its PULL gets nothing of site S1);
#  - a captured TLS session replayed byte for byte (refused in the
#    handshake), a forged ticket and a stale one (after a restart: a full
#    handshake instead, never a resumed session).
# Meanwhile three handhelds sync to completion; afterwards every digest
# equals the server's and the server still serves. The server's peak
# memory (VmHWM) is printed and must stay under HOSTILE_MEM_MB.
BIN=$1
. "$(dirname "$0")/lib.sh"
HOSTILE="$BIN/tests/integration/hostile"
# 1,000 TLS clients + 100 TCP + 250 more, each side of the connection.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 4096 ]; then
  echo "SKIP: ulimit -n is $(ulimit -n), 4096 needed"; exit 77
fi
# Bound on the server's peak RSS. Measured on this test: about 67 MB for a
# Release roundsd (1,000 idle TLS connections cost ~36 MB: mbedTLS's
# 16 KiB record buffers each way, the rest is transient) and 120-155 MB
# for the ASan build (redzones, shadow, a 16 MB quarantine). The bound
# leaves a margin over each (docs/HARDENING.md).
if ldd "$ROUNDSD" 2>/dev/null | grep -q libasan; then
  HOSTILE_MEM_MB=${HOSTILE_MEM_MB:-220}
else
  HOSTILE_MEM_MB=${HOSTILE_MEM_MB:-120}
fi
# ASan's default 256 MB quarantine of freed memory would be measured as
# the server's: keep it small, so the figure is the server's own.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
t0=$SECONDS
# Every hostile client here comes from 127.0.0.1 and the 1,000 silent ones
# must be held for the length of the flood: the strangers' limits (a pool
# of 256, 16 per address, 5 s to HELLO) are opened wide; test_e2e_starve.sh
# tests them.
SRV_FLAGS=(--idle-timeout 15 --handshake-timeout 5 --hello-pool 4000
  --hello-per-addr 4000 --hello-timeout-ms 15000)

server_init
server_start "${SRV_FLAGS[@]}"
for n in a b c; do hh_new $n; record $n 2; done
hh_new evil S2
hh_new hog
cert="$SRV/server.crt"
evil_id=0badc0de00000001
evil_cred=$(cat "$WORK/cred-evil")

# ---- the flood, with honest syncs in the middle ----------------------------
"$HOSTILE" "$PORT" "$cert" multi 1000 100 12 silent >"$WORK/silent.out" &
p_silent=$!
"$HOSTILE" "$PORT" "$cert" multi 50 0 25 half >"$WORK/half.out" &
p_half=$!
"$HOSTILE" "$PORT" "$cert" hog S1 hog 0badc0de00000002 "$(cat "$WORK/cred-hog")" \
  30 >"$WORK/hog.out" &
p_hog=$!
sleep 2
"$HOSTILE" "$PORT" "$cert" multi 100 0 10 send 7fffffff00 >"$WORK/huge.out" &
p_huge=$!
"$HOSTILE" "$PORT" "$cert" multi 100 0 10 send 00000004c1c1c1c1 \
  >"$WORK/garbage.out" &
p_garbage=$!
"$HOSTILE" "$PORT" "$cert" multi 300 0 15 fill >"$WORK/fill.out" &
p_fill=$!
pids=()
for n in a b c; do hh_sync $n >"$WORK/sync-$n.out" 2>&1 & pids+=($!); done
for p in "${pids[@]}"; do check "honest sync during the flood" wait "$p"; done
for c in str4097 fields49 op65537 str4096; do
  "$HOSTILE" "$PORT" "$cert" push S2 evil $evil_id "$evil_cred" $c \
    >"$WORK/push-$c.out"
done
wait $p_huge $p_garbage $p_silent $p_half $p_hog $p_fill
cat "$WORK"/silent.out "$WORK"/half.out "$WORK"/huge.out "$WORK"/garbage.out \
  "$WORK"/fill.out "$WORK"/hog.out
eq "silent: 1,000 handshakes, held" "$(head -1 "$WORK/silent.out" | cut -d' ' -f1-4)" \
  "handshakes=1000 failed=0 closed=100 open=1000"
eq "half frames: all closed" "$(head -1 "$WORK/half.out" | cut -d' ' -f1-4)" \
  "handshakes=50 failed=0 closed=50 open=0"
eq "half frames: ETIMEOUT" "$(sed -n 2p "$WORK/half.out")" "ERROR ETIMEOUT 50"
eq "huge lengths" "$(sed -n 2p "$WORK/huge.out")" "ERROR ETOOBIG 100"
r=$(sed -n 2p "$WORK/garbage.out")
case "$r" in "ERROR EMALFORMED 100"|"ERROR ETYPE 100") pass ;;
  *) fail "malformed msgpack: $r" ;; esac
case "$(cat "$WORK/hog.out")" in *" closed") pass ;;
  *) fail "a client that never reads was not cut: $(cat "$WORK/hog.out")" ;; esac
grep -q "sync site=S1 device=hog .*result=ETIMEOUT" "$WORK/server.log.new" \
  || fail "the reader that never reads was not timed out"
eq "1 MiB before HELLO: refused, closed" \
  "$(head -1 "$WORK/fill.out" | cut -d' ' -f1-4)" \
  "handshakes=300 failed=0 closed=300 open=0"
eq "string over 4,096 bytes" "$(cat "$WORK/push-str4097.out")" "ERROR ETOOBIG"
eq "49 fields" "$(cat "$WORK/push-fields49.out")" "ERROR ETOOBIG"
eq "op over 65,536 bytes" "$(cat "$WORK/push-op65537.out")" "ERROR ETOOBIG"
# At the limit it is a valid op; S2's device pulls nothing of S1's, only
# its own site's office key (OFFICE_OPS).
eq "string of 4,096 bytes" "$(tr '\n' ' ' <"$WORK/push-str4096.out")" \
  "ACK OK pulled=$OFFICE_OPS "

pid_status() { cat "/proc/$SRV_PID/status" 2>/dev/null; }
[ "$(pid_status | sed -n 's/^Name:\t*//p')" = roundsd ] \
  || fail "SRV_PID $SRV_PID is not roundsd"
hwm_kb=$(pid_status | sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p')
echo "server peak memory (VmHWM) after the flood: $((hwm_kb / 1024)) MB" \
  "(bound ${HOSTILE_MEM_MB} MB)"
[ "${hwm_kb:-999999999}" -lt $((HOSTILE_MEM_MB * 1024)) ] \
  || fail "server peak memory $((hwm_kb / 1024)) MB over ${HOSTILE_MEM_MB} MB"

# ---- replayed sessions, forged and stale tickets ---------------------------
# A fresh server: the flood used up this minute's log lines about
# strangers (SRV_PREHELLO_LINES), and the replay's refusal is judged by its
# line.
server_stop
server_start "${SRV_FLAGS[@]}"
dev_a=$(hh a status --json | jget device_id)
cred_a=$(cat "$WORK/cred-a")
r=$("$HOSTILE" "$PORT" "$cert" capture "$WORK/cap.bin" "$WORK/cap.sess" \
  S1 a "$dev_a" "$cred_a")
case "$r" in "OK pulled="*) pass ;; *) fail "capture: $r" ;; esac
syncs_before=$(grep -c "sync site=S1 device=a " "$WORK/server.log.new")
etls_before=$(grep -c "result=ETLS during=handshake" "$WORK/server.log.new")
r=$("$HOSTILE" "$PORT" "$cert" replay "$WORK/cap.bin")
case "$r" in "CLOSED in="*) pass ;; *) fail "replay: $r" ;; esac
# The server's line about the refused handshake (a bounded wait).
for _ in $(seq 250); do
  [ "$(grep -c "result=ETLS during=handshake" "$WORK/server.log.new")" \
    -gt "$etls_before" ] && break
  sleep 0.02
done
eq "a replay never reaches a session" \
  "$(grep -c "sync site=S1 device=a " "$WORK/server.log.new")" "$syncs_before"
eq "a replay fails in the handshake" \
  "$(grep -c "result=ETLS during=handshake" "$WORK/server.log.new")" \
  $((etls_before + 1))
r=$("$HOSTILE" "$PORT" "$cert" resume "$WORK/cap.sess" S1 a "$dev_a" "$cred_a")
case "$(echo $r)" in "RESUMED OK pulled="*) pass ;; *) fail "resume: $r" ;; esac
r=$("$HOSTILE" "$PORT" "$cert" resume "$WORK/cap.sess" S1 a "$dev_a" "$cred_a" flip)
case "$(echo $r)" in "FULL OK pulled="*) pass ;; *) fail "forged ticket: $r" ;; esac
server_stop
server_start "${SRV_FLAGS[@]}"
r=$("$HOSTILE" "$PORT" "$cert" resume "$WORK/cap.sess" S1 a "$dev_a" "$cred_a")
case "$(echo $r)" in "FULL OK pulled="*) pass ;; *) fail "stale ticket: $r" ;; esac

# ---- afterwards: alive, and everyone converged ------------------------------
for n in a b c; do record $n 1; done
for round in 1 2; do
  for n in a b c; do check "sync $n after ($round)" hh_sync $n >/dev/null; done
done
want=$(srv_digest S1)
for n in a b c; do eq "digest of $n" "$(hh_digest $n)" "$want"; done
total=$(( $(hh_own a) + $(hh_own b) + $(hh_own c) + OFFICE_OPS ))
for n in a b c; do eq "ops on $n" "$(hh_ops $n)" "$total"; done
kill -0 "$SRV_PID" || fail "server died"

# ---- the server's disk fills -------------------------------------------------
# RLIMIT_FSIZE at the site store's size (SIGXFSZ ignored: writes past it
# fail with EFBIG): a push gets ERROR EDISKFULL, nothing is acknowledged,
# and once there is room again the same ops go through, once.
server_stop
size=$(stat -c %s "$SRV/sites/S1/data.mdb")
big=$(printf '%3000s' | tr ' ' d)
for i in $(seq 40); do hh a log --text "$big $i" >/dev/null; done
trap '' XFSZ
ulimit -S -f $((size / 1024 + 8))
server_start "${SRV_FLAGS[@]}"
ulimit -S -f unlimited
trap - XFSZ
acked=$(hh a status --json | jget acked_seq)
out=$(hh_sync a 2>&1); rc=$?
eq "sync to a full server: exit code" "$rc" 7
grep -q EDISKFULL <<<"$out" || fail "no EDISKFULL in: $out"
eq "nothing acknowledged on a full disk" \
  "$(hh a status --json | jget acked_seq)" "$acked"
kill -0 "$SRV_PID" || fail "server died on a full disk"
server_stop
server_start "${SRV_FLAGS[@]}"
for n in a b c a; do check "sync $n with room again" hh_sync $n >/dev/null; done
eq "a acked all" "$(hh a status --json | jget acked_seq)" "$(hh_own a)"
want=$(srv_digest S1)
for n in a b c; do eq "digest of $n after the full disk" "$(hh_digest $n)" "$want"; done
total=$(( $(hh_own a) + $(hh_own b) + $(hh_own c) + OFFICE_OPS ))
srv_ops=$("$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p')
# S1 also holds the hog's nothing and the capture's nothing: own ops and
# the office's key only.
eq "server ops after the full disk" "$srv_ops" "$total"
grep -q "AddressSanitizer\|runtime error" "$WORK/server.log" \
  "$WORK/server.log.new" && fail "sanitizer report in the server log"
echo "took $((SECONDS - t0)) s"
finish
