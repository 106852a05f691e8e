#!/usr/bin/env bash
# test_e2e_attach.sh BIN: attachments over real TLS (protocol 4) between a
# real roundsd and real handhelds.
#  - a attaches a photo (with GPS) and a PDF to an open work order and a
#    1.6 MB photo (7 chunks) to a scan; checked by bytes, location out;
#  - a's sync sends them; the server holds each once, under its hash; a
#    second sync sends nothing;
#  - b's sync pulls the ops and fetches the open work order's attachments
#    (its policy) but not the scan's photo until it asks for it;
#  - cut at every chunk: a proxy cuts a's upload of a new 1.6 MB photo at
#    byte offsets across all its chunks; each next sync resumes; at the end
#    the server holds it once, whole, its hash right; the same for b's
#    download;
#  - kill -9 of roundsd in the middle of an upload loses no op and the
#    upload resumes after the restart;
#  - uploads that wait for their turn (roundsd's loop serves other syncs
#    first) arrive whole, and a graceful stop during one ends cleanly;
#  - what is not a JPEG, PNG, WebP or PDF, or over the maximum, is refused
#    and nothing is stored.
BIN=$1
. "$(dirname "$0")/lib.sh"
MEDIA="$BIN/tests/proto/test_media"

server_init
server_start
hh_new a
hh_new b

IMG="$WORK/img"
mkdir -p "$IMG"
"$MEDIA" "$IMG" >/dev/null || { echo "test_media could not write images"; exit 1; }
# big.jpg: a real JPEG made large by comment segments of random bytes
# (before its image data, so it stays one whole JPEG).
bigjpeg() { # bigjpeg OUT SEGMENTS
  python3 - "$IMG/plain.jpg" "$1" "$2" <<'EOF'
import os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = open(src, 'rb').read()
com = b''.join(b'\xff\xfe' + (65533 + 2).to_bytes(2, 'big') + os.urandom(65533)
               for _ in range(n))
open(out, 'wb').write(b[:2] + com + b[2:])
EOF
}
bigjpeg "$IMG/big1.jpg" 25
bigjpeg "$IMG/big2.jpg" 25
bigjpeg "$IMG/big3.jpg" 25
bigjpeg "$IMG/big4.jpg" 25
bigjpeg "$IMG/big5.jpg" 25
bigjpeg "$IMG/huge.jpg" 130

srv_att() { # srv_att HASH: the server's file of an attachment
  echo "$SRV/sites/S1/attachments/${1:0:2}/${1:2}"
}
# upload_begun: waits (8 s at most) for a partial upload on the server.
upload_begun() {
  for _ in $(seq 400); do
    [ -n "$(ls "$SRV/sites/S1/attachments/partial" 2>/dev/null)" ] && break
    sleep 0.02
  done
  [ -n "$(ls "$SRV/sites/S1/attachments/partial")" ] || fail "no upload under way"
}
srv_count() { find "$SRV/sites/S1/attachments" -path '*/partial' -prune -o \
  -path '*/tmp' -prune -o -type f -print | wc -l; }

# ---- attach -------------------------------------------------------------
wo=$(hh a workorder create --place 3-2-401 --category plumbing \
  --description "ceiling stain" --json | jget id)
photo=$(hh a attach "$wo" "$IMG/gps_ii.jpg" --json | jget hash)
pdf=$(hh a attach "$wo" "$IMG/small.pdf" --json | jget hash)
scan=$(hh a scan --tag CP-1 --route R1 --json | jget id)
big=$(hh a attach "$scan" "$IMG/big1.jpg" --json | jget hash)
eq "photo stored under its hash" "$(hh a attach "$wo" "$IMG/gps_ii.jpg" --json | jget hash)" "$photo"
hh a attachment get "$photo" --out "$WORK/p.jpg" >/dev/null || fail "get photo"
eq "the photo's hash is its name" "$(sha256sum <"$WORK/p.jpg" | cut -c1-64)" "$photo"
if command -v exiftool >/dev/null; then
  eq "no GPS left" "$(exiftool -s -s -s -GPSLatitude "$WORK/p.jpg")" ""
  eq "orientation kept" "$(exiftool -s -s -s -n -Orientation "$WORK/p.jpg")" 6
fi
eq "three attachments on a" "$(hh a attachment list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 3

# Refused, nothing stored.
before=$(hh_own a)
hh a attach "$wo" /etc/hostname >/dev/null 2>&1
eq "not an image: exit 2" $? 2
hh a attach "$wo" "$IMG/huge.jpg" >/dev/null 2>"$WORK/err"
rc=$?
[ $rc -ne 0 ] || fail "a file over 8 MiB was taken"
grep -q "at most 8.4 MB" "$WORK/err" || fail "the refusal says the limit: $(cat "$WORK/err")"
hh a attach "$wo" "$IMG/small.pdf" --role signature >/dev/null 2>&1
eq "a PDF is no signature: exit 2" $? 2
eq "refusals wrote no op" "$(hh_own a)" "$before"

