package jsonl

import (
	"bytes"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// celeryEventLine is the line of a Celery event as recorded (body,
// properties, the derived decoded section and the facts).
func celeryEventLine(b *testing.B) []byte {
	m := tap.Message{Seq: 7, Time: time.Unix(1_700_000_000, 4e6), Source: "celeryev", Exchange: "celeryev", RoutingKey: "task.succeeded",
		Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8"},
		Headers:    map[string]any{"hostname": "celery@w1", "retries": int64(0)},
		Body:       []byte(`{"clock":4,"hostname":"celery@w0","pid":1,"result":"3","runtime":0.004,"timestamp":1700000000.004,"type":"task-succeeded","utcoffset":0,"uuid":"00000000-0000-4000-8000-000000000000"}`)}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(m); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// BenchmarkParse reads back the line of a Celery event: the capture
// reader's cost per message for a line `shoveltap open` reads in full.
func BenchmarkParse(b *testing.B) {
	line := celeryEventLine(b)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := Parse(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCounted reads the same line for counting only
// (ParseCounted), as `shoveltap open` reads a capture's lines before the
// ones its UI keeps.
func BenchmarkParseCounted(b *testing.B) {
	line := celeryEventLine(b)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		got, err := ParseCounted(line)
		if err != nil || got.Reading == nil || len(got.Reading.Facts) != 1 {
			b.Fatalf("%v %+v", err, got)
		}
	}
}
