#!/usr/bin/python3
"""Writes the Protobuf fixtures of protodec's tests with Debian's
python3-protobuf, from classes that gen.sh generated with protoc."""
import sys

sys.path.insert(0, sys.argv[1])

from google.protobuf import any_pb2  # noqa: E402
from shop.v1 import shop_pb2, common_pb2  # noqa: E402

out = sys.argv[2]

o = shop_pb2.Order(order_id=42, status=shop_pb2.Order.STATUS_PLACED, password="hunter2")
o.customer.name = "Ada"
o.customer.email = "ada@example.com"
line = o.lines.add(sku="SKU-1", quantity=3)
line.price.CopyFrom(common_pb2.Money(currency="EUR", minor_units=1999))
o.lines.add(sku="SKU-2", quantity=1)
o.labels["channel"] = "web"
o.labels["region"] = "eu"
o.card.last4 = "4242"
o.placed_at.FromJsonString("2024-05-01T12:00:05Z")
o.ttl.FromSeconds(90)
o.detail.Pack(shop_pb2.Shipment(order_id=42, carrier="DHL"))
o.extra.update({"gift": True, "note": "leave at door"})
with open(out + "/order.bin", "wb") as f:
    f.write(o.SerializeToString())

s = shop_pb2.Shipment(order_id=7, carrier="UPS")
with open(out + "/shipment.bin", "wb") as f:
    f.write(s.SerializeToString())

v = shop_pb2.Order(order_id=9, voucher="SPRING24")
with open(out + "/order_voucher.bin", "wb") as f:
    f.write(v.SerializeToString())

n = shop_pb2.Node(value=1)
cur = n
for i in range(200):
    cur = cur.child
    cur.value = i
with open(out + "/deep.bin", "wb") as f:
    f.write(n.SerializeToString())

# What python3-protobuf makes of the order as JSON, for comparison.
from google.protobuf import json_format  # noqa: E402

with open(out + "/order.json", "w") as f:
    f.write(json_format.MessageToJson(o, preserving_proto_field_name=True, sort_keys=True))
    f.write("\n")