# ---- up -----------------------------------------------------------------
# On a terminal `rounds sync` shows its phases: the photos go up before
# the pull (the reference client's order, docs/PROTOCOL.md "Attachments"),
# so they are durable on the server before other devices' ops come down.
script -qec "env ROUNDS_DATA='$WORK/hh-a' '$ROUNDS' sync --json \
  >'$WORK/sync-a.json'" "$WORK/sync-a.pty" >/dev/null </dev/null ||
  fail "a sync"
out=$(cat "$WORK/sync-a.json")
eq "a's photos go up, then it pulls" "$(tr '\r' '\n' <"$WORK/sync-a.pty" |
  sed -n 's/^\(push\|attach\|pull\) .*/\1/p' | uniq | tr '\n' ' ')" \
  "push attach pull "
eq "a sent three" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"]["up"])')" 3
for h in "$photo" "$pdf" "$big"; do
  f=$(srv_att "$h")
  [ -f "$f" ] || fail "server lacks $h"
  eq "server's copy of ${h:0:8} hashes to its name" "$(sha256sum <"$f" | cut -c1-64)" "$h"
done
eq "server holds three files" "$(srv_count)" 3
out=$(hh_sync a --json) || fail "a sync again"
eq "second sync sends nothing" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"]["up"])')" 0

# ---- down ---------------------------------------------------------------
out=$(hh_sync b --json) || fail "b sync"
eq "b fetched the open order's two" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"]["down"])')" 2
hh b attachment get "$pdf" --out "$WORK/b.pdf" >/dev/null || fail "b get pdf"
cmp -s "$WORK/b.pdf" "$IMG/small.pdf" || fail "b's pdf differs"
hh b attachment get "$big" --out "$WORK/b.jpg" --json >"$WORK/nh.json" 2>/dev/null
eq "the scan's photo is not on b (policy)" $? 3
eq "not held: ENOTHELD" "$(jget error <"$WORK/nh.json")" ENOTHELD
hh b attachment get "$(printf '0%.0s' {1..64})" --out "$WORK/x" --json \
  >"$WORK/nf.json" 2>/dev/null
eq "a hash no record names: exit 3" $? 3
eq "no record has it: ENOTFOUND" "$(jget error <"$WORK/nf.json")" ENOTFOUND
hh b show "$wo" | grep -q "image/jpeg" || fail "b's show lists the photo"
check "b asks for the scan's photo" hh b attachment want "$big"
out=$(hh_sync b --json) || fail "b sync for the wanted one"
eq "b fetched the one it asked for" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"]["down"])')" 1
hh b attachment get "$big" --out "$WORK/b.jpg" >/dev/null || fail "b get big"
cmp -s "$WORK/b.jpg" "$IMG/big1.jpg" || fail "b's copy of the scan's photo differs"
eq "digests agree" "$(hh_digest b)" "$(srv_digest)"

# ---- cut at every chunk: up ------------------------------------------------
proxy() { # proxy DIR N [fin]: a proxy cutting DIR after N bytes; sets PPORT, PPID_
  : >"$WORK/p.port"
  "$CUTPROXY" "$PORT" "$@" >"$WORK/p.port" &
  PPID_=$!
  for _ in $(seq 200); do [ -s "$WORK/p.port" ] && break; sleep 0.02; done
  PPORT=$(cat "$WORK/p.port")
}
big2=$(hh a attach "$wo" "$IMG/big2.jpg" --json | jget hash)
size=$(stat -c %s "$IMG/big2.jpg")
chunks=$(( (size + 262143) / 262144 ))
# cut_syncs WHO DIR: syncs WHO through a proxy that ends DIR 300,000 bytes
# into each session (an end of stream, not a reset, so the cut falls at
# that byte whatever the timing), until one sync gets through. A session
# carries one whole chunk (262,144 bytes) and part of the next before its
# cut: only a transfer that resumes where the last one stopped ever ends,
# and it takes one sync per chunk. Sets TRIES.
cut_syncs() {
  local who=$1 dir=$2 rc
  TRIES=0
  while [ "$TRIES" -lt 40 ]; do
    TRIES=$((TRIES + 1))
    proxy "$dir" 300000 fin
    timeout 60 env ROUNDS_DATA="$WORK/hh-$who" "$ROUNDS" sync \
      --server "127.0.0.1:$PPORT" --timeout 10 >/dev/null 2>&1
    rc=$?
    wait "$PPID_"
    [ $rc -eq 124 ] && fail "sync hung ($dir, try $TRIES)"
    [ $rc -eq 0 ] && return 0
  done
  return 1
}
cut_syncs a up || fail "the upload never got through its cuts"
echo "upload of $chunks chunks: $TRIES syncs, each cut after a chunk"
[ "$TRIES" -ge $((chunks - 1)) ] || fail "only $TRIES syncs for $chunks chunks"
f=$(srv_att "$big2")
eq "the cut upload is whole on the server" "$(sha256sum <"$f" | cut -c1-64)" "$big2"
eq "server holds four files" "$(srv_count)" 4
eq "no upload left half way" "$(ls "$SRV/sites/S1/attachments/partial" | wc -l)" 0

