#!/bin/sh
# A hook that reads its input and never answers.
while IFS= read -r line; do
	sleep 3600
done
