#!/bin/sh
# A hook that answers every message with something that is not JSON.
while IFS= read -r line; do
	echo "hello"
done
