#!/usr/bin/env bash
# test_app_api.sh BIN: `rounds app`, the handheld's web app server (issue
# 16, docs/APP-API.md), end to end with curl. A real roundsd (loopback
# TLS, clock pinned) and a real handheld with the site's staff; `rounds
# app --url-file` runs in the background and the test waits for the file:
#  - the socket listens on 127.0.0.1 only (/proc/net/tcp), the URL file is
#    mode 0600;
#  - without the session cookie every path is 403; /open with a wrong key
#    is 403 and sets no cookie; the right key sets rounds_app (HttpOnly,
#    SameSite=Strict, Path=/) and answers the page itself (200, no-cache);
#  - a Host other than 127.0.0.1:PORT / localhost:PORT is refused (421),
#    even with the cookie (DNS rebinding);
#  - a POST without X-Rounds-CSRF, with a wrong one, from a foreign Origin,
#    not JSON, or over 64 KiB is refused (403, 403, 403, 415, 413);
#  - CSP, X-Frame-Options, nosniff and Referrer-Policy on every answer,
#    no-store on the API's, no CORS header ever; the embedded page is the
#    file of app/www/; an unknown path is 404;
#  - sign-in: a wrong PIN is 401 EAUTH with the tries left, the 5th locks
#    (423 ELOCKOUT), GET /api/staff shows it; GET /api/now is the Now
#    document of the signed-in person;
#  - signed in, a scan recorded through POST /api/record carries the
#    signed-in person as `by` (a `by` from the page is 400 naming it); a
#    bad field is 400 naming the field; the scan lists back through GET
#    /api/records and `rounds list scans --json`;
#  - POST /api/sync, polled through GET /api/sync until done, pushes it:
#    the server holds it (`roundsd dump`);
#  - attachments: POST /api/attach (the file's raw bytes) needs the CSRF
#    token like every POST, refuses a text file (415 EMEDIA naming file),
#    a missing record (400 naming record) and a body over 16 MiB (413
#    naming file); a JPEG is attached (`rounds attachment list --json`
#    agrees), listed by GET /api/attachments, served by GET
#    /api/attachment/HASH byte for byte as image/jpeg, private and
#    immutable, same-origin only; bytes not held are 404 ENOTHELD, damaged
#    ones 500 (never shown);
#  - SIGTERM stops the server: exit 0.
BIN=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/integration/lib.sh"
need_test_clock
command -v curl >/dev/null || { echo "SKIP: curl missing (scripts/deps.sh)"; exit 77; }

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
S=1795825200000 # 2026-11-28T08:20:00+08:00
export ROUNDSD_CLOCK_MS=$S
export ROUNDS_CLOCK_MS=$((S + 60000))

APP_PID=""
app_kill() { [ -n "$APP_PID" ] && kill -9 "$APP_PID" 2>/dev/null; APP_PID=""; }
trap 'app_kill; cleanup' EXIT

server_init
check "staff add guard-a" rd staff add --site S1 --staff guard-a \
  --name "Li Na" --role guard >/dev/null
check "staff add guard-b" rd staff add --site S1 --staff guard-b \
  --name "Wang Fang" --role guard >/dev/null
check "guard-a's PIN" rd staff pin --site S1 --staff guard-a --pin-stdin \
  <<<2468
check "guard-b's PIN" rd staff pin --site S1 --staff guard-b --pin-stdin \
  <<<13579
server_start
hh_new a
check "a pulls the staff" hh_sync a >/dev/null

# ---- launch ----------------------------------------------------------------
URLF="$WORK/app.url"
# Started directly (not through hh, a function: & would fork a subshell
# and $! would be its pid, not the server's).
ROUNDS_DATA="$WORK/hh-a" "$ROUNDS" app --url-file "$URLF" >"$WORK/app.out" \
  2>"$WORK/app.err" &
APP_PID=$!
for _ in $(seq 200); do
  [ -s "$URLF" ] && break
  kill -0 "$APP_PID" 2>/dev/null || break
  sleep 0.05
