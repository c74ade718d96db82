"""Keeps sending Celery tasks to the demo topic exchange (see app.py) until
it is stopped. DEMO_RATE sets the tasks per second (default 10)."""
import os
import random
import signal
import sys
import time

from celery_demo.app import app, build_report, resize_image, send_email, tasks_exchange, worker_queue

running = True


def stop(*_):
    global running
    running = False


def main():
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    rate = float(os.environ.get("DEMO_RATE", "10"))
    # Declare the exchange and the worker's queue up front, so the mirror
    # can be set up before the worker has started.
    with app.connection_for_write() as conn:
        tasks_exchange(conn).declare()
        worker_queue(conn).declare()
    users = ["ada@example.com", "grace@example.com", "linus@example.com"]
    n = 0
    while running:
        n += 1
        pick = random.random()
        if pick < 0.5:
            send_email.apply_async(args=[random.choice(users), "Order #%d shipped" % n], kwargs={"body": "Your parcel is on its way."})
        elif pick < 0.8:
            resize_image.apply_async(args=["/uploads/img-%05d.jpg" % n, 640, 480])
        else:
            build_report.apply_async(args=["r-%d" % n, "2026-Q%d" % random.randint(1, 4)], kwargs={"fmt": random.choice(["pdf", "csv"])})
        if n % 100 == 0:
            print("generate: %d tasks sent" % n, flush=True)
        time.sleep(1.0 / rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
