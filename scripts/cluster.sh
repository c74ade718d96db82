#!/usr/bin/env bash
# Starts or stops a 3-node RabbitMQ cluster on this machine (the host's
# RabbitMQ, beside the main node), for the cluster tests:
#
#   scripts/cluster.sh start   # c1, c2, c3 on AMQP 5681-5683, management 15681-15683
#   scripts/cluster.sh stop
#
# Every node has the management, shovel and shovel-management plugins; c2
# and c3 join c1. Node names are cN@localhost (distribution ports 25681-25683).
set -euo pipefail
export PATH="$PATH:/usr/sbin"
here=$(cd "$(dirname "$0")" && pwd)
plugins=rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management

case "${1:-}" in
start)
  for n in 1 2 3; do
    "$here/node.sh" start "c$n" $((5680 + n)) $((15680 + n)) "$plugins"
  done
  for n in 2 3; do
    if rabbitmqctl -q -n "c$n@localhost" cluster_status 2>/dev/null | grep -q "c1@localhost"; then
      continue
    fi
    rabbitmqctl -q -n "c$n@localhost" stop_app
    rabbitmqctl -q -n "c$n@localhost" join_cluster c1@localhost
    rabbitmqctl -q -n "c$n@localhost" start_app
  done
  rabbitmqctl -q -n c1@localhost await_online_nodes 3 >/dev/null
  echo "cluster.sh: c1, c2, c3 clustered (AMQP 5681-5683, management 15681-15683)"
  ;;
stop)
  for n in 3 2 1; do "$here/node.sh" stop "c$n"; done
  ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
