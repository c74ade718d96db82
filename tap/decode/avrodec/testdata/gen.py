#!/usr/bin/python3
"""Writes the Avro fixtures of avrodec's tests with Debian's python3-avro:
raw binary encodings, single-object encodings (C3 01, then the schema's
CRC-64-AVRO fingerprint, little-endian, computed here from the spec's
algorithm over the Parsing Canonical Form), and the records as JSON."""
import datetime
import io
import json

import sys

import avro.io
import avro.schema

sys.setrecursionlimit(100000)
names = avro.schema.Names()
money = avro.schema.make_avsc_object(json.load(open("schemas/money.avsc")), names)
order = avro.schema.make_avsc_object(json.load(open("schemas/order.avsc")), names)
node = avro.schema.make_avsc_object(json.load(open("schemas/node.avsc")), names)

EMPTY = 0xC15D213AA4D7A795
TABLE = []
for i in range(256):
    fp = i
    for _ in range(8):
        fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
    TABLE.append(fp)


def crc64_avro(data):
    fp = EMPTY
    for b in data:
        fp = (fp >> 8) ^ TABLE[(fp ^ b) & 0xFF]
    return fp


def encode(schema, datum):
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def simple(v):
    """python3-avro 1.11 leaves a primitive whose logicalType it stripped as
    {"type": "long"}; the spec's [PRIMITIVES] rule and the Java reference
    implementation write "long". Done here so the fingerprints are the
    spec's."""
    if isinstance(v, dict):
        if set(v) == {"type"} and v["type"] in PRIMITIVES:
            return v["type"]
        return {k: simple(x) for k, x in v.items()}
    if isinstance(v, list):
        return [simple(x) for x in v]
    return v


def canonical(schema):
    return json.dumps(simple(json.loads(schema.canonical_form)), separators=(",", ":"))


def single_object(schema, datum):
    fp = crc64_avro(canonical(schema).encode())
    return b"\xc3\x01" + fp.to_bytes(8, "little") + encode(schema, datum)


rec = {
    "order_id": 42,
    "customer": {"name": "Ada", "email": "ada@example.com"},
    "lines": [
        {"sku": "SKU-1", "quantity": 3, "price": {"currency": "EUR", "minor_units": 1999}},
        {"sku": "SKU-2", "quantity": 1, "price": {"currency": "EUR", "minor_units": 500}},
    ],
    "labels": {"channel": "web", "region": "eu"},
    "status": "PLACED",
    "placed_at": datetime.datetime(2024, 5, 1, 12, 0, 5, tzinfo=datetime.timezone.utc),
    "voucher": None,
    "password": "hunter2",
}
open("order.bin", "wb").write(encode(order, rec))
open("order.single.bin", "wb").write(single_object(order, rec))
open("money.single.bin", "wb").write(single_object(money, {"currency": "USD", "minor_units": 7}))

# A list nested 150 deep, for the depth bound.
deep = {"value": 0, "child": None}
for i in range(1, 150):
    deep = {"value": i, "child": deep}
open("deep.bin", "wb").write(encode(node, deep))

js = dict(rec)
js["placed_at"] = "2024-05-01T12:00:05Z"
open("order.json", "w").write(json.dumps(js, indent=2, sort_keys=True) + "\n")
open("fingerprints.txt", "w").write("".join(
    "%s %016x\n" % (s.fullname, crc64_avro(canonical(s).encode())) for s in (money, order, node)))
