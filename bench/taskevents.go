package main

import (
	"context"
	"fmt"
	"log"
	"strconv"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui"
)

// taskEventsRow is one run of Celery task events through shoveltap with the
// lifecycle view's per-name pane open (issue 24: 10 k events a second,
// nothing dropped by shoveltap, UI goroutine ≤ 5 µs an event).
type taskEventsRow struct {
	Rep       int     `json:"rep"`
	Rate      float64 `json:"asked_rate"`
	PubRate   float64 `json:"publish_rate"`
	Confirmed int64   `json:"confirmed"`
	Received  int64   `json:"received_by_ui"`
	// SessionDropped is what the session counted as dropped at the tap
	// queue's bound: nothing, when shoveltap keeps up.
	SessionDropped uint64  `json:"session_reported_dropped"`
	UINsPerEvent   float64 `json:"ui_goroutine_ns_per_event"`
	// NamesShown says the per-name pane drew the benchmark's task names,
	// so the events went through the lifecycle model and not past it.
	NamesShown bool `json:"names_shown"`
}

const (
	taskEventsTarget   = 10_000 // events a second (issue 24)
	taskEventsUITarget = 5000   // ns of UI goroutine per event
	taskEventNames     = 50
)

// runTaskEvents publishes Celery task events (received, started, succeeded
// for each task, as a worker started with -E sends them) at the target rate
// straight into the tap queue of a shoveltap session whose UI has the
// lifecycle view open, as ingest does, so the reader is measured without
// the shovel in front of it.
func (b *bench) runTaskEvents(ctx context.Context) error {
	for rep := 1; rep <= b.plan.taskEventsReps; rep++ {
		row, err := b.taskEventsOnce(ctx, rep)
		if err != nil {
			return err
		}
		b.res.TaskEvents = append(b.res.TaskEvents, row)
		log.Printf("bench: task events rep %d: published %.0f/s (%d confirmed), UI took %d, session dropped %d, UI %.2f µs/event, names shown %v",
			rep, row.PubRate, row.Confirmed, row.Received, row.SessionDropped, row.UINsPerEvent/1000, row.NamesShown)
	}
	return nil
}

func (b *bench) taskEventsOnce(ctx context.Context, rep int) (taskEventsRow, error) {
	row := taskEventsRow{Rep: rep, Rate: taskEventsTarget}
	s, err := tap.Open(ctx, tap.Config{Endpoint: b.ep, Sources: []tap.Source{{Exchange: b.exchange, Key: tap.AllKeys}}})
	if err != nil {
		return row, err
	}
	h := runHeadlessUI(s.Batches(), ui.Options{Lifecycle: true}, false, nil)
	finish := func() error {
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := s.Close(cctx)
		h.wait()
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, b.plan.taskEventsFor)
	res, err := publish(pctx, b.url, pubSpec{Exchange: "", Key: s.Names().TapQueue(), Rate: taskEventsTarget,
		Confirms: true, Window: 2000, Body: celeryEvent, ContentType: "application/json"})
	cancel()
	if err != nil {
		_ = finish()
		return row, err
	}
	waitQuiet(ctx, h.Received.Load, time.Second, 20*time.Second)
	row.Confirmed, row.Received, row.PubRate = res.Confirmed, h.Received.Load(), res.Rate()
	// Drops come from sampled management statistics: give them the
	// settle period to show (as the ingest part does).
	deadline := time.Now().Add(12 * time.Second)
	for time.Now().Before(deadline) && s.Status().Dropped == 0 && row.Received < row.Confirmed {
		time.Sleep(500 * time.Millisecond)
	}
	row.SessionDropped = s.Status().Dropped
	if row.Received > 0 {
		row.UINsPerEvent = float64(h.busy.Load()) / float64(row.Received)
	}
	h.mu.Lock()
	row.NamesShown = strings.Contains(h.lastView, "bench.task.")
	h.mu.Unlock()
	return row, finish()
}

