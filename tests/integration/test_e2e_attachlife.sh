#!/usr/bin/env bash
# test_e2e_attachlife.sh BIN: the life of attachments after they are
# stored (docs/OPERATIONS.md, "Attachments"):
#  - roundsd attachment list / get / verify read a site's files beside a
#    running serve; get and verify rehash, and name a damaged file;
#  - orphans (files no op names) are collected by `roundsd attachment gc`
#    and `rounds attachment gc`, dry run first, files newer than --min-age
#    kept, referenced files never;
#  - roundsd backup copies every attachment rehashed and lists it in the
#    manifest; a damaged one is named and left out (exit 1); restore
#    refuses a backup whose attachment bytes do not match their names,
#    restoring nothing, and restores a good one whole: the handheld's next
#    sync uploads nothing and another handheld can fetch them;
#  - `roundsd pii purge` removes the files of records whose personal data
#    it purged, keeping bytes another record also names (pinned clocks:
#    only in a -DROUNDS_TEST_CLOCK=ON build).
BIN=$1
. "$(dirname "$0")/lib.sh"
MEDIA="$BIN/tests/proto/test_media"

DAY=86400000
T0=1795824000000 # 2026-11-28T00:00Z
case "${RND_TEST_CLOCK:-}" in
  ON | on | 1 | TRUE | true | YES | yes) CLOCKS=1 ;;
  *) CLOCKS=0 ;;
esac
if [ $CLOCKS = 1 ]; then
  # The site's first personal-data key is made at T0, so the purge below
  # counts its retention from a fixed day.
  export ROUNDSD_CLOCK_MS=$T0 ROUNDS_CLOCK_MS=$T0
fi
rd() { "$ROUNDSD" "$@" --data "$SRV"; }
count() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
jpath() { # jpath EXPR < json: prints eval(EXPR) with d = the document
  python3 -c 'import json,sys; d=json.load(sys.stdin); v=eval(sys.argv[1]); print(str(v).lower() if isinstance(v,bool) else v)' "$1"
}
att_path() { # att_path DIR HASH: a blob store's file of HASH
  echo "$1/${2:0:2}/${2:2}"
}
nfiles() { find "$1" -path '*/partial' -prune -o -path '*/tmp' -prune -o \
  -type f -print 2>/dev/null | wc -l; }
# orphan DIR FILE [AGE]: puts FILE's bytes in the blob folder DIR under
# their hash, as a crash between an attach's bytes and its op leaves them;
# AGE (7200) backdates it. Prints the hash.
orphan() {
  local h
  h=$(sha256sum <"$2" | cut -c1-64)
  mkdir -p "$1/${h:0:2}"
  cp "$2" "$(att_path "$1" "$h")"
  chmod 600 "$(att_path "$1" "$h")"
  # Aged from the file's own mtime (the file system's clock), not from
  # date's "now": the Release suite runs under faketime, whose clock is
  # 400 days ahead of the mtimes the kernel writes; gc reads its "now"
  # from the file system too (blob_now).
  if [ -n "${3:-}" ]; then
    local f m
    f=$(att_path "$1" "$h")
    m=$(stat -c %Y "$f")
    touch -d "@$((m - $3))" "$f"
  fi
  echo "$h"
}

# gc compares files' mtimes with the file system's clock (blob_now). Under
# the Release suite's faketime, libfaketime also shifts what stat() says,
# and not through every call alike: let every process here see the real
# mtimes (the clocks of the processes stay faked).
export NO_FAKE_STAT=1

IMG="$WORK/img"
mkdir -p "$IMG"
"$MEDIA" "$IMG" >/dev/null || { echo "test_media could not write images"; exit 1; }

server_init
server_start
hh_new a
hh_new b
check "a's first sync (the office's key)" hh_sync a
SATT="$SRV/sites/S1/attachments"

# ---- a record with personal data, a work order, their attachments -------
vid=$(hh a visit enter --name "Wang Wei" --id-type id_card \
  --id-no 110101199003071234 --unit 3-2-1201 --purpose delivery --json |
  jget id)
