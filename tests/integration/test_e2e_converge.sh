#!/usr/bin/env bash
# test_e2e_converge.sh BIN: three handhelds record offline, sync in turns
# and then concurrently with a real roundsd over loopback TLS; every
# handheld ends with every record of the site, identical merged state
# (digest) to the server's, and nothing comes back to its writer as new.
BIN=$1
. "$(dirname "$0")/lib.sh"

server_init
server_start
for n in a b c; do hh_new $n; done

# Offline: each records on its own.
record a 3
record b 2
record c 1
hh a workorder create --place 3-2-1201 --category plumbing --description leak >/dev/null
eq "a own ops" "$(hh_own a)" 10

# In turns.
for n in a b c; do check "sync $n" hh_sync $n >/dev/null; done
# a synced first, so it lacks b's and c's: one more round in turns.
for n in a b c; do check "sync $n again" hh_sync $n >/dev/null; done
total=$(( $(hh_own a) + $(hh_own b) + $(hh_own c) + OFFICE_OPS ))
for n in a b c; do eq "ops on $n" "$(hh_ops $n)" "$total"; done
want=$(srv_digest)
for n in a b c; do eq "digest of $n" "$(hh_digest $n)" "$want"; done

# What a guard recorded at the gate is on every other handheld.
check "b sees a's visitor" bash -c "ROUNDS_DATA=$WORK/hh-b $ROUNDS list visitors | grep -q 'Va-1'"
check "c sees a's work order" bash -c "ROUNDS_DATA=$WORK/hh-c $ROUNDS list workorders | grep -q 3-2-1201"

# A sync with nothing new pushes and pulls nothing: never its own ops back.
out=$(hh_sync a --json)
eq "no-op pushed" "$(echo "$out" | jget pushed)" 0
eq "no-op pulled" "$(echo "$out" | jget pulled)" 0

# Concurrently: everyone records more, all sync at once, twice.
record a 2; record b 2; record c 2
pids=()
for n in a b c; do hh_sync $n >"$WORK/conc-$n.out" 2>&1 & pids+=($!); done
for p in "${pids[@]}"; do check "concurrent sync" wait "$p"; done
for n in a b c; do check "final sync $n" hh_sync $n >/dev/null; done
total=$(( $(hh_own a) + $(hh_own b) + $(hh_own c) + OFFICE_OPS ))
want=$(srv_digest)
for n in a b c; do
  eq "ops on $n after concurrent" "$(hh_ops $n)" "$total"
  eq "digest of $n after concurrent" "$(hh_digest $n)" "$want"
done
# A visit entered at a and exited at b is one visit, left, everywhere.
vid=$(hh a list visitors --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
check "b exits a's visitor" hh b visit exit "$vid" --gate B
check "b syncs" hh_sync b >/dev/null
check "a syncs" hh_sync a >/dev/null
eq "visit left on a" "$(hh a show "$vid" --json | jget status)" left
eq "a and server agree" "$(hh_digest a)" "$(srv_digest)"
grep -q "sync site=S1 device=a" "$WORK/server.log.new" || fail "server logs one line per sync"
finish
