#!/usr/bin/env bash
# Removes the exchanges Celery declares for its remote control and events
# (celery.pidbox, reply.celery.pidbox, celeryev) from a vhost, each only
# when nothing is bound to it: another Celery on the vhost may still use
# it. make demo-down runs it; tap/e2e's TestDemoCeleryCleanup tests it.
#   scripts/demo-celery-cleanup.sh API [VHOST]   (CREDS=user:pass, default guest:guest)
set -euo pipefail
api=${1:?usage: $0 API [VHOST], e.g. http://localhost:15672 /}
vhost=${2:-/}
creds=${CREDS:-guest:guest}
enc=$(printf '%s' "$vhost" | od -An -tx1 | tr -d ' \n' | sed 's/\(..\)/%\1/g')
for x in celery.pidbox reply.celery.pidbox celeryev; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -u "$creds" -X DELETE "${api%/}/api/exchanges/$enc/$x?if-unused=true" || echo 000)
  case $code in
    204|404) ;;
    *) echo "demo: kept exchange $x in vhost $vhost (still bound, or the API answered $code)" >&2 ;;
  esac
done
