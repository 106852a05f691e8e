#!/usr/bin/env bash
# test_e2e_notify.sh BIN: roundsd serve under Type=notify. With
# $NOTIFY_SOCKET it sends READY=1 once its port accepts, RELOADING=1 then
# READY=1 around SIGHUP, STOPPING=1 when it drains, each with STATUS=.
# The test plays systemd: a unix datagram socket (python3) reads what
# roundsd sends; at READY=1 it connects to the port at once.
BIN=$1
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

server_init
out=$(python3 - "$ROUNDSD" "$SRV" "$WORK" <<'PY'
import os, re, signal, socket, subprocess, sys, time
roundsd, data, work = sys.argv[1:4]
path = os.path.join(work, "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(10)
log = open(os.path.join(work, "notify.log"), "w")
env = dict(os.environ, NOTIFY_SOCKET=path)
p = subprocess.Popen([roundsd, "serve", "--data", data,
                      "--listen", "127.0.0.1:0"], env=env, stderr=log)
def finish():
    if p.poll() is None:
        p.kill()
        p.wait()
def msg():
    try:
        m = s.recv(4096).decode()
    except socket.timeout:
        print("timeout")
        finish()
        sys.exit(0)
    print("got " + m.replace("\n", " "))
    return dict(l.split("=", 1) for l in m.split("\n") if "=" in l)
def port():
    t = open(os.path.join(work, "notify.log")).read()
    return int(re.findall(r"listening on [0-9.]+:([0-9]+)", t)[-1])
m = msg()
if m.get("READY") == "1":
    # READY=1 means the port accepts now, not soon.
    c = socket.create_connection(("127.0.0.1", port()), timeout=5)
    c.close()
    print("ready-accepts")
if "serving" in m.get("STATUS", ""):
    print("status")
p.send_signal(signal.SIGHUP)
m = msg()
if m.get("RELOADING") == "1":
    print("reloading")
m = msg()
if m.get("READY") == "1":
    print("ready-again")
p.send_signal(signal.SIGTERM)
m = msg()
if m.get("STOPPING") == "1":
    print("stopping")
print("exit=%d" % p.wait(timeout=30))
PY
)
echo "$out"
for w in ready-accepts status reloading ready-again stopping exit=0; do
  case "$out" in *"$w"*) pass ;; *) fail "no $w in what roundsd sent" ;; esac
done
finish
