#!/usr/bin/env bash
# Makes sure a local RabbitMQ answers on 127.0.0.1:5672 with the management,
# shovel and shovel-management plugins (management API on :15672). Installs
# rabbitmq-server with apt-get on Debian/Ubuntu when none is there.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds what
  for _ in $(seq 1 $(( $2 * 4 ))); do
    if port_open "$1"; then return 0; fi
    sleep 0.25
  done
  echo "ensure-rabbitmq: $3 did not come up on port $1 within $2 s; see /var/log/rabbitmq/" >&2
  return 1
}

if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-rabbitmq: no rabbitmq-server here and no apt-get to install it; install RabbitMQ 3.10+ by hand" >&2
    exit 1
  fi
  echo "ensure-rabbitmq: installing rabbitmq-server with apt-get…"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q rabbitmq-server
fi
export PATH="$PATH:/usr/sbin"

if ! port_open 5672; then
  echo "ensure-rabbitmq: starting rabbitmq-server…"
  $SUDO rabbitmq-server -detached
  wait_port 5672 90 "RabbitMQ"
fi
$SUDO rabbitmqctl -q await_startup >/dev/null 2>&1 || true
$SUDO rabbitmq-plugins -q enable rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management >/dev/null
wait_port 15672 60 "the management API"
echo "ensure-rabbitmq: RabbitMQ $($SUDO rabbitmqctl -q version 2>/dev/null || echo '?') on 127.0.0.1:5672, management API on :15672, shovel plugins enabled"
