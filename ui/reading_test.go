package ui

import (
	"reflect"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// Read is what the terminal UI derives from a message, for the web
// monitor: the same cells, detail sections and filter subject.
func TestReadIsWhatTheTableAndDetailShow(t *testing.T) {
	m := tap.Message{
		Seq: 7, Time: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC), Source: "orders (#)", RoutingKey: "order\x1b[2J",
		Properties: tap.Properties{ContentType: "application/json", MessageID: "m-1"},
		Headers:    map[string]any{"trace": map[string]any{"id": "abc"}, "x": int64(1)},
		Body:       []byte(`{"order_id": 1842}`),
	}
	r := Read(m)
	e := newEntry(m)
	if r.Exchange != "(default)" || r.RoutingKey != `order\x1b[2J` || r.Format != "json" || r.Size != "18B" {
		t.Errorf("cells %+v", r)
	}
	if !reflect.DeepEqual(r.Subject, e.subject) {
		t.Errorf("subject %+v, the TUI's %+v", r.Subject, e.subject)
	}
	if len(r.Properties) != 2 || r.Properties[1] != (Field{"message_id", "m-1"}) {
		t.Errorf("properties %+v", r.Properties)
	}
	want := []HeaderLine{{0, "trace", ""}, {1, "id", "abc"}, {0, "x", "1"}}
	if !reflect.DeepEqual(r.Headers, want) {
		t.Errorf("headers %+v, want %+v", r.Headers, want)
	}
	if b := ReadBody(m); b.Text != "{\n  \"order_id\": 1842\n}" {
		t.Errorf("body %q", b.Text)
	}
}
