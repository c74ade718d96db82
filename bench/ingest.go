package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui"
)

// ingestRow is one ingest measurement: messages published as fast as the
// broker confirms them straight into a tap queue, and what the reader took.
type ingestRow struct {
	Rep        int     `json:"rep"`
	Reader     string  `json:"reader"` // "shoveltap-ui" or "raw"
	Size       int     `json:"size_bytes"`
	Confirmed  int64   `json:"confirmed"`
	Received   int64   `json:"received"`
	Rate       float64 `json:"ingest_rate"` // received while publishing, per second
	PubRate    float64 `json:"publish_rate"`
	BrokerDrop int64   `json:"dropped_at_broker"` // confirmed − received after draining
	// For shoveltap: what its session counted, and the drops it reported.
	SessionSeen    uint64 `json:"session_seen,omitempty"`
	SessionDropped uint64 `json:"session_reported_dropped,omitempty"`
}

const ingestSize = 100

// runIngest alternates shoveltap (session + headless UI) and a raw consumer
// with the same prefetch and ack cadence, each reading a queue with the tap
// queue's bounds that a publisher fills as fast as it can. Publishing
// straight into the queue isolates the reader from the shovel.
func (b *bench) runIngest(ctx context.Context) error {
	for rep := 1; rep <= b.plan.ingestReps; rep++ {
		for _, reader := range []string{"shoveltap-ui", "raw"} {
			row, err := b.ingestOnce(ctx, rep, reader)
			if err != nil {
				return err
			}
			b.res.Ingest = append(b.res.Ingest, row)
			log.Printf("bench: ingest rep %d %-12s %8.0f msg/s (publish %8.0f), dropped at broker %d, session saw %d reported %d",
				rep, reader, row.Rate, row.PubRate, row.BrokerDrop, row.SessionSeen, row.SessionDropped)
		}
	}
	return nil
}

// reader is one of the two readers that ingest and drain compare.
type reader struct {
	queue    string       // the queue it reads
	received func() int64 // messages taken so far
	finish   func() error // stops it and removes what it created
	sess     *tap.Session // shoveltap only
	ui       *headlessUI  // shoveltap only
	// progress is when the reader last took messages and this process's
	// CPU time then (for the raw consumer: at the ack that followed, at
	// most one 50 ms ack tick later); zero before any.
	progress func() (time.Time, time.Duration)
}

// startReader starts shoveltap (its session feeding the UI model headless)
// or a raw amqp091-go consumer on a queue of its own named rawName. A
// non-nil gate holds the reader back until it is closed.
func (b *bench) startReader(ctx context.Context, kind, rawName string, gate chan struct{}) (*reader, error) {
	if kind == "shoveltap-ui" {
		s, err := tap.Open(ctx, tap.Config{Endpoint: b.ep, Sources: []tap.Source{{Exchange: b.exchange, Key: tap.AllKeys}}})
		if err != nil {
			return nil, err
		}
		h := runHeadlessUI(s.Batches(), ui.Options{}, false, gate)
		return &reader{
			queue: s.Names().TapQueue(), received: h.Received.Load, sess: s, ui: h,
			progress: func() (time.Time, time.Duration) {
				return unixNano(h.lastAt.Load()), time.Duration(h.lastCPU.Load())
			},
			finish: func() error {
				cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				err := s.Close(cctx)
				h.wait()
				return err
			},
		}, nil
	}
	queue := b.name(rawName)
	t, err := startQueueTap(ctx, b, queue, "amq.direct", queue, false, gate)
	if err != nil {
		return nil, err
	}
	c := t.consumer
	return &reader{queue: queue, received: t.Received, finish: func() error { return t.Stop(context.Background()) },
		progress: func() (time.Time, time.Duration) {
			return unixNano(c.last.Load()), time.Duration(c.ackedCPU.Load())
		}}, nil
}

// unixNano is the time of n Unix nanoseconds; the zero time for 0.
func unixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func (b *bench) ingestOnce(ctx context.Context, rep int, reader string) (ingestRow, error) {
	row := ingestRow{Rep: rep, Reader: reader, Size: ingestSize}
	r, err := b.startReader(ctx, reader, fmt.Sprintf("raw-ingest-%d", rep), nil)
	if err != nil {
		return row, err
	}
	queue, received, finish, sess := r.queue, r.received, r.finish, r.sess
	pctx, cancel := context.WithTimeout(ctx, b.plan.ingestFor)
	res, err := publish(pctx, b.url, pubSpec{Exchange: "", Key: queue, Size: ingestSize, Confirms: true, Window: 2000})
	cancel()
	atEnd := received()
	if err != nil {
		_ = finish()
		return row, err
	}
	waitQuiet(ctx, received, time.Second, 20*time.Second)
	row.Confirmed, row.Received = res.Confirmed, received()
	row.Rate = float64(atEnd) / res.Elapsed.Seconds()
	row.PubRate = res.Rate()
	row.BrokerDrop = row.Confirmed - row.Received
	if sess != nil {
		// The session's drop count comes from sampled management
		// statistics: give it time to catch up.
		deadline := time.Now().Add(12 * time.Second)
		for time.Now().Before(deadline) && !near(strconv.FormatUint(sess.Status().Dropped, 10), row.BrokerDrop) {
			time.Sleep(500 * time.Millisecond)
		}
		st := sess.Status()
		row.SessionSeen, row.SessionDropped = st.Seen, st.Dropped
	}
	return row, finish()
}

