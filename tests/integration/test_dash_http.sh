#!/usr/bin/env bash
# test_dash_http.sh BIN: roundsd serve --web-listen: the office dashboard's
# HTTPS port as a browser and a handheld meet it. A real roundsd (its
# certificate made by roundsd init), accounts made by roundsd user add, curl
# over HTTPS with --cacert the server's certificate (CN=roundsd, reached
# through --resolve), a real rounds handheld syncing. Checks: no plain HTTP
# on the port; the security headers on every answer; the session signed
# out; a wrong password (401, tries_left), the lockout (423, even with the
# right password); a good login's cookie (Secure, HttpOnly,
# SameSite=Strict); a POST without or with a wrong X-Rounds-CSRF (403
# ECSRF) or from another Origin; a clerk refused an admin route; the event
# stream of a site gets "event: sync" after a handheld of that site syncs;
# the photo that handheld attached is listed and served by GET
# /api/attachment/HASH (its bytes, type, private cache, same-origin; 401,
# 403, 400, 404, and 404 "not uploaded yet" when the server lacks the
# bytes); the dashboard's process ends when serve is stopped and when it is killed.
BIN=$1
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
need_test_clock
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

export ROUNDSD_CLOCK_MS=1796284800000 # 2026-12-03T16:00:00+08:00
PW='a long password'

# dash_start: serve with the dashboard on a free port (lib.sh).
dash_start() {
  server_start --web-listen 127.0.0.1:0
  web_port
}

# The dashboard's process: serve's only child.
dash_pid() { pgrep -P "$SRV_PID" | head -1; }

# gone PID: waits (up to 20 s) for the process to end.
gone() {
  for _ in $(seq 400); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.05
  done
  return 1
}

# web [CURL ARGS] PATH: the response (headers and body) of the dashboard.
web() {
  local path=${*: -1}
  curl -s -i --max-time 20 --cacert "$SRV/server.crt" \
    --resolve "roundsd:$WP:127.0.0.1" "${@:1:$#-1}" "https://roundsd:$WP$path"
}
status() { head -1 | awk '{print $2}'; }
body() { sed '1,/^\r$/d'; }
# post PATH JSON [CURL ARGS]: a JSON POST.
post() {
  local path=$1 json=$2
  shift 2
  web -H 'Content-Type: application/json' --data "$json" "$@" "$path"
}
err_code() { body | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"]["code"])'; }
err_num() { body | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"].get(sys.argv[1], ""))' "$1"; }

server_init
for u in alice:S1=clerk bob:S1=clerk carol:'*=admin'; do
  echo "$PW" | "$ROUNDSD" user add "${u%%:*}" --grant "${u#*:}" \
    --password-stdin --data "$SRV" >/dev/null || fail "user add ${u%%:*}"
done
dash_start
hh_new h1 S1 # the site S1 exists from here on

# ---- HTTPS only ---------------------------------------------------------------
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
  "http://127.0.0.1:$WP/api/session")
eq "plain HTTP gets no HTTP answer" "$code" "000"

# ---- the security headers -------------------------------------------------------
CSP="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
for path in / /api/session /no-such-file; do
  h=$(web "$path" | tr -d '\r')
  for want in "Strict-Transport-Security: max-age=31536000" \
    "Content-Security-Policy: $CSP" "X-Frame-Options: DENY" \
    "X-Content-Type-Options: nosniff" "Referrer-Policy: no-referrer"; do
    grep -qixF "$want" <<<"$h" || fail "$path lacks '$want'"
  done
done
h=$(web / | tr -d '\r')
grep -qi '^Content-Type: text/html; charset=utf-8$' <<<"$h" || \
  fail "/ is not served as text/html"

# ---- sessions and login ---------------------------------------------------------
r=$(web /api/session)
eq "signed out: 200" "$(status <<<"$r")" 200
eq "signed out" "$(body <<<"$r" | jget signed_in)" false

r=$(post /api/login "{\"name\":\"alice\",\"password\":\"not it at all\"}")
eq "wrong password: 401" "$(status <<<"$r")" 401
eq "wrong password: EAUTH" "$(err_code <<<"$r")" EAUTH
eq "wrong password: tries_left" "$(err_num tries_left <<<"$r")" 4
for _ in 1 2 3 4; do
  post /api/login "{\"name\":\"alice\",\"password\":\"not it at all\"}" \
    >/dev/null
done
r=$(post /api/login "{\"name\":\"alice\",\"password\":\"$PW\"}")
eq "5 wrong, then the right password: 423" "$(status <<<"$r")" 423
eq "locked: ELOCKOUT" "$(err_code <<<"$r")" ELOCKOUT
until_ms=$(err_num until_ms <<<"$r")
eq "locked until 15 min from now" "$until_ms" $((ROUNDSD_CLOCK_MS + 900000))
grep -q "web: login of alice from 127.0.0.1 refused" "$WORK/server.log.new" ||
  fail "a failed login is not logged with the peer's address"

r=$(post /api/login "{\"name\":\"bob\",\"password\":\"$PW\"}")
eq "good login: 200" "$(status <<<"$r")" 200
cookie=$(tr -d '\r' <<<"$r" | sed -n 's/^Set-Cookie: //Ip')
case "$cookie" in
  __Host-rounds_office=*) pass ;;
  *) fail "session cookie: '$cookie'" ;;
