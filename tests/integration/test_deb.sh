#!/usr/bin/env bash
# test_deb.sh BIN: the Debian packages, as an operator gets them. Builds
# them with scripts/package.sh (into BIN/deb-pkg, kept between runs so a
# rerun is incremental), checks that every file `cmake --install` puts in
# place is in one of them, installs them with apt-get on this machine
# (root), then uses only what they installed: the system user and its data
# directory, the conffile, the unit enabled, ldconfig and pkg-config
# finding the library, an app built on it, the man pages; roundsd init,
# check-config and serve as the user roundsd on the packaged configuration
# (listening on loopback), an installed rounds recording a scan and a
# visitor and syncing, the office's report. Then remove (the data and the
# conffile stay) and purge (nothing of the packages stays). An EXIT trap
# purges the packages whatever happens, so the machine is left as found.
# Skipped (77) when not root, on a machine without dpkg, or where
# rounds-server is installed with data this test did not make.
BIN=$1
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
PKGS=(rounds-server rounds-handheld rounds-handheld-dev)
DATA=/var/lib/roundsd
# Written into the data directory by this test: a leftover of an
# interrupted run is recognised by it and purged, anyone else's kept.
MARK="$DATA/.test_deb"
CONF=/etc/rounds/roundsd.conf

skip() { echo "SKIP: $*"; rm -rf "$WORK"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root to install packages"
for t in dpkg apt-get dpkg-shlibdeps cpack setpriv; do
  command -v "$t" >/dev/null || skip "no $t on this machine"
done

installed() { # installed: the packages dpkg knows (installed or config-files)
  local p
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^.[ic]' \
      && echo "$p"
  done
}
purge_all() {
  local p
  p=$(installed)
  [ -n "$p" ] || return 0
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $p >"$WORK/purge.log" 2>&1 \
    || dpkg --purge $p >>"$WORK/purge.log" 2>&1
}
on_exit() {
  [ -n "$SRV_PID" ] && kill -9 "$SRV_PID" 2>/dev/null
  SRV_PID=""
  purge_all || echo "test_deb: purging ${PKGS[*]} failed: $WORK/purge.log"
  cleanup
}
trap on_exit EXIT

if [ -n "$(installed)" ]; then
  if [ -e "$MARK" ] || [ -z "$(ls -A "$DATA" 2>/dev/null)" ]; then
    echo "purging a previous run's packages: $(installed | tr '\n' ' ')"
    purge_all
  else
    trap - EXIT
    cleanup
    skip "rounds-server is installed here with data in $DATA: not touching it"
  fi
fi

# ---- build -----------------------------------------------------------------
t0=$(date +%s)
OUT="$(cd "$BIN" && pwd)/deb-pkg"
if ! ROUNDS_SKIP_DEPS=1 "$top/scripts/package.sh" "$OUT" >"$WORK/debs" \
  2>"$WORK/package.err"; then
  cat "$WORK/package.err"
  fail "scripts/package.sh"
  finish
  exit 1
fi
for p in "${PKGS[@]}"; do
  grep -q "^$OUT/${p}_[0-9.]*-[0-9]*_[a-z0-9]*\.deb$" "$WORK/debs" && pass \
    || fail "package.sh did not print a .deb of $p: $(cat "$WORK/debs")"
done
eq "package.sh: .deb files" "$(wc -l <"$WORK/debs")" "${#PKGS[@]}"
echo "packages built in $(($(date +%s) - t0)) s"
deb() { grep "/${1}_" "$WORK/debs"; }

# Every file of a full `cmake --install` is in a package, where
# cmake/DebStage.cmake puts it (a rule with no component, or another one,
# would be in none).
DESTDIR="$WORK/full" cmake --install "$OUT" >/dev/null || fail "cmake --install"
(cd "$WORK/full" && find . ! -type d | sed 's|^\.||') \
  | sed -e 's|^/usr/share/doc/rounds/roundsd.conf$|/etc/rounds/roundsd.conf|' \
    -e 's|^/usr/share/doc/rounds/|/usr/share/doc/rounds-server/|' \
    -e 's|^\(/usr/share/man/.*\.[0-9]\)$|\1.gz|' | sort >"$WORK/want"
while read -r f; do dpkg-deb -c "$f"; done <"$WORK/debs" \
  | awk '$1 !~ /^d/ {print $6}' | sed 's|^\.||' | sort >"$WORK/have"
eq "installed files in no package" "$(comm -23 "$WORK/want" "$WORK/have")" ""
eq "server: Depends from dpkg-shlibdeps" \
  "$(dpkg-deb -f "$(deb rounds-server)" Depends | grep -o 'libuv1 (>= [0-9.]*)' | wc -l)" 1
eq "handheld: shlibs" \
  "$(dpkg-deb -I "$(deb rounds-handheld)" shlibs)" \
  "librounds_handheld 0 rounds-handheld (>= $(dpkg-deb -f "$(deb rounds-handheld)" Version))"
eq "handheld: ldconfig trigger" \
  "$(dpkg-deb -I "$(deb rounds-handheld)" triggers)" "activate-noawait ldconfig"

# ---- install ---------------------------------------------------------------
t0=$(date +%s)
mapfile -t debs <"$WORK/debs"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${debs[@]}" \
  >"$WORK/install.log" 2>&1; then
  cat "$WORK/install.log"
  fail "apt-get install"
  finish
  exit 1
fi
echo "installed in $(($(date +%s) - t0)) s"
: >"$MARK"
for p in "${PKGS[@]}"; do
  eq "$p installed" "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p")" "ii "
