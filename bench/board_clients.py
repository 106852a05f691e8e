#!/usr/bin/env python3
"""board_clients.py: N open shift-change boards, as browsers would hold
them, for bench/bench_boards.sh.

Logs in once to roundsd's dashboard (POST /api/login), then opens N event
streams (GET /api/events?site=S) on N threads; each stream, on every
`event: sync`, fetches GET /api/board?site=S the way the page does. Runs
until standard input closes (or --seconds pass), then prints one JSON
object: streams opened, events seen, boards fetched, board fetch latency
median and p95 (ms, client side) and the server's own "server_ms" median.

  board_clients.py --url https://127.0.0.1:PORT --cacert CRT --site S \\
      --user NAME --password-file F [--boards 100] [--seconds N]

Prints "ready N" on standard error once all N streams are open.
"""
import argparse
import http.client
import json
import ssl
import statistics
import sys
import threading
import time
import urllib.parse


def connect(host, port, ctx):
    return http.client.HTTPSConnection(host, port, context=ctx, timeout=120)


def login(host, port, ctx, user, password):
    c = connect(host, port, ctx)
    body = json.dumps({"name": user, "password": password})
    c.request("POST", "/api/login", body=body,
              headers={"Content-Type": "application/json",
                       "Origin": "https://%s:%d" % (host, port)})
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit("board_clients: login failed: %d %s" % (r.status, data[:200]))
    cookie = None
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            cookie = v.split(";", 1)[0]
    c.close()
    if not cookie:
        sys.exit("board_clients: login set no cookie")
    return cookie


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.opened = 0
        self.events = 0
        self.boards = 0
        self.errors = 0
        self.why = {}  # error: how many
        self.retries = 0
        self.inflight = 0  # board fetches under way
        self.lat_ms = []
        self.server_ms = []


def board(host, port, ctx, cookie, site, st, keep):
    # One kept-alive connection per board for its fetches, as a browser
    # keeps one to the origin (a new TLS handshake per fetch is not what a
    # page costs); opened again when the server has closed it.
    t0 = time.monotonic()
    for attempt in (0, 1):
        if keep[0] is None:
            keep[0] = connect(host, port, ctx)
        c = keep[0]
        try:
            c.request("GET", "/api/board?site=" + urllib.parse.quote(site),
                      headers={"Cookie": cookie})
            r = c.getresponse()
            data = r.read()
            break
        except (OSError, http.client.HTTPException):
            c.close()
            keep[0] = None
            if attempt:
                raise
    ms = (time.monotonic() - t0) * 1000
    with st.lock:
        if r.status != 200:
            st.errors += 1
            why = "HTTP %d %s" % (r.status, data[:80].decode("utf-8", "replace"))
            st.why[why] = st.why.get(why, 0) + 1
            return
        st.boards += 1
        st.lat_ms.append(ms)
        try:
            st.server_ms.append(float(json.loads(data)["server_ms"]))
        except (ValueError, KeyError, TypeError):
            pass


def stream(host, port, ctx, cookie, site, st, ready, stop):
    # As EventSource does, a stream that cannot open tries again (its
    # "retry" is 3 s; here 0.2 s, at most 20 times), counted apart.
    for attempt in range(20):
        try:
            c = connect(host, port, ctx)
            c.request("GET", "/api/events?site=" + urllib.parse.quote(site),
                      headers={"Cookie": cookie,
                               "Accept": "text/event-stream"})
            r = c.getresponse()
            if r.status != 200:
                raise OSError("events: HTTP %d" % r.status)
            break
        except (OSError, http.client.HTTPException) as e:
            with st.lock:
                st.retries += 1
            last = e
            time.sleep(0.2)
    else:
        with st.lock:
            st.errors += 1
        print("board_clients: %s" % last, file=sys.stderr)
        ready.release()
        return
    with st.lock:
        st.opened += 1
    ready.release()
    keep = [None]
    while not stop.is_set():
        line = r.fp.readline()
        if not line:
            break
        if line.startswith(b"event: sync"):
            with st.lock:
                st.events += 1
                st.inflight += 1
            try:
                board(host, port, ctx, cookie, site, st, keep)
            except (OSError, http.client.HTTPException) as e:
                with st.lock:
                    st.errors += 1
                    st.why[repr(e)] = st.why.get(repr(e), 0) + 1
            finally:
                with st.lock:
                    st.inflight -= 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--cacert", required=True)
    ap.add_argument("--site", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--boards", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=0)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    ctx = ssl.create_default_context(cafile=a.cacert)
    ctx.check_hostname = False  # the test certificate names no host
    with open(a.password_file) as f:
        password = f.readline().rstrip("\n")
    cookie = login(u.hostname, u.port, ctx, a.user, password)
    st, stop = Stats(), threading.Event()
    ready = threading.Semaphore(0)
    for _ in range(a.boards):
        threading.Thread(target=stream, daemon=True,
                         args=(u.hostname, u.port, ctx, cookie, a.site, st,
                               ready, stop)).start()
    for _ in range(a.boards):
        ready.acquire()
    print("ready %d" % st.opened, file=sys.stderr, flush=True)
    if a.seconds > 0:
        time.sleep(a.seconds)
    else:
        sys.stdin.read()
    stop.set()
    # The fetches under way finish (and are counted) before the figures
    # are printed: a board closed mid-fetch would leave the server working
    # into the next round.
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120:
        with st.lock:
            if st.inflight == 0:
                break
        time.sleep(0.05)
    drain_ms = (time.monotonic() - t0) * 1000
    with st.lock:
        lat = sorted(st.lat_ms)
        out = {"boards": a.boards, "opened": st.opened, "events": st.events,
               "board_fetches": st.boards, "errors": st.errors,
               "stream_retries": st.retries, "error_kinds": st.why,
               "drain_ms": round(drain_ms, 1),
               "fetch_ms_median": round(statistics.median(lat), 2)
               if lat else None,
               "fetch_ms_p95": round(lat[int(len(lat) * 0.95) - 1], 2)
               if len(lat) >= 20 else None,
               "server_ms_median": round(statistics.median(st.server_ms), 2)
               if st.server_ms else None}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
