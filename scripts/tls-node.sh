#!/usr/bin/env bash
# Starts or stops a RabbitMQ node with TLS listeners only, for the TLS
# tests (tap/taptest.TLSNode starts it when a test first needs it and stops
# it when the package's tests end). It makes its own test PKI with openssl:
# a CA, a server certificate for localhost/127.0.0.1, client certificates
# and the broken ones the error tests need.
#
#   scripts/tls-node.sh start   # certificates in /tmp/shoveltap-nodes/tls/certs
#   scripts/tls-node.sh stop    # stops the node, removes its data and certificates
#
# AMQPS on 5697 (verify_peer, fail_if_no_peer_cert: every client shows a
# certificate), the management API over HTTPS on 15697, distribution port
# 25697; no plain listener. x509 login (SASL EXTERNAL, user name from the
# certificate's common name) is on beside PLAIN and AMQPLAIN.
set -euo pipefail
export PATH="$PATH:/usr/sbin"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

NAME=shoveltap-tls
NODE="$NAME@localhost"
AMQPS_PORT=${SHOVELTAP_TLS_AMQPS_PORT:-5697}
HTTPS_PORT=${SHOVELTAP_TLS_HTTPS_PORT:-15697}
DIR=/tmp/shoveltap-nodes/$NAME
CERTS=$DIR/certs

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# sign NAME SUBJECT EXT DAYS: a key and a certificate signed by the test CA.
sign() {
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
    -days "$4" -extfile <(printf '%s\n' "$3") 2>/dev/null
  rm -f "$1.csr"
}

make_certs() {
  rm -rf "$CERTS.tmp"
  mkdir -p "$CERTS.tmp"
  (
    cd "$CERTS.tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
      -subj "/CN=shoveltap test CA" 2>/dev/null
    # A CA nobody trusts, for the unknown-CA errors.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 30 \
      -subj "/CN=some other CA" 2>/dev/null
    sign server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth" 30
    # client.pem logs in by x509 as the user of its common name.
    sign client "/CN=shoveltap-x509" "extendedKeyUsage=clientAuth" 30
    # stranger.pem is valid but names no user of the broker.
    sign stranger "/CN=shoveltap-stranger" "extendedKeyUsage=clientAuth" 30
    # A key that belongs to no certificate here.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.key 2>/dev/null
    # Expired certificates need dates in the past, which only `openssl ca`
    # can set.
    mkdir -p ca-db/new
    : >ca-db/index.txt
    echo 1000 >ca-db/serial
    cat >ca-db/ca.cnf <<EOF
[ca]
default_ca = test
[test]
dir = ca-db
database = ca-db/index.txt
new_certs_dir = ca-db/new
serial = ca-db/serial
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
[client]
extendedKeyUsage = clientAuth
[server]
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
EOF
    for what in client server; do
      cn=shoveltap-x509
      [ "$what" = server ] && cn=localhost
      openssl req -new -newkey rsa:2048 -nodes -keyout "expired-$what.key" -out "expired-$what.csr" \
        -subj "/CN=$cn" 2>/dev/null
      openssl ca -batch -config ca-db/ca.cnf -extensions "$what" -in "expired-$what.csr" \
        -out "expired-$what.pem" -startdate 20200101000000Z -enddate 20200201000000Z -notext 2>/dev/null
      rm -f "expired-$what.csr"
    done
    rm -rf ca-db
  )
  rm -rf "$CERTS"
  mv "$CERTS.tmp" "$CERTS"
}

start() {
  if ! command -v openssl >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q openssl >/dev/null
  fi
  if port_open "$AMQPS_PORT"; then
    if [ -f "$CERTS/ca.pem" ]; then echo "tls-node: already running on $AMQPS_PORT"; exit 0; fi
    echo "tls-node: something else listens on $AMQPS_PORT; set SHOVELTAP_TLS_AMQPS_PORT to a free port" >&2
    exit 1
  fi
  $SUDO rm -rf "$DIR"
  $SUDO mkdir -p "$DIR/mnesia" "$DIR/log"
  $SUDO chown "$(id -u)" "$DIR"
  make_certs
  cat <<EOF | $SUDO tee "$DIR/rabbitmq.conf" >/dev/null
listeners.tcp = none
listeners.ssl.default = $AMQPS_PORT
ssl_options.cacertfile = $CERTS/ca.pem
ssl_options.certfile = $CERTS/server.pem
ssl_options.keyfile = $CERTS/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
auth_mechanisms.1 = PLAIN
auth_mechanisms.2 = AMQPLAIN
auth_mechanisms.3 = EXTERNAL
ssl_cert_login_from = common_name
management.ssl.port = $HTTPS_PORT
management.ssl.cacertfile = $CERTS/ca.pem
management.ssl.certfile = $CERTS/server.pem
management.ssl.keyfile = $CERTS/server.key
EOF
  echo "[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management,rabbitmq_auth_mechanism_ssl]." \
    | $SUDO tee "$DIR/enabled_plugins" >/dev/null
  # The server drops to the rabbitmq user, which must read the keys.
  $SUDO chown -R rabbitmq:rabbitmq "$DIR"
  $SUDO chmod 755 "$DIR" "$CERTS"
  $SUDO env RABBITMQ_NODENAME="$NODE" RABBITMQ_CONFIG_FILE="$DIR/rabbitmq" \
    RABBITMQ_MNESIA_BASE="$DIR/mnesia" RABBITMQ_LOG_BASE="$DIR/log" \
    RABBITMQ_DIST_PORT=$((AMQPS_PORT + 20000)) RABBITMQ_PID_FILE="$DIR/pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" rabbitmq-server -detached
  for _ in $(seq 1 360); do
    if port_open "$AMQPS_PORT" && port_open "$HTTPS_PORT"; then
      echo "tls-node: node $NODE up: amqps on $AMQPS_PORT, https management on $HTTPS_PORT, certificates in $CERTS"
      exit 0
    fi
    sleep 0.25
  done
  echo "tls-node: node $NODE did not come up; see $DIR/log" >&2
  exit 1
}

stop() {
  $SUDO rabbitmqctl -q -n "$NODE" stop >/dev/null 2>&1 || true
  for _ in $(seq 1 80); do port_open "$AMQPS_PORT" || break; sleep 0.25; done
  $SUDO rm -rf "$DIR"
  echo "tls-node: node $NODE stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
