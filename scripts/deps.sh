#!/usr/bin/env bash
# Installs the Debian packages Rounds needs to build, test and benchmark,
# only those missing (dpkg-dev and file: scripts/package.sh). Runs apt-get
# as root, or through sudo.
set -euo pipefail
pkgs=(build-essential dpkg-dev file cmake pkg-config clang libclang-rt-14-dev
      libuv1-dev liblmdb-dev libsystemd-dev libmsgpack-dev libmbedtls-dev
      libsqlite3-dev valgrind faketime tzdata)
# Issue 19: roundsd ships to PostgreSQL (libpq); the tests start their own
# cluster with postgresql-15's initdb (tests/integration/pg.sh).
pkgs+=(libpq-dev postgresql-15)
# gettext's msgfmt builds the catalogues (po/); locales gives zh_CN.UTF-8,
# the language the CLIs are tested in (test_i18n).
pkgs+=(gettext locales)
# roundsd tags print: QR codes (libqrencode) on SVG or PDF sheets (cairo);
# test_e2e_tags decodes the printed codes back (zbarimg, pdftoppm).
pkgs+=(libqrencode-dev libcairo2-dev zbar-tools poppler-utils)
# Staff PINs: Argon2id hashes (proto/pin.c).
pkgs+=(libargon2-dev)
# Attachments: test_media has exiftool read its images before and after
# their location is taken out (proto/media.c).
pkgs+=(libimage-exiftool-perl)
# rounds app: the handheld's web app server (app/app_mhd.c); test_app_api
# drives it with curl.
pkgs+=(libmicrohttpd-dev curl)
# test_app_browser: the handheld app in Debian's headless Chromium, with a
# CJK font for the zh-CN screens; node and npm (for puppeteer-core) from
# Debian only when no node is on the PATH already.
pkgs+=(chromium fonts-wqy-microhei
       $(command -v node >/dev/null || echo nodejs npm))
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null
fi
# The zh_CN.UTF-8 locale, generated once (Debian ships locales' data but
# generates only what /etc/locale.gen enables).
if ! locale -a 2>/dev/null | grep -qix 'zh_CN.utf8'; then
  echo "deps: generating the zh_CN.UTF-8 locale" >&2
  $sudo localedef -i zh_CN -f UTF-8 zh_CN.UTF-8
fi
