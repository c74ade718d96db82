// Package decoding decodes each message of a tap's stream exactly once, off
// the UI goroutine and in order, so that the UI, JSON lines, the recorder,
// the web page and the clipboard all use the same result.
package decoding

import (
	"context"
	"runtime"
	"sync"

	"github.com/shoveltap/shoveltap/tap"
)

// Stage passes every batch of in on, in order, with each message's Decoded
// filled in. The messages of a batch are decoded by up to workers
// goroutines (the number of CPUs when workers <= 0). The output is
// unbuffered, like the session's: the stage holds at most one batch, so
// a slow reader still holds the tap back at the broker rather than here.
// It closes its output when in is closed or ctx ends.
func Stage(ctx context.Context, in <-chan tap.Batch, workers int) <-chan tap.Batch {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	return tap.MapBatches(ctx, in, func(b *tap.Batch) { Batch(b.Messages, workers) })
}

// Batch decodes the messages that are not decoded yet, in place, with up
// to workers goroutines.
func Batch(msgs []tap.Message, workers int) {
	if len(msgs) < 2*workers || workers <= 1 {
		for i := range msgs {
			decodeOne(&msgs[i])
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (len(msgs) + workers - 1) / workers
	for start := 0; start < len(msgs); start += chunk {
		part := msgs[start:min(start+chunk, len(msgs))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range part {
				decodeOne(&part[i])
			}
		}()
	}
	wg.Wait()
}

func decodeOne(m *tap.Message) {
	if m.Decoded != nil {
		return
	}
	res := m.Result()
	m.Decoded = &res
}