done
dpkg -L "${PKGS[@]}" | sort -u >"$WORK/files"

eq "the user roundsd" "$(getent passwd roundsd | cut -d: -f1,6)" \
  "roundsd:$DATA"
eq "data directory: owner, mode" "$(stat -c '%U:%G %a' "$DATA")" \
  "roundsd:roundsd 700"
grep -q "roundsd is enabled, not started" "$WORK/install.log" \
  || fail "postinst did not say what to do first: $(cat "$WORK/install.log")"
eq "conffile" "$(dpkg-query -W -f='${Conffiles}' rounds-server \
  | awk -v c="$CONF" '$1 == c {print $1}')" "$CONF"
UNIT=$(grep '/systemd/system/roundsd.service$' "$WORK/files")
grep -qxF "ExecStart=/usr/sbin/roundsd serve --config $CONF" "$UNIT" \
  || fail "unit: ExecStart: $(grep ExecStart "$UNIT")"
if command -v deb-systemd-helper >/dev/null; then
  eq "unit enabled" \
    "$(readlink -f /etc/systemd/system/multi-user.target.wants/roundsd.service)" \
    "$(readlink -f "$UNIT")"
fi
grep -q 'librounds_handheld\.so\.0 .*=> .*/librounds_handheld\.so\.0$' \
  <(ldconfig -p) && pass || fail "ldconfig -p does not find the library"
if command -v man >/dev/null; then
  eq "man -w roundsd" "$(man -w 8 roundsd 2>&1)" /usr/share/man/man8/roundsd.8.gz
  eq "man -w rounds" "$(man -w 1 rounds 2>&1)" /usr/share/man/man1/rounds.1.gz
fi

# An app on the installed library, found by pkg-config and ld.so alone.
cflags=$(pkg-config --cflags rounds-handheld) || fail "pkg-config --cflags"
cat >"$WORK/app.c" <<'C'
/* The smallest app: opens a handheld store, records a scan. */
#include <handheld/handheld.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    hh *h;
    hh_kv kv[] = {{"tag", "CP-09"}, {"route", "R1"}, {"by", "app"}};
    int rc = argc == 2 ? hh_init(argv[1], "S1", "APP-1", &h) : RND_EINVAL;
    if (rc == 0) {
        rc = hh_record(h, "scan.record", NULL, kv, 3, NULL, NULL);
        hh_close(h);
    }
    printf("%s\n", rnd_errname(rc));
    return rc != 0;
}
C
# shellcheck disable=SC2046,SC2086
if cc -std=c11 -Wall -Werror $cflags "$WORK/app.c" -o "$WORK/app" \
  $(pkg-config --libs rounds-handheld); then
  eq "app: linked to the installed library" \
    "$(ldd "$WORK/app" | grep -c '/librounds_handheld\.so\.0 ')" 1
  eq "app: records a scan" "$("$WORK/app" "$WORK/app-data" 2>&1)" OK
else
  fail "an app does not build against the installed library"
fi

# ---- the installed server, as the service runs it -------------------------
# As the unit does: user roundsd, the packaged configuration (data
# /var/lib/roundsd, found by default), here on a loopback port.
ROUNDSD=/usr/sbin/roundsd
ROUNDS=/usr/bin/rounds
asd() { setpriv --reuid=roundsd --regid=roundsd --init-groups "$ROUNDSD" "$@"; }
(cd / && asd init >/dev/null) || fail "roundsd init as roundsd"
[ -e "$DATA/server.key" ] && pass || fail "init: no $DATA/server.key"
out=$(cd / && asd check-config --listen 127.0.0.1:0 2>&1) \
  || fail "check-config on the packaged $CONF: $out"
grep -q "data .* file:" <<<"$out" || fail "check-config: data not from $CONF: $out"

: >"$WORK/server.log"
(cd / && exec setpriv --reuid=roundsd --regid=roundsd --init-groups \
  "$ROUNDSD" serve --listen 127.0.0.1:0) 2>"$WORK/server.log" &
