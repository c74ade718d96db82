"""The Celery side of `make demo-mirror`: a production app whose tasks go to
a topic exchange (not Celery's default exchange), so that shoveltap setup can
mirror that exchange to another broker.

Worker:     python3 -m celery -A celery_demo.app worker -Q demo.tasks.worker
Generator:  python3 -m celery_demo.generate
"""
import os
import random
import time

from celery import Celery
from kombu import Exchange, Queue

BROKER = os.environ.get("DEMO_BROKER", "amqp://guest:guest@localhost:5672//")
EXCHANGE = os.environ.get("DEMO_EXCHANGE", "demo.tasks")

tasks_exchange = Exchange(EXCHANGE, type="topic", durable=True)
worker_queue = Queue(EXCHANGE + ".worker", tasks_exchange, routing_key="tasks.#", durable=True)

app = Celery("celery_demo", broker=BROKER)
app.conf.update(
    task_queues=[worker_queue],
    task_default_exchange=EXCHANGE,
    task_default_exchange_type="topic",
    task_default_routing_key="tasks.default",
    task_routes={
        "celery_demo.app.send_email": {"exchange": EXCHANGE, "routing_key": "tasks.email.send"},
        "celery_demo.app.build_report": {"exchange": EXCHANGE, "routing_key": "tasks.report.build"},
        "celery_demo.app.resize_image": {"exchange": EXCHANGE, "routing_key": "tasks.image.resize"},
    },
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task
def send_email(to, subject, body=""):
    time.sleep(random.uniform(0.001, 0.01))
    return {"to": to, "sent": True}


@app.task
def build_report(report_id, period, fmt="pdf"):
    time.sleep(random.uniform(0.005, 0.02))
    return {"report": report_id, "pages": random.randint(1, 40)}


@app.task
def resize_image(path, width, height):
    time.sleep(random.uniform(0.001, 0.01))
    return {"path": path, "size": [width, height]}
