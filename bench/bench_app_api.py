#!/usr/bin/env python3
"""bench_app_api.py URL RUNS STAFF PIN: the app's JSON API as the page
calls it (bench_app.sh, docs/PERFORMANCE.md "The handheld app"), over one
keep-alive HTTP connection to `rounds app` on 127.0.0.1: opens the launch
address (the session cookie), reads the CSRF token, signs STAFF in with
PIN, then times RUNS of GET /api/now and RUNS of POST /api/record of a
scan (a typed tag: one durable commit each). Prints one JSON line with
the medians and maxima in ms (time from the request's first byte to the
answer's last)."""
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def main():
    url, runs, staff, pin = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        sys.argv[4]
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    origin = f"http://{u.hostname}:{u.port}"

    def req(method, path, body=None, headers=None):
        h = dict(headers or {})
        if cookie:
            h["Cookie"] = cookie
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h.update({"Content-Type": "application/json", "Origin": origin,
                      "X-Rounds-CSRF": csrf})
        t = time.perf_counter()
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        payload = r.read()
        return r, payload, (time.perf_counter() - t) * 1000

    cookie = csrf = ""
    r, _, _ = req("GET", f"{u.path}?{u.query}")
    cookie = r.getheader("Set-Cookie", "").split(";")[0]
    r, p, _ = req("GET", "/api/session")
    csrf = json.loads(p)["csrf"]
    r, p, _ = req("POST", "/api/signin", {"staff": staff, "pin": pin})
    if r.status != 200:
        sys.exit(f"bench_app_api: signin: {r.status} {p[:200]!r}")
    now, scan = [], []
    size = 0
    for _ in range(runs):
        r, p, ms = req("GET", "/api/now")
        if r.status != 200 or not json.loads(p).get("ok"):
            sys.exit(f"bench_app_api: /api/now: {r.status} {p[:200]!r}")
        now.append(ms)
        size = len(p)
    for _ in range(runs):
        r, p, ms = req("POST", "/api/record", {
            "verb": "scan.record", "fields": {"tag": "CP-01", "route": "R1"}})
        if r.status != 200 or not json.loads(p).get("ok"):
            sys.exit(f"bench_app_api: /api/record: {r.status} {p[:200]!r}")
        scan.append(ms)
    print(json.dumps({
        "runs": runs, "now_ms": round(statistics.median(now), 3),
        "now_max_ms": round(max(now), 3), "now_bytes": size,
        "scan_ms": round(statistics.median(scan), 3),
        "scan_max_ms": round(max(scan), 3)}))


main()
