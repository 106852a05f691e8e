#!/bin/bash
# test_e2e_nodes.sh: many nodes, one directory (issue 19, docs/NODES.md).
# Three roundsd nodes on loopback TLS (each its own data directory, its
# certificate, its configuration with pg_dsn and node_name), the node
# directory in a PostgreSQL of the test's own (pg.sh, schema
# its migrations applied by the first roundsd command that connects), six sites, two
# handhelds each enrolled from the payload `roundsd enroll` makes out of
# the directory.
#  - every handheld records and syncs with its node;
#  - enrolling a site's handheld on another node is refused;
#  - mid-shift, site S1 moves from node-a to node-b in one command
#    (--target-config): one of its handhelds synced just before, the other
#    holds records it never synced, and both record more afterwards;
#  - a sync of each follows the REDIRECT in the same `rounds sync`
#    (redirected 1, node node-b) and stores the new node: the next sync
#    goes straight to node-b;
#  - node-a commits nothing more for S1; an office write there is refused;
#  - site S5 moves from node-c to node-a in the two-step form (site move,
#    site accept on the target, site move again); between the last two a
#    handheld follows through node-c's directory cache alone;
#  - the shift goes on with PostgreSQL stopped (syncs unaffected), then
#    started again, and node-b killed -9 while its shipper catches up;
#  - at the end PostgreSQL holds every op of every site once (seqs 1..max
#    per device) and each site's records as the dump of the node holding
#    it (the state's bytes: every field); and for every site, every
#    handheld and the node holding it agree: equal digests, equal op counts, each op once (the server's
#    count is the office's ops plus each device's own), and the
#    directory says S1 is on node-b at epoch 2, S5 on node-a at epoch 2,
#    with its moves recorded.
BIN=${1:?usage: test_e2e_nodes.sh BUILD_DIR}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"

pg_start

NODES=(node-a node-b node-c)
declare -A NPID NPORT
conf() { echo "$WORK/$1.conf"; }
nd() { echo "$WORK/$1"; }

node_start() { # node_start NAME: serve with its configuration
  local n=$1 log="$WORK/$1.log" before
  # (a restart appends to the log: wait for a line of this start's)
  before=$(grep -c "listening on [0-9]" "$log" 2>/dev/null)
  "$ROUNDSD" serve --config "$(conf "$n")" 2>>"$log" &
  NPID[$n]=$!
  for _ in $(seq 200); do
    if [ "$(grep -c "listening on [0-9]" "$log")" -gt "${before:-0}" ]; then
      NPORT[$n]=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$log" |
        tail -1)
      return 0
    fi
    sleep 0.05
  done
  echo "$n did not start:"; cat "$log"; exit 1
}

nodes_cleanup() {
  local n
  for n in "${NODES[@]}"; do
    [ -n "${NPID[$n]:-}" ] && kill -9 "${NPID[$n]}" 2>/dev/null
  done
  cleanup
}
trap nodes_cleanup EXIT

for n in "${NODES[@]}"; do
  "$ROUNDSD" init --data "$(nd "$n")" >/dev/null || exit 1
  cat >"$(conf "$n")" <<EOF
data = $(nd "$n")
listen = 127.0.0.1:0
pg_dsn = "$PG_DSN"
node_name = $n
EOF
  node_start "$n"
  check "node add $n" "$ROUNDSD" node add --config "$(conf "$n")" \
    --name "$n" --address "127.0.0.1:${NPORT[$n]}" >/dev/null
done
rd() { local n=$1; shift; "$ROUNDSD" "$@" --config "$(conf "$n")"; }

declare -A HOME_NODE=([S1]=node-a [S2]=node-a [S3]=node-b [S4]=node-b
  [S5]=node-c [S6]=node-c)
SITES=(S1 S2 S3 S4 S5 S6)

# Two handhelds a site, each enrolled from the payload its node makes out
# of the directory (the site is assigned to the node at its first enroll).
for s in "${SITES[@]}"; do
  for k in 1 2; do
    h="$s-h$k"
    p=$(rd "${HOME_NODE[$s]}" enroll --site "$s" --device "$h" --json \
      --payload | jget payload)
    check "payload of $h names its node" \
      grep -q "addr=127.0.0.1:${NPORT[${HOME_NODE[$s]}]}&" <<<"$p"
    check "enroll $h from the payload" hh "$h" enroll --payload "$p" \
      >/dev/null
    hh "$h" user "guard-$h" >/dev/null || fail "user of $h"
  done
done
eq "the directory holds the six sites" \
  "$(pg_psql -tAc "SELECT string_agg(site || '=' || node || '/' || epoch, \
    ',' ORDER BY site) FROM dir_sites")" \
  "S1=node-a/1,S2=node-a/1,S3=node-b/1,S4=node-b/1,S5=node-c/1,S6=node-c/1"
