#!/usr/bin/env bash
# package.sh [OUTDIR]: the Debian packages of Rounds. Installs what is
# missing (scripts/deps.sh), builds a plain Release tree (no tests, no
# sanitizer, no test clock, prefix /usr) in OUTDIR (default build-pkg/),
# runs cpack (cmake/Packaging.cmake) and prints the paths of the .deb files,
# one a line. Then, as root:
#   apt install ./build-pkg/rounds-server_*.deb ./build-pkg/rounds-handheld_*.deb
# With lintian installed, ROUNDS_LINTIAN=1 checks them too.
# ROUNDS_SKIP_DEPS=1 leaves out scripts/deps.sh (the tests set it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-pkg}
[ "${ROUNDS_SKIP_DEPS:-0}" = 1 ] || "$top/scripts/deps.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Debian's compiler and linker flags for packages (hardening: fortify,
# stack protector, relro, bindnow), as dpkg-buildpackage would set them;
# cmake reads CFLAGS and LDFLAGS when it configures a new tree.
cd "$top"
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)"
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CFLAGS LDFLAGS
cmake -S "$top" -B "$out" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF -DROUNDS_BENCH=OFF \
  -DROUNDS_SANITIZE=OFF -DROUNDS_TSAN=OFF -DROUNDS_FUZZ=OFF \
  -DROUNDS_TEST_CLOCK=OFF >"$out/configure.log" 2>&1 ||
  { cat "$out/configure.log" >&2; exit 1; }
if ! cmake --build "$out" -j "$(nproc)" >"$out/build.log" 2>&1; then
  grep -E -A5 "error" "$out/build.log" | head -40 >&2
  echo "package.sh: the build failed ($out/build.log)" >&2
  exit 1
fi
rm -f "$out"/*.deb
# cpack packs as the files are staged: a umask of 022 gives 0644 and 0755.
if ! (cd "$out" && umask 022 && cpack -G DEB >"$out/cpack.log" 2>&1); then
  cat "$out/cpack.log" >&2
  echo "package.sh: cpack failed" >&2
  exit 1
fi
debs=("$out"/*.deb)
[ -e "${debs[0]}" ] || { echo "package.sh: no .deb made" >&2; exit 1; }
if [ "${ROUNDS_LINTIAN:-0}" = 1 ]; then
  lintian --info "${debs[@]}" >&2 || true
fi
printf '%s\n' "${debs[@]}"
