#!/usr/bin/python3
"""Regenerate the Celery fixtures in this directory with real Celery/kombu.

Run from this directory: /usr/bin/python3 gen_celery.py (Debian's
python3-celery, python3-msgpack, python3-yaml). Messages go through
kombu's in-memory transport, so no broker is needed. Each fixture is
NAME.json (properties and headers, as the tap sees them) and NAME.body
(the raw body bytes). Ids and dates are fixed afterwards so the files stay
stable between runs.
"""
import datetime
import json
import re
import uuid
import zlib

import kombu
from celery import Celery, chain, chord, group
from celery.events import Event

app = Celery('tasks', broker='memory://', backend='cache+memory://')
app.conf.task_default_queue = 'celery'


@app.task(name='tasks.add')
def add(x, y):
    return x + y


@app.task(name='tasks.mul')
def mul(x, y):
    return x * y


@app.task(name='tasks.tsum')
def tsum(xs):
    return sum(xs)


@app.task(name='tasks.charge_card')
def charge_card(order, amount=None, note=None, customer=None):
    return True


@app.task(name='tasks.on_error')
def on_error(*a):
    pass


_ids = {}
_fixture = ['']


def stable(data):
    """Replace random UUIDs and the process id with deterministic ones.

    Ids are numbered per fixture and prefixed with a hash of its name, so
    adding a fixture does not renumber the others. Ids that are already
    stable (written by hand below) are kept.
    """
    prefix = '3f2a%04x' % (zlib.crc32(_fixture[0].encode()) & 0xffff)

    def sub(u):
        if '-0000-4000-8000-' in u:
            return u
        if u not in _ids:
            _ids[u] = '%s-0000-4000-8000-%012x' % (prefix[:8], len(_ids) + 1)
        return _ids[u]
    pat = rb'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
    if isinstance(data, str):
        return re.sub(pat.decode(), lambda m: sub(m.group(0)), data).replace(ORIGIN, 'gen4242@worker1')
    data = re.sub(pat, lambda m: sub(m.group(0).decode()).encode(), data)
    return data.replace(ORIGIN.encode(), b'gen4242@worker1')


