#!/usr/bin/env bash
# Makes sure Debian's prometheus server is there for the scrape test of
# --metrics (tap/e2e/metrics_test.go), which starts its own server on a
# port and data directory of its own. Idempotent: does nothing when
# prometheus is on the PATH, or without apt-get (the test then skips
# locally and fails with CI=true).
set -euo pipefail
if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus: no prometheus and no apt-get; the scrape test will skip (or fail with CI=true)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "ensure-prometheus: installing prometheus with apt-get…"
$SUDO apt-get update -q
# The test runs a server of its own: the package's service is not wanted.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends prometheus
# A service the postinst may have started anyway is stopped: nothing of
# the install keeps running.
if command -v service >/dev/null 2>&1; then
  $SUDO service prometheus stop >/dev/null 2>&1 || true
fi
