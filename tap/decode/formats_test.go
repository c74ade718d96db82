package decode

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/vmihailenco/msgpack/v5"
)

// The fixtures below follow each framework's documentation: the
// CloudEvents AMQP protocol binding (binary mode with cloudEvents_ or
// cloudEvents: application properties, structured mode as
// application/cloudevents+json), Dramatiq's Message (queue_name,
// actor_name, args, kwargs, options, message_id, message_timestamp),
// Symfony Messenger's serializer (type header with the PHP class,
// X-Message-Stamp-* headers), EasyNetQ's type name serializer ("Namespace.
// Type, Assembly", older "Namespace_Type:Assembly"), MassTransit's JSON
// envelope and NServiceBus's headers.

func TestCloudEventsBinary(t *testing.T) {
	for _, prefix := range []string{"cloudEvents_", "cloudEvents:"} {
		in := Input{
			ContentType: "application/json",
			Headers: map[string]any{
				prefix + "specversion": "1.0", prefix + "type": "com.example.order.placed",
				prefix + "source": "/shop/orders", prefix + "id": "A234-1234-1234",
				prefix + "subject": "order/42", prefix + "time": "2024-05-01T12:00:05Z",
				prefix + "traceparent": "00-abc-def-01", prefix + "apitoken": "s3cret",
			},
			Body: []byte(`{"order_id": 42, "password": "hunter2"}`),
		}
		r := Decode(in)
		if r.Format != "cloudevents" || fieldValue(r, "Content mode") != "binary" || fieldValue(r, "Event type") != "com.example.order.placed" {
			t.Errorf("%s: %q %v", prefix, r.Format, r.Fields)
		}
		for k, v := range map[string]string{"ce.type": "com.example.order.placed", "ce.source": "/shop/orders", "ce.id": "A234-1234-1234", "ce.subject": "order/42", "ce.time": "2024-05-01T12:00:05Z", "type": "com.example.order.placed"} {
			if r.Terms[k] != v {
				t.Errorf("%s: term %s = %q, want %q", prefix, k, r.Terms[k], v)
			}
		}
		if fieldValue(r, "Extension traceparent") != "00-abc-def-01" || fieldValue(r, "Extension apitoken") != redacted {
			t.Errorf("%s: extensions %v", prefix, r.Fields)
		}
		if r.Body.Kind != BodyJSON || strings.Contains(r.Body.Text, "hunter2") || !strings.HasPrefix(r.Summary, "com.example.order.placed order/42 {") {
			t.Errorf("%s: body %q summary %q", prefix, r.Body.Text, r.Summary)
		}
	}
}

func TestCloudEventsStructured(t *testing.T) {
	r := Decode(Input{ContentType: "application/cloudevents+json; charset=utf-8", Body: []byte(`{
		"specversion": "1.0", "type": "com.github.pull_request.opened", "source": "https://github.com/cloudevents/spec/pull",
		"subject": "123", "id": "A234-1234-1234", "time": "2018-04-05T17:31:00Z", "comexampleextension1": "value",
		"datacontenttype": "text/xml", "data": "<much wow=\"xml\"/>"}`)})
	if r.Format != "cloudevents" || fieldValue(r, "Content mode") != "structured" || r.Terms["ce.subject"] != "123" || fieldValue(r, "Extension comexampleextension1") != "value" {
		t.Errorf("%q %v %v", r.Format, r.Fields, r.Terms)
	}
	if !strings.Contains(r.Body.Text, "much wow") {
		t.Errorf("data: %q", r.Body.Text)
	}
	// data_base64 is decoded and rendered by its own content type.
	b64 := base64.StdEncoding.EncodeToString([]byte(`{"a": 1}`))
	r = Decode(Input{ContentType: "application/cloudevents+json", Body: []byte(`{"specversion":"1.0","type":"t","source":"s","id":"1","datacontenttype":"application/json","data_base64":"` + b64 + `"}`)})
	if r.Body.Kind != BodyJSON || !strings.Contains(r.Body.Text, `"a": 1`) {
		t.Errorf("data_base64: %v %q %q", r.Body.Kind, r.Body.Text, r.Notes)
	}
	// Without the content type, the required attributes identify it.
	r = Decode(Input{ContentType: "application/json", Body: []byte(`{"specversion":"1.0","type":"t","source":"s","id":"1","data":{"x":1}}`)})
	if r.Format != "cloudevents" {
		t.Errorf("by shape: %q", r.Format)
	}
	// A JSON body with some of them is not an event.
	if r := Decode(Input{Body: []byte(`{"type":"t","id":"1","source":"s"}`)}); r.Format == "cloudevents" {
		t.Error("claimed without specversion")
	}
	if r := Decode(Input{ContentType: "application/cloudevents+json", Body: []byte(`not json`)}); r.Format != "cloudevents" || len(r.Notes) == 0 {
		t.Errorf("bad structured: %q %q", r.Format, r.Notes)
	}
}

