package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui/keys"
)

// BenchmarkLifecycleViewUIGoroutine is what the UI goroutine spends per
// lifecycle event with the per-name view open (issue 24: ≤ 5 µs at 10k
// events a second): Update taking a 500-event batch (50 ms of 10k/s, its
// entries read off the UI goroutine as the pipeline and the receiving
// command do) and View drawing the names pane at 120×40, over 50 task
// names and 10k retained messages. Reported as ns per event.
func BenchmarkLifecycleViewUIGoroutine(b *testing.B) {
	const perBatch = 500
	opts := testOptions
	opts.Retain = 10_000
	m := newModel(b, 120, 40, opts)
	seq := uint64(0)
	// Per task: its message, task-received, task-started, task-succeeded.
	next := func() tap.Message {
		seq++
		task := (seq - 1) / 4
		id := fmt.Sprintf("%08x-0000-4000-8000-000000000000", task)
		name := "app.tasks.name_" + fmt.Sprint(task%50)
		switch (seq - 1) % 4 {
		case 0:
			return lifeTask(seq, name, id, "(1,)", 0)
		case 1:
			return lifeEvent(b, seq, "task-received", id, "celery@w1", map[string]any{"name": name})
		case 2:
			return lifeEvent(b, seq, "task-started", id, "celery@w1", nil)
		}
		return lifeEvent(b, seq, "task-succeeded", id, "celery@w1", map[string]any{"runtime": 0.001 * float64(1+task%50)})
	}
	ready := func() batchMsg {
		msgs := make([]tap.Message, perBatch)
		for i := range msgs {
			msgs[i] = next()
		}
		return batchMsg{Messages: msgs, Status: running(seq), entries: newEntries(msgs)}
	}
	for range opts.Retain / perBatch {
		m = update(b, m, ready())
	}
	m = press(b, m, "L")
	if m.mode() != keys.ModeLifecycle || !strings.Contains(m.View().Content, "app.tasks.name_") {
		b.Fatalf("the lifecycle view is not open on the names:\n%s", m.View().Content)
	}
	batches := make([]batchMsg, 40)
	for i := range batches {
		batches[i] = ready()
	}
	loopBatches(b, m, batches, perBatch, "ns/event")
}
