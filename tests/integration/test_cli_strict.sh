#!/usr/bin/env bash
# test_cli_strict.sh BIN: what users hit with the two command lines (issue
# 14), each check one thing a user or a script depends on:
#  - a misspelt flag or command is refused (exit 2) with "did you mean",
#    before or after the command, never run on the default store;
#  - bad values are refused naming the flag (--limit abc, --limit -5);
#  - one date parser: 2026-02-30, 24:00, month 13 refused by both
#    programs; --tz with an IANA zone;
#  - --version on both; COMMAND --help is that command's help;
#  - `rounds verbs` names commands as typed, and --json is JSON, errors
#    included;
#  - ids typed as a unique prefix of 8+ hex digits; ambiguous ones list
#    the candidates; text listings show short ids, JSON full ones.
# The clocks are pinned (ROUNDS_CLOCK_MS); no server runs.
set -u
BIN=$1
. "$(dirname "$0")/python.sh"
case "${RND_TEST_CLOCK:-}" in
ON | on | 1 | TRUE | true | YES | yes) ;;
*) echo "SKIP: this test pins clocks: configure with -DROUNDS_TEST_CLOCK=ON"
  exit 77 ;;
esac
R="$BIN/handheld/rounds"
S="$BIN/server/roundsd"
W=$(mktemp -d "${TMPDIR:-/tmp}/rounds-strict-XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
export ROUNDS_DATA="$W/hh" ROUNDSD_DATA="$W/srv"
export ROUNDS_CLOCK_MS=1772100000000 ROUNDSD_CLOCK_MS=1772100000000
unset TZ
fails=0
run() { # run CMD...: $out, $err, $rc
  out=$("$@" 2>"$W/err"); rc=$?; err=$(cat "$W/err")
}
want() { # want NAME RC CMD...
  local name=$1 code=$2; shift 2
  run "$@"
  if [ "$rc" != "$code" ]; then
    echo "FAIL $name: exit $rc, want $code: $*"
    echo "  stdout: ${out:0:300}"; echo "  stderr: ${err:0:300}"
    fails=$((fails + 1))
  fi
}
has() { # has NAME TEXT SUBSTRING
  if [[ $2 != *"$3"* ]]; then
    echo "FAIL $1: '$3' not in: ${2:0:400}"; fails=$((fails + 1))
  fi
}
hasnt() { # hasnt NAME TEXT SUBSTRING
  if [[ $2 == *"$3"* ]]; then
    echo "FAIL $1: '$3' in: ${2:0:400}"; fails=$((fails + 1))
  fi
}
json() { # json NAME PYEXPR TEXT: strict JSON, and PYEXPR over d holds
  if ! python3 -c 'import json,sys
d=json.loads(sys.argv[2])
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" "$3" 2>/dev/null; then
    echo "FAIL $1: $2 on: ${3:0:400}"; fails=$((fails + 1))
  fi
}

want init 0 "$R" init --site S1 --name H1 --user guard-li

# ---- misspelt flags never fall back to the default store ---------------
want dta 2 "$R" status --dta ./other
has dta "$err" "unknown flag --dta; did you mean --data?"
hasnt dta "$out" "S1"
want dat-before 2 "$R" --dat ./x status
has dat-before "$err" "did you mean --data?"
want data-before 3 "$R" --data ./nothing-here status
want data-after 3 "$R" status --data ./nothing-here
want data-eq 0 "$R" --data="$W/hh" status
want roundsd-dta 2 "$S" devices --dta ./x
has roundsd-dta "$err" "did you mean --data?"
want roundsd-cmd 2 "$S" devcies
has roundsd-cmd "$err" "did you mean 'devices'?"
want single-dash 2 "$R" status -x

# ---- bad values name the flag ------------------------------------------
want scan1 0 "$R" scan --tag CP-01
want scan2 0 "$R" scan --tag CP-02
want limit-abc 2 "$R" list scans --limit abc
has limit-abc "$err" "--limit: 'abc' is not a whole number"
want limit-neg 2 "$R" list scans --limit -5
has limit-neg "$err" "--limit: '-5'"
want limit-0 2 "$R" list scans --limit 0
want limit-1 0 "$R" list scans --limit 1 --json
json limit-1 "len(d)==1" "$out"
want limit-needs 2 "$R" list scans --limit
has limit-needs "$err" "--limit needs a value"
want json-value 2 "$R" status --json=yes
want extra-arg 2 "$R" status extra

# ---- commands and sub-commands -----------------------------------------
want entr 2 "$R" visit entr --name X
has entr "$err" "unknown subcommand 'entr' of 'visit'; did you mean 'enter'?"
want vist 2 "$R" vist enter
has vist "$err" "unknown command 'vist'; did you mean 'visit'?"
want list-typo 2 "$R" list visitrs
has list-typo "$err" "did you mean 'visitors'?"
want visit-alone 2 "$R" visit
has visit-alone "$err" "enter"
want unit-ad 2 "$S" unit ad --site S1
has unit-ad "$err" "did you mean 'add'?"

# ---- one date parser ---------------------------------------------------
WO=(workorder create --place 1-1-101 --category plumbing --description leak)
want feb30 2 "$R" "${WO[@]}" --called-at 2026-02-30T10:00
has feb30 "$err" "called_at"
want h24 2 "$R" "${WO[@]}" --called-at 2026-02-28T24:00
want m13 2 "$R" "${WO[@]}" --called-at 2026-13-01T10:00
want appt-feb30 2 "$R" "${WO[@]}" --appointment 2026-02-30T10:00
want roundsd-init 0 "$S" init
want unit-add 0 "$S" unit add --site S1 --unit 1-1-101 --json
unit=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$out")
want day-feb30 2 "$S" report patrol --site S1 --day 2026-02-30
has day-feb30 "$err" "--day"
want from-24h 2 "$S" report patrol --site S1 --from 2026-02-28T24:00
want now-m13 2 "$S" report patrol --site S1 --now 2026-13-01T00:00
# A local time in --tz's zone: 10:00 in Shanghai is 02:00 UTC.
want tz-shanghai 0 "$R" --tz Asia/Shanghai "${WO[@]}" \
  --called-at 2026-02-26T10:00 --json
json tz-shanghai "d['ok']" "$out"
wo=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$out")
want tz-show 0 "$R" show "$wo" --json
json tz-show "d['fields']['called_at']==1772071200000" "$out"
want tz-offset 0 "$R" "${WO[@]}" --called-at 2026-02-26T10:00+08:00 --json
want tz-bad 2 "$R" --tz Mars/Olympus status
has tz-bad "$err" "time zone"
want report-tz 0 "$S" report patrol --site S1 --tz Asia/Shanghai \
  --day 2026-03-01 --json
json report-tz "d['from'].startswith('2026-03-01T00:00:00+08:00')" "$out"
want report-tz-before 0 "$S" --tz Asia/Shanghai report patrol --site S1 \
  --day 2026-03-01 --json

# ---- --version, per-command help ---------------------------------------
want version 0 "$R" --version
[[ $out =~ ^rounds\ [0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  { echo "FAIL version: $out"; fails=$((fails + 1)); }
want version-json 0 "$R" --version --json
json version-json "d['program']=='rounds' and d['version'].count('.')==2" "$out"
want d-version 0 "$S" --version
[[ $out =~ ^roundsd\ [0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  { echo "FAIL roundsd version: $out"; fails=$((fails + 1)); }
want d-version-json 0 "$S" --json --version
json d-version-json "d['program']=='roundsd'" "$out"
for c in sync list show init visit "visit enter" "workorder dispatch" \
  "report shift" status enroll; do
  # shellcheck disable=SC2086
  want "help-$c" 0 "$R" $c --help
  has "help-$c" "$out" "rounds $c"
  hasnt "help-$c" "$out" "Recording (each returns"
done
want help-list-json 0 "$R" list scans --help --json
json help-list-json "d['command']=='list scans' and any(f['flag']=='--limit' for f in d['flags'])" "$out"
want help-dispatch 0 "$R" workorder dispatch --help
has help-dispatch "$out" "--assignee"
want d-help 0 "$S" report --help
has d-help "$out" "--tz ZONE"

# ---- verbs as typed, --json everywhere ---------------------------------
want verbs 0 "$R" verbs
has verbs "$out" "visit enter: "
has verbs "$out" "scan: record a patrol checkpoint scan"
hasnt verbs "$out" "scan.record:"
want verbs-json 0 "$R" --json verbs
json verbs-json "any(v['command']=='visit enter' for v in d) and any(v['command']=='scan' and any(f['flag']=='--tag' for f in v['fields']) for v in d)" "$out"
want help-json 0 "$R" --json --help
json help-json "any(c['command']=='visit enter' for c in d['commands'])" "$out"
want err-json 2 "$R" --json bogus
json err-json "d['ok'] is False and 'bogus' in d['message']" "$out"
want err-json-flag 2 "$R" status --json --dta x
json err-json-flag "d['ok'] is False and '--data' in d['message']" "$out"
want d-err-json 2 "$S" --json report --site S1 patrol --dya 2026-03-01
json d-err-json "d['ok'] is False and 'did you mean --day?' in d['message']" "$out"
want d-err-json3 3 "$S" --json devices --data "$W/none"
json d-err-json3 "d['ok'] is False" "$out"

# ---- ids: unique prefixes of 8+ hex digits -----------------------------
want ids 0 "$R" list scans --json
read -r id1 id2 < <(python3 -c 'import json,sys
d=json.loads(sys.argv[1]); print(*[e["id"] for e in d])' "$out")
[ ${#id1} = 32 ] || { echo "FAIL json keeps full ids: $id1"; fails=$((fails + 1)); }
# Both scans were made at the same pinned ms: their ids share 12 hex.
want ambiguous 2 "$R" show "${id1:0:8}"
has ambiguous "$err" "ambiguous"
has ambiguous "$err" "$id1"
has ambiguous "$err" "$id2"
want prefix 0 "$R" show "${id1:0:20}" --json
json prefix "d['id']=='$id1'" "$out"
want prefix-upper 0 "$R" show "$(tr a-f A-F <<<"${id1:0:20}")"
want prefix-short 2 "$R" show "${id1:0:7}"
want prefix-none 3 "$R" show ffffffff
want full 0 "$R" show "$id2"
want list-text 0 "$R" list scans
hasnt list-text "$out" "$id1"
# The short ids shown are unique: each one shows its record.
for s in $(awk '{print $1}' <<<"$out"); do
  want "short-$s" 0 "$R" show "$s"
done
want wo-list 0 "$R" list workorders --json
wid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["id"])' "$out")
want dispatch-prefix 0 "$R" workorder dispatch "${wid:0:24}" --assignee tech-wu
# Master-data ids begin with zeros: the listing shows as many digits as
# make each unique, and those are what the office types.
want unit-add2 0 "$S" unit add --site S1 --unit 1-1-102
want md-list 0 "$S" list units --site S1
short=$(awk -v u="$unit" 'NR > 1 && index(u, $NF) == 1 {print $NF}' <<<"$out")
[ ${#short} -ge 8 ] && [ ${#short} -lt 32 ] ||
  { echo "FAIL md-list short id: '$short' of $unit"; fails=$((fails + 1)); }
want unit-set-prefix 0 "$S" unit set "$short" --site S1 --vacant true --json
json unit-set-prefix "d['id']=='$unit'" "$out"
want unit-set-ambiguous 2 "$S" unit set 00000000 --site S1 --vacant true
has unit-set-ambiguous "$err" "ambiguous"
has unit-set-ambiguous "$err" "$unit"
want unit-set-none 3 "$S" unit set ffffffff --site S1 --vacant true
want unit-set-bad 2 "$S" unit set 0123 --site S1 --vacant true

if [ $fails -ne 0 ]; then echo "cli_strict: $fails failed"; exit 1; fi
echo "cli_strict: ok"
