#!/usr/bin/env bash
# test_e2e_rotation.sh BIN: certificate rotation without stranding a
# handheld. A syncs; `roundsd cert next` (serve keeps running); A syncs and
# learns the next certificate; `roundsd cert status` lists A ready and B
# (not synced since) stranded; B syncs; rotate (refused while C would be
# stranded, then --force); restart serve; A and B sync with the new
# certificate and pin it; C, which never synced since `next`, is refused
# with the certificate error (exit 7) and recovers by enrolling with the new
# certificate.
BIN=$1
. "$(dirname "$0")/lib.sh"

# state DEVICE < status json: ready | stranded | -
state() {
  python3 -c '
import json, sys
print(next(d["state"] for d in json.load(sys.stdin)["devices"] if d["device"] == sys.argv[1]))' "$1"
}
fp() { "$ROUNDSD" cert status --data "$SRV" --json | python3 -c '
import json, sys
c = json.load(sys.stdin)[sys.argv[1]]
print(c["sha256"] if c else "none")' "$1"; }

server_init
server_start
for n in A B C; do
  hh_new "$n"
  record "$n" 1
  check "$n syncs before the rotation" hh_sync "$n" >/dev/null
done
old=$(fp current)
eq "nothing staged yet" "$(fp next)" none
eq "status without a staged certificate" \
  "$("$ROUNDSD" cert status --data "$SRV" --json | state A)" "-"

# The syncs above end strictly before the certificate is staged: wait for
# the clock's next millisecond.
t=$(date +%s%3N)
while [ "$(date +%s%3N)" -le "$t" ]; do :; done
"$ROUNDSD" cert next --data "$SRV" >/dev/null || fail "cert next"
new=$(fp next)
check "a new certificate is staged" [ "$new" != none ] && [ "$new" != "$old" ]
"$ROUNDSD" cert next --data "$SRV" >/dev/null 2>&1
eq "a second 'cert next' is refused" "$?" 4

record A 1
out=$(hh A sync --json) || fail "A sync after next"
eq "A learns the next certificate (serve not restarted)" \
  "$(jget cert_learned <<<"$out")" true
out=$(hh A sync --json) || fail "A again"
eq "A learns it only once" "$(jget cert_learned <<<"$out")" false

"$ROUNDSD" cert status --data "$SRV" --json >"$WORK/status1.json" \
  || fail "cert status"
eq "A is ready" "$(state A <"$WORK/status1.json")" ready
eq "B would be stranded" "$(state B <"$WORK/status1.json")" stranded
eq "C would be stranded" "$(state C <"$WORK/status1.json")" stranded
eq "stranded count" "$(jget stranded <"$WORK/status1.json")" 2
"$ROUNDSD" cert status --data "$SRV" | grep -q "would be stranded" \
  || fail "text status names the stranded handhelds"

check "B syncs" hh_sync B >/dev/null
"$ROUNDSD" cert status --data "$SRV" --json >"$WORK/status2.json"
eq "B is ready now" "$(state B <"$WORK/status2.json")" ready
eq "one left stranded" "$(jget stranded <"$WORK/status2.json")" 1

"$ROUNDSD" cert rotate --data "$SRV" >/dev/null 2>&1
eq "rotate refuses while C would be stranded" "$?" 4
eq "nothing rotated" "$(fp current)" "$old"
"$ROUNDSD" cert rotate --data "$SRV" --force >/dev/null || fail "rotate --force"
eq "the staged certificate is current" "$(fp current)" "$new"
eq "the former one is kept" "$(fp previous)" "$old"
eq "nothing staged after the rotation" "$(fp next)" none

server_stop
server_start
for n in A B; do
  record "$n" 1
  out=$(hh "$n" sync --json) || fail "$n sync with the new certificate: $out"
  eq "$n pins the new certificate" "$(jget cert_promoted <<<"$out")" true
  out=$(hh "$n" sync --json) || fail "$n second sync"
  eq "$n syncs on with it" "$(jget cert_promoted <<<"$out")" false
done

# C never learned the new certificate: refused, nothing lost.
out=$(hh C sync 2>&1)
eq "C is refused (certificate error)" "$?" 7
grep -q "certificate" <<<"$out" || fail "C's error names the certificate: $out"
record C 1
check "the old certificate's files are kept" test -s "$SRV/server.prev.crt"
hh C enroll --server "127.0.0.1:$PORT" --cert "$SRV/server.crt" \
  --credential "$(cat "$WORK/cred-C")" >/dev/null || fail "C re-enrolls"
out=$(hh C sync --json) || fail "C syncs after re-enrolling: $out"
eq "C pushes what it recorded meanwhile" "$(jget pushed <<<"$out")" 3
for n in A B C; do
  hh_sync "$n" >/dev/null || fail "$n final sync"
  eq "$n's digest = the server's" "$(hh_digest "$n")" "$(srv_digest)"
done
eq "the server holds every op" \
  "$("$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p')" $((21 + OFFICE_OPS))
finish
