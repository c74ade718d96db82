#!/usr/bin/env bash
# govulncheck over the whole module (CI). With vuln.go.dev unreachable (a
# box without outside DNS), it reads a v1 database built here from the OSV
# files of golang.org/x/vulndb, which the Go module proxy serves: VULNDB
# pins its version; the database is as fresh as that version.
set -euo pipefail
cd "$(dirname "$0")/.."
GOVULNCHECK=golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB=${VULNDB:-v0.0.0-20261105234957-e22db6528018}
ALLOW=scripts/govulncheck-allow.txt
# Installed, not go run: go run turns the tool's exit status 3 (advisories
# found) into 1.
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
GOBIN="$bindir" go install "$GOVULNCHECK"
bin="$bindir/govulncheck"
# check runs govulncheck and fails on any advisory that reaches the code,
# but for those scripts/govulncheck-allow.txt names with the reason they
# cannot hurt (a line "ID  reason"; a reason is required).
check() {
  local out rc=0
  out=$("$bin" "$@" ./... 2>&1) || rc=$?
  printf '%s\n' "$out"
  [ "$rc" -eq 0 ] && return 0
  [ "$rc" -eq 3 ] || return "$rc"
  local found bad=""
  found=$(printf '%s\n' "$out" | sed -n 's/^Vulnerability #[0-9]*: \(GO-[0-9]*-[0-9]*\).*/\1/p' | sort -u)
  [ -n "$found" ] || return 3
  for id in $found; do
    if grep -Eq "^$id[[:space:]]+[^[:space:]]" "$ALLOW"; then
      echo "govulncheck.sh: $id allowed: $(grep -E "^$id" "$ALLOW" | sed -E 's/^[^[:space:]]+[[:space:]]+//')"
    else
      bad="$bad $id"
    fi
  done
  [ -z "$bad" ] || { echo "govulncheck.sh: not allowed:$bad" >&2; return 3; }
}
if curl -s -o /dev/null --max-time 5 https://vuln.go.dev/index/db.json.gz; then
  check
  exit
fi
db=/tmp/shoveltap-vulndb-$VULNDB
if [ ! -f "$db/index/db.json" ]; then
  src=$(go mod download -json "golang.org/x/vulndb@$VULNDB" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src/data/osv" ] || { echo "govulncheck.sh: no OSV files in golang.org/x/vulndb@$VULNDB" >&2; exit 1; }
  rm -rf "$db.tmp"
  (cd "$src" && GOFLAGS=-mod=mod go run ./cmd/indexdb -vulns data/osv -out "$db.tmp")
  mv "$db.tmp" "$db"
fi
echo "govulncheck.sh: vuln.go.dev unreachable; database golang.org/x/vulndb@$VULNDB"
check -db "file://$db"
