#!/usr/bin/env bash
# test_install.sh BIN SANITIZE CC: `cmake --install` of the test's build
# tree into a temporary prefix, then everything from the installed paths:
# roundsd --help, init, check-config and serve with a configuration file,
# an installed rounds syncing to it, a C program compiled and linked with
# pkg-config against the installed headers and librounds_handheld.so that
# records a scan; the unit (systemd-analyze verify when the tool exists),
# the sysusers file, the man pages, and every command of `roundsd --help`
# and `rounds --help` in them. The library's exported symbols are exactly
# the functions its installed headers declare (hh_* and errors.h's rnd_*).
BIN=$1 SANITIZE=${2:-OFF} CC=${3:-cc}
. "$(dirname "$0")/lib.sh"

P="$WORK/prefix"
cmake --install "$BIN" --prefix "$P" >"$WORK/install.log" 2>&1 \
  || { cat "$WORK/install.log"; fail "cmake --install"; finish; exit 1; }
ROUNDSD="$P/sbin/roundsd"
ROUNDS="$P/bin/rounds"

# ---- files in their places ------------------------------------------------
for f in sbin/roundsd bin/rounds lib/librounds_handheld.so \
  include/rounds/handheld/handheld.h include/rounds/proto/errors.h \
  lib/pkgconfig/rounds-handheld.pc share/man/man8/roundsd.8 \
  share/man/man1/rounds.1 lib/systemd/system/roundsd.service \
  lib/sysusers.d/roundsd.conf share/doc/rounds/roundsd.conf \
  share/bash-completion/completions/rounds \
  share/bash-completion/completions/roundsd; do
  [ -e "$P/$f" ] && pass || fail "not installed: $f"
done
check "roundsd executable" test -x "$ROUNDSD"
eq "SONAME" "$(readelf -d "$P/lib/librounds_handheld.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" \
  "librounds_handheld.so.0"
# Only internals of the library stay home: the op format, the store and
# the fold are linked in, not installed.
for f in include/rounds/proto/proto.h include/rounds/storage/fold.h \
  include/rounds/storage/store.h; do
  [ -e "$P/$f" ] && fail "internal header installed: $f" || pass
done

# ---- the library exports its documented API and nothing else -------------
# The documented API: every function the installed headers declare, read
# from the preprocessed headers (comments gone, so a name a comment
# mentions does not count).
api=$(cd "$P/include/rounds" && for h in handheld/handheld.h proto/errors.h; do
  "$CC" -std=c11 -E -P -I. "$h"; done \
  | grep -o '\b[A-Za-z_][A-Za-z0-9_]*[[:space:]]*(' | tr -d '( \t' \
  | grep -E '^(hh|rnd)_' | sort -u)
exported=$(nm -D --defined-only "$P/lib/librounds_handheld.so" \
  | awk '$2 != "A" {sub(/@.*/, "", $3); print $3}' | sort -u)
eq "API functions found in the headers" "$([ "$(wc -l <<<"$api")" -ge 40 ] && echo yes)" yes
undocumented=$(comm -13 <(echo "$api") <(echo "$exported"))
eq "symbols exported outside the documented API" "$undocumented" ""
missing=$(comm -23 <(echo "$api") <(echo "$exported"))
eq "documented functions not exported" "$missing" ""
# Belt and braces: no internal prefix at all.
eq "internal symbols exported" \
  "$(grep -cE '^(proto|fold|store|rpt|srv|hh__|hh_sess)_' <<<"$exported")" 0
grep -qx hh_resolve_id <<<"$exported" && pass ||
  fail "hh_resolve_id (ID prefixes) not exported"
echo "exported symbols: $(wc -l <<<"$exported")"
# ---- bash completion, generated from the command tables -------------------
for p in rounds roundsd; do
  out=$(bash -c "source '$P/share/bash-completion/completions/$p'
    COMP_WORDS=($p vis); COMP_CWORD=1; _$p; echo \"\${COMPREPLY[*]}\"
    COMP_WORDS=($p visit en); COMP_CWORD=2; _$p; echo \"\${COMPREPLY[*]}\"
    COMP_WORDS=($p report --da); COMP_CWORD=2; _$p; echo \"\${COMPREPLY[*]}\"" 2>&1)
  case $p in
  rounds) eq "rounds completes 'vis', 'visit en', 'report --da'" "$out" \
      "$(printf 'visit\nenter\n--data')" ;;
  roundsd) eq "roundsd completes 'report --da'" "$(sed -n 3p <<<"$out")" \
      "--data --day --days" ;;
  esac
done

# ---- the unit and the user -----------------------------------------------
U="$P/lib/systemd/system/roundsd.service"
for line in "ExecStart=$P/sbin/roundsd serve --config /etc/rounds/roundsd.conf" \
  User=roundsd Group=roundsd StateDirectory=roundsd Restart=on-failure \
  KillSignal=SIGTERM NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
  PrivateTmp=yes LimitNOFILE=8192; do
  grep -qxF "$line" "$U" || fail "unit: no line '$line'"
