package jsonl

import (
	"context"

	"github.com/shoveltap/shoveltap/tap"
)

// RedactBatches passes every batch of in on with its messages redacted
// (Redact), so that whatever reads the returned channel — the decoding
// stage, a recorder, the UI, JSON lines, the web monitor — never holds a
// secret. The channel is closed when in is closed or ctx ends. It waits
// for its reader like any stage; the tap itself never waits for it.
func RedactBatches(ctx context.Context, in <-chan tap.Batch) <-chan tap.Batch {
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
			if len(b.Messages) > 0 {
				msgs := make([]tap.Message, len(b.Messages))
				for i, m := range b.Messages {
					msgs[i] = Redact(m)
				}
				b.Messages = msgs
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
