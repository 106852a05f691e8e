#!/usr/bin/env bash
# test_e2e_tags.sh BIN: proof of presence at checkpoints, end to end (issue
# 15). A real roundsd (loopback TLS, clock pinned) keeps site S1's
# tag-signing key; real handhelds verify scanned payloads offline:
#  - `roundsd tags init` makes the key (mode 0600) and publishes it as
#    tag_key master data; `tags print` makes SVG and PDF sheets with one QR
#    code per checkpoint (decoded back to the payloads with zbarimg when
#    zbar-tools and poppler-utils are installed, scripts/deps.sh);
#    `tags payload` prints the payload for an NFC tag;
#  - a synced handheld, offline, records `scan --payload P` as method nfc
#    (or qr), verified true; a tampered payload, another site's, or one
#    signed by a foreign key is refused (exit 2, naming the payload) and
#    nothing is written;
#  - a tag typed by hand is method manual, verified false; `--method nfc`
#    without a payload is refused; CP-99 (not a checkpoint) is refused
#    naming 'tag', and recorded with unknown_tag=true under --force;
#  - rotation: the previous key verifies until it is retired, then its
#    payloads are refused;
#  - the office's copy (pulled by a second handheld) carries the fields,
#    and `roundsd report tags` counts verified and manual scans per guard.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
S=1795825200000 # 2026-11-28T08:20:00+08:00
export ROUNDSD_CLOCK_MS=$S
export ROUNDS_CLOCK_MS=$((S + 60000))

server_init
for i in 1 2 3 4 5; do
  check "checkpoint add CP-0$i" rd checkpoint add --site S1 --tag "CP-0$i" \
    --name "Point $i" --place "Block $i" >/dev/null 2>&1
done

# ---- the office: key, sheets, payloads ---------------------------------------
key=$(rd tags init --site S1 --json | jget key_id)
eq "key id: 8 hex digits" "$(grep -cE '^[0-9a-f]{8}$' <<<"$key")" 1
eq "key file mode 0600" "$(stat -c %a "$SRV/tags/S1/$key.key")" 600
rd tags init --site S1 >/dev/null 2>&1
eq "a second init is refused (exit 4)" "$?" 4
rd tags payload --site NOPE --tag CP-01 >/dev/null 2>&1
eq "unknown site (exit 3)" "$?" 3
rd tags payload --site S1 --tag CP-99 >/dev/null 2>&1
eq "payload of a tag that is no checkpoint (exit 3)" "$?" 3
rd tags print --site S1 --format png >/dev/null 2>&1
eq "print --format png (exit 2)" "$?" 2

P4=$(rd tags payload --site S1 --tag CP-04)
# (A stand-in when there is none, so that every later check still runs.)
[ -n "$P4" ] || P4="RT1.S1.CP-04.00000000.$(printf '%086d' 0 | tr 0 A)"
eq "payload shape" "$(grep -cE "^RT1\.S1\.CP-04\.$key\.[A-Za-z0-9_-]{86}$" <<<"$P4")" 1
check "payload fits an NTAG213 (${#P4} bytes)" test "${#P4}" -le 132
eq "a reprint is the same payload" "$(rd tags payload --site S1 --tag CP-04)" "$P4"
rd tags payload --site S1 --json >"$WORK/payloads.json"
eq "payloads: one per checkpoint" "$(jq_py 'len(d)' <"$WORK/payloads.json")" 5
python3 -c "import json,sys; [print(r['payload']) for r in json.load(sys.stdin)]" \
  <"$WORK/payloads.json" | sort >"$WORK/want.txt"

rd tags print --site S1 --out "$WORK/sheet.svg" >/dev/null
rd tags print --site S1 --format pdf --out "$WORK/sheet.pdf" --json \
  >"$WORK/pdf.json"
