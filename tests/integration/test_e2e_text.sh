#!/usr/bin/env bash
# test_e2e_text.sh BIN: text in and text out end to end, with a real
# roundsd on loopback TLS and real rounds handhelds, clocks pinned:
#  - bad text is refused where a record is made: `rounds log --text` with a
#    byte that is not UTF-8, `rounds handover create --to` cut in the middle
#    of a character, control characters in a one-line field: exit 2, the
#    message names the field and the byte; nothing is written; free text
#    keeps its newlines; the office's `roundsd blacklist add` refuses too;
#  - an op with text that is not UTF-8 (or holds ESC), made by hand at the
#    protocol level, is refused by the server (ERROR EFIELD), not stored;
#  - a full-width plate (沪Ａ１２３４５) and a full-width ID number hit the
#    blacklist entries typed in half width;
#  - records with bad bytes as old stores hold them (written under the
#    checks, tests/integration/oldtext) reach another handheld by sync, and
#    every JSON of both CLIs (every report, the listings) is valid for
#    python3's strict UTF-8 decoder and json module;
#  - CSV: one table per file (--table, --out-dir), a UTF-8 BOM, the formula
#    guard on text cells, numbers left as numbers.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock
HOSTILE="$BIN/tests/integration/hostile"
OLDTEXT="$BIN/tests/integration/oldtext"

M=1773072000000 # 2026-03-10T00:00+08:00
at() { echo $((M + ($1 * 60 + $2) * 60000)); }
T=$(at 8 0)
A() { ROUNDS_CLOCK_MS=$T hh a "$@"; }
B() { ROUNDS_CLOCK_MS=$T hh b "$@"; }
rd() { ROUNDSD_CLOCK_MS=$T "$ROUNDSD" "$@" --data "$SRV"; }
W=(--site S1 --tz +08:00 --now 2026-03-10T12:00 --from 2026-03-10T00:00)
# strict_json: stdin is UTF-8 (strictly decoded) holding one JSON value
# that python3's json module accepts (no raw control characters).
strict_json() {
  python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8","strict"))'
}
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
srv_ops() { rd dump --site S1 --ops | sed -n 's/^ops //p'; }

ROUNDSD_CLOCK_MS=$T server_init
ROUNDSD_CLOCK_MS=$T server_start
for n in a b x; do ROUNDSD_CLOCK_MS=$T hh_new $n; done
check "blacklist plate" rd blacklist add --site S1 --plate "沪A12345" \
  --reason "illegal dumping" >/dev/null
check "blacklist person" rd blacklist add --site S1 --person "Qian Bao" \
  --id-no 110101199001011234 --reason theft >/dev/null
out=$(rd blacklist add --site S1 --plate "B1" --reason "$(printf 'bad \xff')" 2>&1)
eq "office: bad reason exit" "$?" 2
check "office: names the field" grep -q "field 'reason': not valid UTF-8 at byte 4" <<<"$out"
check "a pulls master data" A sync >/dev/null

# ---- refused where the record is made -------------------------------------
own0=$(hh_own a)
out=$(A log --text "$(printf 'bad \xff')" 2>&1)
eq "log --text bad byte: exit" "$?" 2
check "log names the field and byte" \
  grep -q "field 'text': not valid UTF-8 at byte 4" <<<"$out"
out=$(A handover create --to "$(printf 'guard-\xc3')" 2>&1)
eq "handover --to cut character: exit" "$?" 2
check "handover names the field and byte" \
  grep -q "field 'to': not valid UTF-8 at byte 6" <<<"$out"
out=$(A log --text "$(printf 'clear \033[2J screen')" 2>&1)
eq "log --text ESC: exit" "$?" 2
check "ESC named" grep -q "field 'text': control character at byte 6" <<<"$out"
out=$(A handover create --to "$(printf 'guard\nb')" 2>&1)
eq "one-line field with a newline: exit" "$?" 2
check "newline named" grep -q "field 'to': control character at byte 5" <<<"$out"
out=$(A log --text "$(printf 'bad \xff')" --json 2>/dev/null)
eq "refusal in --json: exit" "$?" 2
check "refusal in --json is valid JSON" strict_json <<<"$out"
eq "nothing written" "$(hh_own a)" "$own0"
check "free text keeps newline and tab" \
  A log --text "$(printf 'line 1\n\tline 2 王')" >/dev/null
eq "one record" "$(hh_own a)" $((own0 + 1))

# ---- full width hits the blacklist ----------------------------------------
out=$(A vehicle enter --plate "沪Ａ１２３４５" --json 2>/dev/null)
eq "full-width plate hits the blacklist" "$(jget blacklist_hit <<<"$out")" true
out=$(A visit enter --name "钱宝" --id-type id_card \
  --id-no "１１０１０１１９９００１０１１２３４" --unit 1-1-101 --purpose visit \
  --json 2>/dev/null)
eq "full-width ID number hits the blacklist" \
  "$(jget blacklist_hit <<<"$out")" true
eq "ID number masked by character" \
  "$(A list visitors --json | py 'd[0]["fields"]["id_no"]')" \
  "１１０*************３４"
check "a syncs" A sync >/dev/null

# ---- refused at the protocol ----------------------------------------------
ops0=$(srv_ops)
dev_x=$(hh x status --json | jget device_id)
for c in badutf8 ctrl; do
  out=$("$HOSTILE" "$PORT" "$SRV/server.crt" push S1 x "$dev_x" \
    "$(cat "$WORK/cred-x")" $c)
  eq "server refuses a pushed op ($c)" "$(head -1 <<<"$out")" "ERROR EFIELD"
