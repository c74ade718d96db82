package metrics

import (
	"fmt"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// benchBatch is 100 decoded 1 KB JSON messages over 1 000 routing keys,
// as the decoding stage hands them on.
func benchBatch(b *testing.B, round int) tap.Batch {
	b.Helper()
	body := []byte(fmt.Sprintf(`{"id": %d, "pad": "%0980d"}`, round, 0))
	now := time.Now()
	msgs := make([]tap.Message, 100)
	for i := range msgs {
		m := tap.Message{Source: "orders (#)", RoutingKey: fmt.Sprintf("order.%d", (round*100+i)%1000), Time: now,
			Properties: tap.Properties{ContentType: "application/json", Timestamp: now.Add(-time.Second)}, Body: body}
		m.Reading = reading.Build(m.ReadingInput())
		msgs[i] = m
	}
	return tap.Batch{Messages: msgs, Status: tap.Status{State: tap.StateRunning}}
}

// BenchmarkObserve is the collector's cost per message (ns/op is per
// message), to compare with the tap's ~40 µs per message (docs/BENCHMARKS.md).
func BenchmarkObserve(b *testing.B) {
	c := New(Config{})
	batches := []tap.Batch{benchBatch(b, 0), benchBatch(b, 1), benchBatch(b, 2)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 100 {
		c.Observe(batches[(i/100)%len(batches)])
	}
}
