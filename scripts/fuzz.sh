#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME (default 20s) each, one
# at a time (go test -fuzz takes one target in one package). The targets
# are found in the test files, so a new one is fuzzed without a change here.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20s}
targets=$(git grep -n -E '^func Fuzz[A-Za-z0-9_]+\(' -- '*_test.go' | \
  sed -E 's#^(.*)/[^/]*_test\.go:[0-9]+:func (Fuzz[A-Za-z0-9_]+)\(.*#\1 \2#; s#^[^/ ]*_test\.go:[0-9]+:func (Fuzz[A-Za-z0-9_]+)\(.*#. \1#')
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets found" >&2; exit 1; }
while read -r dir name; do
  echo "fuzz $name in ./$dir for $FUZZTIME"
  go test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "./$dir"
done <<<"$targets"
