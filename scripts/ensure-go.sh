#!/usr/bin/env bash
# Prints the path of a Go toolchain that can build shoveltap, installing one
# when needed. A go of 1.21 or later is enough: it fetches the go.mod's
# version itself (GOTOOLCHAIN=auto). Otherwise (no go, or Debian 12's 1.19)
# the official toolchain is fetched from the Go module proxy, as Go itself
# does, into ~/.cache/shoveltap-go. Progress goes to stderr.
set -euo pipefail
version=1.26.8

usable() { # go binary → 0 when it is 1.21 or later
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "${minor%%[!0-9]*}" -ge 21 ]; }
}

for candidate in "$(command -v go || true)" /usr/local/go/bin/go "$HOME/.cache/shoveltap-go/go/bin/go"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && usable "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ensure-go: no Go toolchain for $(uname -m); install Go $version from https://go.dev/dl/" >&2; exit 1 ;;
esac
os=$(uname -s | tr '[:upper:]' '[:lower:]')
need=()
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "ensure-go: installing ${need[*]} with apt-get…" >&2
  $SUDO apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}" >&2
fi
dest="$HOME/.cache/shoveltap-go"
zip="golang.org/toolchain/@v/v0.0.1-go$version.$os-$arch.zip"
echo "ensure-go: fetching Go $version ($os/$arch) from the Go module proxy…" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL "${GOPROXY_URL:-https://proxy.golang.org}/$zip" -o "$tmp/go.zip"
unzip -q "$tmp/go.zip" -d "$tmp/x"
rm -rf "$dest"
mkdir -p "$dest"
# The module zip holds the toolchain under golang.org/toolchain@…/
mv "$tmp"/x/golang.org/toolchain@*/ "$dest/go"
chmod +x "$dest"/go/bin/* "$dest"/go/pkg/tool/*/* 2>/dev/null || true
usable "$dest/go/bin/go" || { echo "ensure-go: the fetched toolchain does not run" >&2; exit 1; }
echo "$dest/go/bin/go"
