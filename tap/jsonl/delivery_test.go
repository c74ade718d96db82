package jsonl

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// TestDeliveryRoundTrip: a delivery event is written with a delivery
// object, reads back as it was, and a publish has none (the line of a
// publish is as before).
func TestDeliveryRoundTrip(t *testing.T) {
	ts := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	m := tap.Message{Seq: 9, Time: ts, Source: "queue celery (firehose)", RoutingKey: "celery", Body: []byte("[]"),
		Delivery: &tap.Delivery{Queue: "celery", Connection: "10.0.0.5:53412 -> 10.0.0.1:5672", Channel: 2,
			User: "worker", Node: "rabbit@mq1", Redelivered: true, Of: 4}}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	pub := m
	pub.Delivery = nil
	if err := w.Write(pub); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(m); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if strings.Contains(lines[0], "delivery") {
		t.Errorf("a publish has a delivery: %s", lines[0])
	}
	want := `"delivery":{"queue":"celery","connection":"10.0.0.5:53412 -> 10.0.0.1:5672","channel":2,"user":"worker","node":"rabbit@mq1","redelivered":true,"published_seq":4}`
	if !strings.Contains(lines[1], want) {
		t.Errorf("delivery line\n%s\nlacks\n%s", lines[1], want)
	}
	got, err := Parse([]byte(lines[1]))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip\n got %#v %#v\nwant %#v %#v", got, got.Delivery, m, m.Delivery)
	}
}
