#!/usr/bin/python3
"""Write the non-Celery fixtures: oslo.messaging, Spring AMQP, MassTransit,
NServiceBus, kombu type markers and generic bodies.

These are hand-built to match what the senders put on the wire
(oslo.messaging's amqpdriver and notifier, Spring's Jackson2JsonMessageConverter,
MassTransit's JSON envelope, NServiceBus's headers). Run from this
directory: /usr/bin/python3 gen_others.py. Same NAME.json + NAME.body
layout as gen_celery.py.
"""
import json
import zlib


def write(name, body, content_type='application/json', headers=None, exchange='', routing_key='',
          correlation_id='', reply_to='', content_encoding='', msg_type=''):
    meta = {'exchange': exchange, 'routing_key': routing_key, 'content_type': content_type,
            'content_encoding': content_encoding, 'correlation_id': correlation_id,
            'reply_to': reply_to, 'type': msg_type, 'headers': headers or {}}
    with open(name + '.json', 'w') as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
        f.write('\n')
    if isinstance(body, str):
        body = body.encode()
    with open(name + '.body', 'wb') as f:
        f.write(body)


def envelope(msg):
    # oslo.messaging's _serialize_msg: the message JSON-encoded inside a dict.
    return json.dumps({'oslo.version': '2.0', 'oslo.message': json.dumps(msg)})


context = {
    '_context_domain': None,
    '_context_request_id': 'req-5b8c7a1e-7a4b-4a2e-9d61-3f2a00000001',
    '_context_user_id': '9a1f6d5c0b1e4c3a8f7e6d5c4b3a2910',
    '_context_project_id': 'c0ffee00c0ffee00c0ffee00c0ffee00',
    '_context_roles': ['member', 'reader'],
    '_context_is_admin': False,
    '_context_auth_token': 'gAAAAABmSECRETTOKENVALUE-do-not-show',
    '_context_read_deleted': 'no',
    '_context_service_catalog': [{'type': 'image', 'name': 'glance'}],
}

notify = {
    'message_id': '8f3c1b0e-52c4-4a8e-b0e1-3f2a00000101',
    'publisher_id': 'compute.host1',
    'event_type': 'compute.instance.create.end',
    'priority': 'INFO',
    'payload': {'instance_id': '1d2c3b4a-0000-4000-8000-3f2a00000102', 'display_name': 'web-01',
                'state': 'active', 'memory_mb': 2048, 'vcpus': 2, 'host': 'host1'},
    'timestamp': '2024-05-01 12:00:05.123456',
}
notify.update(context)
write('oslo_notify_envelope', envelope(notify), exchange='nova', routing_key='notifications.info')

# Unenveloped notification, as the older "messaging" driver v1 sent them.
n1 = dict(notify, event_type='image.upload', publisher_id='image.localhost', priority='WARN',
          payload={'id': 'a1b2', 'size': 1024})
write('oslo_notify_plain', json.dumps(n1), exchange='glance', routing_key='notifications.warn')

call = {
    'method': 'get_console_output',
    'args': {'instance_uuid': '1d2c3b4a-0000-4000-8000-3f2a00000102', 'tail_length': 50,
             'admin_password': 'hunter2'},
    'namespace': None,
    'version': '6.0',
    '_msg_id': '5e1f0c9b7a6d4e3f8a2b1c0d3f2a0201',
    '_reply_q': 'reply_9b8a7c6d5e4f4a3b2c1d0e9f8a7b6c5d',
    '_unique_id': '3f2a0202aa',
    '_timeout': 60,
}
call.update(context)
write('oslo_rpc_call', envelope(call), exchange='nova', routing_key='compute.host1')

cast = {'method': 'update_available_resource', 'args': {'nodename': 'host1'},
        'namespace': 'baseapi', 'version': '1.0', '_unique_id': '3f2a0203bb'}
cast.update(context)
write('oslo_rpc_cast', json.dumps(cast), exchange='nova', routing_key='scheduler')