esac
for attr in Secure HttpOnly SameSite=Strict Path=/; do
  grep -q "; $attr\(;\|$\)" <<<"$cookie" || fail "cookie lacks $attr: $cookie"
done
tok=${cookie%%;*}
csrf=$(body <<<"$r" | jget csrf)
eq "csrf: 64 hex digits" "$(grep -cE '^[0-9a-f]{64}$' <<<"$csrf")" 1
r=$(web -H "Cookie: $tok" /api/session)
eq "signed in as bob" "$(body <<<"$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["user"]["name"], d["user"]["role"], [s["name"] for s in d["sites"]])')" "bob clerk ['S1']"

# ---- CSRF, Origin, roles ---------------------------------------------------------
r=$(post /api/logout '{}' -H "Cookie: $tok")
eq "POST without X-Rounds-CSRF: 403" "$(status <<<"$r")" 403
eq "POST without X-Rounds-CSRF: ECSRF" "$(err_code <<<"$r")" ECSRF
r=$(post /api/logout '{}' -H "Cookie: $tok" -H "X-Rounds-CSRF: x${csrf:1}")
eq "POST with a wrong X-Rounds-CSRF: ECSRF" "$(err_code <<<"$r")" ECSRF
r=$(post /api/logout '{}' -H "Cookie: $tok" -H "X-Rounds-CSRF: $csrf" \
  -H "Origin: https://evil.example")
eq "POST from another origin: 403" "$(status <<<"$r")" 403
r=$(web -H "Cookie: $tok" "/api/accounts?site=S1")
eq "a clerk on an admin route: 403" "$(status <<<"$r")" 403
eq "a clerk on an admin route: EFORBIDDEN" "$(err_code <<<"$r")" EFORBIDDEN
r=$(web "/api/accounts?site=S1")
eq "no session on an admin route: 401 ESESSION" \
  "$(status <<<"$r") $(err_code <<<"$r")" "401 ESESSION"
r=$(post /api/login "{\"name\":\"carol\",\"password\":\"$PW\"}")
ctok=$(tr -d '\r' <<<"$r" | sed -n 's/^Set-Cookie: \([^;]*\);.*/\1/Ip')
r=$(web -H "Cookie: $ctok" "/api/accounts?site=S1")
eq "an admin on the admin route: 200" "$(status <<<"$r")" 200
r=$(web -H "Cookie: $tok" "/api/events?site=S2")
eq "events of a site not granted: 403" "$(status <<<"$r")" 403

# ---- the event stream ---------------------------------------------------------------
curl -s -N --max-time 60 --cacert "$SRV/server.crt" \
  --resolve "roundsd:$WP:127.0.0.1" -H "Cookie: $tok" \
  "https://roundsd:$WP/api/events?site=S1" >"$WORK/events.txt" &
ev_pid=$!
for _ in $(seq 400); do
  grep -q '^retry:' "$WORK/events.txt" && break
  sleep 0.05
done
grep -q '^retry:' "$WORK/events.txt" || fail "the event stream did not open"
grep -q '^event: sync' "$WORK/events.txt" && fail "an event before any sync"
logid=$(hh h1 log --text "shift change" --json | jget id)
JPG="$SRC/tests/fuzz/corpus/media/plain.jpg"
att=$(hh h1 attach "$logid" "$JPG" --json | jget hash)
hh_sync h1 >/dev/null || fail "h1 syncs"
for _ in $(seq 400); do
  grep -q '^data: {"site":"S1","at_ms":' "$WORK/events.txt" && break
  sleep 0.05
done
grep -q '^event: sync$' "$WORK/events.txt" ||
  fail "no 'event: sync' after the sync: $(cat "$WORK/events.txt")"
