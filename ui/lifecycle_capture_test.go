package ui

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/capture"
	"github.com/shoveltap/shoveltap/tap/pipeline"
)

// feedRetaining runs batches through the one pipeline (as a live tap and
// open do) into a model that retains the given number of messages, and
// returns it.
func feedRetaining(t *testing.T, in <-chan tap.Batch, cfg pipeline.Config, retain int) Model {
	t.Helper()
	pipe, out := pipeline.Start(context.Background(), in, cfg)
	opts := testOptions
	opts.Retain = retain
	m := newModel(t, 120, 40, opts)
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
// task, since both read the facts the same pipeline decoded: whether open
// reads every line in full, or reads the lifecycle traffic for counting
// only (capture.Reader.KeepLast: the traffic lies before the lines the UI
// keeps) and takes its facts from the lines, or decodes them again
// (--redact). The status line's counts are the same too.
func TestLifecycleFromCaptureEqualsLive(t *testing.T) {
	file := filepath.Join(t.TempDir(), "celery.jsonl")
	rec, err := capture.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	traffic := lifecycleTraffic(t)
	// Then more than KeepLast's margin of other messages, so that the
	// lifecycle traffic lies among the lines read for counting.
	var filler []tap.Message
	for i := range 1100 {
		filler = append(filler, tap.Message{Time: traffic[len(traffic)-1].Time, Exchange: "orders", RoutingKey: "order.eu",
			Properties: tap.Properties{ContentType: "text/plain"}, Body: []byte("order " + strconv.Itoa(i))})
	}
	live := make(chan tap.Batch, 4)
	// Batches, as ticks would cut them.
	live <- tap.Batch{Messages: traffic[:7]}
	live <- tap.Batch{Messages: traffic[7:20]}
	live <- tap.Batch{Messages: traffic[20:]}
	live <- tap.Batch{Messages: filler}
	close(live)
	const retain = 10
	liveModel := feedRetaining(t, live, pipeline.Config{Recorder: rec, Redact: true}, retain)
	if liveModel.life.model.Snapshot(liveModel.lifeNow()).Counts.Facts == 0 {
		t.Fatal("the live model saw no lifecycle facts")
	}

	for _, read := range []struct {
		name       string
		keep       bool // KeepLast(retain): else every line in full
		freshFacts bool // --redact: counted lines decoded again
	}{{"in full", false, false}, {"counted", true, false}, {"counted, decoded again", true, true}} {
		t.Run(read.name, func(t *testing.T) {
			rd, err := capture.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			if read.keep {
				if err := rd.KeepLast(retain, read.freshFacts); err != nil {
					t.Fatal(err)
				}
			}
			// As open does: the pipeline redacts with --redact only.
			opened := feedRetaining(t, rd.Batches(context.Background()), pipeline.Config{Redact: read.freshFacts || !read.keep}, retain)
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
			lr, or := liveModel.retained, opened.retained
			if lr.received != or.received || lr.evicted != or.evicted || lr.routes.traced != or.routes.traced ||
				!slices.Equal(lr.routes.deaths, or.routes.deaths) {
				t.Errorf("counts differ: live received %d, evicted %d, traced %d, deaths %v; from the capture %d, %d, %d, %v",
					lr.received, lr.evicted, lr.routes.traced, lr.routes.deaths, or.received, or.evicted, or.routes.traced, or.routes.deaths)
			}
		})
	}
}

// lifeBody is the lifecycle view without the status lines, which say
// how each was fed.
func lifeBody(m Model) string { return m.life.View() }

// TestCountedLinesAreCountedNotShown: messages only counted (a capture's
// lines before those open keeps) feed the counts and the lifecycle view
// but never the table, which says what is going on until the kept ones
// come.
func TestCountedLinesAreCountedNotShown(t *testing.T) {
	opts := testOptions
	opts.Capture, opts.Sources = true, nil
	m := newModel(t, 80, 24, opts)
	traffic := lifecycleTraffic(t)
	counted := make([]tap.Message, len(traffic))
	for i, msg := range traffic {
		msg.CountOnly = true
		msg.Reading = msg.Read()
		counted[i] = msg
	}
	m = update(t, m, batchMsg{Messages: counted, Status: tap.Status{State: tap.StateStarting, Broker: "celery.jsonl"}})
	s := screen(m)
	want := "counting the capture's earlier lines (" + strconv.Itoa(len(traffic)) + " so far)"
	if !strings.Contains(s, want) || strings.Contains(s, "task-succeeded") {
		t.Errorf("want %q and no row:\n%s", want, s)
	}
	if r := m.retained; r.received != uint64(len(traffic)) || r.evicted != r.received || r.ring.len() != 0 {
		t.Errorf("received %d, evicted %d, retained %d", r.received, r.evicted, r.ring.len())
	}
	if !strings.Contains(lifeBody(press(t, m, "L")), "billing.charge_ca") {
		t.Errorf("the lifecycle view did not take the counted messages' facts:\n%s", lifeBody(press(t, m, "L")))
	}
	last := traffic[len(traffic)-1]
	last.Seq++
	m = update(t, m, batchMsg{Messages: []tap.Message{last}, Status: tap.Status{State: tap.StateStopped, Broker: "celery.jsonl"}})
	if s := screen(m); strings.Contains(s, "counting the capture") || !strings.Contains(s, "reply_1") {
		t.Errorf("after the kept line:\n%s", s)
	}
}
