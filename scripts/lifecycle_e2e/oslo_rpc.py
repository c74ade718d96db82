#!/usr/bin/python3
"""A real oslo.messaging RPC server and client for shoveltap's lifecycle
test (tap/lifecycle). Run with Debian's /usr/bin/python3 and
python3-oslo.messaging; the broker URL comes from OSLO_TRANSPORT_URL
(rabbit://USER:PASSWORD@HOST:PORT/VHOST) and the topic from OSLO_TOPIC.

  oslo_rpc.py server         serves echo (sleeps 0.1 s), explode (raises
                             ValueError('kaboom')) until killed.
  oslo_rpc.py client N       makes one warm-up call, prints its reply
                             queue as {"reply_q": ...}, waits for a line on
                             standard input, then makes N echo calls, 2
                             explode calls and one call to a topic nobody
                             serves (1 s timeout), and prints what each
                             took by its own clock as JSON.
"""
import json
import os
import sys
import time

import oslo_messaging as messaging
from oslo_config import cfg


def transport():
    # The global CONF: oslo.messaging registers its metrics options there
    # and the RPC client reads them.
    conf = cfg.CONF
    conf([], project="shoveltap-lifecycle")
    return messaging.get_rpc_transport(conf, url=os.environ["OSLO_TRANSPORT_URL"])


class Endpoint(object):
    def echo(self, ctxt, x):
        time.sleep(0.1)
        return x

    def explode(self, ctxt):
        raise ValueError("kaboom")


def server():
    t = transport()
    target = messaging.Target(topic=os.environ["OSLO_TOPIC"], server="lc-server")
    s = messaging.get_rpc_server(t, target, [Endpoint()], executor="threading")
    s.start()
    print(json.dumps({"serving": os.environ["OSLO_TOPIC"]}), flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    s.stop()
    s.wait()


def client(n):
    t = transport()
    c = messaging.get_rpc_client(t, messaging.Target(topic=os.environ["OSLO_TOPIC"]), timeout=10)
    c.call({}, "echo", x="warmup")
    reply_q = t._driver._reply_q
    print(json.dumps({"reply_q": reply_q}), flush=True)
    sys.stdin.readline()
    out = {"echo": [], "explode": [], "nobody": []}
    for i in range(n):
        start = time.monotonic()
        got = c.call({}, "echo", x=i)
        assert got == i, got
        out["echo"].append(time.monotonic() - start)
    for _ in range(2):
        start = time.monotonic()
        try:
            c.call({}, "explode")
        except Exception as e:  # builtins exceptions come back as themselves
            out["explode"].append({"took": time.monotonic() - start, "type": type(e).__name__, "value": str(e)})
    start = time.monotonic()
    try:
        c.prepare(topic=os.environ["OSLO_TOPIC"] + "-nobody", timeout=1).call({}, "nobody_home")
    except messaging.MessagingTimeout:
        out["nobody"].append(time.monotonic() - start)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server()
    else:
        client(int(sys.argv[2]))
