"""A Celery app for shoveltap's lifecycle test (tap/lifecycle).

Configured from the environment: CELERY_BROKER_URL; LC_QUEUE, the queue
the tasks go to; LC_EXCHANGE, a topic exchange to route them through, or
empty for Celery's default (the default exchange, straight to the queue);
LC_BACKEND, a result backend (rpc://) or nothing;
LC_RECORD_FILE, where the worker writes each task's runtime by its own
clock (from task_prerun to task_postrun), for the test to compare with the
runtime of task-succeeded.
"""
import json
import os
import time

from celery import Celery
from celery.signals import task_postrun, task_prerun
from kombu import Exchange, Queue

app = Celery("lifetasks", broker=os.environ["CELERY_BROKER_URL"])
_queue = os.environ["LC_QUEUE"]
_exchange = os.environ.get("LC_EXCHANGE", "")
if _exchange:
    _ex = Exchange(_exchange, type="topic")
    app.conf.task_queues = (Queue(_queue, _ex, routing_key="lc.#"),)
    app.conf.task_default_exchange = _exchange
    app.conf.task_default_exchange_type = "topic"
    app.conf.task_default_routing_key = "lc.task"
app.conf.task_default_queue = _queue
if os.environ.get("LC_BACKEND"):
    # rpc://: each result goes back to the client's own queue through the
    # default exchange, with correlation_id set to the task id.
    app.conf.result_backend = os.environ["LC_BACKEND"]
app.conf.task_serializer = "json"
app.conf.broker_connection_retry = False

_started = {}


@task_prerun.connect
def _prerun(task_id=None, **kw):
    _started[task_id] = time.monotonic()


@task_postrun.connect
def _postrun(task_id=None, state=None, **kw):
    t = _started.pop(task_id, None)
    path = os.environ.get("LC_RECORD_FILE")
    if t is None or not path:
        return
    with open(path, "a") as f:
        f.write(json.dumps({"id": task_id, "state": state, "runtime": time.monotonic() - t}) + "\n")


@app.task(name="lc.add")
def add(x, y):
    time.sleep(0.05)
    return x + y


@app.task(name="lc.fail")
def fail(n):
    raise ValueError("boom %d" % n)


@app.task(name="lc.flaky", bind=True, max_retries=3)
def flaky(self, n):
    if self.request.retries < 1:
        raise self.retry(exc=OSError("down %d" % n), countdown=0.3)
    return n


@app.task(name="lc.slow")
def slow(n):
    time.sleep(0.1)
    return n
