package jsonl

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shoveltap/shoveltap/tap"
)

// schemaFile is the JSON Schema of a line, documented in docs/json-lines.md.
const schemaFile = "../../docs/json-lines.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("json-lines.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("json-lines.schema.json")
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	return sch
}

// schemaMessages are real-shaped messages of every kind a line holds:
// every decoder fixture (Celery tasks, results and events, oslo, Spring,
// MassTransit, …), a binary body, every typed header value, a delivery,
// a gap and a stream offset.
func schemaMessages(t *testing.T) []tap.Message {
	t.Helper()
	at := time.Date(2025, 3, 14, 9, 26, 53, 123456789, time.FixedZone("CET", 3600))
	metas, err := filepath.Glob("../../testdata/decode/*.json")
	if err != nil || len(metas) < 20 {
		t.Fatalf("decoder fixtures: %v (%d)", err, len(metas))
	}
	var out []tap.Message
	for _, meta := range metas {
		raw, err := os.ReadFile(meta)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Exchange        string         `json:"exchange"`
			RoutingKey      string         `json:"routing_key"`
			ContentType     string         `json:"content_type"`
			ContentEncoding string         `json:"content_encoding"`
			CorrelationID   string         `json:"correlation_id"`
			ReplyTo         string         `json:"reply_to"`
			Type            string         `json:"type"`
			Headers         map[string]any `json:"headers"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", meta, err)
		}
		body, err := os.ReadFile(strings.TrimSuffix(meta, ".json") + ".body")
		if err != nil {
			continue // a fixture without a body file
		}
		out = append(out, tap.Message{
			Seq: uint64(len(out) + 1), Time: at, Source: "fixtures (#)", Exchange: m.Exchange, RoutingKey: m.RoutingKey,
			Properties: tap.Properties{ContentType: m.ContentType, ContentEncoding: m.ContentEncoding,
				CorrelationID: m.CorrelationID, ReplyTo: m.ReplyTo, Type: m.Type},
			Headers: m.Headers, Body: body,
		})
	}
	n := uint64(len(out))
	out = append(out,
		tap.Message{Seq: n + 1, Time: at, Exchange: "telemetry", RoutingKey: "sensor.1", Redelivered: true,
			Properties: tap.Properties{ContentType: "application/octet-stream", DeliveryMode: 2, Priority: 5,
				Expiration: "60000", MessageID: "m-1", Timestamp: at, UserID: "guest", AppID: "gen"},
			Headers: map[string]any{
				"i8": int8(-1), "i16": int16(2), "i32": int32(3), "i64": int64(4), "u8": uint8(1), "u16": uint16(2), "u32": uint32(3),
				"f32": float32(1.5), "f64": 2.5, "whole": float64(3), "t": at, "d": tap.Decimal{Scale: 2, Value: 12345},
				"b": []byte{0, 1, 0xff}, "s": "x", "n": nil, "ok": true, "list": []any{int64(1), "a"},
				"table": map[string]any{"k": "v"}, "looks_tagged": map[string]any{"$int8": "not a tag"},
			},
			Body: []byte{0x00, 0x9c, 0xff, 0x10}},
		tap.Message{Seq: n + 2, Time: at, Exchange: "orders", RoutingKey: "order.created", Body: []byte(`{"order_id": 1}`),
			Properties: tap.Properties{ContentType: "application/json"},
			Delivery:   &tap.Delivery{Queue: "billing", Connection: "10.0.0.5:53412 -> 10.0.0.1:5672", Channel: 1, User: "app", Node: "rabbit@a", Of: n}},
		tap.Message{Seq: n + 3, Time: at, Exchange: "orders", RoutingKey: "order.paid", Body: []byte("paid"),
			Gap: &tap.Gap{Reason: tap.GapSampling, From: at.Add(-time.Second), To: at, Missed: 42}},
		tap.Message{Seq: n + 4, Time: at, Exchange: "", RoutingKey: "events", Body: nil, Offset: 1 << 40, HasOffset: true},
	)
	return out
}

// TestLinesMatchTheSchema: every line written, of every kind of message,
// is valid against docs/json-lines.schema.json, and the schema is strict
// enough to refuse a line that is not (an unknown key, Go's field names).
func TestLinesMatchTheSchema(t *testing.T) {
	sch := compileSchema(t)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	msgs := schemaMessages(t)
	for _, m := range msgs {
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(msgs) {
		t.Fatalf("%d lines for %d messages", len(lines), len(msgs))
	}
	seen := map[string]bool{}
	for i, l := range lines {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(l))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("line %d does not match the schema: %v\n%s", i+1, err, l)
		}
		for _, part := range []string{`"fields":[{"name":`, `"task":{"kind":`, `"delivery":`, `"gap":`, `"offset":`, `"body_base64":`, `"$decimal":`} {
			if strings.Contains(l, part) {
				seen[part] = true
			}
		}
	}
	for _, part := range []string{`"fields":[{"name":`, `"task":{"kind":`, `"delivery":`, `"gap":`, `"offset":`, `"body_base64":`, `"$decimal":`} {
		if !seen[part] {
			t.Errorf("no line holds %s: the test no longer covers it", part)
		}
	}
	// The schema refuses what is not a line: Go's field names (the form
	// decoded.fields had before) and unknown keys.
	for _, bad := range []string{
		strings.ReplaceAll(strings.ReplaceAll(lines[0], `{"name":`, `{"Name":`), `,"value":`, `,"Value":`),
		strings.Replace(lines[0], `"task":{"kind":`, `"task":{"Kind":`, 1),
		strings.Replace(lines[0], `"seq":`, `"extra":1,"seq":`, 1),
		`{"seq":1}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatalf("%v: %s", err, bad)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("the schema accepts %.200s", bad)
		}
	}
}

// TestDecodedIsSnakeCase: decoded.fields and decoded.task use the
// snake_case names of every other key.
func TestDecodedIsSnakeCase(t *testing.T) {
	for _, m := range schemaMessages(t) {
		line := writeLine(t, m)
		for _, goName := range []string{`"Name":`, `"Value":`, `"Kind":`, `"ID":`, `"RootID":`, `"ParentID":`, `"GroupID":`, `"Status":`} {
			if strings.Contains(line, goName) {
				t.Fatalf("line holds %s:\n%s", goName, line)
			}
		}
	}
}