reply = {'result': {'output': 'login: '}, 'failure': None, 'ending': True,
         '_msg_id': '5e1f0c9b7a6d4e3f8a2b1c0d3f2a0201', '_unique_id': '3f2a0204cc'}
write('oslo_reply', envelope(reply), routing_key='reply_9b8a7c6d5e4f4a3b2c1d0e9f8a7b6c5d')

failure = {'class': 'InstanceNotFound', 'module': 'nova.exception',
           'message': 'Instance 1d2c3b4a could not be found.',
           'tb': ['Traceback (most recent call last):\n', '  ...\n'], 'args': [], 'kwargs': {'code': 404}}
reply_fail = {'result': None, 'failure': json.dumps(failure), 'ending': False,
              '_msg_id': '5e1f0c9b7a6d4e3f8a2b1c0d3f2a0205', '_unique_id': '3f2a0206dd'}
write('oslo_reply_failure', envelope(reply_fail), routing_key='reply_9b8a7c6d5e4f4a3b2c1d0e9f8a7b6c5d')

# Spring AMQP Jackson2JsonMessageConverter.
write('spring', json.dumps({'orderId': 1842, 'customer': 'ACME', 'total': 99.5}),
      headers={'__TypeId__': 'com.acme.orders.OrderCreated', 'contentType': 'application/json'},
      exchange='orders', routing_key='order.created', content_encoding='UTF-8')
write('spring_list', json.dumps([{'sku': 'A-1'}, {'sku': 'B-2'}]),
      headers={'__TypeId__': 'java.util.ArrayList', '__ContentTypeId__': 'com.acme.orders.LineItem'},
      exchange='orders', routing_key='order.lines', content_encoding='UTF-8')

# MassTransit JSON envelope (camelCase, messageType URNs).
mt = {
    'messageId': '00010000-ac12-0242-3f2a-08dc6a1b2c3d',
    'requestId': None,
    'correlationId': None,
    'conversationId': '00010000-ac12-0242-3f2a-08dc6a1b2c3e',
    'sourceAddress': 'rabbitmq://localhost/host1_OrdersApi_bus_abc123?temporary=true',
    'destinationAddress': 'rabbitmq://localhost/Acme.Orders.Contracts:OrderSubmitted',
    'messageType': ['urn:message:Acme.Orders.Contracts:OrderSubmitted', 'urn:message:Acme.Orders.Contracts:IOrderEvent'],
    'message': {'orderId': '3f2a0301-0000-4000-8000-000000000301', 'customerNumber': 'C-77', 'total': 12.5},
    'sentTime': '2024-05-01T12:00:05.1234567Z',
    'headers': {},
    'host': {'machineName': 'host1', 'processName': 'Acme.Orders.Api', 'processId': 4242,
             'assembly': 'Acme.Orders.Api', 'assemblyVersion': '1.0.0.0',
             'frameworkVersion': '8.0.4', 'massTransitVersion': '8.2.1.0', 'operatingSystemVersion': 'Unix 6.1.0'},
}
write('masstransit', json.dumps(mt), content_type='application/vnd.masstransit+json',
      exchange='Acme.Orders.Contracts:OrderSubmitted', msg_type='')

# NServiceBus over RabbitMQ: metadata in headers, body plain JSON.
write('nservicebus', json.dumps({'OrderId': 1842, 'Product': 'Widget'}),
      headers={
          'NServiceBus.MessageId': '3f2a0401-0000-4000-8000-b13c00000401',
          'NServiceBus.MessageIntent': 'Send',
          'NServiceBus.ConversationId': '3f2a0402-0000-4000-8000-b13c00000402',
          'NServiceBus.CorrelationId': '3f2a0401-0000-4000-8000-b13c00000401',
          'NServiceBus.OriginatingEndpoint': 'Sales.Api',
          'NServiceBus.OriginatingMachine': 'HOST1',
          'NServiceBus.ReplyToAddress': 'Sales.Api',
          'NServiceBus.ContentType': 'application/json',
          'NServiceBus.EnclosedMessageTypes': 'Sales.Messages.PlaceOrder, Sales.Messages, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null;Sales.Messages.IOrderCommand, Sales.Messages, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null',
          'NServiceBus.TimeSent': '2024-05-01 12:00:05:123456 Z',
          'NServiceBus.Version': '8.1.6',
      }, content_type='application/json', exchange='Sales', msg_type='Sales.Messages.PlaceOrder')

