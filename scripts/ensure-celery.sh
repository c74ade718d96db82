#!/usr/bin/env bash
# Makes sure Debian's python3-celery (with msgpack and yaml) is there for the
# real-Celery end-to-end test (tap/e2e/celery_test.go). Idempotent: does
# nothing when /usr/bin/python3 already imports celery, or without apt-get
# (the test then skips locally and fails in CI).
set -euo pipefail
if /usr/bin/python3 -c 'import celery' >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-celery: no python3-celery and no apt-get; the real-Celery test will skip (or fail with CI=true)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "ensure-celery: installing python3-celery python3-msgpack python3-yaml with apt-get…"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-celery python3-msgpack python3-yaml
