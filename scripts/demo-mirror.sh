#!/usr/bin/env bash
# The mirror MQ demo (make demo-mirror / make demo-down): production RabbitMQ
# on 5672, a mirror node on 5673, a Celery generator sending tasks to the
# topic exchange demo.tasks, a Celery worker consuming them on production,
# `shoveltap setup apply` mirroring demo.tasks to the mirror, the browser
# monitor (shoveltap --web-only) on the mirror's copy, and the tracer open on
# it too. Background processes are tracked by pid files under
# /tmp/shoveltap-demo and stopped by `down`.
#
# WEB_ADDR (default 127.0.0.1:8080) is where the browser monitor listens.
#
#   scripts/demo-mirror.sh up     start everything and open the tracer
#   scripts/demo-mirror.sh down   teardown the mirror, stop everything
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin"
run=/tmp/shoveltap-demo
mkdir -p "$run"
BIN=bin/shoveltap
EXCHANGE=demo.tasks
MIRROR_NODE=(mirror 5673 15673 rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management)
SETUP_FLAGS=(--url amqp://guest@localhost:5672/ --mirror-url amqp://guest@localhost:5673/
  --mirror-api http://localhost:15673 --exchange "$EXCHANGE" --reconnect-delay 1)
PY=/usr/bin/python3
WEB_ADDR=${WEB_ADDR:-127.0.0.1:8080}
MIRROR_TAP=(--url amqp://guest@localhost:5673/ --api http://localhost:15673 --exchange "$EXCHANGE")

# start NAME CMD… runs CMD in the background with its pid in $run/NAME.pid.
start() {
  local name=$1; shift
  # Its own session, so ctrl+c in the tracer does not stop it too.
  setsid "$@" >"$run/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  echo "demo: $name started (pid $!, log $run/$name.log)"
}

stop() {
  local f="$run/$1.pid"
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
    echo "demo: $1 stopped (pid $pid)"
  fi
  rm -f "$f"
}

case "${1:-}" in
up)
  scripts/ensure-rabbitmq.sh
  scripts/node.sh start "${MIRROR_NODE[@]}"
  go build -o "$BIN" .
  if $PY -c 'import celery' 2>/dev/null; then
    echo "demo: using real Celery ($($PY -c 'import celery; print(celery.__version__)'))"
    (cd scripts && start generator env DEMO_RATE=10 $PY -m celery_demo.generate)
    (cd scripts && start worker $PY -m celery -A celery_demo.app worker -Q "$EXCHANGE.worker" --concurrency 2 --loglevel INFO)
  else
    echo "demo: Celery not found for $PY; using shoveltap's generator (Celery protocol 2 tasks)"
    go build -o bin/demogen ./bench/demogen
    start generator bin/demogen --exchange "$EXCHANGE" --rate 10
  fi
  # The generator declares the exchange; wait for it before mirroring it.
  for _ in $(seq 1 40); do
    $BIN setup plan "${SETUP_FLAGS[@]}" >/dev/null 2>&1 && break
    sleep 0.25
  done
  $BIN setup apply "${SETUP_FLAGS[@]}"
  sleep 1
  $BIN setup status "${SETUP_FLAGS[@]}"
  echo
  # The browser monitor: a read-only page of the mirror's copy, for people
  # who never open a terminal. It runs on until make demo-down.
  start web "$BIN" "${MIRROR_TAP[@]}" --web "$WEB_ADDR" --web-only
  for _ in $(seq 1 40); do
    grep -q "tapping" "$run/web.log" 2>/dev/null && break
    sleep 0.25
  done
  grep "web monitor\|token" "$run/web.log" || { echo "demo: the web monitor did not start:" >&2; cat "$run/web.log" >&2; }
  echo "demo: open the browser monitor at http://$WEB_ADDR/ (read-only, live)"
  echo
  echo "demo: opening the tracer on the MIRROR's copy of $EXCHANGE (q quits; make demo-down removes everything)"
  sleep 1
  $BIN "${MIRROR_TAP[@]}" || true
  echo "demo: still running; the browser monitor is at http://$WEB_ADDR/"
  echo "demo: watch in the terminal again with: $BIN ${MIRROR_TAP[*]}"
  echo "demo: stop with: make demo-down"
  ;;
down)
  # The monitor first: it removes its own tap from the mirror on SIGTERM.
  stop web
  if [ -x "$BIN" ] && (exec 3<>/dev/tcp/127.0.0.1/15673) 2>/dev/null; then
    $BIN setup teardown "${SETUP_FLAGS[@]}" || true
  fi
  stop generator
  stop worker
  # The demo's own production objects: the worker queue and the exchange.
  for path in "queues/%2F/$EXCHANGE.worker" "queues/%2F/$EXCHANGE.billing" "exchanges/%2F/$EXCHANGE"; do
    curl -s -o /dev/null -u guest:guest -X DELETE "http://localhost:15672/api/$path" || true
  done
  # And the exchanges Celery declares for its remote control and events,
  # each only when unused: another Celery on the vhost may still use them.
  scripts/demo-celery-cleanup.sh http://localhost:15672 / || true
  scripts/node.sh stop mirror
  rm -rf "$run"
  ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
