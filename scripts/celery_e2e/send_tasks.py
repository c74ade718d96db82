#!/usr/bin/python3
"""Send Celery tasks for shoveltap's end-to-end test and report them.

Usage: CELERY_E2E_BROKER=amqp://USER:PASSWORD@HOST:PORT/VHOST send_tasks.py EXCHANGE QUEUE
(the broker URL comes from the environment so that the password is not on
the command line).

Sends, through the topic EXCHANGE: one task per serializer (json, msgpack
and yaml when importable, pickle), per compression (gzip, zlib, bzip2), a
chain, a group, a chord, a retry and an ETA. Prints one JSON document with
what Celery itself published for every message, taken from its
after_task_publish signal: task name, id, root/parent/group ids, args,
kwargs (and their Python repr), retries, eta, serializer and compression.
Run it with Debian's /usr/bin/python3 and python3-celery.
"""
import datetime
import importlib.util
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from celery import chain, chord, group  # noqa: E402
from celery.signals import after_task_publish  # noqa: E402

import e2etasks  # noqa: E402
from e2etasks import add, echo, mul, xsum  # noqa: E402

sent = []
# What the next publish was asked for, for the report.
current = {"case": "", "serializer": "json", "compression": None}


@after_task_publish.connect
def record(sender=None, body=None, headers=None, exchange=None, routing_key=None, **kw):
    h = headers or {}
    # Protocol 2: the body is (args, kwargs, embed) before serialization.
    args, kwargs, embed = body
    sent.append({
        "case": current["case"],
        "serializer": current["serializer"],
        "compression": current["compression"],
        "task": h.get("task"),
        "id": h.get("id"),
        "root_id": h.get("root_id"),
        "parent_id": h.get("parent_id"),
        "group": h.get("group"),
        "retries": h.get("retries"),
        "eta": h.get("eta"),
        "args": list(args),
        "kwargs": kwargs,
        "args_repr": repr(tuple(args)),
        "kwargs_repr": repr(kwargs),
        # PyYAML writes mappings with sorted keys, so that is the order on
        # the wire for the yaml serializer.
        "kwargs_repr_sorted": repr(dict(sorted(kwargs.items()))),
        "argsrepr": h.get("argsrepr"),
        "kwargsrepr": h.get("kwargsrepr"),
        "exchange": exchange,
        "routing_key": routing_key,
        "chain": [s["task"] for s in reversed((embed or {}).get("chain") or [])],
        "chord": ((embed or {}).get("chord") or {}).get("task"),
    })


def case(name, serializer="json", compression=None):
    current.update(case=name, serializer=serializer, compression=compression)


def main():
    if len(sys.argv) != 3 or not os.environ.get("CELERY_E2E_BROKER"):
        sys.exit("usage: CELERY_E2E_BROKER=amqp://USER:PASSWORD@HOST:PORT/VHOST send_tasks.py EXCHANGE QUEUE")
    broker = os.environ["CELERY_E2E_BROKER"]
    exchange, queue = sys.argv[1:3]
    e2etasks.configure(broker, exchange, queue)
    results = {}

    serializers = ["json", "pickle"]
    for mod, ser in (("msgpack", "msgpack"), ("yaml", "yaml")):
        if importlib.util.find_spec(mod) is not None:
            serializers.append(ser)
    for ser in serializers:
        case("serializer-" + ser, ser)
        r = echo.apply_async((1, "two", [3.5, None], {"k": True}), {"name": "ünïcode", "n": 42},
                             serializer=ser)
        results["serializer-" + ser] = r.id

    for comp in ("gzip", "zlib", "bzip2"):
        case("compression-" + comp, "json", comp)
        r = add.apply_async((10, 20), compression=comp)
        results["compression-" + comp] = r.id

    case("chain")
    r = chain(add.s(1, 2), add.s(3), mul.s(4)).apply_async()
    ids = []
    node = r
    while node is not None:
        ids.append(node.id)
        node = node.parent
    ids.reverse()  # in run order
    results["chain"] = ids
    # No worker runs here, so send the next steps the way a worker does when
    # the step before returns (celery/app/trace.py: the next signature's
    # apply_async with parent_id=<that task's id>, root_id=<its root_id> and
    # the rest of the chain): 1+2=3, then 3+3=6, then 6*4.
    case("chain-step")
    add.apply_async((3, 3), task_id=ids[1], parent_id=ids[0], root_id=ids[0],
                    chain=[mul.s(4).set(task_id=ids[2])])
    mul.apply_async((6, 4), task_id=ids[2], parent_id=ids[1], root_id=ids[0])

    case("group")
    r = group(add.s(i, i) for i in range(3)).apply_async()
    results["group"] = {"id": r.id, "children": [c.id for c in r.results]}

    case("chord")
    r = chord((add.s(i, 1) for i in range(2)), xsum.s()).apply_async()
    results["chord"] = {"callback": r.id, "header": [c.id for c in (r.parent.results if r.parent else [])]}

    case("retry")
    r = add.apply_async((5, 6), retries=2)
    results["retry"] = r.id

    case("eta")
    eta = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    r = add.apply_async((7, 8), eta=eta)
    results["eta"] = r.id

    json.dump({"serializers": serializers, "results": results, "sent": sent},
              sys.stdout, indent=1, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
