package jsonl

import (
	"bytes"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

func BenchmarkZZCounted(b *testing.B) {
	m := tap.Message{Seq: 7, Time: time.Unix(1_700_000_000, 4e6), Source: "celeryev", Exchange: "celeryev", RoutingKey: "task.succeeded",
		Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8"},
		Headers:    map[string]any{"hostname": "celery@w1", "retries": int64(0)},
		Body:       []byte(`{"clock":4,"hostname":"celery@w0","pid":1,"result":"3","runtime":0.004,"timestamp":1700000000.004,"type":"task-succeeded","utcoffset":0,"uuid":"00000000-0000-4000-8000-000000000000"}`)}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Write(m)
	w.Flush()
	line := bytes.TrimRight(buf.Bytes(), "\n")
	b.SetBytes(int64(len(line)))
	b.Run("counted", func(b *testing.B) {
		for b.Loop() {
			m, err := ParseCounted(line)
			if err != nil || m.Reading == nil || len(m.Reading.Facts) != 1 {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := Parse(line); err != nil {
				b.Fatal(err)
			}
		}
	})
}