# A site's handhelds are enrolled on its node only.
rd node-b enroll --site S1 --device stray >/dev/null 2>"$WORK/stray.err"
check "enrolling S1's handheld on node-b is refused" test $? -ne 0
check "the refusal names node-a" grep -q "node-a" "$WORK/stray.err"
check "the refusal made no store of S1 on node-b" test ! -e "$(nd node-b)/sites/S1"
# The dashboard's enrollment (dash/api_devices.c, driven by dashdev) does
# the same: a new site's first handheld enrolled from node-c's dashboard
# assigns the site to node-c; S1's, from node-b's, is refused naming
# node-a, before any store of S1 is made on node-b.
dd() { # dd NODE SITE NAME: POST /api/devices/enroll as NODE's admin
  ROUNDSD_CONFIG="$(conf "$1")" "$BIN/tests/integration/dashdev" \
    "$(nd "$1")" admin POST /api/devices/enroll "$2" "$3"
}
dd node-c S7 S7-h1 >"$WORK/dd1.out"
check "node-c's dashboard enrolls S7's first handheld" \
  grep -q '"credential"' "$WORK/dd1.out"
eq "the directory assigns S7 to node-c" \
  "$(pg_psql -tAc "SELECT node || '/' || epoch FROM dir_sites WHERE \
    site = 'S7'")" "node-c/1"
dd node-b S1 stray2 >"$WORK/dd2.out"
check "node-b's dashboard refuses S1's handheld" \
  grep -q '"ok":false' "$WORK/dd2.out"
check "the dashboard's refusal names node-a" \
  grep -q 'lives on node node-a' "$WORK/dd2.out"
check "the dashboard made no store of S1 on node-b" \
  test ! -e "$(nd node-b)/sites/S1"

# ---- the shift begins: records and syncs on every node -------------------
# note NAME: one record (the sites that stay put need no more; S1 and S5,
# which move, get every kind from lib.sh's record).
note() { hh "$1" log --text "note from $1 at $SECONDS" >/dev/null ||
  fail "note on $1"; }
for s in "${SITES[@]}"; do
  for k in 1 2; do
    case $s in S1 | S5) record "$s-h$k" 1 ;; *) note "$s-h$k" ;; esac
    check "$s-h$k syncs" hh_sync "$s-h$k" >/dev/null
  done
done

# ---- mid-shift: S1 moves from node-a to node-b --------------------------------
record S1-h1 1
check "S1-h1 syncs just before the move" hh_sync S1-h1 >/dev/null
record S1-h2 2 # never synced with node-a
A_OPS_BEFORE=$("$ROUNDSD" dump --data "$(nd node-a)" --site S1 --ops |
  sed -n 's/^ops //p')
out=$(rd node-a site move --site S1 --to node-b --via "$WORK/via" \
  --target-config "$(conf node-b)" --json 2>"$WORK/move.err")
eq "site move S1" "$?" 0
eq "the move's epoch" "$(jget epoch <<<"$out")" 2
eq "the move copied every op node-a held" "$(jget ops <<<"$out")" \
  "$A_OPS_BEFORE"
check "the move says the final ship step" grep -q "step 3" "$WORK/move.err"
# Step 3 waited for node-a's shipper (its pg_dsn): PostgreSQL held every op
# of S1 before the copy, once each.
check "the final ship finished" grep -q "every op of S1 is in PostgreSQL" \
  "$WORK/move.err"
eq "PostgreSQL holds S1's ops at the move" \
  "$(pg_psql -tAc "SELECT count(*) || '/' || count(DISTINCT (device_id, \
    seq)) FROM ops WHERE site = 'S1'")" "$A_OPS_BEFORE/$A_OPS_BEFORE"
eq "directory: S1 on node-b, epoch 2" \
  "$(pg_psql -tAc "SELECT node || '/' || epoch || '/' || state FROM \
    dir_sites WHERE site = 'S1'")" "node-b/2/active"
eq "directory: the move is recorded" \
  "$(pg_psql -tAc "SELECT from_node || '>' || to_node || ' ' || ops FROM \
    dir_moves WHERE site = 'S1'")" "node-a>node-b $A_OPS_BEFORE"
# node-a takes no office write for S1 any more.
rd node-a checkpoint add --site S1 --name CP-late >/dev/null 2>&1
check "node-a refuses an office write to S1" test $? -ne 0

# The handhelds follow at their next sync, in that same sync.
record S1-h1 1
for h in S1-h1 S1-h2; do
  out=$(hh_sync "$h" --json)
  eq "$h sync after the move" "$?" 0
  eq "$h was redirected once" "$(jget redirected <<<"$out")" 1
  eq "$h ended on node-b" "$(jget node <<<"$out")" node-b
  eq "$h now syncs with node-b" "$(hh "$h" status --json | jget server)" \
    "127.0.0.1:${NPORT[node-b]}"
done
eq "node-a still holds what it held (nothing new)" \
  "$("$ROUNDSD" dump --data "$(nd node-a)" --site S1 --ops |
    sed -n 's/^ops //p')" "$A_OPS_BEFORE"
check "node-a logged the redirects" grep -q "redirect site=S1" \
  "$WORK/node-a.log"