wo=$(hh a workorder create --place 3-2-401 --category plumbing \
  --description "ceiling stain" --json | jget id)
vphoto=$(hh a attach "$vid" "$IMG/gps_ii.png" --json | jget hash)
shared=$(hh a attach "$vid" "$IMG/gps_mm.jpg" --json | jget hash)
check "the same bytes on the work order" hh a attach "$wo" "$IMG/gps_mm.jpg" --json
photo=$(hh a attach "$wo" "$IMG/plain.jpg" --json | jget hash)
pdf=$(hh a attach "$wo" "$IMG/small.pdf" --json | jget hash)
out=$(hh_sync a --json) || fail "a sync"
eq "a uploaded four" "$(jpath 'd["attachments"]["up"]' <<<"$out")" 4
eq "the server holds four files" "$(nfiles "$SATT")" 4

# ---- list, get, verify (serve running) ----------------------------------
eq "list: five references" "$(rd attachment list --site S1 --json | count)" 5
eq "list ID: the work order's three" \
  "$(rd attachment list --site S1 "$wo" --json | count)" 3
eq "list: every one present" "$(rd attachment list --site S1 --json |
  jpath 'all(a["present"] for a in d)')" true
rd attachment list --site S1 "$wo" | grep -q "application/pdf" ||
  fail "list names the PDF's type"
check "get" rd attachment get --site S1 "$pdf" --out "$WORK/got.pdf"
check "get wrote the PDF" cmp -s "$WORK/got.pdf" "$IMG/small.pdf"
rd attachment get --site S1 "$(printf '0%.0s' {1..64})" --out "$WORK/x" \
  >/dev/null 2>&1
eq "get of a hash no record names: exit 3" $? 3
rd attachment get --site S1 "$pdf" >/dev/null 2>&1
eq "get without --out: exit 2" $? 2
out=$(rd attachment verify --site S1 --json) || fail "verify: $out"
eq "verify rehashed four" "$(jget files <<<"$out")" 4
eq "verify: none missing" "$(jget missing <<<"$out")" 0

# A damaged file: verify and get name it, get writes nothing.
cp "$(att_path "$SATT" "$photo")" "$WORK/photo.good"
printf 'X' | dd of="$(att_path "$SATT" "$photo")" bs=1 seek=200 conv=notrunc \
  2>/dev/null
rd attachment verify --site S1 >"$WORK/verify.out" 2>"$WORK/verify.err"
eq "verify of a damaged file: exit 1" $? 1
check "verify names the damaged file" grep -q "DAMAGED $photo" "$WORK/verify.out"
rd attachment get --site S1 "$photo" --out "$WORK/bad.jpg" >/dev/null \
  2>"$WORK/get.err"
check "get of a damaged file fails" [ $? -ne 0 ]
check "get says it is damaged" grep -q "damaged" "$WORK/get.err"
check "get left no file" [ ! -e "$WORK/bad.jpg" ]

# ---- backup: the damaged file is named and left out ---------------------
rd backup "$WORK/bk-damaged" --json >"$WORK/bkd.json" 2>"$WORK/bkd.err"
eq "backup with a damaged attachment: exit 1" $? 1
check "the backup names it" grep -q "$photo" "$WORK/bkd.err"
check "the rest of that backup is complete" test -s "$WORK/bk-damaged/MANIFEST.json"
eq "its manifest lists it as damaged" "$(jpath \
  '[a["hash"] for a in d["damaged"]]' <"$WORK/bk-damaged/MANIFEST.json")" \
  "['$photo']"
eq "and the three good ones" "$(jpath 'len(d["attachments"])' \
  <"$WORK/bk-damaged/MANIFEST.json")" 3
cp "$WORK/photo.good" "$(att_path "$SATT" "$photo")"
check "verify after the repair" rd attachment verify --site S1