eq "svg is an SVG" "$(file -b "$WORK/sheet.svg" | grep -c SVG)" 1
check "svg is well-formed XML" python3 -c "
import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$WORK/sheet.svg"
eq "svg: one QR path per checkpoint" "$(grep -c '<path' "$WORK/sheet.svg")" 5
eq "svg: the labels' payloads" "$(grep -o 'data-payload="[^"]*"' \
  "$WORK/sheet.svg" | sed 's/data-payload="//; s/"$//' | sort)" \
  "$(cat "$WORK/want.txt")"
eq "pdf is a PDF" "$(file -b "$WORK/sheet.pdf" | grep -c '^PDF document')" 1
eq "pdf: codes" "$(jget codes <"$WORK/pdf.json")" 5
eq "pdf: pages" "$(jget pages <"$WORK/pdf.json")" 1
if command -v zbarimg >/dev/null && command -v pdftoppm >/dev/null; then
  # 300 dpi: a module (0.77 mm) is 9 px. At 150 dpi (4.5 px) zbarimg
  # missed one code of a sheet now and then (the keys, and so the codes,
  # are new in every run).
  pdftoppm -r 300 -png "$WORK/sheet.pdf" "$WORK/page"
  eq "pdf: the QR codes decode to the payloads" \
    "$(zbarimg -q --raw "$WORK"/page-*.png 2>/dev/null | sort)" \
    "$(cat "$WORK/want.txt")"
  # The SVG's paths drawn as a bitmap (8 px per mm), then decoded.
  python3 - "$WORK/sheet.svg" "$WORK/svg.pgm" <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
k = 8
w, h = 210 * k, int(re.search(r'viewBox="0 0 210 (\d+)"', svg).group(1)) * k
px = bytearray([255]) * (w * h)
for tx, ty, s, d in re.findall(
        r'<path transform="translate\(([\d.]+) ([\d.]+)\) scale\(([\d.]+)\)"'
        r'[^>]* d="([^"]*)"', svg):
    tx, ty, s = float(tx), float(ty), float(s)
    for x, y, run in re.findall(r'M(\d+) (\d+)h(\d+)v1h-\d+z', d):
        x0, y0 = int((tx + int(x) * s) * k), int((ty + int(y) * s) * k)
        x1 = int((tx + (int(x) + int(run)) * s) * k)
        y1 = int((ty + (int(y) + 1) * s) * k)
        for yy in range(y0, y1):
            px[yy * w + x0:yy * w + x1] = bytes(x1 - x0)
open(sys.argv[2], 'wb').write(b'P5\n%d %d\n255\n' % (w, h) + bytes(px))
PY
  eq "svg: the QR codes decode to the payloads" \
    "$(zbarimg -q --raw "$WORK/svg.pgm" 2>/dev/null | sort)" \
    "$(cat "$WORK/want.txt")"
else
  echo "note: zbarimg or pdftoppm missing (scripts/deps.sh): QR codes not decoded"
fi

# ---- a handheld gets the key, then scans offline -----------------------------
server_start
hh_new a
hh_new b
hh_sync a >/dev/null || fail "a syncs"
eq "a has the site's tag key" \
  "$(hh a list tag_keys --json | jq_py '[r["fields"]["key_id"] for r in d]')" \
  "['$key']"
server_stop

shows() { hh a show "$1" --json | jq_py "[d['fields'].get(k) for k in ('tag','method','verified','unknown_tag')]"; }
id1=$(hh a --json scan --payload "$P4" --route R1 | jget id)
eq "scan with the payload: nfc, verified" "$(shows "$id1")" \
  "['CP-04', 'nfc', True, None]"
P2=$(python3 -c "import json,sys; print([r['payload'] for r in json.load(sys.stdin) if r['tag']=='CP-02'][0])" <"$WORK/payloads.json")
id2=$(hh a --json scan --payload "$P2" --method qr | jget id)
eq "scan of a QR code: qr, verified" "$(shows "$id2")" \
  "['CP-02', 'qr', True, None]"

refused() { # refused DESCRIPTION WANT_IN_MESSAGE ARGS...: exit 2, nothing written
  local d=$1 want=$2 before out rc
  shift 2
  before=$(hh_own a)
  out=$(hh a scan "$@" 2>&1)
  rc=$?
  eq "$d: exit 2" "$rc" 2
  check "$d: the message names $want ($out)" grep -qF -- "$want" <<<"$out"
  eq "$d: nothing written" "$(hh_own a)" "$before"
}
# One character of the signature changed.
last=${P4: -2:1}
if [ "$last" = A ]; then sub=B; else sub=A; fi
T4="${P4:0:${#P4}-2}$sub${P4: -1}"
refused "tampered signature" "$T4" --payload "$T4"
refused "tag changed in the payload" "payload" \
  --payload "${P4/CP-04/CP-05}"
rd checkpoint add --site S2 --tag CP-04 --name x --place y >/dev/null 2>&1
PS2=$(rd tags payload --site S2 --tag CP-04 2>/dev/null)
refused "another site's payload" "site S2" --payload "$PS2"
# A forger's key for a site of the same name.
"$ROUNDSD" init --data "$WORK/forger" >/dev/null
"$ROUNDSD" checkpoint add --data "$WORK/forger" --site S1 --tag CP-04 \
  --name x --place y >/dev/null 2>&1
PF=$("$ROUNDSD" tags payload --data "$WORK/forger" --site S1 --tag CP-04 \
  2>/dev/null)
refused "a foreign key's payload" "not an active tag key" --payload "$PF"
refused "not a payload" "payload" --payload "CP-04"
refused "method nfc without a payload" "'method'" --tag CP-04 --method nfc
refused "payload read by hand" "'method'" --payload "$P4" --method manual

id3=$(hh a --json scan --tag CP-03 | jget id)
eq "a typed tag: manual, not verified" "$(shows "$id3")" \
  "['CP-03', 'manual', False, None]"
refused "CP-99 is no checkpoint" "'tag'" --tag CP-99
id4=$(hh a --json scan --tag CP-99 --force | jget id)
eq "CP-99 forced: unknown_tag" "$(shows "$id4")" \
  "['CP-99', 'manual', False, True]"

# ---- rotation: the previous key verifies until it is retired ----------------
server_start
rd tags rotate --site S1 --json >"$WORK/rot.json"
key2=$(jget current <"$WORK/rot.json")
eq "rotate names the previous key" "$(jget previous <"$WORK/rot.json")" "$key"
N4=$(rd tags payload --site S1 --tag CP-04)
check "the new payload names the new key" grep -q "\.$key2\." <<<"$N4"
hh_sync a >/dev/null || fail "a syncs the new key"
check "old payload verifies until retired" hh a scan --payload "$P4" \
  --by guard-b
check "new payload verifies" hh a scan --payload "$N4"
rd tags retire "$key" --site S1 >/dev/null 2>&1
eq "the previous key retired" "$?" 0
rd tags retire "$key2" --site S1 >/dev/null 2>&1
eq "the last active key cannot be retired (exit 4)" "$?" 4
hh_sync a >/dev/null || fail "a syncs the retirement"
refused "a retired key's payload" "not an active tag key" --payload "$P4"
check "the current key's payload still verifies" hh a scan --payload "$N4"

# ---- the office's copy -----------------------------------------------------
hh_sync a >/dev/null || fail "a pushes"
hh_sync b >/dev/null || fail "b pulls"
eq "a and the server agree" "$(hh_digest a)" "$(srv_digest)"
eq "b sees a's verified scan" "$(hh b show "$id1" --json | jq_py \
  "[d['fields'].get(k) for k in ('method','verified')]")" "['nfc', True]"
eq "b sees the forced unknown tag" "$(hh b show "$id4" --json | jq_py \
  "d['fields'].get('unknown_tag')")" True

rd report tags --site S1 --now $((S + 120000)) --hours 24 --json \
  >"$WORK/report.json"
g() { jq_py "[r for r in d['sections']['guards'] if r['guard']=='$1'][0]['$2']" <"$WORK/report.json"; }
eq "report: guard-a scans" "$(g guard-a scans)" 6
eq "report: guard-a verified" "$(g guard-a verified)" 4
eq "report: guard-a manual" "$(g guard-a manual)" 2
eq "report: guard-a unknown tags" "$(g guard-a unknown_tag)" 1
eq "report: guard-b verified" "$(g guard-b verified)" 1
eq "report: manual and unknown scans listed" "$(jq_py \
  "sorted(r['tag'] for r in d['sections']['unverified'])" <"$WORK/report.json")" \
  "['CP-03', 'CP-99']"
eq "report: summary" "$(jq_py "[d['summary'][k] for k in ('scans','verified','manual','unknown_tag')]" <"$WORK/report.json")" \
  "[7, 5, 2, 1]"

finish
