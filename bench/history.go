package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"log"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/ui"
)

// historyRow is one reader taking a whole stream from its first message:
// shoveltap reading a stream's history (--queue STREAM --from first), or
// a raw amqp091-go stream consumer.
type historyRow struct {
	Rep      int     `json:"rep"`
	Reader   string  `json:"reader"` // shoveltap-ui, shoveltap-session or raw
	Messages int64   `json:"messages"`
	Size     int     `json:"size_bytes"`
	Received int64   `json:"received"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"rate"`
	// OpenSeconds is how long connecting took (shoveltap: tap.Open, with
	// its management API checks), part of Seconds.
	OpenSeconds float64 `json:"open_seconds"`
	// InOrder: the session reader saw the published sequence numbers
	// 1 … Messages in order, each once, at growing offsets; the UI reader
	// that its session saw Messages and counted nothing dropped; the raw
	// consumer only counts.
	InOrder bool `json:"in_order"`
}

// historyReaders are compared in this order within each repetition.
var historyReaders = []string{"shoveltap-ui", "shoveltap-session", "raw"}

// historyPrefetch is both readers' prefetch: shoveltap's default.
const historyPrefetch = tap.DefaultPrefetch

// runHistory fills a stream with the plan's messages, then lets each
// reader take all of it, alternating readers within each repetition.
func (b *bench) runHistory(ctx context.Context) error {
	stream := b.name("history")
	if err := declareStream(b.url, stream); err != nil {
		return err
	}
	n := b.plan.historyCount
	t0 := time.Now()
	res, err := publish(ctx, b.url, pubSpec{Exchange: "", Key: stream, Size: b.plan.historySize, Confirms: true, Window: 2000, Count: n})
	if err != nil {
		return err
	}
	if res.Confirmed != n {
		return fmt.Errorf("filling the stream: %d of %d messages confirmed", res.Confirmed, n)
	}
	log.Printf("bench: history: %d × %d B in the stream in %s (%.0f msg/s)", n, b.plan.historySize, time.Since(t0).Round(time.Second), res.Rate())
	for rep := 1; rep <= b.plan.historyReps; rep++ {
		for _, reader := range historyReaders {
			row, err := b.readHistory(ctx, rep, reader, stream)
			if err != nil {
				return err
			}
			b.res.History = append(b.res.History, row)
			log.Printf("bench: history rep %d %-17s %d in %.2f s = %8.0f msg/s (in order: %v)", rep, reader, row.Received, row.Seconds, row.Rate, row.InOrder)
		}
	}
	// The vhost goes at the end anyway; the stream's gigabyte goes now.
	return deleteQueue(b.url, stream)
}

func (b *bench) readHistory(ctx context.Context, rep int, reader, stream string) (historyRow, error) {
	n := b.plan.historyCount
	row := historyRow{Rep: rep, Reader: reader, Messages: n, Size: b.plan.historySize}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	start := time.Now()
	var err error
	var end time.Time
	switch reader {
	case "raw":
		row.Received, row.OpenSeconds, end, err = rawStreamRead(ctx, b.url, stream, n)
	default:
		row.Received, row.OpenSeconds, end, row.InOrder, err = b.shoveltapStreamRead(ctx, stream, n, reader == "shoveltap-ui")
	}
	row.Seconds = end.Sub(start).Seconds()
	row.Rate = float64(row.Received) / row.Seconds
	return row, err
}

// shoveltapStreamRead opens a shoveltap session on the stream from its
// first message and reads n messages, through the UI model driven
// headless or straight from the session's batches.
// It returns when the last message was read (closing comes after).
func (b *bench) shoveltapStreamRead(ctx context.Context, stream string, n int64, withUI bool) (received int64, open float64, end time.Time, inOrder bool, err error) {
	t0 := time.Now()
	s, err := tap.Open(ctx, tap.Config{Endpoint: b.ep, Sources: []tap.Source{{Queue: stream}}, From: tap.From{Kind: tap.FromFirst, Text: "first"}, Prefetch: historyPrefetch})
	if err != nil {
		return 0, 0, time.Now(), false, fmt.Errorf("opening a shoveltap session on the stream: %w", err)
	}
	open = time.Since(t0).Seconds()
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer ccancel()
		if cerr := s.Close(cctx); err == nil {
			err = cerr
		}
	}()
	if withUI {
		h := runHeadlessUI(s.Batches(), ui.Options{}, false, nil)
		for h.Received.Load() < n && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		end = time.Now()
		st := s.Status()
		return h.Received.Load(), open, end, st.Seen == uint64(n) && st.Dropped == 0, ctx.Err()
	}
	// Once done, keep taking batches so that closing does not wait for
	// a reader.
	defer func() {
		go func() {
			for range s.Batches() {
			}
		}()
	}()
	// Offsets grow but skip the stream's own entries (one per 500 MB
	// segment): the order is checked on the publisher's sequence numbers.
	last := int64(-1)
	next := uint32(1)
	inOrder = true
	for received < n {
		select {
		case bt, ok := <-s.Batches():
			if !ok {
				return received, open, time.Now(), false, fmt.Errorf("the session ended after %d messages", received)
			}
			for _, m := range bt.Messages {
				inOrder = inOrder && m.HasOffset && m.Offset > last && len(m.Body) >= 4 && binary.BigEndian.Uint32(m.Body) == next
				last = m.Offset
				next++
			}
			received += int64(len(bt.Messages))
		case <-ctx.Done():
			return received, open, time.Now(), false, ctx.Err()
		}
	}
	return received, open, time.Now(), inOrder && received == n, nil
}

