#!/usr/bin/env bash
# test_cli_fuzz.sh BIN: random and hostile arguments to every command and
# sub-command of both programs (their --json help lists them), from a fixed
# seed ($CLI_FUZZ_SEED, default 14), so a failure replays:
#   - random bytes as bare words, flag values and flag names;
#   - 100 kB values;
#   - invalid values: impossible dates, negative and huge numbers, unknown
#     choices, unknown flags, a missing value.
# Every run must end with a documented exit code (rounds 0..7, roundsd
# 0..5), never a signal (ASan and UBSan abort), never 0 for input that is
# invalid by construction; with --json, stdout must be one strict JSON
# value (an error is an object). Each process has 10 s. No server runs;
# the data directories are initialised so commands get past "not found".
set -u
BIN=$1
W=$(mktemp -d "${TMPDIR:-/tmp}/rounds-clifuzz-XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
export ROUNDS_DATA="$W/hh" ROUNDSD_DATA="$W/srv"
"$BIN/handheld/rounds" init --site S1 --name H1 --user g >/dev/null || exit 1
"$BIN/server/roundsd" init >/dev/null || exit 1
# Not exec: the shell must live on for its EXIT trap to remove $W.
python3 - "$BIN" "${CLI_FUZZ_SEED:-14}" <<'PY'
import concurrent.futures, json, os, random, subprocess, sys, time

bin_dir, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
progs = {"rounds": (os.path.join(bin_dir, "handheld/rounds"), 7),
         "roundsd": (os.path.join(bin_dir, "server/roundsd"), 5)}
# Commands that would wait for the network or run a server with input that
# happens to be valid: fuzzed only with input invalid before they start.
blocking = {"serve", "sync", "enroll", "app"}
env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",
           TZ="UTC")
fails, notes, runs = [], [], 0
# Every JSON string goes through rpt_json_str, which writes U+FFFD for
# bytes that are not UTF-8: --json output must be UTF-8, always.
# CLI_FUZZ_STRICT_UTF8=0 only notes such output (to look at a regression).
strict_utf8 = os.environ.get("CLI_FUZZ_STRICT_UTF8", "1") != "0"
start = time.time()


def run(prog, args):
    global runs
    path, _ = progs[prog]
    runs += 1
    try:
        p = subprocess.run([path] + args, capture_output=True, timeout=10,
                           env=env)
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout"
    return p.returncode, p.stdout, p.stderr


def rbytes(n):
    # No NUL (argv cannot hold one); any other byte.
    return bytes(rnd.randrange(1, 256) for _ in range(n)).decode(
        "utf-8", "surrogateescape")


def bad_value(meta):
    m = (meta or "").upper()
    if "TIME" in m or m in ("T", "YYYY-MM-DD"):
        return rnd.choice(["2026-02-30", "2026-02-30T10:00",
                           "2026-02-28T24:00", "2026-13-01", "2026-00-10",
                           "2026-02-28T10:60", "yesterday", "2026-2-3"])
    if m in ("N", "MIN", "SEC", "MS", "BYTES"):
        return rnd.choice(["-5", "abc", "99999999999999999999999", "1e3",
                           "", " 5", "0x10"])
    if m in ("FMT",):
        return rnd.choice(["frob", "JSON", "", "text,csv"])
    if m == "ZONE":
        return rnd.choice(["Mars/Olympus", "+25:00", "../../etc/passwd",
                           "+8", "UTC+8"])
    return None


def check(prog, cmd, args, must_fail, why):
    _, top = progs[prog]
    rc, out, err = run(prog, cmd + args)
    shown = " ".join(a[:40].encode("unicode_escape", "replace").decode()
                     for a in cmd + args)
    if rc is None:
        return [f"{prog} {shown}: timed out ({why})"]
    if rc < 0 or rc > top:
        return [f"{prog} {shown}: exit {rc} ({why}): "
                f"{err[-300:].decode('utf-8', 'replace')}"]
    found = []
    if must_fail and rc == 0:
        found.append(f"{prog} {shown}: exit 0 for invalid input ({why})")
    if "--json" in args and "--help" not in args:
        text = out.decode("utf-8", "surrogateescape").strip()
        try:
            json.loads(text)
            out.decode("utf-8", "strict")
        except UnicodeDecodeError:
            # A value echoed as typed (a path, a name) inside a JSON
            # string: the JSON string writers' to escape (rpt_json_str).
            if strict_utf8:
                found.append(f"{prog} {shown}: --json stdout is not UTF-8 "
                             f"({why}, exit {rc}): {out[:200]!r}")
            else:
                notes.append(f"{prog} {shown}")
        except ValueError as e:
            if rc != 0 or text:
                found.append(f"{prog} {shown}: --json stdout is not JSON "
                             f"({why}, exit {rc}): {out[:200]!r} {e}")
    return found


cases = []
for prog in progs:
    _, out, _ = run(prog, ["--json", "--help"])
    for k, c in enumerate(json.loads(out)["commands"]):
        words = c["command"].split()
        flags = [(f["flag"], f["value"]) for f in c["flags"]]
        names = [f for f, _ in flags]
        js = ["--json"] if prog == "rounds" or "--json" in names else []
        valued = [(f, m) for f, m in flags if m]
        # 1. an unknown flag among random bytes.
        while True:
            junk = "--" + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz-")
                                  for _ in range(rnd.randrange(2, 12)))
            if junk not in names:
                break
        args = [junk, rbytes(rnd.randrange(0, 40))] + js
        rnd.shuffle(args)
        cases.append((prog, words, args, True, "unknown flag"))
        # 2. a bad value of a typed flag, else a value flag left without.
        typed = [(f, m) for f, m in valued if bad_value(m) is not None]
        if typed:
            f, m = rnd.choice(typed)
            cases.append((prog, words, [f, bad_value(m)] + js, True,
                          f"bad value of {f}"))
        elif valued:
            f, _ = rnd.choice(valued)
            cases.append((prog, words, js + [f], True, "missing value"))
        if words[0] in blocking:
            continue
        # 3. random bytes: bare words, or a flag's value.
        if k % 2 == 0 or not valued:
            args = [rbytes(rnd.randrange(1, 60))
                    for _ in range(rnd.randrange(1, 4))] + js
            cases.append((prog, words, args, False, "random words"))
        else:
            f, _ = rnd.choice(valued)
            cases.append((prog, words, [f, rbytes(rnd.randrange(1, 80))] + js,
                          False, f"random value of {f}"))
        # 4. 100 kB: a bare word, or a flag's value.
        if k % 2 == 1 or not valued:
            cases.append((prog, words, [rbytes(100000)] + js, False,
                          "100 kB word"))
        else:
            f, _ = rnd.choice(valued)
            cases.append((prog, words, [f, "x" * 100000] + js, False,
                          f"100 kB value of {f}"))
    for i in range(8):
        cases.append((prog, [rbytes(rnd.randrange(1, 30))], ["--json"], True,
                      "random command"))

# Three at a time: most of a run is starting a sanitized process.
with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
    for found in pool.map(lambda c: check(*c), cases):
        fails.extend(found)

elapsed = time.time() - start
for f in fails:
    print("FAIL", f)
if notes:
    print(f"note: {len(notes)} runs printed a typed value that is not UTF-8 "
          f"inside JSON (CLI_FUZZ_STRICT_UTF8=0 only notes them), e.g. {notes[0]}")
print(f"cli_fuzz: {runs} runs in {elapsed:.1f} s, seed {seed}, "
      f"{len(fails)} failed")
sys.exit(1 if fails else 0)
PY
