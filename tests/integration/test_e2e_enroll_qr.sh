#!/usr/bin/env bash
# test_e2e_enroll_qr.sh BIN: enrolling a handheld from a QR code, end to
# end. A real roundsd (loopback TLS, certificate made now, clocks pinned)
# and real rounds handhelds:
#  - `roundsd enroll --qr FILE` writes an SVG whose QR code, drawn and
#    decoded by zbarimg, is the enrollment payload (the server address for
#    handhelds, the certificate's SHA-256, site, device, the credential
#    printed beside it); without an address handhelds can dial (a wildcard
#    listen and no public_address) nothing is enrolled and the message says
#    to set public_address;
#  - `rounds enroll --payload <decoded>` on a new data directory makes the
#    device, pins the certificate the server presents (its SHA-256 is the
#    payload's), and a record then syncs: the server holds it;
#  - a payload with one wrong fingerprint digit is refused (the message
#    names both fingerprints) and leaves that handheld unenrolled, nothing
#    stored; a payload for another device is refused on an existing one;
#  - a revoked device cannot sync;
#  - the dashboard's API (dash/api_devices.c, driven without HTTP by
#    dashdev): POST /api/devices/enroll answers the credential, the payload
#    and the QR as a data: URL that decodes to that payload; a handheld
#    enrolls from it and syncs; GET /api/devices lists both devices as a
#    TABLE with the last sync; POST /api/devices/revoke stops that device;
#    a clerk is refused the enrollment (403);
#  - the handheld app (`rounds app`) of a device not enrolled: the session
#    says so; POST /api/enroll refuses a wrong fingerprint (502 ECERT) and
#    what is not a payload (400), enrolls with the right one, then refuses
#    a second enrollment (409); its first sync succeeds.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

DASHDEV="$BIN/tests/integration/dashdev"
export ROUNDSD_CLOCK_MS=1795825200000 # 2026-11-28T08:20:00+08:00
export ROUNDS_CLOCK_MS=$ROUNDSD_CLOCK_MS
rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
for need in zbarimg curl; do
  command -v "$need" >/dev/null || {
    echo "FAIL: $need is missing: run scripts/deps.sh"; exit 1; }
done

# qr_decode SVG: the SVG's QR path drawn as a bitmap (8 px per module),
# then decoded by zbarimg.
qr_decode() {
  python3 - "$1" "$WORK/qr.pgm" <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
n = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
k = 8
w = n * k
px = bytearray([255]) * (w * w)
d = re.search(r'<path [^>]*d="([^"]*)"', svg).group(1)
for x, y, run in re.findall(r'M(\d+) (\d+)h(\d+)v1h-\d+z', d):
    x, y, run = int(x), int(y), int(run)
    for yy in range(y * k, (y + 1) * k):
        px[yy * w + x * k:yy * w + (x + run) * k] = bytes(run * k)
open(sys.argv[2], 'wb').write(b'P5\n%d %d\n255\n' % (w, w) + bytes(px))
PY
  zbarimg -q --raw "$WORK/qr.pgm" 2>/dev/null
}

