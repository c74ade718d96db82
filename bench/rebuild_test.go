package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/lifecycle"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/ui"
)

// BenchmarkRebuildLifecycleFromCapture is issue 24's "rebuilding the
// views from a 1 M-event capture": a capture of Celery traffic (per task
// its message, task-received, task-started and task-succeeded or
// task-failed on celeryev) is written with tap/capture once, then each op
// reads it back as `shoveltap open` does (capture.Reader's batches, the
// last ui.DefaultRetain messages read in full and the lines before for
// counting, through tap/pipeline, every message's facts taken once) into
// a lifecycle model with the default bounds. Reported as seconds per
// rebuild; run with -benchtime 1x.
func BenchmarkRebuildLifecycleFromCapture(b *testing.B) {
	events := 1_000_000
	if n, err := strconv.Atoi(os.Getenv(rebuildEventsEnv)); err == nil && n > 0 {
		events = n
	}
	path := filepath.Join(b.TempDir(), "celery.jsonl")
	writeCeleryCapture(b, path, events)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	// CPU time besides wall time: on a shared machine the wall time
	// depends on the load; the CPU time (both cores, GC included) says what
	// a rebuild costs, and CPU / 2 what it would take on an idle 2-core box.
	cpu0 := processCPU()
	var facts uint64
	var tasks int
	for b.Loop() {
		r, err := capture.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.KeepLast(ui.DefaultRetain, false); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		pipe, out := pipeline.Start(ctx, r.Batches(ctx), pipeline.Config{})
		m := lifecycle.New(lifecycle.Config{})
		n := 0
		for batch := range out {
			for _, msg := range batch.Messages {
				n++
				for _, f := range msg.Reading.Facts {
					m.Apply(msg.Time, f)
				}
			}
		}
		pipe.Stop()
		cancel()
		_ = r.Close()
		if n != events {
			b.Fatalf("read %d messages back of %d", n, events)
		}
		s := m.Snapshot(time.Unix(0, 0).Add(time.Duration(events) * time.Millisecond))
		facts, tasks = s.Counts.Facts, s.Tasks
		if facts < uint64(events) {
			b.Fatalf("the model took %d facts from %d events", facts, events)
		}
	}
	cpu := processCPU() - cpu0
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/rebuild")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/rebuild")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*events), "cpu-ns/event")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(st.Size())/(1<<20), "capture-MB")
	b.Logf("%d events, %d facts, %d tasks kept", events, facts, tasks)
}

// writeCeleryCapture records n messages of Celery traffic, four per task.
func writeCeleryCapture(b *testing.B, path string, n int) {
	rec, err := capture.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	batch := make([]tap.Message, 0, 1000)
	for seq := 1; seq <= n; seq++ {
		task, step := (seq-1)/4, (seq-1)%4
		id := fmt.Sprintf("%08x-0000-4000-8000-000000000000", task)
		name := "app.tasks.name_" + strconv.Itoa(task%50)
		at := t0.Add(time.Duration(seq) * time.Millisecond)
		var msg tap.Message
		if step == 0 {
			msg = tap.Message{Exchange: "", RoutingKey: "celery", Source: "celery",
				Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8", CorrelationID: id},
				Headers: map[string]any{"task": name, "id": id, "root_id": id, "lang": "py", "retries": int64(0),
					"argsrepr": "(1, 2)", "kwargsrepr": "{}"},
				Body: []byte(`[[1, 2], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`)}
		} else {
			ev := map[string]any{"uuid": id, "hostname": "celery@w" + strconv.Itoa(task%8), "timestamp": float64(at.UnixMilli()) / 1000,
				"utcoffset": 0, "pid": 1, "clock": seq}
			switch step {
			case 1:
				ev["type"], ev["name"], ev["args"], ev["kwargs"] = "task-received", name, "(1, 2)", "{}"
			case 2:
				ev["type"] = "task-started"
			case 3:
				if task%20 == 0 {
					ev["type"], ev["exception"], ev["traceback"] = "task-failed", "ValueError('bad input')", "Traceback (most recent call last): ..."
				} else {
					ev["type"], ev["runtime"], ev["result"] = "task-succeeded", 0.001*float64(1+task%50), "3"
				}
			}
			body, err := json.Marshal(ev)
			if err != nil {
				b.Fatal(err)
			}
			msg = tap.Message{Exchange: "celeryev", RoutingKey: "task." + ev["type"].(string)[5:], Source: "celeryev",
				Properties: tap.Properties{ContentType: "application/json", ContentEncoding: "utf-8"}, Body: body}
		}
		msg.Seq, msg.Time = uint64(seq), at
		batch = append(batch, msg)
		if len(batch) == cap(batch) || seq == n {
			if err := rec.WriteBatch(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := rec.Close(); err != nil {
		b.Fatal(err)
	}
}
