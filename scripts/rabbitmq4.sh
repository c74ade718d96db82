#!/usr/bin/env bash
# Runs RabbitMQ 4.x beside the host's RabbitMQ 3.10, from a Debian root made
# once per machine with debootstrap and kept in a cache directory. The node
# is configured the way hardened production runs it: every deprecated
# feature denied. Two releases:
#
#   SHOVELTAP_RABBIT4=trixie (default): Debian 13's RabbitMQ 4.0.5 (Erlang 27),
#     AMQP 127.0.0.1:5690, management 15690, distribution 25690
#   SHOVELTAP_RABBIT4=forky: Debian testing's RabbitMQ 4.3 (4.3.6 when
#     written), the first with local shovels (4.2+): AMQP 5691, management
#     15691, distribution 25691
#
#   scripts/rabbitmq4.sh start   # builds the root on first use, starts the node
#   scripts/rabbitmq4.sh stop
#   scripts/rabbitmq4.sh ctl ARGS…   # rabbitmqctl against the node
#
# guest/guest may log in from loopback. The host's epmd serves every node.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

CACHE=${SHOVELTAP_CACHE:-/var/cache/shoveltap}
RELEASE=${SHOVELTAP_RABBIT4:-trixie}
case "$RELEASE" in
trixie) NODE=rabbit4@localhost AMQP_PORT=5690 MGMT_PORT=15690 SCRIPT=trixie ;;
# Debian 12's debootstrap has no script named forky; sid's is the same.
forky) NODE=rabbit43@localhost AMQP_PORT=5691 MGMT_PORT=15691 SCRIPT=/usr/share/debootstrap/scripts/sid ;;
*) echo "rabbitmq4: SHOVELTAP_RABBIT4 must be trixie or forky, not $RELEASE" >&2; exit 2 ;;
esac
ROOT="$CACHE/$RELEASE-rabbitmq"
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
  echo "rabbitmq4: building a Debian $RELEASE root with rabbitmq-server in $ROOT (once per machine, a few minutes)…"
  debootstrap --variant=minbase --include=rabbitmq-server "$RELEASE" "$ROOT.tmp" http://deb.debian.org/debian "$SCRIPT" \
    >"$CACHE/debootstrap-$RELEASE.log" 2>&1 \
    || { echo "rabbitmq4: debootstrap failed; see $CACHE/debootstrap-$RELEASE.log" >&2; exit 1; }
  mv "$ROOT.tmp" "$ROOT"
}

# Erlang's distribution needs localhost to resolve inside the root, and
# newer debootstraps leave /etc/hosts out.
hosts_file() { [ -s "$ROOT/etc/hosts" ] || cp /etc/hosts "$ROOT/etc/hosts"; }

mount_once() { # what where
  mountpoint -q "$2" || mount --bind "$1" "$2"
}

in_root() { chroot "$ROOT" env HOME=/var/lib/rabbitmq RABBITMQ_NODENAME=$NODE "$@"; }

start() {
  if port_open $AMQP_PORT; then echo "rabbitmq4: something already listens on $AMQP_PORT; assuming the 4.x node runs"; return 0; fi
  build_root
  hosts_file
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
      echo "rabbitmq4: RabbitMQ $(in_root rabbitmqctl -q version 2>/dev/null || echo 4.x) ($RELEASE) up on 127.0.0.1:$AMQP_PORT (management :$MGMT_PORT), every deprecated feature denied"
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