// latencyRow compares publish → row drawn by shoveltap's UI with publish →
// raw consumer of a binding tap, on the same traffic at a fixed rate.
type latencyRow struct {
	Rate          float64 `json:"rate"`
	UIP50         float64 `json:"ui_p50_ms"`
	UIP99         float64 `json:"ui_p99_ms"`
	UIN           int     `json:"ui_messages"`
	RawP50        float64 `json:"raw_p50_ms"`
	RawP99        float64 `json:"raw_p99_ms"`
	RawN          int     `json:"raw_messages"`
	BatchesSeen   int     `json:"batches_checked"`
	BatchesOnView int     `json:"batches_newest_row_on_screen"`
}

func (b *bench) runLatency(ctx context.Context) error {
	s, err := tap.Open(ctx, tap.Config{Endpoint: b.ep, Sources: []tap.Source{{Exchange: b.exchange, Key: tap.AllKeys}}})
	if err != nil {
		return err
	}
	h := runHeadlessUI(s.Batches(), ui.Options{}, true, nil)
	raw, err := startQueueTap(ctx, b, b.name("latency-raw"), b.exchange, "#", true, nil)
	if err != nil {
		_ = s.Close(context.Background())
		return err
	}
	c := raw.consumer
	time.Sleep(300 * time.Millisecond)
	pctx, cancel := context.WithTimeout(ctx, b.plan.latencyFor)
	_, err = publish(pctx, b.url, pubSpec{Exchange: b.exchange, Key: "order", SeqKeys: true, Size: ingestSize, Rate: 1000, Confirms: true})
	cancel()
	time.Sleep(500 * time.Millisecond)
	cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer ccancel()
	cerr := s.Close(cctx)
	h.wait()
	if e := raw.Stop(cctx); cerr == nil {
		cerr = e
	}
	if err != nil {
		return err
	}
	uiLat, checked, visible := h.latencies()
	rawLat := c.latencies()
	row := latencyRow{Rate: 1000, UIP50: percentile(uiLat, 50), UIP99: percentile(uiLat, 99), UIN: len(uiLat),
		RawP50: percentile(rawLat, 50), RawP99: percentile(rawLat, 99), RawN: len(rawLat), BatchesSeen: checked, BatchesOnView: visible}
	b.res.Latency = append(b.res.Latency, row)
	log.Printf("bench: latency at 1k msg/s: UI p50 %.1f p99 %.1f ms (%d), raw p50 %.1f p99 %.1f ms (%d), newest row on screen %d/%d",
		row.UIP50, row.UIP99, row.UIN, row.RawP50, row.RawP99, row.RawN, visible, checked)
	return cerr
}

// memoryRow is this process's memory after a long tap and after idling.
type memoryRow struct {
	Messages    int64   `json:"messages_published"`
	Received    int64   `json:"messages_received"`
	Size        int     `json:"size_bytes"`
	PubRate     float64 `json:"publish_rate"`
	Retain      int     `json:"retain"`
	RSSAfterMB  float64 `json:"rss_after_mb"`
	HeapAfterMB float64 `json:"heap_inuse_after_mb"`
	RSSIdleMB   float64 `json:"rss_idle_mb"`
	HeapIdleMB  float64 `json:"heap_inuse_idle_mb"`
	IdleFor     string  `json:"idle_for"`
}

// runMemory feeds shoveltap 1M × 1 KB messages as fast as the broker
// confirms them, with the UI retaining its
// default number of messages, then idles.
func (b *bench) runMemory(ctx context.Context) error {
	s, err := tap.Open(ctx, tap.Config{Endpoint: b.ep, Sources: []tap.Source{{Exchange: b.exchange, Key: tap.AllKeys}}})
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = s.Close(cctx)
	}()
	h := runHeadlessUI(s.Batches(), ui.Options{}, false, nil)
	// Straight into the tap queue (the shovel is not what is measured here):
	// as fast as the broker confirms; what shoveltap cannot take is dropped
	// at the broker.
	res, err := publish(ctx, b.url, pubSpec{Exchange: "", Key: s.Names().TapQueue(), Size: 1024, Confirms: true, Window: 2000, Count: b.plan.memoryCount})
	if err != nil {
		return err
	}
	waitQuiet(ctx, h.Received.Load, time.Second, 20*time.Second)
	row := memoryRow{Messages: res.Sent, Received: h.Received.Load(), Size: 1024, PubRate: res.Rate(), Retain: ui.DefaultRetain, IdleFor: b.plan.memoryIdle.String()}
	row.RSSAfterMB, row.HeapAfterMB = memNow()
	select {
	case <-time.After(b.plan.memoryIdle):
	case <-ctx.Done():
		return ctx.Err()
	}
	row.RSSIdleMB, row.HeapIdleMB = memNow()
	b.res.Memory = append(b.res.Memory, row)
	log.Printf("bench: memory after %d × 1 KB (%.0f msg/s, tap got %d): RSS %.0f MB heap %.0f MB; after %s idle RSS %.0f MB heap %.0f MB",
		row.Messages, row.PubRate, row.Received, row.RSSAfterMB, row.HeapAfterMB, row.IdleFor, row.RSSIdleMB, row.HeapIdleMB)
	return nil
}

// memNow is this process's resident set and Go heap in use, in MB. The heap
// is read without forcing a collection: it is what the process holds.
func memNow() (rss, heap float64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap = float64(ms.HeapInuse) / (1 << 20)
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, heap
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			rss = kb / 1024
		}
	}
	return rss, heap
}