done
eq "server stored none of them" "$(srv_ops)" "$ops0"

# ---- old stores: bad bytes in, valid JSON out -------------------------------
check "old duty log on the server" "$OLDTEXT" "$SRV/sites/S1" "$T" dutylog \
  "by=$(printf 'old\xfe')" "text=$(printf 'bad \xff\x01 end\x1b')" >/dev/null
check "old handover on the server" "$OLDTEXT" "$SRV/sites/S1" "$T" handover \
  "by=$(printf 'guard-\xc3')" "to=$(printf 'guard-\xc3')" \
  "notes=$(printf '=HYPERLINK("http://x","y") \xff')" >/dev/null
check "b syncs (pulls the old records)" B sync >/dev/null
# (b's own old record is written after its sync: pushed, the server would
# refuse it; see docs/PROTOCOL.md)
check "old duty log on b" "$OLDTEXT" "$WORK/hh-b" "$T" dutylog \
  "by=b" "text=$(printf 'mine \xe6\xb2')" >/dev/null
out=$(B list log --json)
check "b: list log --json is valid" strict_json <<<"$out"
check "b: bad bytes shown as U+FFFD" grep -q "bad �" <<<"$out"
check "b: its own old bytes too" grep -q "mine �" <<<"$out"
for what in "list log" "list handovers" "list visitors" "list vehicles" \
  "list blacklist" "report shift" "conflicts"; do
  # shellcheck disable=SC2086
  out=$(B $what --json 2>/dev/null)
  check "b: $what --json is valid" strict_json <<<"$out"
done
for k in patrol inside workorders vacant handover devices integrity; do
  rd report "$k" "${W[@]}" --json >"$WORK/r.json"
  check "roundsd report $k --json is valid" strict_json <"$WORK/r.json"
done
rd report handover "${W[@]}" --json >"$WORK/r.json"
check "roundsd report handover: 'to' as U+FFFD" grep -q '"to":"guard-�"' "$WORK/r.json"
out=$(rd list blacklist --site S1 --json 2>/dev/null)
check "roundsd list blacklist --json is valid" strict_json <<<"$out"
out=$(rd conflicts --site S1 --json 2>/dev/null)
check "roundsd conflicts --json is valid" strict_json <<<"$out"

# ---- CSV: one table per file, BOM, formula guard ---------------------------
out=$(rd report handover "${W[@]}" --format csv 2>&1 >/dev/null)
eq "csv without --table or --out-dir: exit" "$?" 2
check "csv usage lists the tables" grep -q "summary, handovers, items" <<<"$out"
rd report handover "${W[@]}" --table nosuch >/dev/null 2>&1
eq "unknown table: exit" "$?" 2
rd report handover "${W[@]}" --format json --table summary >/dev/null 2>&1
eq "--table with --format json: exit" "$?" 2
rd report handover "${W[@]}" --table handovers >"$WORK/h.csv"
eq "--table: exit" "$?" 0
eq "BOM first" "$(head -c 3 "$WORK/h.csv" | od -An -tx1 | tr -d ' ')" efbbbf
check "one table: the handovers header" \
  grep -q $'^\xef\xbb\xbfid,time,from,to,status' "$WORK/h.csv"
check "no other table in the file" bash -c "! grep -q '^summary\|^items\|^key,value' '$WORK/h.csv'"
check "formula guarded" grep -q "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\") �\"" "$WORK/h.csv"
check "no unguarded formula" bash -c "! grep -q '[,\"]=HYPERLINK' '$WORK/h.csv'"
python3 - "$WORK/h.csv" <<'PY' || fail "handovers.csv: RFC 4180, UTF-8, one row per handover"
import csv, io, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf")
rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8", "strict"), newline="")))
assert rows[0][:4] == ["id", "time", "from", "to"], rows[0]
assert len(rows) == 2, rows
assert all(len(r) == len(rows[0]) for r in rows)
# numbers stay numbers: counts are bare digits, never guarded
i = rows[0].index("visits_inside")
assert rows[1][i].lstrip("-").isdigit(), rows[1][i]
PY
rm -rf "$WORK/csv"
out=$(rd report handover "${W[@]}" --format csv --out-dir "$WORK/csv")
eq "--out-dir: exit" "$?" 0
eq "--out-dir: one file per table" "$(cd "$WORK/csv" && ls | tr '\n' ' ')" \
  "counted_items.csv handovers.csv items.csv summary.csv "
eq "--out-dir prints the files" "$(wc -l <<<"$out")" 4
for f in "$WORK"/csv/*.csv; do
  eq "$(basename "$f") starts with the BOM" \
    "$(head -c 3 "$f" | od -An -tx1 | tr -d ' ')" efbbbf
done
check "summary: numbers bare" grep -q $'^handovers,1\r$' "$WORK/csv/summary.csv"
cmp -s "$WORK/csv/handovers.csv" "$WORK/h.csv"
eq "--out-dir and --table write the same table" "$?" 0

# ---- tables line up by display width ---------------------------------------
check "staff with a CJK name" rd staff add --site S1 --staff T-01 \
  --name "王小明" --role technician >/dev/null
check "staff with a Latin name" rd staff add --site S1 --staff T-02 \
  --name "Li" --role technician >/dev/null
rd list staff --site S1 >"$WORK/staff.txt"
python3 - "$WORK/staff.txt" <<'PY' || fail "roundsd list staff: columns misaligned"
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
cols = set()
for l in lines:
    # the display column where the third column (role) starts
    i = l.index("role") if l.startswith("staff") else l.index("technician")
    cols.add(width(l[:i]))
assert len(cols) == 1, (cols, lines)
PY

finish
