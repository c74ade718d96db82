#!/usr/bin/python3
"""Send the lifecycle test's tasks and print their ids as JSON.

Usage: CELERY_BROKER_URL=... LC_QUEUE=... [LC_EXCHANGE=...] send_lifecycle.py N [revoke]

Sends N lc.add and N lc.fail, two lc.flaky (each retries once, then
succeeds) and, with "revoke", one lc.slow with a 3 s countdown that is
revoked at once (the worker holds it for its ETA, then discards it).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lifetasks import add, app, fail, flaky, slow  # noqa: E402


def main():
    n = int(sys.argv[1])
    out = {"add": [], "fail": [], "flaky": [], "revoked": []}
    for i in range(n):
        out["add"].append(add.delay(i, i).id)
        out["fail"].append(fail.delay(i).id)
    for i in range(2):
        out["flaky"].append(flaky.delay(i).id)
    if len(sys.argv) > 2 and sys.argv[2] == "revoke":
        r = slow.apply_async((1,), countdown=3)
        app.control.revoke(r.id)
        out["revoked"].append(r.id)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
