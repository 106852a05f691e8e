#!/usr/bin/env python3
"""sync_report.py: turns the JSON lines bench_sync.sh collected into one
table (figure, ours, the peer's, ratio, target, PASS/MISS) or, with --json,
one JSON object holding the same rows and every raw measurement.

Ratios say how many times better ours is than the peer: ours/peer for
rates, peer/ours for times. A peer figure measured at another size than
ours is marked with a note saying where it was measured; nothing is
extrapolated. Targets are the issue's (#7).
"""
import argparse
import json
import statistics
import sys

PUSH_MIN = 300000      # ops/s, push and pull, absolute
PEER_TIMES = 100       # push, pull and shift change vs the peer
NOOP_MS = 10.0         # no-op sync, ms
NOOP_PEER = 0.1        # no-op sync, at most this fraction of the peer's
FLAT = 1.5             # largest/smallest store size, at most
LMDB_WITHIN = 3.0      # push within this factor of the raw LMDB put rate
OFFICE_OPS = 1         # ops the office writes when a site is first enrolled
RSS_MB = 100.0         # server RSS at the sessions held open


def fmt_num(v, unit):
    if v is None:
        return "-"
    if unit in ("ops/s", "docs/s"):
        return f"{v:,.0f}"
    if unit == "ms":
        return f"{v:,.2f}" if v < 100 else f"{v:,.0f}"
    if unit == "s":
        return f"{v:,.2f}"
    if unit == "MB":
        return f"{v:,.1f}"
    if unit == "x":
        return f"{v:.2f}x"
    return f"{v:,.3g}"


def size_name(n):
    if n >= 1000000 and n % 1000000 == 0:
        return f"{n // 1000000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


