import base64, json, sys

for line in sys.stdin:
    msg = json.loads(line)
    body = base64.b64decode(msg["body"]).decode("utf-8", "replace")
    fields = dict(p.split("=", 1) for p in body.split(";") if "=" in p)
    print(json.dumps({"id": msg["id"], "summary": "record " + fields.get("id", "?"),
                      "fields": [{"name": k, "value": v} for k, v in fields.items()],
                      "terms": fields, "body": json.dumps(fields), "body_kind": "json"}),
          flush=True)
