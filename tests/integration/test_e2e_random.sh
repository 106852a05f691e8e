#!/usr/bin/env bash
# test_e2e_random.sh BIN: convergence end to end under random
# interleavings. Four real handhelds (c's clock 5 hours slow, d's 3 hours
# fast) and a real roundsd over loopback TLS. In each of several rounds
# every handheld, in a random order, records random things: new records of
# every field kind, exits of visitors and vehicles let in at other
# handhelds, the next step of work orders they share, acknowledgements of
# other shifts' handovers; and two handhelds dispatch the same order to
# different technicians before either syncs. Then they sync in a random
# order, so each round starts from partial views. At the end every
# handheld syncs twice and every digest must equal the server's.
#
# The choices come from $RANDOM, seeded from ROUNDS_E2E_SEED when set; the
# seed is printed first. ROUNDS_E2E_ROUNDS sets the number of rounds (6).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

SEED=${ROUNDS_E2E_SEED:-$RANDOM}
RANDOM=$SEED
echo "test_e2e_random: seed $SEED (repeat with ROUNDS_E2E_SEED=$SEED)"
ROUNDS_N=${ROUNDS_E2E_ROUNDS:-6}
HOUR=3600000
names=(a b c d)
declare -A skew=([a]=0 [b]=0 [c]=$((-5 * HOUR)) [d]=$((3 * HOUR)))
techs=(zhang li wang zhao)
serial=0

# rr NAME ARGS...: rounds on handheld NAME, with its wrong clock if any
# (ROUNDS_CLOCK_MS pins the handheld's clock for one command).
rr() {
  local n=$1
  shift
  if [ "${skew[$n]}" -ne 0 ]; then
    ROUNDS_CLOCK_MS=$(($(date +%s%3N) + ${skew[$n]})) hh "$n" "$@"
  else
    hh "$n" "$@"
  fi
}

quiet() { "$@" >/dev/null; } # keeps check's own failure messages visible

# rows NAME LIST: "id status creator" of the open records of LIST on NAME.
rows() {
  rr "$1" list "$2" --json | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["id"], r["status"], r["creator"])'
}

# RANDOM is drawn in this shell only (never in a subshell), so a seed
# replays the same choices.
shuffle() { # shuffle ARRAY_NAME in place
  local -n arr=$1
  local i j t
  for ((i = ${#arr[@]} - 1; i > 0; i--)); do
    j=$((RANDOM % (i + 1)))
    t=${arr[i]}
    arr[i]=${arr[j]}
    arr[j]=$t
  done
}

act_new() { # a new record of a random field kind
  local n=$1 i=$((++serial)) rc=0
  case $((RANDOM % 7)) in
    0) rr "$n" scan --tag "CP-$((RANDOM % 5))" --route R1 ;;
    1) rr "$n" visit enter --name "V$n$i" --id-type id_card \
         --id-no "1101011990$((1000 + i))" --unit "1-1-10$((RANDOM % 9))" \
         --purpose visit --gate "$n" ;;
    2) rr "$n" vehicle enter --plate "P$n$i" --gate "$n" ;;
    3) rr "$n" workorder create --place "3-2-120$((RANDOM % 9))" \
         --category plumbing --description "leak $i" ;;
    4) rr "$n" log --text "note $i from $n" ;;
    5) rr "$n" inspect --unit "5-1-30$((RANDOM % 9))" \
         --water "$( ((RANDOM % 3)) && echo ok || echo fail)" ;;
    6) rr "$n" handover create --to "guard-$i" --notes "round $i" ;;
  esac >/dev/null || rc=$?
  [ "$rc" -eq 0 ] || fail "new record on $n (exit $rc)"
}

