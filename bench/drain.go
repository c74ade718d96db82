package main

import (
	"context"
	"fmt"
	"log"
	"runtime/debug"
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
	// For reading CPUPerMsg: how long the fill took (it is inside the
	// CPU window), and the reader's CPU time per second while started
	// but idle, measured over idleWindow just before the fill. Idle rate
	// × window length is the time-driven part of CPUSeconds, roughly.
	FillSeconds float64 `json:"fill_seconds,omitempty"`
	IdleCPUMsPS float64 `json:"idle_cpu_ms_per_s,omitempty"`
}

// idleWindow covers one management-API sample of shoveltap's session
// (every 2 s) besides its 50 ms ticks and heartbeats.
const idleWindow = 2 * time.Second

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
			log.Printf("bench: drain rep %d %-12s %d in %.2f s = %8.0f msg/s, CPU %.3f s = %.1f µs/msg (fill %.2f s, idle %.1f ms/s)",
				rep, reader, row.Received, row.Seconds, row.Rate, row.CPUSeconds, row.CPUPerMsg, row.FillSeconds, row.IdleCPUMsPS)
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
	// The CPU window opens after the reader's start-up, with the garbage
	// of earlier runs collected and the freed memory already returned to
	// the OS (else the runtime's background scavenger does it inside the
	// window), and after the idle measurement. From then on only the
	// reader works in this process: the publisher is a child process, and
	// of the harness only the production queue's consumer runs, idle (no
	// traffic reaches the production exchange here). The window includes
	// the fill, as shoveltap's consumer already takes messages in while
	// its UI is held.
	debug.FreeOSMemory()
	idle0 := processCPU()
	select {
	case <-time.After(idleWindow):
	case <-ctx.Done():
		_ = finish()
		return row, ctx.Err()
	}
	cpu0 := processCPU()
	row.IdleCPUMsPS = float64((cpu0 - idle0).Microseconds()) / 1e3 / idleWindow.Seconds()
	// Half again as much as the queue holds: the rest must be dropped at
	// the broker, and shown as dropped.
	fill0 := time.Now()
	res, err := publishApart(ctx, b.url, pubSpec{Exchange: "", Key: queue, Size: drainSize, Confirms: true, Window: 2000, Count: backlog * 3 / 2})
	if err != nil {
		_ = finish()
		return row, err
	}
	row.FillSeconds = time.Since(fill0).Seconds()
	// shoveltap's consumer may already hold up to its prefetch, unread by
	// the UI: those count, as the UI has not seen them yet.
	t0 := time.Now()
	close(gate)
	deadline := t0.Add(30 * time.Second)
	// Done when the count stops growing: what is not delivered by then was
	// dropped at the broker. The end time and the CPU window's end come
	// from the reader (its last message, and the CPU time it read then),
	// so this loop can poll coarsely: each wake-up costs CPU too (tens of
	// µs on a busy VM), and it would be charged to the reader.
	last, lastAt := received(), time.Now()
	for time.Since(lastAt) < 300*time.Millisecond && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if n := received(); n != last {
			last, lastAt = n, time.Now()
		}
	}
	row.Received = received()
	if at, cpuAt := r.progress(); !at.IsZero() && row.Received > 0 {
		row.Seconds = at.Sub(t0).Seconds()
		row.CPUSeconds = (cpuAt - cpu0).Seconds()
		row.CPUPerMsg = row.CPUSeconds * 1e6 / float64(row.Received)
	} else {
		row.Seconds = lastAt.Sub(t0).Seconds()
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
