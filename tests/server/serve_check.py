#!/usr/bin/env python3
"""serve_check.py: drives a real `roundsd serve` over TLS from Python.

Usage: serve_check.py ROUNDSD [WORKDIR]   (default: a temporary directory,
removed after a successful run)

Starts roundsd on an ephemeral port and checks, over real TLS 1.2:
the cipher (ECDHE-ECDSA-CHACHA20-POLY1305) and session resumption; HELLO
refusals (EAUTH, also for an unknown device, logged with the peer);
ETOOBIG on an over-long frame header; a full session (PUSH pipelined under the window, PULL paging, BYE); that a
reader who stops reading leaves the server's memory bounded and then
gets every op; idle and handshake timeouts; EBUSY over --max-conns; and a
clean exit 0 on SIGTERM. Ops are encoded here by hand (proto.h's format),
so this also checks that the server accepts an independent encoder.
Exit 0 on success, 77 (skip) without python's ssl module.
"""
import hashlib
import os
import atexit
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

try:
    import ssl
except ImportError:
    sys.exit(77)

ROUNDSD = sys.argv[1]
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(
    prefix="rounds-serve-check-")
DATA = os.path.join(WORK, "data")


# ---- MessagePack, the subset the protocol uses ----

def p_uint(v):
    if v < 0x80:
        return bytes([v])
    if v < 0x100:
        return b"\xcc" + struct.pack(">B", v)
    if v < 0x10000:
        return b"\xcd" + struct.pack(">H", v)
    if v < 0x100000000:
        return b"\xce" + struct.pack(">I", v)
    return b"\xcf" + struct.pack(">Q", v)


def p_int(v):
    return p_uint(v) if v >= 0 else b"\xd3" + struct.pack(">q", v)


def p_str(s):
    b = s.encode() if isinstance(s, str) else s
    n = len(b)
    if n < 32:
        return bytes([0xa0 | n]) + b
    if n < 0x100:
        return b"\xd9" + bytes([n]) + b
    if n < 0x10000:
        return b"\xda" + struct.pack(">H", n) + b
    return b"\xdb" + struct.pack(">I", n) + b


def p_bin(b):
    n = len(b)
    if n < 0x100:
        return b"\xc4" + bytes([n]) + b
    if n < 0x10000:
        return b"\xc5" + struct.pack(">H", n) + b
    return b"\xc6" + struct.pack(">I", n) + b


def p_array(n):
    if n < 16:
        return bytes([0x90 | n])
    if n < 0x10000:
        return b"\xdc" + struct.pack(">H", n)
    return b"\xdd" + struct.pack(">I", n)


def p_map(n):
    return bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n)


def unpack(b, i=0):
    t = b[i]
    if t < 0x80:
        return t, i + 1
    if 0x90 <= t <= 0x9f:
        n, i = t & 15, i + 1
        return unpack_items(b, i, n)
    if 0xa0 <= t <= 0xbf:
        n = t & 31
        return b[i + 1:i + 1 + n].decode(), i + 1 + n
    if t == 0xc0:
        return None, i + 1
    if t in (0xc2, 0xc3):
        return t == 0xc3, i + 1
    fixed = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q",
             0xd0: ">b", 0xd1: ">h", 0xd2: ">i", 0xd3: ">q"}
    if t in fixed:
        f = fixed[t]
        sz = struct.calcsize(f)
        return struct.unpack(f, b[i + 1:i + 1 + sz])[0], i + 1 + sz
    lens = {0xc4: ">B", 0xc5: ">H", 0xc6: ">I", 0xd9: ">B", 0xda: ">H",
            0xdb: ">I"}
    if t in lens:
        f = lens[t]
        sz = struct.calcsize(f)
        n = struct.unpack(f, b[i + 1:i + 1 + sz])[0]
        v = b[i + 1 + sz:i + 1 + sz + n]
        return (v if t < 0xd0 else v.decode()), i + 1 + sz + n
    if t == 0xdc:
        n = struct.unpack(">H", b[i + 1:i + 3])[0]
        return unpack_items(b, i + 3, n)
    if t == 0xdd:
        n = struct.unpack(">I", b[i + 1:i + 5])[0]
        return unpack_items(b, i + 5, n)
    raise ValueError("unexpected msgpack byte 0x%02x" % t)


def unpack_items(b, i, n):
    out = []
    for _ in range(n):
        v, i = unpack(b, i)
        out.append(v)
    return out, i


def frame(body):
    return struct.pack(">I", len(body)) + body


HELLO, WELCOME, PUSH, PUSH_ACK, PULL, OPS, BYE, ERROR = range(1, 9)


def hello(dev_id, site, name, cred, version=1):
    return frame(p_array(6) + p_uint(HELLO) + p_uint(version) +
                 p_uint(dev_id) + p_str(site) + p_str(name) + p_str(cred))


def push(batch, ops):
    body = p_array(3) + p_uint(PUSH) + p_uint(batch) + p_array(len(ops))
    return frame(body + b"".join(p_bin(o) for o in ops))


