#!/usr/bin/env bash
# test_e2e_refusals.sh BIN: each bad client is refused with its own error
# and the server goes on serving an honest handheld: revoked device, wrong
# credential, wrong certificate, foreign device id, foreign site, broken
# chain (gap and bad hash), unsupported version, oversized frame, garbage
# before the TLS handshake and garbage MessagePack after it.
BIN=$1
. "$(dirname "$0")/lib.sh"

server_init
server_start
hh_new good
hh_new lost
record good 1
record lost 1
check "good syncs" hh_sync good >/dev/null

honest() { # the honest handheld still syncs after each attack
  record good 1
  check "honest sync after $1" hh_sync good >/dev/null
}

expect_refused() { # NAME WANT_ERR WANT_EXIT COMMAND...
  local name=$1 want=$2 code=$3; shift 3
  out=$("$@" 2>&1); rc=$?
  eq "$name: exit code" "$rc" "$code"
  grep -q "$want" <<<"$out" || fail "$name: '$want' not in: $out"
}

# Revoked device.
"$ROUNDSD" revoke --data "$SRV" --site S1 --device lost >/dev/null || fail "revoke"
expect_refused revoked EREVOKED 7 hh lost sync
honest revoked

# Wrong credential.
hh_new thief
hh thief enroll --server "127.0.0.1:$PORT" --cert "$SRV/server.crt" \
  --credential rdc1-00000000000000000000000000000000 >/dev/null
expect_refused "wrong credential" EAUTH 7 hh thief sync
honest "wrong credential"

# Wrong certificate: a second server's certificate is not trusted.
"$ROUNDSD" init --data "$WORK/other" >/dev/null
hh_new mitm
hh mitm enroll --server "127.0.0.1:$PORT" --cert "$WORK/other/server.crt" \
  --credential "$(cat "$WORK/cred-mitm")" >/dev/null
expect_refused "wrong certificate" "certificate" 7 hh mitm sync
honest "wrong certificate"

# Foreign site: a device of S2 using the credential of S1's device.
hh_new s2dev S2
dev=$(hh good status --json | jget device_id)
cred=$(cat "$WORK/cred-good")
r=$("$TLSRAW" "$PORT" "$SRV/server.crt" session S2 good "$dev" "$cred" none)
case "$r" in "ERROR ESITE"|"ERROR EUNKNOWNDEV") pass ;; *) fail "foreign site: $r" ;; esac
honest "foreign site"

# Crafted pushes over a valid session of a fresh device.
hh_new crafty
cdev=$(hh crafty status --json | jget device_id)
ccred=$(cat "$WORK/cred-crafty")
eq "foreign device id" "$("$TLSRAW" "$PORT" "$SRV/server.crt" session S1 crafty "$cdev" "$ccred" foreign)" "ERROR EFOREIGN"
eq "chain gap" "$("$TLSRAW" "$PORT" "$SRV/server.crt" session S1 crafty "$cdev" "$ccred" gap)" "ERROR ECHAIN"
eq "chain bad hash" "$("$TLSRAW" "$PORT" "$SRV/server.crt" session S1 crafty "$cdev" "$ccred" badhash)" "ERROR ECHAIN"
eq "wrong device id for credential" "$("$TLSRAW" "$PORT" "$SRV/server.crt" session S1 good 0123456789abcdef "$cred" none)" "ERROR EAUTH"
honest "crafted pushes"

# Unsupported version: HELLO [1, 99, ...].
eq "version" "$("$TLSRAW" "$PORT" "$SRV/server.crt" tls 0000000f960163cf0000000000000001a0a0a0)" "ERROR EVERSION"
# Oversized frame: a header announcing 2 GiB, refused on the header.
eq "oversized frame" "$("$TLSRAW" "$PORT" "$SRV/server.crt" tls 7fffffff00)" "ERROR ETOOBIG"
# Valid TLS, malformed MessagePack, and a frame of zero length.
r=$("$TLSRAW" "$PORT" "$SRV/server.crt" tls 00000004c1c1c1c1)
case "$r" in "ERROR EMALFORMED"|"ERROR ETYPE") pass ;; *) fail "garbage msgpack: $r" ;; esac
r=$("$TLSRAW" "$PORT" "$SRV/server.crt" tls 0000000000)
case "$r" in "ERROR "*|CLOSED) pass ;; *) fail "zero frame: $r" ;; esac
# Garbage before the handshake: not TLS at all.
r=$("$TLSRAW" "$PORT" "$SRV/server.crt" plain 474554202f20485454502f312e310d0a0d0a)
case "$r" in CLOSED|DATA) pass ;; *) fail "garbage before TLS: $r" ;; esac
honest "garbage"

kill -0 "$SRV_PID" || fail "server died"
eq "good acked all" "$(hh good status --json | jget acked_seq)" "$(hh_own good)"
finish