# ---- orphans ------------------------------------------------------------
young=$(orphan "$SATT" "$IMG/gps_mm.webp")
old=$(orphan "$SATT" "$IMG/gps_ii.webp" 7200)
out=$(rd attachment gc --site S1 --dry-run --json) || fail "gc --dry-run"
eq "dry run: one old orphan" "$(jget files <<<"$out")" 1
eq "dry run: the old one" "$(jpath 'd["orphans"][0]["hash"]' <<<"$out")" "$old"
eq "dry run: the young one kept" "$(jget kept_young <<<"$out")" 1
check "dry run removed nothing" test -f "$(att_path "$SATT" "$old")"
out=$(rd attachment gc --site S1 --json) || fail "gc"
eq "gc removed the old orphan" "$(jget files <<<"$out")" 1
eq "gc counts its bytes" "$(jget bytes <<<"$out")" "$(stat -c %s "$IMG/gps_ii.webp")"
check "it is gone" [ ! -e "$(att_path "$SATT" "$old")" ]
check "the young one stays (--min-age 1h)" test -f "$(att_path "$SATT" "$young")"
rd attachment gc --site S1 --min-age 0 >"$WORK/gc.out" || fail "gc --min-age 0"
check "gc says what it removed" grep -q "removed $young" "$WORK/gc.out"
eq "only referenced files are left" "$(nfiles "$SATT")" 4
rd attachment gc --site S1 --min-age 1x >/dev/null 2>&1
eq "a bad --min-age: exit 2" $? 2

# The handheld's own.
HATT="$WORK/hh-a/attachments"
hyoung=$(orphan "$HATT" "$IMG/gps_mm.webp")
hold=$(orphan "$HATT" "$IMG/gps_ii.webp" 10800)
out=$(hh a attachment gc --dry-run --json) || fail "rounds gc --dry-run"
eq "rounds dry run: one" "$(jget files <<<"$out")" 1
check "rounds dry run removed nothing" test -f "$(att_path "$HATT" "$hold")"
out=$(hh a attachment gc --json) || fail "rounds gc"
eq "rounds gc: the old orphan" "$(jpath 'd["orphans"][0]["hash"]' <<<"$out")" "$hold"
check "rounds gc kept the young one" test -f "$(att_path "$HATT" "$hyoung")"
hh a attachment gc --min-age 0 >/dev/null || fail "rounds gc --min-age 0"
check "rounds gc --min-age 0 took it" [ ! -e "$(att_path "$HATT" "$hyoung")" ]
eq "a keeps its four" "$(nfiles "$HATT")" 4
check "a's attachments still read" hh a attachment get "$photo" --out "$WORK/a.jpg"

# ---- backup and restore -------------------------------------------------
out=$(rd backup "$WORK/bk" --json 2>"$WORK/bk.err") ||
  fail "backup: $(cat "$WORK/bk.err")"
eq "backup --json counts four attachments" "$(jget attachments <<<"$out")" 4
eq "the manifest lists them with size and hash" "$(jpath \
  'sorted((a["site"], a["hash"], a["bytes"]) for a in d["attachments"])' \
  <"$WORK/bk/MANIFEST.json")" "$(for h in "$vphoto" "$shared" "$photo" "$pdf"; do
  echo "$h $(stat -c %s "$(att_path "$SATT" "$h")")"; done | python3 -c '
import sys; print(sorted(("S1", h, int(n)) for h, n in (l.split() for l in sys.stdin)))')"
for h in "$vphoto" "$shared" "$photo" "$pdf"; do
  f=$(att_path "$WORK/bk/sites/S1/attachments" "$h")
  eq "the backup's ${h:0:8} hashes to its name" "$(sha256sum <"$f" | cut -c1-64)" "$h"
done

# A backup whose attachment bytes changed is refused, nothing restored.
cp -a "$WORK/bk" "$WORK/bk-bad"
printf 'Y' | dd of="$(att_path "$WORK/bk-bad/sites/S1/attachments" "$pdf")" \
  bs=1 seek=10 conv=notrunc 2>/dev/null
"$ROUNDSD" restore "$WORK/bk-bad" --data "$WORK/srv-bad" >/dev/null \
  2>"$WORK/rbad.err"
