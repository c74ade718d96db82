#!/bin/sh
# Regenerates the Avro fixtures with Debian's python3-avro:
#   apt-get install python3-avro
set -eu
cd "$(dirname "$0")"
/usr/bin/python3 gen.py