server_init
server_start
ADDR="127.0.0.1:$PORT"
# The certificate's SHA-256, computed here from its DER bytes.
FP=$(python3 -c '
import base64, hashlib, sys
pem = open(sys.argv[1]).read()
b64 = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END")[0]
print(hashlib.sha256(base64.b64decode(b64)).hexdigest())' "$SRV/server.crt")

# ---- roundsd enroll --qr -----------------------------------------------------
# serve listens on 0.0.0.0 and nothing says how handhelds reach it.
printf 'listen = 0.0.0.0:7443\n' >"$WORK/wild.conf"
"$ROUNDSD" enroll --config "$WORK/wild.conf" --data "$SRV" --site S1 \
  --device x --qr "$WORK/x.svg" >/dev/null 2>"$WORK/wild.err"
eq "no address: refused (usage)" "$?" 2
check "no address: the message says to set public_address" \
  grep -q "set public_address" "$WORK/wild.err"
check "no address: no QR written" test ! -e "$WORK/x.svg"
eq "no address: nothing enrolled" \
  "$(rd devices --json | jq_py 'len(d)')" 0

CRED=$(rd enroll --site S1 --device a --qr "$WORK/a.svg" \
  --public-address "$ADDR" 2>/dev/null)
eq "enroll --qr prints the credential" "${CRED:0:5}" "rdc1-"
PAYLOAD=$(qr_decode "$WORK/a.svg")
eq "the QR code decodes to the payload" "$PAYLOAD" \
  "rounds-enroll:1?addr=$ADDR&fp=$FP&site=S1&dev=a&cred=$CRED"

# ---- rounds enroll --payload, a record, a sync ------------------------------
out=$(hh a enroll --payload "$PAYLOAD" 2>&1)
eq "enroll --payload" "$?" 0
check "enroll --payload made the device" \
  grep -q "device 'a' of site S1 initialised" <<<"$out"
eq "enrolled with the payload's address" \
  "$(hh a status --json | jget server)" "$ADDR"
check "a record" hh a log --by guard-a --text "enrolled from a QR code" \
  >/dev/null
check "a syncs" hh_sync a >/dev/null
eq "the server holds a's record" "$(srv_digest S1)" "$(hh_digest a)"
# The pinned certificate is the server's, byte for byte: a second sync
# (a full handshake once the saved session is gone) passes too.
check "a syncs again" hh_sync a >/dev/null

# ---- one wrong fingerprint digit --------------------------------------------
CRED_B=$(rd enroll --site S1 --device b --payload --public-address "$ADDR" \
  2>/dev/null)
d=${FP:0:1}
[ "$d" = 0 ] && w=1 || w=0
BAD=${CRED_B/fp=$FP/fp=$w${FP:1}}
[ "$BAD" != "$CRED_B" ] || fail "the bad payload differs"
hh b init --site S1 --name b >/dev/null
hh b enroll --payload "$BAD" >/dev/null 2>"$WORK/bad.err"
ex=$?
[ "$ex" -ne 0 ] && pass || fail "a wrong fingerprint is refused"
check "the refusal names the server's fingerprint" grep -q "$FP" "$WORK/bad.err"
check "the refusal names the payload's fingerprint" \
  grep -q "$w${FP:1}" "$WORK/bad.err"
eq "b stays unenrolled" "$(hh b status --json | jget server)" "None"
hh b sync >/dev/null 2>&1
eq "b cannot sync (not enrolled: exit 3)" "$?" 3
# A payload for another device on an existing handheld: refused.
hh b enroll --payload "$PAYLOAD" >/dev/null 2>"$WORK/other.err"
eq "another device's payload: refused (usage)" "$?" 2
check "it says whose payload it is" grep -q "enrolls device a of site S1" \
  "$WORK/other.err"
eq "b still unenrolled" "$(hh b status --json | jget server)" "None"
# The right payload then works.
check "b enrolls with the right payload" hh b enroll --payload "$CRED_B"
check "b syncs" hh_sync b >/dev/null

# ---- revoked ----------------------------------------------------------------
check "revoke a" rd revoke --site S1 --device a >/dev/null
hh_sync a >/dev/null 2>"$WORK/revoked.err"
eq "a revoked device cannot sync (server refused: exit 7)" "$?" 7
check "it is told it is revoked" grep -q EREVOKED "$WORK/revoked.err"

# ---- the dashboard's API ----------------------------------------------------
printf 'public_address = %s\n' "$ADDR" >"$WORK/pub.conf"
dd() { ROUNDSD_CONFIG="$WORK/pub.conf" "$DASHDEV" "$SRV" "$@"; }
dd clerk POST /api/devices/enroll S1 c >"$WORK/clerk.out"
eq "a clerk may not enroll" "$(head -1 "$WORK/clerk.out")" 403
dd admin POST /api/devices/enroll S1 c >"$WORK/c.out"
eq "POST /api/devices/enroll: 200" "$(head -1 "$WORK/c.out")" 200
tail -n +2 "$WORK/c.out" >"$WORK/c.json"
C_PAYLOAD=$(jq_py 'd["payload"]' <"$WORK/c.json")
C_CRED=$(jq_py 'd["credential"]' <"$WORK/c.json")
eq "the answer's payload" "$C_PAYLOAD" \
  "rounds-enroll:1?addr=$ADDR&fp=$FP&site=S1&dev=c&cred=$C_CRED"
jq_py 'd["qr"]' <"$WORK/c.json" | python3 -c '
import base64, sys
url = sys.stdin.read().strip()
head = "data:image/svg+xml;base64,"
assert url.startswith(head), url[:40]
open(sys.argv[1], "wb").write(base64.b64decode(url[len(head):]))
' "$WORK/c.svg" || fail "qr is a data: URL of an SVG"
eq "the answer's QR decodes to its payload" "$(qr_decode "$WORK/c.svg")" \
  "$C_PAYLOAD"
dd admin POST /api/devices/enroll S1 c >"$WORK/c2.out"
eq "enrolling c again: 409" "$(head -1 "$WORK/c2.out")" 409
check "c enrolls from the page's QR" hh c enroll --payload "$C_PAYLOAD" \
  >/dev/null
check "c records" hh c log --by guard-c --text "from the page" >/dev/null
check "c syncs" hh_sync c >/dev/null
dd clerk GET /api/devices S1 en >"$WORK/list.out"
eq "GET /api/devices: 200" "$(head -1 "$WORK/list.out")" 200
tail -n +2 "$WORK/list.out" >"$WORK/list.json"
eq "the table's columns" \
  "$(jq_py '",".join(c["key"] for c in d["table"]["columns"])' \
    <"$WORK/list.json")" \
  "device,device_id,enrolled,last_sync,held,ops_in,ops_out,clock,revoked"
eq "the table's devices" \
  "$(jq_py '",".join(r["cells"][0] for r in d["table"]["rows"])' \
    <"$WORK/list.json")" "a,b,c"
eq "c's last sync, in the office's offset" \
  "$(jq_py '[r for r in d["table"]["rows"] if r["cells"][0]=="c"][0]["cells"][3]' \
    <"$WORK/list.json")" "2026-11-28T08:20:00+08:00"
eq "c holds its one record" \
  "$(jq_py '[r for r in d["table"]["rows"] if r["cells"][0]=="c"][0]["cells"][4]' \
    <"$WORK/list.json")" 1
eq "a is revoked" \
  "$(jq_py '[r for r in d["table"]["rows"] if r["cells"][0]=="a"][0]["cells"][8]' \
    <"$WORK/list.json")" True
dd admin POST /api/devices/revoke S1 c >"$WORK/rev.out"
eq "POST /api/devices/revoke: 200" "$(head -1 "$WORK/rev.out")" 200
hh_sync c >/dev/null 2>&1
eq "c, revoked from the page, cannot sync" "$?" 7
dd admin POST /api/devices/revoke S1 nobody >"$WORK/rev404.out"
eq "revoking an unknown device: 404" "$(head -1 "$WORK/rev404.out")" 404
# The page's enrollment without an address handhelds can dial.
ROUNDSD_CONFIG="$WORK/wild.conf" "$DASHDEV" "$SRV" admin POST \
  /api/devices/enroll S1 d >"$WORK/d.out"
eq "no address: the page's enrollment is refused (400)" \
  "$(head -1 "$WORK/d.out")" 400
check "it says to set public_address" grep -q "set public_address" \
  "$WORK/d.out"
eq "d is not enrolled" \
  "$(rd devices --json | jq_py '[x["device"] for x in d]')" "['a', 'b', 'c']"

# ---- the handheld's app: its enroll screen's API ------------------------------
APP_PID=""
trap '[ -n "$APP_PID" ] && kill -9 "$APP_PID" 2>/dev/null; cleanup' EXIT
{
  hh e init --site S1 --name e >/dev/null
  ROUNDS_DATA="$WORK/hh-e" "$ROUNDS" app --url-file "$WORK/app.url" \
    >/dev/null 2>"$WORK/app.err" &
  APP_PID=$!
  for _ in $(seq 200); do
    [ -s "$WORK/app.url" ] && break
    kill -0 "$APP_PID" 2>/dev/null || break
    sleep 0.05
  done
  URL=$(cat "$WORK/app.url")
  B=${URL%%/open*}
  COOKIE=$(curl -s -D - -o /dev/null "$URL" | tr -d '\r' \
    | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
  C=(-H "Cookie: $COOKIE")
  curl -s "${C[@]}" "$B/api/session" >"$WORK/s.json"
  CSRF=$(jq_py 'd["csrf"]' <"$WORK/s.json")
  eq "app: not enrolled" "$(jq_py 'd["enrolled"]' <"$WORK/s.json")" False
  post() { # post PATH BODY: the body, then the status on its own line
    curl -s "${C[@]}" -H "Content-Type: application/json" \
      -H "X-Rounds-CSRF: $CSRF" -H "Origin: $B" -d "$2" -w '\n%{http_code}' \
      "$B$1"
  }
  E_PAYLOAD=$(rd enroll --site S1 --device e --payload \
    --public-address "$ADDR" 2>/dev/null)
  E_BAD=${E_PAYLOAD/fp=$FP/fp=$w${FP:1}}
  out=$(post /api/enroll "{\"payload\":\"$E_BAD\"}")
  eq "app: a wrong fingerprint is refused" \
    "$(sed '$d' <<<"$out" | jq_py 'd["error"]["code"]') $(tail -1 <<<"$out")" \
    "ECERT 502"
  curl -s "${C[@]}" "$B/api/session" >"$WORK/s.json"
  eq "app: still not enrolled" "$(jq_py 'd["enrolled"]' <"$WORK/s.json")" False
  out=$(post /api/enroll '{"payload":"rounds-enroll:1?nonsense"}')
  eq "app: not a payload: 400 naming it" \
    "$(sed '$d' <<<"$out" | jq_py 'd["error"]["field"]') $(tail -1 <<<"$out")" \
    "payload 400"
  out=$(post /api/enroll "{\"payload\":\"$E_PAYLOAD\"}")
  eq "app: enrolled" "$(tail -1 <<<"$out")" 200
  eq "app: with the payload's server" \
    "$(sed '$d' <<<"$out" | jq_py 'd["server"]')" "$ADDR"
  curl -s "${C[@]}" "$B/api/session" >"$WORK/s.json"
  eq "app: the session says enrolled" \
    "$(jq_py 'd["enrolled"], d["server"]' <"$WORK/s.json")" "True $ADDR"
  out=$(post /api/enroll "{\"payload\":\"$E_PAYLOAD\"}")
  eq "app: enrolling again is refused (409)" "$(tail -1 <<<"$out")" 409
  post /api/sync '{}' >/dev/null
  state=""
  for _ in $(seq 600); do
    state=$(curl -s "${C[@]}" "$B/api/sync" | jq_py 'd["state"]')
    [ "$state" = running ] || break
    sleep 0.05
  done
  eq "app: the first sync after enrolling" "$state" done
  kill -TERM "$APP_PID"
  wait "$APP_PID"
  eq "app: stops" "$?" 0
  APP_PID=""
}

# ---- over HTTPS: roundsd serve --web-listen ------------------------------------
# The page's enrollment as a browser makes it (login, CSRF), the payload's
# address being serve's listen address (a free port chosen here, not 0).
if "$ROUNDSD" serve --help 2>&1 | grep -q -- --web-listen; then
  server_stop >/dev/null
  echo 'a long password' | rd user add boss --grant 'S1=admin' \
    --password-stdin >/dev/null || fail "user add boss"
  echo 'a long password' | rd user add clerk --grant 'S1=clerk' \
    --password-stdin >/dev/null || fail "user add clerk"
  LP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  : >"$WORK/serve.log"
  "$ROUNDSD" serve --data "$SRV" --listen "127.0.0.1:$LP" \
    --web-listen 127.0.0.1:0 2>>"$WORK/serve.log" &
  SRV_PID=$!
  WP=""
  for _ in $(seq 400); do
    WP=$(sed -n 's|.*web: listening on https://127\.0\.0\.1:\([0-9]*\)$|\1|p' \
      "$WORK/serve.log" | tail -1)
    grep -q "info: listening on" "$WORK/serve.log" && [ -n "$WP" ] && break
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$WP" ] || { fail "serve --web-listen did not start"; cat "$WORK/serve.log"; }
  web() { # web [CURL ARGS] PATH: the response, headers and body
    local path=${*: -1}
    curl -s -i --max-time 20 --cacert "$SRV/server.crt" \
      --resolve "roundsd:$WP:127.0.0.1" "${@:1:$#-1}" "https://roundsd:$WP$path"
  }
  body() { sed '1,/^\r$/d'; }
  login() { # login NAME: "COOKIE CSRF"
    local r
    r=$(web -H 'Content-Type: application/json' \
      --data "{\"name\":\"$1\",\"password\":\"a long password\"}" /api/login)
    echo "$(tr -d '\r' <<<"$r" | sed -n 's/^Set-Cookie: \([^;]*\);.*/\1/Ip')" \
      "$(body <<<"$r" | jget csrf)"
  }
  enroll_web() { # enroll_web COOKIE CSRF NAME: the response
    web -H "Cookie: $1" -H "X-Rounds-CSRF: $2" -H 'Content-Type: application/json' \
      -H "Origin: https://roundsd:$WP" --data "{\"site\":\"S1\",\"name\":\"$3\"}" \
      /api/devices/enroll
  }
  read -r ctok ccsrf <<<"$(login clerk)"
  r=$(enroll_web "$ctok" "$ccsrf" f)
  eq "https: a clerk may not enroll (403)" "$(head -1 <<<"$r" | awk '{print $2}')" 403
  read -r tok csrf <<<"$(login boss)"
  r=$(enroll_web "$tok" "" f)
  eq "https: without the CSRF token (403)" "$(head -1 <<<"$r" | awk '{print $2}')" 403
  r=$(enroll_web "$tok" "$csrf" f)
  eq "https: POST /api/devices/enroll (200)" "$(head -1 <<<"$r" | awk '{print $2}')" 200
  check "https: the log says who enrolled f" \
    grep -q "web: web:boss enrolled S1/f from 127.0.0.1" "$WORK/serve.log"
  F_PAYLOAD=$(body <<<"$r" | jget payload)
  F_CRED=$(body <<<"$r" | jget credential)
  eq "https: the payload names serve's listen address" "$F_PAYLOAD" \
    "rounds-enroll:1?addr=127.0.0.1:$LP&fp=$FP&site=S1&dev=f&cred=$F_CRED"
  body <<<"$r" | jget qr | python3 -c '
import base64, sys
url = sys.stdin.read().strip()
open(sys.argv[1], "wb").write(base64.b64decode(url.split(",", 1)[1]))
' "$WORK/f.svg"
  eq "https: its QR code decodes to the payload" "$(qr_decode "$WORK/f.svg")" \
    "$F_PAYLOAD"
  check "https: f enrolls from the page's code" hh f enroll --payload \
    "$F_PAYLOAD" >/dev/null
  check "https: f syncs" hh_sync f >/dev/null
  r=$(web -H "Cookie: $tok" "/api/devices?site=S1&lang=en")
  eq "https: GET /api/devices lists f, synced" \
    "$(body <<<"$r" | jq_py '[r["cells"][3] is not None for r in d["table"]["rows"] if r["cells"][0]=="f"]')" \
    "[True]"
else
  echo "note: roundsd serve has no --web-listen yet: the HTTPS check waits for the dashboard's core"
fi

finish
