package reading

import (
	"testing"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// BenchmarkReadingCelery is the read stage's reading of a Celery event
// and of a task message, as the screens want it (BuildWith: the fields,
// properties and headers left for a detail view to ask for) and as JSON
// lines want it (BuildForLines: the fields made at once).
func BenchmarkReadingCelery(b *testing.B) {
	in := Input{Message: decode.Input{Exchange: "celeryev", RoutingKey: "task.received", ContentType: "application/json", ContentEncoding: "utf-8",
		Body: []byte(`{"args":"(1, 2)","clock":2,"hostname":"celery@w0","kwargs":"{}","name":"app.tasks.name_0","pid":1,"timestamp":1700000000.002,"type":"task-received","utcoffset":0,"uuid":"00000000-0000-4000-8000-000000000000"}`)}}
	task := Input{Message: decode.Input{RoutingKey: "celery", ContentType: "application/json", ContentEncoding: "utf-8", CorrelationID: "00000000-0000-4000-8000-000000000000",
		Headers: map[string]any{"task": "app.tasks.name_0", "id": "00000000-0000-4000-8000-000000000000", "root_id": "00000000-0000-4000-8000-000000000000", "lang": "py", "retries": int64(0), "argsrepr": "(1, 2)", "kwargsrepr": "{}"},
		Body:    []byte(`[[1, 2], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`)}}
	for _, c := range []struct {
		name string
		in   Input
	}{{"event", in}, {"task", task}} {
		b.Run(c.name+"/screens", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				BuildWith(nil, c.in)
			}
		})
		b.Run(c.name+"/lines", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				BuildForLines(nil, c.in)
			}
		})
	}
}

// BenchmarkReadingBinary is the drain benchmark's message (bench/drain.go):
// 1 KB of application/octet-stream, a stamp at its start and zeros after.
func BenchmarkReadingBinary(b *testing.B) {
	body := make([]byte, 1024)
	copy(body, "\x00\x00\x00\x00\x00\x00\x30\x39\x18\x7a\x3b\x2c\x11\x22\x33\x44")
	in := Input{Message: decode.Input{RoutingKey: "q", ContentType: "application/octet-stream", Body: body}}
	b.ReportAllocs()
	for b.Loop() {
		BuildWith(nil, in)
	}
}