def pull(cursor):
    return frame(p_array(2) + p_uint(PULL) + p_uint(cursor))


def bye():
    return frame(p_array(3) + p_uint(BYE) + p_uint(0) + p_uint(0))


class Device:
    """A writer of chained dutylog ops, encoded like proto_op_encode."""

    def __init__(self, dev_id):
        self.id, self.seq, self.prev = dev_id, 0, bytes(32)
        self.ops = []

    def add(self, text):
        self.seq += 1
        wall = 1700000000000 + self.seq
        entity = struct.pack(">Q", wall)[2:] + os.urandom(10)
        fields = p_map(2) + p_str("by") + p_str("py") + p_str("text") + \
            p_str(text)
        op = (p_array(10) + p_uint(1) + p_uint(self.id) + p_uint(self.seq) +
              p_uint(wall << 16) + p_int(wall) + p_uint(7) + p_bin(entity) +
              p_uint(1) + fields + p_bin(self.prev))
        self.prev = hashlib.sha256(op).digest()
        self.ops.append(op)


# ---- connections ----

def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(os.path.join(DATA, "server.crt"))
    ctx.check_hostname = True
    return ctx


CTX = None


class Conn:
    def __init__(self, port, session=None):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.s = CTX.wrap_socket(raw, server_hostname="roundsd",
                                 session=session)
        self.buf = b""

    def send(self, b):
        self.s.sendall(b)

    def recv(self):
        """One decoded message, or None at EOF."""
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    body, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return unpack(body)[0]
            try:
                chunk = self.s.recv(65536)
            except (ConnectionResetError, ssl.SSLEOFError):
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk

    def expect(self, typ):
        m = self.recv()
        if m is None or m[0] != typ:
            fail("expected type %d, got %r" % (typ, m if m is None or
                                                m[0] == ERROR else m[0]))
        return m

    def expect_error(self, name):
        m = self.recv()
        if m is None or m[0] != ERROR or m[1] != name:
            fail("expected ERROR %s, got %r" % (name, m))
        if self.recv() is not None:
            fail("the server did not close after ERROR %s" % name)
        return m

    def close(self):
        self.s.close()


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(*args):
    p = subprocess.run([ROUNDSD] + list(args), capture_output=True,
                       text=True)
    return p.returncode, p.stdout, p.stderr


STARTED = []


@atexit.register
def kill_leftovers():
    """A failed check must not leave a server running."""
    for p in STARTED:
        if p.poll() is None:
            p.kill()
            p.wait()