// rawStreamRead is a plain amqp091-go stream consumer: the same prefetch,
// manual acknowledgements, one multiple-ack every half prefetch (the
// cadence at which shoveltap hands history over), nothing done with the
// messages.
func rawStreamRead(ctx context.Context, url, stream string, n int64) (int64, float64, time.Time, error) {
	t0 := time.Now()
	conn, err := amqp.Dial(url)
	if err != nil {
		return 0, 0, time.Now(), fmt.Errorf("raw stream reader: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return 0, 0, time.Now(), err
	}
	if err := ch.Qos(historyPrefetch, 0, false); err != nil {
		return 0, 0, time.Now(), err
	}
	ds, err := ch.Consume(stream, "", false, false, false, false, amqp.Table{"x-stream-offset": "first"})
	if err != nil {
		return 0, 0, time.Now(), fmt.Errorf("raw stream reader: consuming %s: %w", stream, err)
	}
	open := time.Since(t0).Seconds()
	var got int64
	for got < n {
		select {
		case d, ok := <-ds:
			if !ok {
				return got, open, time.Now(), fmt.Errorf("raw stream reader: the channel closed after %d messages", got)
			}
			got++
			if got%(historyPrefetch/2) == 0 {
				if err := d.Ack(true); err != nil {
					return got, open, time.Now(), err
				}
			}
		case <-ctx.Done():
			return got, open, time.Now(), ctx.Err()
		}
	}
	return got, open, time.Now(), nil
}

func declareStream(url, name string) error {
	return withChannel(url, func(ch *amqp.Channel) error {
		_, err := ch.QueueDeclare(name, true, false, false, false, amqp.Table{"x-queue-type": "stream"})
		return err
	})
}

func deleteQueue(url, name string) error {
	return withChannel(url, func(ch *amqp.Channel) error {
		_, err := ch.QueueDelete(name, false, false, false)
		return err
	})
}

func withChannel(url string, f func(*amqp.Channel) error) error {
	conn, err := amqp.Dial(url)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	return f(ch)
}

// historyReport is the section on reading a stream's history.
func (r *results) historyReport(p func(string, ...any)) {
	if len(r.History) == 0 {
		return
	}
	h := r.History[0]
	p("## Reading a stream's history")
	p("")
	p("A stream of %d × %s messages (published through the default exchange with confirms, then left alone) is read whole from its first message by each reader in turn, %d time(s): "+
		"*shoveltap-ui* is `shoveltap --queue STREAM --from first`, its session feeding the UI model driven headless (Update + View per batch at 120×40); "+
		"*shoveltap-session* reads the session's batches and checks that every message came once, in order; *raw* is a plain amqp091-go stream consumer. "+
		"All use a prefetch of %d and manual acknowledgements (raw: a multiple-ack every %d messages, the cadence at which shoveltap hands history over). "+
		"Time runs from connecting to the last message.", h.Messages, sizeLabel(h.Size), len(r.History)/len(historyReaders), historyPrefetch, historyPrefetch/2)
	p("")
	p("| reader | msg/s | MB/s of bodies | vs raw, same repetition | connecting, s | in order |")
	p("|---|---|---|---|---|---|")
	raw := map[int]float64{}
	for _, x := range r.History {
		if x.Reader == "raw" {
			raw[x.Rep] = x.Rate
		}
	}
	for _, reader := range historyReaders {
		var rates, mbs, ratios, opens []float64
		inOrder := "yes"
		for _, x := range r.History {
			if x.Reader != reader {
				continue
			}
			rates = append(rates, x.Rate)
			opens = append(opens, x.OpenSeconds)
			mbs = append(mbs, x.Rate*float64(x.Size)/1e6)
			if raw[x.Rep] > 0 {
				ratios = append(ratios, x.Rate/raw[x.Rep])
			}
			if reader != "raw" && !x.InOrder {
				inOrder = "**no**"
			}
		}
		if reader == "raw" {
			inOrder = "(not checked)"
		}
		p("| %s | %s | %s | %s | %s | %s |", reader, rng(summarize(rates), "%.0f"), rng(summarize(mbs), "%.1f"), pct(summarize(ratios)), rng(summarize(opens), "%.2f"), inOrder)
	}
	p("")
}

// historyUITarget is issue 21's: the UI reading a stream's history at
// least this share of a raw stream consumer's rate.
const historyUITarget = 0.90

// historyTargets: the UI reader's rate over the raw consumer's, same
// repetition.
func (r *results) historyTargets(p func(string, ...any), yes func(bool) string) {
	raw := map[int]float64{}
	for _, x := range r.History {
		if x.Reader == "raw" {
			raw[x.Rep] = x.Rate
		}
	}
	var ratios []float64
	for _, x := range r.History {
		if x.Reader == "shoveltap-ui" && raw[x.Rep] > 0 {
			ratios = append(ratios, x.Rate/raw[x.Rep])
		}
	}
	if s := summarize(ratios); s.N > 0 {
		p("| reading a stream's history with the UI ≥ %.0f %% of a raw stream consumer (issue 21; %d × %s, median of %d) | %s | %s |",
			historyUITarget*100, r.History[0].Messages, sizeLabel(r.History[0].Size), s.N, pct(s), yes(s.Median >= historyUITarget))
	}
}