done
grep -q '^ReadWritePaths=/var/lib/roundsd' "$U" || fail "unit: ReadWritePaths"
grep -q '^TimeoutStopSec=' "$U" || fail "unit: TimeoutStopSec"
grep -q '^RestartSec=' "$U" || fail "unit: RestartSec"
grep -q '^u roundsd ' "$P/lib/sysusers.d/roundsd.conf" || fail "sysusers: no user roundsd"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify --man=no "$U" 2>&1) && pass \
    || fail "systemd-analyze verify: $out"
else
  echo "SKIP: systemd-analyze not found: the unit is not verified"
fi

# ---- the man pages name every command of --help ---------------------------
plain() { sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$1"; }
M8=$(plain "$P/share/man/man8/roundsd.8")
M1=$(plain "$P/share/man/man1/rounds.1")
help=$("$ROUNDSD" --help) || fail "installed roundsd --help"
cmds=$(sed -n '/^usage/,/^Office/s/^  \([a-z-]*\) .*/\1/p' <<<"$help")
kinds=$(sed -n 's/^  \([a-z]*\) add|set|retire .*/\1/p' <<<"$help")
eq "roundsd --help lists commands" "$([ "$(wc -w <<<"$cmds")" -ge 13 ] && echo yes)" yes
for c in $cmds; do
  grep -qx "\.SS $c" <<<"$M8" || fail "roundsd.8: no section for command '$c'"
  "$ROUNDSD" "$c" --help >/dev/null || fail "roundsd $c --help"
  # Every flag of the command is in the page too.
  for fl in $("$ROUNDSD" "$c" --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p'); do
    grep -q -- "$fl" <<<"$M8" || fail "roundsd.8: no $fl (of $c)"
  done
done
for k in $kinds; do
  grep -qx "\.B $k" <<<"$M8" || fail "roundsd.8: no master-data kind '$k'"
done
hcmds=$("$ROUNDS" --help | sed -n 's/^  \([a-z]*\)\( [a-z|]*\)\{0,1\}[ ]\{1,\}.*/\1\2/p' \
  | sed 's/ *$//' | grep -v '^$' | sort -u)
eq "rounds --help lists commands" "$([ "$(wc -l <<<"$hcmds")" -ge 18 ] && echo yes)" yes
while read -r c; do
  first=${c%% *}
  grep -q "^\.B $first\b" <<<"$M1" || fail "rounds.1: no command '$first'"
  if [ "$c" != "$first" ]; then
    grep -qF ".B $c" <<<"$M1" || fail "rounds.1: no '$c'"
  fi
done <<<"$hcmds"
for s in ROUNDSD_DATA ROUNDSD_CONFIG ROUNDSD_CLOCK_MS stats.json; do
  grep -q "$s" <<<"$M8" || fail "roundsd.8: $s not documented"
done
for k in data listen cert key max_frame max_conns idle_timeout \
  handshake_timeout retention_days overstay skew_limit_min log; do
  grep -q "^\.BR $k" <<<"$M8" || fail "roundsd.8: key $k not documented"
  grep -q "^#\{0,1\}$k = " "$P/share/doc/rounds/roundsd.conf" \
    || fail "example roundsd.conf: no key $k"
done

# ---- the installed server, with a configuration file ----------------------
SRV="$WORK/srv"
"$ROUNDSD" init --data "$SRV" >/dev/null || fail "installed roundsd init"
# The example configuration, with this test's data directory and port.
sed -e "s|^data = .*|data = $SRV|" -e "s|^listen = .*|listen = 127.0.0.1:0|" \
  -e 's|^max_conns = .*|max_conns = 50   # a test|' \
  "$P/share/doc/rounds/roundsd.conf" >"$WORK/roundsd.conf"
out=$("$ROUNDSD" check-config --config "$WORK/roundsd.conf"); rc=$?
eq "check-config: exit" "$rc" 0
grep -q "configuration is good" <<<"$out" || fail "check-config: $out"
grep -Eq "^  max_conns +50 +file:[0-9]+$" <<<"$out" || fail "check-config: max_conns from the file: $out"
grep -Eq "^  idle_timeout +60 +file:" <<<"$out" || fail "check-config: idle_timeout: $out"
eq "check-config --json: ok" "$("$ROUNDSD" check-config --config "$WORK/roundsd.conf" --json | jget ok)" true
# A bad file: exit 2 naming FILE:LINE and the key.
cp "$WORK/roundsd.conf" "$WORK/bad.conf"
echo "max_conns2 = 5" >>"$WORK/bad.conf"
n=$(wc -l <"$WORK/bad.conf")
out=$("$ROUNDSD" check-config --config "$WORK/bad.conf" 2>&1); rc=$?
eq "bad file: exit" "$rc" 2
grep -qF "$WORK/bad.conf:$n: unknown key 'max_conns2'" <<<"$out" || fail "bad file: $out"
# A failing check: a key that does not match the certificate.
"$ROUNDSD" init --data "$WORK/other" >/dev/null
"$ROUNDSD" check-config --config "$WORK/roundsd.conf" --key "$WORK/other/server.key" >"$WORK/cc.out"
eq "mismatched key: exit" "$?" 1
grep -q "FAIL  cert .* do not match" "$WORK/cc.out" || fail "mismatched key: $(cat "$WORK/cc.out")"

: >"$WORK/server.log.new"
"$ROUNDSD" serve --config "$WORK/roundsd.conf" 2>>"$WORK/server.log.new" &
SRV_PID=$!
for _ in $(seq 200); do
  grep -q "listening on" "$WORK/server.log.new" && break
  sleep 0.05
done
PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$WORK/server.log.new")
[ -n "$PORT" ] && pass || { fail "installed serve did not start: $(cat "$WORK/server.log.new")"; finish; exit 1; }

hh_new gate
hh gate scan --tag CP-01 --route R1 >/dev/null || fail "installed rounds scan"
out=$(hh_sync gate) || fail "installed rounds sync: $out"
grep -q "pushed 1" <<<"$out" || fail "sync: $out"
eq "digests after sync" "$(hh_digest gate)" "$(srv_digest)"

# ---- an app against the installed library, through pkg-config -------------
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
for h in handheld/handheld.h proto/errors.h; do
  echo "#include <$h>" | "$CC" -std=c11 -Wall -Wextra -Werror -fsyntax-only \
    $(pkg-config --cflags rounds-handheld) -x c - \
    || fail "installed header $h does not compile on its own"
done
cat >"$WORK/app.c" <<'C'
/* A tiny app: records one checkpoint scan offline through handheld.h. */
#include <handheld/handheld.h>
#include <string.h>
#include <stdio.h>

static int show(const hh_entity *e, void *ctx)
{
    hh_value v;
    hh_event ev;
    char id[33];
    (void)ctx;
    hh_entity_id(e, id);
    if (hh_entity_field(e, "tag", &v) != 0 || v.type != HH_VAL_STR ||
        hh_entity_event(e, 0, &ev) != 0)
        return RND_EINVAL;
    printf("%s %.*s %s %zu\n", hh_kind_name(hh_entity_kind(e)),
           (int)v.str_len, v.str, hh_action_name(ev.action), strlen(id));
    return 0;
}

int main(int argc, char **argv)
{
    hh *h;
    int rc = hh_init(argv[1], "S1", "APP-1", &h);
    if (rc) {
        fprintf(stderr, "hh_init: %s\n", rnd_strerror(rc));
        return 1;
    }
    hh_kv kv[] = {{"tag", "CP-07"},
                  {"route", "R1"},
                  {"note", "from the app"},
                  {"by", "guard-app"}};
    rc = hh_record(h, "scan.record", NULL, kv, 4, NULL, NULL);
    if (rc) {
        fprintf(stderr, "hh_record: %s: %s\n", rnd_strerror(rc),
                hh_last_error(h));
        return 1;
    }
    hh_status_info st;
    rc = hh_status(h, &st);
    printf("ops %llu\n", (unsigned long long)st.own_ops);
    /* Read it back through the opaque record and its accessors. */
    rc = rc ? rc : hh_list(h, HH_KIND_SCAN, 0, show, NULL);
    hh_close(h);
    return rc != 0 || argc < 2;
}
C
san=""
[ "$SANITIZE" = ON ] && san="-fsanitize=address,undefined"
if "$CC" -std=c11 -Wall -Werror $san "$WORK/app.c" -o "$WORK/app" \
  $(pkg-config --cflags --libs rounds-handheld) -Wl,-rpath,"$P/lib"; then
  pass
  eq "app linked to the installed library" \
    "$(ldd "$WORK/app" | grep -c "$P/lib/librounds_handheld.so.0")" 1
  eq "app records a scan and reads it back" "$("$WORK/app" "$WORK/app-data")" \
    "ops 1
scan CP-07 create 32"
  eq "the installed rounds reads it" \
    "$("$ROUNDS" --data "$WORK/app-data" --json list scans | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(a), a[0]["fields"]["tag"])')" \
    "1 CP-07"
else
  fail "the app does not compile and link with pkg-config"
fi

# ---- the installed serve stops cleanly and wrote its stats ----------------
kill -TERM "$SRV_PID"; wait "$SRV_PID"; rc=$?; SRV_PID=""
eq "serve: exit on SIGTERM" "$rc" 0
eq "stats after stop: syncs ok" "$("$ROUNDSD" stats --data "$SRV" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["syncs"]["ok"])')" 1
finish