# A Celery protocol 2 task whose kwargs use kombu's JSON type markers
# (kombu >= 5.3 encodes datetime, Decimal, UUID and bytes this way).
typed_body = json.dumps([[], {
    'when': {'__type__': 'datetime', '__value__': '2024-05-01T12:00:05+00:00'},
    'amount': {'__type__': 'decimal', '__value__': '12.50'},
    'ref': {'__type__': 'uuid', '__value__': '3f2a0501-0000-4000-8000-000000000501'},
    'blob': {'__type__': 'bytes', '__value__': 'raw\u00e9'},
}, {'callbacks': None, 'errbacks': None, 'chain': None, 'chord': None}])
write('celery_json_kombu_types', typed_body, content_encoding='utf-8', routing_key='celery',
      correlation_id='3f2a0501-0000-4000-8000-000000000501', headers={
          'lang': 'py', 'task': 'billing.invoice', 'id': '3f2a0501-0000-4000-8000-000000000501',
          'root_id': '3f2a0501-0000-4000-8000-000000000501', 'parent_id': None, 'group': None,
          'retries': 0, 'timelimit': [None, None], 'eta': None, 'expires': None,
          'argsrepr': '()', 'kwargsrepr': "{'when': datetime.datetime(2024, 5, 1, 12, 0, 5), ...}",
          'origin': 'gen4242@worker1', 'shadow': None, 'ignore_result': False})

# Generic bodies.
write('generic_json', json.dumps({'order_id': 1842, 'items': 3, 'note': 'überweisung ✓'}, ensure_ascii=False),
      exchange='shop', routing_key='order.placed')
write('generic_text', 'ERROR 2024-05-01 12:00:05 payment gateway timeout\nretrying in 5s\n',
      content_type='text/plain', exchange='logs', routing_key='payments.error')
write('generic_binary', bytes(range(256)) * 2, content_type='application/octet-stream',
      exchange='blobs', routing_key='raw')
write('generic_empty', b'', content_type='', exchange='pings', routing_key='ping')
write('generic_truncated', json.dumps([{'id': i, 'name': 'item-%05d' % i, 'tags': ['a', 'b']} for i in range(4000)]),
      exchange='bulk', routing_key='items')
write('generic_gzip', zlib.compress(json.dumps({'compressed': True, 'n': 42}).encode()),
      content_encoding='deflate', exchange='shop', routing_key='zipped')

# A nova call whose args carry the console token under the plain key
# "token" (compute rpcapi validate_console_auth_token; access_url left
# out), which an older rule showed in clear, beside the context's token.
console = {
    'method': 'validate_console_auth_token',
    'args': {'instance': {'nova_object.name': 'Instance', 'nova_object.namespace': 'nova',
                          'nova_object.version': '2.7',
                          'nova_object.data': {'uuid': '1d2c3b4a-0000-4000-8000-3f2a00000102'}},
             'token': 'e4c2a3f1-9b7d-4c1e-8a6f-CONSOLETOKEN-do-not-show'},
    'namespace': None,
    'version': '6.0',
    '_msg_id': '5e1f0c9b7a6d4e3f8a2b1c0d3f2a0207',
    '_reply_q': 'reply_9b8a7c6d5e4f4a3b2c1d0e9f8a7b6c5d',
    '_unique_id': '3f2a0208ee',
    '_timeout': None,
}
console.update(context)
write('oslo_rpc_console_token', envelope(console), exchange='nova', routing_key='compute.host1')
