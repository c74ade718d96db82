package jsonl

import (
	"context"
	"fmt"
	"io"

	"github.com/shoveltap/shoveltap/tap"
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
	w := NewWriterWith(out, o)
	written := 0
	lastState := tap.StateRunning
	for {
		select {
		case <-ctx.Done():
			return w.Flush()
		case b, ok := <-batches:
			if !ok {
				return w.Flush()
			}
			if b.Status.State != lastState {
				lastState = b.Status.State
				if onStatus != nil {
					onStatus(b.Status)
				}
			}
			for _, m := range b.Messages {
				if err := w.Write(m); err != nil {
					return err
				}
				written++
				if count > 0 && written >= count {
					return w.Flush()
				}
			}
			if err := w.Flush(); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
		}
	}
}
