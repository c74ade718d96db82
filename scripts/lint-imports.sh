#!/usr/bin/env bash
# Guards the seams between packages (docs/architecture.md), with go list:
#  1. the web monitor (ui/web) and the JSON lines path (tap/jsonl,
#     tap/pipeline, tap/reading) never depend on the terminal UI (ui) or
#     Bubble Tea;
#  2. nothing under tap/ depends on Bubble Tea, Lip Gloss, Bubbles or ui/;
#  3. only tap/broker and tap/taptest import rabbit-hole;
#  4. only the AMQP seam imports amqp091: tap/broker (dialling), tap (the
#     tap's consumer), tap/capture (replay's publisher), tap/check (its probes), tap/taptest and
#     the bench's own publishers (bench/...). Tests may import both.
# Prints every breach and exits 1 when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
mod=$($GO list -m)
fail=0
$GO list ./... >/dev/null # a package that does not load fails here, not silently below
breach() { echo "lint-imports: $*" >&2; fail=1; }

# 1 and 2: what a package depends on, directly or not (tests excluded).
deps_of() { $GO list -deps "$@"; }
for pkg in ./ui/web ./tap/jsonl ./tap/pipeline ./tap/reading; do
  while read -r dep; do
    case "$dep" in
      "$mod/ui"|charm.land/bubbletea*|github.com/charmbracelet/bubbletea*)
        breach "$pkg depends on $dep: the web page and JSON lines must not need the terminal UI (use tap/reading)";;
    esac
  done < <(deps_of "$pkg")
done
while read -r line; do
  pkg=${line%% *}
  for dep in ${line#* }; do
    case "$dep" in
      # x/term is terminal I/O (is stdout a terminal, read a password
      # without echo), not UI: the command line's console uses it.
      github.com/charmbracelet/x/term|github.com/charmbracelet/x/term/*) ;;
      "$mod/ui"|"$mod"/ui/*|charm.land/*|github.com/charmbracelet/*)
        breach "$pkg depends on $dep: tap/ never depends on the UI";;
    esac
  done
done < <($GO list -deps -f '{{.ImportPath}} {{join .Deps " "}}' ./tap/... | grep "^$mod/tap")

# 3 and 4: who imports the broker libraries directly.
while read -r pkg imports; do
  for imp in $imports; do
    case "$imp" in
      github.com/michaelklishin/rabbit-hole*)
        case "$pkg" in
          "$mod/tap/broker"|"$mod/tap/taptest") ;;
          *) breach "$pkg imports $imp: only tap/broker may use rabbit-hole";;
        esac;;
      github.com/rabbitmq/amqp091-go*)
        case "$pkg" in
          "$mod/tap/broker"|"$mod/tap"|"$mod/tap/capture"|"$mod/tap/check"|"$mod/tap/taptest"|"$mod/bench"|"$mod"/bench/*) ;;
          *) breach "$pkg imports $imp: AMQP is spoken in tap/broker, tap, tap/capture and tap/check only (docs/architecture.md)";;
        esac;;
    esac
  done
done < <($GO list -f '{{.ImportPath}} {{join .Imports " "}}' ./...)
exit $fail
