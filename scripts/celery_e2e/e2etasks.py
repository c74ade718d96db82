"""A tiny Celery app for shoveltap's end-to-end test.

Nothing here runs a worker: the test only sends tasks and reads them off the
wire. configure() points the app at a broker and routes every task through a
topic exchange, not Celery's default exchange, because that is what
shoveltap taps.
"""
from celery import Celery
from kombu import Exchange, Queue

app = Celery("e2etasks")


def configure(broker, exchange, queue):
    """Route every task to `queue`, bound to the topic `exchange` by e2e.#.

    The exchange is declared non-durable and the queue durable (a transient
    non-exclusive queue is refused by a hardened RabbitMQ 4), as the Go test
    declares them, so Celery's own declarations match.
    """
    ex = Exchange(exchange, type="topic", durable=False)
    q = Queue(queue, ex, routing_key="e2e.#", durable=True)
    app.conf.update(
        broker_url=broker,
        # Chords need a backend that stores the group; the in-process cache
        # needs no server and sends no messages.
        result_backend="cache+memory://",
        task_queues=(q,),
        task_default_queue=queue,
        task_default_exchange=exchange,
        task_default_exchange_type="topic",
        task_default_routing_key="e2e.task",
        task_routes=(route,),
        task_serializer="json",
        accept_content=["json", "msgpack", "yaml", "pickle"],
        broker_connection_retry=False,
        broker_connection_max_retries=1,
    )


def route(name, args, kwargs, options, task=None, **kw):
    # One routing key per task name, so rk: filters have something to match.
    return {"queue": app.conf.task_default_queue, "routing_key": "e2e." + name}


@app.task(name="e2etasks.add")
def add(x, y):
    return x + y


@app.task(name="e2etasks.mul")
def mul(x, y):
    return x * y


@app.task(name="e2etasks.xsum")
def xsum(numbers):
    return sum(numbers)


@app.task(name="e2etasks.echo")
def echo(*args, **kwargs):
    return [args, kwargs]
