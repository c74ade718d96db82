package protodec

import (
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap/reading"
)

// BenchmarkReading1KB is the whole decoding stage for the 1 KB order: the
// reading every view shows (reading.BuildWith: the decoder's result,
// sanitised cells, fields, properties, headers and the filter's subject),
// as the pipeline builds it for every message.
func BenchmarkReading1KB(b *testing.B) {
	d, in := order1KB(b)
	rin := reading.Input{Message: in, Time: time.Unix(1_700_000_000, 0), Source: "orders",
		Properties: reading.Properties{ContentType: in.ContentType, DeliveryMode: 2, MessageID: "m-1"}}
	b.SetBytes(int64(len(in.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if r := reading.BuildWith(d, rin); r.Shown.Format != "protobuf" {
			b.Fatal(r.Shown.Notes)
		}
	}
}