func TestDramatiq(t *testing.T) {
	r := Decode(Input{ContentType: "application/json", Body: []byte(`{"queue_name":"default","actor_name":"add","args":[1,2],"kwargs":{"password":"x"},"options":{"max_retries":3},"message_id":"e0d27b45-7900-41da-bb97-553b8a081206","message_timestamp":1497862448685}`)})
	if r.Format != "dramatiq" || !strings.HasPrefix(r.Summary, "add(1, 2") || r.Terms["task"] != "add" || r.Terms["id"] != "e0d27b45-7900-41da-bb97-553b8a081206" || fieldValue(r, "Queue") != "default" {
		t.Errorf("%q %q %v %v", r.Format, r.Summary, r.Terms, r.Fields)
	}
	if strings.Contains(r.Summary+r.Body.Text+fieldValue(r, "Kwargs"), `"x"`) {
		t.Errorf("secret shown: %q", fieldValue(r, "Kwargs"))
	}
	if r := Decode(Input{Body: []byte(`{"actor_name":"add"}`)}); r.Format != "json" {
		t.Errorf("partial: %q", r.Format)
	}
}

func TestSymfony(t *testing.T) {
	r := Decode(Input{ContentType: "application/json", Headers: map[string]any{
		"type": `App\Message\ImagePostDeletedEvent`,
		`X-Message-Stamp-Symfony\Component\Messenger\Stamp\BusNameStamp`: `[{"busName":"event.bus"}]`,
	}, Body: []byte(`{"filename":"a.png"}`)})
	if r.Format != "symfony" || r.Terms["type"] != `App\Message\ImagePostDeletedEvent` || !strings.Contains(fieldValue(r, "Stamps"), "BusNameStamp") {
		t.Errorf("%q %v %v", r.Format, r.Terms, r.Fields)
	}
	if r := Decode(Input{Headers: map[string]any{"type": "order.created"}, Body: []byte(`{}`)}); r.Format != "json" {
		t.Errorf("plain type header: %q", r.Format)
	}
}

func TestEasyNetQ(t *testing.T) {
	for typ, want := range map[string]string{
		"EasyNetQ.Tests.MyMessage, EasyNetQ.Tests":                                  "EasyNetQ.Tests.MyMessage",
		"EasyNetQ_Tests_MyMessage:EasyNetQ_Tests":                                   "EasyNetQ_Tests_MyMessage",
		"Shop.Orders.OrderPlaced, Shop.Contracts, Version=1.0.0.0, Culture=neutral": "Shop.Orders.OrderPlaced",
		"System.Collections.Generic.List`1[[System.String, mscorlib]], mscorlib":    "System.Collections.Generic.List`1[[System.String, mscorlib]]",
		"order_created:v1":             "",
		"order.created":                "",
		"urn:message:Shop:OrderPlaced": "",
	} {
		r := Decode(Input{Type: typ, ContentType: "application/json", Body: []byte(`{"Text":"hi"}`)})
		got := ""
		if r.Format == "easynetq" {
			got = r.Terms["type"]
		}
		if got != want {
			t.Errorf("%q: format %q type %q, want %q", typ, r.Format, got, want)
		}
	}
}

