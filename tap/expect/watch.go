package expect

import (
	"context"
	"errors"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// Watch feeds c every message of batches until the outcome is decided,
// within passes, or ctx ends, and returns the verdict. err is set when
// the tap failed or its stream ended before that (the verdict then says
// what was seen until then), or when ctx ended (an interrupt).
func Watch(ctx context.Context, batches <-chan tap.Batch, c *Checker, within time.Duration) (Verdict, error) {
	timer := time.NewTimer(within)
	defer timer.Stop()
	if c.Decided() {
		return c.Finish(time.Now()), nil
	}
	for {
		select {
		case <-ctx.Done():
			return c.Finish(time.Now()), ctx.Err()
		case <-timer.C:
			return c.Finish(time.Now()), nil
		case b, ok := <-batches:
			if !ok {
				return c.Finish(time.Now()), errors.New("the tap ended before the expectations were decided")
			}
			for _, m := range b.Messages {
				if m.Delivery != nil {
					continue // the firehose's report of a delivery is not a message published
				}
				if c.Add(m) {
					return c.Finish(time.Now()), nil
				}
			}
			if b.Status.State == tap.StateFailed {
				return c.Finish(time.Now()), errors.New(b.Status.Detail)
			}
		}
	}
}
