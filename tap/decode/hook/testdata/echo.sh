#!/bin/sh
# A decoder hook in shell for the tests: answers every message with its
# routing key and the length of the request line.
while IFS= read -r line; do
	id=$(printf '%s' "$line" | sed -n 's/^{"id":\([0-9]*\),.*/\1/p')
	rk=$(printf '%s' "$line" | sed -n 's/.*"routing_key":"\([^"]*\)".*/\1/p')
	printf '{"id":%s,"summary":"shell saw %s","fields":[{"name":"Request bytes","value":"%s"}],"body":"from sh"}\n' "$id" "$rk" "${#line}"
done
