#!/usr/bin/env bash
# test_e2e_certclock.sh BIN: the pinned certificate is compared by its
# bytes, not judged by the handheld's clock. Certificates are made at test
# time (mkcert) valid only in a window two years away from this machine's
# clock, which is the handheld's: a handheld whose clock is two years
# behind its server's certificate, then one two years past it, syncs;
# another certificate of the same shape is still refused.
BIN=$1
. "$(dirname "$0")/lib.sh"
MKCERT="$BIN/tests/integration/mkcert"
YEAR=$((366 * 86400))
now=$(date +%s)

use_cert() { # use_cert FROM UNTIL: the server's certificate from now on
  "$MKCERT" "$SRV/server.crt" "$SRV/server.key" "$1" "$2" \
    || { echo "mkcert failed"; exit 1; }
}

server_init
# Valid from two to three years after the handheld's clock.
use_cert $((now + 2 * YEAR)) $((now + 3 * YEAR))
server_start
hh_new A
record A 1
out=$(hh A sync 2>&1)
eq "a certificate not valid for two more years: sync succeeds" "$?" 0
grep -q "not the enrolled one" <<<"$out" && fail "refused: $out"
eq "A's ops are on the server" "$(hh A status --json | jget unsynced)" 0
check "the next sync resumes or not, still fine" hh_sync A >/dev/null

# Valid until two years before the handheld's clock.
server_stop >/dev/null
use_cert $((now - 3 * YEAR)) $((now - 2 * YEAR))
server_start
hh A enroll --server "127.0.0.1:$PORT" --cert "$SRV/server.crt" \
  --credential "$(cat "$WORK/cred-A")" >/dev/null || fail "re-enroll A"
record A 1
out=$(hh A sync 2>&1)
eq "a certificate expired two years ago: sync succeeds" "$?" 0
grep -q "not the enrolled one" <<<"$out" && fail "refused: $out"
eq "A's new ops are on the server" "$(hh A status --json | jget unsynced)" 0

# Pinning is by the bytes: another certificate of the same shape (same
# name, valid now) is not the enrolled one.
"$MKCERT" "$WORK/other.crt" "$WORK/other.key" $((now - 86400)) \
  $((now + YEAR)) || { echo "mkcert failed"; exit 1; }
hh_new B
hh B enroll --server "127.0.0.1:$PORT" --cert "$WORK/other.crt" \
  --credential "$(cat "$WORK/cred-B")" >/dev/null || fail "enroll B"
out=$(hh B sync 2>&1)
eq "another certificate is refused" "$?" 7
grep -q "not the enrolled one" <<<"$out" || fail "B's refusal: $out"
finish