class Report:
    def __init__(self, recs):
        self.recs = recs
        self.rows = []
        self.notes = []
        self.errors = []

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)
        return f"[{self.notes.index(text) + 1}]"

    def of(self, kind, **kw):
        return [r for r in self.recs if r["kind"] == kind and
                all(r.get(k) == v for k, v in kw.items())]

    def one(self, kind, **kw):
        found = self.of(kind, **kw)
        return found[-1] if found else None

    def peer(self, docs, clients):
        """The peer's result at (docs, clients), or (None, why)."""
        r = self.one("peer", docs=docs, clients=clients)
        if r:
            return r["result"], None
        if self.one("peer_failed", docs=docs, clients=clients):
            return None, "failed"
        return None, "not run"

    def peer_near(self, size, clients=1):
        """The peer at size, else at the largest size it was run at with
        this many clients (and a note saying so)."""
        res, why = self.peer(size, clients)
        if res:
            return res, ""
        runs = sorted((r for r in self.of("peer", clients=clients)),
                      key=lambda r: r["docs"])
        if not runs:
            return None, why
        at = runs[-1]
        tag = self.note(f"peer measured at {at['docs']:,} docs and "
                        f"{clients} client(s), not at {size:,}: compared "
                        f"as measured, not extrapolated")
        return at["result"], tag

    def add(self, figure, ours, unit, peer=None, peer_tag="", ratio=None,
            target="", ok=None, peer_text=None):
        self.rows.append({
            "figure": figure, "ours": ours, "unit": unit, "peer": peer,
            "peer_note": peer_tag, "ratio": ratio, "target": target,
            "result": "info" if ok is None else ("PASS" if ok else "MISS"),
            "peer_text": peer_text})

    # ---- the figures ----------------------------------------------------
    def rates(self, kind, label, peer_key):
        for r in self.of(kind):
            s, res = r["size"], r["result"]
            n = res["pushed"] if kind == "push" else res["pulled"]
            ms = res["push_ms"] if kind == "push" else res["ms"]
            # A fresh handheld also pulls the office's own ops: the first
            # enrollment of a site publishes its personal-data key.
            want = s if kind == "push" else s + OFFICE_OPS
            if n != want:
                self.errors.append(f"{kind} at {s}: moved {n} ops, not {want}")
            ours = n / ms * 1000 if ms > 0 else None
            p, tag = self.peer_near(s)
            pv = p[peer_key] if p else None
            why = None if p else tag
            tag = tag if p else ""
            ratio = ours / pv if ours and pv else None
            if s >= 100000:
                target = (f">= {PEER_TIMES}x peer, >= {PUSH_MIN:,}/s")
                ok = (ratio is not None and ratio >= PEER_TIMES and
                      ours >= PUSH_MIN)
            else:
                target, ok = "", None
            self.add(f"{label}, {size_name(s)} ops (ops/s)", ours, "ops/s",
                     pv, tag, ratio, target, ok, why)

    def shift(self):
        for r in self.of("shift"):
            c, res, ops = r["clients"], r["result"], r["ops"]
            if res["pushed"] != ops:
                self.errors.append(f"shift {c}: pushed {res['pushed']} of "
                                   f"{ops}")
            ours = res["push_wall_ms"] / 1000
            p, why = self.peer(ops, c)
            tag = ""
            if not p:
                near = sorted(self.of("peer", clients=c),
                              key=lambda x: x["docs"])
                if near:
                    p = near[-1]["result"]
                    tag = self.note(
                        f"peer's shift change measured with "
                        f"{p['docs']:,} docs in all, ours with {ops:,}")
            pv = p["push_ms"] / 1000 if p else None
            ratio = pv / ours if pv and ours else None
            why = None if p else why
            if c >= 100:
                target = f">= {PEER_TIMES}x faster"
                ok = ratio is not None and ratio >= PEER_TIMES
            else:
                target, ok = "", None
            self.add(f"shift change, {c} handhelds push {size_name(ops)} "
                     f"in all (s)", ours, "s", pv, tag, ratio, target, ok,
                     why)
            self.shift_pull(c)

    def shift_pull(self, clients):
        for r in self.of("shift_pull", clients=clients):
            res = r["result"]
            tag = self.note("the peer's run has no such step (its handhelds "
                            "only push)")
            self.add(f"  then all {r['clients']} pull the others' ops: "
                     f"{res['pulled']:,} stored (s)", res["wall_ms"] / 1000,
                     "s", None, tag, None, "", None)

    def noop_shift(self):
        for r in self.of("noop_shift"):
            c = r["clients"]
            if any(x["pushed"] or x["pulled"] for x in r["runs"]):
                self.errors.append(f"no-op shift {c}: moved ops")
            med = statistics.median(x["wall_ms"] for x in r["runs"])
            p, tag = self.peer_near(self.shift_docs(), c)
            pv = p["noop_sync_ms"] if p else None
            why = None if p else tag
            if p:
                tag = tag + self.note("the peer's no-op sync with C clients "
                                      "is one round (run.sh); ours is the "
                                      "median of rounds")
            ratio = pv / med if pv else None
            self.add(f"no-op sync, {c} handhelds at once, median of "
                     f"{len(r['runs'])} rounds (ms)", med, "ms", pv, tag,
                     ratio, "", None, why)

    def shift_docs(self):
        r = self.one("shift")
        return r["ops"] if r else 0

    def noop(self):
        meds = {}
        for r in self.of("noop"):
            s = r["size"]
            ms = [x["ms"] for x in r["runs"]]
            med = statistics.median(ms)
            meds[s] = med
            if not all(x["resumed"] for x in r["runs"]):
                self.errors.append(f"no-op at {s}: a TLS session was not "
                                   f"resumed")
            if any(x["pushed"] or x["pulled"] for x in r["runs"]):
                self.errors.append(f"no-op at {s}: moved ops")
            p, tag = self.peer_near(s)
            pv = p["noop_sync_ms"] if p else None
            why = None if p else tag
            tag = tag + self.note("the peer's no-op sync is one run (run.sh "
                                  "times one replication); ours is a "
                                  "median") if p else ""
            ratio = pv / med if pv else None
            ok = med < NOOP_MS and pv is not None and med <= NOOP_PEER * pv
            self.add(f"no-op sync, {size_name(s)} stored, median of "
                     f"{len(ms)} (ms)", med, "ms", pv, tag, ratio,
                     f"< {NOOP_MS:g} ms, <= {NOOP_PEER:g}x peer", ok, why)
        for r in self.of("noop_cli"):
            v = statistics.median(r["runs_us"]) / 1000
            self.add(f"  `rounds sync` process, {size_name(r['size'])} "
                     f"(ms)", v, "ms")
        return meds

    def growth(self, noop_meds):
        incr = {r["size"]: r for r in self.of("incr")}
        pushes, pulls = {}, {}
        for s, r in sorted(incr.items()):
            k = r["ops"]
            for x in r["push"]:
                if x["pushed"] != k:
                    self.errors.append(f"incremental push at {s}: pushed "
                                       f"{x['pushed']}, not {k}")
            for x in r["pull"]:
                if x["pulled"] != k:
                    self.errors.append(f"incremental pull at {s}: pulled "
                                       f"{x['pulled']}, not {k}")
            pushes[s] = statistics.median(x["ms"] for x in r["push"])
            pulls[s] = statistics.median(x["ms"] for x in r["pull"])
            n = len(r["push"])
            self.add(f"incremental push of {k:,}, {size_name(s)} stored, "
                     f"median of {n} (ms)", pushes[s], "ms")
            self.add(f"incremental pull of {k:,}, {size_name(s)} stored, "
                     f"median of {n} (ms)", pulls[s], "ms")
        for name, d in (("no-op sync", noop_meds),
                        ("incremental push", pushes),
                        ("incremental pull", pulls)):
            if len(d) < 2:
                continue
            lo, hi = min(d), max(d)
            g = d[hi] / d[lo] if d[lo] > 0 else None
            self.add(f"growth: {name}, {size_name(hi)} vs {size_name(lo)} "
                     f"stored", g, "x", None, "", None,
                     f"<= {FLAT:g}x (flat)", g is not None and g <= FLAT)

    def limit(self):
        r = self.one("limit")
        if not r:
            return
        lim = r["result"]
        ops = lim["ops"]
        self.add(f"limit: LMDB puts of {size_name(ops)} encoded ops, one txn "
                 f"(ops/s)", lim["lmdb_put_ops_per_s"], "ops/s")
        self.add(f"limit: AES-128-GCM seal, {lim['aes128gcm_mb_per_s']:.0f} "
                 f"MB/s (ops/s)", lim["aes128gcm_ops_per_s"], "ops/s")
        self.add(f"limit: ChaCha20-Poly1305 seal, "
                 f"{lim['chachapoly_mb_per_s']:.0f} MB/s (ops/s)",
                 lim["chachapoly_ops_per_s"], "ops/s")
        self.add("limit: SHA-256 op hash (ops/s)", lim["sha256_ops_per_s"],
                 "ops/s")
        pushes = sorted(self.of("push"), key=lambda x: x["size"])
        if not pushes:
            return
        p = pushes[-1]
        rate = p["result"]["pushed"] / p["result"]["push_ms"] * 1000
        frac = rate / lim["lmdb_put_ops_per_s"]
        self.add(f"push {size_name(p['size'])} as a fraction of the LMDB "
                 f"put rate", frac, "x", None, "", None,
                 f">= {1 / LMDB_WITHIN:.2f} (within {LMDB_WITHIN:g}x)",
                 frac >= 1 / LMDB_WITHIN)
        suite = min(lim["aes128gcm_ops_per_s"], lim["chachapoly_ops_per_s"])
        self.add(f"push {size_name(p['size'])} as a fraction of the slower "
                 f"AEAD", rate / suite, "x")

    def conns(self):
        r = self.one("conns")
        if not r:
            return
        c = r["result"]
        mb = c["rss_kb"] / 1024
        tag = self.note("the peer's run.sh does not measure server memory; "
                        "no peer figure")
        self.add(f"server RSS, {c['conns']:,} sessions open (MB)", mb, "MB",
                 None, tag, None, f"< {RSS_MB:g} MB", mb < RSS_MB)
        self.add("  of which RssAnon (MB)", c["anon_kb"] / 1024, "MB")
        self.add("  idle, before the first session (MB)",
                 c["before_rss_kb"] / 1024, "MB")

    def build(self):
        self.rates("push", "push", "push_docs_per_s")
        self.rates("pull", "pull", "pull_docs_per_s")
        self.shift()
        self.noop_shift()
        meds = self.noop()
        self.growth(meds)
        self.limit()
        self.conns()


