"""Send N defaulttasks.record tasks with Celery's default configuration and
print their ids as JSON, in order.

Usage: CELERY_BROKER_URL=amqp://… send_default.py N
"""
import json
import sys

from defaulttasks import app, record


def main():
    n = int(sys.argv[1])
    ids = []
    with app.connection_for_write() as conn:
        for i in range(n):
            ids.append(record.apply_async((i,), connection=conn).id)
    json.dump(ids, sys.stdout)


if __name__ == "__main__":
    main()
