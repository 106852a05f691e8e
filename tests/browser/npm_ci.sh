# npm_ci.sh: sourced by the browser tests (test_app_browser.sh,
# dash_browser.sh). browser_npm_ci OUT: installs puppeteer-core exactly as
# package-lock.json pins it into OUT/node (the build folder), once per lock
# file: both tests share that one install. Needs fail() from lib.sh.
browser_npm_ci() {
  local out=$1 here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  mkdir -p "$out/node"
  cp "$here/package.json" "$here/package-lock.json" "$out/node/"
  local want
  want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$out/node/node_modules/.lock-hash" 2>/dev/null)" != "$want" ]
  then
    (cd "$out/node" && npm ci --no-audit --no-fund --loglevel=error) ||
      return 1
    echo "$want" >"$out/node/node_modules/.lock-hash"
  fi
}