done
[ -s "$URLF" ] || { echo "rounds app did not start:"; cat "$WORK/app.err"; exit 1; }
URL=$(cat "$URLF")
eq "url shape" "$(grep -cE '^http://127\.0\.0\.1:[0-9]+/open\?k=[0-9a-f]{64}$' <<<"$URL")" 1
eq "stdout says the same url" "$(cat "$WORK/app.out")" "$URL"
eq "url file mode 0600" "$(stat -c %a "$URLF")" 600
P=$(sed 's|^http://127.0.0.1:\([0-9]*\)/.*|\1|' <<<"$URL")
K=${URL##*k=}
B="http://127.0.0.1:$P"

# Bound to 127.0.0.1 only: its listening socket in /proc/net/tcp (state 0A).
PHEX=$(printf '%04X' "$P")
eq "listens on 127.0.0.1:$P" \
  "$(awk -v p=":$PHEX" '$4 == "0A" && $2 ~ p"$" {print $2}' /proc/net/tcp)" \
  "0100007F:$PHEX"
eq "not on any address in IPv6" \
  "$(awk -v p=":$PHEX" '$4 == "0A" && $2 ~ p"$"' /proc/net/tcp6 2>/dev/null | wc -l)" 0

# code ARGS...: the HTTP status of a curl request.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# ---- the key and the cookie ------------------------------------------------
eq "no cookie: / is 403" "$(code "$B/")" 403
eq "no cookie: /api/session is 403" "$(code "$B/api/session")" 403
eq "no cookie: /index.html is 403" "$(code "$B/index.html")" 403
curl -s -D "$WORK/h-wrong" -o /dev/null "$B/open?k=$(tr 0-9a-f 1-9a-f0 <<<"$K")"
eq "/open with a wrong key is 403" "$(head -1 "$WORK/h-wrong" | cut -d' ' -f2)" 403
eq "a wrong key sets no cookie" "$(grep -ci '^set-cookie' "$WORK/h-wrong")" 0
eq "/open without a key is 403" "$(code "$B/open")" 403
eq "/open with half the key is 403" "$(code "$B/open?k=${K:0:32}")" 403
curl -s -D "$WORK/h-open" -o "$WORK/open" -c "$WORK/jar" "$URL"
eq "/open with the key: 200" "$(head -1 "$WORK/h-open" | cut -d' ' -f2)" 200
# The page with the first screen's data where index.html has its marker
# (app/app_boot.c): the rest byte for byte, the block the API's three
# answers (nobody signed in yet: Now is 401), and no '<' inside it.
boot_split() { # PAGE -> $WORK/page-rest, $WORK/page-boot.json
  python3 - "$1" "$SRC/app/www/index.html" "$WORK" <<'PY'
import json, re, sys
page, index, work = (open(sys.argv[1], encoding="utf-8").read(),
                     open(sys.argv[2], encoding="utf-8").read(), sys.argv[3])
m = re.search(r'<script type="application/json" id="boot">(.*?)</script>',
              page, re.S)
rest = page[:m.start()] + "<!--boot-->" + page[m.end():] if m else page
open(f"{work}/page-rest", "w", encoding="utf-8").write(rest)
open(f"{work}/page-boot.json", "w").write(m.group(1) if m else "{}")
PY
}
boot_split "$WORK/open"
check "/open answers app/www/index.html, the data at its marker" \
  cmp -s "$WORK/page-rest" "$SRC/app/www/index.html"
eq "/open's data: session, now, staff" \
  "$(jq_py 'd["session"]["status"], d["session"]["body"]["ok"], d["now"]["status"], d["now"]["body"]["error"]["code"], d["staff"]["status"], len(d["staff"]["body"]["staff"])' <"$WORK/page-boot.json")" \
  "200 True 401 ESIGNIN 200 2"
eq "/open's data: no '<' in it" "$(grep -c '<' "$WORK/page-boot.json")" 0
eq "/open: no-cache" \
  "$(grep -i '^cache-control:' "$WORK/h-open" | tr -d '\r' | cut -d' ' -f2)" \
  no-cache
eq "/open: no Location" "$(grep -ci '^location:' "$WORK/h-open")" 0
COOKIE=$(grep -i '^set-cookie:' "$WORK/h-open" | tr -d '\r' | sed 's/^[^:]*: //')
eq "the cookie's attributes" \
  "$(sed 's/rounds_app=[0-9a-f]\{64\}/rounds_app=TOKEN/' <<<"$COOKIE")" \
  "rounds_app=TOKEN; HttpOnly; SameSite=Strict; Path=/"
# The cookie as a header: curl's jar would follow the Host header.
C=(-H "Cookie: $(sed 's/;.*//' <<<"$COOKIE")")
eq "the key is not the cookie" "$(grep -c "$K" "$WORK/jar")" 0
eq "with the cookie: / is 200" "$(code "${C[@]}" "$B/")" 200
curl -s "${C[@]}" -o "$WORK/index" "$B/"
boot_split "$WORK/index"
check "/ is app/www/index.html, the data at its marker" \
  cmp -s "$WORK/page-rest" "$SRC/app/www/index.html"
eq "/'s data: the session" \
  "$(jq_py 'd["session"]["status"], d["session"]["body"]["csrf"] != ""' <"$WORK/page-boot.json")" \
  "200 True"
eq "HEAD / is the page's headers alone" \
  "$(curl -s -I "${C[@]}" "$B/" | head -1 | cut -d' ' -f2)" 200
eq "an unknown path is 404" "$(code "${C[@]}" "$B/nope.js")" 404
eq "an unknown API is 404" "$(code "${C[@]}" "$B/api/nope")" 404
eq "a forged cookie is 403" \
  "$(code -b "rounds_app=$(printf '%064d' 0)" "$B/api/session")" 403

# ---- Host (DNS rebinding) ----------------------------------------------------
eq "Host evil.example is refused" \
  "$(code "${C[@]}" -H "Host: evil.example:$P" "$B/api/session")" 421
eq "Host 127.0.0.1 on another port is refused" \
  "$(code "${C[@]}" -H "Host: 127.0.0.1:$((P + 1))" "$B/api/session")" 421
eq "Host localhost:PORT is taken" \
  "$(code "${C[@]}" -H "Host: localhost:$P" "$B/api/session")" 200
eq "/open is refused under a foreign Host too" \
  "$(code -H "Host: rebind.example:$P" "$URL")" 421

# ---- headers ------------------------------------------------------------------
curl -s -D "$WORK/h-api" -o "$WORK/session.json" "${C[@]}" "$B/api/session"
curl -s -D "$WORK/h-page" -o /dev/null "${C[@]}" "$B/"
curl -s -D "$WORK/h-403" -o /dev/null "$B/"
CSP="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
hv() { grep -i "^$1:" "$2" | tr -d '\r' | sed 's/^[^:]*: //'; }
for h in api page 403 open; do
  f="$WORK/h-$h"
  eq "$h: CSP" "$(hv Content-Security-Policy "$f")" "$CSP"
  eq "$h: X-Frame-Options" "$(hv X-Frame-Options "$f")" DENY
  eq "$h: nosniff" "$(hv X-Content-Type-Options "$f")" nosniff
  eq "$h: Referrer-Policy" "$(hv Referrer-Policy "$f")" no-referrer
  eq "$h: no CORS header" "$(grep -ci '^access-control-' "$f")" 0
done
eq "api: no-store" "$(hv Cache-Control "$WORK/h-api")" no-store
eq "api: JSON" "$(hv Content-Type "$WORK/h-api")" application/json
eq "page: HTML" "$(hv Content-Type "$WORK/h-page")" "text/html; charset=utf-8"
curl -s -D "$WORK/h-cors" -o /dev/null "${C[@]}" -H "Origin: http://evil.example" \
  "$B/api/session"
eq "a foreign Origin gets no CORS header" "$(grep -ci '^access-control-' "$WORK/h-cors")" 0

CSRF=$(jq_py 'd["csrf"]' <"$WORK/session.json")
eq "session: device" "$(jq_py 'd["device"]["name"], d["device"]["site"]' <"$WORK/session.json")" "a S1"
eq "csrf: 64 hex" "$(grep -cE '^[0-9a-f]{64}$' <<<"$CSRF")" 1

# ---- POST checks ---------------------------------------------------------------
J=(-H "Content-Type: application/json")
X=(-H "X-Rounds-CSRF: $CSRF")
SCAN='{"verb":"scan.record","fields":{"tag":"CP-01","route":"R1"}}'
eq "POST without CSRF: 403" "$(code "${C[@]}" "${J[@]}" -d "$SCAN" "$B/api/record")" 403
eq "POST with a wrong CSRF: 403" "$(code "${C[@]}" "${J[@]}" \
  -H "X-Rounds-CSRF: $(printf '%064d' 0)" -d "$SCAN" "$B/api/record")" 403
eq "POST from a foreign Origin: 403" "$(code "${C[@]}" "${J[@]}" "${X[@]}" \
  -H "Origin: http://evil.example" -d "$SCAN" "$B/api/record")" 403
eq "POST from 127.0.0.1 on another port: 403" "$(code "${C[@]}" "${J[@]}" "${X[@]}" \
  -H "Origin: http://127.0.0.1:$((P + 1))" -d "$SCAN" "$B/api/record")" 403
eq "POST as text/plain: 415" "$(code "${C[@]}" "${X[@]}" \
  -H "Content-Type: text/plain" -d "$SCAN" "$B/api/record")" 415
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big"
eq "POST over 64 KiB: 413" "$(code "${C[@]}" "${J[@]}" "${X[@]}" \
  --data-binary @"$WORK/big" "$B/api/record")" 413
eq "POST without the cookie: 403" "$(code "${J[@]}" "${X[@]}" -d "$SCAN" \
  "$B/api/record")" 403
eq "nothing was recorded by the refused POSTs" "$(hh a list scans --json | jq_py 'len(d)')" 0

# ---- sign in, record, list ---------------------------------------------------
post() { # post PATH BODY: prints the body, status in $WORK/status
  curl -s "${C[@]}" "${J[@]}" "${X[@]}" -H "Origin: $B" -d "$2" \
    -w '\n%{http_code}' "$B$1" >"$WORK/post"
  tail -1 "$WORK/post" >"$WORK/status"
  sed '$d' "$WORK/post"
}
st() { cat "$WORK/status"; }
post /api/signout '{}' >/dev/null
eq "signed out: a record is 401" \
  "$(post /api/record "$SCAN" | jq_py 'd["error"]["code"]') $(st)" "ESIGNIN 401"
out=$(post /api/signin '{"staff":"guard-a","pin":"0000"}')
eq "a wrong PIN is 401 EAUTH naming pin, with the tries left" \
  "$(jq_py 'd["error"]["code"], d["error"]["field"], d["error"]["tries_left"]' <<<"$out") $(st)" \
  "EAUTH pin 4 401"
for i in 1 2 3 4; do post /api/signin '{"staff":"guard-b","pin":"0000"}' >/dev/null; done
eq "4 wrong PINs: 401" "$(st)" 401
out=$(post /api/signin '{"staff":"guard-b","pin":"0000"}')
eq "the 5th wrong PIN locks: 423 ELOCKOUT" \
  "$(jq_py 'd["error"]["code"]' <<<"$out") $(st)" "ELOCKOUT 423"
out=$(post /api/signin '{"staff":"guard-b","pin":"13579"}')
eq "locked: the right PIN is 423 too" "$(st)" 423
eq "GET /api/staff: PINs, tries left, locks" \
  "$(curl -s "${C[@]}" "$B/api/staff" | jq_py '[(s["staff"], s["has_pin"], s["tries_left"], s["locked"]) for s in d["staff"]]')" \
  "[('guard-a', True, 4, False), ('guard-b', True, 0, True)]"
out=$(post /api/signin '{"staff":"ghost","pin":"1234"}')
eq "an unknown person is 404" "$(jq_py 'd["error"]["code"]' <<<"$out") $(st)" "ENOTFOUND 404"
out=$(post /api/signin '{"staff":"guard-a","pin":"2468"}')
eq "sign in" "$(jq_py 'd["ok"], d["user"]' <<<"$out") $(st)" "True guard-a 200"
eq "session: user" "$(curl -s "${C[@]}" "$B/api/session" | jq_py 'd["user"], d["user_name"], d["role"]')" "guard-a Li Na guard"
out=$(post /api/record "$SCAN")
eq "record a scan" "$(jq_py 'd["ok"]' <<<"$out") $(st)" "True 200"
ID=$(jq_py 'd["id"]' <<<"$out")
out=$(post /api/record '{"verb":"scan.record","fields":{"tagx":"CP-02"}}')
eq "a bad field is 400 naming it" \
  "$(jq_py 'd["error"]["code"], d["error"]["field"]' <<<"$out") $(st)" "EFIELD tagx 400"
out=$(post /api/record '{"verb":"scan.record","fields":{"tag":"CP-02","by":"someone-else"}}')
eq "a by from the page is 400 naming by" \
  "$(jq_py 'd["error"]["code"], d["error"]["field"]' <<<"$out") $(st)" "EFIELD by 400"
out=$(post /api/record '{"verb":"scan.record","fields":{"tag":"CP-02","method":"nfc"}}')
eq "a library refusal names its field" \
  "$(jq_py 'd["error"]["field"]' <<<"$out") $(st)" "method 400"
out=$(post /api/record '{"verb":"no.such"}')
eq "an unknown verb is 400 naming verb" \
  "$(jq_py 'd["error"]["field"]' <<<"$out") $(st)" "verb 400"
out=$(post /api/record '{"verb":')
eq "a body that is not JSON is 400" "$(jq_py 'd["error"]["code"]' <<<"$out") $(st)" "EMALFORMED 400"

curl -s "${C[@]}" "$B/api/records?kind=scan" >"$WORK/records.json"
eq "GET /api/records lists it, by the signed-in person" \
  "$(jq_py '[(r["id"], r["fields"]["tag"], r["fields"]["by"]) for r in d["records"]]' <"$WORK/records.json")" \
  "[('$ID', 'CP-01', 'guard-a')]"
eq "rounds list scans --json lists it" \
  "$(hh a list scans --json | jq_py '[(r["id"], r["fields"]["by"]) for r in d]')" \
  "[('$ID', 'guard-a')]"
eq "GET /api/records/ID (a prefix) with its history" \
  "$(curl -s "${C[@]}" "$B/api/records/${ID:0:12}" | jq_py 'd["record"]["id"], [e["action"] for e in d["record"]["history"]]')" \
  "$ID ['create']"
eq "an unknown id is 404" "$(code "${C[@]}" "$B/api/records/ffffffffffff")" 404
eq "mine=1 lists my scan" \
  "$(curl -s "${C[@]}" "$B/api/records?kind=scan&mine=1" | jq_py 'len(d["records"])')" 1
eq "an unknown kind is 400" "$(code "${C[@]}" "$B/api/records?kind=nope")" 400
eq "GET /api/staff" \
  "$(curl -s "${C[@]}" "$B/api/staff" | jq_py '[s["staff"] for s in d["staff"]]')" \
  "['guard-a', 'guard-b']"
eq "GET /api/verbs has scan.record" \
  "$(curl -s "${C[@]}" "$B/api/verbs" | jq_py '[v["verb"] for v in d["verbs"]].count("scan.record")')" 1
eq "GET /api/status: one unsynced" \
  "$(curl -s "${C[@]}" "$B/api/status" | jq_py 'd["unsynced"], d["signed_in"]')" "1 guard-a"

out=$(curl -s "${C[@]}" -w '\n%{http_code}' "$B/api/now")
eq "GET /api/now: the Now document of the signed-in person" \
  "$(sed '$d' <<<"$out" | jq_py 'd["ok"], d["user"], type(d["rounds"]).__name__') $(tail -1 <<<"$out")" \
  "True guard-a list 200"

# ---- sync ---------------------------------------------------------------------
out=$(post /api/sync '{}')
eq "POST /api/sync starts it" "$(jq_py 'd["started"]' <<<"$out") $(st)" "True 202"
state=""
for _ in $(seq 600); do
  curl -s "${C[@]}" "$B/api/sync" >"$WORK/sync.json"
  state=$(jq_py 'd["state"]' <"$WORK/sync.json")
  [ "$state" = running ] || break
  sleep 0.05
done
eq "the sync is done" "$state" done
eq "it pushed the scan" "$(jq_py 'd["result"]["pushed"], d["unsynced"]' <"$WORK/sync.json")" "1 0"
check "last_sync_ms is set" test "$(jq_py 'd["last_sync_ms"]' <"$WORK/sync.json")" -gt 0
eq "the server holds the scan" "$(rd dump --site S1 | grep -c "$ID")" 1

# ---- attachments ------------------------------------------------------------------
JPG="$SRC/tests/fuzz/corpus/media/plain.jpg"
attach() { # attach QUERY FILE [curl args]: prints the body, status in $WORK/status
  local q=$1 f=$2
  shift 2
  curl -s "${C[@]}" -H "Content-Type: application/octet-stream" \
    -H "Origin: $B" "$@" --data-binary @"$f" -w '\n%{http_code}' \
    "$B/api/attach?$q" >"$WORK/post"
  tail -1 "$WORK/post" >"$WORK/status"
  sed '$d' "$WORK/post"
}
eq "POST /api/attach without CSRF: 403" \
  "$(attach "record=$ID" "$JPG" | jq_py 'd["error"]["code"]') $(st)" "ECSRF 403"
printf 'not a photo\n' >"$WORK/note.txt"
eq "a text file: 415 EMEDIA naming file" \
  "$(attach "record=$ID" "$WORK/note.txt" "${X[@]}" | jq_py 'd["error"]["code"], d["error"]["field"]') $(st)" \
  "EMEDIA file 415"
eq "no record: 400 naming record" \
  "$(attach "role=photo" "$JPG" "${X[@]}" | jq_py 'd["error"]["code"], d["error"]["field"]') $(st)" \
  "EFIELD record 400"
eq "an unknown record: 404 naming record" \
  "$(attach "record=ffffffffffff" "$JPG" "${X[@]}" | jq_py 'd["error"]["code"], d["error"]["field"]') $(st)" \
  "ENOTFOUND record 404"
head -c $((17 * 1024 * 1024)) /dev/zero >"$WORK/huge"
eq "a body over 16 MiB: 413 naming file" \
  "$(attach "record=$ID" "$WORK/huge" "${X[@]}" | jq_py 'd["error"]["code"], d["error"]["field"]') $(st)" \
  "ETOOBIG file 413"
rm -f "$WORK/huge"
out=$(attach "record=${ID:0:12}&role=photo" "$JPG" "${X[@]}")
eq "a JPEG is attached" "$(jq_py 'd["ok"], d["record"]' <<<"$out") $(st)" "True $ID 200"
HASH=$(jq_py 'd["hash"]' <<<"$out")
eq "a JPEG as a signature: 400 naming role (the library's rule)" \
  "$(attach "record=$ID&role=signature" "$SRC/tests/fuzz/corpus/media/gps_ii.jpg" "${X[@]}" | jq_py 'd["error"]["code"], d["error"]["field"]') $(st)" \
  "EFIELD role 400"
out=$(attach "record=$ID" "$SRC/tests/fuzz/corpus/media/small.pdf" "${X[@]}")
eq "a PDF without a role is a document" "$(jq_py 'd["ok"]' <<<"$out") $(st)" "True 200"
PDF=$(jq_py 'd["hash"]' <<<"$out")
eq "rounds attachment list --json shows them" \
  "$(hh a attachment list --json | jq_py 'sorted((a["record"], a["hash"], a["type"], a["role"]) for a in d)')" \
  "$(python3 -c 'import sys; print(sorted([tuple(sys.argv[1:5]), tuple(sys.argv[5:9])]))' \
    "$ID" "$HASH" image/jpeg photo "$ID" "$PDF" application/pdf document)"
eq "GET /api/attachments?record=ID lists them" \
  "$(curl -s "${C[@]}" "$B/api/attachments?record=$ID" | jq_py 'sorted((a["hash"], a["type"], a["present"]) for a in d["attachments"])')" \
  "$(python3 -c 'import sys; print(sorted([(sys.argv[1], "image/jpeg", True), (sys.argv[2], "application/pdf", True)]))' "$HASH" "$PDF")"
eq "GET /api/attachments without a record: 400" \
  "$(code "${C[@]}" "$B/api/attachments")" 400
curl -s -D "$WORK/h-att" -o "$WORK/att.jpg" "${C[@]}" "$B/api/attachment/$HASH"
eq "GET /api/attachment/HASH: 200" "$(head -1 "$WORK/h-att" | cut -d' ' -f2)" 200
check "the bytes are the file's" cmp -s "$WORK/att.jpg" "$JPG"
eq "its type" "$(hv Content-Type "$WORK/h-att")" image/jpeg
eq "private and immutable" "$(hv Cache-Control "$WORK/h-att")" \
  "private, max-age=31536000, immutable"
eq "same origin only" "$(hv Cross-Origin-Resource-Policy "$WORK/h-att")" same-origin
eq "no CORS header" "$(grep -ci '^access-control-' "$WORK/h-att")" 0
eq "nosniff" "$(hv X-Content-Type-Options "$WORK/h-att")" nosniff
eq "the PDF as application/pdf" \
  "$(curl -s -o /dev/null -w '%{content_type}' "${C[@]}" "$B/api/attachment/$PDF")" \
  application/pdf
# The bytes gone (as on a handheld that holds only the op), then damaged.
HELD="$WORK/hh-a/attachments/${HASH:0:2}/${HASH:2}"
mv "$HELD" "$WORK/held"
c=$(curl -s -o "$WORK/nh.json" -w '%{http_code}' "${C[@]}" "$B/api/attachment/$HASH")
eq "bytes not held: 404 ENOTHELD" "$c $(jq_py 'd["error"]["code"]' <"$WORK/nh.json")" \
  "404 ENOTHELD"
{ cat "$WORK/held"; printf x; } >"$HELD"
chmod 600 "$HELD"
eq "damaged bytes: 500, never shown" "$(code "${C[@]}" "$B/api/attachment/$HASH")" 500
mv "$WORK/held" "$HELD"
c=$(curl -s -o "$WORK/nf.json" -w '%{http_code}' "${C[@]}" \
  "$B/api/attachment/$(printf '%064d' 0)")
eq "an unknown hash: 404 ENOTFOUND" \
  "$c $(jq_py 'd["error"]["code"]' <"$WORK/nf.json")" "404 ENOTFOUND"
eq "not a hash: 400" "$(code "${C[@]}" "$B/api/attachment/xyz")" 400
eq "without the cookie: 403" "$(code "$B/api/attachment/$HASH")" 403
eq "POST /api/attachment/HASH: 405" \
  "$(code "${C[@]}" "${J[@]}" "${X[@]}" -d '{}' "$B/api/attachment/$HASH")" 405

# ---- stop ------------------------------------------------------------------------
kill -TERM "$APP_PID"
wait "$APP_PID"
eq "SIGTERM: exit 0" "$?" 0
APP_PID=""
eq "the handle was closed: rounds reads the store (the two attach ops unsynced)" \
  "$(hh a status --json | jget unsynced)" 2
finish
