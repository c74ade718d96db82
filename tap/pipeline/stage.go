package pipeline

import (
	"context"

	"github.com/shoveltap/shoveltap/tap"
)

// Map is the one kind of stage of the pipeline: it passes every batch of
// in on, in order, after change has altered it in place (or looked at it).
// The output is unbuffered, so the stage holds at most one batch and a
// slow reader still holds the tap back at the broker. It closes its
// output when in is closed or ctx ends.
func Map(ctx context.Context, in <-chan tap.Batch, change func(*tap.Batch)) <-chan tap.Batch {
	out := make(chan tap.Batch)
	go func() {
		defer close(out)
		for {
			var b tap.Batch
			var ok bool
			select {
			case b, ok = <-in:
				if !ok {
					return
				}
			case <-ctx.Done():
				return
			}
			change(&b)
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