def start(*extra):
    p = subprocess.Popen([ROUNDSD, "serve", "--data", DATA, "--listen",
                          "127.0.0.1:0"] + list(extra),
                         stderr=subprocess.PIPE, text=True)
    STARTED.append(p)
    line = p.stderr.readline()
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        fail("no listening line: %r" % line)
    return p, int(m.group(1))


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        rest = p.stderr.read()
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("roundsd did not stop on SIGTERM")
    if rc != 0:
        fail("roundsd exited %d after SIGTERM:\n%s" % (rc, rest))
    if "info: stopped" not in rest:
        fail("no 'stopped' line:\n" + rest)
    return rest


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def main():
    global CTX
    rc, _, err = run("init", "--data", DATA)
    if rc != 0:
        fail("init: " + err)
    creds = {}
    for name in ("a", "b"):
        rc, out, err = run("enroll", "--data", DATA, "--site", "north",
                           "--device", name)
        if rc != 0:
            fail("enroll: " + err)
        creds[name] = out.strip()
    CTX = tls_context()

    srv, port = start("--max-frame", "200000")

    # TLS: version, cipher, resumption.
    c = Conn(port)
    if c.s.version() != "TLSv1.2" or \
            c.s.cipher()[0] != "ECDHE-ECDSA-CHACHA20-POLY1305":
        fail("negotiated %s %s" % (c.s.version(), c.s.cipher()))
    c.send(hello(7, "north", "a", "rdc1-wrong"))
    c.expect_error("EAUTH")
    sess = c.s.session
    c.close()
    c = Conn(port, session=sess)
    if not c.s.session_reused:
        fail("TLS session not resumed")
    c.send(hello(7, "north", "zz", creds["a"]))
    c.expect_error("EAUTH")  # an unknown device: the wrong-credential answer
    c.close()

    # A frame announced over max_frame: refused on its header.
    c = Conn(port)
    c.send(struct.pack(">I", 200001))
    c.expect_error("ETOOBIG")
    c.close()

    # Device a pushes 3000 ops of ~4 KB in pipelined batches.
    a, b = Device(0xA1), Device(0xB2)
    for i in range(3000):
        a.add("x" * 4000)
    for i in range(5):
        b.add("b%d" % i)
    c = Conn(port)
    c.send(hello(a.id, "north", "a", creds["a"]))
    w = c.expect(WELCOME)
    have, max_frame, window = w[2], w[4], w[5]
    if have != 0 or max_frame != 200000 or window < 1:
        fail("WELCOME %r" % w)
    batches, cur = [], []
    for op in a.ops:
        if sum(len(o) + 5 for o in cur) + len(op) + 64 > max_frame:
            batches.append(cur)
            cur = []
        cur.append(op)
    batches.append(cur)
    sent = acked = 0
    last = 0
    while acked < len(batches):
        while sent < len(batches) and sent - acked < window:
            c.send(push(sent + 1, batches[sent]))
            sent += 1
        m = c.expect(PUSH_ACK)
        acked += 1
        if m[1] != acked:
            fail("ack for batch %d, wanted %d" % (m[1], acked))
        last = m[2]
    if last != 3000:
        fail("acked_seq %d" % last)
    c.send(bye())
    m = c.expect(BYE)
    if m[1] != 3000:
        fail("BYE %r" % m)
    c.close()

    # Device b pulls but does not read for a while: the server stops
    # producing at its high-water mark, its memory stays bounded.
    c = Conn(port)
    c.send(hello(b.id, "north", "b", creds["b"]))
    c.expect(WELCOME)
    c.send(push(1, b.ops))
    c.expect(PUSH_ACK)
    before = rss_kb(srv.pid)
    c.send(pull(0))
    time.sleep(1.0)
    grown = rss_kb(srv.pid) - before
    print("anon memory growth while not reading: %d KiB" % grown)
    if grown > 4 * 1024:
        fail("server grew %d KiB for a reader that does not read" % grown)
    got, frames, office = 0, 0, 0
    while True:
        m = c.expect(OPS)
        frames += 1
        for op in m[1]:
            # The office's own ops (its key for personal data, published
            # at enrollment) come first: compare a's ops only.
            if unpack(op, unpack(op, 1)[1])[0] != a.id:
                office += 1
                continue
            if op != a.ops[got]:
                fail("op %d differs" % got)
            got += 1
        if not m[3]:
            break
    if got != 3000 or frames < 50:
        fail("pulled %d ops in %d frames" % (got, frames))
    c.send(bye())
    m = c.expect(BYE)
    if m[1:] != [5, 3000 + office]:
        fail("BYE %r" % m)
    if c.recv() is not None:
        fail("no close after BYE")
    c.close()

    # A chain gap: ECHAIN.
    b2 = Device(b.id)
    for i in range(8):
        b2.add("b%d" % i)
    c = Conn(port)
    c.send(hello(b.id, "north", "b", creds["b"]))
    c.expect(WELCOME)
    c.send(push(1, b2.ops[6:]))
    c.expect_error("ECHAIN")
    c.close()
    log = stop(srv)
    for want in ("result=EAUTH", "device=zz id=0000000000000007",
                 "result=EAUTH peer=127.0.0.1:", "in=3000 out=0",
                 "in=5 out=%d " % (3000 + office), "result=ECHAIN"):
        if want not in log:
            fail("log lacks %r:\n%s" % (want, log))

    # Timeouts and the connection limit.
    srv, port = start("--idle-timeout", "1", "--handshake-timeout", "1",
                         "--max-conns", "2")
    t0 = time.time()
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    if raw.recv(100) != b"" or time.time() - t0 > 5:
        fail("handshake timeout")
    raw.close()
    c = Conn(port)
    t0 = time.time()
    c.expect_error("ETIMEOUT")
    if time.time() - t0 > 5:
        fail("idle timeout took %.1f s" % (time.time() - t0))
    c.close()
    # max_conns counts authenticated sessions: the third HELLO that
    # passes every check gets EBUSY.
    c1, c2 = Conn(port), Conn(port)
    c1.send(hello(a.id, "north", "a", creds["a"]))
    c1.expect(WELCOME)
    c2.send(hello(b.id, "north", "b", creds["b"]))
    c2.expect(WELCOME)
    c3 = Conn(port)
    c3.send(hello(a.id, "north", "a", creds["a"]))
    c3.expect_error("EBUSY")
    c3.close()
    c1.close()
    c2.close()
    # A slot is free again once the server has seen the closes: retry
    # (bounded) while it still answers EBUSY.
    for attempt in range(250):
        c = Conn(port)
        c.send(hello(b.id, "north", "b", creds["b"]))
        m = c.recv()
        if m is not None and m[0] == WELCOME:
            break
        if m is None or m[0] != ERROR or m[1] != "EBUSY" or attempt == 249:
            fail("no free slot after the closes: %r" % (m,))
        c.close()
        time.sleep(0.02)
    # SIGTERM with a session open: it is told, the server exits 0.
    srv.send_signal(signal.SIGTERM)
    c.expect_error("ECLOSED")
    c.close()
    stop(srv)

    rc, out, _ = run("devices", "--data", DATA, "--json")
    if rc != 0 or '"held_seq":3000' not in out or '"held_seq":5' not in out:
        fail("devices: " + out)
    print("serve_check: ok")
    if len(sys.argv) <= 2:
        shutil.rmtree(WORK)


if __name__ == "__main__":
    main()
