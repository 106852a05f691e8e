#!/usr/bin/env bash
# test_e2e_group.sh BIN: the group reports across estates (issue 19, part
# 3; docs/POSTGRES.md, "Group reports"). Two sites, each with a handheld
# that records offline with pinned clocks (patrol scans on a route, work
# orders dispatched, on site, completed and called back), synced to a real
# roundsd over TLS; a PostgreSQL of the test's own (pg.sh):
#  (a) `roundsd group refresh --now T` writes each site's patrol,
#      workorders, callbacks and month facts; `report KIND --group --json`
#      gives per estate exactly the figures of `report KIND --site S
#      --month M --now T --json`, and totals that are their sums (ratios
#      from the summed numerators and denominators);
#  (b) more ops and a refresh again: the figures follow, no row twice;
#  (c) serve's own refresh thread writes the facts as of its clock
#      (waited for on report_runs.as_of), and again for a site whose ops
#      changed (test builds: 1 s after, $ROUNDSD_TEST_GROUP_MS), not for
#      the unchanged one; with PostgreSQL stopped it says so in the log;
#  (d) each SQL example of docs/POSTGRES.md is the file roundsd runs
#      (server/group_sql/) and runs in psql, agreeing with --group --json;
#  (e) PostgreSQL stopped: --group and group refresh exit 5 naming it;
#      serve's `roundsd stats` counts its refreshes, rows and errors.
BIN=$1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
need_test_clock
pg_start
SRC=$(cd "$(dirname "$0")/../.." && pwd)

