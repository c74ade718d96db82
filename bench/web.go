package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/jsonl"
	"github.com/shoveltap/shoveltap/tap/pipeline"
	"github.com/shoveltap/shoveltap/ui"
	"github.com/shoveltap/shoveltap/ui/web"
)

// webRow is one run of the web part: a real tap at a fixed rate feeding
// the headless terminal UI, with or without the web monitor and its
// viewers beside it.
type webRow struct {
	Config     string  `json:"config"`
	Rate       float64 `json:"rate"`
	Seconds    float64 `json:"seconds"`
	Published  int64   `json:"published"`
	UIReceived int64   `json:"ui_received"`
	TapDropped uint64  `json:"tap_dropped_at_broker"`
	UIP50      float64 `json:"ui_p50_ms"`
	UIP99      float64 `json:"ui_p99_ms"`
	// Live viewers read as fast as they can; the slow one reads
	// SlowBytesPerSec; the stalled one reads nothing until the end.
	Viewers         int     `json:"viewers"`
	ViewerRowsMin   int64   `json:"viewer_rows_min"`
	ViewerRowsMax   int64   `json:"viewer_rows_max"`
	ViewerSkipped   uint64  `json:"viewer_skipped"`
	SlowBytesPerSec int     `json:"slow_bytes_per_sec"`
	SlowRows        int64   `json:"slow_rows"`
	SlowSkipped     uint64  `json:"slow_skipped"`
	SlowMarkers     int64   `json:"slow_markers"`
	StalledRows     int64   `json:"stalled_rows_before_cut"`
	StalledCut      bool    `json:"stalled_cut_by_server"`
	StalledSkipped  uint64  `json:"stalled_skipped_on_return"`
	WebLost         uint64  `json:"web_lost"`
	WebSkipped      uint64  `json:"web_skipped_total"`
	WebRetained     int     `json:"web_retained"`
	WebRetainedMB   float64 `json:"web_retained_body_mb"`
	HeapStartMB     float64 `json:"heap_start_mb"`
	HeapMaxMB       float64 `json:"heap_max_mb"`
	HeapEndMB       float64 `json:"heap_end_mb"`
	// Issue 21's one reading per message: readings the pipeline built
	// for the messages that left it, with the terminal UI, JSON lines
	// with a filter (--json --filter) and, in the second run, the web
	// monitor's pages all fed; and readings the monitor built itself.
	PipelineOut   int64  `json:"pipeline_out"`
	Readings      uint64 `json:"readings_built"`
	WebReadHere   uint64 `json:"web_read_here"`
	JSONFilter    string `json:"json_filter,omitempty"`
	JSONLines     int64  `json:"json_lines"`
	JSONMatchWant int64  `json:"json_lines_expected"`
}

// webJSONFilter is the web part's --json --filter: the routing keys the
// publisher uses, so a line per message is expected.
const webJSONFilter = "rk:order.#"

// lineCounter counts the lines written to it.
type lineCounter struct{ n atomic.Int64 }

func (c *lineCounter) Write(b []byte) (int, error) {
	c.n.Add(int64(bytes.Count(b, []byte("\n"))))
	return len(b), nil
}

// slowViewerRate is how fast the slow viewer reads: a fifth of what a
// 1k msg/s stream of binary rows needs, so it must fall behind.
const slowViewerRate = 50 << 10

// runWeb measures the tap at 1k msg/s without the web monitor, then with
// it and several viewers, a slow one and a stalled one beside the UI.
func (b *bench) runWeb(ctx context.Context) error {
	b.res.WebRun = "`" + b.res.Command + "` at " + b.res.Commit
	for _, withWeb := range []bool{false, true} {
		row, err := b.webOnce(ctx, withWeb)
		if err != nil {
			return err
		}
		b.res.Web = append(b.res.Web, row)
		log.Printf("bench: web %-40s UI got %d/%d, p50 %.1f p99 %.1f ms, broker dropped %d; viewers %d..%d rows (skipped %d), slow %d rows skipped %d, stalled cut %v skipped %d; web lost %d; heap %.0f→%.0f (max %.0f) MB",
			row.Config, row.UIReceived, row.Published, row.UIP50, row.UIP99, row.TapDropped, row.ViewerRowsMin, row.ViewerRowsMax, row.ViewerSkipped,
			row.SlowRows, row.SlowSkipped, row.StalledCut, row.StalledSkipped, row.WebLost, row.HeapStartMB, row.HeapEndMB, row.HeapMaxMB)
	}
	return nil
}