# ---- S5 moves from node-c to node-a in two steps ---------------------------
record S5-h1 1
out=$(rd node-c site move --site S5 --to node-a --via "$WORK/via" 2>&1)
eq "site move S5 (copy)" "$?" 0
check "it says to accept on node-a" grep -q "site accept" <<<"$out"
# Stopped, not moved yet: S5's handhelds are told to retry.
hh_sync S5-h1 >/dev/null 2>"$WORK/s5busy.err"
check "S5 is busy while it moves" grep -q "EBUSY\|moving" "$WORK/s5busy.err"
check "site accept S5 on node-a" rd node-a site accept --site S5 \
  --via "$WORK/via" >/dev/null
# node-c's store still says "moving" (its second run has not come), but
# its directory cache (read every 2 s) names node-a: S5-h1 follows now.
for _ in 1 2 3 4 5 6; do
  out=$(hh_sync S5-h1 --json 2>/dev/null) && break
  sleep 1
done
eq "S5-h1 followed through node-c's directory cache" \
  "$(jget node <<<"$out")" node-a
check "site move S5 again marks it moved" rd node-c site move --site S5 \
  --to node-a --via "$WORK/via" >/dev/null
eq "directory: S5 on node-a, epoch 2" \
  "$(pg_psql -tAc "SELECT node || '/' || epoch FROM dir_sites WHERE \
    site = 'S5'")" "node-a/2"

# ---- the shift goes on: more records, syncs until everyone converged -----
declare -A NOW_NODE=([S1]=node-b [S2]=node-a [S3]=node-b [S4]=node-b
  [S5]=node-a [S6]=node-c)
for s in "${SITES[@]}"; do
  note "$s-h2"
done
# Round 1 runs with PostgreSQL stopped: the handhelds sync as before (each
# node's directory cache keeps the last assignment; the shippers wait).
# Then PostgreSQL starts again and node-b is killed -9 while its shipper
# catches up, and comes back on the same port.
pg_stop
for round in 1 2; do
  for s in "${SITES[@]}"; do
    for k in 1 2; do
      hh_sync "$s-h$k" >/dev/null 2>>"$WORK/sync.err" ||
        fail "round $round: $s-h$k sync: $(tail -1 "$WORK/sync.err")"
    done
  done
  if [ "$round" = 1 ]; then
    pg_start
    for _ in $(seq 100); do # until node-b's shipper is back at it
      [ "$(pg_psql -tAc "SELECT count(*) FROM pg_stat_activity WHERE
        application_name = 'roundsd'")" -ge 1 ] && break
      sleep 0.05
    done
    kill -9 "${NPID[node-b]}"
    wait "${NPID[node-b]}" 2>/dev/null
    sed -i "s/^listen = .*/listen = 127.0.0.1:${NPORT[node-b]}/" \
      "$(conf node-b)"
    node_start node-b
  fi
done
eq "S5-h2 followed to node-a" "$(hh S5-h2 status --json | jget server)" \
  "127.0.0.1:${NPORT[node-a]}"

for s in "${SITES[@]}"; do
  n=${NOW_NODE[$s]}
  d=$("$ROUNDSD" dump --data "$(nd "$n")" --site "$s" | sed -n 's/^digest //p')
  ops=$("$ROUNDSD" dump --data "$(nd "$n")" --site "$s" --ops |
    sed -n 's/^ops //p')
  own=0
  for k in 1 2; do
    eq "$s-h$k digest = $n's" "$(hh_digest "$s-h$k")" "$d"
    st=$(hh "$s-h$k" status --json)
    eq "$s-h$k op count = $n's" "$(jget ops_total <<<"$st")" "$ops"
    own=$((own + $(jget own_ops <<<"$st")))
  done
  # Each op once: the log is keyed by (device, seq), so a duplicate
  # would show as an op too many: the office's ops and each device's own,
  # nothing more, nothing less.
  eq "$s on $n: ops = office + each device's own" "$ops" \
    $((OFFICE_OPS + own))
done

# ---- PostgreSQL: every op of every site once, its records as dumped ------
# Shipped by the node holding each site (S1's and S5's first ops by the
# node they left, before their copies: the moves' final ship).
q() { pg_psql -tAq -c "$1"; }
for s in "${SITES[@]}"; do
  n=${NOW_NODE[$s]}
  ops=$("$ROUNDSD" dump --data "$(nd "$n")" --site "$s" --ops |
    sed -n 's/^ops //p')
  for _ in $(seq 300); do
    [ "$(q "SELECT count(*) FROM ops WHERE site = '$s'")" = "$ops" ] && break
    sleep 0.1
  done
  eq "PostgreSQL: $s's ops, each once" \
    "$(q "SELECT count(*) || '/' || count(DISTINCT (device_id, seq)) FROM
      ops WHERE site = '$s'")" "$ops/$ops"
  eq "PostgreSQL: $s's seqs 1..max per device" "$(q "SELECT count(*) FROM
    (SELECT device_id FROM ops WHERE site = '$s' GROUP BY 1
    HAVING count(*) <> max(seq) OR min(seq) <> 1) x")" 0
  pg_records_match "PostgreSQL, $s on $n" "$(nd "$n")" "$s"
done
finish
