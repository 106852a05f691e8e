#!/usr/bin/env bash
# test_e2e_owner.sh BIN: office commands run as root on a data directory
# the service's user owns give that user what they create
# (server/datadir.h): `roundsd unit add` for a new site S9 as root, then
# roundsd serve as that user serves S9 (before: sites/S9 stayed root's
# and the service failed with "storage error"). Needs root (skipped
# otherwise); the service user is nobody (uid 65534).
BIN=$1
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
  echo "SKIP: needs root and setpriv"
  rm -rf "$WORK"
  exit 77
fi
SVC=65534
# nobody must reach the binaries and the data directory.
chmod 0755 "$WORK"
for d in "$BIN" "$BIN/server" "$BIN/handheld"; do
  setpriv --reuid=$SVC --regid=$SVC --clear-groups test -x "$d" || {
    echo "SKIP: uid $SVC cannot reach $d"; rm -rf "$WORK"; exit 77; }
done

server_init
chown -R $SVC:$SVC "$SRV"
# As root, as an operator would without sudo -u: a new site's first
# write, and an enrollment on it.
"$ROUNDSD" unit add --data "$SRV" --site S9 --unit 1-1-101 >/dev/null \
  2>"$WORK/unit.err"
eq "unit add as root" "$?" 0
eq "sites/S9 belongs to the data directory's owner" \
  "$(stat -c %u "$SRV/sites/S9")" $SVC
eq "nothing in the data directory is root's" \
  "$(find "$SRV" -uid 0 | wc -l)" 0
check "unit add says what it gave" \
  grep -q "created as root: given to uid $SVC" "$WORK/unit.err"
check "the message names sites/S9" grep -q "sites/S9" "$WORK/unit.err"

hh n9 init --site S9 --name n9 --user guard-n9 >/dev/null
cred=$("$ROUNDSD" enroll --data "$SRV" --site S9 --device n9 --json |
  jget credential)
eq "enroll as root leaves nothing root's" \
  "$(find "$SRV" -uid 0 | wc -l)" 0

# The service, as its own user.
: >"$WORK/server.log.new"
setpriv --reuid=$SVC --regid=$SVC --clear-groups "$ROUNDSD" serve \
  --data "$SRV" --listen 127.0.0.1:0 2>>"$WORK/server.log.new" &
SRV_PID=$!
for _ in $(seq 200); do
  grep -q "listening on" "$WORK/server.log.new" && break
  kill -0 "$SRV_PID" 2>/dev/null || break
  sleep 0.05
done
PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' \
  "$WORK/server.log.new" | tail -1)
[ -n "$PORT" ] || { cat "$WORK/server.log.new"; exit 1; }
hh n9 enroll --server "127.0.0.1:$PORT" --cert "$SRV/server.crt" \
  --credential "$cred" >/dev/null
check "a handheld of S9 syncs with the service as uid $SVC" hh n9 sync
check "it pulled the unit" bash -c \
  "ROUNDS_DATA='$WORK/hh-n9' '$ROUNDS' list units | grep -q 1-1-101"
server_stop

# restore --force as root: the restored directory is the owner's too.
"$ROUNDSD" backup --data "$SRV" "$WORK/bk" >/dev/null || fail "backup"
"$ROUNDSD" restore "$WORK/bk" --data "$SRV" --force >/dev/null \
  2>"$WORK/restore.err"
eq "restore --force as root" "$?" 0
eq "the restored directory is the owner's" "$(stat -c %u "$SRV")" $SVC
eq "nothing restored is root's" "$(find "$SRV" -uid 0 | wc -l)" 0
finish
