"""A Celery app with Celery's default configuration, for shoveltap's
firehose test: tasks go through the default exchange straight to the queue
"celery", and a real worker runs them.

The broker comes from CELERY_BROKER_URL; each task run appends its argument
to the file named by CELERY_RECORD_FILE, so the test can count what the
worker processed.
"""
import os

from celery import Celery

app = Celery("defaulttasks", broker=os.environ["CELERY_BROKER_URL"])
# Remote control declares a transient, non-exclusive reply queue, which a
# hardened RabbitMQ 4 (transient_nonexcl_queues denied) refuses; the test
# needs none of it. Everything else stays Celery's default.
app.conf.worker_enable_remote_control = False


@app.task(name="defaulttasks.record")
def record(n):
    with open(os.environ["CELERY_RECORD_FILE"], "a") as f:
        f.write("%d\n" % n)
    return n