def stable_obj(o):
    if isinstance(o, dict):
        return {k: stable_obj(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [stable_obj(v) for v in o]
    if isinstance(o, str):
        return stable(o)
    return o


ORIGIN = app.amqp.as_task_v2('x', 'x').headers['origin']


def write(name, headers, props, body):
    _fixture[0] = name
    _ids.clear()
    meta = {
        'exchange': props.get('exchange', ''),
        'routing_key': props.get('routing_key', 'celery'),
        'content_type': props.get('content_type', ''),
        'content_encoding': props.get('content_encoding', ''),
        'correlation_id': stable(props.get('correlation_id', '') or ''),
        'reply_to': stable(props.get('reply_to', '') or ''),
        'headers': stable_obj(headers or {}),
    }
    with open(name + '.json', 'w') as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
        f.write('\n')
    if isinstance(body, str):
        body = body.encode()
    # Binary serializers (pickle, msgpack, compressed) keep their bytes:
    # only JSON-ish text bodies get stable ids.
    if props.get('content_type') in ('application/json', 'application/x-yaml'):
        body = stable(body)
    # kombu's Message already decompressed the body: compress it again the
    # way the producer did, so the fixture holds the bytes on the wire.
    if (headers or {}).get('compression'):
        from kombu.compression import compress
        body, _ = compress(body, headers['compression'])
    with open(name + '.body', 'wb') as f:
        f.write(body)


def capture(name, send, undefined=False):
    """Run send() against the memory broker and write the message it sent."""
    with app.connection() as conn:
        # Group and chord send several messages: keep only the first.
        try:
            conn.default_channel.queue_purge('celery')
        except Exception:
            pass
        send(conn)
        m = conn.default_channel.basic_get('celery')
        props = dict(m.properties)
        props.update(content_type=m.content_type, content_encoding=m.content_encoding,
                     exchange=m.delivery_info.get('exchange', ''),
                     routing_key=m.delivery_info.get('routing_key', ''))
        headers = dict(m.headers)
        if undefined:
            headers = {k: ('undefined' if v is None else v) for k, v in headers.items()}
        write(name, headers, props, m.body)


eta = datetime.datetime(2024, 5, 1, 12, 0, 5, tzinfo=datetime.timezone.utc)
exp = datetime.datetime(2024, 5, 1, 13, 0, 0, tzinfo=datetime.timezone.utc)

capture('celery_json_add', lambda c: add.apply_async((2, 3), connection=c, retries=2, eta=eta))
capture('celery_json_kwargs_unicode', lambda c: charge_card.apply_async(
    kwargs={'order': 1842, 'amount': 12.5, 'note': 'café ☕ "rush"', 'customer': {'name': 'Zoë', 'vip': True, 'tags': None}},
    connection=c, expires=exp, time_limit=30, soft_time_limit=20, shadow='charge_card[order=1842]'))
capture('celery_json_undefined', lambda c: add.apply_async((4, 4), connection=c), undefined=True)
capture('celery_json_chain', lambda c: chain(add.s(1, 2), mul.s(4), add.s(10)).apply_async(connection=c))
capture('celery_json_callbacks', lambda c: add.apply_async((1, 1), link=mul.s(3), link_error=on_error.s(), connection=c))
capture('celery_json_group', lambda c: group(add.s(i, i) for i in range(3)).apply_async(connection=c))
capture('celery_json_chord', lambda c: chord([add.s(1, 1), add.s(2, 2)], tsum.s()).apply_async(connection=c))
capture('celery_json_workflow', lambda c: chain(
    add.s(1, 1), group(mul.s(2), mul.s(3)), tsum.s(), add.s(100)).apply_async(connection=c))
capture('celery_msgpack', lambda c: charge_card.apply_async(
    kwargs={'order': 7, 'customer': {1: 'one', 2: 'two'}}, serializer='msgpack', connection=c))
capture('celery_yaml', lambda c: add.apply_async((2, 3), serializer='yaml', connection=c))
capture('celery_pickle', lambda c: charge_card.apply_async(
    (99,), {'note': 'pickled', 'customer': {'when': eta}}, serializer='pickle', connection=c))
capture('celery_zlib', lambda c: add.apply_async((2, 3), compression='zlib', connection=c))
capture('celery_bzip2', lambda c: add.apply_async((5, 6), compression='bzip2', connection=c))

# Protocol 1, as Celery 3.x sent it and 4.x/5.x still can (task_protocol=1).
m = app.amqp.as_task_v1(str(uuid.uuid4()), 'tasks.add', (2, 3), {}, retries=1, eta=eta,
                        expires=exp, callbacks=[mul.s(2)], errbacks=None, time_limit=10)
from kombu.serialization import dumps
ct, enc, data = dumps(m.body, 'json')
write('celery_v1', m.headers, dict(m.properties, content_type=ct, content_encoding=enc,
                                  correlation_id=m.body['id']), data)

# rpc:// results, as RPCBackend._to_result builds them.
from celery.backends.rpc import RPCBackend
be = RPCBackend(app)
tid = str(uuid.uuid4())
body = be._to_result(tid, 'SUCCESS', 5, None, None)
ct, enc, data = dumps(body, 'json')
write('celery_result_success', {}, {'content_type': ct, 'content_encoding': enc, 'correlation_id': tid,
                                   'routing_key': 'dc2aa359-8be6-3d54-b75f-b5ac75e0e6ed'}, data)
tid = str(uuid.uuid4())
try:
    1 / 0
except ZeroDivisionError as e:
    import traceback
    tb = traceback.format_exc()
    body = be._to_result(tid, 'FAILURE', be.prepare_exception(e, 'json'), tb, None)
ct, enc, data = dumps(body, 'json')
write('celery_result_failure', {}, {'content_type': ct, 'content_encoding': enc, 'correlation_id': tid,
                                   'routing_key': 'dc2aa359-8be6-3d54-b75f-b5ac75e0e6ed'}, data)

# Events as celery.events.EventDispatcher publishes them (exchange celeryev,
# routing key = type with '-' replaced by '.').
def event(name, ev):
    ct, enc, data = dumps(ev, 'json')
    write(name, {'hostname': 'celery@worker1'}, {'content_type': ct, 'content_encoding': enc,
          'exchange': 'celeryev', 'routing_key': ev['type'].replace('-', '.')}, data)

t0 = 1714564805.123
event('celery_event_received', Event('task-received', uuid='3f2a0000-0000-4000-8000-0000000000aa', name='tasks.add',
      args='(2, 3)', kwargs='{}', root_id='3f2a0000-0000-4000-8000-0000000000aa', parent_id=None, retries=0,
      eta=None, expires=None, hostname='celery@worker1', timestamp=t0, local_received=t0, clock=12, utcoffset=0, pid=4242))
event('celery_event_succeeded', Event('task-succeeded', uuid='3f2a0000-0000-4000-8000-0000000000aa', result='5',
      runtime=0.0123, hostname='celery@worker1', timestamp=t0 + 1, clock=13, utcoffset=0, pid=4242))
event('celery_event_failed', Event('task-failed', uuid='3f2a0000-0000-4000-8000-0000000000ab',
      exception="ZeroDivisionError('division by zero')", traceback='Traceback (most recent call last):\n  ...\nZeroDivisionError: division by zero\n',
      hostname='celery@worker1', timestamp=t0 + 2, clock=14, utcoffset=0, pid=4242))
event('celery_event_heartbeat', Event('worker-heartbeat', hostname='celery@worker1', freq=2.0, sw_ident='py-celery',
      sw_ver='5.2.6', sw_sys='Linux', active=2, processed=120, loadavg=[0.1, 0.2, 0.3], timestamp=t0, clock=15,
      utcoffset=0, pid=4242))

# kombu's other compressions, registered by kombu.compression when their
# modules import: zstd needs python3-zstandard, brotli python3-brotli, and
# lzma is the standard library's lzma.compress (the xz container).
capture('celery_zstd', lambda c: add.apply_async((7, 8), compression='zstd', connection=c))
capture('celery_brotli', lambda c: add.apply_async((9, 10), compression='brotli', connection=c))
capture('celery_lzma', lambda c: add.apply_async((11, 12), compression='lzma', connection=c))
