package tap

import "context"

// MapBatches is a stage between the session and its readers: it passes
// every batch of in on, in order, after change has altered it in place.
// The output is unbuffered, so the stage holds at most one batch and a
// slow reader still holds the tap back at the broker. It closes its output
// when in is closed or ctx ends.
func MapBatches(ctx context.Context, in <-chan Batch, change func(*Batch)) <-chan Batch {
	out := make(chan Batch)
	go func() {
		defer close(out)
		for {
			var b Batch
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
