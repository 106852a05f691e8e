#!/usr/bin/env bash
# test_i18n.sh SRC BIN: the two command lines in Chinese (issue 14):
#  - the zh_CN catalogue translates every string the sources mark (a new
#    _() or N_() string without a translation fails here: run
#    scripts/update-po.sh and translate it);
#  - in zh_CN.UTF-8 the help of both programs, a command's help, the
#    verb fields and a report's headings are Chinese; in the C locale
#    they are English;
#  - what scripts read never changes with the language: --json output
#    and CSV are the same bytes in both.
# The clocks are pinned (ROUNDS_CLOCK_MS); no server runs.
set -u
SRC=$1
BIN=$2
case "${RND_TEST_CLOCK:-}" in
ON | on | 1 | TRUE | true | YES | yes) ;;
*) echo "SKIP: this test pins clocks: configure with -DROUNDS_TEST_CLOCK=ON"
  exit 77 ;;
esac
R="$BIN/handheld/rounds"
S="$BIN/server/roundsd"
W=$(mktemp -d "${TMPDIR:-/tmp}/rounds-i18n-XXXXXX")
trap 'rm -rf "$W"' EXIT
export ROUNDS_LOCALEDIR="$BIN/locale"
export ROUNDS_DATA="$W/hh" ROUNDS_CLOCK_MS=1772100000000
unset LANGUAGE LC_ALL LC_MESSAGES
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
has_cjk() { python3 -c 'import sys,re; sys.exit(0 if re.search("[\u4e00-\u9fff]", sys.stdin.read()) else 1)'; }

# Chinese: the real locale when it is generated (scripts/deps.sh does),
# else C.UTF-8 with LANGUAGE, which glibc's gettext honours too.
if locale -a 2>/dev/null | grep -qix 'zh_CN.utf8'; then
  zh() { LANG=zh_CN.UTF-8 "$@"; }
else
  zh() { LANG=C.UTF-8 LANGUAGE=zh_CN "$@"; }
fi
en() { LANG=C "$@"; }

# 1. Every marked string has a translation, none fuzzy.
mapfile -t srcs < <(cd "$SRC" && git ls-files "*.c" proto/errors.h 2>/dev/null |
  grep -v -E '^(tests|bench)/')
[ ${#srcs[@]} -gt 0 ] ||
  mapfile -t srcs < <(cd "$SRC" && {
    find cli handheld i18n proto report server storage -name '*.c'
    echo proto/errors.h
  })
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword=_ \
  --keyword=N_ --keyword=XX:2 -o "$W/now.pot" "${srcs[@]}") || fail "xgettext"
msgcmp "$SRC/po/zh_CN.po" "$W/now.pot" 2>"$W/cmp" ||
  fail "po/zh_CN.po lacks strings the sources mark: $(head -5 "$W/cmp")"
stats=$(msgfmt --check --statistics -o /dev/null "$SRC/po/zh_CN.po" 2>&1)
case "$stats" in
*untranslated* | *fuzzy*) fail "zh_CN.po is not complete: $stats" ;;
esac

# 2. Help in both languages.
zh "$R" --help >"$W/h" 2>&1 || fail "rounds --help in zh_CN exits $?"
grep -q "巡更" "$W/h" || fail "rounds --help is not Chinese in zh_CN"
en "$R" --help >"$W/h" 2>&1
has_cjk <"$W/h" && fail "rounds --help is not English in C"
grep -q "record patrols" "$W/h" || fail "rounds --help lost its English"
zh "$R" visit enter --help >"$W/h" 2>&1
grep -q "访客姓名" "$W/h" || fail "visit enter --help: fields not Chinese"
grep -q -- "--id-type" "$W/h" || fail "visit enter --help: flags renamed"
zh "$S" --help >"$W/h" 2>&1
grep -q "同步服务器" "$W/h" || fail "roundsd --help is not Chinese"
zh "$S" report --help >"$W/h" 2>&1
grep -q "时段开始" "$W/h" || fail "roundsd report --help: flags not Chinese"
en "$S" report --help >"$W/h" 2>&1
has_cjk <"$W/h" && fail "roundsd report --help is not English in C"

# An error: the message in the user's language, the exit code and the
# JSON error name the same.
ROUNDS_DATA="$W/none" zh "$R" status >/dev/null 2>"$W/e"; rc=$?
[ "$rc" = 3 ] || fail "status on no store (zh): exit $rc, want 3"
grep -q "中没有设备" "$W/e" || fail "error not Chinese: $(cat "$W/e")"
ROUNDS_DATA="$W/none" en "$R" status >/dev/null 2>"$W/e"
grep -q "no device in" "$W/e" || fail "error not English: $(cat "$W/e")"

zh "$R" visit entr >/dev/null 2>"$W/e"; rc=$?
[ "$rc" = 2 ] || fail "visit entr (zh): exit $rc, want 2"
grep -q "未知的子命令 'entr'" "$W/e" && grep -q "'enter'" "$W/e" ||
  fail "usage error not Chinese: $(cat "$W/e")"
zh "$S" report --site S1 patrol --dya 2026-03-01 >/dev/null 2>"$W/e"; rc=$?
[ "$rc" = 2 ] || fail "roundsd --dya (zh): exit $rc, want 2"
grep -q "未知选项 --dya" "$W/e" || fail "roundsd usage not Chinese: $(cat "$W/e")"

# 3. A report: headings translated in text, JSON and CSV untouched.
en "$R" init --site S1 --name hh1 --user guard-li >/dev/null ||
  fail "rounds init"
en "$R" scan --tag CP-01 --route R1 >/dev/null || fail "rounds scan"
zh "$R" --json show 0123456789abcdef0123456789abcdef >"$W/zh.out" 2>/dev/null
en "$R" --json show 0123456789abcdef0123456789abcdef >"$W/en.out" 2>/dev/null
python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); sys.exit(a["error"]!=b["error"])' "$W/zh.out" "$W/en.out" ||
  fail "--json error name changes with the language"
zh "$R" report shift >"$W/zh.txt" 2>&1 || fail "report shift (zh) exits $?"
grep -q "本班报表" "$W/zh.txt" || fail "report shift: title not Chinese"
grep -q "我的打卡" "$W/zh.txt" || fail "report shift: section not Chinese"
grep -q "2026-02-26 10:00" "$W/zh.txt" || fail "report shift: values lost in zh"
en "$R" report shift >"$W/en.txt" 2>&1
grep -q "Shift report" "$W/en.txt" || fail "report shift: English title"
for args in "--json report shift" "report shift --format csv" \
  "--json verbs" "--json list scans" "--json status"; do
  # shellcheck disable=SC2086
  zh "$R" $args >"$W/zh.out" 2>/dev/null
  # shellcheck disable=SC2086
  en "$R" $args >"$W/en.out" 2>/dev/null
  cmp -s "$W/zh.out" "$W/en.out" ||
    fail "rounds $args differs between zh_CN and C: $(diff "$W/en.out" \
      "$W/zh.out" | head -3)"
done
zh "$R" --json report shift | python3 -c 'import json,sys; json.load(sys.stdin)' ||
  fail "report shift --json in zh_CN is not JSON"

if [ "$fails" -gt 0 ]; then
  echo "test_i18n: $fails failed"
  exit 1
fi
echo "test_i18n: ok"
