#!/usr/bin/env bash
# test_e2e_pin.sh BIN: people are known on the handheld (issue 16). A real
# roundsd (loopback TLS, clock pinned) keeps a staff list; the office sets
# PINs with `roundsd staff pin`; their Argon2id hashes sync down; a real
# handheld verifies PINs offline:
#  - a person with a PIN records only signed in: --by guard-li, or `rounds
#    user guard-li`, is refused (exit 2 naming by / user) until she signs in;
#  - a wrong PIN is refused (exit 4) with the tries left; 5 in a row lock
#    her on this device (exit 4, ELOCKOUT), the right PIN too, across
#    processes; a new PIN from the office unlocks her at the next sync and
#    the old one no longer works;
#  - shift change on one device: guard-li hands over to guard-chen, who
#    signs in with her PIN and acknowledges: the ack is hers;
#  - a cleared PIN: sign-in refused (exit 2 naming pin);
#  - the PIN itself is stored nowhere, on either side;
#  - the office: a PIN that is not 4-8 digits is refused (exit 2 naming
#    pin), an unknown person too (exit 3).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
export ROUNDSD_CLOCK_MS=1795825200000 # 2026-11-28T08:20:00+08:00
export ROUNDS_CLOCK_MS=$ROUNDSD_CLOCK_MS
# 8 digits each, searched for below as a number of their own: a shorter
# one turns up by chance inside the logs' timestamps.
LI_PIN=73915382
CHEN_PIN=48260917

server_init
server_start
check "site add" rd site add --site S1 --name "Jade Garden" >/dev/null
for p in guard-li guard-chen guard-wu; do
  check "staff add $p" rd staff add --site S1 --staff "$p" --name "$p" \
    --role guard >/dev/null
done
check "checkpoint CP-01" rd checkpoint add --site S1 --tag CP-01 \
  --name gate --place gate >/dev/null

# ---- the office sets PINs ----------------------------------------------------
out=$(echo 12a4 | rd staff pin --site S1 --staff guard-li --pin-stdin 2>&1)
eq "a PIN with a letter refused (exit 2)" "$?" 2
check "names pin ($out)" grep -q "'pin'" <<<"$out"
out=$(echo 123 | rd staff pin --site S1 --staff guard-li --pin-stdin 2>&1)
eq "a 3-digit PIN refused (exit 2)" "$?" 2
out=$(echo 1234 | rd staff pin --site S1 --staff ghost --pin-stdin 2>&1)
eq "a PIN for someone off the list refused (exit 3)" "$?" 3
check "names ghost ($out)" grep -q "ghost" <<<"$out"
out=$(rd staff pin --site S1 --staff guard-li </dev/null 2>&1)
eq "no --pin-stdin and no terminal: usage (exit 2)" "$?" 2
check "li's PIN set" rd staff pin --site S1 --staff guard-li --pin-stdin \
  <<<"$LI_PIN"
j=$(rd staff pin --site S1 --staff guard-chen --pin-stdin --json \
  <<<"$CHEN_PIN")
eq "chen's PIN set (JSON)" "$(jq_py 'd["pin"]' <<<"$j")" set

hh_new dev # its user is guard-dev, who has no PIN
check "dev pulls the staff list" hh_sync dev
lacks() { ! grep -q "$@"; } # lacks TEXT: standard input does not hold it
st=$(hh dev list staff --json)
check "a listing says li's PIN is set" grep -q '"pin_hash":"set"' <<<"$st"
check "a listing never shows the hash" lacks 'argon2' <<<"$st"
st=$(rd list staff --site S1 --json)
check "roundsd list staff says set" grep -q '"pin_hash":"set"' <<<"$st"
check "roundsd list staff hides the hash" lacks 'argon2' <<<"$st"
eq "whoami: nobody signed in" \
  "$(hh dev whoami --json | jq_py 'd["signed_in"]')" None

# ---- a person with a PIN records only signed in ------------------------------
own=$(hh_own dev)
out=$(hh dev scan --tag CP-01 --by guard-li 2>&1)
eq "--by guard-li without signing in refused (exit 2)" "$?" 2
check "names by ($out)" grep -q "'by'" <<<"$out"
check "says sign in" grep -q "sign in as guard-li" <<<"$out"
out=$(hh dev user guard-li 2>&1)
eq "rounds user guard-li refused (exit 2)" "$?" 2
check "names user ($out)" grep -q "'user'" <<<"$out"
eq "nothing written" "$(hh_own dev)" "$own"
check "a person without a PIN still records by name" hh dev scan --tag CP-01 \
  --by guard-wu