check "restore of a damaged attachment is refused" [ $? -ne 0 ]
check "the refusal names it" grep -q "$pdf" "$WORK/rbad.err"
check "nothing restored from it" [ ! -e "$WORK/srv-bad/registry" ]
rm -f "$(att_path "$WORK/bk-bad/sites/S1/attachments" "$photo")"
"$ROUNDSD" restore "$WORK/bk-bad" --data "$WORK/srv-bad2" >/dev/null 2>&1
check "a missing attachment file is refused" [ $? -ne 0 ]
rm -rf "$WORK/bk-bad" "$WORK/bk-damaged"

# A photo sent after the backup: the restored server lacks it, and a's
# sync after the restore (another incarnation) offers it again.
late=$(hh a attach "$wo" "$IMG/gps_mm.png" --json | jget hash)
out=$(hh_sync a --json) || fail "a sync after the backup"
eq "the late photo went up" "$(jpath 'd["attachments"]["up"]' <<<"$out")" 1

server_stop
out=$("$ROUNDSD" restore "$WORK/bk" --data "$WORK/srv2" --json 2>"$WORK/r.err") ||
  fail "restore: $(cat "$WORK/r.err")"
eq "restore --json counts four attachments" "$(jget attachments <<<"$out")" 4
# The office's personal-data keys are not in a backup (DATA/pii/ is
# copied by hand, docs/OPERATIONS.md): bring them over for the purge.
cp -a "$SRV/pii" "$WORK/srv2/pii"
SRV="$WORK/srv2"
SATT="$SRV/sites/S1/attachments"
for h in "$vphoto" "$shared" "$photo" "$pdf"; do
  f=$(att_path "$SATT" "$h")
  eq "restored ${h:0:8} hashes to its name" "$(sha256sum <"$f" | cut -c1-64)" "$h"
  eq "restored ${h:0:8} mode 0600" "$(stat -c %a "$f")" 600
done
check "verify of the restored site" rd attachment verify --site S1
server_start
out=$(hh_sync a --json) || fail "a sync after restore"
eq "a sends again only the photo the backup lacks" \
  "$(jpath 'd["attachments"]["up"]' <<<"$out")" 1
f=$(att_path "$SATT" "$late")
eq "the late photo is back on the restored server" \
  "$(sha256sum <"$f" | cut -c1-64)" "$late"

out=$(hh_sync b --json) || fail "b sync after restore"
check "b fetched from the restored server" \
  [ "$(jpath 'd["attachments"]["down"]' <<<"$out")" -ge 3 ]
check "b's copy of the PDF" hh b attachment get "$pdf" --out "$WORK/b.pdf"
check "b's PDF is the one a attached" cmp -s "$WORK/b.pdf" "$IMG/small.pdf"

# ---- purge --------------------------------------------------------------
if [ $CLOCKS = 1 ]; then
  ROUNDSD_CLOCK_MS=$((T0 + 31 * DAY)) rd pii purge --json >"$WORK/p1.json" ||
    fail "first purge"
  eq "nothing purged within retention" "$(jpath 'd[0]["attachments"]' \
    <"$WORK/p1.json")" 0
  ROUNDSD_CLOCK_MS=$((T0 + 212 * DAY)) rd pii purge --json >"$WORK/p2.json" ||
    fail "second purge"
  eq "the visit's key deleted" "$(jpath 'd[0]["deleted"]' <"$WORK/p2.json")" 1
  eq "its one own attachment removed" "$(jpath 'd[0]["attachments"]' \
    <"$WORK/p2.json")" 1
  check "the visit's photo is gone" [ ! -e "$(att_path "$SATT" "$vphoto")" ]
  check "bytes the work order also names stay" test -f "$(att_path "$SATT" "$shared")"
  check "the work order's stay" test -f "$(att_path "$SATT" "$photo")"
  eq "the visit keeps its references" \
    "$(rd attachment list --site S1 "$vid" --json | count)" 2
  out=$(ROUNDSD_CLOCK_MS=$((T0 + 213 * DAY)) rd pii purge --json) ||
    fail "third purge"
  eq "a purge again removes nothing" "$(jpath 'd[0]["attachments"]' <<<"$out")" 0
else
  echo "SKIP (purge part): pins clocks; configure with -DROUNDS_TEST_CLOCK=ON"
fi
finish
