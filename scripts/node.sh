#!/usr/bin/env bash
# Starts or stops an extra RabbitMQ node on this machine, beside the main
# one, with its own ports, data directory and plugin list. Tests use one
# without the shovel plugin ("bare"); the mirror MQ demo uses another.
#
#   scripts/node.sh start NAME AMQP_PORT MGMT_PORT PLUGIN[,PLUGIN…]
#   scripts/node.sh stop NAME
#
# NODE_CONF, when set, is appended to the node's rabbitmq.conf.
set -euo pipefail
export PATH="$PATH:/usr/sbin"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

cmd=${1:-}; name=${2:-}
[ -n "$cmd" ] && [ -n "$name" ] || { echo "usage: $0 start NAME AMQP_PORT MGMT_PORT PLUGINS | stop NAME" >&2; exit 2; }
dir="/tmp/shoveltap-nodes/$name"
node="$name@localhost"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$cmd" in
start)
  amqp=${3:?AMQP port}; mgmt=${4:?management port}; plugins=${5:-rabbitmq_management}
  if port_open "$amqp"; then echo "node.sh: something already listens on $amqp; assuming node $name runs"; exit 0; fi
  $SUDO mkdir -p "$dir/mnesia" "$dir/log"
  printf 'listeners.tcp.default = %s\nmanagement.tcp.port = %s\n' "$amqp" "$mgmt" | $SUDO tee "$dir/rabbitmq.conf" >/dev/null
  # NODE_CONF: more rabbitmq.conf lines, e.g. a stream listener's port.
  if [ -n "${NODE_CONF:-}" ]; then printf '%s\n' "$NODE_CONF" | $SUDO tee -a "$dir/rabbitmq.conf" >/dev/null; fi
  echo "[${plugins//,/,}]." | $SUDO tee "$dir/enabled_plugins" >/dev/null
  # The server script drops to the rabbitmq user and exits silently when
  # it cannot write its directories.
  $SUDO chown -R rabbitmq:rabbitmq "$dir"
  $SUDO env RABBITMQ_NODENAME="$node" RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_DIST_PORT=$(( amqp + 20000 )) RABBITMQ_PID_FILE="$dir/pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" rabbitmq-server -detached
  for _ in $(seq 1 360); do
    if port_open "$amqp" && port_open "$mgmt"; then echo "node.sh: node $name up on $amqp (management $mgmt), plugins $plugins"; exit 0; fi
    sleep 0.25
  done
  echo "node.sh: node $name did not come up; see $dir/log" >&2; exit 1 ;;
stop)
  $SUDO rabbitmqctl -q -n "$node" stop >/dev/null 2>&1 || true
  $SUDO rm -rf "$dir"
  echo "node.sh: node $name stopped" ;;
*) echo "usage: $0 start|stop NAME …" >&2; exit 2 ;;
esac
