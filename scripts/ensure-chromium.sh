#!/usr/bin/env bash
# Makes sure Debian's chromium is there for the web monitor's browser tests
# (ui/web, tap/e2e), which drive it headless from Go. Idempotent: does
# nothing when a Chromium is on PATH, or without apt-get (the browser tests
# then skip locally and fail with CI=true).
set -euo pipefail
for name in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$name" >/dev/null 2>&1; then
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no chromium and no apt-get; the browser tests will skip (or fail with CI=true)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "ensure-chromium: installing chromium with apt-get…"
$SUDO apt-get update -q
# fonts-dejavu-core: the page's monospace and sans fonts in screenshots.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
