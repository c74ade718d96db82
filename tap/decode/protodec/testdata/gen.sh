#!/bin/sh
# Regenerates the Protobuf fixtures: a descriptor set with Debian's protoc
# (protobuf-compiler) and messages with python3-protobuf.
#   apt-get install protobuf-compiler python3-protobuf
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
protoc -I protos --include_imports -o shop.binpb shop/v1/shop.proto
protoc -I protos --python_out="$tmp" shop/v1/shop.proto shop/v1/common.proto
/usr/bin/python3 gen.py "$tmp" .