# ---- sign in, wrong PIN, right PIN ---------------------------------------------
out=$(hh dev signin --staff guard-li --pin-stdin <<<"000000" 2>&1)
eq "a wrong PIN refused (exit 4)" "$?" 4
check "4 tries left ($out)" grep -q "4 tries left" <<<"$out"
out=$(hh dev signin --staff guard-li --pin-stdin <<<"12" 2>&1)
eq "a PIN of the wrong form: usage (exit 2)" "$?" 2
out=$(hh dev signin --staff guard-zhou --pin-stdin <<<"1234" 2>&1)
eq "someone off the list: not found (exit 3)" "$?" 3
check "li signs in" hh dev signin --staff guard-li --pin-stdin <<<"$LI_PIN"
eq "whoami: guard-li" "$(hh dev whoami --json | jq_py 'd["signed_in"]')" \
  guard-li
sid=$(hh dev --json scan --tag CP-01 | jget id)
eq "her scan is by guard-li" \
  "$(hh dev show "$sid" --json | jq_py 'd["fields"]["by"]')" guard-li
out=$(hh dev scan --tag CP-01 --by guard-chen 2>&1)
eq "--by guard-chen while li is signed in refused (exit 2)" "$?" 2

# ---- shift change on one device ------------------------------------------------
ho=$(hh dev --json handover create --to guard-chen --items "radio=2" | jget id)
[ -n "$ho" ] || fail "li hands over to chen"
out=$(hh dev handover ack "$ho" --confirm "radio=2" 2>&1)
eq "li cannot acknowledge (exit 2)" "$?" 2
out=$(hh dev signin --staff guard-chen --pin-stdin <<<"$LI_PIN" 2>&1)
eq "chen with li's PIN refused (exit 4)" "$?" 4
check "chen signs in with her PIN" hh dev signin --staff guard-chen \
  --pin-stdin <<<"$CHEN_PIN"
check "chen acknowledges" hh dev handover ack "$ho" --confirm "radio=2"
j=$(hh dev show "$ho" --json)
eq "the handover is acknowledged" "$(jq_py 'd["status"]' <<<"$j")" \
  acknowledged
eq "by guard-chen" "$(jq_py 'd["fields"]["ack_by"]' <<<"$j")" guard-chen
check "chen signs out" hh dev signout
eq "whoami: nobody" "$(hh dev whoami --json | jq_py 'd["signed_in"]')" None

# ---- five wrong PINs lock li on this device --------------------------------------
for i in 1 2 3 4; do
  hh dev signin --staff guard-li --pin-stdin <<<"11111" >/dev/null 2>&1
done
out=$(hh dev signin --staff guard-li --pin-stdin <<<"11111" 2>&1)
eq "the fifth wrong PIN (exit 4)" "$?" 4
check "says locked ($out)" grep -q "locked" <<<"$out"
out=$(hh dev --json signin --staff guard-li --pin-stdin <<<"$LI_PIN" 2>/dev/null)
eq "the right PIN is refused while locked (exit 4)" "$?" 4
eq "as ELOCKOUT" "$(jq_py 'd["error"]' <<<"$out")" ELOCKOUT
eq "still nobody signed in" \
  "$(hh dev whoami --json | jq_py 'd["signed_in"]')" None
check "chen is not locked" hh dev signin --staff guard-chen --pin-stdin \
  <<<"$CHEN_PIN"

# ---- a new PIN from the office unlocks -------------------------------------------
NEW_PIN=50803164
check "the office sets li a new PIN" rd staff pin --site S1 --staff guard-li \
  --pin-stdin <<<"$NEW_PIN"
out=$(hh dev signin --staff guard-li --pin-stdin <<<"$NEW_PIN" 2>&1)
eq "before the sync: still locked (exit 4)" "$?" 4
check "dev syncs" hh_sync dev
out=$(hh dev signin --staff guard-li --pin-stdin <<<"$LI_PIN" 2>&1)
eq "the old PIN no longer works (exit 4)" "$?" 4
check "a new count: 4 tries left ($out)" grep -q "4 tries left" <<<"$out"
check "the new PIN signs li in" hh dev signin --staff guard-li --pin-stdin \
  <<<"$NEW_PIN"

# ---- a cleared PIN --------------------------------------------------------------
check "the office clears chen's PIN" rd staff pin --site S1 \
  --staff guard-chen --clear
check "dev syncs" hh_sync dev
out=$(hh dev signin --staff guard-chen --pin-stdin <<<"$CHEN_PIN" 2>&1)
eq "no PIN: sign-in refused (exit 2)" "$?" 2
check "names pin ($out)" grep -q "'pin'" <<<"$out"

# ---- at the office, and nowhere the PIN --------------------------------------------
j=$(rd report tags --site S1 --to $((ROUNDSD_CLOCK_MS + 60000)) --json)
eq "the office counts one scan by guard-li" "$(jq_py '[g["scans"] for g in
  d["sections"]["guards"] if g["guard"] == "guard-li"]' <<<"$j")" "[1]"
for p in $LI_PIN $CHEN_PIN $NEW_PIN; do
  if grep -rqaP "(?<![0-9])$p(?![0-9])" "$SRV" "$WORK/hh-dev"; then
    fail "PIN $p found in a data directory"
  else
    pass
  fi
done
finish