func TestMassTransitAndNServiceBus(t *testing.T) {
	r := Decode(Input{ContentType: "application/vnd.masstransit+json", Body: []byte(`{
  "messageId": "181c0000-6393-3630-36a4-08daf4e7c6da",
  "requestId": "ef375b18-69ee-4a9e-b5ec-44ee1177a27e",
  "correlationId": null,
  "conversationId": "181c0000-6393-3630-36a4-08daf4e7c6db",
  "initiatorId": null,
  "sourceAddress": "rabbitmq://localhost/source",
  "destinationAddress": "rabbitmq://localhost/Company.Contracts:SubmitOrder",
  "responseAddress": "rabbitmq://localhost/response",
  "faultAddress": null,
  "messageType": ["urn:message:Company.Contracts:SubmitOrder"],
  "message": {"orderId": "181c0000-6393-3630-36a4-08daf4e7c6dc", "orderNumber": "8675309"},
  "expirationTime": null,
  "sentTime": "2023-01-12T22:38:48.5137506Z",
  "headers": {},
  "host": {"machineName": "MOBILE", "processName": "Sample.Api", "massTransitVersion": "8.0.10.0"}
}`)})
	if r.Format != "masstransit" || r.Terms["type"] != "Company.Contracts:SubmitOrder" || fieldValue(r, "Conversation ID") != "181c0000-6393-3630-36a4-08daf4e7c6db" || fieldValue(r, "Destination") == "" || !strings.Contains(r.Summary, "8675309") {
		t.Errorf("masstransit: %q %q %v", r.Format, r.Summary, r.Fields)
	}
	r = Decode(Input{ContentType: "application/json", Headers: map[string]any{
		"NServiceBus.EnclosedMessageTypes": "Shop.Messages.PlaceOrder, Shop.Messages, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null;Shop.Messages.IOrderCommand, Shop.Messages",
		"NServiceBus.ConversationId":       "d6b5c2f2-8c54-4b2f-bb4f-aed3010e7c1e",
		"NServiceBus.MessageIntent":        "Send",
		"NServiceBus.TimeSent":             "2024-05-01 12:00:05:123456 Z",
	}, Body: []byte(`{"OrderId":"42"}`)})
	if r.Format != "nservicebus" || r.Terms["type"] != "Shop.Messages.PlaceOrder" || fieldValue(r, "Intent") != "Send" || fieldValue(r, "Conversation") == "" || fieldValue(r, "Time sent") == "" || !strings.Contains(fieldValue(r, "Enclosed types"), "IOrderCommand") {
		t.Errorf("nservicebus: %q %v", r.Format, r.Fields)
	}
}

func TestMsgpackAndCBOR(t *testing.T) {
	mp, _ := msgpack.Marshal(map[string]any{"order_id": 42, "token": "t0p"})
	r := Decode(Input{ContentType: "application/msgpack", Body: mp})
	if r.Format != "msgpack" || r.Body.Kind != BodyJSON || !strings.Contains(r.Body.Text, `"order_id": 42`) || strings.Contains(r.Body.Text, "t0p") {
		t.Errorf("msgpack: %q %q", r.Format, r.Body.Text)
	}
	cb, _ := cbor.Marshal(map[any]any{"order_id": 42, 7: []any{"a", true}, "password": "pw", "when": cbor.Tag{Number: 1, Content: 1714564805}})
	r = Decode(Input{ContentType: "application/cbor", Body: cb})
	if r.Format != "cbor" || r.Body.Kind != BodyJSON || !strings.Contains(r.Body.Text, `"order_id": 42`) || !strings.Contains(r.Body.Text, `"7": [`) || strings.Contains(r.Body.Text, `"pw"`) {
		t.Errorf("cbor: %q %q", r.Format, r.Body.Text)
	}
	r = Decode(Input{ContentType: "application/cbor", Body: []byte{0x9f, 0x9f, 0x9f}})
	if r.Format != "cbor" || !strings.Contains(strings.Join(r.Notes, " "), "does not decode") {
		t.Errorf("bad cbor: %q %q", r.Format, r.Notes)
	}
	// Nesting deeper than the limit is refused, not recursed into.
	deep := append([]byte(strings.Repeat("\x81", 10000)), 0x01)
	r = Decode(Input{ContentType: "application/cbor", Body: deep})
	if !strings.Contains(strings.Join(r.Notes, " "), "does not decode") {
		t.Errorf("deep cbor: %q", r.Notes)
	}
}

func TestTermsFromJSON(t *testing.T) {
	var r Result
	r.SetTermsFromJSON("proto", []byte(`{"order_id":"42","customer":{"Name":"Ada","api_key":"k"},"lines":[{"sku":"a"}],"a b":1,"n":null,"ok":true}`))
	want := map[string]string{"proto.order_id": "42", "proto.customer.name": "Ada", "proto.ok": "true"}
	if len(r.Terms) != len(want) {
		t.Errorf("terms %v", r.Terms)
	}
	for k, v := range want {
		if r.Terms[k] != v {
			t.Errorf("%s = %q (%v)", k, r.Terms[k], r.Terms)
		}
	}
	for name, want := range map[string]bool{"ce.type": true, "proto.a.b": true, "avro.x": true, "hook.k": true, "proto.": false, "task": false, "x.y": false} {
		if IsTermName(name) != want {
			t.Errorf("IsTermName(%q) = %v", name, !want)
		}
	}
}