SRV_PID=$!
for _ in $(seq 200); do
  grep -q "listening on" "$WORK/server.log" && break
  kill -0 "$SRV_PID" 2>/dev/null || break
  sleep 0.05
done
PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$WORK/server.log")
if [ -z "$PORT" ]; then
  fail "the installed roundsd did not start: $(cat "$WORK/server.log")"
  finish
  exit 1
fi

hh gate init --site S1 --name gate --user guard-li >/dev/null || fail "rounds init"
cred=$(cd / && asd enroll --site S1 --device gate --json | jget credential)
hh gate enroll --server "127.0.0.1:$PORT" --cert "$DATA/server.crt" \
  --credential "$cred" >/dev/null || fail "rounds enroll"
hh gate sync >/dev/null || fail "first sync"
hh gate scan --tag CP-01 --route R1 >/dev/null || fail "rounds scan"
hh gate visit enter --name "Wang Wei" --id-type id_card \
  --id-no 110101199001011234 --unit 3-2-1201 --purpose delivery --gate A \
  --pass P7 >/dev/null 2>&1 || fail "rounds visit enter"
out=$(hh gate sync) || fail "rounds sync: $out"
grep -q "pushed 2" <<<"$out" || fail "sync: $out"
eq "digests after sync" "$(hh_digest gate)" \
  "$(cd / && asd dump --site S1 | sed -n 's/^digest //p')"
report=$(cd / && asd report inside --site S1 --json)
eq "report inside: visitors" \
  "$(python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["summary"]["visitors_inside"], r["sections"]["visitors"][0]["name"])' <<<"$report")" \
  "1 Wang Wei"
# A packaged build ignores the test clock variables (it is not a
# -DROUNDS_TEST_CLOCK=ON build).
now=$(cd / && ROUNDSD_CLOCK_MS=1000 asd report inside --site S1 --json | jget now)
case $now in
  [2-9][0-9][0-9][0-9]-*) pass ;;
  *) fail "the packaged roundsd honours ROUNDSD_CLOCK_MS: now '$now'" ;;
esac
kill -TERM "$SRV_PID"
wait "$SRV_PID"
eq "serve: exit on SIGTERM" "$?" 0
SRV_PID=""
eq "files in $DATA not roundsd's" "$(find "$DATA" ! -user roundsd ! -path "$MARK")" ""

# ---- reinstall (the upgrade path of the scripts): edits and data stay ------
echo "# edited by test_deb" >>"$CONF"
DEBIAN_FRONTEND=noninteractive dpkg -i "$(deb rounds-server)" \
  >"$WORK/reinstall.log" 2>&1 || fail "reinstall: $(cat "$WORK/reinstall.log")"
eq "reinstall: the edited conffile kept" "$(tail -1 "$CONF")" \
  "# edited by test_deb"
eq "reinstall: data directory" "$(stat -c '%U:%G %a' "$DATA")" \
  "roundsd:roundsd 700"
[ -e "$DATA/server.key" ] && pass || fail "reinstall: the data is gone"
grep -q "enabled, not started" "$WORK/reinstall.log" \
  && fail "reinstall: postinst says first steps to an initialised server" || pass

# ---- remove: the data and the conffile stay --------------------------------
t0=$(date +%s)
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "${PKGS[@]}" \
  >"$WORK/remove.log" 2>&1 || fail "apt-get remove: $(cat "$WORK/remove.log")"
for f in /usr/sbin/roundsd /usr/bin/rounds "$UNIT"; do
  [ -e "$f" ] && fail "removed, still there: $f" || pass
done
[ -e "$DATA/server.key" ] && pass || fail "remove deleted the data"
[ -e "$CONF" ] && pass || fail "remove deleted the conffile"
grep -q 'librounds_handheld' <(ldconfig -p) \
  && fail "ldconfig -p still lists the library after remove" || pass

# ---- purge: nothing stays, but the user ------------------------------------
# Those dpkg still knows: the ones with a conffile or a postrm.
mapfile -t known < <(installed)
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${known[@]}" \
  >"$WORK/purge.log" 2>&1 || fail "apt-get purge: $(cat "$WORK/purge.log")"
echo "removed and purged in $(($(date +%s) - t0)) s"
eq "purged" "$(installed)" ""
grep -q "purge: deleting $DATA" "$WORK/purge.log" \
  || fail "purge did not say it deletes $DATA: $(cat "$WORK/purge.log")"
left=""
while read -r f; do
  if [ -L "$f" ] || { [ -e "$f" ] && [ ! -d "$f" ]; }; then
    left="$left $f"
  elif [ -d "$f" ] && ! dpkg -S "$f" >/dev/null 2>&1; then
    left="$left $f/"
  fi
done <"$WORK/files"
for f in "$DATA" /etc/rounds /var/log/roundsd \
  /etc/systemd/system/multi-user.target.wants/roundsd.service; do
  [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
eq "left after purge" "$left" ""
finish