grep -q "^data: {\"site\":\"S1\",\"at_ms\":$ROUNDSD_CLOCK_MS}$" \
  "$WORK/events.txt" || fail "event data: $(cat "$WORK/events.txt")"

# ---- attachments: the handheld's photo, synced --------------------------------------
r=$(web -H "Cookie: $tok" "/api/attachments?site=S1&record=$logid")
eq "GET /api/attachments lists the photo, held" \
  "$(body <<<"$r" | python3 -c 'import json,sys; print([(a["hash"], a["type"], a["role"], a["held"]) for a in json.load(sys.stdin)["attachments"]])')" \
  "[('$att', 'image/jpeg', 'photo', True)]"
web -H "Cookie: $tok" "/api/attachment/$att?site=S1" >"$WORK/att.http"
eq "GET /api/attachment/HASH: 200" "$(status <"$WORK/att.http")" 200
body <"$WORK/att.http" >"$WORK/att.jpg"
check "the bytes are the photo's" cmp -s "$WORK/att.jpg" "$JPG"
h=$(sed '/^\r$/q' "$WORK/att.http" | tr -d '\r')
for want in "Content-Type: image/jpeg" \
  "Cache-Control: private, max-age=31536000, immutable" \
  "Cross-Origin-Resource-Policy: same-origin" "X-Content-Type-Options: nosniff"; do
  grep -qixF "$want" <<<"$h" || fail "the attachment lacks '$want'"
done
r=$(web "/api/attachment/$att?site=S1")
eq "no session: 401 ESESSION" "$(status <<<"$r") $(err_code <<<"$r")" "401 ESESSION"
r=$(web -H "Cookie: $tok" "/api/attachment/$att?site=S2")
eq "a site not granted: 403" "$(status <<<"$r")" 403
r=$(web -H "Cookie: $tok" "/api/attachment/$att")
eq "no site: 400" "$(status <<<"$r")" 400
r=$(web -H "Cookie: $tok" "/api/attachment/$(printf '%064d' 0)?site=S1")
eq "a hash no record has: 404" "$(status <<<"$r")" 404
r=$(web -H "Cookie: $tok" "/api/attachment/xyz?site=S1")
eq "not a hash: 400 EFIELD" "$(status <<<"$r") $(err_code <<<"$r")" "400 EFIELD"
r=$(web -H "Cookie: $tok" "/api/attachment/$att/x?site=S1")
eq "a path below a hash: 404" "$(status <<<"$r")" 404
r=$(post "/api/attachment/$att?site=S1" '{}' -H "Cookie: $tok" -H "X-Rounds-CSRF: $csrf")
eq "POST: 405" "$(status <<<"$r")" 405
# The op is there but not the bytes (as when a sync was cut between them).
mv "$SRV/sites/S1/attachments/${att:0:2}/${att:2}" "$WORK/held"
r=$(web -H "Cookie: $tok" "/api/attachment/$att?site=S1")
eq "bytes not held: 404" "$(status <<<"$r")" 404
check "bytes not held: 'not uploaded yet'" grep -q "not uploaded yet" <<<"$r"
mv "$WORK/held" "$SRV/sites/S1/attachments/${att:0:2}/${att:2}"

r=$(post /api/logout '{}' -H "Cookie: $tok" -H "X-Rounds-CSRF: $csrf")
eq "logout: 200" "$(status <<<"$r")" 200
r=$(web -H "Cookie: $tok" /api/session)
eq "after logout: signed out" "$(body <<<"$r" | jget signed_in)" false

# ---- a dashboard that dies comes back -------------------------------------------------
child=$(dash_pid)
kill -9 "$child"
web_port 2 # serve forks it again after 1 s
grep -q "error: web: the dashboard process was killed by signal 9" \
  "$WORK/server.log.new" || fail "the dashboard's death is not logged"
r=$(web /api/session)
eq "the restarted dashboard answers" "$(status <<<"$r")" 200

# ---- the dashboard's process ends with serve ---------------------------------------
child=$(dash_pid)
[ -n "$child" ] || fail "no dashboard process"
server_stop || fail "serve stops cleanly"
gone "$child" || { fail "the dashboard outlived serve's SIGTERM"; kill -9 "$child"; }
gone "$ev_pid" || fail "the event stream outlived the dashboard"
grep -q "web: stopping" "$WORK/server.log.new" || fail "the dashboard did not stop"

dash_start
child=$(dash_pid)
r=$(web /api/session)
eq "dashboard back after a restart" "$(status <<<"$r")" 200
server_kill
gone "$child" || { fail "the dashboard outlived serve's kill -9"; kill -9 "$child"; }
finish
