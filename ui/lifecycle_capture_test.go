package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/pipeline"
)

// feedThrough runs batches through the one pipeline (as a live tap and
// open do) into a model of the given size, and returns it.
func feedThrough(t *testing.T, in <-chan tap.Batch, cfg pipeline.Config) Model {
	t.Helper()
	pipe, out := pipeline.Start(context.Background(), in, cfg)
	m := newModel(t, 120, 40, testOptions)
	for b := range out {
		m = update(t, m, batchMsg{Messages: b.Messages, Status: running(uint64(len(b.Messages)))})
	}
	if _, err := pipe.Stop(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLifecycleFromCaptureEqualsLive: the lifecycle view rebuilt from a
// capture (shoveltap open) is the live one, pane by pane and task by
// task, since both read the facts the same pipeline decoded.
func TestLifecycleFromCaptureEqualsLive(t *testing.T) {
	file := filepath.Join(t.TempDir(), "celery.jsonl")
	rec, err := capture.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	traffic := lifecycleTraffic(t)
	live := make(chan tap.Batch, 3)
	// Three batches, as ticks would cut them.
	live <- tap.Batch{Messages: traffic[:7]}
	live <- tap.Batch{Messages: traffic[7:20]}
	live <- tap.Batch{Messages: traffic[20:]}
	close(live)
	liveModel := feedThrough(t, live, pipeline.Config{Recorder: rec, Redact: true})

	rd, err := capture.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	opened := feedThrough(t, rd.Batches(context.Background()), pipeline.Config{Redact: true})

	if liveModel.life.model.Snapshot(liveModel.lifeNow()).Counts.Facts == 0 {
		t.Fatal("the live model saw no lifecycle facts")
	}
	for _, keys := range [][]string{
		{"L"}, {"L", "o", "o", "o", "o", "o"}, {"L", "tab"}, {"L", "tab", "tab"},
		{"L", "enter"}, {"L", "enter", "down", "enter"}, {"L", "tab", "down", "enter"},
	} {
		a, b := lifeBody(press(t, liveModel, keys...)), lifeBody(press(t, opened, keys...))
		if !strings.Contains(a, "celery@w1") && !strings.Contains(a, "billing.charge_card") {
			t.Errorf("%v: the live view shows nothing of the traffic:\n%s", keys, a)
		}
		if a != b {
			t.Errorf("%v: live and from the capture differ:\nlive:\n%s\nfrom the capture:\n%s", keys, a, b)
		}
	}
}

// lifeBody is the lifecycle view without the status lines, which say
// how each was fed.
func lifeBody(m Model) string { return m.life.View() }
