#!/usr/bin/env bash
# test_unit_security.sh SRCDIR: the systemd unit as installed
# (dist/roundsd.service.in with its ExecStart path) is rated 2.5 or lower
# by `systemd-analyze security --offline=true` (lower is safer; the unit
# on main before issue 14 rated 6.7 MEDIUM), and `systemd-analyze
# verify` finds nothing wrong in it but the binary's absence. Skipped
# (77) where systemd-analyze or its --offline (systemd 250+) is missing.
set -u
SRC=$1
LIMIT=2.5
command -v systemd-analyze >/dev/null ||
  { echo "SKIP: no systemd-analyze"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/rounds-unit-XXXXXX")
trap 'rm -rf "$work"' EXIT
sed 's|@RND_SBINDIR@|/usr/sbin|g' "$SRC/dist/roundsd.service.in" \
  >"$work/roundsd.service"
out=$(systemd-analyze security --offline=true --no-pager \
  "$work/roundsd.service" 2>&1)
if ! printf '%s\n' "$out" | grep -q "Overall exposure level"; then
  case "$out" in
  *offline*) echo "SKIP: systemd-analyze has no --offline: $out"; exit 77 ;;
  esac
  echo "FAIL: systemd-analyze security said: $out"
  exit 1
fi
printf '%s\n' "$out" | grep "✗" || true
score=$(printf '%s\n' "$out" |
  sed -n 's/.*Overall exposure level for roundsd.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security --offline: $score (limit $LIMIT)"
fails=0
if ! awk -v s="$score" -v l="$LIMIT" 'BEGIN { exit !(s != "" && s <= l) }'
then
  echo "FAIL: exposure $score is above $LIMIT"
  fails=1
fi
# The unit's own settings parse (verify also complains that /usr/sbin/
# roundsd and its man page are not installed here: not the unit's fault).
v=$(systemd-analyze verify "$work/roundsd.service" 2>&1 |
  grep -v "is not executable\|man roundsd\|Command 'man" || true)
if [ -n "$v" ]; then
  echo "FAIL: systemd-analyze verify: $v"
  fails=1
fi
for want in "Type=notify" "ExecReload=/bin/kill -HUP \$MAINPID" \
  "ExecStartPre=/usr/sbin/roundsd check-config --config /etc/rounds/roundsd.conf"; do
  grep -qxF "$want" "$work/roundsd.service" ||
    { echo "FAIL: the unit lacks $want"; fails=1; }
done
[ "$fails" -eq 0 ] && echo "1 passed, 0 failed"
exit "$fails"