func (b *bench) webOnce(ctx context.Context, withWeb bool) (webRow, error) {
	row := webRow{Config: "tap + terminal UI, no web monitor", Rate: 1000}
	s, err := tap.Open(ctx, tap.Config{Endpoint: b.ep, Sources: []tap.Source{{Exchange: b.exchange, Key: tap.AllKeys}}})
	if err != nil {
		return row, err
	}
	closeTap := func() error {
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return s.Close(cctx)
	}
	// As shoveltap does: the one pipeline, every message read once.
	var srv *web.Server
	var live []*sseViewer
	var slow *sseViewer
	var stalled *stalledViewer
	if withWeb {
		srv, err = web.Start(web.Config{Addr: "127.0.0.1:0"})
		if err != nil {
			_ = closeTap()
			return row, err
		}
		defer srv.Close(context.Background())
		vctx, stopViewers := context.WithCancel(ctx)
		defer stopViewers()
		base := "http://" + srv.Addr()
		for range b.plan.webViewers {
			live = append(live, startSSEViewer(vctx, base, 0))
		}
		slow = startSSEViewer(vctx, base, slowViewerRate)
		if stalled, err = startStalledViewer(srv.Addr()); err != nil {
			_ = closeTap()
			return row, err
		}
		defer stalled.close()
		row.Viewers = len(live)
		row.SlowBytesPerSec = slowViewerRate
		row.Config = fmt.Sprintf("tap + terminal UI + web: %d viewers, 1 slow, 1 stalled", len(live))
	}
	cfg := pipeline.Config{}
	if srv != nil {
		cfg.Monitor = srv
	}
	pipe, batches := pipeline.Start(ctx, s.Batches(), cfg)
	defer pipe.Stop()
	// The terminal UI and --json --filter both take every batch, as in
	// TestOneReadingPerMessage (the process runs one or the other; the
	// harness runs both to count readings with every view on).
	row.JSONFilter = webJSONFilter
	toUI, toJSON := make(chan tap.Batch, 64), make(chan tap.Batch, 1024)
	jsonOut := &lineCounter{}
	jsonDone := make(chan error, 1)
	go func() {
		jsonDone <- jsonl.Printer{Filter: filter.Parse(webJSONFilter)}.Print(context.Background(), toJSON, jsonOut)
	}()
	go func() {
		defer close(toUI)
		defer close(toJSON)
		for b := range batches {
			row.PipelineOut += int64(len(b.Messages))
			for _, m := range b.Messages {
				if m.Reading != nil && strings.HasPrefix(m.RoutingKey, "order.") {
					row.JSONMatchWant++
				}
			}
			toUI <- b
			toJSON <- b
		}
	}()
	h := runHeadlessUI(toUI, ui.Options{}, true, nil)
	heap := startHeapSampler()
	row.HeapStartMB = heap.start
	time.Sleep(500 * time.Millisecond) // viewers connected, tap settled

	pctx, cancel := context.WithTimeout(ctx, b.plan.webFor)
	res, err := publish(pctx, b.url, pubSpec{Exchange: b.exchange, Key: "order", SeqKeys: true, Size: ingestSize, Rate: 1000, Confirms: true})
	cancel()
	if err != nil {
		_ = closeTap()
		return row, err
	}
	waitQuiet(ctx, h.Received.Load, time.Second, 20*time.Second)
	row.Published, row.Seconds = res.Sent, res.Elapsed.Seconds()
	row.UIReceived = h.Received.Load()
	// The broker's drop counter is sampled: give it a moment.
	time.Sleep(3 * time.Second)
	row.TapDropped = s.Status().Dropped
	lat, _, _ := h.latencies()
	row.UIP50, row.UIP99 = percentile(lat, 50), percentile(lat, 99)

	if withWeb {
		for i, v := range live {
			n := v.rows.Load()
			if i == 0 || n < row.ViewerRowsMin {
				row.ViewerRowsMin = n
			}
			row.ViewerRowsMax = max(row.ViewerRowsMax, n)
			row.ViewerSkipped += v.skipped.Load()
		}
		row.SlowRows, row.SlowSkipped, row.SlowMarkers = slow.rows.Load(), slow.skipped.Load(), slow.markers.Load()
		// The stalled viewer wakes up: it reads what the server had sent
		// before it gave up on it, then reconnects as a browser would and
		// is told what it missed.
		row.StalledRows, row.StalledCut, row.StalledSkipped = stalled.wake(ctx, "http://"+srv.Addr())
		st := srv.Stats()
		row.WebLost, row.WebSkipped, row.WebRetained = st.Lost, st.Skipped, st.Retained
		row.WebRetainedMB = float64(st.RetainedBytes) / (1 << 20)
	}
	row.HeapMaxMB, row.HeapEndMB = heap.finish()
	err = closeTap()
	h.wait()
	if jerr := <-jsonDone; jerr != nil && err == nil {
		err = fmt.Errorf("--json --filter: %w", jerr)
	}
	row.Readings, row.JSONLines = pipe.Readings(), jsonOut.n.Load()
	if srv != nil {
		row.WebReadHere = srv.Stats().ReadHere
	}
	return row, err
}

// readingTargets: one reading per message with every view on (issue 21).
func (r *results) readingTargets(p func(string, ...any), yes func(bool) string) {
	for _, w := range r.Web {
		if w.Viewers == 0 || w.PipelineOut == 0 {
			continue
		}
		per := float64(w.Readings+w.WebReadHere) / float64(w.PipelineOut)
		p("| one reading built per message with the terminal UI, `--web` (%d pages) and `--json --filter` all on (issue 21; tap/pipeline Readings() + the monitor's own) | %.3f per message (%d + %d for %d messages; JSON lines %d of %d expected) | %s |",
			w.Viewers+2, per, w.Readings, w.WebReadHere, w.PipelineOut, w.JSONLines, w.JSONMatchWant, yes(per == 1 && w.JSONLines == w.JSONMatchWant))
	}
}