// celeryEvent is the seq-th event of a Celery worker run with -E: each task
// is received, started and succeeds, its name one of taskEventNames, in the
// JSON body Celery's event dispatcher sends to celeryev.
func celeryEvent(dst []byte, seq uint32, at time.Time) []byte {
	task := (seq - 1) / 3
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", task)
	ts := strconv.FormatFloat(float64(at.UnixNano())/1e9, 'f', 6, 64)
	switch (seq - 1) % 3 {
	case 0:
		return fmt.Appendf(dst, `{"hostname":"celery@bench","utcoffset":0,"pid":4242,"clock":%d,"uuid":"%s","name":"bench.task.%d","args":"(%d,)","kwargs":"{}","root_id":"%s","parent_id":null,"retries":0,"eta":null,"expires":null,"timestamp":%s,"type":"task-received","local_received":%s}`,
			seq, id, task%taskEventNames, task, id, ts, ts)
	case 1:
		return fmt.Appendf(dst, `{"hostname":"celery@bench","utcoffset":0,"pid":4242,"clock":%d,"uuid":"%s","timestamp":%s,"type":"task-started","local_received":%s}`,
			seq, id, ts, ts)
	default:
		return fmt.Appendf(dst, `{"hostname":"celery@bench","utcoffset":0,"pid":4242,"clock":%d,"uuid":"%s","result":"%d","runtime":0.0021,"timestamp":%s,"type":"task-succeeded","local_received":%s}`,
			seq, id, task, ts, ts)
	}
}

func (r *results) taskEventsTargets(p func(string, ...any), yes func(bool) string) {
	if len(r.TaskEvents) == 0 {
		return
	}
	var lost, dropped int64
	var rates, uis []float64
	shown := true
	for _, x := range r.TaskEvents {
		lost += x.Confirmed - x.Received
		dropped += int64(x.SessionDropped)
		rates = append(rates, x.PubRate)
		uis = append(uis, x.UINsPerEvent/1000)
		shown = shown && x.NamesShown
	}
	rate := summarize(rates)
	label := fmt.Sprintf("%d k Celery events/s with the per-name view open: nothing dropped by shoveltap (issue 24; %d runs)", taskEventsTarget/1000, len(r.TaskEvents))
	if rate.Median < 0.98*taskEventsTarget {
		label += "; the publisher reached less than the target's rate"
	}
	p("| %s | published %s events/s; %d not taken by the UI, %d reported dropped | %s |", label, rng(rate, "%.0f"), lost, dropped,
		yes(lost == 0 && dropped == 0 && shown && rate.Median >= 0.98*taskEventsTarget))
	ui := summarize(uis)
	p("| UI goroutine ≤ %d µs per lifecycle event, per-name view open, live (issue 24; Update + View per batch) | %s µs | %s |", taskEventsUITarget/1000, rng(ui, "%.2f"), yes(ui.Median <= taskEventsUITarget/1000))
}

func (r *results) taskEventsReport(p func(string, ...any)) {
	if len(r.TaskEvents) == 0 {
		return
	}
	p("## 12. Celery task events with the lifecycle view open")
	p("")
	p("A publisher sends Celery task events (received, started, succeeded for each task; %d task names; JSON bodies as a worker started with `-E` sends them to `celeryev`) at %d a second with confirms, straight into the tap queue of a shoveltap session whose UI (headless, 120×40) has the lifecycle view's per-name pane open, so the reader is measured without the shovel in front of it. *UI µs/event* is the wall time of Update + View for each batch over the events it carried.", taskEventNames, taskEventsTarget)
	p("")
	p("| rep | published/s | confirmed | taken by the UI | reported dropped | UI µs/event | per-name pane shows the names |")
	p("|---|---|---|---|---|---|---|")
	for _, x := range r.TaskEvents {
		p("| %d | %.0f | %d | %d | %d | %.2f | %v |", x.Rep, x.PubRate, x.Confirmed, x.Received, x.SessionDropped, x.UINsPerEvent/1000, x.NamesShown)
	}
	p("")
}
