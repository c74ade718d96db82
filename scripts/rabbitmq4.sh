#!/usr/bin/env bash
# Runs RabbitMQ 4.x (Debian 13's rabbitmq-server, Erlang 27) beside the
# host's RabbitMQ 3.10, from a Debian 13 root made once per machine with
# debootstrap and kept in a cache directory. The node is configured the way
# hardened production runs it: every deprecated feature denied.
#
#   scripts/rabbitmq4.sh start   # builds the root on first use, starts the node
#   scripts/rabbitmq4.sh stop
#   scripts/rabbitmq4.sh ctl ARGS…   # rabbitmqctl against the node
#
# AMQP on 127.0.0.1:5690 (distribution port 25690, set by NODE_PORT), the
# management API on 15690; guest/guest may log in from loopback. The host's
# epmd serves both nodes.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

CACHE=${SHOVELTAP_CACHE:-/var/cache/shoveltap}
ROOT="$CACHE/trixie-rabbitmq"
NODE=rabbit4@localhost
AMQP_PORT=5690
MGMT_PORT=15690
DATA=/var/lib/shoveltap-rabbit4 # inside the root

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

build_root() {
  [ -x "$ROOT/usr/sbin/rabbitmq-server" ] && return 0
  if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
  fi
  mkdir -p "$CACHE"
  rm -rf "$ROOT.tmp"
  echo "rabbitmq4: building a Debian 13 root with rabbitmq-server in $ROOT (once per machine, a few minutes)…"
  debootstrap --variant=minbase --include=rabbitmq-server trixie "$ROOT.tmp" >"$CACHE/debootstrap.log" 2>&1 \
    || { echo "rabbitmq4: debootstrap failed; see $CACHE/debootstrap.log" >&2; exit 1; }
  mv "$ROOT.tmp" "$ROOT"
}

mount_once() { # what where
  mountpoint -q "$2" || mount --bind "$1" "$2"
}

in_root() { chroot "$ROOT" env HOME=/var/lib/rabbitmq RABBITMQ_NODENAME=$NODE "$@"; }

start() {
  if port_open $AMQP_PORT; then echo "rabbitmq4: something already listens on $AMQP_PORT; assuming the 4.x node runs"; return 0; fi
  build_root
  mount_once /proc "$ROOT/proc"
  mount_once /dev "$ROOT/dev"
  mount_once /sys "$ROOT/sys"
  rm -rf "$ROOT$DATA"
  mkdir -p "$ROOT$DATA/mnesia" "$ROOT$DATA/log"
  cat >"$ROOT$DATA/rabbitmq.conf" <<EOF
listeners.tcp.default = $AMQP_PORT
management.tcp.port = $MGMT_PORT
deprecated_features.permit.transient_nonexcl_queues = false
deprecated_features.permit.global_qos = false
deprecated_features.permit.classic_queue_mirroring = false
deprecated_features.permit.ram_node_type = false
deprecated_features.permit.management_metrics_collection = false
EOF
  echo "[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management]." >"$ROOT$DATA/enabled_plugins"
  chroot "$ROOT" chown -R rabbitmq:rabbitmq "$DATA"
  in_root RABBITMQ_NODE_PORT=$AMQP_PORT RABBITMQ_CONFIG_FILE=$DATA/rabbitmq \
    RABBITMQ_MNESIA_BASE=$DATA/mnesia RABBITMQ_LOG_BASE=$DATA/log RABBITMQ_PID_FILE=$DATA/pid \
    RABBITMQ_ENABLED_PLUGINS_FILE=$DATA/enabled_plugins rabbitmq-server -detached
  for _ in $(seq 1 480); do
    if port_open $AMQP_PORT && port_open $MGMT_PORT; then
      echo "rabbitmq4: RabbitMQ $(in_root rabbitmqctl -q version 2>/dev/null || echo 4.x) up on 127.0.0.1:$AMQP_PORT (management :$MGMT_PORT), every deprecated feature denied"
      return 0
    fi
    sleep 0.25
  done
  echo "rabbitmq4: the node did not come up; see $ROOT$DATA/log" >&2
  exit 1
}

stop() {
  [ -d "$ROOT" ] || { echo "rabbitmq4: no root at $ROOT; nothing to stop"; return 0; }
  if mountpoint -q "$ROOT/proc"; then
    in_root rabbitmqctl -q stop >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 80); do port_open $AMQP_PORT || break; sleep 0.25; done
  rm -rf "${ROOT:?}$DATA"
  for m in sys dev proc; do mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m"; done
  echo "rabbitmq4: node stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
ctl) shift; in_root rabbitmqctl "$@" ;;
build) build_root ;;
*) echo "usage: $0 start|stop|build|ctl ARGS…" >&2; exit 2 ;;
esac
