#!/usr/bin/env bash
# test_e2e_backup.sh BIN: `roundsd backup` while a handheld pushes 30,000
# ops in several syncs; the copy holds every op acked before the backup
# began; `roundsd restore` into a new data directory refuses what it must
# (a non-empty directory, a backup without its manifest); after the
# restore the handhelds re-push what the restored server lacks (from
# WELCOME's have_seq), and a handheld whose pull cursor points past the
# restored log pulls the site again (new incarnation), so ops a third
# device records after the backup reach it. Nothing lost, nothing twice.
# Attachments: C's photo, synced before the backup, is in it (rehashed,
# listed in the manifest); the restored server holds it (C uploads
# nothing, B fetches it); a backup whose photo bytes changed is refused.
BIN=$1
. "$(dirname "$0")/lib.sh"
MKOPS="$BIN/tests/integration/mkops"

# held DATA DEVICE: the highest seq of DEVICE the site store holds.
held() {
  "$ROUNDSD" devices --data "$1" --site S1 --json | python3 -c '
import json, sys
print(next(d["held_seq"] for d in json.load(sys.stdin) if d["device"] == sys.argv[1]))' "$2"
}
srv_ops() { "$ROUNDSD" dump --data "$1" --site S1 --ops | sed -n 's/^ops //p'; }

server_init
server_start
hh_new A
hh_new B
hh_new C
"$MKOPS" "$WORK/hh-A" 12000 || fail "mkops A"
check "A first sync" hh_sync A >/dev/null
record C 2                      # 6 ops
mkdir -p "$WORK/img"
"$BIN/tests/proto/test_media" "$WORK/img" >/dev/null || fail "test_media"
cscan=$(hh C scan --tag CP-9 --route R1 --json | jget id)
photo=$(hh C attach "$cscan" "$WORK/img/plain.jpg" --json | jget hash) # 8 ops
check "C syncs before the backup" hh_sync C >/dev/null
record B 1                      # 3 ops
check "B pulls before the backup" hh_sync B >/dev/null
eq "B pulled A and C" "$(hh_ops B)" $((12011 + OFFICE_OPS))

# A records and pushes 18,000 more ops in six syncs while the backup runs.
(
  for _ in 1 2 3 4 5 6; do
    "$MKOPS" "$WORK/hh-A" 3000 || exit 1
    hh_sync A >/dev/null || exit 1
  done
) &
LOAD=$!
# Wait until the load has gone through at least one sync of its own.
for _ in $(seq 600); do
  [ "$(hh A status --json | jget acked_seq)" -gt 12000 ] && break
  sleep 0.05
done
acked_before=$(hh A status --json | jget acked_seq)
check "the load had synced before the backup" [ "$acked_before" -gt 12000 ]
"$ROUNDSD" backup "$WORK/bk" --data "$SRV" --json >"$WORK/backup.json" \
  2>"$WORK/backup.err" || fail "backup: $(cat "$WORK/backup.err")"
wait "$LOAD" || fail "the pushing load failed"
eq "A pushed all of its ops" "$(hh A status --json | jget acked_seq)" 30000

# The copy: it opens, holds every op acked before it began, and agrees
# with its manifest.
check "the backup has its manifest" test -s "$WORK/bk/MANIFEST.json"
copy_a=$(held "$WORK/bk" A)
check "copy holds every op of A acked before the backup ($copy_a >= $acked_before)" \
  [ "$copy_a" -ge "$acked_before" ]
eq "copy holds C" "$(held "$WORK/bk" C)" 8
eq "copy holds B" "$(held "$WORK/bk" B)" 3
copy_ops=$(srv_ops "$WORK/bk")
eq "copy op count = sum over devices" "$copy_ops" $((copy_a + 11 + OFFICE_OPS))
eq "backup --json counts the same ops" "$(jget ops <"$WORK/backup.json")" "$copy_ops"
eq "backup --json counts C's photo" "$(jget attachments <"$WORK/backup.json")" 1
eq "the manifest lists it" "$(python3 -c 'import json,sys; print(" ".join(a["hash"] for a in json.load(open(sys.argv[1]))["attachments"]))' "$WORK/bk/MANIFEST.json")" "$photo"
check "the backup's copy is the photo" cmp -s "$WORK/img/plain.jpg" \
  "$WORK/bk/sites/S1/attachments/${photo:0:2}/${photo:2}"
echo "backup began with A acked at $acked_before; the copy holds $copy_a of A's 30000"