def table(rep, meta):
    out = []
    out.append("bench_sync: Rounds (roundsd + handhelds over loopback TLS) "
               "vs PouchDB 9 / pouchdb-server 4 (loopback HTTP)")
    out.append(f"{meta.get('date', '?')}; commit {meta.get('commit', '?')}"
               f"{' + %d modified files' % meta['dirty_files'] if meta.get('dirty_files') else ''}"
               f"; nproc {meta.get('nproc', '?')}; {meta.get('cpu', '?')}; "
               f"{meta.get('mem_gib', '?')} GiB; {meta.get('disk', '?')} "
               f"at {meta.get('tmpdir', '?')}")
    end = next((r for r in rep.recs if r["kind"] == "end"), {})
    out.append(f"load average {meta.get('loadavg_start', '?')} at the "
               f"start, {end.get('loadavg_end', '?')} at the end; "
               f"{end.get('seconds', '?')} s in all")
    out.append("ratio = times better than the peer (rates ours/peer, times "
               "peer/ours)")
    out.append("")
    w = max(len(r["figure"]) for r in rep.rows) if rep.rows else 10
    out.append(f"{'figure':<{w}} {'ours':>10} {'peer':>13} {'ratio':>9}  "
               f"{'target':<28} result")
    for r in rep.rows:
        peer = r["peer_text"] or fmt_num(r["peer"], r["unit"])
        if r["peer"] is None and not r["peer_text"]:
            peer = "-"
        peer = f"{peer} {r['peer_note']}".strip()
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None else "-"
        res = r["result"] if r["result"] != "info" else ""
        out.append(f"{r['figure']:<{w}} {fmt_num(r['ours'], r['unit']):>10}"
                   f" {peer:>13} {ratio:>9}  {r['target']:<28} {res}")
    if rep.notes:
        out.append("")
        for i, n in enumerate(rep.notes):
            out.append(f"[{i + 1}] {n}")
    extra = []

    def cpu(r, n):
        res = r["result"]
        if "server_cpu_us" not in r or not n:
            return ""
        # The commit thread's share: when it is near the wall time, the
        # storage work is what limits the rate.
        commit = ""
        if "commit_cpu_us" in r:
            commit = (f", of which the commit thread "
                      f"{r['commit_cpu_us'] / 1e6:.2f} s "
                      f"({r['commit_cpu_us'] / n:.1f} us/op)")
        return (f"; CPU: roundsd {r['server_cpu_us'] / 1e6:.2f} s "
                f"({r['server_cpu_us'] / n:.1f} us/op{commit}), handheld(s) "
                f"{res.get('cpu_ms', 0) / 1000:.2f} s")
    for r in rep.of("push"):
        res = r["result"]
        extra.append(f"push {size_name(r['size'])}: last PUSH_ACK at "
                     f"{res['push_ms'] / 1000:.2f} s, whole sync "
                     f"{res['ms'] / 1000:.2f} s{cpu(r, res['pushed'])}")
    for r in rep.of("pull"):
        res = r["result"]
        extra.append(f"pull {size_name(r['size'])}: "
                     f"{res['ms'] / 1000:.2f} s{cpu(r, res['pulled'])}")
    for k in ("shift", "shift_pull"):
        for r in rep.of(k):
            res = r["result"]
            n = res["pulled"] if k == "shift_pull" else res["pushed"]
            extra.append(f"{k} {r['clients']}: last ack at "
                         f"{res['push_wall_ms'] / 1000:.2f} s, all done at "
                         f"{res['wall_ms'] / 1000:.2f} s{cpu(r, n)}")
    for r in rep.of("noop_shift"):
        n = len(r["runs"]) * r["clients"]
        walls = sorted(x["wall_ms"] for x in r["runs"])
        extra.append(f"no-op shift {r['clients']}: rounds "
                     f"{walls[0]:.1f}..{walls[-1]:.1f} ms; CPU: roundsd "
                     f"{r['server_cpu_us'] / n / 1000:.2f} ms a sync")
    for r in rep.of("noop"):
        n = len(r["runs"])
        if "server_cpu_us" in r:
            c = sum(x.get("cpu_ms", 0) for x in r["runs"]) / n
            extra.append(f"no-op {size_name(r['size'])}: CPU per sync: "
                         f"roundsd {r['server_cpu_us'] / 1000 / n:.2f} ms, "
                         f"handheld "
                         f"{c:.2f} ms")
    for r in rep.of("record"):
        extra.append(f"recording {size_name(r['size'])} scans on the "
                     f"handheld (not timed in push): {r['ms'] / 1000:.1f} s")
    for r in rep.of("store"):
        extra.append(f"stores at {size_name(r['size'])}: server site "
                     f"{r['server_kb'] / 1024:.0f} MB, handheld "
                     f"{r['handheld_kb'] / 1024:.0f} MB")
    for r in rep.of("conns"):
        c = r["result"]
        extra.append(f"{c['conns']:,} sessions connected one by one in "
                     f"{c['connect_s']:.1f} s (full handshakes; roundsd CPU "
                     f"{c.get('server_connect_cpu_ms', -1) / c['conns']:.1f}"
                     f" ms each); roundsd VmHWM "
                     f"{c['hwm_kb'] / 1024:.1f} MB, VmRSS after closing them "
                     f"{c['after_rss_kb'] / 1024:.1f} MB; the client "
                     f"{c['client_rss_kb'] / 1024:.0f} MB")
    for r in rep.of("server_mem"):
        extra.append(f"roundsd after the size runs: VmRSS "
                     f"{r['rss_kb'] / 1024:.0f} MB (RssAnon "
                     f"{r['anon_kb'] / 1024:.0f} MB), VmHWM "
                     f"{r['hwm_kb'] / 1024:.0f} MB")
    for r in rep.of("peer"):
        p = r["result"]
        extra.append(f"peer {p['docs']:,} docs / {p['clients']} clients: "
                     f"push {p['push_docs_per_s']:,}/s ({p['push_ms']} ms), "
                     f"no-op {p['noop_sync_ms']} ms, pull "
                     f"{p['pull_docs_per_s']:,}/s")
    for r in rep.of("peer_failed"):
        extra.append(f"peer {r['docs']:,} docs / {r['clients']} clients: "
                     f"FAILED")
    if extra:
        out.append("")
        out.extend(extra)
    for e in rep.errors:
        out.append(f"ERROR: {e}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    with open(a.results) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    meta = next((r for r in recs if r["kind"] == "meta"), {})
    rep = Report(recs)
    rep.build()
    if a.json:
        rows = [dict({k: v for k, v in r.items() if k != "peer_text"},
                     peer_missing=r["peer_text"]) for r in rep.rows]
        json.dump({"bench": "sync", "meta": meta, "rows": rows,
                   "notes": rep.notes, "errors": rep.errors,
                   "raw": [r for r in recs if r["kind"] != "meta"]},
                  sys.stdout, separators=(",", ":"))
        print()
    else:
        print(table(rep, meta))
    return 1 if rep.errors else 0


if __name__ == "__main__":
    sys.exit(main())