# +08:00 without tzdata: a POSIX zone.
export TZ='<+08>-8'
D=1794844800000 # 2026-11-17 00:00 +08:00
at() { echo $((D + (10#$1 * 60 + 10#$2) * 60000)); } # at HOUR MIN (of D)
SETUP=$((D - 3600000)) # D-1 23:00: the routes owe rounds from D 00:00
T=$(at 9 0)     # the reports' now
TS=2026-11-17T09:00
MONTH=2026-11
export ROUNDSD_CLOCK_MS=$SETUP
rd() { "$ROUNDSD" "$@" --data "$SRV"; }
q() { pg_psql -tAq -c "$1"; }

server_init
server_start
# The handhelds' clocks pinned from the start: a sync at today's date
# would put their HLC ahead of the records' device times (flagged).
export ROUNDS_CLOCK_MS=$SETUP
hh_new a S1 # the guards' handhelds
hh_new b S2
hh_new da S1 # the service desks': a handheld's own clock only goes on
hh_new db S2
for s in S1 S2; do
  for i in 1 2 3; do
    rd checkpoint add --site $s --tag "CP-0$i" --name "Point $i" \
      --place "block $i" >/dev/null || fail "checkpoint $s $i"
  done
  rd route add --site $s --route R1 --name Main --interval-min 120 \
    --checkpoints CP-01,CP-02,CP-03 >/dev/null || fail "route $s"
done
for n in a b da db; do
  hh_sync "$n" >/dev/null || fail "$n pulls master data"
done

rec() { # rec HANDHELD HOUR MIN ARGS...: a record at D HOUR:MIN
  local n=$1 t
  t=$(at "$2" "$3")
  shift 3
  ROUNDS_CLOCK_MS=$t hh "$n" "$@" >/dev/null || fail "record $n: $*"
}
wo() { # wo HANDHELD HOUR MIN ARGS...: a work order called then; its id
  local n=$1 t
  t=$(at "$2" "$3")
  shift 3
  ROUNDS_CLOCK_MS=$t hh "$n" --json workorder create --called-at "$t" "$@" |
    jget id
}
# work HANDHELD ORDER H:M H:M H:M [H:M]: dispatch, arrive, complete[, door
# callback]
work() {
  local n=$1 o=$2
  rec "$n" ${3%:*} ${3#*:} workorder dispatch "$o" --assignee "tech-$n"
  rec "$n" ${4%:*} ${4#*:} workorder arrive "$o"
  rec "$n" ${5%:*} ${5#*:} workorder complete "$o" --signature resident \
    --labour-min 20
  [ -z "${6:-}" ] || rec "$n" ${6%:*} ${6#*:} workorder callback "$o" \
    --satisfaction satisfied --method door --signature resident
}

# S1: rounds 00:00 and 02:00 walked (one late, one out of order), 04:00
# missed, 06:00 half; three orders, two called back.
# (in time order: a handheld's clock never goes back)
for t in 0:05/1 0:07/2 0:09/3 0:20/1 2:05/1 2:10/3 2:40/2 6:03/2; do
  h=${t%/*}
  rec a ${h%:*} ${h#*:} scan --tag CP-0${t#*/} --route R1 --by guard-a
done
w1=$(wo da 1 0 --place 1-1-101 --category plumbing --description tap)
work da "$w1" 1:01 1:10 2:00 3:00
w2=$(wo da 3 0 --place 1-1-102 --category electrical --description light \
  --priority urgent --urgent-reason pump_pipe_leak)
work da "$w2" 3:05 3:50 5:00 6:00
w3=$(wo da 6 10 --place 1-1-103 --category plumbing --description pipe)
work da "$w3" 6:11 6:20 6:30
# S2: every round walked on time by b, one order completed, not called
# back yet; one open.
for r in 0 2 4 6; do
  for c in 1 2 3; do rec b $r $((c * 3)) scan --tag CP-0$c --route R1 \
    --by guard-b; done
done
v1=$(wo db 2 0 --place 2-1-201 --category plumbing --description drain)
work db "$v1" 2:01 2:12 4:00
v2=$(wo db 7 0 --place 2-1-202 --category elevator --description stuck)
rec db 7 1 workorder dispatch "$v2" --assignee tech-db
# serve_at MS: serve again with its clock at MS, the handhelds' at sync
# (a clock far from the server's at a sync is flagged).
serve_at() {
  server_stop
  ROUNDSD_CLOCK_MS=$1 server_start "${@:2}"
}
serve_at "$T"
for n in a b da db; do
  ROUNDS_CLOCK_MS=$T hh_sync "$n" >/dev/null || fail "$n syncs"
done

# ---- (a) refresh, and --group against each site's own report --------------
NOW_TS=$TS
out=$(rd group refresh --now "$TS" --pg-dsn "$PG_DSN" --json 2>"$WORK/ref.err")
eq "group refresh exit" "$?" 0
check "a progress line per site" grep -q "site S2" "$WORK/ref.err"
eq "periods refreshed" "$(echo "$out" | python3 -c 'import json,sys
print(",".join(json.load(sys.stdin)["periods"]))')" \
  "2026-11,2026-11-17,2026-10,2026-11-16"
eq "runs: 2 sites x 4 reports x 4 periods" \
  "$(q "SELECT count(*) FROM report_runs")" 32
eq "as_of is the refresh's now" "$(q "SELECT DISTINCT
  (extract(epoch FROM as_of) * 1000)::bigint FROM report_runs")" "$T"

# compare REPORT: the site reports and --group, in Python.
compare() {
  local r=$1 s
  for s in S1 S2; do
    rd report "$r" --site $s --month $MONTH --now "$NOW_TS" --json \
      >"$WORK/site-$r-$s.json" || fail "report $r $s"
  done
  rd report "$r" --group --month $MONTH --pg-dsn "$PG_DSN" --json \
    >"$WORK/group-$r.json" || fail "report $r --group"
  python3 - "$WORK" "$r" <<'PY' || fail "$r: --group differs (above)"
import json, sys
work, rep = sys.argv[1], sys.argv[2]
g = json.load(open(f"{work}/group-{rep}.json"))
site = {s: json.load(open(f"{work}/site-{rep}-{s}.json")) for s in ("S1", "S2")}
bad = []
def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    return a == b
def ratio(n, d):
    return None if d == 0 else round(n / d, 4)
if rep == "month":
    # per (site, person): the site's people rows, column for column
    got = {(r["site"], r["person"]): r for r in g["sections"]["site_people"]}
    want = {}
    for s, d in site.items():
        for r in d["sections"]["people"]:
            want[(s, r["person"])] = r
    if set(got) != set(want):
        bad.append(f"people: {sorted(got)} vs {sorted(want)}")
    for k, w in want.items():
        for c, v in w.items():
            if k in got and not same(got[k].get(c), v):
                bad.append(f"{k} {c}: {got[k].get(c)} vs {v}")
    # across estates: per person the sums, and in how many estates
    for r in g["sections"]["people"]:
        mine = [w for (s, p), w in want.items() if p == r["person"]]
        if r["estates"] != len(mine):
            bad.append(f"{r['person']} estates {r['estates']}")
        for c in r:
            if c not in ("person", "estates") and r[c] != sum(w[c] for w in mine):
                bad.append(f"{r['person']} {c}: {r[c]}")
    keys = ["scans_on_time", "scans_late", "checkpoints_missed",
            "clocks_met", "clocks_breached", "callbacks"]
    for k in keys:
        if g["summary"][k] != sum(d["summary"][k] for d in site.values()):
            bad.append(f"total {k}")
else:
    rows = {r["site"]: r for r in g["sections"]["estates"]}
    if sorted(rows) != ["S1", "S2"]:
        bad.append(f"estates {sorted(rows)}")
    for s, d in site.items():
        r = rows.get(s, {})
        if r.get("as_of") != d["now"]:
            bad.append(f"{s} as_of {r.get('as_of')} vs {d['now']}")
        for c, v in r.items():
            if c in ("site", "as_of"):
                continue
            if c not in d["summary"] or not same(v, d["summary"][c]):
                bad.append(f"{s} {c}: {v} vs {d['summary'].get(c)}")
    sm = g["summary"]
    if sm["estates"] != 2:
        bad.append("estates")
    ratios = {"tqi": ("visited", "required"),
              "callback_coverage": ("called_back", "completed_in_window"),
              "coverage": ("called_back", "completed"),
              "door_share": ("door_signed", "door_share_base")}
    for c, v in sm.items():
        if c in ("estates", "oldest_as_of") or c.endswith("_target"):
            continue
        if c in ratios:
            n, dd = ratios[c]
            want = ratio(sum(x["summary"][n] for x in site.values()),
                         sum(x["summary"][dd] for x in site.values()))
        else:
            want = sum(x["summary"][c] for x in site.values())
        if not same(v, want):
            bad.append(f"total {c}: {v} vs {want}")
    if rep == "workorders":
        # clocks per estate and clock = the site's cycle clocks by state
        got = {(r["site"], r["clock"]): r for r in g["sections"]["clocks"]}
        for s, d in site.items():
            cnt = {}
            for o in d["sections"]["orders"]:
                for cy in o["cycles"]:
                    for ck in cy["clocks"]:
                        st = {"running": "open", "at_risk": "open"}.get(
                            ck["status"], ck["status"])
                        c = cnt.setdefault(ck["clock"], {"met": 0,
                            "breached": 0, "open": 0, "unverified": 0})
                        if st in c:
                            c[st] += 1
            for ck, c in cnt.items():
                r = got.get((s, ck))
                if r is None or any(r[k] != c[k] for k in c):
                    bad.append(f"clocks {s} {ck}: {r} vs {c}")
for b in bad[:20]:
    print("  ", b)
sys.exit(1 if bad else 0)
PY
}
for r in patrol workorders callbacks month; do compare "$r"; done
# The figures are not trivial: both sites have rounds, clocks, callbacks.
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
eq "patrol figures" "$(py 'd["summary"]["required"],
  d["summary"]["visited"] > 0, d["summary"]["missed"] > 0,
  d["summary"]["late"] > 0, d["summary"]["duplicates"],
  d["summary"]["clock_flagged_scans"]' <"$WORK/group-patrol.json")" \
  "24 True True True 1 0"
eq "clocks met, breached, none unverified" "$(py 'sum(r["met"] for r in
  d["sections"]["clocks"]) > 0, sum(r["breached"] for r in
  d["sections"]["clocks"]) > 0, d["summary"]["unverified"]' \
  <"$WORK/group-workorders.json")" "True True 0"
eq "callbacks figures" "$(py 'd["summary"]["completed"], d["summary"]["called_back"]' <"$WORK/group-callbacks.json")" \
  "4 2"
csv_estates() {
  rd report callbacks --group --month $MONTH --pg-dsn "$PG_DSN" \
    --table estates | grep -c "^S[12],"
}
eq "csv: one line per estate" "$(csv_estates)" 2
check "text prints the totals" grep -q "across estates" \
  <(rd report month --group --month $MONTH --pg-dsn "$PG_DSN")
rd group refresh --site NOPE --pg-dsn "$PG_DSN" >/dev/null 2>&1
eq "refresh of no such site: exit 3" "$?" 3
rd report patrol --group --from 2026-11-01 --pg-dsn "$PG_DSN" >/dev/null \
  2>&1
eq "--group takes periods only: exit 2" "$?" 2
check "--site keeps one estate" test "$(rd report patrol --group --month \
  $MONTH --site S2 --pg-dsn "$PG_DSN" --json | py 'len(d["sections"]["estates"])')" = 1

# ---- (b) more ops, refresh again ----------------------------------------
before=$(py 'd["summary"]["late"]' <"$WORK/group-patrol.json")
# (after a's last sync, at 09:00: a handheld's clock does not go back)
for c in 1 2 3; do
  rec a 9 $((c * 2)) scan --tag CP-0$c --route R1 --by guard-a
done
rec da 9 30 workorder callback "$w3" --satisfaction satisfied --method phone
serve_at "$(at 9 40)"
for n in a da; do
  ROUNDS_CLOCK_MS=$(at 9 40) hh_sync $n >/dev/null || fail "$n syncs again"
done
NOW_TS=2026-11-17T09:45
rd group refresh --now "$NOW_TS" --pg-dsn "$PG_DSN" >/dev/null 2>&1 ||
  fail "second refresh"
for r in patrol workorders callbacks month; do compare "$r"; done
# (round 08:00's window is 15 minutes: late)
eq "late follows" "$(py 'd["summary"]["late"]' <"$WORK/group-patrol.json")" \
  $((before + 3))
eq "runs still 32" "$(q "SELECT count(*) FROM report_runs")" 32
eq "rows: as many as the site reports have" "$(q "SELECT count(*) FROM
  report_rows WHERE site = 'S1' AND report = 'patrol' AND period = '$MONTH'
  AND section = 'rounds'")" \
  "$(py 'len(d["sections"]["rounds"])' <"$WORK/site-patrol-S1.json")"
eq "nested cycle clocks stored flat" "$(q "SELECT count(*) FROM report_rows
  WHERE site = 'S1' AND report = 'workorders' AND period = '$MONTH' AND
  section = 'cycle_clocks'")" "$(py 'sum(len(c["clocks"]) for o in
  d["sections"]["orders"] for c in o["cycles"])' \
  <"$WORK/site-workorders-S1.json")"
eq "no row twice" "$(q "SELECT count(*) - count(DISTINCT (site, report,
  period, section, row_no)) FROM report_rows")" 0
eq "no order twice" "$(q "SELECT count(*) FROM (SELECT 1 FROM report_rows
  WHERE section = 'orders' GROUP BY site, report, period, row->>'id'
  HAVING count(*) > 1) x")" 0

# ---- (d) the docs' SQL is what roundsd runs, and runs in psql -----------
python3 - "$SRC" "$WORK" <<'PY' || fail "docs/POSTGRES.md's SQL (above)"
import re, sys, os
src, work = sys.argv[1], sys.argv[2]
doc = open(f"{src}/docs/POSTGRES.md").read()
blocks = dict(re.findall(r"<!-- group-sql: (\w+) -->\n```sql\n(.*?)```",
                         doc, re.S))
files = {f[:-4] for f in os.listdir(f"{src}/server/group_sql")
         if f.endswith(".sql")}
bad = [f"no example of {f}" for f in sorted(files - set(blocks))]
for name, text in blocks.items():
    path = f"{src}/server/group_sql/{name}.sql"
    if not os.path.exists(path) or open(path).read() != text:
        bad.append(f"{name}: the docs differ from server/group_sql/")
    open(f"{work}/docsql-{name}", "w").write(text)
print("\n".join(bad))
open(f"{work}/docsql-names", "w").write(" ".join(sorted(blocks)))
sys.exit(1 if bad else 0)
PY
for name in $(cat "$WORK/docsql-names"); do
  { echo "PREPARE q(text, text[]) AS"; cat "$WORK/docsql-$name"; echo ";"
    echo "EXECUTE q('$MONTH', NULL);"; } >"$WORK/run-$name.sql"
  pg_psql -q --csv -f "$WORK/run-$name.sql" >"$WORK/out-$name.csv" \
    2>"$WORK/err-$name" || { fail "psql $name:"; cat "$WORK/err-$name"; }
done
python3 - "$WORK" <<'PY' || fail "psql's results differ from --group (above)"
import csv, json, sys
work = sys.argv[1]
where = {"patrol_totals": ("patrol", None), "patrol_estates": ("patrol", "estates"),
         "workorders_totals": ("workorders", None),
         "workorders_estates": ("workorders", "estates"),
         "workorders_clocks": ("workorders", "clocks"),
         "callbacks_totals": ("callbacks", None),
         "callbacks_estates": ("callbacks", "estates"),
         "month_totals": ("month", None), "month_people": ("month", "people"),
         "month_site_people": ("month", "site_people")}
bad = []
for name in open(f"{work}/docsql-names").read().split():
    rep, sec = where[name]
    g = json.load(open(f"{work}/group-{rep}.json"))
    rows = list(csv.DictReader(open(f"{work}/out-{name}.csv")))
    want = [g["summary"]] if sec is None else g["sections"][sec]
    if len(rows) != len(want):
        bad.append(f"{name}: {len(rows)} rows, --group {len(want)}")
        continue
    for got, w in zip(rows, want):
        for c, v in got.items():
            if "as_of" in c:
                continue
            x = w.get(c)
            if x is None and v == "":
                continue
            try:
                ok = abs(float(v) - float(x)) < 1e-4
            except (TypeError, ValueError):
                ok = str(x) == v
            if not ok:
                bad.append(f"{name} {c}: psql {v}, --group {x}")
print("\n".join(bad[:20]))
sys.exit(1 if bad else 0)
PY

# ---- (c) serve's own refresh thread ---------------------------------------
T3=$(at 10 0)
cat >"$WORK/roundsd.conf" <<CONF
pg_dsn = $PG_DSN
group_refresh_s = 600
CONF
# (test builds: a changed site is refreshed 1 s after its change, not 30)
ROUNDSD_TEST_GROUP_MS=1000 serve_at "$T3" --config "$WORK/roundsd.conf"
seen=""
for _ in $(seq 300); do # up to 30 s
  if [ "$(q "SELECT count(*) FROM report_runs WHERE
    (extract(epoch FROM as_of) * 1000)::bigint = $T3")" = 32 ]; then
    seen=1; break; fi
  sleep 0.1
done
[ -n "$seen" ] && pass || fail "serve never refreshed the facts as of $T3: \
$(q "SELECT site, report, period, as_of FROM report_runs")"
rd report patrol --site S1 --month $MONTH --now 2026-11-17T10:00 --json \
  >"$WORK/site-T3.json"
rd report patrol --group --site S1 --month $MONTH --pg-dsn "$PG_DSN" --json \
  >"$WORK/group-T3.json"
eq "serve's facts are the report's" \
  "$(py 'd["sections"]["estates"][0]["required"]' <"$WORK/group-T3.json")" \
  "$(py 'd["summary"]["required"]' <"$WORK/site-T3.json")"
# A site whose ops change is refreshed again (long before the 600 s);
# the other is not.
s1_at=$(q "SELECT max(computed_at) FROM report_runs WHERE site = 'S1'")
s2_on=$(q "SELECT late FROM group_patrol WHERE site = 'S2' AND period =
  '$MONTH'")
rec b 9 50 scan --tag CP-01 --route R1 --by guard-b
ROUNDS_CLOCK_MS=$T3 hh_sync b >/dev/null || fail "b syncs at 10:00"
seen=""
for _ in $(seq 300); do # up to 30 s
  [ "$(q "SELECT late FROM group_patrol WHERE site = 'S2' AND period =
    '$MONTH'")" = $((s2_on + 1)) ] && { seen=1; break; }
  sleep 0.1
done
[ -n "$seen" ] && pass || fail "serve did not refresh S2 after its change"
eq "S1, unchanged, was not refreshed again" "$(q "SELECT max(computed_at)
  FROM report_runs WHERE site = 'S1'")" "$s1_at"

# ---- (e) PostgreSQL stopped ---------------------------------------------
pg_stop
out=$(rd report patrol --group --month $MONTH --pg-dsn "$PG_DSN" 2>&1)
eq "--group without PostgreSQL: exit 5" "$?" 5
check "the message names PostgreSQL ($out)" grep -q "PostgreSQL" <<<"$out"
out=$(rd group refresh --now "$TS" --pg-dsn "$PG_DSN" 2>&1)
eq "group refresh without PostgreSQL: exit 5" "$?" 5
# A change makes S2 due: the thread finds PostgreSQL down and says so.
rec b 9 55 scan --tag CP-02 --route R1 --by guard-b
ROUNDS_CLOCK_MS=$T3 hh_sync b >/dev/null || fail "sync without PostgreSQL"
for _ in $(seq 100); do
  grep -q "group: .*PostgreSQL" "$WORK/server.log.new" && break
  sleep 0.1
done
check "the refresh thread says PostgreSQL is down" \
  grep -q "warn: group: .*PostgreSQL" "$WORK/server.log.new"
server_stop || fail "serve stops clean"
# roundsd stats: the refresh thread's counters, in the file serve wrote
# as it stopped: S1 and S2 at 10:00, S2 again after its change; then
# PostgreSQL gone.
st=$(rd stats --json)
[ "$(py 'd["group"]["refreshes"]' <<<"$st")" -ge 3 ] ||
  fail "stats count the sites refreshed: $st"
eq "stats count rows written" "$(py 'd["group"]["rows"] > 0' <<<"$st")" True
eq "stats: the last refresh at serve's clock" \
  "$(py 'd["group"]["last_ms"]' <<<"$st")" "$T3"
eq "stats: not connected once PostgreSQL stopped" \
  "$(py 'd["group"]["connected"]' <<<"$st")" False
[ "$(py 'd["group"]["errors"]' <<<"$st")" -ge 1 ] ||
  fail "stats count the refresh's errors: $st"
check "stats name the last error" \
  test -n "$(py 'd["group"]["last_error"]' <<<"$st")"
rd stats >"$WORK/stats.txt"
check "roundsd stats shows the group refresh ($(cat "$WORK/stats.txt"))" \
  grep -q "^  group         not connected; [0-9]* site refreshes" \
  "$WORK/stats.txt"
check "roundsd stats shows its last error" \
  grep -q "^  group errors  [1-9]" "$WORK/stats.txt"
rd stats --prometheus >"$WORK/stats.prom"
check "Prometheus: roundsd_group_refreshes_total" \
  grep -q "^roundsd_group_refreshes_total [1-9]" "$WORK/stats.prom"
finish
