package jsonl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/filter"
)

// ErrIdle is what Printer.Print returns when it stopped because
// nothing was written for Printer.Idle.
var ErrIdle = errors.New("jsonl: nothing to write for the idle timeout")

// Printer prints a tap's batches as JSON lines (--json): which messages,
// and when it stops.
type Printer struct {
	// Count stops the stream after this many lines (0: no limit).
	Count int
	// Idle stops the stream when nothing was written for this long
	// (0: never), counted from the start and from each line written.
	Idle time.Duration
	// Filter chooses the messages written (--filter; the zero Matcher
	// keeps all), matched against each message's reading, the one the
	// terminal UI and the web page filter. Messages it refuses count for
	// neither Count nor Idle.
	Filter filter.Matcher
	// OnStatus, when set, hears each change of the tap's state.
	OnStatus func(tap.Status)
}

// Print writes the messages of batches to out as JSON lines, flushing
// after each batch, until ctx ends, batches is closed, Count lines were
// written, or for Idle none was; the last returns ErrIdle.
func (c Printer) Print(ctx context.Context, batches <-chan tap.Batch, out io.Writer) error {
	w := NewWriter(out)
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
				if !c.Filter.Empty() && !c.Filter.Match(&m.Read().Subject) {
					continue
				}
				if err := w.Write(m); err != nil {
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