act_exit() { # a visitor or vehicle inside leaves, preferably another's
  local n=$1 list=visitors verb=visit row mine lines=()
  if ((RANDOM % 3 == 0)); then list=vehicles verb=vehicle; fi
  mine=$(hh "$n" status --json | jget device_id 2>/dev/null)
  mapfile -t lines < <(rows "$n" "$list" | grep " inside " |
    grep -v " ${mine:-none}\$")
  [ ${#lines[@]} -eq 0 ] &&
    mapfile -t lines < <(rows "$n" "$list" | grep " inside ")
  [ ${#lines[@]} -eq 0 ] && return 1
  row=${lines[RANDOM % ${#lines[@]}]}
  rr "$n" "$verb" exit "${row%% *}" --gate "$n" >/dev/null \
    || fail "$verb exit on $n"
}

act_ack() { # acknowledge a pending handover, as its recipient
  local n=$1 lines=() id to
  mapfile -t lines < <(rows "$n" handovers | grep " pending ")
  [ ${#lines[@]} -eq 0 ] && return 1
  id=${lines[RANDOM % ${#lines[@]}]%% *}
  to=$(rr "$n" show "$id" --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["fields"]["to"])')
  rr "$n" handover ack "$id" --by "$to" >/dev/null \
    || fail "handover ack on $n"
}

# wo_step NAME ID STATUS: the next step of a work order from STATUS.
wo_step() {
  local n=$1 id=$2 status=$3 rc=0
  case $status in
    reported | reopened)
      rr "$n" workorder dispatch "$id" --assignee "${techs[RANDOM % 4]}" ;;
    dispatched)
      if ((RANDOM % 3 == 0)); then
        rr "$n" workorder dispatch "$id" --assignee "${techs[RANDOM % 4]}"
      else
        rr "$n" workorder arrive "$id"
      fi ;;
    arrived)
      rr "$n" workorder complete "$id" --signature Wang --labour-min 30 ;;
    completed)
      if ((RANDOM % 4 == 0)); then
        rr "$n" workorder callback "$id" --satisfaction unsatisfied
      else
        rr "$n" workorder callback "$id" --satisfaction satisfied
      fi ;;
    called_back)
      if ((RANDOM % 4 == 0)); then
        rr "$n" workorder reopen "$id" --reason "leaks again"
      else
        rr "$n" workorder close "$id"
      fi ;;
    *) return 0 ;;
  esac >/dev/null || rc=$?
  [ "$rc" -eq 0 ] || fail "workorder step from $status on $n (exit $rc)"
}

act_wo() { # the next step of a shared open work order
  local n=$1 lines=() row
  mapfile -t lines < <(rows "$n" workorders)
  [ ${#lines[@]} -eq 0 ] && return 1
  row=${lines[RANDOM % ${#lines[@]}]}
  read -r id status _ <<<"$row"
  wo_step "$n" "$id" "$status"
}

# Two handhelds dispatch one order they both hold to different technicians,
# neither having seen the other's dispatch.
concurrent_dispatch() {
  local pair=("${names[@]}") i x y lines=() row id status st2 t
  shuffle pair
  for ((i = 0; i < 4; i++)); do
    x=${pair[i]} y=${pair[(i + 1) % 4]}
    mapfile -t lines < <(rows "$x" workorders)
    for row in "${lines[@]}"; do
      read -r id status _ <<<"$row"
      case $status in reported | reopened | dispatched) ;; *) continue ;; esac
      st2=$(rr "$y" show "$id" --json 2>/dev/null | jget status 2>/dev/null)
      case $st2 in reported | reopened | dispatched) ;; *) continue ;; esac
      t=$((RANDOM % 4))
      check "dispatch on $x" quiet rr "$x" workorder dispatch "$id" \
        --assignee "${techs[t]}"
      check "concurrent dispatch on $y" quiet rr "$y" workorder dispatch \
        "$id" --assignee "${techs[(t + 1) % 4]}"
      concurrent=$((concurrent + 1))
      return 0
    done
  done
  return 1
}

server_init
server_start
for n in "${names[@]}"; do hh_new "$n"; done
concurrent=0

# A shared start: one work order everyone holds.
check "first order" quiet rr a workorder create --place 3-2-1201 \
  --category plumbing --description "shared leak"
for n in "${names[@]}"; do check "first sync $n" quiet hh_sync "$n"; done

for ((round = 1; round <= ROUNDS_N; round++)); do
  order=("${names[@]}")
  shuffle order
  for n in "${order[@]}"; do
    for ((k = 0; k < 2 + RANDOM % 4; k++)); do
      case $((RANDOM % 8)) in
        0 | 1 | 2) act_new "$n" ;;
        3 | 4) act_exit "$n" || act_new "$n" ;;
        5 | 6) act_wo "$n" || act_new "$n" ;;
        7) act_ack "$n" || act_new "$n" ;;
      esac
    done
  done
  concurrent_dispatch || true
  order=("${names[@]}")
  shuffle order
  echo "round $round: sync order ${order[*]}"
  for n in "${order[@]}"; do
    check "sync $n in round $round" quiet hh_sync "$n"
  done
done

# Everyone syncs twice: the first pass carries every op to the server, the
# second brings each handheld what was pushed after its first.
for pass in 1 2; do
  for n in "${names[@]}"; do
    check "final sync $n ($pass)" quiet hh_sync "$n"
  done
done
want=$(srv_digest)
total=$OFFICE_OPS
for n in "${names[@]}"; do total=$((total + $(hh_own "$n"))); done
for n in "${names[@]}"; do
  eq "ops on $n" "$(hh_ops "$n")" "$total"
  eq "digest of $n" "$(hh_digest "$n")" "$want"
done
[ "$concurrent" -gt 0 ] || fail "no concurrent dispatch happened"
# For the log only: how many records the handhelds show in conflict (a
# later dispatch by a handheld that had seen both ends one).
nconf=$(hh a --json conflicts 2>/dev/null |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
echo "$total ops, $concurrent concurrent dispatches, ${nconf:-?} in conflict"
finish
