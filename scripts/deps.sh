#!/usr/bin/env bash
# Installs the Debian packages Rounds needs to build, test and benchmark,
# only those missing (dpkg-dev and file: scripts/package.sh). Runs apt-get
# as root, or through sudo.
set -euo pipefail
pkgs=(build-essential dpkg-dev file cmake pkg-config clang libclang-rt-14-dev
      libuv1-dev liblmdb-dev libmsgpack-dev libmbedtls-dev
      libsqlite3-dev valgrind faketime)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
