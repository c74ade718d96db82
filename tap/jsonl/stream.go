package jsonl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/decode"
)

// Stream writes every message of batches to out as a JSON line, flushing
// after each batch, until ctx ends, count messages were written (0: no
// limit) or batches is closed. onStatus, when set, hears each change of the
// tap's state.
func Stream(ctx context.Context, batches <-chan tap.Batch, out io.Writer, count int, onStatus func(tap.Status)) error {
	return StreamWith(ctx, batches, out, count, onStatus, Options{})
}

// StreamWith is Stream with options, such as redacting secrets.
func StreamWith(ctx context.Context, batches <-chan tap.Batch, out io.Writer, count int, onStatus func(tap.Status), o Options) error {
	return StreamConfig{Lines: o, Count: count, OnStatus: onStatus}.Stream(ctx, batches, out)
}

// ErrIdle is what StreamConfig.Stream returns when it stopped because
// nothing was written for StreamConfig.Idle.
var ErrIdle = errors.New("jsonl: nothing to write for the idle timeout")

// StreamConfig says what Stream writes and when it stops.
type StreamConfig struct {
	// Lines is what each line holds.
	Lines Options
	// Count stops the stream after this many lines (0: no limit).
	Count int
	// Idle stops the stream when nothing was written for this long
	// (0: never), counted from the start and from each line written.
	Idle time.Duration
	// Keep chooses the messages written (nil: all). It sees each message
	// as it is written (redacted with Lines.Redact) and its decoding.
	// Messages it refuses count for neither Count nor Idle.
	Keep func(tap.Message, decode.Result) bool
	// OnStatus, when set, hears each change of the tap's state.
	OnStatus func(tap.Status)
}

// Stream writes the messages of batches to out as JSON lines, flushing
// after each batch, until ctx ends, batches is closed, Count lines were
// written, or for Idle none was; the last returns ErrIdle.
func (c StreamConfig) Stream(ctx context.Context, batches <-chan tap.Batch, out io.Writer) error {
	w := NewWriterWith(out, c.Lines)
	written := 0
	lastState := tap.StateRunning
	var idle <-chan time.Time
	var timer *time.Timer
	if c.Idle > 0 {
		timer = time.NewTimer(c.Idle)
		defer timer.Stop()
		idle = timer.C
	}
	for {
		select {
		case <-ctx.Done():
			return w.Flush()
		case <-idle:
			if err := w.Flush(); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
			return ErrIdle
		case b, ok := <-batches:
			if !ok {
				return w.Flush()
			}
			if b.Status.State != lastState {
				lastState = b.Status.State
				if c.OnStatus != nil {
					c.OnStatus(b.Status)
				}
			}
			before := written
			for _, m := range b.Messages {
				m, d := w.prepare(m)
				if c.Keep != nil && !c.Keep(m, d) {
					continue
				}
				if err := w.encode(m, d); err != nil {
					return err
				}
				written++
				if c.Count > 0 && written >= c.Count {
					return w.Flush()
				}
			}
			if err := w.Flush(); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
			if timer != nil && written > before {
				timer.Reset(c.Idle)
			}
		}
	}
}
