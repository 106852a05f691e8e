#!/usr/bin/env bash
# test_cli.sh: the rounds CLI as a guard and a script use it: exit codes,
# messages naming the bad field, --json that parses, masking of ID numbers.
#   test_cli.sh PATH/TO/rounds
set -u
R=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/rounds-cli-XXXXXX")
trap 'rm -rf "$dir"' EXIT
export ROUNDS_DATA=$dir/hh
fails=0
check() { # check NAME WANT_RC CMD...
  local name=$1 want=$2; shift 2
  out=$("$@" 2>"$dir/err"); rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL $name: exit $rc, want $want; stderr: $(cat "$dir/err")"
    fails=$((fails + 1))
  fi
}
has() { # has NAME PATTERN TEXT
  if ! grep -q -- "$2" <<<"$3"; then
    echo "FAIL $1: '$2' not in: $3"; fails=$((fails + 1))
  fi
}
json() { # json NAME PYEXPR TEXT: PYEXPR over d = parsed JSON must be true
  if ! python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$3"; then
    echo "FAIL $1: $2 on: $3"; fails=$((fails + 1))
  fi
}

check help 0 "$R" --help;              has help "Exit codes" "$out"
check verb-help 0 "$R" visit enter --help; has verb-help "--id-no" "$out"
check no-args 2 "$R"
check not-init 3 "$R" status
has not-init "rounds init" "$(cat "$dir/err")"
check init-missing 2 "$R" init --site S1
has init-missing "'name'" "$(cat "$dir/err")"
check init 0 "$R" init --site S1 --name HH-07 --user guard-li
check init-again 4 "$R" init --site S1 --name HH-07
check status-json 0 "$R" status --json
json status-json "d['site']=='S1' and d['own_ops']==0 and d['user']=='guard-li'" "$out"

check scan 0 "$R" scan --tag CP-01 --route R1 --json
json scan "d['ok'] and len(d['id'])==32" "$out"
check scan-bad 2 "$R" scan --route R1
has scan-bad "'tag'" "$(cat "$dir/err")"
check scan-bad-json 2 "$R" --json scan --tag X --method smoke
json scan-bad-json "not d['ok'] and d['error']=='EFIELD' and 'method' in d['message']" "$out"
check unknown-cmd 2 "$R" fly

check visit 0 "$R" visit enter --name "Wang Wei" --id-type id_card \
  --id-no 110101199001011234 --unit 3-2-1201 --purpose delivery --pass P7 --json
visit=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$out")
check list-visitors 0 "$R" list visitors
has list-mask "110\*\*\*\*\*\*\*\*\*\*\*\*\*34" "$out"
if grep -q 110101199001011234 <<<"$out"; then echo "FAIL id number shown"; fails=$((fails+1)); fi
check list-json 0 "$R" list visitors --json
json list-json "len(d)==1 and d[0]['fields']['id_no']=='110*************34' and d[0]['status']=='inside'" "$out"
check pass-twice 4 "$R" visit enter --name Li --id-type id_card --id-no 12345678 --unit 1 --purpose x --pass P7
check exit-pass 0 "$R" visit exit P7 --gate B
check exit-again 4 "$R" visit exit "$visit"
check exit-unknown 3 "$R" visit exit P99
check show 0 "$R" show "$visit" --json
json show "d['status']=='left' and [e['action'] for e in d['events']]==['create','exit']" "$out"
check list-none 0 "$R" list visitors
has list-none "(none)" "$out"

check wo 0 "$R" --json workorder create --place 3-2-1201 --category plumbing --description leak
wo=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$out")
check wo-arrive-early 4 "$R" workorder arrive "$wo"
has wo-arrive-early "dispatched" "$(cat "$dir/err")"
check wo-dispatch 0 "$R" wo dispatch "$wo" --assignee tech-zhang
check wo-list 0 "$R" list workorders --json
json wo-list "d[0]['status']=='dispatched' and d[0]['fields']['assignee']=='tech-zhang'" "$out"
check inspect 0 "$R" inspect --unit 5-1-301 --water fail --json
json inspect "len(d['workorder'])==32" "$out"
check handover 0 "$R" handover create --to guard-chen --keys "keys x3"
check log 0 "$R" log --text "all quiet"
check limit 0 "$R" list workorders --json --limit 1
json limit "len(d)==1" "$out"
check status 0 "$R" status --json
json status "d['own_ops']==9 and d['unsynced']==9 and d['workorders_open']==2" "$out"
check bad-data 3 "$R" --data "$dir/nowhere" status

# The office's master data and conflicts (filled by a sync: see
# tests/integration/test_e2e_office.sh); here, empty and well-formed.
for l in units vacant routes checkpoints staff plates blacklist sites; do
  check "list-$l" 0 "$R" list $l
  has "list-$l" "(none)" "$out"
  check "list-$l-json" 0 "$R" list $l --json --all
  json "list-$l-json" "d==[]" "$out"
done
check conflicts 0 "$R" conflicts
has conflicts "no conflicts" "$out"
check conflicts-json 0 "$R" conflicts --json
json conflicts-json "d==[]" "$out"
check conflicts-bad 2 "$R" conflicts --frob 1
check help-gate 0 "$R" --help; has help-gate "blacklist" "$out"
check vehicle-json 0 "$R" vehicle enter --plate "粤C55555" --json
json vehicle-json "d['ok'] and d['blacklist_hit']==False" "$out"

echo "cli: $fails failed"
[ "$fails" -eq 0 ]
