#!/usr/bin/env bash
# Makes sure Debian's python3-oslo.messaging is there for the real
# oslo.messaging RPC test of the lifecycle model (tap/lifecycle/oslo_test.go).
# Idempotent: does nothing when /usr/bin/python3 already imports
# oslo_messaging, or without apt-get (the test then skips locally and fails
# in CI).
set -euo pipefail
if /usr/bin/python3 -c 'import oslo_messaging' >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-oslo: no python3-oslo.messaging and no apt-get; the oslo RPC test will skip (or fail with CI=true)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "ensure-oslo: installing python3-oslo.messaging with apt-get…"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-oslo.messaging
