# python.sh: sourced by the shell tests that call python3 (lib.sh does it
# for every end-to-end test). Where python3 on PATH is a version manager's
# shim (pyenv's is a bash script that runs `pyenv exec`), each call costs
# about half a second of start-up, ten times the interpreter's own, and
# these tests call it hundreds of times (jget after every command): the
# interpreter is found once here and python3 names it directly from then
# on. The same interpreter runs; only the shim's detour is gone. -S: the
# snippets here use the standard library only, and site's start-up (the
# site-packages' .pth files it runs) was half of what remained of a call.
RND_PYTHON3=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) \
  || RND_PYTHON3=""
if [ -n "$RND_PYTHON3" ] && [ -x "$RND_PYTHON3" ]; then
  python3() { "$RND_PYTHON3" -S "$@"; }
fi
