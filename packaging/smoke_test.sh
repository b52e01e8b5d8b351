#!/bin/sh
# Start the built program on a throwaway data folder and wait until it is ready: offscreen, in
# demo mode, and on an X server (xvfb-run) as on a laptop. The program's own --smoke-test exits
# 0 only when its window got ready (3: not ready within its timeout, 1: an error at startup) and
# writes the result to the --smoke-test-report file too, as a windowed build (no stdout) must.
# tests/test_packaging_smoke.py runs this script on the checkout's app.
set -eu
BIN="${1:-dist/intake-app/intake-app}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

check() {  # check NAME COMMAND...: the exit code, stdout and the report must all say ready
  name="$1"; shift
  report="$TMP/$name.report"
  if ! out="$("$@" --smoke-test-report "$report" 2>&1)"; then
    echo "$out"; cat "$report" 2>/dev/null || true
    echo "smoke test ($name): the app did not get ready"; exit 1
  fi
  echo "$out" | grep -q "smoke-test: ready" || { echo "$out"; echo "smoke test ($name): nothing on stdout"; exit 1; }
  grep -qx "smoke-test: ready" "$report" || { echo "$out"; echo "smoke test ($name): no report"; exit 1; }
}

check first-run env QT_QPA_PLATFORM=offscreen timeout 120 "$BIN" --home "$TMP/data"
check demo env QT_QPA_PLATFORM=offscreen timeout 120 "$BIN" --demo --demo-cases 20
# and on an X server, as on a laptop (the bundled xcb plugin and the libraries it needs)
check x11 env -u QT_QPA_PLATFORM -u WAYLAND_DISPLAY timeout 120 xvfb-run -a "$BIN" --home "$TMP/x11"
echo "smoke test: ok"
