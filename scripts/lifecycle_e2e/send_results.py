#!/usr/bin/python3
"""Send tasks whose results come back through the rpc:// backend, for
shoveltap's lifecycle test.

Usage: CELERY_BROKER_URL=... LC_QUEUE=... LC_BACKEND=rpc:// send_results.py N

Sends one warm-up lc.add and waits for its result (so that the client's
reply queue exists), prints {"reply_q": ...}, waits for a line on standard
input, then sends N lc.add and N lc.fail, waits for every result and prints
their ids with the states the client got.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lifetasks import add, app, fail  # noqa: E402


def main():
    n = int(sys.argv[1])
    add.delay(0, 0).get(timeout=30)
    print(json.dumps({"reply_q": app.backend.binding.name}), flush=True)
    sys.stdin.readline()
    sent = [add.delay(i, i) for i in range(n)] + [fail.delay(i) for i in range(n)]
    out = {}
    for r in sent:
        r.get(timeout=30, propagate=False)
        out[r.id] = r.state
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
