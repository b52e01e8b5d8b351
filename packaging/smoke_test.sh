#!/bin/sh
# Start the built program offscreen on a throwaway data folder and wait until it is ready.
set -eu
BIN="${1:-dist/intake-app/intake-app}"
HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR"' EXIT
out="$(QT_QPA_PLATFORM=offscreen timeout 120 "$BIN" --home "$HOME_DIR/data" --smoke-test 2>&1)" || { echo "$out"; exit 1; }
echo "$out" | grep -q "smoke-test: ready" || { echo "$out"; echo "smoke test: the app did not get ready"; exit 1; }
out="$(QT_QPA_PLATFORM=offscreen timeout 120 "$BIN" --demo --demo-cases 20 --smoke-test 2>&1)" || { echo "$out"; exit 1; }
echo "$out" | grep -q "smoke-test: ready" || { echo "$out"; echo "smoke test: demo mode did not get ready"; exit 1; }
# and on an X server, as on a laptop (the bundled xcb plugin and the libraries it needs)
out="$(env -u QT_QPA_PLATFORM -u WAYLAND_DISPLAY timeout 120 xvfb-run -a "$BIN" --home "$HOME_DIR/x11" --smoke-test 2>&1)" \
  || { echo "$out"; echo "smoke test: no window on X"; exit 1; }
echo "$out" | grep -q "smoke-test: ready" || { echo "$out"; echo "smoke test: the app did not get ready on X"; exit 1; }
echo "smoke test: ok"
