#!/bin/sh
# test_roundsd_cli.sh ROUNDSD: the roundsd admin commands and their exit
# codes (0 ok, 1 failure, 2 usage, 3 not found, 4 refused/exists).
set -u
R="$1"
T=$(mktemp -d "${TMPDIR:-/tmp}/rounds-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

# expect CODE CMD...: runs CMD, checks its exit code.
expect() {
    want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: '$*' exited $got, wanted $want" >&2
        sed 's/^/  | /' "$T/out" "$T/err" >&2
        fails=$((fails + 1))
    fi
}
# contains FILE TEXT
contains() {
    if ! grep -q -- "$2" "$1"; then
        echo "FAIL: $1 lacks '$2'" >&2
        sed 's/^/  | /' "$1" >&2
        fails=$((fails + 1))
    fi
}

D="$T/data"
expect 0 "$R" --help
contains "$T/out" "serve"
for c in init enroll revoke devices dump serve; do
    expect 0 "$R" $c --help
    contains "$T/out" "--data DIR"
done
expect 2 "$R"
expect 2 "$R" frobnicate
expect 2 "$R" devices --frob
contains "$T/err" "unknown flag --frob"
expect 3 "$R" devices --data "$D"
contains "$T/err" "roundsd init"

expect 0 "$R" init --data "$D"
[ "$(stat -c %a "$D/server.key")" = 600 ] || {
    echo "FAIL: server.key mode $(stat -c %a "$D/server.key")" >&2
    fails=$((fails + 1))
}
expect 4 "$R" init --data "$D"
contains "$T/err" "already initialised"

expect 0 "$R" enroll --data "$D" --site north --device gate1
grep -Eq '^rdc1-[0-9a-f]{32}$' "$T/out" || {
    echo "FAIL: credential format: $(cat "$T/out")" >&2
    fails=$((fails + 1))
}
expect 4 "$R" enroll --data "$D" --site north --device gate1
contains "$T/err" "already enrolled"
expect 2 "$R" enroll --data "$D" --site 'no/rth' --device gate1
contains "$T/err" "--site"
expect 2 "$R" enroll --data "$D" --site north
contains "$T/err" "--device"
expect 2 "$R" enroll --data "$D" --site north --device
contains "$T/err" "needs a value"
ROUNDSD_DATA="$D" expect 0 "$R" enroll --site south --device g9 --json
contains "$T/out" '"site":"south","device":"g9","credential":"rdc1-'
contains "$T/out" '"cert":"/'

expect 3 "$R" revoke --data "$D" --site north --device nobody
expect 0 "$R" revoke --data "$D" --site north --device gate1
contains "$T/out" "revoked north/gate1"
expect 0 "$R" revoke --data "$D" --site north --device gate1
contains "$T/out" "already revoked"
expect 0 "$R" enroll --data "$D" --site north --device gate1

expect 0 "$R" devices --data "$D"
contains "$T/out" "north  *gate1"
contains "$T/out" "south  *g9"
expect 0 "$R" devices --data "$D" --site south --json
contains "$T/out" '"device":"g9"'
if grep -q gate1 "$T/out"; then
    echo "FAIL: devices --site south lists north" >&2
    fails=$((fails + 1))
fi

# An enrolled site has a store holding one office op: the key for
# personal data (server/pii.h), one active pii_key entity.
expect 0 "$R" dump --data "$D" --site north --ops
contains "$T/out" "^ops 1$"
contains "$T/out" "^digest [0-9a-f]\{64\}$"
expect 0 "$R" dump --data "$D" --site north --json
contains "$T/out" '"entities":\[{"id":"000000000000[0-9a-f]*","kind":"pii_key","status":"active"'
contains "$T/out" '"count":1,'
expect 3 "$R" dump --data "$D" --site nowhere
expect 2 "$R" dump --data "$D"

expect 2 "$R" serve --data "$D" --max-frame 10
contains "$T/err" "--max-frame"
expect 2 "$R" serve --data "$D" --listen localhost
expect 3 "$R" serve --data "$T/none" --listen 127.0.0.1:0

# init with a certificate of one's own: a matching EC pair is taken, an
# RSA key is refused.
if command -v openssl >/dev/null 2>&1; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$T/ec.key" 2>/dev/null
    openssl req -new -x509 -key "$T/ec.key" -subj /CN=roundsd -days 30 \
        -out "$T/ec.crt" 2>/dev/null
    expect 0 "$R" init --data "$T/own" --cert "$T/ec.crt" --key "$T/ec.key"
    cmp -s "$T/ec.crt" "$T/own/server.crt" || {
        echo "FAIL: imported certificate differs" >&2
        fails=$((fails + 1))
    }
    openssl genrsa -out "$T/rsa.key" 2048 2>/dev/null
    openssl req -new -x509 -key "$T/rsa.key" -subj /CN=roundsd -days 30 \
        -out "$T/rsa.crt" 2>/dev/null
    expect 1 "$R" init --data "$T/rsa" --cert "$T/rsa.crt" --key "$T/rsa.key"
    contains "$T/err" "not an EC key"
    expect 1 "$R" init --data "$T/mix" --cert "$T/ec.crt" --key "$T/rsa.key"
    expect 2 "$R" init --data "$T/half" --cert "$T/ec.crt"
fi

# ---- office commands: master data, listings, conflicts ---------------------
for c in list conflicts resolve; do
    expect 0 "$R" $c --help
    contains "$T/out" "--data DIR"
done
for k in site unit route checkpoint staff plate blacklist; do
    for v in add set retire; do
        expect 0 "$R" $k $v --help
        contains "$T/out" "--site NAME"
    done
done
contains "$T/out" "--person NAME"
expect 2 "$R" unit
contains "$T/err" "give add, set or retire"
expect 2 "$R" unit frob --site north
expect 3 "$R" unit add --data "$T/none" --site north --unit 1-1-101
contains "$T/err" "roundsd init"
expect 0 "$R" unit add --data "$D" --site north --unit 1-1-101 --vacant true
contains "$T/out" "unit 1-1-101 created (id 000000000000"
expect 4 "$R" unit add --data "$D" --site north --unit 1-1-101
contains "$T/err" "already exists"
expect 2 "$R" unit add --data "$D" --unit 1-1-102
contains "$T/err" "--site"
expect 2 "$R" unit add --data "$D" --site north --unit 1-1-102 --vacant maybe
contains "$T/err" "--vacant maybe"
expect 2 "$R" unit add --data "$D" --site north --unit 1-1-102 --frob 1
contains "$T/err" "unknown flag --frob"
expect 2 "$R" unit add --data "$D" --site north 1-1-102
contains "$T/err" "unexpected argument"
expect 3 "$R" unit set --data "$D" --site north --unit 9-9-9 --vacant false
expect 0 "$R" unit set --data "$D" --site north --unit 1-1-101 --resident Li
contains "$T/out" "updated"
expect 0 "$R" unit retire --data "$D" --site north --unit 1-1-101 --json
contains "$T/out" '"action":"retire"'
expect 4 "$R" unit retire --data "$D" --site north --unit 1-1-101
contains "$T/err" "already retired"
expect 0 "$R" route add --data "$D" --site north --route R1 --name Loop \
    --interval-min 120 --checkpoints CP-01,CP-02
contains "$T/err" "warning: checkpoint CP-01 is not defined"
expect 2 "$R" route add --data "$D" --site north --route R2 --name Loop \
    --interval-min 120
contains "$T/err" "--checkpoints"
expect 0 "$R" staff add --data "$D" --site north --staff T-01 --name Zhang \
    --role technician
expect 2 "$R" blacklist add --data "$D" --site north --person X --plate Y \
    --reason r
contains "$T/err" "cannot go together"
expect 0 "$R" blacklist add --data "$D" --site north --person "Qian Bao" \
    --id-no 110101199001011234 --reason theft --json
contains "$T/out" '"key":"person:110101199001011234"'
expect 0 "$R" list blacklist --data "$D" --site north
contains "$T/out" "110\*\**34"
expect 0 "$R" list units --data "$D" --site north --all --json
contains "$T/out" '"status":"retired"'
expect 0 "$R" list vacant --data "$D" --site north
contains "$T/out" "(none)"
expect 0 "$R" list routes --data "$D" --site north --json
contains "$T/out" '"checkpoints":"CP-01,CP-02"'
expect 2 "$R" list frob --data "$D" --site north
expect 2 "$R" list units --data "$D"
expect 3 "$R" list units --data "$D" --site nowhere
expect 0 "$R" unit add --data "$D" --site fresh --unit 1-1-1
contains "$T/err" "created the store of site fresh"
expect 0 "$R" conflicts --data "$D" --site north
contains "$T/out" "no conflicts"
expect 0 "$R" conflicts --data "$D" --site north --json
contains "$T/out" '^\[\]$'
expect 2 "$R" resolve --data "$D" --site north --field a --value b
expect 2 "$R" resolve --data "$D" --site north 0123 --field a --value b
contains "$T/err" "32 hex digits"
expect 3 "$R" resolve --data "$D" --site north \
    00000000000000000000000000000000 --field a --value b
expect 2 "$R" resolve --data "$D" --site north \
    00000000000000000000000000000000 --value b
contains "$T/err" "--field"
expect 2 "$R" devices --data "$D" --skew-limit-min 0
contains "$T/err" "--skew-limit-min"
expect 0 "$R" devices --data "$D"
contains "$T/out" "CLOCK"
expect 0 "$R" devices --data "$D" --json
contains "$T/out" '"clock_flag":"unknown"'

# The dashboard's accounts: the password only on standard input, the
# grants checked and named, exit codes, JSON, and no hash in any output.
expect 0 "$R" user --help
contains "$T/out" "password-stdin"
expect 2 "$R" user --data "$D"
expect 2 "$R" user shwo --data "$D"
contains "$T/err" "did you mean 'show'"
echo "a long enough password" >"$T/pw"
expect 2 "$R" user add ann --data "$D" --password-stdin <"$T/pw"
contains "$T/err" "--grant"
expect 2 "$R" user add ann --grant north=boss --data "$D" \
    --password-stdin <"$T/pw"
contains "$T/err" "field 'grant'"
echo short >"$T/short"
expect 2 "$R" user add ann --grant north=clerk --data "$D" \
    --password-stdin <"$T/short"
contains "$T/err" "field 'password'"
expect 2 "$R" user add Ann --grant north=clerk --data "$D" \
    --password-stdin <"$T/pw"
contains "$T/err" "field 'name'"
expect 0 "$R" user add ann --grant 'north=clerk,*=manager' --data "$D" \
    --password-stdin <"$T/pw"
expect 4 "$R" user add ann --grant north=clerk --data "$D" \
    --password-stdin <"$T/pw"
expect 0 "$R" user list --data "$D" --json
contains "$T/out" '"grants":\[{"site":"north","role":"clerk"},{"site":"\*","role":"manager"}\]'
if grep -q argon2 "$T/out"; then
    echo "FAIL: user list shows a password hash" >&2
    fails=$((fails + 1))
fi
expect 0 "$R" user disable ann --data "$D"
expect 0 "$R" user show ann --data "$D" --json
contains "$T/out" '"disabled":true'
expect 0 "$R" user grant ann --grant south=admin --data "$D"
expect 0 "$R" user list --data "$D"
contains "$T/out" "south=admin"
expect 3 "$R" user passwd nobody --data "$D" --password-stdin <"$T/pw"
expect 3 "$R" user show nobody --data "$D"

if [ $fails -ne 0 ]; then
    echo "$fails failure(s)" >&2
    exit 1
fi
echo "test_roundsd_cli: ok"
