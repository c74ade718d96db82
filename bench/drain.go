package main

import (
	"context"
	"fmt"
	"log"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// drainRow is one reader emptying a full tap queue: the publisher has
// stopped, so the reader (and the broker delivering to it) is the limit.
type drainRow struct {
	Rep      int     `json:"rep"`
	Reader   string  `json:"reader"`
	Size     int     `json:"size_bytes"`
	Backlog  int64   `json:"backlog"`
	Received int64   `json:"received"`
	Seconds  float64 `json:"seconds"`
	// Rate counts only the backlog that was on the broker: shoveltap may
	// already hold some messages in the process when let go (see Held).
	Rate float64 `json:"drain_rate"`
	// Published is what the broker confirmed (1.5 × the bound): the
	// difference to Received was dropped at the broker.
	Published int64 `json:"published"`
	Dropped   int64 `json:"dropped_at_broker"`
	// For shoveltap: deliveries its session counted (any difference to
	// Received would be lost in the process) and the drops its UI shows.
	SessionSeen uint64 `json:"session_seen,omitempty"`
	UIDropped   string `json:"ui_shows_dropped,omitempty"`
	// CPU is this process's CPU time (user + system) from just before
	// the fill (published by a child process) to the last message
	// taken: the reader's work alone. CPUPerMsg divides it by Received.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	CPUPerMsg  float64 `json:"cpu_us_per_msg,omitempty"`
}

// drainSize is the message size of the drain part, which also measures
// CPU per message.
const drainSize = 1024

// runDrain alternates shoveltap (session + headless UI) and the raw
// consumer, each reading a backlog of one full tap queue.
func (b *bench) runDrain(ctx context.Context) error {
	for rep := 1; rep <= b.plan.drainReps; rep++ {
		for _, reader := range []string{"shoveltap-ui", "raw"} {
			row, err := b.drainOnce(ctx, rep, reader)
			if err != nil {
				return err
			}
			b.res.Drain = append(b.res.Drain, row)
			log.Printf("bench: drain rep %d %-12s %d in %.2f s = %8.0f msg/s, CPU %.3f s = %.1f µs/msg", rep, reader, row.Received, row.Seconds, row.Rate, row.CPUSeconds, row.CPUPerMsg)
		}
	}
	return nil
}

func (b *bench) drainOnce(ctx context.Context, rep int, reader string) (drainRow, error) {
	backlog := int64(tap.DefaultLimits.MaxLength)
	row := drainRow{Rep: rep, Reader: reader, Size: drainSize, Backlog: backlog}
	gate := make(chan struct{})
	r, err := b.startReader(ctx, reader, fmt.Sprintf("raw-drain-%d", rep), gate)
	if err != nil {
		return row, err
	}
	queue, received, finish, sess, h := r.queue, r.received, r.finish, r.sess, r.ui
	// The CPU window opens here, after the reader's start-up and with the
	// garbage of earlier runs collected: from now on only the reader works
	// in this process (the publisher is a child process, nothing of the
	// harness samples in the background). It includes the fill, as
	// shoveltap's consumer already takes messages in while its UI is held.
	runtime.GC()
	cpu0 := processCPU()
	// Half again as much as the queue holds: the rest must be dropped at
	// the broker, and shown as dropped.
	res, err := publishApart(ctx, b.url, pubSpec{Exchange: "", Key: queue, Size: drainSize, Confirms: true, Window: 2000, Count: backlog * 3 / 2})
	if err != nil {
		_ = finish()
		return row, err
	}
	// shoveltap's consumer may already hold up to its prefetch, unread by
	// the UI: those count, as the UI has not seen them yet.
	t0 := time.Now()
	close(gate)
	deadline := t0.Add(30 * time.Second)
	// Done when the count stops growing: what is not delivered by then was
	// dropped at the broker. The CPU window closes at the last message
	// taken (read each time the count moves), not after the quiet wait.
	last, lastAt, cpuAt := received(), time.Now(), processCPU()
	for time.Since(lastAt) < 300*time.Millisecond && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
		if n := received(); n != last {
			last, lastAt, cpuAt = n, time.Now(), processCPU()
		}
	}
	row.Seconds = lastAt.Sub(t0).Seconds()
	row.Received = received()
	row.CPUSeconds = (cpuAt - cpu0).Seconds()
	if last > 0 {
		row.CPUPerMsg = row.CPUSeconds * 1e6 / float64(last)
	}
	row.Rate = float64(min(row.Received, backlog)) / row.Seconds
	row.Published = res.Confirmed
	row.Dropped = res.Confirmed - row.Received
	if sess != nil {
		// The drop count comes from the management API's sampled
		// statistics: wait for the UI to show it, up to a few samples.
		for end := time.Now().Add(15 * time.Second); time.Now().Before(end) && ctx.Err() == nil; time.Sleep(250 * time.Millisecond) {
			if near(h.shownDropped(), row.Dropped) {
				break
			}
		}
		row.SessionSeen, row.UIDropped = sess.Status().Seen, h.shownDropped()
	}
	return row, finish()
}

// near says whether a count the UI shows ("3,110") is within 1 % (or 5)
// of want: the UI's figure comes from sampled statistics.
func near(shown string, want int64) bool {
	n, err := strconv.ParseInt(strings.ReplaceAll(shown, ",", ""), 10, 64)
	if err != nil {
		return false
	}
	d := n - want
	return d*d <= max(25, want*want/10000)
}