# B pulls everything the old server has: its cursor now points past the end
# of the log the backup holds (when the backup caught A mid-load).
check "B pulls from the old server" hh_sync B >/dev/null
eq "B holds the whole old site" "$(hh_ops B)" $((30011 + OFFICE_OPS))
server_stop

# Restore refusals: a non-empty data directory, an incomplete backup.
"$ROUNDSD" restore "$WORK/bk" --data "$SRV" >/dev/null 2>&1
eq "restore into a non-empty directory is refused" "$?" 4
mkdir "$WORK/half" && cp -r "$WORK/bk/sites" "$WORK/bk/registry" "$WORK/half/"
"$ROUNDSD" restore "$WORK/half" --data "$WORK/x" >/dev/null 2>&1
eq "a backup without MANIFEST.json is refused" "$?" 4
check "nothing restored from it" [ ! -e "$WORK/x/registry" ]
cp -a "$WORK/bk" "$WORK/bk-bad"
printf 'Z' | dd of="$WORK/bk-bad/sites/S1/attachments/${photo:0:2}/${photo:2}" \
  bs=1 seek=100 conv=notrunc 2>/dev/null
"$ROUNDSD" restore "$WORK/bk-bad" --data "$WORK/y" >/dev/null 2>"$WORK/bad.err"
eq "a backup whose photo bytes changed is refused" "$?" 5
check "the refusal names the photo" grep -q "$photo" "$WORK/bad.err"
check "nothing restored from it" [ ! -e "$WORK/y/registry" ]
rm -rf "$WORK/bk-bad"

"$ROUNDSD" restore "$WORK/bk" --data "$WORK/srv2" --json >"$WORK/restore.json" \
  2>"$WORK/restore.err" || fail "restore: $(cat "$WORK/restore.err")"
old_inc=$(python3 -c 'import json,sys; print([s["incarnation"] for s in json.load(open(sys.argv[1]))["stores"] if s["site"]=="S1"][0])' "$WORK/bk/MANIFEST.json")
new_inc=$(python3 -c 'import json,sys; print([s["incarnation"] for s in json.load(open(sys.argv[1]))["stores"] if s["site"]=="S1"][0])' "$WORK/restore.json")
check "restore gives the site store a new incarnation" [ "$old_inc" != "$new_inc" ]
SRV="$WORK/srv2"
eq "restored ops" "$(srv_ops "$SRV")" "$copy_ops"
eq "restore --json counts the photo" "$(jget attachments <"$WORK/restore.json")" 1
eq "the restored photo hashes to its name" \
  "$(sha256sum <"$SRV/sites/S1/attachments/${photo:0:2}/${photo:2}" | cut -c1-64)" "$photo"
server_start                    # same port: the handhelds' enrollment holds

# C records after the backup; its ops reach only the restored server, and
# land at log positions B's old cursor has already passed.
record C 2
out=$(hh C sync --json) || fail "C sync after restore"
eq "C pushes only its new ops" "$(jget pushed <<<"$out")" 6
eq "C uploads no attachment" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"]["up"])' <<<"$out")" 0
out=$(hh A sync --json) || fail "A sync after restore"
eq "A re-pushes what the restored server lacks" "$(jget pushed <<<"$out")" $((30000 - copy_a))
eq "A's acked seq" "$(jget acked_seq <<<"$out")" 30000
check "B asks for C's photo" hh B attachment want "$photo"
out=$(hh B sync --json) || fail "B sync after restore"
eq "B fetched the photo from the restored server" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"]["down"])' <<<"$out")" 1
eq "B's cursor was reset (new incarnation)" "$(jget cursor_reset <<<"$out")" true
eq "B pushed nothing (the server had its ops)" "$(jget pushed <<<"$out")" 0
eq "B got C's ops recorded after the backup" "$(hh_ops B)" $((30017 + OFFICE_OPS))
eq "B's digest = the server's" "$(hh_digest B)" "$(srv_digest)"

# Nothing lost, nothing twice: per device and in total.
eq "server holds A" "$(held "$SRV" A)" 30000
eq "server holds B" "$(held "$SRV" B)" 3
eq "server holds C" "$(held "$SRV" C)" 14
eq "server ops = sum over devices" "$(srv_ops "$SRV")" $((30017 + OFFICE_OPS))
for n in A C; do
  hh_sync "$n" >/dev/null || fail "$n final sync"
  eq "$n's digest = the server's" "$(hh_digest "$n")" "$(srv_digest)"
done
out=$(hh B sync --json) || fail "B again"
eq "the next sync pulls nothing again" "$(jget cursor_reset <<<"$out")" false
finish
