package ui

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// BenchmarkEntriesBinary100B is the bench's ingest message as the UI
// receives it: 100 bytes of application/octet-stream (a sequence number
// and a time stamp, then zeros), no headers.
func BenchmarkEntriesBinary100B(b *testing.B) {
	msgs := make([]tap.Message, 100)
	for i := range msgs {
		body := make([]byte, 100)
		binary.BigEndian.PutUint32(body, uint32(i))
		binary.BigEndian.PutUint64(body[4:], uint64(time.Now().UnixNano()))
		msgs[i] = tap.Message{Seq: uint64(i + 1), Time: time.Now(), Source: "bench (#)", Exchange: "bench",
			RoutingKey: "shoveltap-bench-raw-ingest-1", Body: body,
			Properties: tap.Properties{ContentType: "application/octet-stream"}}
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = newEntries(msgs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}
