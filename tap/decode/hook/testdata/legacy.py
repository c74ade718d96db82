#!/usr/bin/env python3
"""A decoder hook for the tests: reads messages as JSON lines on stdin and
answers each with a JSON line on stdout. Bodies "LEGACY|k=v|k=v" decode
to fields; a few bodies make it misbehave on purpose."""
import base64
import json
import sys
import time

calls = 0
for line in sys.stdin:
    req = json.loads(line)
    calls += 1
    body = base64.b64decode(req["body"]).decode("utf-8", "replace")
    ans = {"id": req["id"]}
    if body == "HANG":
        time.sleep(3600)
    elif body == "CRASH":
        print("legacy.py: crashing on purpose", file=sys.stderr, flush=True)
        sys.exit(3)
    elif body == "GARBAGE":
        print("this is not JSON", flush=True)
        continue
    elif body == "ERR":
        ans["error"] = "not a legacy record"
    elif body == "DECLINE":
        ans["decline"] = True
    else:
        parts = body.split("|")
        kv = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        ans.update({
            "format": "legacy",
            "summary": "%s %s (call %d)" % (parts[0], " ".join("%s=%s" % i for i in kv.items()), calls),
            "fields": [{"name": k, "value": v} for k, v in kv.items()]
            + [{"name": "Routing key", "value": req["routing_key"]},
               {"name": "Header kind", "value": str(req.get("headers", {}).get("kind", ""))}],
            "body": json.dumps(kv),
            "body_kind": "json",
            "terms": kv,
        })
    print(json.dumps(ans), flush=True)