# ---- cut at every chunk: down ----------------------------------------------
cut_syncs b down || fail "the download never got through its cuts"
echo "download of $chunks chunks: $TRIES syncs, each cut after a chunk"
[ "$TRIES" -ge $((chunks - 1)) ] || fail "only $TRIES syncs for $chunks chunks"
hh b attachment get "$big2" --out "$WORK/b2.jpg" >/dev/null || fail "b get big2"
cmp -s "$WORK/b2.jpg" "$IMG/big2.jpg" || fail "b's copy of the cut download differs"
eq "no download left half way on b" "$(ls "$WORK/hh-b/attachments/partial" | wc -l)" 0

# ---- kill -9 of the server in the middle of an upload ----------------------
big3=$(hh a attach "$wo" "$IMG/big3.jpg" --json | jget hash)
hh a log --text "after the photo" >/dev/null
own=$(hh_own a)
# A test build's roundsd takes each chunk 300 ms (ROUNDSD_TEST_ATT_CHUNK_MS),
# so the kill lands inside the upload.
server_stop
ROUNDSD_TEST_ATT_CHUNK_MS=300 server_start
hh_sync a >/dev/null 2>&1 &
SYNC=$!
# Wait for the upload to have begun on the server, then kill it.
upload_begun
[ -f "$(srv_att "$big3")" ] && fail "the upload ended before the kill"
server_kill
wait "$SYNC"
server_start
check "sync after the restart" hh_sync a >/dev/null
eq "every op of a on the server" "$(hh a status --json | jget acked_seq)" "$own"
f=$(srv_att "$big3")
eq "the killed upload is whole" "$(sha256sum <"$f" | cut -c1-64)" "$big3"
eq "server holds five files, once each" "$(srv_count)" 5
out=$(hh_sync a --json)
eq "nothing left to send" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"]["up"])')" 0
eq "a digest" "$(hh_digest a)" "$(srv_digest)"

# ---- uploads yield to other syncs --------------------------------------------
# roundsd lets the connections uploading photos decrypt and encrypt 128 KiB
# per turn of its loop, all together; past that each waits, parked (not
# read, not driven), for a later turn, so other syncs go first. A test
# build takes ROUNDSD_TEST_UPLOAD_TURN bytes instead: at 1 an upload waits
# after nearly every TLS record. Everything still arrives whole, b's sync
# beside it goes through, and a graceful stop does not hang on a parked
# connection.
server_stop || fail "graceful stop"
ROUNDSD_TEST_UPLOAD_TURN=1 server_start
big4=$(hh a attach "$wo" "$IMG/big4.jpg" --json | jget hash)
hh b log --text "beside a's upload" >/dev/null
hh_sync a --json >"$WORK/sync-a4.json" 2>&1 &
SYNC=$!
check "b syncs while a uploads" hh_sync b
wait "$SYNC" || fail "a's sync with an upload that waits its turns: $(cat "$WORK/sync-a4.json")"
eq "a sent the one" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attachments"]["up"])' "$WORK/sync-a4.json")" 1
eq "the slow upload is whole" "$(sha256sum <"$(srv_att "$big4")" | cut -c1-64)" "$big4"
server_stop || fail "graceful stop after the upload"
waits=$("$ROUNDSD" stats --data "$SRV" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"]["upload_waits"])')
echo "the upload of 7 chunks waited its turn $waits times"
[ "$waits" -gt 6 ] || fail "the upload never waited its turn ($waits waits for 7 chunks)"
"$ROUNDSD" stats --data "$SRV" | grep -q "upload waits $waits" ||
  fail "roundsd stats shows the waits"
# A graceful stop while the upload waits (each chunk held 300 ms on the
# server, so the stop lands inside it): roundsd ends, the next sync resumes.
big5=$(hh a attach "$wo" "$IMG/big5.jpg" --json | jget hash)
ROUNDSD_TEST_UPLOAD_TURN=1 ROUNDSD_TEST_ATT_CHUNK_MS=300 server_start
hh_sync a >/dev/null 2>&1 &
SYNC=$!
upload_begun
server_stop || fail "graceful stop in the middle of a waiting upload"
wait "$SYNC"
server_start
check "sync after the stop" hh_sync a >/dev/null
eq "the stopped upload is whole" "$(sha256sum <"$(srv_att "$big5")" | cut -c1-64)" "$big5"
eq "server holds seven files, once each" "$(srv_count)" 7
eq "a digest after the waits" "$(hh_digest a)" "$(srv_digest)"
check "b syncs at the end" hh_sync b >/dev/null
eq "b digest after the waits" "$(hh_digest b)" "$(srv_digest)"
finish
