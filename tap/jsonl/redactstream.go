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
	return tap.MapBatches(ctx, in, func(b *tap.Batch) {
		if len(b.Messages) == 0 {
			return
		}
		msgs := make([]tap.Message, len(b.Messages))
		for i, m := range b.Messages {
			msgs[i] = Redact(m)
		}
		b.Messages = msgs
	})
}
