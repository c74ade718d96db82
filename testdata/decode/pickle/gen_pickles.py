#!/usr/bin/python3
"""Write pickles of every protocol (0-5) and pickletools' opcode listing
for each, to check the Go lister against Python's own disassembler.

Run from this directory: /usr/bin/python3 gen_pickles.py. Each pN.pkl is
the pickle; pN.ops has one "offset NAME" line per opcode.
"""
import datetime
import decimal
import pickle
import pickletools

value = (
    (2, 3, -7, 2**40, -2**70, 1.5, None, True, False),
    {'note': 'café ☕', 'when': datetime.datetime(2024, 5, 1, 12, 0, 5, tzinfo=datetime.timezone.utc),
     'amount': decimal.Decimal('12.50'), 'blob': b'\x00\x01raw', 'tags': {'a', 'b'},
     'frozen': frozenset([1]), 'nested': [[1, [2, [3]]], {'k': ('v',)}], 'ba': bytearray(b'xy')},
    {'callbacks': None, 'errbacks': None, 'chain': None, 'chord': None},
)

for proto in range(6):
    data = pickle.dumps(value, protocol=proto)
    with open('p%d.pkl' % proto, 'wb') as f:
        f.write(data)
    with open('p%d.ops' % proto, 'w') as f:
        for op, arg, pos in pickletools.genops(data):
            f.write('%d %s\n' % (pos, op.name))
